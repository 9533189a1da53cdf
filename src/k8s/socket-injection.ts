// Edits that wire a pod to the node's tiercache daemon, made on the YAML
// syntax tree so that comments, key order and unrelated fields survive. Every
// edit first looks for what it would add and does nothing if it is there:
// that check is what makes `inject` idempotent, and it also leaves alone a
// user's own socket volume, mount or TIERCACHE_SOCKET.

import { isMap, isScalar, isSeq, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml';
import { ManifestError } from './errors';
import { SOCKET_ENV, SOCKET_FILE, SOCKET_VOLUME, WARMUP_CONTAINER, WARMUP_RESOURCES, type InjectOptions, type Warn } from './types';

export interface EditContext {
  readonly doc: Document.Parsed;
  readonly options: InjectOptions;
  readonly warn: Warn;
  /** "PyTorchJob team-a/bert", for messages. */
  readonly what: string;
  /** Source name and the line of an offset, for errors. */
  readonly source: string;
  readonly lineAt: (offset: number) => number;
  changed: boolean;
}

function fail(ctx: EditContext, node: Node | null | undefined, message: string): never {
  const line = node?.range ? ctx.lineAt(node.range[0]) : undefined;
  throw new ManifestError(ctx.source, line === undefined ? undefined : { line }, `${ctx.what}: ${message}`);
}

function scalarOf(map: YAMLMap, key: string): unknown {
  const v = map.get(key, true);
  return isScalar(v) ? v.value : undefined;
}

/** The sequence at `key`, created when missing or null. */
function seqAt(ctx: EditContext, map: YAMLMap, key: string, field: string): YAMLSeq {
  const v = map.get(key, true);
  if (isSeq(v)) return v;
  if (v === undefined || (isScalar(v) && v.value === null)) {
    const seq = new YAMLSeq();
    map.set(key, seq);
    ctx.changed = true;
    return seq;
  }
  return fail(ctx, v as Node, `${field}.${key} must be a list`);
}

function mapsIn(ctx: EditContext, seq: YAMLSeq, field: string): YAMLMap[] {
  return seq.items.map((item) => (isMap(item) ? item : fail(ctx, item as Node, `every item of ${field} must be a mapping`)));
}

function append(ctx: EditContext, seq: YAMLSeq, value: unknown): void {
  // An empty flow list ("env: []") would otherwise stay on one line.
  if (seq.items.length === 0) seq.flow = false;
  seq.add(ctx.doc.createNode(value));
  ctx.changed = true;
}

export const socketPath = (options: InjectOptions): string => `${options.socketDir.replace(/\/+$/, '')}/${SOCKET_FILE}`;

/**
 * Makes sure `owner.volumes` holds a hostPath volume of the socket directory
 * and returns its name (the user's own, if one already points there).
 */
export function ensureSocketVolume(ctx: EditContext, owner: YAMLMap, field: string): string {
  const seq = seqAt(ctx, owner, 'volumes', field);
  const volumes = mapsIn(ctx, seq, `${field}.volumes`);
  for (const v of volumes) {
    const hostPath = v.get('hostPath', true);
    if (scalarOf(v, 'name') === SOCKET_VOLUME) return SOCKET_VOLUME;
    if (isMap(hostPath) && scalarOf(hostPath, 'path') === ctx.options.socketDir) return String(scalarOf(v, 'name'));
  }
  append(ctx, seq, {
    name: SOCKET_VOLUME,
    // OrCreate: a pod scheduled before the daemon's first start still starts
    // (and reads the filesystem directly) instead of failing to mount.
    hostPath: { path: ctx.options.socketDir, type: 'DirectoryOrCreate' },
  });
  return SOCKET_VOLUME;
}

/** Mount of the socket directory and TIERCACHE_SOCKET in one container. */
export function wireContainer(ctx: EditContext, container: YAMLMap, volume: string, field: string): void {
  const mountSeq = seqAt(ctx, container, 'volumeMounts', field);
  const mounts = mapsIn(ctx, mountSeq, `${field}.volumeMounts`);
  if (!mounts.some((m) => scalarOf(m, 'name') === volume || scalarOf(m, 'mountPath') === ctx.options.socketDir)) {
    // Read-only is enough to connect to a Unix socket and keeps a training
    // container from deleting or replacing the daemon's socket.
    append(ctx, mountSeq, { name: volume, mountPath: ctx.options.socketDir, readOnly: true });
  }
  const envSeq = seqAt(ctx, container, 'env', field);
  const env = mapsIn(ctx, envSeq, `${field}.env`);
  if (!env.some((e) => scalarOf(e, 'name') === SOCKET_ENV)) {
    append(ctx, envSeq, { name: SOCKET_ENV, value: socketPath(ctx.options) });
  }
}

function warmupArgs(prefix: string): string[] {
  return ['warmup', prefix];
}

/**
 * The init container that loads PREFIX into the node cache before the
 * training containers start, so that a gang starts on a warm cache. It is
 * appended after the pod's own init containers, which may prepare the data.
 */
function ensureWarmup(ctx: EditContext, spec: YAMLMap, prefix: string, volume: string, field: string): void {
  const inits = seqAt(ctx, spec, 'initContainers', field);
  const existing = mapsIn(ctx, inits, `${field}.initContainers`).find((c) => scalarOf(c, 'name') === WARMUP_CONTAINER);
  const args = warmupArgs(prefix);
  if (existing) {
    const current = existing.get('args');
    const same = isSeq(current) && JSON.stringify(current.toJSON()) === JSON.stringify(args);
    if (!same) {
      existing.set('args', ctx.doc.createNode(args, { flow: true }));
      ctx.changed = true;
    }
    return;
  }
  const container = ctx.doc.createNode({
    name: WARMUP_CONTAINER,
    image: ctx.options.image,
    // The image's entrypoint is the tiercache CLI.
    args,
    env: [{ name: SOCKET_ENV, value: socketPath(ctx.options) }],
    volumeMounts: [{ name: volume, mountPath: ctx.options.socketDir, readOnly: true }],
    resources: WARMUP_RESOURCES,
  });
  const argsNode = container.get('args', true);
  if (isSeq(argsNode)) argsNode.flow = true;
  if (inits.items.length === 0) inits.flow = false;
  inits.add(container);
  ctx.changed = true;
}

/** Wires one PodSpec: volume, every container and init container, warmup. */
export function wirePodSpec(ctx: EditContext, spec: YAMLMap, field: string): void {
  const volume = ensureSocketVolume(ctx, spec, field);
  if (ctx.options.warmupPrefix !== undefined) ensureWarmup(ctx, spec, ctx.options.warmupPrefix, volume, field);
  for (const key of ['initContainers', 'containers']) {
    const list = spec.get(key, true);
    if (list === undefined || (isScalar(list) && list.value === null)) continue;
    if (!isSeq(list)) fail(ctx, list as Node, `${field}.${key} must be a list`);
    mapsIn(ctx, list, `${field}.${key}`).forEach((c, i) => wireContainer(ctx, c, volume, `${field}.${key}[${i}]`));
  }
}

/**
 * A TrainJob's pods come from its runtime; what a TrainJob may add is in
 * spec.podSpecOverrides (trainer.kubeflow.org/v1alpha1): volumes, and env and
 * mounts of containers the runtime already has. Every override entry gets
 * the volume and wires the containers it names, and the runtime's training
 * job ("node" by default) gets an entry if it has none.
 */
export function wireTrainJob(ctx: EditContext, spec: YAMLMap, field: string): void {
  const target = ctx.options.trainJobTarget;
  const overrideSeq = seqAt(ctx, spec, 'podSpecOverrides', field);
  const overrides = mapsIn(ctx, overrideSeq, `${field}.podSpecOverrides`);
  let targeted = overrides.find((o) => {
    const jobs = o.get('targetJobs', true);
    return isSeq(jobs) && jobs.items.some((j) => isMap(j) && scalarOf(j, 'name') === target);
  });
  if (!targeted) {
    targeted = ctx.doc.createNode({ targetJobs: [{ name: target }] }) as YAMLMap;
    append(ctx, overrideSeq, targeted);
    overrides.push(targeted);
  }
  const containerSeq = seqAt(ctx, targeted, 'containers', field);
  const containers = mapsIn(ctx, containerSeq, `${field}.podSpecOverrides.containers`);
  if (!containers.some((c) => scalarOf(c, 'name') === target)) {
    append(ctx, containerSeq, { name: target });
  }
  overrides.forEach((o, i) => {
    const where = `${field}.podSpecOverrides[${i}]`;
    const volume = ensureSocketVolume(ctx, o, where);
    for (const key of ['initContainers', 'containers']) {
      const list = o.get(key, true);
      if (!isSeq(list)) continue;
      mapsIn(ctx, list, `${where}.${key}`).forEach((c, j) => wireContainer(ctx, c, volume, `${where}.${key}[${j}]`));
    }
  });
  if (ctx.options.warmupPrefix !== undefined) {
    ctx.warn(
      `${ctx.source}: ${ctx.what}: --warmup skipped: podSpecOverrides can only change init containers the runtime already has; ` +
        `add a ${WARMUP_CONTAINER} init container to the TrainingRuntime instead`,
    );
  }
}
