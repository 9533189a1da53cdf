"""What the client returns: plain frozen dataclasses, not protobuf messages."""

from dataclasses import dataclass, field
from typing import Dict, Optional


@dataclass(frozen=True)
class FileInfo:
    path: str
    size: int
    mtime_ms: int
    is_dir: bool

    @classmethod
    def from_pb(cls, m):
        return cls(path=m.path, size=m.size, mtime_ms=m.mtime_ms, is_dir=m.is_dir)


@dataclass(frozen=True)
class PrefetchResult:
    blocks_queued: int
    blocks_dropped: int

    @classmethod
    def from_pb(cls, m):
        return cls(blocks_queued=m.blocks_queued, blocks_dropped=m.blocks_dropped)


@dataclass(frozen=True)
class PlanResult:
    files_accepted: int
    bytes_planned: int
    # Files beyond the plan's head, accepted before they were checked (a missing one is left out later).
    files_pending: int = 0

    @classmethod
    def from_pb(cls, m):
        return cls(files_accepted=m.files_accepted, bytes_planned=m.bytes_planned, files_pending=m.files_pending)


@dataclass(frozen=True)
class FileResult:
    """One file of Client.read_files, in request order: its bytes, or the error reading it alone would raise."""

    index: int
    path: str
    data: Optional[bytes]
    error: Optional[Exception]


@dataclass(frozen=True)
class WarmupProgress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    bytes_per_second: float
    bytes_cached: int
    cache_capacity_bytes: int
    message: str
    done: bool

    @classmethod
    def from_pb(cls, m):
        return cls(
            files_done=m.files_done,
            files_total=m.files_total,
            bytes_done=m.bytes_done,
            bytes_total=m.bytes_total,
            bytes_per_second=m.bytes_per_second,
            bytes_cached=m.bytes_cached,
            cache_capacity_bytes=m.cache_capacity_bytes,
            message=m.message,
            done=m.done,
        )


@dataclass(frozen=True)
class CheckpointInfo:
    id: str
    job_id: str
    step: int
    path: str
    """Path on the backend, relative to its root."""
    timestamp_ms: int
    size: int
    sha256: str
    metrics: Dict[str, float] = field(default_factory=dict)
    state: str = ""
    """LOCAL (on this node's SSD) or PERSISTED (on the backend)."""

    @classmethod
    def from_pb(cls, m):
        return cls(
            id=m.id,
            job_id=m.job_id,
            step=m.step,
            path=m.path,
            timestamp_ms=m.timestamp_ms,
            size=m.size,
            sha256=m.sha256,
            metrics=dict(m.metrics),
            state=m.state,
        )
