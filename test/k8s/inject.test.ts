import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { injectManifests } from '../../src/k8s/injector';
import { parseManifests, toObjects } from '../../src/k8s/manifest-stream';
import { findWorkload, getPath } from '../../src/k8s/pod-templates';
import { ManifestError } from '../../src/k8s/errors';
import { DEFAULT_IMAGE } from '../../src/k8s/types';
import { FIXTURES } from './fixtures';

type Obj = Record<string, any>;

const objects = (text: string): Obj[] => toObjects(parseManifests(text, 'test.yaml')) as Obj[];

function inject(text: string, options: Parameters<typeof injectManifests>[2] = {}): { out: string; warnings: string[] } {
  const warnings: string[] = [];
  const out = injectManifests(text, 'test.yaml', options, (m) => warnings.push(m));
  return { out, warnings };
}

/** Every container and init container of a PodSpec can reach the socket. */
function assertPodSpecWired(spec: Obj, socketDir = '/run/tiercache'): void {
  const volume = (spec['volumes'] as Obj[]).find((v) => v['hostPath']?.path === socketDir);
  assert.ok(volume, 'socket hostPath volume');
  for (const c of [...(spec['initContainers'] ?? []), ...spec['containers']] as Obj[]) {
    assert.deepEqual(
      (c['volumeMounts'] as Obj[]).filter((m) => m['name'] === volume['name']).map((m) => m['mountPath']),
      [socketDir],
      `mount in ${c['name']}`,
    );
    assert.deepEqual(
      (c['env'] as Obj[]).filter((e) => e['name'] === 'TIERCACHE_SOCKET'),
      [{ name: 'TIERCACHE_SOCKET', value: `${socketDir}/tiercache.sock` }],
      `env in ${c['name']}`,
    );
  }
}

function podSpecs(obj: Obj): Obj[] {
  const w = findWorkload(obj);
  assert.equal(w.shape, 'pods');
  return w.shape === 'pods' ? w.templates.map((t) => getPath(obj, t.path) as Obj) : [];
}

describe('k8s inject: every supported kind', () => {
  for (const [kind, text] of Object.entries(FIXTURES)) {
    if (kind === 'TrainJob') continue;
    test(`${kind}: every pod template gets the socket volume, its mount and TIERCACHE_SOCKET`, () => {
      const { out, warnings } = inject(text);
      assert.deepEqual(warnings, []);
      const specs = podSpecs(objects(out)[0]!);
      assert.ok(specs.length >= 1);
      for (const spec of specs) assertPodSpecWired(spec);
    });

    test(`${kind}: injecting twice gives the same bytes as injecting once`, () => {
      const once = inject(text, { warmupPrefix: 'datasets/imagenet' }).out;
      assert.notEqual(once, text);
      assert.equal(inject(once, { warmupPrefix: 'datasets/imagenet' }).out, once);
      assert.equal(inject(once).out, once);
    });
  }

  test('comments, key order and unrelated fields survive', () => {
    const { out } = inject(FIXTURES['Pod']!);
    assert.match(out, /^# a bare pod\n/);
    assert.match(out, /- name: train # the training container\n/);
    assert.match(out, /labels: \{team: vision\}/);
    const before = objects(FIXTURES['Pod']!)[0]!;
    const after = objects(out)[0]!;
    assert.deepEqual(Object.keys(after), Object.keys(before));
    assert.deepEqual(after['metadata'], before['metadata']);
    assert.equal(after['spec']['restartPolicy'], 'Never');
    assert.deepEqual(after['spec']['containers'][0]['resources'], before['spec']['containers'][0]['resources']);
  });

  test('the mount is read-only and the volume tolerates a node without the daemon yet', () => {
    const spec = objects(inject(FIXTURES['Pod']!).out)[0]!['spec'];
    assert.deepEqual(spec['volumes'], [{ name: 'tiercache-socket', hostPath: { path: '/run/tiercache', type: 'DirectoryOrCreate' } }]);
    assert.deepEqual(spec['containers'][0]['volumeMounts'], [{ name: 'tiercache-socket', mountPath: '/run/tiercache', readOnly: true }]);
  });

  test('init containers are wired too (Job with an init container)', () => {
    const spec = objects(inject(FIXTURES['Job']!).out)[0]!['spec']['template']['spec'];
    assert.equal(spec['initContainers'][0]['name'], 'fetch');
    assertPodSpecWired(spec);
  });

  test('--socket-dir moves the volume, mount and TIERCACHE_SOCKET', () => {
    const spec = objects(inject(FIXTURES['Pod']!, { socketDir: '/var/run/tc' }).out)[0]!['spec'];
    assertPodSpecWired(spec, '/var/run/tc');
  });
});

describe('k8s inject --warmup', () => {
  test('adds an init container running "tiercache warmup PREFIX" after the pod\'s own', () => {
    const spec = objects(inject(FIXTURES['Job']!, { warmupPrefix: 'datasets/imagenet' }).out)[0]!['spec']['template']['spec'];
    assert.deepEqual(
      spec['initContainers'].map((c: Obj) => c['name']),
      ['fetch', 'tiercache-warmup'],
    );
    const warmup = spec['initContainers'][1];
    assert.equal(warmup['image'], DEFAULT_IMAGE);
    assert.deepEqual(warmup['args'], ['warmup', 'datasets/imagenet']);
    assertPodSpecWired(spec);
  });

  test('--image sets the warmup image; a second run with another prefix updates it once', () => {
    const first = inject(FIXTURES['Pod']!, { warmupPrefix: 'a', image: 'registry.local/tiercache:dev' }).out;
    const warmup = objects(first)[0]!['spec']['initContainers'][0];
    assert.equal(warmup['image'], 'registry.local/tiercache:dev');
    const second = inject(first, { warmupPrefix: 'b' }).out;
    assert.deepEqual(objects(second)[0]!['spec']['initContainers'][0]['args'], ['warmup', 'b']);
    assert.equal(objects(second)[0]!['spec']['initContainers'].length, 1);
    assert.equal(inject(second, { warmupPrefix: 'b' }).out, second);
  });

  test('every replica type of a TFJob warms its own node', () => {
    const tf = objects(inject(FIXTURES['TFJob']!, { warmupPrefix: 'p' }).out)[0]!;
    for (const spec of podSpecs(tf)) assert.equal(spec['initContainers'][0]['name'], 'tiercache-warmup');
  });
});

describe('k8s inject: what is already there is kept', () => {
  test('a user\'s own hostPath volume of the socket directory and TIERCACHE_SOCKET are reused', () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  volumes:
    - name: cache-sock
      hostPath: {path: /run/tiercache}
  containers:
    - name: a
      image: x
      env:
        - name: TIERCACHE_SOCKET
          value: /run/tiercache/custom.sock
      volumeMounts:
        - name: cache-sock
          mountPath: /run/tiercache
    - name: b
      image: x
`;
    const spec = objects(inject(text).out)[0]!['spec'];
    assert.equal(spec['volumes'].length, 1);
    assert.deepEqual(spec['containers'][0]['env'], [{ name: 'TIERCACHE_SOCKET', value: '/run/tiercache/custom.sock' }]);
    assert.equal(spec['containers'][0]['volumeMounts'].length, 1);
    assert.deepEqual(spec['containers'][1]['volumeMounts'], [{ name: 'cache-sock', mountPath: '/run/tiercache', readOnly: true }]);
  });

  test('a fully wired manifest comes back byte for byte, odd formatting included', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: p,   labels: {a: "1"}}   # odd spacing
spec:
  volumes: [{name: tiercache-socket, hostPath: {path: /run/tiercache}}]
  containers:
  - name: a
    image: x
    env: [{name: TIERCACHE_SOCKET, value: /run/tiercache/tiercache.sock}]
    volumeMounts: [{name: tiercache-socket, mountPath: /run/tiercache}]
`;
    assert.equal(inject(text).out, text);
  });

  test('the sequence style of the input is kept ("containers:\\n- name")', () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: x
`;
    const { out } = inject(text);
    assert.match(out, /\n {2}containers:\n {2}- name: a\n/);
    assert.match(out, /\n {2}volumes:\n {2}- name: tiercache-socket\n/);
  });
});

describe('k8s inject: TrainJob (trainer.kubeflow.org/v1alpha1)', () => {
  test('adds a podSpecOverrides entry for the runtime\'s "node" job and container', () => {
    const { out, warnings } = inject(FIXTURES['TrainJob']!);
    assert.deepEqual(warnings, []);
    const tj = objects(out)[0]!;
    assert.deepEqual(tj['spec']['podSpecOverrides'], [
      {
        targetJobs: [{ name: 'node' }],
        containers: [
          {
            name: 'node',
            volumeMounts: [{ name: 'tiercache-socket', mountPath: '/run/tiercache', readOnly: true }],
            env: [{ name: 'TIERCACHE_SOCKET', value: '/run/tiercache/tiercache.sock' }],
          },
        ],
        volumes: [{ name: 'tiercache-socket', hostPath: { path: '/run/tiercache', type: 'DirectoryOrCreate' } }],
      },
    ]);
    assert.match(out, /name: torch-distributed # a ClusterTrainingRuntime/);
    assert.equal(inject(out).out, out);
  });

  test('wires existing override entries and their containers; --trainjob-target picks the job', () => {
    const text = `apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata:
  name: tj
spec:
  runtimeRef:
    name: custom
  podSpecOverrides:
    - targetJobs: [{name: dataset-initializer}]
      containers:
        - name: dataset-initializer
    - targetJobs: [{name: trainer}]
      tolerations:
        - key: nvidia.com/gpu
          operator: Exists
`;
    const overrides = objects(inject(text, { trainJobTarget: 'trainer' }).out)[0]!['spec']['podSpecOverrides'] as Obj[];
    assert.equal(overrides.length, 2);
    assert.deepEqual(overrides[1]!['tolerations'], [{ key: 'nvidia.com/gpu', operator: 'Exists' }]);
    for (const o of overrides) {
      assert.equal(o['volumes'][0]['name'], 'tiercache-socket');
      assert.equal(o['containers'][0]['env'][0]['name'], 'TIERCACHE_SOCKET');
    }
    assert.equal(overrides[1]!['containers'][0]['name'], 'trainer');
  });

  test('--warmup cannot add an init container through overrides: warns and skips', () => {
    const { out, warnings } = inject(FIXTURES['TrainJob']!, { warmupPrefix: 'p' });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /TrainJob tj: --warmup skipped/);
    assert.doesNotMatch(out, /initContainers/);
  });
});

describe('k8s inject: streams, unknown kinds, errors', () => {
  test('a multi-document stream is wired document by document; others pass through byte for byte', () => {
    const widget = '# a custom resource\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {containers: [{name: x}]}\n';
    const config = 'apiVersion: v1\nkind: ConfigMap\nmetadata:   {name: c}\ndata: {a: "1"}\n';
    const text = `${FIXTURES['Pod']}---\n${widget}---\n${config}---\n${FIXTURES['Deployment']}`;
    const { out, warnings } = inject(text);
    assert.ok(out.includes(`---\n${widget}---\n${config}---\n`), 'unknown and passive kinds unchanged');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^test\.yaml: Widget w: kind Widget has no pod template tiercache knows; passed through unchanged$/);
    const docs = objects(out);
    assert.deepEqual(docs.map((d) => d['kind']), ['Pod', 'Widget', 'ConfigMap', 'Deployment']);
    assertPodSpecWired(docs[3]!['spec']['template']['spec']);
    assert.equal(inject(out).out, out);
  });

  test('a v1 List is wired item by item', () => {
    const pod = objects(FIXTURES['Pod']!)[0]!;
    const text = `apiVersion: v1\nkind: List\nitems:\n${JSON.stringify(pod)}\n`.replace('items:\n{', 'items:\n- {');
    const list = objects(inject(text).out)[0]!;
    assertPodSpecWired(list['items'][0]['spec']);
  });

  test('invalid YAML is an error naming the file and line', () => {
    const text = `${FIXTURES['Pod']}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [broken\nspec: {}\n`;
    const podLines = FIXTURES['Pod']!.split('\n').length - 1;
    assert.throws(
      () => inject(text),
      (err: unknown) => {
        assert.ok(err instanceof ManifestError);
        assert.equal(err.line, podLines + 6);
        assert.match(err.message, new RegExp(`^test\\.yaml:${podLines + 6}:\\d+: invalid YAML: `));
        return true;
      },
    );
  });

  test('duplicate keys are invalid YAML too', () => {
    assert.throws(() => inject('kind: Pod\nkind: Pod\n'), /test\.yaml:2:1: invalid YAML: Map keys must be unique/);
  });

  test('a field of the wrong shape is named with its line', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      env: {TIERCACHE: x}\n';
    assert.throws(() => inject(text), /test\.yaml:8: Pod p: spec\.containers\[0\]\.env must be a list/);
  });

  test('empty documents and an empty stream pass through', () => {
    assert.equal(inject('').out, '');
    assert.equal(inject('---\n# nothing\n---\n').out, '---\n# nothing\n---\n');
  });
});
