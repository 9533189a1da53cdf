// `tiercache checkpoint save|load|ls|rm`: the Checkpoints service from a shell.

import { createReadStream, promises as fsp } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { CheckpointInfo } from '../client/checkpoints';
import { formatBytes } from '../util/units';
import { clientFor, parse, parseNonNegInt, SOCKET_OPTION, UsageError, writeAll, type Io } from './io';

export const CHECKPOINT_SAVE_HELP = `Usage: tiercache checkpoint save --job J [--step N] [--metric k=v ...] [--sync] FILE|-
Saves FILE (or stdin with -) as a checkpoint of job J. Returns once it is on
this node's SSD (state LOCAL); with --sync, once it is on the backend too.
Prints the checkpoint id.
`;
export const CHECKPOINT_LOAD_HELP = `Usage: tiercache checkpoint load --job J [--id ID] [-o FILE]
Writes the newest intact checkpoint of job J (or checkpoint ID) to stdout, or
to FILE (replaced only once the whole checkpoint arrived).
`;
export const CHECKPOINT_LS_HELP = `Usage: tiercache checkpoint ls --job J [--json]
Lists the complete checkpoints of job J, newest first.
`;
export const CHECKPOINT_RM_HELP = `Usage: tiercache checkpoint rm --job J --id ID
Deletes a checkpoint from this node's SSD and from the backend.
`;

function requireJob(values: Record<string, unknown>, help: string): string {
  const job = values['job'];
  if (typeof job !== 'string' || job === '') throw new UsageError(`--job is required\n${help}`);
  return job;
}

function parseMetrics(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of (raw as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    const v = Number(kv.slice(eq + 1));
    if (eq <= 0 || kv.slice(eq + 1).trim() === '' || !Number.isFinite(v)) {
      throw new UsageError(`--metric must be NAME=NUMBER, got ${JSON.stringify(kv)}`);
    }
    out[kv.slice(0, eq)] = v;
  }
  return out;
}

export async function runCheckpointSave(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...SOCKET_OPTION,
    job: { type: 'string' },
    step: { type: 'string' },
    metric: { type: 'string', multiple: true },
    sync: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values['help']) return void io.stdout.write(CHECKPOINT_SAVE_HELP), 0;
  const jobId = requireJob(values, CHECKPOINT_SAVE_HELP);
  if (positionals.length !== 1) throw new UsageError(`expected exactly one FILE (or - for stdin)\n${CHECKPOINT_SAVE_HELP}`);
  const src = positionals[0]!;
  const step = parseNonNegInt('step', values['step'] as string | undefined, 0);
  const metrics = parseMetrics(values['metric']);
  const input = src === '-' ? (io.stdin as AsyncIterable<Buffer>) : createReadStream(src, { highWaterMark: 1024 * 1024 });
  const client = clientFor(values as { socket?: string }, io, jobId);
  try {
    const info = await client.checkpoints.save(jobId, input, { step, metrics, sync: values['sync'] === true });
    if (values['json']) io.stdout.write(JSON.stringify(info) + '\n');
    else io.stdout.write(`${info.id} ${info.state} ${formatBytes(info.size)} sha256:${info.sha256}\n`);
  } finally {
    client.close();
  }
  return 0;
}

export async function runCheckpointLoad(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { ...SOCKET_OPTION, job: { type: 'string' }, id: { type: 'string' }, output: { type: 'string', short: 'o' } }, false);
  if (values['help']) return void io.stdout.write(CHECKPOINT_LOAD_HELP), 0;
  const jobId = requireJob(values, CHECKPOINT_LOAD_HELP);
  const id = values['id'] as string | undefined;
  const out = values['output'] as string | undefined;
  const client = clientFor(values as { socket?: string }, io, jobId);
  try {
    const { info, stream } = await (id ? client.checkpoints.load(jobId, id) : client.checkpoints.loadLatest(jobId));
    if (out === undefined || out === '-') {
      for await (const c of stream) await writeAll(io.stdout, c as Buffer);
    } else {
      await writeFileFromStream(out, stream);
      io.stderr.write(`loaded ${info.id} (step ${info.step}, ${formatBytes(info.size)}) into ${out}\n`);
    }
  } finally {
    client.close();
  }
  return 0;
}

/** tmp -> fsync -> rename: a failed load never leaves a torn FILE behind. */
async function writeFileFromStream(path: string, stream: AsyncIterable<unknown>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tiercache-${process.pid}`);
  const fh = await fsp.open(tmp, 'w', 0o644);
  try {
    for await (const c of stream) await fh.write(c as Buffer);
    await fh.sync();
    await fh.close();
    await fsp.rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

export function formatCheckpoints(list: readonly CheckpointInfo[]): string {
  const rows = [['ID', 'STEP', 'STATE', 'SIZE', 'TIME', 'METRICS']];
  for (const c of list) {
    rows.push([
      c.id,
      String(c.step),
      c.state,
      formatBytes(c.size),
      new Date(c.timestamp_ms).toISOString(),
      Object.entries(c.metrics)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export async function runCheckpointLs(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { ...SOCKET_OPTION, job: { type: 'string' }, json: { type: 'boolean' } }, false);
  if (values['help']) return void io.stdout.write(CHECKPOINT_LS_HELP), 0;
  const jobId = requireJob(values, CHECKPOINT_LS_HELP);
  const client = clientFor(values as { socket?: string }, io, jobId);
  try {
    const list = await client.checkpoints.list(jobId);
    if (values['json']) io.stdout.write(JSON.stringify(list) + '\n');
    else if (list.length === 0) io.stderr.write(`no checkpoints for job ${jobId}\n`);
    else io.stdout.write(formatCheckpoints(list));
  } finally {
    client.close();
  }
  return 0;
}

export async function runCheckpointRm(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { ...SOCKET_OPTION, job: { type: 'string' }, id: { type: 'string' } }, false);
  if (values['help']) return void io.stdout.write(CHECKPOINT_RM_HELP), 0;
  const jobId = requireJob(values, CHECKPOINT_RM_HELP);
  const id = values['id'];
  if (typeof id !== 'string' || id === '') throw new UsageError(`--id is required\n${CHECKPOINT_RM_HELP}`);
  const client = clientFor(values as { socket?: string }, io, jobId);
  try {
    if (await client.checkpoints.delete(jobId, id)) {
      io.stdout.write(`deleted ${id}\n`);
      return 0;
    }
    io.stderr.write(`tiercache: no checkpoint ${id} for job ${jobId}\n`);
    return 1;
  } finally {
    client.close();
  }
}
