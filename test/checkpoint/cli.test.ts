// tiercache checkpoint save|load|ls|rm against the real daemon.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, pseudoRandomBytes, runCli } from '../helpers/daemon';
import { MiB, sha256 } from './fixtures';

describe('tiercache checkpoint', () => {
  const d = new TestDaemon();
  const data = pseudoRandomBytes(3 * MiB + 7, 31);
  const cli = (...args: string[]) => runCli(['checkpoint', ...args, '--socket', d.socket]);

  before(async () => {
    writeFileSync(join(d.dir, 'model.pt'), data);
    await d.start();
  });
  after(async () => {
    await d.stop();
    await d.cleanup();
  });

  it('saves a file and stdin, lists them, loads them to stdout and to a file, and removes one', async () => {
    const saved = await cli('save', '--job', 'cli', '--step', '10', '--metric', 'loss=0.5', '--metric', 'acc=0.75', '--sync', join(d.dir, 'model.pt'));
    assert.equal(saved.code, 0, saved.stderr);
    const [id1, state1] = saved.stdout.toString().trim().split(' ');
    assert.equal(state1, 'PERSISTED');
    assert.match(saved.stdout.toString(), new RegExp(`sha256:${sha256(data)}`));

    const piped = await runCli(['checkpoint', 'save', '--job', 'cli', '--step', '11', '--json', '-', '--socket', d.socket], {
      input: 'from stdin',
    });
    assert.equal(piped.code, 0, piped.stderr);
    const info2 = JSON.parse(piped.stdout.toString()) as { id: string; step: number; size: number };
    assert.equal(info2.step, 11);
    assert.equal(info2.size, 10);

    const ls = await cli('ls', '--job', 'cli');
    assert.equal(ls.code, 0, ls.stderr);
    const lines = ls.stdout.toString().trim().split('\n');
    assert.match(lines[0]!, /^ID\s+STEP\s+STATE\s+SIZE/);
    assert.ok(lines[1]!.startsWith(info2.id), 'newest first');
    assert.match(lines[2]!, new RegExp(`^${id1}\\s+10\\s+PERSISTED\\s+.*loss=0.5,acc=0.75$`));
    const lsJson = JSON.parse((await cli('ls', '--job', 'cli', '--json')).stdout.toString()) as Array<{ id: string }>;
    assert.deepEqual(
      lsJson.map((x) => x.id),
      [info2.id, id1],
    );

    const latest = await cli('load', '--job', 'cli');
    assert.equal(latest.code, 0, latest.stderr);
    assert.equal(latest.stdout.toString(), 'from stdin');
    const out = join(d.dir, 'restored.pt');
    const byId = await cli('load', '--job', 'cli', '--id', id1!, '-o', out);
    assert.equal(byId.code, 0, byId.stderr);
    assert.ok(readFileSync(out).equals(data), 'byte-exact file');

    assert.equal((await cli('rm', '--job', 'cli', '--id', info2.id)).code, 0);
    assert.equal((await cli('load', '--job', 'cli')).stdout.length, data.length, 'latest is the older one now');
    const again = await cli('rm', '--job', 'cli', '--id', info2.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no checkpoint .* for job cli/);
  });

  it('explains usage mistakes and daemon refusals in one line', async () => {
    const noJob = await cli('save', join(d.dir, 'model.pt'));
    assert.equal(noJob.code, 2);
    assert.match(noJob.stderr, /--job is required/);
    const badMetric = await cli('save', '--job', 'x', '--metric', 'loss', join(d.dir, 'model.pt'));
    assert.equal(badMetric.code, 2);
    assert.match(badMetric.stderr, /--metric must be NAME=NUMBER, got "loss"/);
    const unknown = await cli('load', '--job', 'nobody');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^tiercache: NOT_FOUND: .*"nobody"\n$/);
    const badJob = await cli('ls', '--job', '../x');
    assert.equal(badJob.code, 1);
    assert.match(badJob.stderr, /INVALID_ARGUMENT: invalid job_id "\.\.\/x"/);
  });
});
