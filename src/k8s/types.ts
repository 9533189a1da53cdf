// Contract of the k8s module: the names and defaults that wire a training pod
// to the node's tiercache daemon, and the shapes `plan` reports. The DaemonSet
// in daemonset/ uses the same socket directory, image and port; a test checks
// that they agree.

/** Image of the daemon, also used for the warmup init container. */
export const DEFAULT_IMAGE = 'ghcr.io/tiercache/tiercache:0.1.0';
/** hostPath directory holding the daemon's socket on every node. */
export const DEFAULT_SOCKET_DIR = '/run/tiercache';
export const SOCKET_FILE = 'tiercache.sock';
/** Environment variable the client CLI and libraries read the socket from. */
export const SOCKET_ENV = 'TIERCACHE_SOCKET';
/** Name of the socket volume added to every pod template. */
export const SOCKET_VOLUME = 'tiercache-socket';
/** hostPath of the daemon's FUSE mount (the POSIX view) on every node; the DaemonSet's posix-view volume. */
export const DEFAULT_POSIX_DIR = '/var/lib/tiercache/fs';
/** Name of the init container added by --warmup. */
export const WARMUP_CONTAINER = 'tiercache-warmup';
/** Trainer v2 runtimes name their training ReplicatedJob and its container "node". */
export const DEFAULT_TRAINJOB_TARGET = 'node';
/** Requests of the warmup init container: it only waits on the daemon. */
export const WARMUP_RESOURCES = { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } } as const;

/** Sustained read rate one GPU needs from storage, by default (bytes/s). */
export const DEFAULT_PER_GPU_READ_RATE = 200e6;
/** Cache capacity of one node by default: the DaemonSet's ssd-cache-size. */
export const DEFAULT_NODE_CACHE_SIZE = 500 * 2 ** 30;

/** Extended resources counted as GPUs. */
export const GPU_RESOURCES: readonly string[] = ['nvidia.com/gpu', 'amd.com/gpu', 'gpu.intel.com/i915'];

export interface PosixOptions {
  /** The view's directory on the node (the daemon's --mount). */
  readonly dir: string;
  /** The dataset's directory inside the daemon's backend ("" = its root). */
  readonly subdir: string;
  /** The claim to replace; by default the only PVC, or the only read-only one. */
  readonly claim?: string;
}

export interface InjectOptions {
  /** Directory of the socket on the node and in the containers. */
  readonly socketDir: string;
  /** With a prefix, an init container warms the node cache with it. */
  readonly warmupPrefix?: string;
  readonly image: string;
  /** TrainJob: ReplicatedJob (and container) of the runtime that trains. */
  readonly trainJobTarget: string;
  /** With --posix: the data volume becomes the node's cached view. */
  readonly posix?: PosixOptions;
}

export const DEFAULT_INJECT_OPTIONS: InjectOptions = {
  socketDir: DEFAULT_SOCKET_DIR,
  image: DEFAULT_IMAGE,
  trainJobTarget: DEFAULT_TRAINJOB_TARGET,
};

/** Where warnings go (stderr in the CLI, an array in tests). */
export type Warn = (message: string) => void;

/** CPU in cores, memory and storage in bytes, GPUs in devices. */
export interface Resources {
  cpu: number;
  memory: number;
  gpu: number;
}

/** One group of identical pods: a replica type, a task, a workload's template. */
export interface PodGroupPlan {
  readonly name: string;
  readonly replicas: number;
  readonly perPod: Resources;
  readonly total: Resources;
}

export interface ClaimPlan {
  readonly claimName: string;
  /** undefined when the PVC was not among the manifests given. */
  readonly storage: number | undefined;
  readonly accessModes: readonly string[];
  readonly readOnly: boolean;
  /** Where the job's containers mount it. */
  readonly mountPaths: readonly string[];
}

export interface CachePlan {
  readonly nodes: number;
  readonly nodesAssumed: boolean;
  readonly nodeCacheSize: number;
  readonly aggregateCacheSize: number;
  readonly datasetClaim: string | undefined;
  readonly datasetSize: number | undefined;
  /** The dataset fits once across the peer ring (each block on one node). */
  readonly fitsAggregate: boolean | undefined;
  /** The whole dataset fits on every node (all reads local). */
  readonly fitsPerNode: boolean | undefined;
}

export interface JobPlan {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly groups: readonly PodGroupPlan[];
  readonly pods: number;
  readonly total: Resources;
  readonly claims: readonly ClaimPlan[];
  readonly perGpuReadRate: number;
  /** GPUs x per-GPU rate, bytes/s. */
  readonly readBandwidth: number;
  readonly readBandwidthPerNode: number;
  readonly cache: CachePlan;
  readonly notes: readonly string[];
}

export interface PlanOptions {
  readonly perGpuReadRate: number;
  readonly nodes?: number;
  readonly nodeCacheSize: number;
  /** Which claim holds the dataset; by default guessed (see job-plan.ts). */
  readonly datasetClaim?: string;
}
