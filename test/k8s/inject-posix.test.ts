// `tiercache k8s inject --posix`: the data PVC becomes the node's cached,
// read-only view at the same mountPath (hostPath, HostToContainer); the
// command is untouched; a second run changes nothing; the examples under
// daemonset/examples/posix/ are exactly its output; the DaemonSet exposes
// the view with Bidirectional propagation, and `kubectl kustomize` builds.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { injectManifests } from '../../src/k8s/injector';
import { parseManifests, toObjects } from '../../src/k8s/manifest-stream';
import { ManifestError } from '../../src/k8s/errors';
import { DEFAULT_POSIX_DIR } from '../../src/k8s/types';
import { runCli } from '../helpers/daemon';
import { DAEMONSET_DIR, EXAMPLES_DIR, readManifests, validateManifest, yamlFiles } from './manifest-validation';

type Obj = Record<string, any>;

const POSIX = { dir: DEFAULT_POSIX_DIR, subdir: '' };
const POSIX_EXAMPLES = join(EXAMPLES_DIR, 'posix');

const JOB = `apiVersion: batch/v1
kind: Job
metadata: {name: train}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: train
          image: pytorch/pytorch
          command: ["python", "/opt/model/train.py", "--data-path=/data"]
          volumeMounts:
            - {name: data, mountPath: /data}
            - {name: out, mountPath: /out}
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: imagenet}
        - name: out
          persistentVolumeClaim: {claimName: results}
`;

function inject(text: string, posix: Obj = POSIX): { out: string; warnings: string[] } {
  const warnings: string[] = [];
  const out = injectManifests(text, 'job.yaml', { posix: posix as never }, (m) => warnings.push(m));
  return { out, warnings };
}

const podSpec = (text: string): Obj => (toObjects(parseManifests(text, 'x'))[0] as Obj)['spec']['template']['spec'];

describe('k8s inject --posix', () => {
  test('the named claim becomes a read-only hostPath of the view at the same mountPath, HostToContainer; the command is unchanged', () => {
    const { out, warnings } = inject(JOB, { ...POSIX, subdir: 'datasets/imagenet', claim: 'imagenet' });
    assert.deepEqual(warnings, []);
    const spec = podSpec(out);
    assert.deepEqual(spec['volumes'][0], { name: 'data', hostPath: { path: `${DEFAULT_POSIX_DIR}/datasets/imagenet`, type: 'Directory' } });
    assert.deepEqual(spec['volumes'][1], { name: 'out', persistentVolumeClaim: { claimName: 'results' } });
    const c = spec['containers'][0];
    assert.deepEqual(c['command'], ['python', '/opt/model/train.py', '--data-path=/data']);
    assert.deepEqual(c['volumeMounts'][0], { name: 'data', mountPath: '/data', readOnly: true, mountPropagation: 'HostToContainer' });
    assert.deepEqual(c['volumeMounts'][1], { name: 'out', mountPath: '/out' });
    assert.match(out, /# tiercache k8s inject --posix: was persistentVolumeClaim imagenet/);
    assert.equal(inject(out, { ...POSIX, subdir: 'datasets/imagenet', claim: 'imagenet' }).out, out, 'idempotent');
    for (const o of toObjects(parseManifests(out, 'x')) as Obj[]) assert.deepEqual(validateManifest(o), []);
  });

  test('without --posix-claim it takes the only PVC, or the only one mounted read-only, and otherwise says which to pass', () => {
    const single = JOB.replace(/\n {12}- \{name: out.*\n/, '\n').replace(/\n {8}- name: out\n.*\n/, '\n');
    assert.equal(podSpec(inject(single).out)['volumes'][0]['hostPath']['path'], DEFAULT_POSIX_DIR);
    const readOnly = JOB.replace('{name: data, mountPath: /data}', '{name: data, mountPath: /data, readOnly: true}');
    assert.equal(podSpec(inject(readOnly).out)['volumes'][0]['hostPath']['path'], DEFAULT_POSIX_DIR);
    assert.throws(() => inject(JOB), (err: unknown) => {
      assert.ok(err instanceof ManifestError);
      assert.match(err.message, /--posix: cannot tell the data volume among the claims imagenet, results; pass --posix-claim NAME/);
      return true;
    });
  });

  test('the CLI takes --posix, --posix-dir, --posix-subdir, --posix-claim and refuses them without --posix', async () => {
    const ok = await runCli(['k8s', 'inject', '-', '--posix', '--posix-dir', '/srv/view', '--posix-claim', 'imagenet'], { input: JOB });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(podSpec(ok.stdout.toString())['volumes'][0]['hostPath']['path'], '/srv/view');
    const bad = await runCli(['k8s', 'inject', '-', '--posix-claim', 'imagenet'], { input: JOB });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--posix-dir, --posix-subdir and --posix-claim go with --posix/);
  });
});

describe('daemonset/examples/posix/: the examples as `inject --posix` makes them', () => {
  const originals = yamlFiles(EXAMPLES_DIR).filter((f) => basename(f) !== 'storage.yaml');
  for (const file of originals) {
    test(`posix/${basename(file)} is inject --posix of ${basename(file)}, validates, and mounts the view at /data`, () => {
      const want = injectManifests(readFileSync(file, 'utf8'), file, { posix: POSIX }, () => {});
      const posixFile = join(POSIX_EXAMPLES, basename(file));
      assert.equal(readFileSync(posixFile, 'utf8'), want, `regenerate: node dist/src/cli/main.js k8s inject --posix ${file} > ${posixFile}`);
      for (const o of readManifests(posixFile)) assert.deepEqual(validateManifest(o), [], `${o['kind']}`);
      assert.match(want, new RegExp(`path: ${DEFAULT_POSIX_DIR}\\n\\s+type: Directory`));
      assert.match(want, /mountPath: \/data\n\s+readOnly: true\n\s+mountPropagation: HostToContainer/);
    });
  }
});

describe('the DaemonSet exposes the view', () => {
  const ds = readManifests(join(DAEMONSET_DIR, 'daemonset.yaml')).find((o) => o['kind'] === 'DaemonSet') as Obj;
  const pod = ds['spec']['template']['spec'];
  test('on the hostPath inject --posix uses, with Bidirectional propagation, privileged (which Bidirectional requires), and the ConfigMap mounts there', () => {
    const volume = pod['volumes'].find((v: Obj) => v['hostPath']?.path === DEFAULT_POSIX_DIR);
    assert.ok(volume, 'posix-view hostPath');
    const mount = pod['containers'][0]['volumeMounts'].find((m: Obj) => m['name'] === volume['name']);
    assert.equal(mount['mountPropagation'], 'Bidirectional');
    assert.equal(pod['containers'][0]['securityContext']['privileged'], true);
    const config = readManifests(join(DAEMONSET_DIR, 'configmap.yaml'))[0] as Obj;
    assert.match(config['data']['config.yaml'], new RegExp(`^mount: ${mount['mountPath']}$`, 'm'));
  });

  test('kubectl kustomize daemonset/ builds', (t) => {
    const r = spawnSync('kubectl', ['kustomize', DAEMONSET_DIR], { encoding: 'utf8' });
    // kubectl is no Debian package .ci/run could install; where it is missing this is skipped, not failed.
    if (r.error) return t.skip('kubectl is not installed');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /mountPropagation: Bidirectional/);
    assert.match(r.stdout, /kind: DaemonSet/);
  });
});
