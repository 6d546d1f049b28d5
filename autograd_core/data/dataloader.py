"""DataLoader: mini-batches of a dataset, shuffled each epoch by a seedable generator.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, device="cuda")
    for xb, yb in loader:          # every sample exactly once per epoch
        ...

The lecture's mini-batch gradient descent: each epoch is a permutation of the samples cut into
batches of ``batch_size`` (the last one smaller unless ``drop_last``). When the dataset can return
a whole batch at once (``__getitems__``, as TensorDataset does) a batch costs one gather per tensor;
otherwise samples are fetched one by one and stacked by ``collate_fn``.
"""

import numbers

import numpy

from ..factories import tensor as make
from ..ops.join import stack
from ..random import default_generator
from ..tensor import Tensor


def default_collate(samples):
    """Stack a list of samples: tensors along a new first dim, numbers into a tensor, and tuples, lists
    and dicts element by element."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples, 0)
    if isinstance(first, numpy.ndarray):
        return make(numpy.stack(samples))
    if isinstance(first, (bool, numbers.Number, numpy.generic)):
        return make(samples)
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: samples have different numbers of fields")
        return type(first)(default_collate(list(field)) for field in zip(*samples)) if isinstance(first, tuple) \
            else [default_collate(list(field)) for field in zip(*samples)]
    raise TypeError(f"default_collate: don't know how to batch a {type(first).__name__}; pass collate_fn=")


def to_device(batch, device):
    """Move every tensor in a (nested) batch to ``device``."""
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


class DataLoader:
    """Iterate over ``dataset`` in mini-batches.

    batch_size: samples per batch; shuffle: a new random order each epoch, drawn from ``generator``
    (default: the global generator seeded by ``manual_seed``); drop_last: skip a final short batch;
    collate_fn: turns a list of samples into a batch; device: move each batch there.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None, generator=None,
                 device=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator
        self.device = device

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if self.shuffle:
            return (self.generator or default_generator()).permutation(n)
        return numpy.arange(n)

    def _fetch(self, indices):
        ds = self.dataset
        if self.collate_fn is None and hasattr(ds, "__getitems__"):
            batch = ds.__getitems__(indices)
            if isinstance(batch, list):  # a per-sample list (e.g. a Subset of a plain dataset)
                batch = default_collate(batch)
            return batch
        samples = [ds[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)

    def __iter__(self):
        order = self._order()
        n = len(order)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            batch = self._fetch(order[start:start + self.batch_size])
            yield batch if self.device is None else to_device(batch, self.device)
