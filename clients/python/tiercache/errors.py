"""Errors of the tiercache client.

Every failure is a TiercacheError carrying the gRPC status name (.code), the
daemon's message (.details) and its stable reason (.reason, e.g.
TC_NOT_FOUND). The common ones are also the built-in exception a Python
caller expects, so ``except FileNotFoundError`` and ``except TiercacheError``
both work.
"""

import errno as _errno

from ._grpc import grpc

# Reasons the daemon sends for an UNAVAILABLE that means "do not count on this daemon".
_DAEMON_GOING = frozenset(["TC_SHUTTING_DOWN"])


class TiercacheError(Exception):
    """A call failed. .code is the gRPC status name, .details the daemon's message."""

    def __init__(self, code, details, reason=None):
        super().__init__("%s: %s" % (code, details))
        self.code = code
        self.details = details
        self.reason = reason
        errno_value = getattr(type(self), "errno_value", None)
        if errno_value is not None:
            self.errno = errno_value


class NotFoundError(TiercacheError, FileNotFoundError):
    errno_value = _errno.ENOENT


class PermissionDeniedError(TiercacheError, PermissionError):
    errno_value = _errno.EACCES


class IsDirectoryError(TiercacheError, IsADirectoryError):
    errno_value = _errno.EISDIR


class InvalidArgumentError(TiercacheError, ValueError):
    """INVALID_ARGUMENT or OUT_OF_RANGE."""


class UnimplementedError(TiercacheError, NotImplementedError):
    """The daemon does not offer this method (yet)."""


class DaemonUnavailableError(TiercacheError, ConnectionError):
    """The daemon could not be reached on its socket, or is shutting down."""

    errno_value = _errno.ECONNREFUSED

    def __init__(self, code, details, reason=None, socket=None):
        super().__init__(code, details, reason)
        self.socket = socket


_BY_CODE = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.OUT_OF_RANGE: InvalidArgumentError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
}


def _reason(err):
    try:
        for key, value in err.trailing_metadata() or ():
            if key == "x-tiercache-error":
                return value
    except Exception:  # a locally failed call may carry no metadata at all
        pass
    return None


def from_rpc_error(err, where):
    """Maps a grpc.RpcError to the matching TiercacheError subclass; `where` names the socket."""
    code = err.code() if callable(getattr(err, "code", None)) else grpc.StatusCode.UNKNOWN
    details = (err.details() if callable(getattr(err, "details", None)) else None) or str(err)
    return _error_for(code, details, _reason(err), where)


_BY_NUMBER = {c.value[0]: c for c in grpc.StatusCode}


def from_file_error(m, where):
    """The error of one file inside a ReadFiles stream (a FileError message), as a unary Read would raise it."""
    return _error_for(_BY_NUMBER.get(m.code, grpc.StatusCode.UNKNOWN), m.message, m.reason or None, where)


def _error_for(code, details, reason, where):
    name = code.name if code is not None else "UNKNOWN"
    if code == grpc.StatusCode.UNAVAILABLE and (reason is None or reason in _DAEMON_GOING):
        # No reason metadata: the daemon never answered, the connection failed.
        e = DaemonUnavailableError(
            name,
            "cannot reach the tiercache daemon at %s: %s (is the daemon running? set TIERCACHE_SOCKET)"
            % (where, details),
            reason,
            socket=where,
        )
    elif reason == "TC_IS_DIRECTORY":
        e = IsDirectoryError(name, details, reason)
    else:
        cls = _BY_CODE.get(code, TiercacheError)
        e = cls(name, details, reason)
    return e
