// The alert rules, their PrometheusRule and the Grafana dashboard: promtool
// accepts and tests the rules, the PrometheusRule carries exactly the same
// groups, thresholds match src/metrics/thresholds.ts, and every metric the
// rules and the dashboard query is one the daemon exports.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT } from '../helpers/daemon';
import { THRESHOLDS } from '../../src/metrics/thresholds';
import { promtool } from './exposition';
import { exportedNames } from './fake-daemon';

const RULES = join(REPO_ROOT, 'daemonset/alerts/tiercache-rules.yaml');
const RULE_TESTS = join(REPO_ROOT, 'daemonset/tests/tiercache-rules.test.yaml');
const PROMETHEUS_RULE = join(REPO_ROOT, 'daemonset/prometheus-rule.yaml');
const DASHBOARD = join(REPO_ROOT, 'daemonset/grafana-dashboard.json');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
type Groups = Array<{ name: string; rules: Rule[] }>;

const rules = (): Groups => (YAML.parse(readFileSync(RULES, 'utf8')) as { groups: Groups }).groups;
const alerts = (): Rule[] => rules().flatMap((g) => g.rules.filter((r) => r.alert));

/** Metric names in a PromQL expression (recording-rule names, with colons, are left out). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:tiercache|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

function run(bin: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: REPO_ROOT });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('alert rules', () => {
  it('pass promtool check rules', (t) => {
    const bin = promtool(t);
    if (!bin) return;
    const r = run(bin, ['check', 'rules', RULES]);
    assert.equal(r.status, 0, r.out);
  });

  it('pass their promtool unit tests (each alert firing and not firing)', (t) => {
    const bin = promtool(t);
    if (!bin) return;
    const r = run(bin, ['test', 'rules', RULE_TESTS]);
    assert.equal(r.status, 0, r.out);
  });

  it('have unit tests for every alert at both severities', () => {
    const tested = readFileSync(RULE_TESTS, 'utf8');
    for (const a of alerts()) {
      assert.match(tested, new RegExp(`alertname: ${a.alert}\\n`), `${a.alert} has no promtool test`);
    }
  });

  it('are embedded unchanged in the PrometheusRule, which is up to date', () => {
    const pr = YAML.parse(readFileSync(PROMETHEUS_RULE, 'utf8')) as { apiVersion: string; kind: string; spec: { groups: Groups } };
    assert.equal(pr.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(pr.kind, 'PrometheusRule');
    assert.deepEqual(pr.spec.groups, rules());
    const r = run(process.execPath, [join(REPO_ROOT, 'hack/gen-prometheus-rule.js'), '--check']);
    assert.equal(r.status, 0, r.out);
  });

  it('use the thresholds of src/metrics/thresholds.ts', () => {
    for (const [name, th] of Object.entries(THRESHOLDS)) {
      for (const severity of ['warning', 'critical'] as const) {
        const rule = alerts().find((a) => a.alert === th.alert && a.labels?.['severity'] === severity);
        assert.ok(rule, `${name}: no ${severity} rule named ${th.alert}`);
        const numbers = [...rule.expr.matchAll(/(?<![\w.:])(\d+(?:\.\d+)?(?:e\d+)?)(?![\w.])/g)].map((m) => Number(m[1]));
        assert.ok(numbers.includes(th[severity]), `${th.alert} ${severity}: expected ${th[severity]} in ${rule.expr}`);
      }
    }
  });

  it('give every alert a severity, a summary and a description', () => {
    for (const a of alerts()) {
      assert.ok(['warning', 'critical'].includes(a.labels?.['severity'] ?? ''), `${a.alert}: severity`);
      assert.ok((a.annotations?.['summary'] ?? '').length > 20, `${a.alert}: summary`);
      assert.ok((a.annotations?.['description'] ?? '').length > 50, `${a.alert}: description`);
    }
  });
});

describe('metric names', () => {
  let exported: Set<string>;
  before(async () => {
    exported = await exportedNames();
  });

  it('every metric the rules query is exported', () => {
    for (const r of rules().flatMap((g) => g.rules)) {
      for (const n of metricNames(r.expr)) assert.ok(exported.has(n), `${r.alert ?? r.record}: ${n} is not exported`);
    }
  });

  it('every metric the dashboard queries is exported, and its queries parse', (t) => {
    const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const exprs: string[] = [];
    for (const p of dash.panels) {
      for (const target of p.targets ?? []) {
        exprs.push(target.expr);
        for (const n of metricNames(target.expr)) assert.ok(exported.has(n), `panel ${p.title}: ${n} is not exported`);
      }
    }
    assert.ok(exprs.length > 20);
    const r0 = run(process.execPath, [join(REPO_ROOT, 'hack/gen-grafana-dashboard.js'), '--check']);
    assert.equal(r0.status, 0, r0.out);
    const bin = promtool(t);
    if (!bin) return;
    // promtool parses PromQL when checking rules: wrap each query as a recording rule.
    const dir = mkdtempSync(join(tmpdir(), 'tc-dash-'));
    try {
      const file = join(dir, 'dashboard-queries.yaml');
      const asRules = exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.replaceAll('$instance', '.*') }));
      writeFileSync(file, YAML.stringify({ groups: [{ name: 'dashboard', rules: asRules }] }));
      const r = run(bin, ['check', 'rules', file]);
      assert.equal(r.status, 0, r.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
