// npm run bench: runs every benchmark module, prints a table, writes JSON to
// bench/results/. Each figure is a ratio against a baseline measured in the
// same run. `npm run bench -- cache peer` runs only the named modules.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import type { BenchResult } from './types';

// realfs reports nothing (and says why) where MooseFS cannot start.
const MODULES = ['cache', 'prefetch', 'checkpoint', 'checkpoint-mount', 'peer', 'realfs', 'mount', 's3', 'python-loader', 'memory'];

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(3);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : MODULES;
  const all: Array<BenchResult & { module: string }> = [];
  for (const name of names) {
    const file = join(__dirname, `${name}.js`);
    if (!existsSync(file)) {
      process.stderr.write(`[bench] ${name}: not built, skipped\n`);
      continue;
    }
    const mod = (await import(file)) as { run(): Promise<BenchResult[]> };
    const t0 = Date.now();
    const results = await mod.run();
    process.stderr.write(`[bench] ${name}: ${results.length} figures in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    for (const r of results) all.push({ module: name, ...r });
  }
  const rows = [['BENCHMARK', 'METRIC', 'TIERCACHE', 'BASELINE', 'RATIO', 'TARGET', 'BASELINE IS / NOTE']];
  for (const r of all) {
    rows.push([r.name, r.metric, fmt(r.value), fmt(r.baseline), `${fmt(r.ratio)}x`, r.target ?? '', [r.baselineName, r.note].filter(Boolean).join('; ')]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
  const dir = join(__dirname, '../../bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `bench-${stamp}.json`);
  writeFileSync(
    file,
    JSON.stringify({ time: new Date().toISOString(), node: process.version, cpus: cpus().length, memory: totalmem(), results: all }, null, 2),
  );
  writeFileSync(join(dir, 'latest.json'), JSON.stringify({ time: new Date().toISOString(), results: all }, null, 2));
  process.stdout.write(`\nwritten ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
