// daemonset-s3/: the overlay that points the DaemonSet at a bucket. Checked
// offline (`kubectl kustomize daemonset-s3/` builds it; CI has no kubectl):
// its config loads with the daemon's own loader as an S3 backend, every
// patch names something the base really has, and the patched objects validate.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/types';
import { DAEMONSET_DIR, REPO_ROOT, readManifests, validateManifest } from './manifest-validation';

type Obj = Record<string, any>;
const OVERLAY = join(REPO_ROOT, 'daemonset-s3');
const one = (dir: string, file: string): Obj => readManifests(join(dir, file))[0]!;

describe('daemonset-s3/: the DaemonSet in front of a bucket', () => {
  let dir: string;
  let config: Config;
  const base = one(DAEMONSET_DIR, 'daemonset.yaml');
  const patch = one(OVERLAY, 'daemonset-s3.yaml');
  const basePod = base['spec']['template']['spec'];
  const patchPod = patch['spec']['template']['spec'];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tiercache-k8s-s3-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, one(OVERLAY, 'configmap-s3.yaml')['data']['config.yaml']);
    config = loadConfig({ configFile: file, podIp: '10.1.2.3' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the kustomization builds on the base and applies every patch file of the directory', () => {
    const k = one(OVERLAY, 'kustomization.yaml');
    assert.deepEqual(k['resources'], ['../daemonset']);
    assert.deepEqual(k['patches'].map((p: Obj) => p['path']).sort(), ['configmap-s3.yaml', 'daemonset-s3.yaml', 'serviceaccount-irsa.yaml']);
  });

  test('its config is an S3 backend the daemon accepts, with the base\'s socket, peers and SSD paths', () => {
    assert.equal(config.s3?.bucket, 'my-training-data');
    assert.equal(config.s3?.prefix, 'datasets/');
    const baseFile = join(dir, 'base.yaml');
    writeFileSync(baseFile, one(DAEMONSET_DIR, 'configmap.yaml')['data']['config.yaml']);
    const b = loadConfig({ configFile: baseFile, podIp: '10.1.2.3' });
    for (const k of ['socket', 'socketMode', 'stateDir', 'ssdCacheDir', 'checkpointDir', 'peers', 'listen', 'metricsListen', 'peerTokenFile'] as const) {
      assert.equal(config[k], b[k], k);
    }
    assert.deepEqual(config.tcpServices, b.tcpServices);
  });

  test('patches target the base objects by name, and drop the filesystem mount by its name', () => {
    for (const f of ['configmap-s3.yaml', 'daemonset-s3.yaml', 'serviceaccount-irsa.yaml']) {
      const p = one(OVERLAY, f);
      const target = [one(DAEMONSET_DIR, 'configmap.yaml'), base, one(DAEMONSET_DIR, 'serviceaccount.yaml')].find((o) => o['kind'] === p['kind'])!;
      assert.equal(p['metadata']['name'], target['metadata']['name'], f);
      assert.equal(p['metadata']['namespace'], target['metadata']['namespace'], f);
    }
    const dropVolume = patchPod['volumes'].find((v: Obj) => v['$patch'] === 'delete');
    assert.ok(basePod['volumes'].some((v: Obj) => v['name'] === dropVolume['name'] && v['hostPath']));
    const dropMount = patchPod['containers'][0]['volumeMounts'].find((m: Obj) => m['$patch'] === 'delete');
    assert.ok(basePod['containers'][0]['volumeMounts'].some((m: Obj) => m['mountPath'] === dropMount['mountPath'] && m['name'] === dropVolume['name']));
    assert.equal(patchPod['containers'][0]['name'], basePod['containers'][0]['name']);
  });

  test('credentials: an optional Secret into the environment, or the IRSA role on the ServiceAccount', () => {
    const c = patchPod['containers'][0];
    assert.deepEqual(c['envFrom'], [{ secretRef: { name: 'tiercache-s3-credentials', optional: true } }]);
    assert.ok(c['env'].some((e: Obj) => e['name'] === 'AWS_REGION'));
    assert.match(one(OVERLAY, 'serviceaccount-irsa.yaml')['metadata']['annotations']['eks.amazonaws.com/role-arn'], /^arn:aws:iam::\d{12}:role\//);
  });

  test('the patched DaemonSet still validates', () => {
    const merged = structuredClone(base);
    const pod = merged['spec']['template']['spec'];
    const c = pod['containers'][0];
    pod['volumes'] = pod['volumes'].filter((v: Obj) => v['name'] !== 'dataset-fs');
    c['volumeMounts'] = c['volumeMounts'].filter((m: Obj) => m['name'] !== 'dataset-fs');
    c['env'] = [...c['env'], ...patchPod['containers'][0]['env']];
    c['envFrom'] = patchPod['containers'][0]['envFrom'];
    assert.deepEqual(validateManifest(merged), []);
  });
});
