// `tiercache k8s inject --posix`: the job's data volume (a PVC) becomes the
// node's cached view of the same dataset, the daemon's read-only FUSE mount,
// at the same mountPath, so the container's command does not change. The
// view reaches the pod through a hostPath with HostToContainer propagation:
// when a restarted daemon mounts again on the node, the pod sees the new
// mount without a restart. Idempotent like the socket wiring: a volume that
// already points at the view is only checked.

import { isMap, isScalar, isSeq, type YAMLMap, type Node } from 'yaml';
import { ManifestError } from './errors';
import type { EditContext } from './socket-injection';
import type { PosixOptions } from './types';

export const posixHostPath = (p: PosixOptions): string =>
  p.subdir === '' ? p.dir : `${p.dir.replace(/\/+$/, '')}/${p.subdir.replace(/^\/+|\/+$/g, '')}`;

function fail(ctx: EditContext, node: Node | null | undefined, message: string): never {
  const line = node?.range ? ctx.lineAt(node.range[0]) : undefined;
  throw new ManifestError(ctx.source, line === undefined ? undefined : { line }, `${ctx.what}: ${message}`);
}

function scalar(map: YAMLMap, key: string): unknown {
  const v = map.get(key, true);
  return isScalar(v) ? v.value : undefined;
}

function maps(node: unknown): YAMLMap[] {
  return isSeq(node) ? node.items.filter((i): i is YAMLMap => isMap(i)) : [];
}

/** Every volumeMount of every container and init container of `owner`. */
function mountsOf(owner: YAMLMap): YAMLMap[] {
  return ['initContainers', 'containers'].flatMap((k) => maps(owner.get(k, true)).flatMap((c) => maps(c.get('volumeMounts', true))));
}

const claimOf = (v: YAMLMap): string | undefined => {
  const pvc = v.get('persistentVolumeClaim', true);
  return isMap(pvc) ? String(scalar(pvc, 'claimName')) : undefined;
};

/**
 * Which PVC volume holds the dataset: the one named by --posix-claim, else
 * the only PVC, else the only one every container mounts read-only.
 */
function dataVolume(ctx: EditContext, owner: YAMLMap, volumes: YAMLMap[], field: string): YAMLMap | undefined {
  const posix = ctx.options.posix!;
  const pvcs = volumes.filter((v) => claimOf(v) !== undefined);
  if (posix.claim !== undefined) {
    const named = pvcs.find((v) => claimOf(v) === posix.claim);
    if (!named) ctx.warn(`${ctx.source}: ${ctx.what}: --posix: ${field} mounts no claim ${posix.claim}; left unchanged`);
    return named;
  }
  if (pvcs.length === 0) {
    ctx.warn(`${ctx.source}: ${ctx.what}: --posix: ${field} has no persistentVolumeClaim volume to replace; left unchanged`);
    return undefined;
  }
  if (pvcs.length === 1) return pvcs[0];
  const mounts = mountsOf(owner);
  const readOnly = pvcs.filter((v) => {
    const own = mounts.filter((m) => scalar(m, 'name') === scalar(v, 'name'));
    return own.length > 0 && own.every((m) => scalar(m, 'readOnly') === true);
  });
  if (readOnly.length === 1) return readOnly[0];
  return fail(
    ctx,
    owner.get('volumes', true) as Node,
    `--posix: cannot tell the data volume among the claims ${pvcs.map(claimOf).join(', ')}; pass --posix-claim NAME`,
  );
}

/** Replaces the data PVC of a pod spec (or a TrainJob override) with the cached view. */
export function wirePosixView(ctx: EditContext, owner: YAMLMap, field: string): void {
  const posix = ctx.options.posix!;
  const path = posixHostPath(posix);
  const volumes = maps(owner.get('volumes', true));
  let target = volumes.find((v) => {
    const hp = v.get('hostPath', true);
    return isMap(hp) && scalar(hp, 'path') === path;
  });
  if (!target) {
    target = dataVolume(ctx, owner, volumes, field);
    if (!target) return;
    const claim = claimOf(target);
    target.delete('persistentVolumeClaim');
    // Directory: while the view is not mounted yet, a subdirectory of it is
    // missing and the pod waits, instead of starting on an empty directory.
    target.set('hostPath', ctx.doc.createNode({ path, type: 'Directory' }));
    target.commentBefore = ` tiercache k8s inject --posix: was persistentVolumeClaim ${claim}; now the node's cached, read-only view of it`;
    ctx.changed = true;
  }
  const name = scalar(target, 'name');
  for (const m of mountsOf(owner)) {
    if (scalar(m, 'name') !== name) continue;
    if (scalar(m, 'readOnly') !== true) {
      m.set('readOnly', true);
      ctx.changed = true;
    }
    if (scalar(m, 'mountPropagation') !== 'HostToContainer') {
      m.set('mountPropagation', 'HostToContainer');
      ctx.changed = true;
    }
  }
}
