"""tiercache.torch without torch: the Dataset reads through the daemon, and
each epoch's sampler order reaches the daemon as a plan before it is used."""

import random
import sys
import unittest

from tiercache import UnimplementedError
from tiercache.torch import TiercacheDataset

from .helpers import DaemonTestCase


class FakeClient:
    def __init__(self, fail=None):
        self.plans = []
        self.fail = fail

    def submit_plan(self, job, epoch, paths):
        if self.fail is not None:
            raise self.fail
        self.plans.append((job, epoch, list(paths)))

    def read_bytes(self, path):
        return path.encode()


class SeededSampler:
    """Like RandomSampler with a seeded generator: a new permutation each pass, reproducible."""

    def __init__(self, n, seed):
        self.n = n
        self.rng = random.Random(seed)
        self.epochs_set = []

    def __len__(self):
        return self.n

    def __iter__(self):
        order = list(range(self.n))
        self.rng.shuffle(order)
        return iter(order)

    def set_epoch(self, epoch):
        self.epochs_set.append(epoch)


class EpochSampler:
    """Like DistributedSampler: the order is a function of (seed, epoch)."""

    def __init__(self, n, seed):
        self.n = n
        self.seed = seed
        self.epoch = 0

    def __len__(self):
        return self.n

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        order = list(range(self.n))
        random.Random(self.seed * 1000 + self.epoch).shuffle(order)
        return iter(order)


def order_of(seed, epoch, n=10):
    s = EpochSampler(n, seed)
    s.set_epoch(epoch)
    return list(s)


class PlannedSampler(unittest.TestCase):
    def setUp(self):
        self.fake = FakeClient()
        self.paths = ["d/%02d.bin" % i for i in range(10)]
        self.ds = TiercacheDataset(self.paths, job="train-7", client_factory=lambda: self.fake)

    def test_each_epoch_order_is_submitted_before_it_is_read(self):
        sampler = self.ds.planned(SeededSampler(10, seed=3))
        seen = []
        for epoch in range(3):
            it = iter(sampler)
            self.assertEqual(len(self.fake.plans), epoch + 1, "plan submitted before the first item")
            order = list(it)
            seen.append(order)
            job, planned_epoch, paths = self.fake.plans[-1]
            self.assertEqual((job, planned_epoch), ("train-7", epoch))
            self.assertEqual(paths, [self.paths[i] for i in order], "the plan is exactly the order read")
        self.assertNotEqual(seen[0], seen[1])
        ref = SeededSampler(10, seed=3)
        self.assertEqual(seen, [list(ref) for _ in range(3)], "the seeded sampler's own order, unchanged")

    def test_set_epoch_overrides_and_is_forwarded(self):
        inner = SeededSampler(10, seed=1)
        sampler = self.ds.planned(inner, job="other")
        sampler.set_epoch(5)
        list(sampler)
        list(sampler)
        self.assertEqual([(j, e) for j, e, _ in self.fake.plans], [("other", 5), ("other", 6)])
        self.assertEqual(inner.epochs_set, [5, 5, 6], "the wrapped sampler is set to each epoch it draws")
        self.assertEqual(len(sampler), 10)

    def test_batch_sampler_output_is_flattened(self):
        batches = [[3, 1], [0, 2]]
        list(self.ds.planned(batches))
        self.assertEqual(self.fake.plans[0][2], ["d/03.bin", "d/01.bin", "d/00.bin", "d/02.bin"])

    def test_a_daemon_without_plans_does_not_stop_training(self):
        self.fake.fail = UnimplementedError("UNIMPLEMENTED", "Cache.SubmitPlan is not implemented")
        with self.assertLogs("tiercache", level="WARNING") as logs:
            self.assertEqual(sorted(self.ds.planned(SeededSampler(10, 2))), list(range(10)))
            list(self.ds.planned(SeededSampler(10, 2)))
        self.assertIn("does not take plans", logs.output[0])

    def test_items_are_transformed_bytes(self):
        ds = TiercacheDataset(self.paths, transform=len, client_factory=lambda: self.fake)
        self.assertEqual((len(ds), ds[3]), (10, len(b"d/03.bin")))

    def test_state_counts_what_the_loop_received_and_moves_on_at_the_end(self):
        sampler = self.ds.planned(EpochSampler(10, seed=4))
        self.assertEqual(sampler.state_dict(), {"epoch": 0, "position": 0, "seed": 4})
        it = iter(sampler)
        for _ in range(7):
            next(it)  # handed to workers: not yet received
        sampler.consumed(3)
        self.assertEqual(sampler.state_dict(), {"epoch": 0, "position": 3, "seed": 4})
        sampler.consumed(3)
        sampler.consumed(3)
        sampler.consumed(3)  # a last, short batch
        self.assertEqual(sampler.state_dict()["position"], 10)
        sampler.epoch_done()
        self.assertEqual(sampler.state_dict(), {"epoch": 1, "position": 0, "seed": 4})
        self.assertEqual(list(sampler), order_of(4, 1))

    def test_a_resumed_epoch_yields_and_plans_exactly_the_rest_in_order(self):
        sampler = self.ds.planned(EpochSampler(10, seed=4))
        sampler.load_state_dict({"epoch": 3, "position": 6, "seed": 4})
        sampler.set_epoch(3)  # what a DistributedSampler loop calls at the top of the epoch: keeps the resume
        self.assertEqual(len(sampler), 4)
        rest = list(sampler)
        self.assertEqual(rest, order_of(4, 3)[6:])
        self.assertEqual(self.fake.plans[-1], ("train-7", 3, [self.paths[i] for i in rest]))
        sampler.consumed(4)
        self.assertEqual(sampler.state_dict(), {"epoch": 3, "position": 10, "seed": 4})
        self.assertEqual(list(sampler), order_of(4, 4), "the next pass is the next epoch, in full")
        self.assertEqual((self.fake.plans[-1][1], len(sampler)), (4, 10))

    def test_resuming_with_another_seed_or_past_the_end_is_refused(self):
        sampler = self.ds.planned(EpochSampler(10, seed=4))
        with self.assertRaisesRegex(ValueError, "saved with seed 5 and this sampler has seed 4"):
            sampler.load_state_dict({"epoch": 1, "position": 2, "seed": 5})
        with self.assertRaisesRegex(ValueError, "position 11 of an epoch of 10"):
            sampler.load_state_dict({"epoch": 1, "position": 11, "seed": 4})
        self.assertEqual(sampler.state_dict(), {"epoch": 0, "position": 0, "seed": 4})

    def test_torch_is_not_imported(self):
        self.assertNotIn("torch", sys.modules)


class DatasetOverDaemon(DaemonTestCase):
    def test_items_read_through_the_daemon(self):
        self.put("ds/a.bin", b"alpha")
        self.put("ds/b.bin", b"beta")
        ds = TiercacheDataset(["ds/a.bin", "ds/b.bin"], socket=self.client.socket, job="py-ds")
        self.assertEqual([ds[1], ds[0]], [b"beta", b"alpha"])
        # Picklable for spawned DataLoader workers, without the live client.
        import pickle

        clone = pickle.loads(pickle.dumps(ds))
        self.assertEqual(clone[0], b"alpha")
        self.assertEqual(sorted(ds.planned([1, 0])), [0, 1])
