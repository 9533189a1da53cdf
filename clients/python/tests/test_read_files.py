"""ReadFiles: many files over one stream, in order, with per-file errors inside it."""

import tiercache
from tiercache.torch import TiercacheDataset

from .helpers import DaemonTestCase, pseudo_random_bytes

MiB = 1024 * 1024


class ReadFiles(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.files = {}
        for i, size in enumerate([0, 1, 100_000, 3 * MiB + 17, 4096]):
            rel = "pyrf/f%d.bin" % i
            cls.files[rel] = pseudo_random_bytes(size, i + 11)
            cls.put(rel, cls.files[rel])

    def test_files_arrive_in_order_with_their_bytes(self):
        order = ["pyrf/f3.bin", "pyrf/f0.bin", "pyrf/f2.bin", "pyrf/f1.bin", "pyrf/f4.bin", "pyrf/f2.bin"]
        got = list(self.client.read_files(order))
        self.assertEqual([r.index for r in got], list(range(len(order))))
        for r, p in zip(got, order):
            self.assertIsNone(r.error)
            self.assertEqual(r.path, p)
            self.assertEqual(r.data, self.files[p], p)

    def test_a_missing_or_escaping_file_is_an_error_in_the_stream(self):
        got = list(self.client.read_files(["pyrf/f2.bin", "pyrf/nope.bin", "../../etc/passwd", "pyrf", "pyrf/f1.bin"]))
        self.assertEqual(len(got), 5)
        self.assertEqual(got[0].data, self.files["pyrf/f2.bin"])
        self.assertIsInstance(got[1].error, FileNotFoundError)
        self.assertEqual(got[1].error.code, "NOT_FOUND")
        self.assertIsInstance(got[2].error, tiercache.TiercacheError)
        self.assertIn(got[2].error.code, ("PERMISSION_DENIED", "INVALID_ARGUMENT"))
        self.assertIsInstance(got[3].error, IsADirectoryError)
        self.assertEqual(got[4].data, self.files["pyrf/f1.bin"])

    def test_stopping_early_cancels_the_stream(self):
        stream = self.client.read_files(["pyrf/f2.bin"] * 200)
        first = next(stream)
        self.assertEqual(first.data, self.files["pyrf/f2.bin"])
        stream.close()
        # The connection is still good for the next call.
        self.assertEqual(self.client.read_bytes("pyrf/f4.bin"), self.files["pyrf/f4.bin"])

    def test_dataset_stream_decodes_in_the_given_order(self):
        paths = sorted(self.files)
        ds = TiercacheDataset(paths, transform=len, socket=self.client.socket, job="python-tests")
        self.assertEqual(list(ds.stream([4, 2, 0])), [len(self.files[paths[i]]) for i in (4, 2, 0)])
        bad = TiercacheDataset(["pyrf/f1.bin", "pyrf/missing.bin"], socket=self.client.socket)
        it = bad.stream([0, 1])
        self.assertEqual(next(it), self.files["pyrf/f1.bin"])
        with self.assertRaises(FileNotFoundError):
            next(it)
