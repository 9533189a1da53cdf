// Offline validation of Kubernetes manifests for the k8s tests: core kinds
// with the kubernetes-models package, Kubeflow and Volcano kinds with the
// openAPIV3Schema of their CRDs in ../shared/crds (compiled with ajv). Not a
// test file itself; the tests import it.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseManifests, toObjects } from '../../src/k8s/manifest-stream';

/** dist/test/k8s -> the repository root. */
export const REPO_ROOT = resolve(__dirname, '../../..');
export const CRD_DIR = resolve(REPO_ROOT, '../shared/crds');
export const DAEMONSET_DIR = join(REPO_ROOT, 'daemonset');
export const EXAMPLES_DIR = join(DAEMONSET_DIR, 'examples');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Loosely typed on purpose: tests index into manifests freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

export function readManifests(path: string): Manifest[] {
  return toObjects(parseManifests(readFileSync(path, 'utf8'), path)).filter(isObj);
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * A CRD schema made as strict as the API server with strict field
 * validation (kubectl's default): fields a schema does not declare are
 * errors unless it preserves unknown fields; int-or-string becomes anyOf.
 */
function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    // Keys under "properties" are field names, not keywords: keep them all.
    out[k] = k === 'properties' && isObj(v) ? Object.fromEntries(Object.entries(v).map(([f, s]) => [f, structural(s)])) : structural(v);
  }
  if (out['x-kubernetes-int-or-string'] === true && out['type'] === undefined && out['anyOf'] === undefined) {
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  if (isObj(out['properties']) && out['additionalProperties'] === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out['additionalProperties'] = false;
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
// Parsing and compiling the CRDs takes most of a second each, so both happen
// on first use: a CRD file is named <group>_<plural>.yaml.
const crdSchemas = new Map<string, unknown>();
const crdValidators = new Map<string, ValidateFunction>();
const parsedCrdFiles = new Set<string>();

function loadCrds(group: string): void {
  for (const file of yamlFiles(CRD_DIR)) {
    if (!basename(file).startsWith(`${group}_`) || parsedCrdFiles.has(file)) continue;
    parsedCrdFiles.add(file);
    const crd = parseYaml(readFileSync(file, 'utf8')) as Obj;
    if (crd['kind'] !== 'CustomResourceDefinition') continue;
    const spec = crd['spec'] as { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
    for (const v of spec.versions) crdSchemas.set(`${spec.group}/${v.name}/${spec.names.kind}`, v.schema.openAPIV3Schema);
  }
}

export function hasCrd(apiVersion: string, kind: string): boolean {
  if (!apiVersion.includes('/')) return false;
  loadCrds(apiVersion.slice(0, apiVersion.indexOf('/')));
  return crdSchemas.has(`${apiVersion}/${kind}`);
}

function validateCrd(obj: Obj, key: string): string[] {
  let validate = crdValidators.get(key);
  if (!validate) {
    validate = ajv.compile(structural(crdSchemas.get(key)) as object);
    crdValidators.set(key, validate);
  }
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params['additionalProperty'])}` : ''}`);
}

function validateCore(obj: Obj): string[] {
  let Model: new (data: unknown) => { validate(): void };
  try {
    const mod = require(`kubernetes-models/${String(obj['apiVersion'])}/${String(obj['kind'])}`) as Record<string, typeof Model>;
    Model = mod[String(obj['kind'])]!;
  } catch {
    return [`no schema for ${String(obj['apiVersion'])} ${String(obj['kind'])}`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** ServiceMonitor's CRD is not vendored; check the fields the operator needs. */
function validateServiceMonitor(obj: Obj): string[] {
  const errors: string[] = [];
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  const selector = spec['selector'];
  if (!isObj(selector) || !isObj(selector['matchLabels'])) errors.push('spec.selector.matchLabels is required');
  const endpoints = spec['endpoints'];
  if (!Array.isArray(endpoints) || endpoints.length === 0) errors.push('spec.endpoints must list at least one endpoint');
  else for (const e of endpoints) if (!isObj(e) || typeof e['port'] !== 'string') errors.push('every endpoint needs a named port');
  return errors;
}

/** PrometheusRule's CRD is not vendored either; promtool checks the rules themselves (test/metrics). */
function validatePrometheusRule(obj: Obj): string[] {
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  const groups = spec['groups'];
  if (!Array.isArray(groups) || groups.length === 0) return ['spec.groups must list at least one rule group'];
  const errors: string[] = [];
  for (const g of groups) {
    if (!isObj(g) || typeof g['name'] !== 'string' || !Array.isArray(g['rules'])) errors.push('every group needs a name and rules');
  }
  return errors;
}

/** Problems with one manifest; [] when it is valid. */
export function validateManifest(obj: Obj): string[] {
  const apiVersion = String(obj['apiVersion'] ?? '');
  const kind = String(obj['kind'] ?? '');
  const meta = obj['metadata'];
  const errors = isObj(meta) && typeof meta['name'] === 'string' && meta['name'] !== '' ? [] : ['metadata.name is required'];
  if (apiVersion === 'monitoring.coreos.com/v1' && kind === 'ServiceMonitor') return [...errors, ...validateServiceMonitor(obj)];
  if (apiVersion === 'monitoring.coreos.com/v1' && kind === 'PrometheusRule') return [...errors, ...validatePrometheusRule(obj)];
  if (hasCrd(apiVersion, kind)) return [...errors, ...validateCrd(obj, `${apiVersion}/${kind}`)];
  return [...errors, ...validateCore(obj)];
}
