"""A daemon-backed file: read, readinto, seek and tell over Cache.Read.

open() returns an io.BufferedReader over DaemonRawFile, so small reads are
served from one buffered block and large reads go to the daemon directly, one
bounded unary Read each. The size is taken at open (like a file descriptor
taken on a file that may still grow); reading past it returns b"".
"""

import io

# One unary Read never asks for more than this (the daemon's max-read-size is 64 MiB by default).
MAX_READ = 16 * 1024 * 1024
DEFAULT_BUFFER_SIZE = 1024 * 1024


class DaemonRawFile(io.RawIOBase):
    def __init__(self, client, path, info):
        super().__init__()
        self.name = path
        self.mode = "rb"
        self._client = client
        self._size = info.size
        self._pos = 0

    @property
    def size(self):
        return self._size

    def readable(self):
        return True

    def seekable(self):
        return True

    def readinto(self, b):
        if self.closed:
            raise ValueError("I/O operation on closed file")
        n = min(len(b), self._size - self._pos, MAX_READ)
        if n <= 0:
            return 0
        data = self._client.read_range(self.name, self._pos, n)
        m = len(data)
        b[:m] = data
        self._pos += m
        return m

    def readall(self):
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if self._pos >= self._size:
            return b""
        # One stream instead of many unary reads; bounded by the size at open.
        length = self._size - self._pos
        data = b"".join(self._client.iter_chunks(self.name, self._pos, length))
        self._pos += len(data)
        return data

    def seek(self, offset, whence=io.SEEK_SET):
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError("invalid whence (%r, should be 0, 1 or 2)" % (whence,))
        if pos < 0:
            raise ValueError("negative seek position %d" % (pos,))
        self._pos = pos
        return pos

    def tell(self):
        return self._pos


def open_file(client, path, buffering=DEFAULT_BUFFER_SIZE):
    info = client.stat(path)
    if info.is_dir:
        from .errors import IsDirectoryError

        raise IsDirectoryError("FAILED_PRECONDITION", "is a directory, not a file: %s" % (path,), "TC_IS_DIRECTORY")
    raw = DaemonRawFile(client, path, info)
    if buffering == 0:
        return raw
    return io.BufferedReader(raw, buffer_size=max(buffering, io.DEFAULT_BUFFER_SIZE))
