"""grpc, imported once for the whole package, with its fork support switched on.

grpc core does not survive fork(): a child that inherits an initialized core
(its epoll set, its background threads) fails its first call with "Bad file
descriptor" or hangs, even on a channel it makes itself. DataLoader workers
are forked from a process that talks to the daemon, so the package asks for
grpc's own fork support, which grpc reads from GRPC_ENABLE_FORK_SUPPORT when
it is imported. That is only possible if tiercache is imported before grpc;
a value the user set is left alone. Whatever grpc does, tiercache's own fork
handlers (connection.py) close idle channels before a fork, so a child starts
clean either way; fork support is what also covers a call in flight.

Every module of the package imports grpc from here, and tiercache/__init__
imports this module first.
"""

import os
import sys

FORK_SUPPORT_VARIABLE = "GRPC_ENABLE_FORK_SUPPORT"

if "grpc" not in sys.modules:
    os.environ.setdefault(FORK_SUPPORT_VARIABLE, "1")

import grpc  # noqa: E402 - must come after the environment is set

try:
    from grpc._cython import cygrpc as _cygrpc

    FORK_SUPPORT = bool(_cygrpc.is_fork_support_enabled())
except (ImportError, AttributeError):  # another grpc build; assume the worst
    FORK_SUPPORT = False

__all__ = ["grpc", "FORK_SUPPORT"]
