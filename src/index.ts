// The package entry: `import { TiercacheClient } from 'tiercache'`.

export { TiercacheClient, DEFAULT_SOCKET, defaultSocket } from './client/client';
export { CheckpointsClient } from './client/checkpoints';
export { TiercacheClientError, DaemonUnreachableError } from './client/errors';
export type {
  ByteRange,
  CheckpointDownload,
  CheckpointInfo,
  CheckpointSource,
  ClientOptions,
  FileInfo,
  PlanResult,
  PrefetchResult,
  SaveOptions,
  WarmupOptions,
  WarmupProgress,
} from './client/types';
