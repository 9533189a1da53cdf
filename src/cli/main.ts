#!/usr/bin/env -S node --initial-old-space-size=64
// tiercache: the daemon and its operator/client commands.
//
// Why the V8 flag: with the default tiny initial old space, streaming makes
// V8 start a full mark-compact for about every 64 MB of message buffers (49
// of them while streaming 640 MB, against 2 with the flag), which costs the
// daemon about 30% of its streaming throughput. Every launcher passes it: this
// shebang, `npm start`, the Dockerfile and the test/bench harness.

import { runDaemon } from './daemon-command';
import { runDiagnose } from './diagnose-command';
import { reportError, type Io } from './io';
import { runCat, runEvict, runStat } from './read-commands';
import { runCacheStats } from './stats-command';
import { runWarmup } from './warmup-command';
import { runAccessPatterns } from './access-patterns-command';
import { runCheckpointLoad, runCheckpointLs, runCheckpointRm, runCheckpointSave } from './checkpoint-command';
import { runCheckpointWait } from './checkpoint-wait-command';
import { VERSION } from '../version';
import { runK8sCommand } from '../k8s/command';

const HELP = `Usage: tiercache COMMAND [options]

Daemon:
  daemon                 run the node cache daemon (see tiercache daemon --help)

Clients and operators (all take --socket, default $TIERCACHE_SOCKET or ./.tiercache/tiercache.sock):
  cat PATH               print a file (or --offset/--length range) read through the cache
  stat PATH              size, mtime and type of a backend path
  evict PATH             drop a file's cached blocks on this node
  cache stats            per-tier capacity, hits, misses, evictions (--type, --json)
  warmup PREFIX          load a backend prefix into this node's cache, with progress (--check: report only)
  access-patterns [P]    read patterns per file/directory and the prefetch strategy derived
  diagnose               measure this node's cache and judge it against the alert thresholds (--json, --out)
  checkpoint save FILE|- save a checkpoint (--job J [--step N] [--metric k=v ...] [--sync])
  checkpoint load        write the newest intact checkpoint, or --id ID (--job J [-o FILE])
  checkpoint ls          list a job's complete checkpoints, newest first (--job J [--json])
  checkpoint rm          delete a checkpoint here and on the backend (--job J --id ID)
  checkpoint wait [PATH] wait until what was written under PATH in the checkpoint mount is on the backend

Kubernetes:
  k8s inject FILE|-      wire TFJob/PyTorchJob/TrainJob/Volcano Job/Pod/... manifests to the node cache
  k8s plan FILE          sum a job's CPU/memory/GPU/storage needs and compare with the nodes' caches

  version                print the version
Run tiercache COMMAND --help for a command's options.
`;

type Command = (argv: string[], io: Io) => Promise<number>;

export const COMMANDS: Record<string, Command> = {
  daemon: runDaemon,
  cat: runCat,
  stat: runStat,
  evict: runEvict,
  'cache stats': runCacheStats,
  warmup: runWarmup,
  'access-patterns': runAccessPatterns,
  diagnose: runDiagnose,
  k8s: runK8sCommand,
  'checkpoint save': runCheckpointSave,
  'checkpoint load': runCheckpointLoad,
  'checkpoint ls': runCheckpointLs,
  'checkpoint rm': runCheckpointRm,
  'checkpoint wait': runCheckpointWait,
};

export async function main(argv: string[], io: Io): Promise<number> {
  const [first, second, ...rest] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(HELP);
    return first ? 0 : 2;
  }
  if (first === 'version' || first === '--version') {
    io.stdout.write(`tiercache ${VERSION}\n`);
    return 0;
  }
  const two = second !== undefined ? COMMANDS[`${first} ${second}`] : undefined;
  const cmd = two ?? COMMANDS[first];
  if (!cmd) {
    io.stderr.write(`tiercache: unknown command ${JSON.stringify(two ? `${first} ${second}` : first)}\n\n${HELP}`);
    return 2;
  }
  const args = two ? rest : argv.slice(1);
  try {
    return await cmd(args, io);
  } catch (err) {
    return reportError(err, io);
  }
}

if (require.main === module) {
  const io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      // The daemon returns once it has stopped; clients once output is flushed.
      if (process.argv[2] === 'daemon') process.exit(code);
    },
    (err) => {
      process.stderr.write(`tiercache: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
