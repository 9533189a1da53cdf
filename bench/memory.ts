// Memory under hostile clients: the daemon's peak RSS while clients open
// streams and never read them, abandon them with their connections, read
// them slowly, open thousands of idle connections, or upload checkpoints
// at once, fast or slowly, against the bound the README states: RSS of the
// idle daemon (measured in this run) + the memory budget + max-streams x
// (2 blocks + 2 chunks) + max-upload-buffer + max-uploads x the HTTP/2
// window. Ratio = peak / bound (target <= 1); the note gives RSS / budget.

import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { TestDaemon, log } from './harness';
import { credentials, type ClientWritableStream } from '@grpc/grpc-js';
import { TiercacheClient } from '../src/client/client';
import { CHANNEL_OPTIONS, services } from '../src/protocol/load';
import { openNeverRead, rawConnection } from '../test/helpers/raw-grpc';
import type { BenchResult } from './types';

const MiB = 1024 * 1024;
const BUDGET = 64 * MiB;
const BLOCK = 4 * MiB;
const CHUNK = 1 * MiB;
const MAX_STREAMS = 64;
const FILE = 256 * MiB;
const STALL_MS = 4_000;
const MAX_UPLOADS = 16;
const UPLOAD_BUFFER = 64 * MiB;
const WINDOW = CHANNEL_OPTIONS['grpc-node.flow_control_window'];

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Peak RSS of `pid` while `work` runs, sampled every 50 ms. */
async function peakDuring(pid: number, work: () => Promise<void>): Promise<number> {
  let peak = rss(pid);
  const t = setInterval(() => (peak = Math.max(peak, rss(pid))), 50);
  try {
    await work();
  } finally {
    clearInterval(t);
  }
  return Math.max(peak, rss(pid));
}

async function neverRead(socket: string): Promise<void> {
  const conns = await Promise.all(Array.from({ length: 4 }, () => rawConnection(socket)));
  const streams = conns.flatMap((c) => Array.from({ length: 50 }, () => openNeverRead(c.session, 'big.bin')));
  await Promise.all(streams.map((s) => s.answered));
  // Held past stream-stall-timeout: the daemon resets them.
  await Promise.all(streams.map((s) => s.closed));
  for (const c of conns) c.socket.destroy();
}

async function abandoned(socket: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const c = await rawConnection(socket);
    const streams = Array.from({ length: 100 }, () => openNeverRead(c.session, 'big.bin'));
    await Promise.all(streams.map((s) => s.answered));
    c.socket.destroy();
  }
  await sleep(1_000);
}

/** 64 streams read one chunk every 100 ms for 6 s, then cancelled. */
async function slow(socket: string): Promise<void> {
  const c = new TiercacheClient({ socket });
  const streams = Array.from({ length: MAX_STREAMS }, () => {
    const s = c.createReadStream('big.bin');
    s.on('error', () => {});
    s.pause();
    return s;
  });
  const t = setInterval(() => {
    for (const s of streams) s.read();
  }, 100);
  await sleep(6_000);
  clearInterval(t);
  for (const s of streams) s.destroy();
  c.close();
  await sleep(500);
}

async function manyConnections(socket: string): Promise<void> {
  const sockets: Socket[] = [];
  for (let i = 0; i < 3_000; i++) {
    const s = connect(socket);
    s.on('error', () => {});
    sockets.push(s);
    if (i % 100 === 99) await sleep(10);
  }
  await sleep(2_000);
  for (const s of sockets) s.destroy();
}

/** One Save stream on its own connection, sending `chunks` 1 MiB messages (`gapMs` apart, 0 = as fast as HTTP/2 takes them). */
async function upload(socket: string, job: string, chunks: number, gapMs: number): Promise<void> {
  const raw = new services.Checkpoints(`unix://${socket}`, credentials.createInsecure(), { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 });
  try {
    await new Promise<void>((resolve) => {
      const call = (raw as unknown as { Save: (cb: (err: unknown) => void) => ClientWritableStream<unknown> }).Save(() => resolve());
      void (async () => {
        call.write({ header: { job_id: job, step: 1, metrics: {}, sync: false } });
        const data = Buffer.alloc(CHUNK, 3);
        for (let i = 0; i < chunks; i++) {
          if (!call.write({ data })) await new Promise((r) => call.once('drain', r));
          if (gapMs > 0) await sleep(gapMs);
        }
        call.end();
      })().catch(() => resolve());
    });
  } finally {
    raw.close();
  }
}

/** max-uploads uploads of 64 MiB at once, each as fast as the daemon takes it. */
async function fastUploads(socket: string): Promise<void> {
  await Promise.all(Array.from({ length: MAX_UPLOADS }, (_, i) => upload(socket, `fast-${i}`, 64, 0)));
}

/** 64 uploads trickling 1 MiB every 100 ms for 4 s (beyond max-uploads they are refused). */
async function slowUploads(socket: string): Promise<void> {
  await Promise.all(Array.from({ length: 64 }, (_, i) => upload(socket, `slow-${i}`, 40, 100)));
}

const FLAGS = {
  'memory-cache-size': String(BUDGET),
  'block-size': String(BLOCK),
  'stream-chunk-size': String(CHUNK),
  'max-streams': String(MAX_STREAMS),
  'stream-stall-timeout': `${STALL_MS}ms`,
  'max-uploads': String(MAX_UPLOADS),
  'max-upload-buffer': String(UPLOAD_BUFFER),
  'max-checkpoints': '1',
  'ssd-cache-size': '0',
  watch: 'false',
};

/** A daemon serving big.bin, its pid and its idle RSS. */
async function startDaemon(): Promise<{ d: TestDaemon; pid: number; idle: number }> {
  const d = new TestDaemon({ flags: FLAGS });
  writeFileSync(join(d.backendDir, 'big.bin'), Buffer.alloc(FILE, 7));
  await d.start();
  const pid = d.proc!.pid!;
  await sleep(500);
  return { d, pid, idle: rss(pid) };
}

function row(name: string, peak: number, idle: number): BenchResult {
  const bound = idle + BUDGET + MAX_STREAMS * (2 * BLOCK + 2 * CHUNK) + UPLOAD_BUFFER + MAX_UPLOADS * WINDOW;
  const note =
    `bound = idle RSS ${(idle / MiB).toFixed(0)} MiB + budget 64 MiB + ${MAX_STREAMS} streams x (2 x 4 MiB blocks + 2 x 1 MiB chunks)` +
    ` + upload buffer 64 MiB + ${MAX_UPLOADS} uploads x 16 MiB window`;
  log(`${name}: peak RSS ${(peak / MiB).toFixed(0)} MiB, bound ${(bound / MiB).toFixed(0)} MiB`);
  return {
    name: `memory: ${name}`,
    metric: 'peak RSS MiB',
    value: peak / MiB,
    baseline: bound / MiB,
    ratio: peak / bound,
    baselineName: 'stated bound',
    target: '<= 1',
    note: `${note}; RSS / budget ${(peak / BUDGET).toFixed(2)}`,
  };
}

export async function run(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  // The stream and connection attacks one after the other on one daemon (which must still serve after them all).
  const { d, pid, idle } = await startDaemon();
  try {
    const scenarios: Array<[string, (socket: string) => Promise<void>]> = [
      ['200 never-read streams', neverRead],
      ['2000 abandoned streams', abandoned],
      ['64 slow streams', slow],
      ['3000 idle connections', manyConnections],
    ];
    for (const [name, work] of scenarios) rows.push(row(name, await peakDuring(pid, () => work(d.socket)), idle));
    // Still serving after all that.
    const c = new TiercacheClient({ socket: d.socket });
    const head = await c.read('big.bin', 0, 4096);
    c.close();
    if (head.length !== 4096) throw new Error('the daemon stopped answering');
  } finally {
    await d.cleanup();
  }
  // Uploads each on a fresh daemon: RSS rarely shrinks, so after the attacks above it would show their peak.
  const uploads: Array<[string, (socket: string) => Promise<void>]> = [
    [`${MAX_UPLOADS} uploads of 64 MiB at once`, fastUploads],
    ['64 slow uploads', slowUploads],
  ];
  for (const [name, work] of uploads) {
    const u = await startDaemon();
    try {
      rows.push(row(name, await peakDuring(u.pid, () => work(u.d.socket)), u.idle));
    } finally {
      await u.d.cleanup();
    }
  }
  return rows;
}
