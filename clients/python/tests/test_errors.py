"""Daemon errors arrive as the built-in exceptions Python code expects, and as TiercacheError."""

import errno
import os
import tempfile
import unittest

import tiercache

from .helpers import DaemonTestCase


class ErrorMapping(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.put("err/small.bin", b"0123456789")

    def test_missing_file_is_file_not_found(self):
        for call in (
            lambda: self.client.open("err/missing.bin"),
            lambda: self.client.read_bytes("err/missing.bin"),
            lambda: self.client.stat("err/missing.bin"),
        ):
            with self.assertRaises(FileNotFoundError) as cm:
                call()
            e = cm.exception
            self.assertIsInstance(e, tiercache.TiercacheError)
            self.assertEqual(e.code, "NOT_FOUND")
            self.assertEqual(e.errno, errno.ENOENT)
            self.assertIn("err/missing.bin", e.details)
            self.assertEqual(str(e), "NOT_FOUND: " + e.details)

    def test_escaping_the_backend_root_is_permission_error(self):
        with self.assertRaises(PermissionError) as cm:
            self.client.read_bytes("../outside")
        self.assertEqual(cm.exception.code, "PERMISSION_DENIED")
        self.assertIn("escapes the backend root", cm.exception.details)
        self.assertIsInstance(cm.exception, tiercache.TiercacheError)

    def test_bad_offsets_are_value_errors(self):
        with self.assertRaises(ValueError) as cm:
            self.client.read_range("err/small.bin", 11, 1)
        self.assertEqual(cm.exception.code, "OUT_OF_RANGE")
        with self.assertRaises(ValueError) as cm:
            self.client.read_range("", 0, 1)
        self.assertEqual(cm.exception.code, "INVALID_ARGUMENT")
        with self.client.open("err/small.bin") as f:
            with self.assertRaises(ValueError):
                f.seek(-1)
            f.seek(100)
            self.assertEqual(f.read(), b"", "past the end reads nothing, like a local file")

    def test_directory_is_is_a_directory_error(self):
        with self.assertRaises(IsADirectoryError):
            self.client.open("err")
        with self.assertRaises(IsADirectoryError):
            self.client.read_bytes("err")

    def test_catch_all_by_tiercache_error(self):
        with self.assertRaises(tiercache.TiercacheError):
            self.client.read_bytes("err/missing.bin")


class NoDaemon(unittest.TestCase):
    def test_missing_socket_is_connection_error_naming_it(self):
        with tempfile.TemporaryDirectory() as d:
            socket = os.path.join(d, "nobody-home.sock")
            with tiercache.Client(socket=socket, timeout=10) as c:
                with self.assertRaises(ConnectionError) as cm:
                    c.stat("anything")
        e = cm.exception
        self.assertIsInstance(e, tiercache.TiercacheError)
        self.assertEqual(e.code, "UNAVAILABLE")
        self.assertEqual(e.socket, socket)
        self.assertIn(socket, str(e))

    def test_default_socket_comes_from_the_environment(self):
        self.assertEqual(tiercache.default_socket({"TIERCACHE_SOCKET": "/run/tc.sock"}), "/run/tc.sock")
        self.assertEqual(
            tiercache.default_socket({}), os.path.abspath(tiercache.DEFAULT_SOCKET)
        )
