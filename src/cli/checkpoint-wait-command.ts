// `tiercache checkpoint wait [PATH]`: returns once everything closed, renamed
// or deleted under PATH in the checkpoint mount is on the backend.
//
// In a pod wired by `k8s inject --posix`, the checkpoint volume (say
// /checkpoints) is the node mount's per-job directory: the injector sets
// TIERCACHE_CHECKPOINT_DIR (the mountPath) and TIERCACHE_CHECKPOINT_PREFIX
// (the per-job directory), and a PATH under the mountPath, or no PATH, is
// mapped onto the node's mount here.

import { isAbsolute, relative } from 'node:path';
import { parseDuration } from '../util/units';
import { clientFor, parse, SOCKET_OPTION, UsageError, type Io } from './io';

export const CHECKPOINT_WAIT_HELP = `Usage: tiercache checkpoint wait [PATH] [--timeout DURATION] [--json]
Waits until every file closed, renamed or deleted so far under PATH in the
checkpoint mount (--checkpoint-mount) is on the backend: run it as a job's
last step. PATH is relative to the mount, or absolute under it; default:
everything (in a pod wired by k8s inject --posix: the job's directory).
Files still open for writing are not waited for and are listed.
--timeout (default: none) gives up with exit code 1.
`;

/** The mount-relative path to wait for, given the pod's environment. */
export function waitPath(arg: string | undefined, env: NodeJS.ProcessEnv): string {
  const podDir = env['TIERCACHE_CHECKPOINT_DIR'];
  const prefix = env['TIERCACHE_CHECKPOINT_PREFIX'] ?? '';
  if (arg === undefined) return prefix;
  if (podDir && isAbsolute(arg)) {
    const rel = relative(podDir, arg);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return [prefix, rel].filter((p) => p !== '').join('/');
  }
  if (!isAbsolute(arg) && prefix !== '') return `${prefix}/${arg}`;
  return arg;
}

export async function runCheckpointWait(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...SOCKET_OPTION, timeout: { type: 'string' }, json: { type: 'boolean' } });
  if (values['help']) return void io.stdout.write(CHECKPOINT_WAIT_HELP), 0;
  if (positionals.length > 1) throw new UsageError('give at most one PATH');
  let timeoutMs = 0;
  if (typeof values['timeout'] === 'string') {
    try {
      timeoutMs = parseDuration(values['timeout']);
    } catch (err) {
      throw new UsageError(`--timeout: ${(err as Error).message}`);
    }
  }
  const path = waitPath(positionals[0], io.env);
  const client = clientFor(values as { socket?: string }, io);
  const started = Date.now();
  try {
    // No timeout: a day per call, asked again until done.
    const res = await client.unary(
      'CheckpointMount',
      'Wait',
      { path },
      timeoutMs > 0 ? timeoutMs : 24 * 3600_000,
    );
    if (values['json']) {
      io.stdout.write(JSON.stringify({ path, ops: res.ops, open_files: res.open_files, seconds: (Date.now() - started) / 1000 }) + '\n');
    } else {
      io.stdout.write(`${path || '(all)'}: ${res.ops} operations on the backend after ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
      if (res.open_files.length > 0) io.stdout.write(`still open for writing (not waited for): ${res.open_files.join(', ')}\n`);
    }
  } finally {
    client.close();
  }
  return 0;
}
