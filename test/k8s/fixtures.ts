// One small, unwired manifest per kind `inject` supports, as a user would
// write it (comments included), for the inject and validation tests.

const container = (indent: string, name = 'train'): string =>
  [
    `${indent}- name: ${name} # the training container`,
    `${indent}  image: example.com/train:1.0`,
    `${indent}  resources:`,
    `${indent}    limits:`,
    `${indent}      nvidia.com/gpu: 1`,
  ].join('\n');

const podSpec = (indent: string): string => `${indent}containers:\n${container(`${indent}  `)}`;

export const FIXTURES: Readonly<Record<string, string>> = {
  Pod: `# a bare pod
apiVersion: v1
kind: Pod
metadata:
  name: train
  labels: {team: vision}
spec:
  restartPolicy: Never
${podSpec('  ')}
`,
  Deployment: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: serve
spec:
  replicas: 2
  selector:
    matchLabels: {app: serve}
  template:
    metadata:
      labels: {app: serve}
    spec:
${podSpec('      ')}
`,
  StatefulSet: `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: shards
spec:
  serviceName: shards
  replicas: 3
  selector:
    matchLabels: {app: shards}
  template:
    metadata:
      labels: {app: shards}
    spec:
${podSpec('      ')}
`,
  DaemonSet: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
${podSpec('      ')}
`,
  ReplicaSet: `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: rs
spec:
  selector:
    matchLabels: {app: rs}
  template:
    metadata:
      labels: {app: rs}
    spec:
${podSpec('      ')}
`,
  Job: `apiVersion: batch/v1
kind: Job
metadata:
  name: preprocess
spec:
  parallelism: 4
  template:
    spec:
      restartPolicy: OnFailure
      initContainers:
        - name: fetch
          image: example.com/fetch:1.0
${podSpec('      ')}
`,
  CronJob: `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
${podSpec('          ')}
`,
  TFJob: `apiVersion: kubeflow.org/v1
kind: TFJob
metadata:
  name: tf
spec:
  tfReplicaSpecs:
    Chief:
      replicas: 1
      template:
        spec:
${podSpec('          ').replace('name: train', 'name: tensorflow')}
    Worker:
      replicas: 2
      template:
        spec:
${podSpec('          ').replace('name: train', 'name: tensorflow')}
`,
  PyTorchJob: `apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: pt
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
${podSpec('          ').replace('name: train', 'name: pytorch')}
    Worker:
      replicas: 3
      template:
        spec:
${podSpec('          ').replace('name: train', 'name: pytorch')}
`,
  TrainJob: `apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata:
  name: tj
spec:
  runtimeRef:
    name: torch-distributed # a ClusterTrainingRuntime
  trainer:
    numNodes: 2
`,
  VolcanoJob: `apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata:
  name: gang
spec:
  minAvailable: 3
  schedulerName: volcano
  queue: training
  tasks:
    - name: master
      replicas: 1
      template:
        spec:
${podSpec('          ')}
    - name: worker
      replicas: 2
      template:
        spec:
${podSpec('          ')}
`,
};
