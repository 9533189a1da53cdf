import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runK8sCommand } from '../../src/k8s/command';
import { FIXTURES } from './fixtures';
import { EXAMPLES_DIR } from './manifest-validation';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdin = ''): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const code = await runK8sCommand(argv, { stdin: Readable.from([stdin]), stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('tiercache k8s', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tiercache-k8s-cmd-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help prints the commands; no command is a usage error', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /inject FILE\|-/);
    assert.match(help.stdout, /plan FILE\|-/);
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: tiercache k8s/);
    const unknown = await run(['deploy']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "deploy"/);
  });

  test('inject --help and plan --help list their options', async () => {
    const inject = await run(['inject', '--help']);
    assert.equal(inject.code, 0);
    for (const flag of ['--warmup PREFIX', '--socket-dir DIR', '--image IMAGE', '--in-place']) assert.ok(inject.stdout.includes(flag), flag);
    const plan = await run(['plan', '-h']);
    assert.equal(plan.code, 0);
    for (const flag of ['--pvc FILE', '--json', '--per-gpu-read-rate RATE', '--nodes N', '--node-cache-size SIZE']) assert.ok(plan.stdout.includes(flag), flag);
  });

  test('inject FILE prints the wired manifests; warnings go to stderr', async () => {
    const file = join(dir, 'mixed.yaml');
    writeFileSync(file, `${FIXTURES['Pod']}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n`);
    const r = await run(['inject', file, '--warmup', 'datasets/imagenet']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /name: TIERCACHE_SOCKET\n/);
    assert.match(r.stdout, /args: \[warmup, datasets\/imagenet\]/);
    assert.match(r.stdout, /---\napiVersion: example\.com\/v1\nkind: Widget\nmetadata: \{name: w\}\n$/);
    assert.match(r.stderr, /^warning: .*mixed\.yaml: Widget w: kind Widget has no pod template/);
  });

  test('inject - reads stdin, and its output fed back in comes out the same', async () => {
    const once = await run(['inject', '-'], FIXTURES['VolcanoJob']);
    assert.equal(once.code, 0);
    const twice = await run(['inject', '-'], once.stdout);
    assert.equal(twice.stdout, once.stdout);
  });

  test('inject --in-place rewrites the file, and leaves a wired one alone', async () => {
    const file = join(dir, 'job.yaml');
    writeFileSync(file, FIXTURES['Job']!);
    const r = await run(['inject', '-i', file]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    const wired = readFileSync(file, 'utf8');
    assert.match(wired, /TIERCACHE_SOCKET/);
    assert.equal((await run(['inject', '--in-place', file])).code, 0);
    assert.equal(readFileSync(file, 'utf8'), wired);
    assert.equal((await run(['inject', '-i', '-'])).code, 2);
  });

  test('invalid YAML exits 1 with the file and line', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [p\n');
    const r = await run(['inject', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^tiercache k8s inject: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML: `));
  });

  test('a missing file exits 1; a bad flag or value exits 2', async () => {
    assert.equal((await run(['inject', join(dir, 'nope.yaml')])).code, 1);
    const badFlag = await run(['inject', '--warmpu', 'x', '-']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /Unknown option '--warmpu'/);
    assert.equal((await run(['inject', '--socket-dir', 'relative', '-'])).code, 2);
    assert.equal((await run(['inject', 'a.yaml', 'b.yaml'])).code, 2);
    const badNodes = await run(['plan', '--nodes', '0', '-']);
    assert.equal(badNodes.code, 2);
    assert.match(badNodes.stderr, /invalid --nodes "0"/);
    assert.match((await run(['plan', '--per-gpu-read-rate', 'fast', '-'])).stderr, /invalid --per-gpu-read-rate "fast"/);
    assert.match((await run(['plan', '--backend', '/mnt/data', '-'])).stderr, /invalid --backend "\/mnt\/data": invalid backend: .*expected s3:\/\/BUCKET\/PREFIX/);
    assert.match((await run(['plan', '--dataset-size', '1TiB', '-'])).stderr, /--dataset-size goes with --backend s3:\/\//);
  });

  test('plan --backend s3://... --dataset-size compares the bucket with the node caches', async () => {
    const r = await run(['plan', join(EXAMPLES_DIR, 'volcano-job.yaml'), '--backend', 's3://datasets/llama', '--dataset-size', '3TiB', '--nodes', '4']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Backend: +S3 bucket s3:\/\/datasets\/llama\//);
    assert.match(r.stdout, /Dataset: +s3:\/\/datasets\/llama\/, 3 TiB/);
    assert.match(r.stdout, /Fits in all node caches: +no/);
  });

  test('plan FILE --pvc FILE prints a table; --json prints the plan as JSON', async () => {
    const args = ['plan', join(EXAMPLES_DIR, 'volcano-job.yaml'), '--pvc', join(EXAMPLES_DIR, 'storage.yaml')];
    const table = await run([...args, '--nodes', '4']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Job ml-training\/llama-finetune\n/);
    assert.match(table.stdout, /Node cache: +4 nodes x 500 GiB/);
    const json = await run([...args, '--json', '--per-gpu-read-rate', '1GB/s', '--node-cache-size', '2TiB']);
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout).jobs[0];
    assert.equal(plan.readBandwidth, 32e9);
    assert.equal(plan.cache.nodeCacheSize, 2 * 2 ** 40);
    assert.equal(plan.cache.fitsPerNode, true);
  });

  test('plan on manifests without a workload exits 1', async () => {
    const r = await run(['plan', join(EXAMPLES_DIR, 'storage.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no workload with pod templates found/);
  });
});
