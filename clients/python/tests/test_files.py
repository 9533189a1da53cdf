"""Reading through the daemon: exact bytes with random seeks, whole files, stat."""

import io
import random

from .helpers import DaemonTestCase, pseudo_random_bytes

MiB = 1024 * 1024


class FileReads(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = pseudo_random_bytes(3 * MiB + 4321, 5)
        cls.put("py/data.bin", cls.data)

    def test_random_seeks_and_reads_match_the_file(self):
        rng = random.Random(1234)
        size = len(self.data)
        with self.client.open("py/data.bin", buffering=256 * 1024) as f:
            self.assertTrue(f.readable() and f.seekable())
            for _ in range(60):
                pos = rng.randrange(0, size + 10)
                n = rng.choice([1, 7, 4096, 100_000, MiB + 3])
                self.assertEqual(f.seek(pos), pos)
                self.assertEqual(f.read(n), self.data[pos : pos + n], "read(%d) at %d" % (n, pos))
                self.assertEqual(f.tell(), min(pos + n, max(pos, size)) if pos < size else pos)

    def test_readinto_seek_end_and_whole_reads(self):
        with self.client.open("py/data.bin") as f:
            buf = bytearray(10_000)
            f.seek(-5_000, io.SEEK_END)
            self.assertEqual(f.readinto(buf), 5_000)
            self.assertEqual(bytes(buf[:5_000]), self.data[-5_000:])
            self.assertEqual(f.read(), b"", "EOF")
            f.seek(MiB - 1)
            f.seek(2, io.SEEK_CUR)
            self.assertEqual(f.read(), self.data[MiB + 1 :])
            f.seek(0)
            self.assertEqual(f.read(), self.data)

    def test_unbuffered_file(self):
        with self.client.open("py/data.bin", buffering=0) as f:
            f.seek(2 * MiB - 10)
            self.assertEqual(f.read(20), self.data[2 * MiB - 10 : 2 * MiB + 10])
            self.assertEqual(f.readall(), self.data[2 * MiB + 10 :])
        self.assertTrue(f.closed)
        with self.assertRaises(ValueError):
            f.read(1)

    def test_read_bytes_and_ranges(self):
        self.assertEqual(self.client.read_bytes("py/data.bin"), self.data)
        self.assertEqual(self.client.read_range("py/data.bin", MiB - 2, 4), self.data[MiB - 2 : MiB + 2])
        self.assertEqual(b"".join(self.client.iter_chunks("py/data.bin", 10, 2 * MiB)), self.data[10 : 2 * MiB + 10])

    def test_stat(self):
        info = self.client.stat("py/data.bin")
        self.assertEqual((info.path, info.size, info.is_dir), ("py/data.bin", len(self.data), False))
        self.assertTrue(self.client.stat("py").is_dir)

