"""One process's gRPC channel to the daemon, and what happens to it at fork().

A Client does not hold a channel; it holds a Connections, which makes the
channel on first use and owns it for the process that made it. A Client that
crosses a fork (a DataLoader worker inheriting the dataset, or the Client a
training script made before the loader) therefore just works in the child:

 1. before any fork, every idle channel of this process is closed, so grpc
    core has nothing open to carry into the child; the parent reconnects on
    its next call (a Unix socket: about a millisecond);
 2. a channel with a call in flight (a streaming save in another thread, a
    read iterator left open) is kept: grpc's fork support (see _grpc.py)
    pauses it across the fork; without it (grpc imported before tiercache),
    the child's calls would hang, so they fail at once with an error that
    says why instead;
 3. in the child, inherited channels are forgotten without being touched
    (closing them would call into grpc state that did not survive the fork)
    and a new one is made on the first call; the pid check covers forks that
    bypass os.register_at_fork.

Pickling (spawn and forkserver workers) drops the channel the same way.

The order of the fork handlers matters. grpc registers its own (with fork
support on) when it makes its first channel, and os.register_at_fork runs
"before" handlers in reverse order of registration: registered at import,
ours would run after grpc's, closing idle channels only once grpc had
already waited for its threads. Their threads (a channel's polling thread,
a streaming call's request thread) would then still hold core objects at
fork(), the child would inherit a core that is not shut down, and grpc's
child handler ends such a child with exit status 64 ("Failed to shutdown
gRPC Core after fork()"), more often the busier the machine. So ours are
registered after grpc's, when this package makes its first channel: idle
channels are closed first, unreachable grpc objects collected, and then
grpc's handler waits for its threads to end.
"""

import gc
import logging
import os
import threading
import weakref

from ._grpc import FORK_SUPPORT, grpc
from ._rpc import admin_stub, cache_stub, checkpoints_stub
from .errors import DaemonUnavailableError

log = logging.getLogger("tiercache")

# Same limits and flow-control window as the daemon's channels, so 1 MiB chunks
# and 16 MiB reads pass and a read of a few hundred KB needs no window update.
CHANNEL_OPTIONS = (
    ("grpc.max_receive_message_length", 256 * 1024 * 1024),
    ("grpc.max_send_message_length", 256 * 1024 * 1024),
    ("grpc.http2.lookahead_bytes", 16 * 1024 * 1024),
)


class Channel:
    """A channel and its stubs, owned by process `pid`. `calls` is guarded by the owner's lock."""

    def __init__(self, socket):
        self.pid = os.getpid()
        self.channel = grpc.insecure_channel("unix:" + socket, options=CHANNEL_OPTIONS)
        _register_fork_handlers()
        self.cache = cache_stub(self.channel)
        self.checkpoints = checkpoints_stub(self.channel)
        self.admin = admin_stub(self.channel)
        self.calls = 0


class Connections:
    """The current process's Channel to one socket, made lazily."""

    def __init__(self, socket):
        self.socket = socket
        self._lock = threading.Lock()
        self._current = None
        _live.add(self)

    def begin(self):
        """The channel for a call, counted as in flight until end()."""
        if _forked_busy:
            raise DaemonUnavailableError(
                "UNAVAILABLE",
                "this process was forked while its parent had a call in flight to %s, and grpc's fork support is off "
                "(grpc was imported before tiercache, or GRPC_ENABLE_FORK_SUPPORT=0): grpc cannot be used here; "
                "import tiercache first, or start workers with multiprocessing_context='spawn'" % (self.socket,),
                "TC_FORKED_BUSY",
                socket=self.socket,
            )
        with self._lock:
            c = self._current
            if c is None or c.pid != os.getpid():
                c = self._current = Channel(self.socket)
            c.calls += 1
            return c

    def end(self, c):
        with self._lock:
            c.calls -= 1

    def close(self):
        with self._lock:
            c, self._current = self._current, None
        if c is not None and c.pid == os.getpid():
            c.channel.close()

    def __getstate__(self):
        return {"socket": self.socket}

    def __setstate__(self, state):
        self.__init__(state["socket"])

    # -- fork (called with the lock held from before_fork to the after_* hook) --

    def _release_idle(self):
        c = self._current
        if c is None or c.pid != os.getpid():
            return
        if c.calls == 0:
            self._current = None
            c.channel.close()
            return False
        return not FORK_SUPPORT

    def _forget_in_child(self):
        if self._current is not None:
            _inherited.append(self._current)
            self._current = None
        self._lock = threading.Lock()


# Every Connections of this process; weak, so a dropped Client is not kept alive.
_live = weakref.WeakSet()
# The Connections whose locks are held across the fork in progress (before_fork to after_*).
_held = []
# Channels inherited from the parent: never used, never closed, never freed.
_inherited = []
# Set in a child forked while a call was in flight without grpc's fork support (and in its children).
_forked_busy = False
_busy_at_fork = []


def _before_fork():
    closed = False
    for conn in list(_live):
        conn._lock.acquire()
        _held.append(conn)
        had = conn._current is not None
        if conn._release_idle():
            _busy_at_fork.append(conn.socket)
        closed = closed or (had and conn._current is None)
    if closed:
        # grpc objects left in reference cycles (finished calls) hold core references until collected.
        gc.collect()
    if _busy_at_fork:
        log.warning(
            "tiercache: fork() with a call in flight to %s and grpc's fork support off "
            "(grpc was imported before tiercache, or GRPC_ENABLE_FORK_SUPPORT=0); the child cannot reach the daemon",
            _busy_at_fork[0],
        )


def _after_fork_in_parent():
    del _busy_at_fork[:]
    while _held:
        _held.pop()._lock.release()


def _after_fork_in_child():
    global _forked_busy
    if _busy_at_fork:
        _forked_busy = True
        del _busy_at_fork[:]
    while _held:
        _held.pop()._forget_in_child()


_registered = []


def _register_fork_handlers():
    """Once per process tree (children inherit the handlers), after grpc registered its own (see the module header)."""
    if _registered:
        return
    _registered.append(True)
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)
