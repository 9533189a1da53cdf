"""The restarted job of real_torch's checkpoint test, run as a fresh process.

Reads from stdin what the first process saw (tensor digests, the rest of the
interrupted epoch, the next epoch's order), loads the newest checkpoint with
torch.load, resumes the loader from it, and prints
{"tensors_equal": ..., "resumed_as_planned": ...}; details of any difference go to stderr.
"""

import json
import sys

import torch

from tiercache.torch import TiercacheDataset, data_loader

from .helpers import daemon_env
from .pngs import decode, indices
from .real_torch import BATCH, LOADER_TIMEOUT, _digests, recording_client

import tiercache


def main():
    want = json.load(sys.stdin)
    socket, _ = daemon_env()
    client = tiercache.Client(socket=socket, job="torch-ckpt")
    with client.load_latest_checkpoint("torch-ckpt") as f:
        ckpt = torch.load(f)
    got = {"model": _digests(ckpt["model"]), "optimizer": _digests(ckpt["optimizer"]["state"])}
    tensors_equal = got == {"model": want["model"], "optimizer": want["optimizer"]} and len(got["model"]) == 4
    if not tensors_equal:
        print("tensors differ: %r" % ({k: len(v) for k, v in got.items()},), file=sys.stderr)

    ds = TiercacheDataset(want["paths"], transform=decode, client_factory=recording_client)
    loader = data_loader(ds, batch_size=BATCH, seed=11, num_workers=2, timeout=LOADER_TIMEOUT)
    loader.load_state_dict(ckpt["loader"])
    rest = [i for batch in loader for i in indices(batch)]
    after = [i for batch in loader for i in indices(batch)]
    plans = [(e, p) for _, e, p, _ in ds.client().plans]
    expected_plans = [(1, [want["paths"][i] for i in want["remaining"]]), (2, [want["paths"][i] for i in want["next_epoch"]])]
    resumed = rest == want["remaining"] and after == want["next_epoch"] and plans == expected_plans
    if not resumed:
        print("resumed %r\nwanted  %r\nthen %r\nplans %r" % (rest, want["remaining"], after, [(e, len(p)) for e, p in plans]), file=sys.stderr)
    json.dump({"tensors_equal": tensors_equal, "resumed_as_planned": resumed}, sys.stdout)
    client.close()


if __name__ == "__main__":
    main()
