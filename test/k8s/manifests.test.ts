import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/types';
import { injectManifests } from '../../src/k8s/injector';
import { parseManifests, toObjects } from '../../src/k8s/manifest-stream';
import { parseQuantity } from '../../src/k8s/quantity';
import { DEFAULT_CHECKPOINT_MOUNT_DIR } from '../../src/k8s/checkpoint-injection';
import { DEFAULT_IMAGE, DEFAULT_SOCKET_DIR } from '../../src/k8s/types';
import { FIXTURES } from './fixtures';
import { DAEMONSET_DIR, EXAMPLES_DIR, REPO_ROOT, readManifests, validateManifest, yamlFiles } from './manifest-validation';

type Obj = Record<string, any>;

const byKind = (kind: string): Obj => {
  for (const f of yamlFiles(DAEMONSET_DIR)) for (const o of readManifests(f)) if (o['kind'] === kind) return o;
  throw new Error(`no ${kind} in daemonset/`);
};

describe('daemonset/: every manifest validates offline', () => {
  for (const file of yamlFiles(DAEMONSET_DIR).filter((f) => basename(f) !== 'kustomization.yaml')) {
    test(basename(file), () => {
      const objs = readManifests(file);
      assert.ok(objs.length > 0);
      for (const o of objs) assert.deepEqual(validateManifest(o), [], `${o['kind']} ${o['metadata']?.name}`);
    });
  }

  test('kustomization.yaml lists exactly the manifests of the directory, in the tiercache-system namespace', () => {
    const k = readManifests(join(DAEMONSET_DIR, 'kustomization.yaml'))[0]!;
    assert.equal(k['apiVersion'], 'kustomize.config.k8s.io/v1beta1');
    assert.equal(k['kind'], 'Kustomization');
    assert.equal(k['namespace'], 'tiercache-system');
    const manifests = yamlFiles(DAEMONSET_DIR)
      .map((f) => basename(f))
      .filter((f) => f !== 'kustomization.yaml');
    assert.deepEqual([...(k['resources'] as string[])].sort(), manifests);
    for (const f of manifests) {
      for (const o of readManifests(join(DAEMONSET_DIR, f))) {
        if (o['kind'] !== 'Namespace') assert.equal(o['metadata']['namespace'], 'tiercache-system', `${f}`);
      }
    }
  });

  test('the generated peer-token Secret and the image are the ones the DaemonSet uses', () => {
    const k = readManifests(join(DAEMONSET_DIR, 'kustomization.yaml'))[0]!;
    const ds = byKind('DaemonSet');
    const secretVolume = (ds['spec']['template']['spec']['volumes'] as Obj[]).find((v) => v['secret']);
    assert.equal(k['secretGenerator'][0]['name'], secretVolume!['secret']['secretName']);
    assert.match(k['secretGenerator'][0]['literals'][0], /^token=.+/);
    const image = ds['spec']['template']['spec']['containers'][0]['image'] as string;
    assert.equal(image, DEFAULT_IMAGE);
    assert.equal(`${k['images'][0]['name']}:${k['images'][0]['newTag']}`, image);
  });

  test('the ServiceMonitor selects the metrics Service by its port name', () => {
    const sm = byKind('ServiceMonitor');
    const svc = readManifests(join(DAEMONSET_DIR, 'service-metrics.yaml'))[0]!;
    for (const [k, v] of Object.entries(sm['spec']['selector']['matchLabels'])) assert.equal(svc['metadata']['labels'][k], v);
    assert.equal(sm['spec']['endpoints'][0]['port'], svc['spec']['ports'][0]['name']);
    assert.equal(sm['spec']['endpoints'][0]['path'], '/metrics');
  });
});

describe('daemonset/: the DaemonSet agrees with the daemon config in the ConfigMap', () => {
  let dir: string;
  let config: Config;
  const ds = (): Obj => byKind('DaemonSet');
  const pod = (): Obj => ds()['spec']['template']['spec'];
  const container = (): Obj => pod()['containers'][0];
  const mountOf = (path: string): Obj => {
    const m = (container()['volumeMounts'] as Obj[]).filter((x) => path === x['mountPath'] || path.startsWith(`${x['mountPath']}/`));
    assert.equal(m.length, 1, `one mount holds ${path}`);
    return m[0]!;
  };
  const volumeOf = (path: string): Obj => (pod()['volumes'] as Obj[]).find((v) => v['name'] === mountOf(path)['name'])!;
  const port = (hostport: string): number => Number(hostport.slice(hostport.lastIndexOf(':') + 1));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tiercache-k8s-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, byKind('ConfigMap')['data']['config.yaml']);
    config = loadConfig({ configFile: file, podIp: '10.1.2.3' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the config loads with the daemon\'s own loader and advertises POD_IP with the listen port', () => {
    assert.equal(config.advertise, `10.1.2.3:${port(config.listen!)}`);
    const env = (container()['env'] as Obj[]).find((e) => e['name'] === 'POD_IP');
    assert.deepEqual(env!['valueFrom'], { fieldRef: { fieldPath: 'status.podIP' } });
  });

  test('the container runs the daemon with the mounted config', () => {
    assert.deepEqual(container()['args'], ['daemon', '--config', '/etc/tiercache/config.yaml']);
    assert.equal(volumeOf('/etc/tiercache/config.yaml')['configMap']['name'], byKind('ConfigMap')['metadata']['name']);
  });

  test('the socket sits in the /run/tiercache hostPath that inject mounts into training pods', () => {
    assert.equal(config.socket, `${DEFAULT_SOCKET_DIR}/tiercache.sock`);
    assert.deepEqual(volumeOf(config.socket)['hostPath'], { path: DEFAULT_SOCKET_DIR, type: 'DirectoryOrCreate' });
  });

  test('the SSD cache, checkpoints and state are on the node\'s NVMe hostPath', () => {
    const cache = volumeOf(config.ssdCacheDir);
    assert.ok(cache['hostPath'], 'SSD cache is a hostPath');
    assert.deepEqual(volumeOf(config.checkpointDir), cache);
    assert.deepEqual(volumeOf(config.stateDir), cache);
  });

  test('the backend is the filesystem\'s node mount, propagated from the host', () => {
    assert.ok(volumeOf(config.backendDir)['hostPath']);
    assert.equal(mountOf(config.backendDir)['mountPropagation'], 'HostToContainer');
  });

  test('peers are the headless Service, which publishes only ready daemons', () => {
    const svc = readManifests(join(DAEMONSET_DIR, 'service-peers.yaml'))[0]!;
    assert.equal(svc['spec']['clusterIP'], 'None');
    assert.equal(svc['spec']['publishNotReadyAddresses'], false);
    const name = `${svc['metadata']['name']}.${svc['metadata']['namespace']}.svc.cluster.local`;
    assert.equal(config.peers, `dns:///${name}:${svc['spec']['ports'][0]['port']}`);
    assert.equal(svc['spec']['ports'][0]['port'], port(config.listen!));
    for (const [k, v] of Object.entries(svc['spec']['selector'])) assert.equal(ds()['spec']['template']['metadata']['labels'][k], v);
  });

  test('the peer token file is in the Secret volume', () => {
    assert.ok(volumeOf(config.peerTokenFile!)['secret']);
  });

  test('readiness and liveness are native gRPC probes on the listen port', () => {
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      assert.deepEqual(container()[probe]['grpc'], { port: port(config.listen!) }, probe);
    }
    const ports = Object.fromEntries((container()['ports'] as Obj[]).map((p) => [p['name'], p['containerPort']]));
    assert.equal(ports['grpc'], port(config.listen!));
    assert.equal(ports['metrics'], port(config.metricsListen!));
  });

  test('liveness tolerates a whole drain; termination grace outlasts it', () => {
    const live = container()['livenessProbe'];
    assert.ok(live['periodSeconds'] * live['failureThreshold'] * 1000 > config.drainTimeoutMs);
    assert.ok(pod()['terminationGracePeriodSeconds'] * 1000 > config.drainTimeoutMs);
  });

  test('the checkpoint mount is the hostPath inject --posix maps, Bidirectional, staged on the NVMe; grace covers drain and flush', () => {
    const cm = config.checkpointMount!;
    assert.equal(cm.dir, DEFAULT_CHECKPOINT_MOUNT_DIR);
    assert.deepEqual(volumeOf(cm.dir)['hostPath'], { path: DEFAULT_CHECKPOINT_MOUNT_DIR, type: 'DirectoryOrCreate' });
    assert.equal(mountOf(cm.dir)['mountPath'], cm.dir);
    assert.equal(mountOf(cm.dir)['mountPropagation'], 'Bidirectional');
    assert.equal(container()['securityContext']['privileged'], true, 'Bidirectional propagation needs a privileged container');
    assert.deepEqual(volumeOf(cm.stagingDir), volumeOf(config.ssdCacheDir));
    assert.ok(pod()['terminationGracePeriodSeconds'] * 1000 > config.drainTimeoutMs + cm.flushTimeoutMs);
  });

  test('memory request and limit cover the memory cache plus overhead', () => {
    const r = container()['resources'];
    const request = parseQuantity(r['requests']['memory']);
    const limit = parseQuantity(r['limits']['memory']);
    assert.ok(request >= config.memoryCacheSize + 2 ** 30, 'at least 1GiB over memory-cache-size');
    assert.ok(limit > request);
  });

  test('rolls one node at a time and tolerates GPU taints', () => {
    assert.deepEqual(ds()['spec']['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    const keys = (pod()['tolerations'] as Obj[]).map((t) => t['key']);
    assert.ok(keys.includes('nvidia.com/gpu') && keys.includes('amd.com/gpu'));
  });
});

describe('Dockerfile: the same steps as CI, and the entrypoint the DaemonSet runs', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  test('multi-stage on node:20-bookworm-slim; npm ci, npm run build, npm prune --omit=dev', () => {
    assert.equal(dockerfile.match(/^FROM node:20-bookworm-slim/gm)?.length, 2);
    assert.match(dockerfile, /apt-get install -y --no-install-recommends python3 make g\+\+/);
    const steps = ['RUN npm ci', 'RUN npm run build', 'npm prune --omit=dev'].map((s) => dockerfile.indexOf(s));
    assert.ok(steps.every((i, n) => i > 0 && (n === 0 || i > steps[n - 1]!)), 'in order');
  });
  test('the entrypoint is the package\'s bin and the default command the DaemonSet\'s', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    // The V8 heap flag every launcher passes (see src/cli/main.ts).
    assert.match(dockerfile, new RegExp(`ENTRYPOINT \\["node", "--initial-old-space-size=64", "/app/${pkg.bin.tiercache}"\\]`));
    assert.match(dockerfile, /CMD \["daemon", "--config", "\/etc\/tiercache\/config.yaml"\]/);
    assert.ok(existsSync(join(REPO_ROOT, '.dockerignore')));
  });
});

describe('daemonset/examples/: valid, and already wired to tiercache', () => {
  const files = yamlFiles(EXAMPLES_DIR);
  test('there is a TFJob, a PyTorchJob, a Volcano Job with its Queue, and StorageClass/PVC pairs', () => {
    const kinds = files.flatMap((f) => readManifests(f).map((o) => `${o['apiVersion']} ${o['kind']}`));
    for (const k of [
      'kubeflow.org/v1 TFJob',
      'kubeflow.org/v1 PyTorchJob',
      'batch.volcano.sh/v1alpha1 Job',
      'scheduling.volcano.sh/v1beta1 Queue',
      'storage.k8s.io/v1 StorageClass',
      'v1 PersistentVolumeClaim',
    ]) {
      assert.ok(kinds.includes(k), k);
    }
  });
  for (const file of files) {
    test(`${basename(file)} validates`, () => {
      for (const o of readManifests(file)) assert.deepEqual(validateManifest(o), [], `${o['kind']} ${o['metadata']?.name}`);
    });
    test(`${basename(file)}: inject changes nothing`, () => {
      const text = readFileSync(file, 'utf8');
      const warnings: string[] = [];
      assert.equal(injectManifests(text, file, {}, (m) => warnings.push(m)), text);
      assert.deepEqual(warnings, []);
    });
  }
  test('every claim an example mounts is defined in storage.yaml', () => {
    const claims = new Set(readManifests(join(EXAMPLES_DIR, 'storage.yaml')).filter((o) => o['kind'] === 'PersistentVolumeClaim').map((o) => o['metadata']['name']));
    const mounted = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/claimName: (\S+)/g)].map((m) => m[1]!));
    assert.ok(mounted.length > 0);
    for (const c of mounted) assert.ok(claims.has(c), c);
  });
});

describe('inject output validates for every supported kind', () => {
  for (const [kind, text] of Object.entries(FIXTURES)) {
    test(kind, () => {
      const out = injectManifests(text, kind, { warmupPrefix: 'datasets/x' }, () => {});
      for (const o of toObjects(parseManifests(out, kind)) as Obj[]) assert.deepEqual(validateManifest(o), []);
    });
  }
  test('the validator does catch a misspelt field and a wrong type (CRD and core)', () => {
    const tf = toObjects(parseManifests(FIXTURES['TFJob']!, 'x'))[0] as Obj;
    tf['spec']['tfReplicaSpecs']['Worker']['template']['spec']['containers'][0]['volumMounts'] = [];
    tf['spec']['tfReplicaSpecs']['Worker']['replicas'] = 'two';
    const errors = validateManifest(tf);
    assert.ok(errors.some((e) => /additional properties: volumMounts/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /replicas must be integer/.test(e)), errors.join('\n'));
    const p = toObjects(parseManifests(FIXTURES['Pod']!, 'x'))[0] as Obj;
    p['spec']['containers'][0]['ports'] = [{ containerPort: '80' }];
    assert.ok(validateManifest(p).some((e) => /containerPort must be integer/.test(e)));
  });
});
