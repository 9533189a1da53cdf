"""tiercache: read training data and save checkpoints through the node's tiercache daemon.

    import tiercache
    client = tiercache.Client()            # $TIERCACHE_SOCKET or ./.tiercache/tiercache.sock
    with client.open("datasets/train/shard-0001.tar") as f:
        header = f.read(512)
"""

from . import _grpc  # noqa: F401 - first, so grpc's fork support is asked for before grpc is imported
from .client import DEFAULT_SOCKET, Client, default_socket
from .errors import (
    DaemonUnavailableError,
    InvalidArgumentError,
    IsDirectoryError,
    NotFoundError,
    PermissionDeniedError,
    TiercacheError,
    UnimplementedError,
)
from .types import CheckpointInfo, FileInfo, FileResult, PlanResult, PrefetchResult, WarmupProgress

__version__ = "0.1.0"

__all__ = [
    "Client",
    "DEFAULT_SOCKET",
    "default_socket",
    "TiercacheError",
    "NotFoundError",
    "PermissionDeniedError",
    "InvalidArgumentError",
    "IsDirectoryError",
    "UnimplementedError",
    "DaemonUnavailableError",
    "FileInfo",
    "FileResult",
    "CheckpointInfo",
    "PlanResult",
    "PrefetchResult",
    "WarmupProgress",
]
