"""Checkpoints from the Python side.

With the daemon on this machine, a save is a hand-off: HandoffCheckpointWriter
writes the file into the daemon's hand-off directory and the daemon takes it
over (one local write). Otherwise saving is client-streaming: a header message, then the bytes in 1 MiB
messages. CheckpointWriter is a writable file object (for torch.save) feeding
that stream through a small bounded queue that grpc's sending thread drains
only as fast as the daemon takes messages, so a slow daemon slows the writer
instead of filling memory. Leaving its `with` block by an exception, or
dropping it unclosed, cancels the save so no partial checkpoint is committed.
save_checkpoint() is a writer fed from bytes, a file object or an iterable.

Loading spools the stream into a temporary file (in memory up to a bound, on
disk beyond) and checks size and sha256 against the info, because torch.load
needs a seekable file.
"""

import hashlib
import io
import os
import queue
import secrets
import tempfile
import time

from ._grpc import grpc
from ._proto import checkpoint_pb2 as pb
from .errors import TiercacheError
from .types import CheckpointInfo

CHUNK_SIZE = 1024 * 1024
# Chunks a writer may hold ahead of the daemon.
WRITER_QUEUE_CHUNKS = 4
# A loaded checkpoint stays in memory up to this size, then spills to a temp file.
SPOOL_MAX_BYTES = 256 * 1024 * 1024

_END = object()
_ABORT = object()


def header_request(job_id, step, metrics, sync):
    return pb.SaveRequest(
        header=pb.SaveHeader(job_id=job_id, step=int(step), metrics=dict(metrics or {}), sync=bool(sync))
    )


def chunks_of(source, size=CHUNK_SIZE):
    """bytes-like, a binary file object (read()) or an iterable of bytes, as messages of `size` bytes."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source).cast("B")
        for p in range(0, len(view), size):
            yield bytes(view[p : p + size])
        return
    if callable(getattr(source, "read", None)):
        while True:
            b = source.read(size)
            if not b:
                return
            if isinstance(b, str):
                raise TypeError("checkpoint file objects must be opened in binary mode")
            yield b if isinstance(b, bytes) else bytes(b)
    pending = bytearray()
    for piece in source:
        pending += piece
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


class _SaveWriter(io.RawIOBase):
    """What every checkpoint writer shares: closing commits, leaving a `with`
    block by an exception aborts, and a writer dropped unclosed aborts (never
    commit a checkpoint nobody closed: it may be half-written). Subclasses
    provide commit() and abort(), and call _mark_closed() when done."""

    def _mark_closed(self):
        io.RawIOBase.close(self)

    def close(self):
        if not self.closed:
            self.commit()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    def __del__(self):
        try:
            self.abort()
        except Exception:
            pass


class CheckpointWriter(_SaveWriter):
    """Writable file object whose bytes become a checkpoint; see Client.checkpoint_writer."""

    def __init__(self, client, job_id, step=0, metrics=None, sync=False):
        super().__init__()
        self.name = "tiercache-checkpoint:%s" % (job_id,)
        self.info = None
        self._client = client
        self._queue = queue.Queue(maxsize=WRITER_QUEUE_CHUNKS)
        self._pending = bytearray()
        self._written = 0
        self._future = client._future("checkpoints", "Save", self._requests(header_request(job_id, step, metrics, sync)))

    def _requests(self, header):
        yield header
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if item is _ABORT:
                # The call is already cancelled, so ending the stream here does not half-close it.
                return
            yield pb.SaveRequest(data=item)

    def writable(self):
        return True

    def tell(self):
        return self._written

    def write(self, b):
        if self.closed:
            raise ValueError("write to closed checkpoint writer")
        view = memoryview(b).cast("B")
        n = len(view)
        self._written += n
        if not self._pending and n >= CHUNK_SIZE:
            # Big writes (and save_checkpoint's chunks) skip the staging buffer.
            whole = n - n % CHUNK_SIZE
            for p in range(0, whole, CHUNK_SIZE):
                self._put(bytes(view[p : p + CHUNK_SIZE]))
            view = view[whole:]
        self._pending += view
        while len(self._pending) >= CHUNK_SIZE:
            self._put(bytes(self._pending[:CHUNK_SIZE]))
            del self._pending[:CHUNK_SIZE]
        return n

    def _put(self, item):
        while True:
            if self._future.done():
                # The daemon answered before the end: a refusal (or a bug); surface it now.
                self._result()
                raise TiercacheError("INTERNAL", "the daemon ended the checkpoint save early")
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _result(self):
        try:
            return CheckpointInfo.from_pb(self._future.result())
        except grpc.RpcError as e:
            raise self._client._error(e) from None

    def commit(self):
        """Sends the rest, ends the stream and waits for the daemon's answer (the info)."""
        if self.info is not None:
            return self.info
        if self.closed:
            raise ValueError("checkpoint writer was abandoned")
        try:
            if self._pending:
                self._put(bytes(self._pending))
                self._pending.clear()
            self._put(_END)
            self.info = self._result()
        except BaseException:
            self.abort()
            raise
        self._mark_closed()
        return self.info

    def abort(self):
        """Cancels the save: the daemon drops what it received."""
        if self.closed:
            return
        self._future.cancel()
        # Wake grpc's thread if it waits on the queue, so it can finish.
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        try:
            self._queue.put_nowait(_ABORT)
        except queue.Full:
            pass
        self._mark_closed()


class HandoffCheckpointWriter(_SaveWriter):
    """Writable file object that writes the checkpoint straight into the daemon's
    hand-off directory (hashing as it goes); commit fsyncs it and has the daemon
    take the file over, so the save costs this one local write."""

    def __init__(self, client, handoff_dir, job_id, step=0, metrics=None, sync=False):
        super().__init__()
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in job_id)[:120] or "job"
        if not safe[0].isalnum():
            safe = "j" + safe
        # 128 random bits: nobody else can name the file (the directory cannot
        # be listed); mode 0600: nobody else can open it. The daemon refuses others.
        self._name = "%s-%d-%s.ckpt" % (safe, int(time.time() * 1000), secrets.token_hex(16))
        self._path = os.path.join(handoff_dir, self._name)
        self.name = self._path
        self.info = None
        self._client = client
        self._header = (job_id, step, metrics, sync)
        self._hash = hashlib.sha256()
        self._written = 0
        fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        self._f = os.fdopen(fd, "wb", buffering=0)

    def writable(self):
        return True

    def tell(self):
        return self._written

    def write(self, b):
        if self.closed:
            raise ValueError("write to closed checkpoint writer")
        view = memoryview(b).cast("B")
        n = 0
        while n < len(view):
            n += self._f.write(view[n:])
        self._hash.update(view)
        self._written += n
        return n

    def commit(self):
        """fsyncs the file and has the daemon take it over; returns the info."""
        if self.info is not None:
            return self.info
        if self.closed:
            raise ValueError("checkpoint writer was abandoned")
        try:
            os.fsync(self._f.fileno())
            self._f.close()
            job_id, step, metrics, sync = self._header
            req = header_request(job_id, step, metrics, sync)
            req.header.handoff_file = self._name
            req.header.sha256 = self._hash.hexdigest()
            res = self._client._unary("checkpoints", "Save", iter([req]), timeout=None)
            self.info = CheckpointInfo.from_pb(res)
        finally:
            self._remove()
        self._mark_closed()
        return self.info

    def abort(self):
        """Drops the file; nothing reaches the daemon."""
        if self.closed:
            return
        self._remove()
        self._mark_closed()

    def _remove(self):
        try:
            self._f.close()
        except Exception:
            pass
        try:
            os.unlink(self._path)
        except FileNotFoundError:
            pass


def spool(info, chunks, spool_max=SPOOL_MAX_BYTES):
    """Copies a checkpoint's stream into a seekable file and checks it against the info."""
    f = tempfile.SpooledTemporaryFile(max_size=spool_max)
    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in chunks:
            f.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        if size != info.size:
            raise TiercacheError(
                "DATA_LOSS", "checkpoint %s of %s: got %d bytes, expected %d" % (info.id, info.job_id, size, info.size)
            )
        if info.sha256 and digest.hexdigest() != info.sha256:
            raise TiercacheError("DATA_LOSS", "checkpoint %s of %s: sha256 mismatch" % (info.id, info.job_id))
        f.seek(0)
    except BaseException:
        f.close()
        raise
    return CheckpointFile(f, info)


class CheckpointFile(io.BufferedIOBase):
    """A loaded checkpoint: a seekable read-only file with .info (torch.load works on it)."""

    def __init__(self, f, info):
        super().__init__()
        self._f = f
        self.info = info
        self.name = "tiercache-checkpoint:%s/%s" % (info.job_id, info.id)

    def readable(self):
        return True

    def seekable(self):
        return True

    def read(self, size=-1):
        return self._f.read(-1 if size is None else size)

    def read1(self, size=-1):
        return self.read(size)

    def readinto(self, b):
        data = self._f.read(len(b))
        b[: len(data)] = data
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        return self._f.seek(offset, whence)

    def tell(self):
        return self._f.tell()

    def close(self):
        if not self.closed:
            self._f.close()
        super().close()
