// Where the pods of a workload are described. Every supported kind is reduced
// to a list of paths to PodSpecs plus how many pods each one runs, so that
// `inject` and `plan` share one table of kinds. A Trainer v2 TrainJob has no
// PodSpec of its own (its runtime does); it is recognised here and handled by
// the callers through its podSpecOverrides.

export type PathItem = string | number;

export interface PodTemplateRef {
  /** Replica type, task or kind, for messages and the plan table. */
  readonly name: string;
  /** From the document root to the PodSpec. */
  readonly path: readonly PathItem[];
  /** Pods running at once from this template. */
  readonly replicas: number;
  /** A DaemonSet: one pod per node, so replicas depends on the cluster. */
  readonly perNode: boolean;
}

export type Workload =
  | { readonly shape: 'pods'; readonly kind: string; readonly templates: readonly PodTemplateRef[] }
  | { readonly shape: 'trainjob'; readonly kind: string; readonly path: readonly PathItem[] }
  | { readonly shape: 'none'; readonly kind: string; readonly known: boolean };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kinds that hold no pod template: passed through by inject without a warning. */
const PASSIVE_KINDS: ReadonlySet<string> = new Set([
  'ConfigMap',
  'Secret',
  'Service',
  'ServiceAccount',
  'Namespace',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'StorageClass',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'NetworkPolicy',
  'Ingress',
  'LimitRange',
  'ResourceQuota',
  'PriorityClass',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'Queue',
  'PodGroup',
  'ServiceMonitor',
  'PodMonitor',
  'PrometheusRule',
  'CustomResourceDefinition',
]);

function count(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback;
}

function group(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const podsOf = (kind: string, templates: PodTemplateRef[]): Workload => ({ shape: 'pods', kind, templates });

function classify(obj: Obj, prefix: readonly PathItem[], into: PodTemplateRef[]): Workload {
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : '';
  const g = group(obj['apiVersion']);
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  const one = (name: string, path: PathItem[], replicas: number, perNode = false): Workload => {
    into.push({ name, path: [...prefix, ...path], replicas, perNode });
    return podsOf(kind, into);
  };

  if (g === '' && kind === 'Pod') return one(kind, ['spec'], 1);
  if (g === '' && kind === 'PodTemplate') return one(kind, ['template', 'spec'], 1);
  if (g === '' && kind === 'List' && Array.isArray(obj['items'])) {
    obj['items'].forEach((item, i) => {
      if (isObj(item)) classify(item, [...prefix, 'items', i], into);
    });
    return podsOf(kind, into);
  }
  if (g === 'apps' && (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'StatefulSet')) {
    return one(kind, ['spec', 'template', 'spec'], count(spec['replicas'], 1));
  }
  if (g === 'apps' && kind === 'DaemonSet') return one(kind, ['spec', 'template', 'spec'], 1, true);
  if (g === 'batch' && kind === 'Job') return one(kind, ['spec', 'template', 'spec'], count(spec['parallelism'], 1));
  if (g === 'batch' && kind === 'CronJob') {
    const jobSpec = isObj(spec['jobTemplate']) && isObj(spec['jobTemplate']['spec']) ? spec['jobTemplate']['spec'] : {};
    return one(kind, ['spec', 'jobTemplate', 'spec', 'template', 'spec'], count(jobSpec['parallelism'], 1));
  }
  // TFJob (tfReplicaSpecs), PyTorchJob (pytorchReplicaSpecs) and their
  // siblings (MPIJob, XGBoostJob, PaddleJob, JAXJob) share one layout.
  if (g === 'kubeflow.org') {
    for (const [key, roles] of Object.entries(spec)) {
      if (!key.endsWith('ReplicaSpecs') || !isObj(roles)) continue;
      for (const [role, rs] of Object.entries(roles)) {
        if (!isObj(rs)) continue;
        into.push({ name: role, path: [...prefix, 'spec', key, role, 'template', 'spec'], replicas: count(rs['replicas'], 1), perNode: false });
      }
    }
    return podsOf(kind, into);
  }
  if (g === 'batch.volcano.sh' && kind === 'Job') {
    const tasks = Array.isArray(spec['tasks']) ? spec['tasks'] : [];
    tasks.forEach((t, i) => {
      if (!isObj(t)) return;
      const name = typeof t['name'] === 'string' ? t['name'] : `task-${i}`;
      into.push({ name, path: [...prefix, 'spec', 'tasks', i, 'template', 'spec'], replicas: count(t['replicas'], 1), perNode: false });
    });
    return podsOf(kind, into);
  }
  if (g === 'trainer.kubeflow.org' && kind === 'TrainJob') return { shape: 'trainjob', kind, path: [...prefix, 'spec'] };
  return { shape: 'none', kind, known: PASSIVE_KINDS.has(kind) };
}

/** How the pods of one manifest are described; `shape: 'none'` if it has none. */
export function findWorkload(obj: unknown): Workload {
  if (!isObj(obj)) return { shape: 'none', kind: '', known: false };
  return classify(obj, [], []);
}

/** The value at a path of plain objects and arrays, or undefined. */
export function getPath(root: unknown, path: readonly PathItem[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (typeof p === 'number') cur = Array.isArray(cur) ? cur[p] : undefined;
    else cur = isObj(cur) ? cur[p] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** The name shown for a manifest in messages: "PyTorchJob team-a/bert". */
export function describeManifest(obj: unknown, index: number): string {
  if (!isObj(obj)) return `document ${index}`;
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : 'document';
  const meta = isObj(obj['metadata']) ? obj['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : `#${index}`;
  const ns = typeof meta['namespace'] === 'string' ? `${meta['namespace']}/` : '';
  return `${kind} ${ns}${name}`;
}
