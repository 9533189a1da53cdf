import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { collectClaims, planJobs } from '../../src/k8s/job-plan';
import { parseManifests, toObjects } from '../../src/k8s/manifest-stream';
import { formatPlans, plansToJson } from '../../src/k8s/plan-report';
import type { PlanOptions } from '../../src/k8s/types';
import { ManifestError } from '../../src/k8s/errors';
import { EXAMPLES_DIR, readManifests } from './manifest-validation';

const GiB = 2 ** 30;
const TiB = 2 ** 40;
const OPTIONS: PlanOptions = { perGpuReadRate: 200e6, nodeCacheSize: 500 * GiB };
const objects = (text: string): unknown[] => toObjects(parseManifests(text, 'job.yaml'));

describe('k8s plan: requests', () => {
  test('a PyTorchJob sums requests over its replica types (limits stand in for missing requests)', () => {
    const [plan] = planJobs(readManifests(join(EXAMPLES_DIR, 'pytorchjob.yaml')), 'pytorchjob.yaml', OPTIONS);
    assert.deepEqual(
      plan!.groups.map((g) => [g.name, g.replicas, g.perPod.cpu, g.perPod.gpu]),
      [
        ['Master', 1, 32, 8],
        ['Worker', 3, 32, 8],
      ],
    );
    // The warmup init container (100m, 64Mi) is less than the app container,
    // so it does not change the pod's effective request.
    assert.deepEqual(plan!.total, { cpu: 128, memory: 4 * 256 * GiB, gpu: 32 });
    assert.equal(plan!.pods, 4);
  });

  test('a Volcano Job sums over tasks', () => {
    const [plan] = planJobs(readManifests(join(EXAMPLES_DIR, 'volcano-job.yaml')), 'volcano-job.yaml', OPTIONS);
    assert.equal(plan!.kind, 'Job');
    assert.deepEqual(plan!.groups.map((g) => [g.name, g.replicas]), [['master', 1], ['worker', 3]]);
    assert.deepEqual(plan!.total, { cpu: 128, memory: 1024 * GiB, gpu: 32 });
  });

  test('init containers and sidecars count as the scheduler counts them', () => {
    const [plan] = planJobs(
      objects(`apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  overhead: {cpu: 100m}
  initContainers:
    - name: big-init
      resources: {requests: {cpu: "4", memory: 1Gi}}
    - name: sidecar
      restartPolicy: Always
      resources: {requests: {cpu: 500m, memory: 256Mi}}
    - name: after-sidecar
      resources: {requests: {cpu: "1", memory: 8Gi}}
  containers:
    - name: a
      resources: {requests: {cpu: "1", memory: 2Gi}, limits: {amd.com/gpu: 2}}
    - name: b
      resources: {limits: {cpu: 500m, memory: 1Gi}}
`),
      'job.yaml',
      OPTIONS,
    );
    // cpu: max(1 + 0.5 + 0.5 sidecar, 4 init, 1 + 0.5 after sidecar) + 0.1 overhead
    // memory: max(2Gi + 1Gi + 256Mi, 1Gi, 8Gi + 256Mi)
    assert.deepEqual(plan!.groups[0]!.perPod, { cpu: 4.1, memory: 8 * GiB + 256 * 2 ** 20, gpu: 2 });
  });

  test('Deployment replicas, Job parallelism and a TrainJob\'s numNodes x resourcesPerNode', () => {
    const plans = planJobs(
      objects(`apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  replicas: 3
  template: {spec: {containers: [{name: a, resources: {requests: {cpu: 250m}}}]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  parallelism: 5
  template: {spec: {containers: [{name: a, resources: {requests: {memory: 1G}}}]}}
---
apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata: {name: t}
spec:
  runtimeRef: {name: torch-distributed}
  trainer:
    numNodes: 4
    resourcesPerNode: {limits: {nvidia.com/gpu: 8}}
`),
      'job.yaml',
      OPTIONS,
    );
    assert.deepEqual(
      plans.map((p) => [p.kind, p.pods, p.total]),
      [
        ['Deployment', 3, { cpu: 0.75, memory: 0, gpu: 0 }],
        ['Job', 5, { cpu: 0, memory: 5e9, gpu: 0 }],
        ['TrainJob', 4, { cpu: 0, memory: 0, gpu: 32 }],
      ],
    );
  });

  test('a bad quantity names the manifest and the field', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, resources: {requests: {cpu: lots}}}]\n';
    assert.throws(
      () => planJobs(objects(text), 'job.yaml', OPTIONS),
      (err: unknown) => err instanceof ManifestError && /Pod p: invalid quantity "lots" at spec\.containers\[0\]\.resources\.cpu/.test(err.message),
    );
  });
});

describe('k8s plan: storage, bandwidth and the node caches', () => {
  const storage = collectClaims(readManifests(join(EXAMPLES_DIR, 'storage.yaml')), 'storage.yaml');

  test('claims are matched by name; the read-only one is the dataset', () => {
    const [plan] = planJobs(readManifests(join(EXAMPLES_DIR, 'pytorchjob.yaml')), 'pytorchjob.yaml', OPTIONS, storage);
    assert.deepEqual(plan!.claims, [
      { claimName: 'imagenet', storage: 1500 * GiB, accessModes: ['ReadOnlyMany'], readOnly: true, mountPaths: ['/data'] },
      { claimName: 'checkpoints', storage: TiB, accessModes: ['ReadWriteMany'], readOnly: false, mountPaths: ['/checkpoints'] },
    ]);
    assert.equal(plan!.cache.datasetClaim, 'imagenet');
  });

  test('bandwidth is GPUs x per-GPU rate; the dataset fits in 4 x 500GiB but not in one node', () => {
    const [plan] = planJobs(readManifests(join(EXAMPLES_DIR, 'pytorchjob.yaml')), 'pytorchjob.yaml', OPTIONS, storage);
    assert.equal(plan!.readBandwidth, 32 * 200e6);
    assert.equal(plan!.readBandwidthPerNode, 8 * 200e6);
    assert.deepEqual(plan!.cache, {
      backendKind: 'posix',
      backendUrl: undefined,
      nodes: 4,
      nodesAssumed: true,
      nodeCacheSize: 500 * GiB,
      aggregateCacheSize: 2000 * GiB,
      datasetClaim: 'imagenet',
      datasetSize: 1500 * GiB,
      fitsAggregate: true,
      fitsPerNode: false,
    });
  });

  test('--nodes, --node-cache-size, --per-gpu-read-rate and --dataset-claim change the comparison', () => {
    const [plan] = planJobs(readManifests(join(EXAMPLES_DIR, 'pytorchjob.yaml')), 'pytorchjob.yaml', {
      perGpuReadRate: 1e9,
      nodeCacheSize: 2 * TiB,
      nodes: 2,
      datasetClaim: 'checkpoints',
    }, storage);
    assert.equal(plan!.readBandwidth, 32e9);
    assert.equal(plan!.readBandwidthPerNode, 16e9);
    assert.equal(plan!.cache.nodesAssumed, false);
    assert.equal(plan!.cache.datasetSize, TiB);
    assert.equal(plan!.cache.fitsPerNode, true);
  });

  test('with an S3 backend the dataset is the bucket prefix, sized by --dataset-size', () => {
    const s3 = { url: 's3://datasets/imagenet/', datasetSize: 1500 * GiB };
    const [plan] = planJobs(readManifests(join(EXAMPLES_DIR, 'pytorchjob.yaml')), 'pytorchjob.yaml', { ...OPTIONS, s3Backend: s3 }, storage);
    assert.equal(plan!.cache.backendKind, 's3');
    assert.equal(plan!.cache.datasetClaim, undefined, 'no claim is taken for the dataset');
    assert.equal(plan!.cache.datasetSize, 1500 * GiB);
    assert.equal(plan!.cache.fitsAggregate, true);
    const table = formatPlans([plan!]);
    assert.match(table, /Backend: +S3 bucket s3:\/\/datasets\/imagenet\//);
    assert.match(table, /Dataset: +s3:\/\/datasets\/imagenet\/, 1\.46 TiB/);
    const [unsized] = planJobs(readManifests(join(EXAMPLES_DIR, 'pytorchjob.yaml')), 'pytorchjob.yaml', { ...OPTIONS, s3Backend: { url: s3.url } }, storage);
    assert.equal(unsized!.cache.fitsAggregate, undefined);
    assert.ok(unsized!.notes.some((n) => /give its size with --dataset-size/.test(n)));
  });

  test('a PVC that was not given is reported, not guessed', () => {
    const [plan] = planJobs(readManifests(join(EXAMPLES_DIR, 'tfjob.yaml')), 'tfjob.yaml', OPTIONS);
    assert.equal(plan!.cache.datasetSize, undefined);
    assert.equal(plan!.cache.fitsAggregate, undefined);
    assert.ok(plan!.notes.some((n) => /PVC imagenet not found in the manifests; pass it with --pvc FILE/.test(n)));
  });

  test('Volcano job-level volumes count, including claims the job creates', () => {
    const [plan] = planJobs(
      objects(`apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: v}
spec:
  volumes:
    - mountPath: /data
      volumeClaimName: imagenet
    - mountPath: /scratch
      volumeClaim:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 100Gi}}
  tasks:
    - name: w
      replicas: 2
      template: {spec: {containers: [{name: a, resources: {limits: {nvidia.com/gpu: 4}}}]}}
`),
      'job.yaml',
      OPTIONS,
      storage,
    );
    assert.deepEqual(plan!.claims.map((c) => [c.claimName, c.storage]), [
      ['imagenet', 1500 * GiB],
      ['(created for /scratch)', 100 * GiB],
    ]);
    assert.equal(plan!.cache.datasetClaim, 'imagenet', 'chosen by its mount path when nothing is read-only');
  });
});

describe('k8s plan: report', () => {
  const storage = collectClaims(readManifests(join(EXAMPLES_DIR, 'storage.yaml')), 'storage.yaml');
  const plans = planJobs(readManifests(join(EXAMPLES_DIR, 'pytorchjob.yaml')), 'pytorchjob.yaml', OPTIONS, storage);

  test('the table shows the groups, the totals, the claims and the verdicts', () => {
    const table = formatPlans(plans);
    assert.match(table, /^PyTorchJob ml-training\/resnet50-imagenet\n/);
    assert.match(table, /\n {2}GROUP +PODS +CPU\/POD +MEM\/POD +GPU\/POD +CPU +MEMORY +GPU\n/);
    assert.match(table, /\n {2}Worker +3 +32 +256 GiB +8 +96 +768 GiB +24\n/);
    assert.match(table, /\n {2}total +4 +128 +1 TiB +32\n/);
    assert.match(table, /\n {2}imagenet +1\.46 TiB +ReadOnlyMany +read-only, dataset\n/);
    assert.match(table, /Read bandwidth: +6\.4 GB\/s \(32 GPU x 200 MB\/s\), 1\.6 GB\/s per node/);
    assert.match(table, /Node cache: +4 nodes \(assumed: one pod per node; set --nodes\) x 500 GiB = 1\.95 TiB/);
    assert.match(table, /Fits in all node caches: +yes/);
    assert.match(table, /Fits in one node cache: +no/);
  });

  test('JSON carries the same plan in base units', () => {
    const json = JSON.parse(plansToJson(plans));
    assert.equal(json.jobs.length, 1);
    assert.equal(json.jobs[0].total.gpu, 32);
    assert.equal(json.jobs[0].readBandwidth, 6.4e9);
    assert.equal(json.jobs[0].cache.datasetSize, 1500 * GiB);
  });
});
