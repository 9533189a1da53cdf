// `k8s inject --posix`, checkpoint half: the volume a job's containers mount
// at the checkpoint path (say /checkpoints, a PVC of the distributed
// filesystem) becomes the node's writable checkpoint mount, under a
// per-job directory, through a hostPath with HostToContainer propagation.
// Saves then cost a local-SSD write and persist in the background; the
// container's command does not change. TIERCACHE_CHECKPOINT_DIR and
// TIERCACHE_CHECKPOINT_PREFIX let `tiercache checkpoint wait` in the pod map
// its paths onto the node's mount.
//
// Idempotent like the socket wiring: a volume that already points into the
// node's checkpoint mount is left alone.

import { isMap, isScalar, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import type { EditContext } from './socket-injection';

export const CHECKPOINT_DIR_ENV = 'TIERCACHE_CHECKPOINT_DIR';
export const CHECKPOINT_PREFIX_ENV = 'TIERCACHE_CHECKPOINT_PREFIX';
/** Where the DaemonSet mounts the checkpoint directory on every node. */
export const DEFAULT_CHECKPOINT_MOUNT_DIR = '/var/lib/tiercache/checkpoints';
export const DEFAULT_CHECKPOINT_PATH = '/checkpoints';

export interface CheckpointWiring {
  /** The checkpoint mount on the node (the DaemonSet's --checkpoint-mount). */
  readonly nodeDir: string;
  /** mountPath of the job's checkpoint volume in its containers. */
  readonly mountPath: string;
  /** Per-job directory under the node mount: "<namespace>-<name>". */
  readonly jobDir: string;
}

const scalar = (m: YAMLMap, key: string): unknown => {
  const v = m.get(key, true);
  return isScalar(v) ? v.value : undefined;
};

const mapsOf = (seq: unknown): YAMLMap[] => (isSeq(seq) ? (seq as YAMLSeq).items.filter((i): i is YAMLMap => isMap(i)) : []);

/** "<namespace>-<name>" of the document's object, a valid single path component. */
export function jobDirOf(ctx: EditContext): string {
  const meta = ctx.doc.get('metadata', true);
  const ns = isMap(meta) ? scalar(meta, 'namespace') : undefined;
  const name = isMap(meta) ? scalar(meta, 'name') ?? scalar(meta, 'generateName') : undefined;
  const clean = (s: unknown) => String(s ?? '').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '');
  return `${clean(ns) || 'default'}-${clean(name) || 'job'}`;
}

/** Rewires the pod spec's checkpoint volume; false when no container mounts one at the path. */
export function wireCheckpointVolume(ctx: EditContext, spec: YAMLMap, field: string, w: CheckpointWiring): boolean {
  const containers = [...mapsOf(spec.get('initContainers', true)), ...mapsOf(spec.get('containers', true))];
  const byMount = containers
    .map((c) => ({ c, m: mapsOf(c.get('volumeMounts', true)).find((m) => scalar(m, 'mountPath') === w.mountPath) }))
    .filter((x): x is { c: YAMLMap; m: YAMLMap } => x.m !== undefined);
  if (byMount.length === 0) return false;
  const hostPath = `${w.nodeDir.replace(/\/+$/, '')}/${w.jobDir}`;
  const volumes = mapsOf(spec.get('volumes', true));
  for (const { c, m } of byMount) {
    const name = scalar(m, 'name');
    const vol = volumes.find((v) => scalar(v, 'name') === name);
    if (!vol) {
      ctx.warn(`${ctx.source}: ${ctx.what}: ${field}: the volume ${String(name)} mounted at ${w.mountPath} is not in the pod's volumes; left unchanged`);
      continue;
    }
    if (m.has('subPath') || m.has('subPathExpr')) {
      ctx.warn(`${ctx.source}: ${ctx.what}: ${field}: the checkpoint mount at ${w.mountPath} uses a subPath; left unchanged`);
      continue;
    }
    const hp = vol.get('hostPath', true);
    if (!(isMap(hp) && scalar(hp, 'path') === hostPath)) {
      for (const k of [...vol.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key))]) if (k !== 'name') vol.delete(k);
      // OrCreate: the kubelet makes the per-job directory through the mount (the DaemonSet starts first).
      vol.set('hostPath', ctx.doc.createNode({ path: hostPath, type: 'DirectoryOrCreate' }));
      ctx.changed = true;
    }
    if (scalar(m, 'mountPropagation') !== 'HostToContainer') {
      m.set('mountPropagation', 'HostToContainer');
      ctx.changed = true;
    }
    if (m.has('readOnly') && scalar(m, 'readOnly') !== false) {
      m.delete('readOnly');
      ctx.changed = true;
    }
    setEnv(ctx, c, CHECKPOINT_DIR_ENV, w.mountPath);
    setEnv(ctx, c, CHECKPOINT_PREFIX_ENV, w.jobDir);
  }
  return true;
}

function setEnv(ctx: EditContext, container: YAMLMap, name: string, value: string): void {
  let env: unknown = container.get('env', true);
  if (!isSeq(env)) {
    container.set('env', ctx.doc.createNode([]));
    env = container.get('env', true);
  }
  const seq = env as YAMLSeq;
  const have = mapsOf(seq).find((e) => scalar(e, 'name') === name);
  if (have) {
    if (scalar(have, 'value') !== value) {
      have.set('value', value);
      ctx.changed = true;
    }
    return;
  }
  if (seq.items.length === 0) seq.flow = false;
  seq.add(ctx.doc.createNode({ name, value }));
  ctx.changed = true;
}
