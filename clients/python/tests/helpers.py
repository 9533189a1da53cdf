"""Shared by the tests that talk to a real daemon.

test/client/python.test.ts starts the daemon and sets TIERCACHE_SOCKET and
TIERCACHE_TEST_BACKEND (the daemon's backend directory, where tests put files).
"""

import os
import unittest

import tiercache


def daemon_env():
    socket = os.environ.get("TIERCACHE_SOCKET")
    backend = os.environ.get("TIERCACHE_TEST_BACKEND")
    if not socket or not backend:
        raise RuntimeError(
            "these tests need a running daemon: run them with `npm test` (test/client/python.test.ts), "
            "or set TIERCACHE_SOCKET and TIERCACHE_TEST_BACKEND"
        )
    return socket, backend


def pseudo_random_bytes(n, seed=1):
    """Deterministic bytes (xorshift32), so failures reproduce."""
    out = bytearray(n)
    x = seed & 0xFFFFFFFF or 1
    for i in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = x & 0xFF
    return bytes(out)


class DaemonTestCase(unittest.TestCase):
    client = None
    backend = None

    @classmethod
    def setUpClass(cls):
        socket, cls.backend = daemon_env()
        cls.client = tiercache.Client(socket=socket, job="python-tests")

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    @classmethod
    def put(cls, rel, data):
        """Writes a file into the daemon's backend directory."""
        path = os.path.join(cls.backend, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return rel

    def unless_unimplemented(self, method, fn):
        """fn()'s result; skips the test when (and only when) the daemon answers UNIMPLEMENTED for `method`."""
        try:
            return fn()
        except tiercache.UnimplementedError as e:
            self.assertEqual(e.code, "UNIMPLEMENTED")
            self.assertIn(method, e.details)
            self.assertIsInstance(e, NotImplementedError)
            raise unittest.SkipTest("%s not in this build" % method)
