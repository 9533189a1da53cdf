// `tiercache diagnose` against the real daemon: a complete report (JSON on
// stdout and in --out, a readable summary otherwise), test data gone from
// the backend and the cache afterwards, and one clean line when there is no
// daemon to diagnose.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, runCli } from '../helpers/daemon';
import type { DiagnoseReport } from '../../src/diagnose/types';

const QUICK = ['--size', '4MiB', '--random-time', '300ms', '--concurrency', '3'];

describe('tiercache diagnose', () => {
  const d = new TestDaemon({ flags: { watch: 'false' } });

  before(async () => {
    await d.start();
  });
  after(async () => {
    await d.stop();
    await d.cleanup();
  });

  const leftovers = () => readdirSync(d.backendDir).filter((n) => n.startsWith('.tiercache-diagnose'));

  it('writes a complete JSON report and removes its test data', async () => {
    const out = join(d.dir, 'report.json');
    const r = await runCli(['diagnose', '--json', '--out', out, '--socket', d.socket, ...QUICK]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as DiagnoseReport;
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), report, '--out holds the same report');

    for (const key of ['config', 'host', 'tests', 'stats', 'judgements', 'overall', 'cleanup', 'daemon', 'metrics_endpoint'] as const) {
      assert.ok(report[key] !== undefined, `report has ${key}`);
    }
    assert.equal(report.config['backendDir'], d.backendDir);
    const t = report.tests;
    assert.equal(t.sequential_read.cold.bytes, 4 * 2 ** 20);
    assert.equal(t.sequential_read.cold.backend_bytes, 4 * 2 ** 20, 'the cold pass read the backend');
    assert.equal(t.sequential_read.warm.backend_bytes, 0, 'the warm pass was served by the cache');
    assert.ok(t.sequential_read.warm.bytes_per_second > 0);
    assert.equal(t.random_read.concurrency, 3);
    assert.ok(t.random_read.reads > 0);
    assert.equal(t.random_read.errors, 0);
    assert.ok(t.random_read.latency_seconds.p99 >= t.random_read.latency_seconds.p50);
    assert.equal(t.checkpoints.available, true);
    assert.equal((t.checkpoints as { verified?: boolean }).verified, true, 'the restored checkpoint matched what was saved');
    assert.ok((t.checkpoints as { save_seconds?: number }).save_seconds! > 0);
    assert.ok(t.fio.available ? t.fio.error !== undefined || t.fio.sequential_read_bytes_per_second! > 0 : /not installed/.test(t.fio.note!));
    assert.ok(report.host.cpus >= 1 && report.host.memory_total_bytes > 0 && report.host.kernel !== '');
    assert.ok(report.host.cache_dir.free_bytes! > 0);
    assert.ok((report.stats.before as { memory?: unknown }).memory && (report.stats.after as { ssd?: unknown }).ssd);
    assert.deepEqual(report.metrics_endpoint, { listen: null, reachable: false, note: 'disabled (metrics-listen "")' });

    const figures = report.judgements.map((j) => j.figure);
    assert.ok(figures.some((f) => f.startsWith('sequential read, cold')));
    assert.ok(figures.some((f) => f.startsWith('random 4 KiB read p99')));
    for (const j of report.judgements) assert.ok(['OK', 'WARNING', 'CRITICAL', 'N/A'].includes(j.verdict), j.figure);
    assert.ok(['OK', 'WARNING', 'CRITICAL'].includes(report.overall));

    assert.equal(report.cleanup.removed, true);
    assert.deepEqual(leftovers(), [], 'no test data left in the backend');
    const stats = (await runCli(['cache', 'stats', '--json', '--socket', d.socket])).stdout.toString();
    assert.equal((JSON.parse(stats) as { memory: { blocks: number } }).memory.blocks, 0, 'test blocks evicted from the cache');
    assert.match(r.stderr, /diagnose: \[1\/9\]/);
    assert.match(r.stderr, /diagnose: \[9\/9\] removing the test data/);
  });

  it('prints a readable summary with verdicts', async () => {
    const r = await runCli(['diagnose', '--socket', d.socket, ...QUICK]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    assert.match(text, /^tiercache diagnose: (OK|WARNING|CRITICAL)/);
    assert.match(text, /sequential read, cold \(1 MiB reads\)\s+[\d.]+ MB\/s\s+(OK|WARNING|CRITICAL)\s+warning < 100\.0 MB\/s, critical < 50\.0 MB\/s/);
    assert.match(text, /checkpoint save \(until persisted\)\s+[\d.]+ ?m?s/);
    assert.match(text, /checkpoint restore/);
    assert.match(text, /fio/);
    assert.match(text, /Test data removed/);
    assert.deepEqual(leftovers(), []);
  });

  it('fails with one line and exit code 1 when no daemon answers', async () => {
    const socket = join(d.dir, 'nobody-here.sock');
    assert.equal(existsSync(socket), false);
    const r = await runCli(['diagnose', '--socket', socket]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.length, 0);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^tiercache: UNAVAILABLE: cannot reach the tiercache daemon at .*nobody-here\.sock/);
  });

  it('removes its test data when a test fails half-way', async () => {
    // 1 MiB reads are over this daemon's max-read-size: the sequential test fails after the file is written.
    const small = new TestDaemon({ flags: { watch: 'false', 'max-read-size': '4KiB' } });
    try {
      await small.start();
      const r = await runCli(['diagnose', '--socket', small.socket, ...QUICK]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /diagnose: \[3\/9\] writing/);
      assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^tiercache: RESOURCE_EXHAUSTED: read of 1\.00 MiB exceeds max-read-size/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(readdirSync(small.backendDir).filter((n) => n.startsWith('.tiercache-diagnose')), []);
    } finally {
      await small.cleanup();
    }
  });

  it('rejects bad options before touching anything', async () => {
    const r = await runCli(['diagnose', '--socket', d.socket, '--concurrency', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--concurrency must be between 1 and 1024/);
  });
});
