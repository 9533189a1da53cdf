// A stand-in for a node's local SSD under the daemon's state dir (SSD tier,
// checkpoints): a fresh journaled ext4 in an image file, loop-mounted.
//
// Why not the temp dir: the root filesystem of the machines this runs on is
// ext4 without a journal, where creating a file scans the inode table for
// recently deleted inodes (ext4's recently_deleted(), which only runs
// without a journal). With tests and benchmarks deleting thousands of files
// beside it, one SSD block file there cost about 1 ms of CPU to create
// (measured: 0.86-1.14 ms for create + 100 KB write + rename, against 0.12-0.15
// ms on a journaled ext4 of the same disk), which a node's SSD, journaled
// ext4 or XFS, never pays. Needs root and losetup; without them, the temp dir.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from './harness';

export interface NodeSsd {
  /** Where to make daemon dirs (TestDaemon's `dir`). */
  readonly root: string;
  /** What it is, for notes. */
  readonly what: string;
  /** A fresh directory for one daemon. */
  daemonDir(): string;
  close(): void;
}

export function nodeSsd(sizeGiB: number): NodeSsd {
  const base = mkdtempSync(join(tmpdir(), 'tc-node-ssd-'));
  const image = join(base, 'ssd.ext4');
  const mnt = join(base, 'mnt');
  const fallback = (why: string): NodeSsd => {
    log(`node-ssd: the daemons' state dirs stay in ${tmpdir()} (${why})`);
    return {
      root: base,
      what: `the temp dir (${why})`,
      daemonDir: () => mkdtempSync(join(base, 'd-')),
      close: () => rmSync(base, { recursive: true, force: true }),
    };
  };
  if (process.getuid?.() !== 0) return fallback('not root, so no loop mount');
  let loop = '';
  try {
    execFileSync('truncate', ['-s', `${sizeGiB}G`, image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image]);
    mkdirSync(mnt);
    // --direct-io=on: the loop device reads and writes its image with O_DIRECT, as a drive does by DMA; without
    // it every block written to the SSD would land in the page cache twice (the ext4's and the image file's).
    loop = execFileSync('losetup', ['--find', '--show', '--direct-io=on', image], { encoding: 'utf8' }).trim();
    execFileSync('mount', [loop, mnt]);
  } catch (err) {
    if (loop) execFileSync('losetup', ['-d', loop]);
    rmSync(base, { recursive: true, force: true });
    return fallback(`loop-mounting an ext4 image failed: ${String(err).split('\n')[0]}`);
  }
  return {
    root: mnt,
    what: `a journaled ext4 of ${sizeGiB} GiB (loop-mounted image) standing for the node's SSD`,
    daemonDir: () => mkdtempSync(join(mnt, 'd-')),
    close: () => {
      try {
        execFileSync('umount', ['-l', mnt]);
        execFileSync('losetup', ['-d', loop]);
      } catch (err) {
        log(`node-ssd: could not unmount ${mnt}: ${String(err)}`);
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}
