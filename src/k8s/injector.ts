// `tiercache k8s inject`: wires every pod template of a manifest stream to
// the node's tiercache daemon. Documents are edited in place on the YAML tree
// (comments and unrelated fields survive) and only edited documents are
// re-rendered, so a second run over its own output changes nothing.

import { isMap, isSeq } from 'yaml';
import { ManifestError } from './errors';
import { parseManifests, renderManifests, type ManifestDocument } from './manifest-stream';
import { describeManifest, findWorkload, type PathItem } from './pod-templates';
import { wirePodSpec, wireTrainJob, type EditContext } from './socket-injection';
import { wirePosixView } from './posix-injection';
import { DEFAULT_CHECKPOINT_MOUNT_DIR, DEFAULT_CHECKPOINT_PATH, jobDirOf, wireCheckpointVolume } from './checkpoint-injection';
import { DEFAULT_INJECT_OPTIONS, type InjectOptions, type Warn } from './types';

/** Maps an offset in `text` to its 1-based line by binary search over line starts. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

const fieldOf = (path: readonly PathItem[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

function injectDocument(d: ManifestDocument, source: string, options: InjectOptions, warn: Warn, lineAt: (o: number) => number): void {
  const obj = d.doc.toJS() as unknown;
  if (obj === null || obj === undefined) return; // an empty document
  const what = describeManifest(obj, d.index);
  const ctx: EditContext = { doc: d.doc, options, warn, what, source, lineAt, changed: false };
  const workload = findWorkload(obj);
  switch (workload.shape) {
    case 'none':
      if (!workload.known) {
        warn(`${source}: ${what}: kind ${workload.kind || '(none)'} has no pod template tiercache knows; passed through unchanged`);
      }
      return;
    case 'trainjob': {
      const spec = d.doc.getIn(workload.path, true);
      if (!isMap(spec)) throw new ManifestError(source, { line: d.line }, `${what}: a TrainJob needs a spec`);
      wireTrainJob(ctx, spec, fieldOf(workload.path));
      if (options.posix) {
        // The runtime's volumes are not visible here: only overrides that carry the data PVC can be rewritten.
        const overrides = spec.get('podSpecOverrides', true);
        if (isSeq(overrides)) {
          overrides.items.forEach((o, i) => {
            if (isMap(o)) wirePosixView(ctx, o, `${fieldOf(workload.path)}.podSpecOverrides[${i}]`);
          });
        }
        warn(`${source}: ${what}: --posix: a TrainJob's volumes come from its runtime; map its checkpoint volume in the TrainingRuntime`);
      }
      break;
    }
    case 'pods': {
      if (workload.templates.length === 0) warn(`${source}: ${what}: no pod templates found; passed through unchanged`);
      const checkpoints = options.posix
        ? {
            nodeDir: options.checkpointMountDir ?? DEFAULT_CHECKPOINT_MOUNT_DIR,
            mountPath: options.checkpointPath ?? DEFAULT_CHECKPOINT_PATH,
            jobDir: jobDirOf(ctx),
          }
        : undefined;
      let checkpointVolumes = 0;
      for (const t of workload.templates) {
        const spec = d.doc.getIn(t.path, true);
        if (!isMap(spec)) {
          warn(`${source}: ${what}: ${t.name} has no pod spec at ${fieldOf(t.path)}; left unchanged`);
          continue;
        }
        wirePodSpec(ctx, spec, fieldOf(t.path));
        if (options.posix) wirePosixView(ctx, spec, fieldOf(t.path));
        if (checkpoints && wireCheckpointVolume(ctx, spec, fieldOf(t.path), checkpoints)) checkpointVolumes++;
      }
      // A job with no checkpoint volume is fine; one the user named explicitly and that is not there is a mistake.
      if (checkpoints && checkpointVolumes === 0 && workload.templates.length > 0 && options.checkpointPath !== undefined) {
        warn(`${source}: ${what}: --posix: no container mounts a volume at ${checkpoints.mountPath}; checkpoints not mapped (see --checkpoint-path)`);
      }
      break;
    }
  }
  d.changed = ctx.changed;
}

/**
 * The manifests of `text` with every pod template wired to tiercache.
 * Throws ManifestError (with the line) on invalid YAML; warns about kinds it
 * cannot wire and leaves them byte for byte as they were.
 */
export function injectManifests(text: string, source: string, options: Partial<InjectOptions> = {}, warn: Warn = () => {}): string {
  const opts: InjectOptions = { ...DEFAULT_INJECT_OPTIONS, ...options };
  const docs = parseManifests(text, source);
  const lineAt = lineIndex(text);
  for (const d of docs) injectDocument(d, source, opts, warn, lineAt);
  return renderManifests(docs);
}
