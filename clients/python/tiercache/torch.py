"""PyTorch integration: a map-style Dataset over backend paths whose epoch
order is submitted to the daemon as a plan, so it can fetch ahead of the
loader, and epochs that resume where a restarted job stopped.

torch is imported only by data_loader(); the Dataset and the sampler wrapper
are plain Python (DataLoader accepts any object with __getitem__/__len__ as a
dataset and any iterable as a sampler).

    from tiercache.torch import TiercacheDataset, data_loader
    ds = TiercacheDataset(paths, transform=decode, job="resnet-42")
    loader = data_loader(ds, batch_size=64, seed=0, num_workers=4)
    for epoch in range(10):
        for batch in loader:  # each epoch's order reaches the daemon before the first batch
            ...

The Client is fork-safe (see connection.py), so the dataset keeps one, made
lazily: forked workers inherit it and open their own channel, spawned ones
get it pickled without its channel.

Resuming: an epoch's order is a function of (seed, epoch) (data_loader's
sampler draws torch.randperm with seed + epoch, as DistributedSampler does),
so `loader.state_dict()` = {epoch, position, seed} is enough to replay the
rest of it. position counts the samples the training loop has received, not
what the sampler handed to the workers (they run ahead by the prefetch depth):
data_loader's loader advances it as each batch reaches the loop.
"""

import logging

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

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        data = self.client().read_bytes(self.paths[index])
        return self.transform(data) if self.transform is not None else data

    def stream(self, indices):
        """transform(bytes) of each index in order, over one ReadFiles stream instead of a call per item.

        For an IterableDataset's __iter__ (or any loop): the daemon reads the
        next files while one is being decoded. A file that cannot be read
        raises its error when its turn comes (FileNotFoundError...).
        """
        for r in self.client().read_files(self.paths[i] for i in indices):
            if r.error is not None:
                raise r.error
            yield self.transform(r.data) if self.transform is not None else r.data

    def client(self):
        """The dataset's client (one object; each process that uses it opens its own channel)."""
        if self._client is None:
            make = self._client_factory
            self._client = make() if make is not None else Client(socket=self.socket, job=self.job)
        return self._client

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
    loader reads, seeded or not. `epoch` is the epoch a pass draws; a pass
    after a pass moves to the next epoch. set_epoch() (as DistributedSampler
    users call it) sets it and is forwarded to the wrapped sampler, which must
    then draw that epoch's order. A failed plan is logged once and training
    goes on: plans are hints.

    state_dict() is {epoch, position, seed}: `position` samples of `epoch`
    were consumed (consumed() is told so by the loader). After
    load_state_dict(), the next pass draws that epoch's order again, skips
    the first `position` samples, submits the rest as the plan and yields it.
    """

    def __init__(self, sampler, dataset, job=None, start_epoch=0):
        self.sampler = sampler
        self.dataset = dataset
        self.job = job or dataset.job or "default"
        self.epoch = start_epoch
        self.position = 0
        # Samples the current (or next) pass skips: the resumed position.
        self._skip = 0
        # True once a pass over `epoch` started; the next pass is epoch + 1.
        self._started = False
        self._warned = False

    def __len__(self):
        """Samples of the coming (or current) pass: fewer when it resumes an epoch."""
        return len(self.sampler) - self._skip

    @property
    def seed(self):
        """The wrapped sampler's seed (DistributedSampler and data_loader's sampler have one), else None."""
        seed = getattr(self.sampler, "seed", None)
        return int(seed) if seed is not None else None

    def set_epoch(self, epoch):
        self._move_to(epoch)
        if callable(getattr(self.sampler, "set_epoch", None)):
            self.sampler.set_epoch(epoch)

    def _move_to(self, epoch):
        """The next pass draws `epoch`; a pending resume is kept only if it is for that epoch."""
        if epoch != self.epoch or self._started:
            self._skip = 0
            self.position = 0
        self.epoch = epoch
        self._started = False

    def consumed(self, n):
        """`n` more samples of the current pass reached the training loop."""
        self.position = min(self.position + n, len(self.sampler))

    def epoch_done(self):
        """The current pass was consumed to its end: the state moves to the start of the next epoch."""
        self._move_to(self.epoch + 1)

    def state_dict(self):
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed}

    def load_state_dict(self, state):
        """Resumes at state["epoch"], after its first state["position"] samples."""
        seed = state.get("seed")
        if seed is not None and self.seed is not None and int(seed) != self.seed:
            raise ValueError(
                "cannot resume: the state was saved with seed %d and this sampler has seed %d "
                "(the epoch's order would differ)" % (int(seed), self.seed)
            )
        position = int(state.get("position", 0))
        if position < 0 or position > len(self.sampler):
            raise ValueError("cannot resume at position %d of an epoch of %d samples" % (position, len(self.sampler)))
        self.set_epoch(int(state["epoch"]))
        self.position = self._skip = position

    def __iter__(self):
        if self._started:
            self._move_to(self.epoch + 1)
        self._started = True
        if callable(getattr(self.sampler, "set_epoch", None)):
            self.sampler.set_epoch(self.epoch)  # the order is the epoch's, also when resuming it
        order = list(self.sampler)
        if self._skip:
            if any(isinstance(item, (list, tuple)) for item in order):
                raise ValueError("resuming inside an epoch needs a sampler of indices, not of batches")
            order = order[self._skip :]
        self.position = self._skip
        paths = [self.dataset.paths[i] for i in _flatten(order)]
        self._submit(self.epoch, paths)
        return iter(order)

    def _submit(self, epoch, paths):
        try:
            self.dataset.client().submit_plan(self.job, epoch, paths)
        except (TiercacheError, ConnectionError) as e:
            if not self._warned:
                self._warned = True
                what = "the daemon does not take plans" if isinstance(e, UnimplementedError) else str(e)
                log.warning("tiercache: epoch plans not submitted (%s); reading without them", what)


class EpochPermutation:
    """A random order of range(n) that is a function of (seed, epoch), like DistributedSampler's,
    so an interrupted epoch can be drawn again in a new process."""

    def __init__(self, n, seed=0):
        self.n = n
        self.seed = int(seed)
        self.epoch = 0

    def __len__(self):
        return self.n

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        import torch  # noqa: PLC0415

        g = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(self.n, generator=g).tolist())


class _Sequential:
    seed = None

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        return iter(range(self.n))


_loader_class = []


def _planned_loader_class():
    """DataLoader whose iterator tells the planned sampler how many samples reached the loop."""
    if _loader_class:
        return _loader_class[0]
    from torch.utils.data import DataLoader  # noqa: PLC0415

    class PlannedDataLoader(DataLoader):
        """A DataLoader over a PlannedSampler; state_dict()/load_state_dict() resume an epoch."""

        @property
        def planned_sampler(self):
            return self.sampler

        def state_dict(self):
            return self.planned_sampler.state_dict()

        def load_state_dict(self, state):
            self.planned_sampler.load_state_dict(state)

        def set_epoch(self, epoch):
            self.planned_sampler.set_epoch(epoch)

        def __iter__(self):
            return _counted(super().__iter__(), self.planned_sampler, self.batch_size or 1)

    _loader_class.append(PlannedDataLoader)
    return PlannedDataLoader


def _counted(batches, sampler, batch_size):
    # Batches arrive in sampler order; the k-th holds the k-th batch_size indices of the pass.
    for batch in batches:
        sampler.consumed(batch_size)
        yield batch
    sampler.epoch_done()


def data_loader(dataset, batch_size=1, seed=0, shuffle=True, sampler=None, job=None, start_epoch=0, **kwargs):
    """A torch DataLoader over `dataset` whose epoch orders become plans and whose epochs resume.

    The order is a seeded permutation per epoch (shuffle=True), the files in
    order (shuffle=False), or `sampler`'s (e.g. a DistributedSampler: each
    rank plans its own shard). Each pass over the loader is one epoch,
    numbered from start_epoch; loader.state_dict() / load_state_dict()
    save and resume the position in it. Other DataLoader arguments
    (num_workers, collate_fn, multiprocessing_context, ...) pass through.
    """
    if sampler is None:
        sampler = EpochPermutation(len(dataset), seed) if shuffle else _Sequential(len(dataset))
    if "batch_sampler" in kwargs:
        raise ValueError("data_loader makes its own batches; pass sampler= and batch_size= instead of batch_sampler=")
    planned = dataset.planned(sampler, job=job, start_epoch=start_epoch)
    return _planned_loader_class()(dataset, batch_size=batch_size, sampler=planned, **kwargs)
