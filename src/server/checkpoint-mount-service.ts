// The CheckpointMount gRPC service: `tiercache checkpoint wait [PATH]`.

import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { relative, isAbsolute } from 'node:path';
import { invalidArgument } from '../errors';
import { FsError } from '../fuse/types';
import { unary, type CallTracker } from './handlers';
import type { CheckpointFs } from '../checkpoint-fs/checkpoint-fs';

/** A request path as the mount's relative path: relative as given, or absolute under the mount directory. */
export function mountRelative(mountDir: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(mountDir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw invalidArgument(`${path} is not under the checkpoint mount ${mountDir}; give a path inside it or relative to it`);
  }
  return rel;
}

export function checkpointMountService(t: CallTracker, fs: CheckpointFs, mountDir: string): UntypedServiceImplementation {
  return {
    Wait: unary<{ path: string }, { ops: number; open_files: string[] }>(t, 'CheckpointMount.Wait', async (req) => {
      let r;
      try {
        r = await fs.waitPersisted(mountRelative(mountDir, req.path ?? ''));
      } catch (err) {
        if (err instanceof FsError) throw invalidArgument(`invalid path ${JSON.stringify(req.path)}: ${err.message}`);
        throw err;
      }
      return { ops: r.ops, open_files: [...r.openFiles] };
    }),
  };
}
