// Start-up after a stop or a kill -9: what the journal left pending is put
// back (its staged files adopted, the tree rebuilt as the job last saw it),
// staged files no record names are removed (files open at the crash: named
// in the log, not persisted), and the backend's leftovers of an interrupted
// upload are cleaned up. Replaying an op that already reached the backend is
// harmless: puts rewrite the same bytes, deletes are idempotent, a rename
// whose source is gone is skipped.

import { statSync } from 'node:fs';
import type { Logger } from '../log';
import { getErrorMessage } from '../util/errors-message';
import { replay, type JournalRecord } from './journal';
import { FileNode, splitPath, type Namespace, type Node } from './namespace';
import type { StagedFile, Staging } from './staging';
import type { PersistBackend, PersistOp } from './types';

export interface RecoveryInput {
  readonly records: readonly JournalRecord[];
  readonly staging: Staging;
  readonly ns: Namespace;
  readonly backend: PersistBackend;
  readonly root: string;
  readonly log: Logger;
  readonly setLocal: (node: FileNode, staged: StagedFile) => void;
  readonly drop: (node: Node) => void;
}

export interface Recovered {
  readonly pending: PersistOp[];
  readonly maxSeq: number;
  readonly lostOpenAtCrash: number;
}

const MAX_NAMED_IN_LOG = 20;

export async function recover(i: RecoveryInput): Promise<Recovered> {
  const r = replay(i.records);
  const wanted = new Map<number, number>();
  for (const op of r.pending) if (op.op === 'put') wanted.set(op.file, op.size);
  let maxId = r.maxFile;
  for (const id of i.staging.listIds()) {
    maxId = Math.max(maxId, id);
    const size = wanted.get(id);
    let onDisk = -1;
    try {
      onDisk = statSync(`${i.staging.dir}/${id}`).size;
    } catch {
      // Vanished: treated as missing below.
    }
    if (size !== undefined && onDisk === size) i.staging.adopt(id, size);
    else i.staging.removeOrphan(id);
  }
  i.staging.bumpId(maxId + 1);

  const pending: PersistOp[] = [];
  for (const op of r.pending) {
    if (op.op === 'put' && !i.staging.files.has(op.file)) {
      i.log.error('a closed checkpoint file lost its staged copy before it was persisted (SSD data lost?)', { path: op.path });
      continue;
    }
    pending.push(op);
  }
  if (r.openAtCrash.length > 0) {
    i.log.warn('checkpoint files still open when the daemon stopped were not persisted', {
      count: r.openAtCrash.length,
      paths: r.openAtCrash.slice(0, MAX_NAMED_IN_LOG).map((f) => f.path),
    });
  }
  try {
    const removed = await i.backend.cleanupIncomplete(i.root);
    if (removed > 0) i.log.info('removed incomplete uploads an interrupted persist left on the backend', { removed });
  } catch (err) {
    i.log.warn('cleaning up incomplete uploads on the backend failed', { err: getErrorMessage(err) });
  }

  for (const op of pending) await applyToTree(i, op);
  if (pending.length > 0) i.log.info('resuming checkpoint persists left from the last run', { ops: pending.length });
  return { pending, maxSeq: r.maxSeq, lostOpenAtCrash: r.openAtCrash.length };
}

/** Makes the tree show what `op` did, without journaling it again. */
async function applyToTree(i: RecoveryInput, op: PersistOp): Promise<void> {
  const ns = i.ns;
  if (op.op === 'put') {
    const { dir, name } = splitPath(op.path);
    const parent = await ns.mkdirs(dir);
    const have = parent.children.get(name);
    if (have?.kind === 'dir') {
      i.log.error('a staged file and a directory have the same name; keeping the directory', { path: op.path });
      return;
    }
    const node = have ?? new FileNode(name, undefined, { kind: 'remote', size: 0, version: '' }, true, Date.now());
    i.setLocal(node, i.staging.files.get(op.file)!);
    node.onBackend = true;
    if (!have) ns.attach(parent, node, name);
    return;
  }
  const node = await ns.lookup(op.path).catch(() => undefined);
  if (!node) return;
  if (op.op === 'del') {
    if (node.kind !== 'file') return;
    ns.detach(node);
    i.drop(node);
  } else if (op.op === 'rmdir') {
    if (node.kind === 'dir' && node.children.size === 0) ns.detach(node);
  } else {
    const { dir, name } = splitPath(op.to);
    const parent = await ns.mkdirs(dir);
    const target = parent.children.get(name);
    if (target === node) return;
    if (target) {
      ns.detach(target);
      i.drop(target);
    }
    ns.detach(node);
    ns.attach(parent, node, name);
  }
}
