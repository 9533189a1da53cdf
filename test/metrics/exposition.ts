// Test helpers: read samples out of a Prometheus text exposition, and find
// promtool (required in CI, optional on a laptop).

import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): ParsedSample[] {
  const out: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample of `name` carrying `labels`; undefined when there is none. */
export function sampleValue(samples: ParsedSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}

/**
 * Path to promtool, or undefined after skipping the test. In CI (CI=true) a
 * missing promtool fails the test: the rules must be checked there.
 */
export function promtool(t: TestContext): string | undefined {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (!r.error && r.status === 0) return 'promtool';
  if (process.env['CI'] === 'true') {
    throw new Error('promtool is required in CI: install it with `apt-get install -y prometheus` (Debian package prometheus)');
  }
  t.skip('promtool is not installed (apt-get install -y prometheus)');
  return undefined;
}

/** The /metrics URL of a test daemon started with metrics-listen 127.0.0.1:0 (from its start-up log line). */
export function metricsUrl(stderr: string): string {
  for (const line of stderr.split('\n')) {
    if (!line.includes('metrics endpoint serving')) continue;
    return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/metrics`;
  }
  throw new Error(`the daemon did not log its metrics port:\n${stderr}`);
}

/** One scrape of a daemon's /metrics, parsed. */
export async function scrapeMetrics(url: string): Promise<ParsedSample[]> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return parseExposition(await res.text());
}
