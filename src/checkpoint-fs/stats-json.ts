// The checkpoint mount's Admin.Stats section (admin.proto CheckpointMountStats).

import type { CheckpointFs } from './checkpoint-fs';
import type { CheckpointMountStats } from '../protocol/types';

export function mountStatsJson(fs: CheckpointFs, mountDir: string): CheckpointMountStats {
  const s = fs.stats();
  return {
    mount_dir: mountDir,
    bytes_staged: s.bytesStaged,
    files_pending_persist: s.filesPendingPersist,
    bytes_pending_persist: s.bytesPendingPersist,
    ops_pending: s.opsPending,
    oldest_pending_age_seconds: s.oldestPendingAgeS,
    files_open_for_write: s.filesOpenForWrite,
    files_persisted: s.filesPersisted,
    bytes_persisted: s.bytesPersisted,
    persist_bytes_per_second: s.persistBytesPerSecond,
    persist_failures: s.persistFailures,
    write_through_files: s.writeThroughFiles,
    write_through_bytes: s.writeThroughBytes,
    lost_open_at_crash: s.lostOpenAtCrash,
    persist_error: fs.persistError ?? '',
  };
}
