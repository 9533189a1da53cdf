// `tiercache k8s ...`: the command-line face of the k8s module. Flags become
// typed options here and nowhere else; inject and plan never see argv, and
// this file never sees process.* (the caller hands it argv and the streams).
// Exit codes: 0 done, 1 the input could not be processed, 2 bad usage.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseSize } from '../util/units';
import { getErrorMessage } from '../util/errors-message';
import { ManifestError, UsageError } from './errors';
import { injectManifests } from './injector';
import { collectClaims, planJobs, type ClaimInfo } from './job-plan';
import { parseManifests, toObjects } from './manifest-stream';
import { formatPlans, plansToJson } from './plan-report';
import { parseRate } from './quantity';
import { DEFAULT_IMAGE, DEFAULT_NODE_CACHE_SIZE, DEFAULT_PER_GPU_READ_RATE, DEFAULT_POSIX_DIR, DEFAULT_SOCKET_DIR, DEFAULT_TRAINJOB_TARGET } from './types';

export interface K8sIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `Usage: tiercache k8s <command> [options]

Commands:
  inject FILE|-   wire every pod template of the manifests to the node's tiercache daemon
  plan FILE|-     sum a job's requests and compare its dataset with the node caches

Run "tiercache k8s <command> --help" for the options of a command.
`;

const INJECT_USAGE = `Usage: tiercache k8s inject FILE|- [options]

Reads Kubernetes manifests (multi-document YAML; - reads stdin) and prints
them with every pod template wired to tiercache: a hostPath volume of the
socket directory, its mount and TIERCACHE_SOCKET in every container and init
container. Supports Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
CronJob, TFJob, PyTorchJob (and other kubeflow.org *ReplicaSpecs jobs),
Trainer v2 TrainJob (through spec.podSpecOverrides) and Volcano Job. Other
kinds pass through unchanged, with a warning unless they never hold pods.
Running it again on its own output changes nothing.

Options:
  --warmup PREFIX         add an init container running "tiercache warmup PREFIX",
                          so the job starts on a warm node cache
  --socket-dir DIR        socket directory on the node (default ${DEFAULT_SOCKET_DIR})
  --image IMAGE           image of the warmup container (default ${DEFAULT_IMAGE})
  --trainjob-target NAME  TrainJob: the runtime's training job and container
                          (default ${DEFAULT_TRAINJOB_TARGET})
  --posix                 the data volume (a PVC) becomes the node's cached view of
                          it, read-only, at the same mountPath: a hostPath of the
                          daemon's FUSE mount (HostToContainer); the command is unchanged
  --posix-dir DIR         the daemon's --mount on the node (default ${DEFAULT_POSIX_DIR})
  --posix-subdir PATH     the PVC's directory inside the daemon's backend (default: its
                          root); a pod then needs a restart after a daemon restart
  --posix-claim NAME      the claim to replace (default: the only PVC, or the only one
                          mounted read-only)
  -i, --in-place          rewrite FILE instead of printing to stdout
  -h, --help              show this help
`;

const PLAN_USAGE = `Usage: tiercache k8s plan FILE|- [options]

Sums the CPU, memory and GPU requests of each job in FILE over its replicas
and tasks, the storage of the PVCs it mounts, the read bandwidth it needs
(GPUs x per-GPU rate), and compares the dataset with the node caches.

Options:
  --pvc FILE               PersistentVolumeClaim manifests (repeatable); PVCs
                           in FILE itself are used too
  --dataset-claim NAME     the claim holding the dataset (default: the largest
                           read-only claim, else one named *data*)
  --per-gpu-read-rate RATE read rate one GPU needs (default 200MB/s)
  --nodes N                nodes the job runs on (default: one per GPU pod)
  --node-cache-size SIZE   cache capacity of one node (default 500GiB)
  --json                   print JSON (cores, bytes, bytes/s) instead of a table
  -h, --help               show this help
`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function readInput(file: string, io: K8sIo): Promise<{ text: string; source: string }> {
  if (file === '-') return { text: await readAll(io.stdin), source: '<stdin>' };
  try {
    return { text: await readFile(file, 'utf8'), source: file };
  } catch (err) {
    throw new ManifestError(file, undefined, `cannot read: ${getErrorMessage(err)}`);
  }
}

type Values = Record<string, unknown>;

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(getErrorMessage(err));
  }
}

function onlyFile(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one FILE (or - for stdin), got ${positionals.length}`);
  return positionals[0]!;
}

function flagValue<T>(name: string, raw: string | undefined, convert: (s: string) => T): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return convert(raw);
  } catch (err) {
    throw new UsageError(`invalid --${name} ${JSON.stringify(raw)}: ${getErrorMessage(err)}`);
  }
}

async function inject(argv: string[], io: K8sIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    warmup: { type: 'string' },
    'socket-dir': { type: 'string' },
    image: { type: 'string' },
    'trainjob-target': { type: 'string' },
    posix: { type: 'boolean' },
    'posix-dir': { type: 'string' },
    'posix-subdir': { type: 'string' },
    'posix-claim': { type: 'string' },
    'in-place': { type: 'boolean', short: 'i' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help']) {
    io.stdout.write(INJECT_USAGE);
    return 0;
  }
  const file = onlyFile(positionals, 'inject');
  if (values['in-place'] && file === '-') throw new UsageError('--in-place needs a FILE, not stdin');
  const socketDir = values['socket-dir'] as string | undefined;
  if (socketDir !== undefined && !socketDir.startsWith('/')) throw new UsageError(`invalid --socket-dir ${JSON.stringify(socketDir)}: must be an absolute path`);
  const warmup = values['warmup'] as string | undefined;
  if (warmup === '') throw new UsageError('invalid --warmup "": give the backend prefix to load');
  const posixDir = values['posix-dir'] as string | undefined;
  const posixSubdir = values['posix-subdir'] as string | undefined;
  const posixClaim = values['posix-claim'] as string | undefined;
  if (!values['posix'] && (posixDir ?? posixSubdir ?? posixClaim) !== undefined) {
    throw new UsageError('--posix-dir, --posix-subdir and --posix-claim go with --posix');
  }
  if (posixDir !== undefined && !posixDir.startsWith('/')) throw new UsageError(`invalid --posix-dir ${JSON.stringify(posixDir)}: must be an absolute path`);
  if (posixSubdir !== undefined && posixSubdir.split('/').some((p) => p === '..')) {
    throw new UsageError(`invalid --posix-subdir ${JSON.stringify(posixSubdir)}: must stay inside the backend (no "..")`);
  }
  const posix = values['posix']
    ? {
        dir: (posixDir ?? DEFAULT_POSIX_DIR).replace(/(.)\/+$/, '$1'),
        subdir: (posixSubdir ?? '').replace(/^\/+|\/+$/g, ''),
        ...(posixClaim === undefined ? {} : { claim: posixClaim }),
      }
    : undefined;
  const { text, source } = await readInput(file, io);
  const output = injectManifests(
    text,
    source,
    {
      ...(socketDir === undefined ? {} : { socketDir: socketDir.replace(/(.)\/+$/, '$1') }),
      ...(warmup === undefined ? {} : { warmupPrefix: warmup }),
      ...(values['image'] === undefined ? {} : { image: values['image'] as string }),
      ...(values['trainjob-target'] === undefined ? {} : { trainJobTarget: values['trainjob-target'] as string }),
      ...(posix === undefined ? {} : { posix }),
    },
    (message) => io.stderr.write(`warning: ${message}\n`),
  );
  if (values['in-place']) {
    if (output !== text) {
      // Written aside and renamed, so an interrupted run never leaves half a manifest.
      const tmp = `${file}.tiercache-inject.tmp`;
      await writeFile(tmp, output);
      await rename(tmp, file);
    }
  } else {
    io.stdout.write(output);
  }
  return 0;
}

async function plan(argv: string[], io: K8sIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    pvc: { type: 'string', multiple: true },
    'dataset-claim': { type: 'string' },
    'per-gpu-read-rate': { type: 'string' },
    nodes: { type: 'string' },
    'node-cache-size': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help']) {
    io.stdout.write(PLAN_USAGE);
    return 0;
  }
  const file = onlyFile(positionals, 'plan');
  const nodes = flagValue('nodes', values['nodes'] as string | undefined, (s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error('expected a whole number of nodes, at least 1');
    return n;
  });
  const options = {
    perGpuReadRate: flagValue('per-gpu-read-rate', values['per-gpu-read-rate'] as string | undefined, parseRate) ?? DEFAULT_PER_GPU_READ_RATE,
    nodeCacheSize: flagValue('node-cache-size', values['node-cache-size'] as string | undefined, parseSize) ?? DEFAULT_NODE_CACHE_SIZE,
    ...(nodes === undefined ? {} : { nodes }),
    ...(values['dataset-claim'] === undefined ? {} : { datasetClaim: values['dataset-claim'] as string }),
  };
  const claims = new Map<string, ClaimInfo>();
  for (const pvcFile of (values['pvc'] as string[] | undefined) ?? []) {
    const { text, source } = await readInput(pvcFile, io);
    for (const [k, v] of collectClaims(toObjects(parseManifests(text, source)), source)) claims.set(k, v);
  }
  const { text, source } = await readInput(file, io);
  const plans = planJobs(toObjects(parseManifests(text, source)), source, options, claims);
  if (plans.length === 0) {
    io.stderr.write(`tiercache k8s plan: ${source}: no workload with pod templates found\n`);
    return 1;
  }
  io.stdout.write(values['json'] ? plansToJson(plans) : formatPlans(plans));
  return 0;
}

/** `tiercache k8s ARGV...`; argv excludes "k8s". Resolves to the exit code. */
export async function runK8sCommand(argv: string[], io: K8sIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inject':
        return await inject(rest, io);
      case 'plan':
        return await plan(rest, io);
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(USAGE);
        return 0;
      case undefined:
        io.stderr.write(USAGE);
        return 2;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; expected inject or plan`);
    }
  } catch (err) {
    const prefix = `tiercache k8s${command && command !== 'help' ? ` ${command}` : ''}`;
    io.stderr.write(`${prefix}: ${getErrorMessage(err)}\n`);
    if (err instanceof UsageError) {
      io.stderr.write(`Run "tiercache k8s${command === 'inject' || command === 'plan' ? ` ${command}` : ''} --help" for usage.\n`);
      return 2;
    }
    return 1;
  }
}
