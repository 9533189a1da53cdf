"""Client: the tiercache daemon from Python training code.

A gRPC channel over the daemon's Unix socket (default $TIERCACHE_SOCKET,
else ./.tiercache/tiercache.sock), made on first use by each process that uses
the Client: a Client survives fork() and pickling (connection.py), so one made
before a DataLoader starts its workers can be used in them. Every failure is
raised as a TiercacheError subclass that is also the built-in exception a
caller expects (see errors.py).
"""

import json
import os

from . import checkpoints as _ckpt
from ._grpc import grpc
from ._proto import admin_pb2, cache_pb2, checkpoint_pb2
from .connection import Connections
from .errors import TiercacheError, from_file_error, from_rpc_error
from .files import DEFAULT_BUFFER_SIZE, open_file
from .types import CheckpointInfo, FileInfo, FileResult, PlanResult, PrefetchResult, WarmupProgress

DEFAULT_SOCKET = "./.tiercache/tiercache.sock"
DEFAULT_TIMEOUT = 60.0
# read_bytes asks for this much in one unary Read and streams the rest only
# if the file is longer: below it one Read costs less than opening a stream
# (bench/python-loader.ts measures both per size).
SMALL_READ = 1024 * 1024


def default_socket(env=None):
    env = os.environ if env is None else env
    return os.path.abspath(env.get("TIERCACHE_SOCKET") or DEFAULT_SOCKET)


class Client:
    def __init__(self, socket=None, job=None, timeout=DEFAULT_TIMEOUT):
        """socket: Unix socket path; job: sent as x-tiercache-job; timeout: seconds per unary call."""
        self.socket = os.path.abspath(socket) if socket else default_socket()
        self.job = job
        self.timeout = timeout
        self._metadata = (("x-tiercache-job", job),) if job else None
        self._connections = Connections(self.socket)
        self._handoff = None

    def close(self):
        """Closes this process's channel; a later call opens a new one."""
        self._connections.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "tiercache.Client(socket=%r)" % (self.socket,)

    # -- plumbing ----------------------------------------------------------

    def _error(self, err):
        return from_rpc_error(err, self.socket)

    def _unary(self, service, method, request, timeout=-1):
        """One call of a unary (or client-streaming) method, e.g. _unary("cache", "Read", req).

        timeout -1 = the client's timeout; None = no deadline.
        """
        c = self._connections.begin()
        try:
            return getattr(getattr(c, service), method)(
                request, timeout=self.timeout if timeout == -1 else timeout, metadata=self._metadata
            )
        except grpc.RpcError as e:
            raise self._error(e) from None
        finally:
            self._connections.end(c)

    def _stream(self, service, method, request):
        """Messages of a server stream; the call is cancelled if the caller stops early."""
        c = self._connections.begin()
        try:
            call = getattr(getattr(c, service), method)(request, metadata=self._metadata)
            try:
                for msg in call:
                    yield msg
            except grpc.RpcError as e:
                raise self._error(e) from None
            finally:
                call.cancel()
        finally:
            self._connections.end(c)

    def _future(self, service, method, requests):
        """A client-streaming call fed from `requests` in grpc's thread; in flight until it is done."""
        c = self._connections.begin()
        try:
            future = getattr(getattr(c, service), method).future(requests, metadata=self._metadata)
        except BaseException:
            self._connections.end(c)
            raise
        future.add_done_callback(lambda _f: self._connections.end(c))
        return future

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_handoff"] = None
        return state

    # -- files ---------------------------------------------------------------

    def stat(self, path):
        return FileInfo.from_pb(self._unary("cache", "Stat", cache_pb2.StatRequest(path=path)))

    def read_range(self, path, offset=0, length=0):
        """Bytes of [offset, offset+length) in one call (length 0 = to the end; bounded by max-read-size)."""
        req = cache_pb2.ReadRequest(path=path, offset=offset, length=length)
        return self._unary("cache", "Read", req).data

    def iter_chunks(self, path, offset=0, length=0):
        """The bytes of a file or range as they arrive (length 0 = to the end)."""
        req = cache_pb2.ReadRequest(path=path, offset=offset, length=length)
        for chunk in self._stream("cache", "ReadStream", req):
            yield chunk.data

    def read_bytes(self, path):
        """The whole file: one unary Read if it is small (most samples are), the rest streamed if not."""
        head = self.read_range(path, 0, SMALL_READ)
        if len(head) < SMALL_READ:
            return head
        # Longer: a file that changes between the two calls is no more torn than with open() and read().
        return b"".join([head, *self.iter_chunks(path, SMALL_READ)])

    def read_files(self, paths):
        """FileResult per path, in order, over one stream (ReadFiles): the daemon reads a few ahead.

        A file that cannot be read comes as a FileResult with .error (the
        exception read_bytes would raise for it) and the rest follow; stopping
        early (break, close()) cancels the stream.
        """
        paths = list(paths)
        parts = []
        for m in self._stream("cache", "ReadFiles", cache_pb2.ReadFilesRequest(paths=paths)):
            path = paths[m.index] if m.index < len(paths) else ""
            if m.HasField("error"):
                parts = []
                yield FileResult(m.index, path, None, from_file_error(m.error, self.socket))
            elif not m.eof:
                parts.append(m.data)
            else:
                data = m.data if not parts else b"".join([*parts, m.data])
                parts = []
                yield FileResult(m.index, path, data, None)

    def open(self, path, buffering=DEFAULT_BUFFER_SIZE):
        """A read-only binary file object (read, readinto, seek, tell) reading through the cache.

        buffering=0 gives the unbuffered raw file; otherwise reads are served in blocks of `buffering` bytes.
        """
        return open_file(self, path, buffering)

    def evict(self, path):
        return self._unary("cache", "Evict", cache_pb2.EvictRequest(path=path)).blocks_evicted

    # -- prefetch ----------------------------------------------------------

    def prefetch(self, paths=(), ranges=(), priority=0):
        """Hints to fetch whole files and (path, offset, length) ranges in the background."""
        req = cache_pb2.PrefetchRequest(
            paths=list(paths),
            ranges=[cache_pb2.ByteRange(path=p, offset=o, length=n) for (p, o, n) in ranges],
            priority=priority,
        )
        return PrefetchResult.from_pb(self._unary("cache", "Prefetch", req))

    def warmup(self, prefix, recursive=True, check_only=False):
        """Loads a prefix into the cache, yielding WarmupProgress until one with done=True."""
        req = cache_pb2.WarmupRequest(prefix=prefix, recursive=recursive, check_only=check_only)
        for msg in self._stream("cache", "Warmup", req):
            yield WarmupProgress.from_pb(msg)

    def submit_plan(self, job, epoch, paths):
        """Tells the daemon the order in which `job` will read `paths` in `epoch`."""
        req = cache_pb2.PlanRequest(job=job, epoch=epoch, paths=list(paths))
        return PlanResult.from_pb(self._unary("cache", "SubmitPlan", req))

    # -- checkpoints -------------------------------------------------------

    def handoff_dir(self):
        """The daemon's checkpoint hand-off directory if this process can write it, else None (asked once)."""
        if self._handoff is None:
            try:
                cfg = json.loads(self._unary("admin", "Config", admin_pb2.ConfigRequest()).json)
                d = cfg.get("checkpointHandoffDir") or ""
                self._handoff = d if d and os.access(d, os.W_OK) else ""
            except TiercacheError:
                self._handoff = ""
        return self._handoff or None

    def checkpoint_writer(self, job_id, step=0, metrics=None, sync=False, transport="auto"):
        """A writable file object; use it in `with` (commits on success, cancels on an exception).

        The info of the saved checkpoint is on `.info` after the `with` block.
        transport: "handoff" writes straight into the daemon's hand-off directory
        and the daemon takes the file over (a save costs one local write; needs
        the daemon on this machine); "stream" sends the bytes over gRPC; "auto"
        (default) hands off when it can.
        """
        if transport not in ("auto", "handoff", "stream"):
            raise ValueError("transport must be auto, handoff or stream, not %r" % (transport,))
        if transport != "stream":
            d = self.handoff_dir()
            if d:
                return _ckpt.HandoffCheckpointWriter(self, d, job_id, step=step, metrics=metrics, sync=sync)
            if transport == "handoff":
                raise TiercacheError("FAILED_PRECONDITION", "hand-off saves need the daemon on this machine and its hand-off directory writable")
        return _ckpt.CheckpointWriter(self, job_id, step=step, metrics=metrics, sync=sync)

    def save_checkpoint(self, job_id, data, step=0, metrics=None, sync=False, transport="auto"):
        """Saves bytes, a binary file object or an iterable of bytes; returns the CheckpointInfo.

        sync=True answers only once the checkpoint is persisted on the backend.
        """
        with self.checkpoint_writer(job_id, step=step, metrics=metrics, sync=sync, transport=transport) as w:
            for chunk in _ckpt.chunks_of(data):
                w.write(chunk)
        return w.info

    def load_latest_checkpoint(self, job_id, spool_max=_ckpt.SPOOL_MAX_BYTES):
        """The newest checkpoint of a job as a seekable file object with .info (size and sha256 checked)."""
        return _ckpt.spool(*self._download("LoadLatest", job_id, ""), spool_max=spool_max)

    def load_checkpoint(self, job_id, checkpoint_id, spool_max=_ckpt.SPOOL_MAX_BYTES):
        return _ckpt.spool(*self._download("Load", job_id, checkpoint_id), spool_max=spool_max)

    def checkpoint_chunks(self, job_id, checkpoint_id=""):
        """(info, iterator of bytes) without spooling; checkpoint_id "" = the newest."""
        return self._download("Load" if checkpoint_id else "LoadLatest", job_id, checkpoint_id)

    def list_checkpoints(self, job_id):
        """Newest first."""
        res = self._unary("checkpoints", "List", checkpoint_pb2.ListRequest(job_id=job_id))
        return [CheckpointInfo.from_pb(c) for c in res.checkpoints]

    def delete_checkpoint(self, job_id, checkpoint_id):
        req = checkpoint_pb2.DeleteRequest(job_id=job_id, id=checkpoint_id)
        return self._unary("checkpoints", "Delete", req).deleted

    def _download(self, method, job_id, checkpoint_id):
        """Waits for the stream's first message (the info); returns it and an iterator of the data."""
        req = checkpoint_pb2.LoadRequest(job_id=job_id, id=checkpoint_id)
        messages = self._stream("checkpoints", method, req)
        first = next(messages, None)
        if first is None or first.WhichOneof("payload") != "info":
            messages.close()
            raise TiercacheError("DATA_LOSS", "Checkpoints.%s answered without the checkpoint's info first" % method)
        info = CheckpointInfo.from_pb(first.info)

        def data():
            try:
                for msg in messages:
                    if msg.WhichOneof("payload") == "data":
                        yield msg.data
            finally:
                messages.close()

        return info, data()
