"""A Client crosses fork() and pickling: DataLoader workers are forked (or
spawned) from a process whose Client has already talked to the daemon."""

import os
import pickle

from tiercache import _grpc

from .helpers import DaemonTestCase, pseudo_random_bytes

MiB = 1024 * 1024


def in_child(fn):
    """Runs fn() in a forked child; returns its exit status (0 = fn returned True)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if fn() else 2
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


class Fork(DaemonTestCase):
    def test_grpc_fork_support_is_on_when_tiercache_is_imported_first(self):
        self.assertTrue(_grpc.FORK_SUPPORT)

    def test_a_client_used_before_fork_works_in_the_child_and_after_in_the_parent(self):
        small = self.put("fork/small.bin", pseudo_random_bytes(300_000, 3))
        want = self.client.read_bytes(small)  # the channel is open when the process forks
        for _ in range(3):
            self.assertEqual(in_child(lambda: self.client.read_bytes(small) == want), 0)
            self.assertEqual(self.client.read_bytes(small), want)

    def test_a_stream_in_flight_survives_the_fork_on_both_sides(self):
        data = os.urandom(8 * MiB)
        big = self.put("fork/big.bin", data)
        small = self.put("fork/small2.bin", b"small")
        chunks = self.client.iter_chunks(big)
        first = next(chunks)
        self.assertEqual(in_child(lambda: self.client.read_bytes(small) == b"small"), 0)
        self.assertEqual(first + b"".join(chunks), data)

    def test_a_pickled_client_reaches_the_same_daemon(self):
        self.put("fork/p.bin", b"pickled")
        clone = pickle.loads(pickle.dumps(self.client))
        self.assertEqual((clone.socket, clone.job), (self.client.socket, self.client.job))
        self.assertEqual(clone.read_bytes("fork/p.bin"), b"pickled")
        clone.close()
