"""PyTorch integration: a map-style Dataset over backend paths whose epoch
order is submitted to the daemon as a plan, so it can fetch ahead of the loader.

torch is imported only by data_loader(); the Dataset and the sampler wrapper
are plain Python (DataLoader accepts any object with __getitem__/__len__ as a
dataset and any iterable as a sampler).

    from tiercache.torch import TiercacheDataset, data_loader
    ds = TiercacheDataset(paths, transform=decode, job="resnet-42")
    loader = data_loader(ds, batch_size=64, seed=0, num_workers=4)
    for epoch in range(10):
        for batch in loader:  # each epoch's order reaches the daemon before the first batch
            ...
"""

import logging
import os

from .client import Client
from .errors import TiercacheError, UnimplementedError

log = logging.getLogger("tiercache")


class TiercacheDataset:
    """Item i is transform(bytes of paths[i]) read through the cache (raw bytes without a transform)."""

    def __init__(self, paths, transform=None, socket=None, job=None, client_factory=None):
        self.paths = list(paths)
        self.transform = transform
        self.socket = socket
        self.job = job
        self._client_factory = client_factory
        self._client = None
        self._client_pid = None

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        data = self.client().read_bytes(self.paths[index])
        return self.transform(data) if self.transform is not None else data

    def client(self):
        """This process's client: DataLoader workers are forked, and a gRPC channel must not cross a fork."""
        if self._client is None or self._client_pid != os.getpid():
            make = self._client_factory
            self._client = make() if make is not None else Client(socket=self.socket, job=self.job)
            self._client_pid = os.getpid()
        return self._client

    def __getstate__(self):
        # Spawned workers get the dataset pickled; each makes its own client.
        state = dict(self.__dict__)
        state["_client"] = None
        state["_client_pid"] = None
        return state

    def planned(self, sampler, job=None, start_epoch=0):
        """Wraps a sampler so that each epoch's order is submitted as a plan before it is used."""
        return PlannedSampler(sampler, self, job=job, start_epoch=start_epoch)


def _flatten(order):
    """Indices of a sampler's output; batch samplers yield lists of indices."""
    for item in order:
        if isinstance(item, (list, tuple)):
            yield from item
        else:
            yield int(item)


class PlannedSampler:
    """A sampler whose epoch order is materialized once, submitted as a plan, then yielded unchanged.

    Because the order is drawn once and replayed, the plan is exactly what the
    loader reads, seeded or not. The epoch number counts up from start_epoch on
    each pass; set_epoch() (as DistributedSampler users call it) overrides it
    and is forwarded to the wrapped sampler. A failed plan is logged once and
    training goes on: plans are hints.
    """

    def __init__(self, sampler, dataset, job=None, start_epoch=0):
        self.sampler = sampler
        self.dataset = dataset
        self.job = job or dataset.job or "default"
        self.epoch = start_epoch
        self._warned = False

    def __len__(self):
        return len(self.sampler)

    def set_epoch(self, epoch):
        self.epoch = epoch
        if callable(getattr(self.sampler, "set_epoch", None)):
            self.sampler.set_epoch(epoch)

    def __iter__(self):
        epoch = self.epoch
        self.epoch += 1
        order = list(self.sampler)
        paths = [self.dataset.paths[i] for i in _flatten(order)]
        self._submit(epoch, paths)
        return iter(order)

    def _submit(self, epoch, paths):
        try:
            self.dataset.client().submit_plan(self.job, epoch, paths)
        except (TiercacheError, ConnectionError) as e:
            if not self._warned:
                self._warned = True
                what = "the daemon does not take plans" if isinstance(e, UnimplementedError) else str(e)
                log.warning("tiercache: epoch plans not submitted (%s); reading without them", what)


def data_loader(dataset, batch_size=1, seed=0, shuffle=True, job=None, start_epoch=0, **kwargs):
    """A torch DataLoader over `dataset` with a seeded sampler whose epoch orders become plans.

    Each pass over the loader is one epoch, numbered from start_epoch; other
    DataLoader arguments (num_workers, collate_fn, ...) pass through.
    """
    import torch  # noqa: PLC0415 - torch is optional for the rest of the package
    from torch.utils.data import DataLoader, RandomSampler, SequentialSampler

    if shuffle:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    else:
        sampler = SequentialSampler(dataset)
    return DataLoader(dataset, batch_size=batch_size, sampler=dataset.planned(sampler, job=job, start_epoch=start_epoch), **kwargs)
