// `tiercache k8s plan`: what a training job asks of the cluster (CPU, memory,
// GPUs over all replicas and tasks, the PVCs it mounts) and of tiercache
// (read bandwidth, whether its dataset fits in the node caches). Pure: it
// reads plain objects and returns numbers; plan-report.ts prints them.

import { ManifestError } from './errors';
import { parseQuantity } from './quantity';
import { describeManifest, findWorkload, getPath, type PodTemplateRef } from './pod-templates';
import { GPU_RESOURCES, type CachePlan, type ClaimPlan, type JobPlan, type PlanOptions, type PodGroupPlan, type Resources } from './types';
import { getErrorMessage } from '../util/errors-message';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const zero = (): Resources => ({ cpu: 0, memory: 0, gpu: 0 });
const add = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, gpu: a.gpu + b.gpu });
const max = (a: Resources, b: Resources): Resources => ({
  cpu: Math.max(a.cpu, b.cpu),
  memory: Math.max(a.memory, b.memory),
  gpu: Math.max(a.gpu, b.gpu),
});
const times = (a: Resources, n: number): Resources => ({ cpu: a.cpu * n, memory: a.memory * n, gpu: a.gpu * n });

export interface ClaimInfo {
  readonly name: string;
  readonly storage: number | undefined;
  readonly accessModes: readonly string[];
}

/** Reads quantities; a bad one is reported with the manifest and field. */
class QuantityReader {
  readonly source: string;
  readonly what: string;
  constructor(source: string, what: string) {
    this.source = source;
    this.what = what;
  }
  read(v: unknown, field: string): number {
    if (typeof v !== 'string' && typeof v !== 'number') throw this.error(v, field, 'expected a quantity');
    try {
      return parseQuantity(v);
    } catch (err) {
      throw this.error(v, field, getErrorMessage(err));
    }
  }
  private error(v: unknown, field: string, why: string): ManifestError {
    return new ManifestError(this.source, undefined, `${this.what}: invalid quantity ${JSON.stringify(v)} at ${field}: ${why}`);
  }
}

/** requests, defaulted from limits as the API server does. */
function resourcesOf(q: QuantityReader, resources: unknown, field: string): Resources {
  const r = isObj(resources) ? resources : {};
  const requests = isObj(r['requests']) ? r['requests'] : {};
  const limits = isObj(r['limits']) ? r['limits'] : {};
  const get = (name: string): number => {
    const v = requests[name] ?? limits[name];
    return v === undefined ? 0 : q.read(v, `${field}.${name}`);
  };
  const names = new Set([...Object.keys(requests), ...Object.keys(limits)]);
  let gpu = 0;
  for (const n of names) if (GPU_RESOURCES.includes(n) || n.endsWith('/gpu')) gpu += get(n);
  return { cpu: get('cpu'), memory: get('memory'), gpu };
}

/**
 * A pod's effective request, as the scheduler counts it: the larger of
 * (app containers + sidecars) and each ordinary init container together with
 * the sidecars started before it; plus the pod overhead.
 */
function podRequests(q: QuantityReader, spec: unknown, field: string): Resources {
  const s = isObj(spec) ? spec : {};
  let sidecars = zero();
  let initPeak = zero();
  list(s['initContainers']).forEach((c, i) => {
    if (!isObj(c)) return;
    const r = resourcesOf(q, c['resources'], `${field}.initContainers[${i}].resources`);
    if (c['restartPolicy'] === 'Always') sidecars = add(sidecars, r);
    else initPeak = max(initPeak, add(r, sidecars));
  });
  let app = zero();
  list(s['containers']).forEach((c, i) => {
    if (isObj(c)) app = add(app, resourcesOf(q, c['resources'], `${field}.containers[${i}].resources`));
  });
  const overhead = isObj(s['overhead']) ? resourcesOf(q, { requests: s['overhead'] }, `${field}.overhead`) : zero();
  return add(max(add(app, sidecars), initPeak), overhead);
}

interface MountedClaim {
  readonly claimName: string;
  readonly readOnly: boolean;
  readonly mountPaths: readonly string[];
  /** Set for a claim the job creates itself (Volcano volumeClaim). */
  readonly storage?: number;
}

/** Claims a PodSpec mounts; read-only if the volume or all its mounts are. */
function claimsOfPodSpec(spec: unknown): MountedClaim[] {
  const s = isObj(spec) ? spec : {};
  const mounts = [...list(s['containers']), ...list(s['initContainers'])].flatMap((c) => (isObj(c) ? list(c['volumeMounts']) : []));
  const out: MountedClaim[] = [];
  for (const v of list(s['volumes'])) {
    if (!isObj(v) || !isObj(v['persistentVolumeClaim'])) continue;
    const pvc = v['persistentVolumeClaim'];
    if (typeof pvc['claimName'] !== 'string') continue;
    const its = mounts.filter((m) => isObj(m) && m['name'] === v['name']) as Obj[];
    const readOnly = pvc['readOnly'] === true || (its.length > 0 && its.every((m) => m['readOnly'] === true));
    const mountPaths = its.map((m) => m['mountPath']).filter((x): x is string => typeof x === 'string');
    out.push({ claimName: pvc['claimName'], readOnly, mountPaths });
  }
  return out;
}

/** Volcano mounts spec.volumes into every task: by claim name, or a claim it creates. */
function claimsOfVolcanoJob(q: QuantityReader, spec: Obj): MountedClaim[] {
  return list(spec['volumes']).flatMap((v, i): MountedClaim[] => {
    if (!isObj(v)) return [];
    const mountPaths = typeof v['mountPath'] === 'string' ? [v['mountPath']] : [];
    if (typeof v['volumeClaimName'] === 'string') return [{ claimName: v['volumeClaimName'], readOnly: false, mountPaths }];
    const vc = v['volumeClaim'];
    if (!isObj(vc)) return [];
    const storage = getPath(vc, ['resources', 'requests', 'storage']);
    const modes = list(vc['accessModes']);
    return [
      {
        claimName: `(created for ${String(v['mountPath'] ?? `volume ${i}`)})`,
        readOnly: modes.length > 0 && modes.every((m) => m === 'ReadOnlyMany'),
        mountPaths,
        ...(storage === undefined ? {} : { storage: q.read(storage, `spec.volumes[${i}].volumeClaim.resources.requests.storage`) }),
      },
    ];
  });
}

/** PersistentVolumeClaims among the documents, by name. */
export function collectClaims(objs: readonly unknown[], source: string): Map<string, ClaimInfo> {
  const out = new Map<string, ClaimInfo>();
  objs.forEach((o, i) => {
    if (!isObj(o) || o['kind'] !== 'PersistentVolumeClaim') return;
    const name = getPath(o, ['metadata', 'name']);
    if (typeof name !== 'string') return;
    const q = new QuantityReader(source, describeManifest(o, i + 1));
    const storage = getPath(o, ['spec', 'resources', 'requests', 'storage']);
    const modes = list(getPath(o, ['spec', 'accessModes'])).filter((m): m is string => typeof m === 'string');
    out.set(name, {
      name,
      storage: storage === undefined ? undefined : q.read(storage, 'spec.resources.requests.storage'),
      accessModes: modes,
    });
  });
  return out;
}

function chooseDataset(claims: readonly ClaimPlan[], options: PlanOptions, notes: string[]): ClaimPlan | undefined {
  if (options.datasetClaim !== undefined) {
    const c = claims.find((x) => x.claimName === options.datasetClaim);
    if (!c) notes.push(`--dataset-claim ${options.datasetClaim} is not mounted by this job`);
    return c;
  }
  // A dataset is read, not written: prefer read-only claims, then a name or
  // mount path that says so. Never guess among the other writable claims
  // (checkpoint claims are big too).
  const bySize = (xs: ClaimPlan[]): ClaimPlan | undefined => [...xs].sort((a, b) => (b.storage ?? -1) - (a.storage ?? -1))[0];
  const chosen = bySize(claims.filter((c) => c.readOnly)) ?? bySize(claims.filter((c) => [c.claimName, ...c.mountPaths].some((s) => /data/i.test(s))));
  if (chosen) notes.push(`dataset: ${chosen.claimName} (${chosen.readOnly ? 'mounted read-only' : 'by its name or mount path'}; set --dataset-claim to choose)`);
  else if (claims.length > 0) notes.push('no claim looks like the dataset; set --dataset-claim NAME');
  return chosen;
}

function cachePlan(pods: number, gpuPods: number, dataset: ClaimPlan | undefined, options: PlanOptions): CachePlan {
  // Without --nodes, assume one pod per node: true of GPU training pods that
  // take a whole node, and the only guess the manifest supports.
  const nodes = options.nodes ?? Math.max(1, gpuPods > 0 ? gpuPods : pods);
  const aggregate = nodes * options.nodeCacheSize;
  const s3 = options.s3Backend;
  const size = s3 ? s3.datasetSize : dataset?.storage;
  return {
    backendKind: s3 ? 's3' : 'posix',
    backendUrl: s3?.url,
    nodes,
    nodesAssumed: options.nodes === undefined,
    nodeCacheSize: options.nodeCacheSize,
    aggregateCacheSize: aggregate,
    datasetClaim: s3 ? undefined : dataset?.claimName,
    datasetSize: size,
    fitsAggregate: size === undefined ? undefined : size <= aggregate,
    fitsPerNode: size === undefined ? undefined : size <= options.nodeCacheSize,
  };
}

function planOne(obj: Obj, index: number, source: string, known: ReadonlyMap<string, ClaimInfo>, options: PlanOptions): JobPlan | undefined {
  const workload = findWorkload(obj);
  if (workload.shape === 'none') return undefined;
  const what = describeManifest(obj, index);
  const q = new QuantityReader(source, what);
  const groups: PodGroupPlan[] = [];
  const mounted: MountedClaim[] = [];
  const notes: string[] = [];
  let gpuPods = 0;
  const addGroup = (name: string, replicas: number, perPod: Resources): void => {
    groups.push({ name, replicas, perPod, total: times(perPod, replicas) });
    if (perPod.gpu > 0) gpuPods += replicas;
  };
  if (workload.shape === 'pods') {
    workload.templates.forEach((t: PodTemplateRef) => {
      const spec = getPath(obj, t.path);
      const replicas = t.perNode ? options.nodes ?? 1 : t.replicas;
      if (t.perNode) notes.push(`${t.name}: one pod per node, counted for ${replicas} node(s)`);
      addGroup(t.name, replicas, podRequests(q, spec, t.path.join('.')));
      mounted.push(...claimsOfPodSpec(spec));
    });
    if (getPath(obj, ['apiVersion'])?.toString().startsWith('batch.volcano.sh/')) {
      mounted.push(...claimsOfVolcanoJob(q, isObj(obj['spec']) ? obj['spec'] : {}));
    }
  } else {
    // TrainJob: only the trainer's nodes are known here; the runtime may add
    // initializer jobs, which run before training and are not counted.
    const trainer = getPath(obj, ['spec', 'trainer']);
    const t = isObj(trainer) ? trainer : {};
    const nodes = typeof t['numNodes'] === 'number' ? t['numNodes'] : 1;
    addGroup('node', nodes, resourcesOf(q, t['resourcesPerNode'], 'spec.trainer.resourcesPerNode'));
    for (const o of list(getPath(obj, ['spec', 'podSpecOverrides']))) mounted.push(...claimsOfPodSpec({ volumes: isObj(o) ? o['volumes'] : [] }));
    notes.push('TrainJob: counts spec.trainer only; the runtime sets the rest of the pods');
  }
  const byName = new Map<string, ClaimPlan>();
  for (const m of mounted) {
    const prev = byName.get(m.claimName);
    const info = known.get(m.claimName);
    byName.set(m.claimName, {
      claimName: m.claimName,
      storage: m.storage ?? info?.storage,
      accessModes: info?.accessModes ?? [],
      // Read-only only if every pod that mounts it does so read-only.
      readOnly: (prev?.readOnly ?? true) && m.readOnly,
      mountPaths: [...new Set([...(prev?.mountPaths ?? []), ...m.mountPaths])],
    });
  }
  const claims = [...byName.values()];
  for (const c of claims) if (c.storage === undefined) notes.push(`PVC ${c.claimName} not found in the manifests; pass it with --pvc FILE`);
  const total = groups.reduce((acc, g) => add(acc, g.total), zero());
  const pods = groups.reduce((n, g) => n + g.replicas, 0);
  const cache = cachePlan(pods, gpuPods, options.s3Backend ? undefined : chooseDataset(claims, options, notes), options);
  if (options.s3Backend && options.s3Backend.datasetSize === undefined) {
    notes.push(`dataset: ${options.s3Backend.url}; give its size with --dataset-size (e.g. from aws s3 ls --summarize --recursive)`);
  }
  const readBandwidth = total.gpu * options.perGpuReadRate;
  if (total.gpu === 0) notes.push('no GPU requests: the read bandwidth estimate is 0');
  const meta = isObj(obj['metadata']) ? obj['metadata'] : {};
  return {
    kind: workload.kind,
    name: typeof meta['name'] === 'string' ? meta['name'] : `#${index}`,
    namespace: typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined,
    groups,
    pods,
    total,
    claims,
    perGpuReadRate: options.perGpuReadRate,
    readBandwidth,
    readBandwidthPerNode: readBandwidth / cache.nodes,
    cache,
    notes,
  };
}

/**
 * One plan per workload among `objs`. The PVCs they mount are looked up by
 * claim name among `objs` and `claims` (collected from the --pvc files).
 */
export function planJobs(
  objs: readonly unknown[],
  source: string,
  options: PlanOptions,
  claims: ReadonlyMap<string, ClaimInfo> = new Map(),
): JobPlan[] {
  const known = new Map([...claims, ...collectClaims(objs, source)]);
  const plans: JobPlan[] = [];
  objs.forEach((o, i) => {
    if (!isObj(o)) return;
    const p = planOne(o, i + 1, source, known, options);
    if (p) plans.push(p);
  });
  return plans;
}
