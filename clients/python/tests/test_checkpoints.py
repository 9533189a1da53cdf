"""Checkpoint round trips through the daemon, in the ways training code saves
them: bytes, a file object, and a writer that pickle/torch.save write into."""

import hashlib
import io
import os
import pickle

import tiercache

from .helpers import DaemonTestCase, pseudo_random_bytes

MiB = 1024 * 1024


class Checkpoints(DaemonTestCase):
    def test_round_trip_bytes_file_object_and_writer(self):
        first = pseudo_random_bytes(2 * MiB + 77, 9)
        a = self.unless_unimplemented(
            "Checkpoints.Save",
            lambda: self.client.save_checkpoint("py-job", first, step=10, metrics={"loss": 1.25}),
        )
        self.assertEqual((a.job_id, a.step, a.size), ("py-job", 10, len(first)))
        self.assertEqual(a.sha256, hashlib.sha256(first).hexdigest())
        self.assertEqual(a.metrics, {"loss": 1.25})

        second = pseudo_random_bytes(MiB + 5, 10)
        b = self.client.save_checkpoint("py-job", io.BytesIO(second), step=20, sync=True)
        self.assertEqual(b.state, "PERSISTED")

        # What torch.save does: many small writes into a file object.
        state = {"step": 30, "weights": [pseudo_random_bytes(300_000, i) for i in range(8)]}
        with self.client.checkpoint_writer("py-job", step=30, metrics={"loss": 0.5}) as w:
            pickle.dump(state, w, protocol=4)
        c = w.info
        self.assertEqual(c.step, 30)
        self.assertTrue(w.closed)

        with self.client.load_latest_checkpoint("py-job") as f:
            self.assertEqual(f.info.id, c.id)
            self.assertEqual(pickle.load(f), state, "what torch.load does: read and seek a file object")
        with self.client.load_checkpoint("py-job", a.id) as f:
            self.assertEqual(f.read(), first)
        info, chunks = self.client.checkpoint_chunks("py-job", b.id)
        self.assertEqual((info.id, b"".join(chunks)), (b.id, second))

        self.assertEqual([x.id for x in self.client.list_checkpoints("py-job")], [c.id, b.id, a.id])
        self.assertTrue(self.client.delete_checkpoint("py-job", c.id))
        self.assertFalse(self.client.delete_checkpoint("py-job", c.id), "already gone")
        with self.client.load_latest_checkpoint("py-job") as f:
            self.assertEqual((f.info.id, f.read()), (b.id, second))

    def test_hand_off_and_stream_make_the_same_checkpoint(self):
        data = pseudo_random_bytes(3 * MiB + 11, 4)
        handoff = self.client.handoff_dir()
        self.assertIsNotNone(handoff, "the daemon runs on this machine: its hand-off directory is writable")
        h = self.unless_unimplemented("Checkpoints.Save", lambda: self.client.save_checkpoint("py-both", data, step=1, transport="handoff"))
        s = self.client.save_checkpoint("py-both", data, step=2, transport="stream")
        self.assertEqual((h.size, h.sha256), (s.size, s.sha256))
        self.assertEqual(h.sha256, hashlib.sha256(data).hexdigest())
        self.assertEqual(os.listdir(handoff), [], "the hand-off file was taken over")
        with self.client.load_checkpoint("py-both", h.id) as f:
            self.assertEqual(f.read(), data)
        with self.assertRaises(RuntimeError):
            with self.client.checkpoint_writer("py-both", step=3, transport="handoff") as w:
                w.write(b"x" * MiB)
                raise RuntimeError("training crashed mid-save")
        self.assertEqual(os.listdir(handoff), [], "an abandoned hand-off leaves nothing behind")
        self.assertEqual(len(self.client.list_checkpoints("py-both")), 2)

    def test_an_exception_in_the_writer_leaves_no_checkpoint(self):
        before = self.unless_unimplemented("Checkpoints.List", lambda: self.client.list_checkpoints("py-abort"))
        with self.assertRaises(RuntimeError):
            with self.client.checkpoint_writer("py-abort", step=1, transport="stream") as w:
                w.write(pseudo_random_bytes(3 * MiB, 3))
                raise RuntimeError("training crashed mid-save")
        # A later save completing means the daemon has long seen the cancellation of the first.
        ok = self.client.save_checkpoint("py-abort", b"fine", step=2)
        self.assertEqual([x.id for x in self.client.list_checkpoints("py-abort")], [ok.id] + [x.id for x in before])

    def test_a_job_without_checkpoints_is_not_found(self):
        def load():
            try:
                self.client.load_latest_checkpoint("py-none")
            except FileNotFoundError as e:
                return e
            self.fail("expected FileNotFoundError")

        e = self.unless_unimplemented("Checkpoints.LoadLatest", load)
        self.assertIsInstance(e, tiercache.TiercacheError)

    def test_a_large_save_streams_at_the_daemons_pace(self):
        # 24 MiB is far more than the writer's queue: a refusal must surface instead of blocking the writer.
        block = bytes(range(256)) * 4096
        info = self.unless_unimplemented(
            "Checkpoints.Save", lambda: self.client.save_checkpoint("py-big", (block for _ in range(24)), step=1)
        )
        self.assertEqual(info.size, 24 * len(block))
        with self.client.load_latest_checkpoint("py-big", spool_max=MiB) as f:
            self.assertEqual(f.read(), block * 24)
