// The /metrics endpoint of the real daemon: counters move by exactly what
// the reads did, the scrape passes `promtool check metrics`, and a port
// that is taken stops the daemon with a message naming metrics-listen.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, eventually, pseudoRandomBytes } from '../helpers/daemon';
import type { TiercacheClient } from '../../src/client/client';
import { parseExposition, promtool, sampleValue, type ParsedSample } from './exposition';

const MiB = 1024 * 1024;

function boundPort(stderr: string): number {
  for (const line of stderr.split('\n')) {
    if (!line.includes('metrics endpoint serving')) continue;
    return (JSON.parse(line) as { port: number }).port;
  }
  throw new Error(`the daemon did not log its metrics port:\n${stderr}`);
}

async function readAll(c: TiercacheClient, path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const ch of c.readChunks(path)) parts.push(ch.data);
  return Buffer.concat(parts);
}

describe('metrics endpoint', () => {
  // No readahead: these counters are about where each block came from on demand.
  const d = new TestDaemon({ flags: { 'metrics-listen': '127.0.0.1:0', watch: 'false', 'max-readahead': '0' } });
  const file = pseudoRandomBytes(3 * MiB + 12345, 11);
  let c: TiercacheClient;
  let url: string;
  let lastScrape = '';

  async function scrape(): Promise<ParsedSample[]> {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    lastScrape = await res.text();
    return parseExposition(lastScrape);
  }

  before(async () => {
    writeFileSync(join(d.backendDir, 'train.bin'), file);
    await d.start();
    url = `http://127.0.0.1:${boundPort(d.stderr)}/metrics`;
    c = d.client();
  });
  after(async () => {
    c?.close();
    await d.stop();
    await d.cleanup();
  });

  it('counts a cold read as backend bytes and blocks, a warm one as memory', async () => {
    const s0 = await scrape();
    assert.equal(sampleValue(s0, 'tiercache_read_bytes_total', { source: 'backend' }), 0);

    assert.ok((await readAll(c, 'train.bin')).equals(file));
    const s1 = await scrape();
    assert.equal(sampleValue(s1, 'tiercache_read_bytes_total', { source: 'backend' }), file.length);
    assert.equal(sampleValue(s1, 'tiercache_read_bytes_total', { source: 'memory' }), 0);
    assert.equal(sampleValue(s1, 'tiercache_read_blocks_total', { source: 'backend' }), 4);
    assert.equal(sampleValue(s1, 'tiercache_read_duration_seconds_count', { source: 'backend' }), 4);
    assert.equal(sampleValue(s1, 'tiercache_read_duration_seconds_bucket', { source: 'backend', le: '+Inf' }), 4);
    assert.equal(sampleValue(s1, 'tiercache_backend_requests_total', { op: 'read' }), 4);
    assert.equal(sampleValue(s1, 'tiercache_backend_read_bytes_total'), file.length);
    assert.equal(sampleValue(s1, 'tiercache_backend_request_duration_seconds_count', { op: 'read' }), 4);
    assert.equal(sampleValue(s1, 'tiercache_cache_misses_total', { tier: 'memory' }), 4);
    assert.equal(sampleValue(s1, 'tiercache_cache_hits_total', { tier: 'memory' }), 0);

    assert.ok((await readAll(c, 'train.bin')).equals(file));
    const s2 = await scrape();
    assert.equal(sampleValue(s2, 'tiercache_read_bytes_total', { source: 'memory' }), file.length);
    assert.equal(sampleValue(s2, 'tiercache_read_bytes_total', { source: 'backend' }), file.length, 'backend read once');
    assert.equal(sampleValue(s2, 'tiercache_read_duration_seconds_count', { source: 'memory' }), 4);
    assert.equal(sampleValue(s2, 'tiercache_cache_hits_total', { tier: 'memory' }), 4);
    assert.equal(sampleValue(s2, 'tiercache_cache_hit_ratio', { tier: 'memory' }), 0.5);
    assert.equal(sampleValue(s2, 'tiercache_backend_requests_total', { op: 'read' }), 4);
    assert.equal(sampleValue(s2, 'tiercache_cache_blocks', { tier: 'memory' }), 4);
    assert.equal(sampleValue(s2, 'tiercache_cache_used_bytes', { tier: 'memory' }), file.length);
  });

  it('counts backend errors for a file that cannot be read', async () => {
    const before = sampleValue(await scrape(), 'tiercache_backend_errors_total');
    assert.equal(before, 0);
    await assert.rejects(c.read('missing.bin'));
    const s = await scrape();
    // A missing file is an answer, not a backend failure.
    assert.equal(sampleValue(s, 'tiercache_backend_errors_total'), 0);
    assert.ok((sampleValue(s, 'tiercache_backend_request_duration_seconds_count', { op: 'stat' }) ?? 0) >= 2);
  });

  it('exports process and Node.js runtime metrics, and nothing for subsystems that are not attached (peers)', async () => {
    const s = await scrape();
    assert.ok(sampleValue(s, 'process_cpu_seconds_total')! > 0);
    assert.ok(sampleValue(s, 'process_resident_memory_bytes')! > 0);
    assert.ok(s.some((x) => x.name === 'nodejs_heap_size_used_bytes'));
    assert.ok(s.some((x) => x.name === 'nodejs_eventloop_lag_seconds'));
    assert.equal(sampleValue(s, 'tiercache_prefetch_hit_ratio'), 0, 'the prefetch engine is always attached');
    assert.equal(sampleValue(s, 'tiercache_checkpoint_failures_total'), 0, 'the checkpoint manager is always attached');
    assert.equal(sampleValue(s, 'tiercache_peer_errors_total'), undefined);
    // The histogram families exist from the start so dashboards and alerts find them.
    assert.equal(sampleValue(s, 'tiercache_checkpoint_save_duration_seconds_count', { phase: 'local' }), 0);
    assert.match(lastScrape, /# TYPE tiercache_checkpoint_failures_total counter/);
  });

  it('times prefetch reads as backend requests too (they run on the worker threads, through the same backend)', async () => {
    const data = pseudoRandomBytes(2 * MiB + 5, 12);
    writeFileSync(join(d.backendDir, 'ahead.bin'), data);
    const before = await scrape();
    const reads0 = sampleValue(before, 'tiercache_backend_request_duration_seconds_count', { op: 'read' })!;
    const bytes0 = sampleValue(before, 'tiercache_backend_read_bytes_total')!;
    assert.equal((await c.prefetch(['ahead.bin'])).blocks_queued, 3);
    const idle = async () => {
      const p = (await c.stats('all')).prefetch as { prefetched_blocks: number; queue_depth: number; inflight_bytes: number };
      return p.queue_depth === 0 && p.inflight_bytes === 0 && p.prefetched_blocks >= 3;
    };
    await eventually(idle, 10_000, 'the prefetch');
    const s = await scrape();
    assert.equal(sampleValue(s, 'tiercache_backend_request_duration_seconds_count', { op: 'read' }), reads0 + 3);
    assert.equal(sampleValue(s, 'tiercache_backend_read_bytes_total'), bytes0 + data.length);
    assert.ok((await readAll(c, 'ahead.bin')).equals(data));
    assert.equal(sampleValue(await scrape(), 'tiercache_backend_read_bytes_total'), bytes0 + data.length, 'the read is served by the prefetched blocks');
  });

  it('answers 404 outside /metrics', async () => {
    const res = await fetch(url.replace('/metrics', '/nope'));
    assert.equal(res.status, 404);
    await res.text();
  });

  it('passes promtool check metrics', async (t) => {
    const bin = promtool(t);
    if (!bin) return;
    await scrape();
    const r = spawnSync(bin, ['check', 'metrics'], { input: lastScrape, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check metrics:\n${r.stdout}${r.stderr}`);
  });

  it('refuses to start on a metrics port that is taken, naming metrics-listen', async () => {
    const port = new URL(url).port;
    const other = new TestDaemon({ flags: { 'metrics-listen': `127.0.0.1:${port}` } });
    try {
      await assert.rejects(other.start(), /cannot serve metrics on 127\.0\.0\.1:\d+ \(metrics-listen\)/);
    } finally {
      await other.cleanup();
    }
  });
});
