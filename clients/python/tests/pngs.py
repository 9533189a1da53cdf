"""Sample files for the real-torch tests: PNGs whose first pixel encodes their index.

Kept apart from real_torch.py so that spawned DataLoader workers, which
unpickle decode() from here, import only torch, numpy and PIL.
"""

import io
import os

import numpy as np
import torch
from PIL import Image


def decode(data):
    """PNG bytes -> uint8 CHW tensor."""
    return torch.from_numpy(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).copy()).permute(2, 0, 1)


def index_of(img):
    return int(img[0, 0, 0]) + 256 * int(img[1, 0, 0])


def indices(batch):
    return [index_of(img) for img in batch]


def make_pngs(backend, n, prefix="png", size=24):
    """n size x size PNGs of seeded noise; pixel (0, 0) holds the index."""
    g = torch.Generator().manual_seed(7)
    os.makedirs(os.path.join(backend, prefix), exist_ok=True)
    paths = []
    for i in range(n):
        px = torch.randint(0, 256, (size, size, 3), generator=g, dtype=torch.uint8)
        px[0, 0, 0], px[0, 0, 1] = i % 256, i // 256
        rel = "%s/%05d.png" % (prefix, i)
        Image.fromarray(px.numpy()).save(os.path.join(backend, rel))
        paths.append(rel)
    return paths
