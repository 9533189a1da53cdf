// `k8s inject --posix`: the job's checkpoint volume becomes the node's
// writable checkpoint mount under a per-job directory.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { injectManifests } from '../../src/k8s/injector';
import { parseManifests, toObjects } from '../../src/k8s/manifest-stream';
import { EXAMPLES_DIR, validateManifest, type Manifest } from './manifest-validation';

const pytorchJob = readFileSync(join(EXAMPLES_DIR, 'pytorchjob.yaml'), 'utf8');

function inject(text: string, options: Parameters<typeof injectManifests>[2]): { out: string; warnings: string[]; objs: Manifest[] } {
  const warnings: string[] = [];
  const out = injectManifests(text, 'job.yaml', options, (m) => warnings.push(m));
  return { out, warnings, objs: toObjects(parseManifests(out, 'out.yaml')) as Manifest[] };
}

// --posix also turns the data PVC into the node's cached view (posix-injection's own tests cover that).
const POSIX_VIEW = { dir: '/var/lib/tiercache/fs', subdir: '' };

describe('k8s inject --posix: checkpoints', () => {
  test('the volume at /checkpoints becomes the node checkpoint mount, per job, writable, HostToContainer', () => {
    const { objs, warnings } = inject(pytorchJob, { posix: POSIX_VIEW });
    assert.deepEqual(warnings, []);
    const job = objs.find((o) => o['kind'] === 'PyTorchJob')!;
    for (const role of ['Master', 'Worker']) {
      const spec = job['spec']['pytorchReplicaSpecs'][role]['template']['spec'];
      const vol = spec['volumes'].find((v: Manifest) => v['name'] === 'checkpoints');
      assert.deepEqual(vol, {
        name: 'checkpoints',
        hostPath: { path: '/var/lib/tiercache/checkpoints/ml-training-resnet50-imagenet', type: 'DirectoryOrCreate' },
      });
      const c = spec['containers'][0];
      const m = c['volumeMounts'].find((x: Manifest) => x['mountPath'] === '/checkpoints');
      assert.equal(m['mountPropagation'], 'HostToContainer');
      assert.equal(m['readOnly'], undefined);
      const env = Object.fromEntries(c['env'].map((e: Manifest) => [e['name'], e['value']]));
      assert.equal(env['TIERCACHE_CHECKPOINT_DIR'], '/checkpoints');
      assert.equal(env['TIERCACHE_CHECKPOINT_PREFIX'], 'ml-training-resnet50-imagenet');
      // The data volume is not the checkpoint half's business.
      assert.match(spec['volumes'].find((v: Manifest) => v['name'] === 'dataset')['hostPath']['path'], /^\/var\/lib\/tiercache\/fs/);
    }
    for (const o of objs) assert.deepEqual(validateManifest(o), [], `${o['kind']} validates`);
  });

  test('running it again changes nothing', () => {
    const once = inject(pytorchJob, { posix: POSIX_VIEW }).out;
    assert.equal(inject(once, { posix: POSIX_VIEW }).out, once);
  });

  test('a job without a volume at the checkpoint path is warned about and left alone there', () => {
    const { warnings, objs } = inject(pytorchJob, { posix: POSIX_VIEW, checkpointPath: '/ckpt', checkpointMountDir: '/mnt/ckpt' });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /no container mounts a volume at \/ckpt/);
    const spec = objs.find((o) => o['kind'] === 'PyTorchJob')!['spec']['pytorchReplicaSpecs']['Master']['template']['spec'];
    assert.ok(spec['volumes'].find((v: Manifest) => v['name'] === 'checkpoints')['persistentVolumeClaim']);
  });
});
