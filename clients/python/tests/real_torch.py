"""tiercache.torch with the real PyTorch (Debian's python3-torch and
python3-torchvision) against the real daemon: the README's loop with
DataLoader workers in every multiprocessing context, DistributedSampler
shards, an epoch interrupted and resumed in a fresh process, and a real
model's checkpoint loaded in a fresh process.

Not collected by `unittest discover` (the module name does not start with
test): test/client/python-torch.test.ts runs it on its own, because it needs
torch, which it must not skip under CI.

Every sample is a PNG whose first pixel encodes its index, so a batch tells
which files it holds; the decoded tensors are also compared with the same
files decoded from local disk by torchvision.
"""

import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import unittest

import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torch.utils.data.distributed import DistributedSampler

import tiercache
from tiercache.torch import EpochPermutation, TiercacheDataset, data_loader

from .helpers import DaemonTestCase, daemon_env
from .pngs import decode, index_of, indices, make_pngs

FILES = 96
BATCH = 8
# A worker that hangs fails the test instead of the whole suite.
LOADER_TIMEOUT = 60
HERE = os.path.dirname(os.path.abspath(__file__))


class RecordingClient(tiercache.Client):
    """A real client that also keeps each plan it submitted and the daemon's answer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plans = []

    def submit_plan(self, job, epoch, paths):
        result = super().submit_plan(job, epoch, paths)
        self.plans.append((job, epoch, list(paths), result))
        return result


def recording_client():
    socket, _ = daemon_env()
    return RecordingClient(socket=socket, job="torch-tests")


def epoch_order(n, seed, epoch):
    s = EpochPermutation(n, seed)
    s.set_epoch(epoch)
    return list(s)


class RealTorch(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paths = make_pngs(cls.backend, FILES)
        cls.local = []
        for p in cls.paths:
            with Image.open(os.path.join(cls.backend, p)) as img:
                cls.local.append(TF.pil_to_tensor(img.convert("RGB")))

    def epoch(self, loader):
        """One pass: the indices in the order the loop received them; tensors checked against local disk."""
        got = []
        for batch in loader:
            for img in batch:
                i = index_of(img)
                self.assertTrue(torch.equal(img, self.local[i]), "sample %d differs from the file on disk" % i)
                got.append(i)
        return got

    def test_readme_loop_with_a_main_process_client_and_0_2_4_forked_workers(self):
        # As the README: a Client made in the main process (and used, so its
        # channel is open when the loader forks), checkpoints between epochs.
        job = "readme-%d" % os.getpid()
        client = tiercache.Client(socket=self.client.socket, job=job)
        self.assertEqual(client.list_checkpoints(job), [])
        model = torch.nn.Linear(4, 2)
        for workers in (0, 2, 4):
            ds = TiercacheDataset(self.paths, transform=decode, socket=client.socket, job="readme")
            loader = data_loader(ds, batch_size=16, seed=0, num_workers=workers, timeout=LOADER_TIMEOUT if workers else 0)
            late = tiercache.Client(socket=self.client.socket, job="readme")  # made after the loader
            seen = []
            for epoch in range(2):
                got = self.epoch(loader)
                self.assertEqual(got, epoch_order(FILES, 0, epoch), "workers=%d epoch %d" % (workers, epoch))
                seen.append(got)
                with client.checkpoint_writer(job, step=workers * 10 + epoch) as f:
                    torch.save({"model": model.state_dict(), "epoch": epoch}, f)
                self.assertEqual(late.list_checkpoints(job)[0].step, workers * 10 + epoch)
            self.assertNotEqual(seen[0], seen[1], "each epoch has its own order")
            late.close()
        client.close()

    def test_spawn_forkserver_and_persistent_workers(self):
        # Spawned workers import torch afresh (seconds each), so spawn runs with
        # persistent workers only, and the forkserver imports it once for all.
        multiprocessing.get_context("forkserver").set_forkserver_preload(["torch", "tiercache", "tests.pngs"])
        cases = [
            {"multiprocessing_context": "spawn", "persistent_workers": True},
            {"multiprocessing_context": "forkserver"},
            {"multiprocessing_context": "fork", "persistent_workers": True},
        ]
        for kw in cases:
            with self.subTest(**kw):
                ds = TiercacheDataset(self.paths, transform=decode, client_factory=recording_client)
                ds.client().stat(self.paths[0])  # the main process's channel is open
                loader = data_loader(ds, batch_size=BATCH, seed=5, num_workers=2, timeout=LOADER_TIMEOUT, **kw)
                for epoch in range(2):
                    self.assertEqual(self.epoch(loader), epoch_order(FILES, 5, epoch))
                self.assertEqual([e for _, e, _, _ in ds.client().plans], [0, 1])

    def test_distributed_sampler_ranks_plan_their_own_shards(self):
        shards = {}
        for rank in (0, 1):
            ds = TiercacheDataset(self.paths, transform=decode, job="ddp", client_factory=recording_client)
            sampler = DistributedSampler(ds, num_replicas=2, rank=rank, shuffle=True, seed=3)
            loader = data_loader(ds, batch_size=BATCH, sampler=sampler, num_workers=2, timeout=LOADER_TIMEOUT)
            for epoch in (0, 1):
                loader.sampler.set_epoch(epoch)
                got = self.epoch(loader)
                ref = DistributedSampler(ds, num_replicas=2, rank=rank, shuffle=True, seed=3)
                ref.set_epoch(epoch)
                self.assertEqual(got, list(ref), "rank %d epoch %d is the sampler's shard" % (rank, epoch))
                shards[(rank, epoch)] = got
                job, planned_epoch, planned, result = ds.client().plans[-1]
                self.assertEqual((job, planned_epoch), ("ddp", epoch))
                self.assertEqual(planned, [self.paths[i] for i in got], "the plan is this rank's shard, in order")
                self.assertEqual(result.files_accepted, len(got))
        for epoch in (0, 1):
            a, b = shards[(0, epoch)], shards[(1, epoch)]
            self.assertEqual((len(a), len(b)), (FILES // 2, FILES // 2))
            self.assertEqual(sorted(a + b), list(range(FILES)), "the two shards cover the epoch once")

    def test_checkpoint_of_a_real_model_and_a_resumed_epoch_in_a_fresh_process(self):
        # ~200 MB of state: a model of 17M float32 parameters and Adam's two moments.
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(2048, 4096), torch.nn.ReLU(), torch.nn.Linear(4096, 2048))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        model(torch.randn(4, 2048)).square().mean().backward()
        opt.step()

        # Epoch 0 in full, then epoch 1 interrupted after k batches.
        ds = TiercacheDataset(self.paths, transform=decode, client_factory=recording_client)
        loader = data_loader(ds, batch_size=BATCH, seed=11, num_workers=2, timeout=LOADER_TIMEOUT)
        self.epoch(loader)
        k, received = 5, []
        for batch in loader:  # the workers have fetched ahead; only what reached the loop counts
            received += indices(batch)
            if len(received) == k * BATCH:
                state = loader.state_dict()
                break
        self.assertEqual(state, {"epoch": 1, "position": k * BATCH, "seed": 11})
        self.assertEqual(received, epoch_order(FILES, 11, 1)[: k * BATCH])

        with self.client.checkpoint_writer("torch-ckpt", step=1) as f:
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "loader": state}, f)
        self.assertGreater(f.info.size, 190 * 1024 * 1024)

        want = {"model": _digests(model.state_dict()), "optimizer": _digests(opt.state_dict()["state"])}
        want["remaining"] = epoch_order(FILES, 11, 1)[k * BATCH :]
        want["next_epoch"] = epoch_order(FILES, 11, 2)
        want["paths"] = self.paths
        del model, opt
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
        r = subprocess.run(
            [sys.executable, "-m", "tests.real_torch_resume"],
            input=json.dumps(want).encode(),
            env=env,
            cwd=os.path.dirname(HERE),
            capture_output=True,
            timeout=170,
        )
        self.assertEqual(r.returncode, 0, r.stderr.decode()[-4000:])
        self.assertEqual(json.loads(r.stdout), {"tensors_equal": True, "resumed_as_planned": True})


def _digests(state):
    """sha256 of every tensor in a (nested) state_dict, keyed by its path."""
    out = {}

    def walk(prefix, v):
        if isinstance(v, torch.Tensor):
            out[prefix] = hashlib.sha256(v.detach().contiguous().numpy().tobytes()).hexdigest()
        elif isinstance(v, dict):
            for k2, v2 in v.items():
                walk("%s/%s" % (prefix, k2), v2)

    walk("", state)
    return out


if __name__ == "__main__":
    unittest.main()
