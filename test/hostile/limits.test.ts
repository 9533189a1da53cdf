// Hostile clients holding the daemon's memory and descriptors: streams
// opened and never read, streams opened and abandoned with their connection,
// more calls than anyone needs on one connection, hundreds of connections
// opened and left idle. What must hold: calls beyond the bounds are refused
// with RESOURCE_EXHAUSTED naming the option to raise; a stream whose client
// takes nothing is reset after stream-stall-timeout, so its slot and memory
// come back; idle connections are closed, and a new client is never locked
// out by them; and the daemon keeps serving. (How much memory this holds is
// measured in bench/memory.ts, not asserted here.)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants as h2, type ClientHttp2Session } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';
import { openNeverRead, rawConnection, rawSession, type RawStream } from '../helpers/raw-grpc';
import { credentials } from '@grpc/grpc-js';
import type { TiercacheClient } from '../../src/client/client';
import { services, CHANNEL_OPTIONS } from '../../src/protocol/load';
import type { LimitsStats } from '../../src/protocol/types';
import { metricsUrl, sampleValue, scrapeMetrics } from '../metrics/exposition';

const MiB = 1024 * 1024;
const RESOURCE_EXHAUSTED = 8;
const MAX_STREAMS = 64;
const PER_CONNECTION = 50;
const FILE = pseudoRandomBytes(2 * MiB, 17);

async function readAll(c: TiercacheClient, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const ch of c.createReadStream(path)) chunks.push(ch as Buffer);
  return Buffer.concat(chunks);
}

describe('bounds on calls and streams', () => {
  const d = new TestDaemon({
    flags: {
      'memory-cache-size': '64MiB',
      'block-size': '1MiB',
      'stream-chunk-size': '256KiB',
      'max-streams': String(MAX_STREAMS),
      'max-calls-per-connection': String(PER_CONNECTION),
      'stream-stall-timeout': '3s',
      'metrics-listen': '127.0.0.1:0',
    },
  });
  const sessions: ClientHttp2Session[] = [];
  let c: TiercacheClient;
  before(async () => {
    writeFileSync(join(d.backendDir, 'big.bin'), FILE);
    await d.start();
    c = d.client('polite');
  });
  after(async () => {
    for (const s of sessions) s.destroy();
    c?.close();
    await d.cleanup();
  });

  const session = async (): Promise<ClientHttp2Session> => {
    const s = await rawSession(d.socket);
    sessions.push(s);
    return s;
  };
  /** All slots are free again: MAX_STREAMS polite streams at once, over two connections, read the whole file. */
  const everySlotFree = async (): Promise<void> => {
    // Its own connection: grpc-js shares one between channels of equal options.
    const other = new services.Cache(`unix://${d.socket}`, credentials.createInsecure(), {
      ...CHANNEL_OPTIONS,
      'grpc.use_local_subchannel_pool': 1,
    });
    const readOther = async (): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      const stream = (other as unknown as { ReadStream: (req: unknown) => AsyncIterable<{ data: Buffer }> }).ReadStream({ path: 'big.bin' });
      for await (const m of stream) chunks.push(m.data);
      return Buffer.concat(chunks);
    };
    try {
      const reads = await Promise.all(Array.from({ length: MAX_STREAMS }, (_, i) => (i % 2 ? readOther() : readAll(c, 'big.bin'))));
      for (const r of reads) assert.ok(r.equals(FILE));
    } finally {
      other.close();
    }
  };

  it('refuses 200 never-read streams beyond the bounds, naming the option, and resets the accepted ones when they stall', async () => {
    // One connection: past max-calls-per-connection, each refused.
    const a = await session();
    const onA: RawStream[] = Array.from({ length: PER_CONNECTION + 10 }, () => openNeverRead(a, 'big.bin'));
    const answersA = await Promise.all(onA.map((s) => s.answered));
    assert.equal(answersA.filter((x) => x.accepted).length, PER_CONNECTION);
    const refusedA = answersA.filter((x) => !x.accepted);
    assert.equal(refusedA.length, 10);
    for (const r of refusedA) {
      assert.equal(r.grpcStatus, RESOURCE_EXHAUSTED);
      assert.match(r.grpcMessage!, /this connection already has 50 calls in flight \(max-calls-per-connection 50\).*--max-calls-per-connection/);
    }
    // Four more: only the rest of max-streams is accepted.
    const others = await Promise.all([session(), session(), session(), session()]);
    const onOthers = others.flatMap((s) => Array.from({ length: 35 }, () => openNeverRead(s, 'big.bin')));
    const answers = await Promise.all(onOthers.map((s) => s.answered));
    assert.equal(answers.filter((x) => x.accepted).length, MAX_STREAMS - PER_CONNECTION);
    const refused = answers.filter((x) => !x.accepted);
    assert.equal(refused.length, 140 - (MAX_STREAMS - PER_CONNECTION));
    for (const r of refused) {
      assert.equal(r.grpcStatus, RESOURCE_EXHAUSTED);
      assert.match(r.grpcMessage!, /already serves 64 streams \(max-streams 64\).*--max-streams/);
    }
    // Other calls still answer while every stream slot is held.
    assert.equal((await c.read('big.bin', 0, 5)).length, 5);
    // Nobody reads: every accepted stream is reset once stream-stall-timeout passes.
    const accepted = [...onA, ...onOthers].filter((_, i) => [...answersA, ...answers][i]!.accepted);
    const ends = await Promise.all(accepted.map((s) => s.closed));
    for (const e of ends) assert.equal(e.rstCode, h2.NGHTTP2_ENHANCE_YOUR_CALM);
    const resets = (): number => d.stderr.match(/stream reset: its client took nothing for stream-stall-timeout/g)?.length ?? 0;
    await eventually(() => resets() >= MAX_STREAMS, 5_000, 'a log line per reset stream');
    assert.equal(resets(), MAX_STREAMS);
    await everySlotFree();
    // What the bounds did shows in `cache stats` and the metrics.
    const l = (await c.stats()).limits as LimitsStats;
    assert.equal(Number(l.calls_refused), 10);
    assert.equal(Number(l.streams_refused), 140 - (MAX_STREAMS - PER_CONNECTION));
    assert.equal(Number(l.streams_stalled), MAX_STREAMS);
    const m = await scrapeMetrics(metricsUrl(d.stderr));
    assert.equal(sampleValue(m, 'tiercache_limits_refused_total', { kind: 'calls' }), 10);
    assert.equal(sampleValue(m, 'tiercache_limits_refused_total', { kind: 'streams' }), 140 - (MAX_STREAMS - PER_CONNECTION));
    assert.equal(sampleValue(m, 'tiercache_limits_stalled_streams_total'), MAX_STREAMS);
    assert.equal(sampleValue(m, 'tiercache_streams_in_flight'), 0);
  });

  it('gives back the slots of 2,000 streams abandoned with their connections', async () => {
    for (let round = 0; round < 20; round++) {
      const { session: s, socket } = await rawConnection(d.socket);
      const streams = Array.from({ length: 100 }, () => openNeverRead(s, 'big.bin'));
      await Promise.all(streams.map((x) => x.answered));
      // Gone without a word: no RST_STREAM, no GOAWAY, just the socket closed.
      socket.destroy();
    }
    await everySlotFree();
    assert.ok(d.alive);
  });
});

describe('bounds on connections', () => {
  const MAX_CONNECTIONS = 50;
  const d = new TestDaemon({
    flags: { 'max-connections': String(MAX_CONNECTIONS), 'connection-idle-timeout': '3s', 'metrics-listen': '127.0.0.1:0' },
  });
  const sockets: Socket[] = [];
  let c: TiercacheClient | undefined;
  before(async () => {
    writeFileSync(join(d.backendDir, 'f'), 'hello');
    await d.start();
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    c?.close();
    await d.cleanup();
  });

  it('closes idle connections past max-connections and after connection-idle-timeout, never locking out a new client', async () => {
    let closed = 0;
    const allClosed: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const s = connect(d.socket);
      s.on('error', () => {});
      // It sends nothing; reading is only how this side sees the daemon close it.
      s.resume();
      sockets.push(s);
      allClosed.push(new Promise((resolve) => s.once('close', () => (closed++, resolve()))));
      await new Promise((r) => s.once('connect', r));
    }
    // The oldest idle ones made room for the newer: at most max-connections are left open.
    await eventually(() => closed >= 300 - MAX_CONNECTIONS, 10_000, 'connections past max-connections closed');
    // A new client gets in while the rest are still held open.
    c = d.client();
    assert.equal((await c.read('f')).toString(), 'hello');
    // And the idle rest are closed by the idle timeout.
    await Promise.all(allClosed);
    assert.equal((await c.read('f')).toString(), 'hello');
    // Counted in `cache stats` and the metrics: every one of the 300 was closed, none refused.
    const l = (await c.stats()).limits as LimitsStats;
    assert.ok(Number(l.idle_connections_evicted) >= 300 - MAX_CONNECTIONS, `${l.idle_connections_evicted} evicted`);
    assert.ok(Number(l.idle_connections_closed) >= 1, `${l.idle_connections_closed} closed idle`);
    assert.ok(Number(l.idle_connections_evicted) + Number(l.idle_connections_closed) >= 300);
    assert.equal(Number(l.connections_refused), 0);
    const m = await scrapeMetrics(metricsUrl(d.stderr));
    assert.equal(sampleValue(m, 'tiercache_limits_closed_connections_total', { reason: 'evicted' }), Number(l.idle_connections_evicted));
    assert.equal(sampleValue(m, 'tiercache_limits_refused_total', { kind: 'connections' }), 0);
  });
});
