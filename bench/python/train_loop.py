"""Driver of bench/python-loader.ts, under Debian's /usr/bin/python3 with torch.

    train_loop.py make DIR N         writes N small PNGs under DIR/train/
    train_loop.py run SOCKET DIR N   prints one JSON object of figures

`run` measures, in this order, samples/s of a training-shaped loop (decode a
PNG, one step of a small CNN on each batch) with DataLoader workers:
  local   - a Dataset that reads DIR/train/* with open() (after one warm-up pass)
  first   - TiercacheDataset's first epoch (cold: the daemon fetches from its backend)
  second  - TiercacheDataset's second epoch (from the daemon's cache)
and the client's cost per file of one unary Read vs one ReadStream, per size.
"""

import io
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../clients/python"))

import tiercache  # noqa: E402
from tiercache.torch import EpochPermutation, TiercacheDataset, data_loader  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

BATCH = 32
WORKERS = 4
SIDE = 64
READ_SIZES = (16 * 1024, 128 * 1024, 512 * 1024, 2 * 1024 * 1024, 8 * 1024 * 1024)


def decode(data):
    img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(img).permute(2, 0, 1)


class LocalDataset:
    """The baseline: the same files and decode, read from local disk with open()."""

    def __init__(self, root, paths):
        self.root = root
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with open(os.path.join(self.root, self.paths[i]), "rb") as f:
            return decode(f.read())


def model_and_step():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(4),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(32, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    target = torch.zeros(BATCH, dtype=torch.long)

    def step(batch):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(batch), target[: len(batch)])
        loss.backward()
        opt.step()

    return step


def samples_per_second(loader, step, timing=None):
    t0 = time.perf_counter()
    n = 0
    first = None
    for batch in loader:
        if first is None:
            first = time.perf_counter() - t0
        step(batch)
        n += len(batch)
    secs = time.perf_counter() - t0
    if timing is not None:
        # Time to the first batch is worker start-up plus the plan's submission;
        # the rest is the steady state the cache is meant to speed up.
        timing.update({"secs": secs, "first_batch_secs": first, "steady_sps": (n - len(batch)) / max(1e-9, secs - first)})
    return n / secs


def daemon_counters(client):
    """Memory-tier hits/misses and backend reads so far (Admin.Stats)."""
    from tiercache._proto import admin_pb2  # noqa: PLC0415

    s = client._unary("admin", "Stats", admin_pb2.StatsRequest(type="all"))
    return {"memory_hits": s.memory.hits, "memory_misses": s.memory.misses, "backend_reads": s.backend_reads}


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


def read_costs(client, root):
    """Seconds per file of read_range (one unary Read) and of iter_chunks (one stream), per size."""
    out = []
    for size in READ_SIZES:
        rel = "sizes/%d.bin" % size
        os.makedirs(os.path.join(root, "sizes"), exist_ok=True)
        with open(os.path.join(root, rel), "wb") as f:
            f.write(os.urandom(size))
        client.read_range(rel)  # cached from here on
        reps = max(10, min(400, (64 << 20) // size))
        best = {}
        for name, fn in (("unary", lambda: client.read_range(rel)), ("stream", lambda: b"".join(client.iter_chunks(rel)))) * 3:
            t0 = time.perf_counter()
            for _ in range(reps):
                fn()
            best[name] = min(best.get(name, float("inf")), (time.perf_counter() - t0) / reps)
        out.append({"size": size, "unary": best["unary"], "stream": best["stream"]})
    return out


def make(root, n):
    rng = np.random.default_rng(1)
    d = os.path.join(root, "train")
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        # Smooth noise compresses like a photo thumbnail, not like random bytes.
        small = rng.integers(0, 256, (SIDE // 4, SIDE // 4, 3), dtype=np.uint8)
        img = Image.fromarray(small).resize((SIDE, SIDE), Image.BILINEAR)
        img.save(os.path.join(d, "%06d.png" % i))


def run(socket, root, n):
    torch.set_num_threads(1)
    paths = ["train/%06d.png" % i for i in range(n)]
    step = model_and_step()
    # The same random order as data_loader's, without plans.
    local = DataLoader(LocalDataset(root, paths), batch_size=BATCH, sampler=EpochPermutation(n, 0), num_workers=WORKERS)
    samples_per_second(local, step)  # warm the page cache and the model
    local_sps = samples_per_second(local, step)
    ds = TiercacheDataset(paths, transform=decode, socket=socket, job="bench-train")
    loader = data_loader(ds, batch_size=BATCH, seed=0, num_workers=WORKERS)
    client = tiercache.Client(socket=socket)
    epochs = [{}, {}]
    c0 = daemon_counters(client)
    first = samples_per_second(loader, step, epochs[0])
    c1 = daemon_counters(client)
    second = samples_per_second(loader, step, epochs[1])
    c2 = daemon_counters(client)
    epochs[0].update(delta(c0, c1))
    epochs[1].update(delta(c1, c2))
    costs = read_costs(client, root)
    avg = sum(os.path.getsize(os.path.join(root, p)) for p in paths) / n
    json.dump({"local": local_sps, "first": first, "second": second, "epochs": epochs, "reads": costs, "avgFileBytes": avg}, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]))
