"""DataLoader: mini-batches of a dataset, shuffled each epoch by a seedable generator.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, device="cuda")
    for xb, yb in loader:          # every sample exactly once per epoch
        ...

The lecture's mini-batch gradient descent: each epoch is a permutation of the samples cut into
batches of ``batch_size`` (the last one smaller unless ``drop_last``). When the dataset can return
a whole batch at once (``__getitems__``, as TensorDataset does) a batch costs one gather per tensor;
otherwise samples are fetched one by one and stacked by ``collate_fn``.
"""

import collections.abc
import numbers

import numpy

from ..factories import tensor as make
from ..ops.join import stack
from ..random import default_generator
from ..tensor import Tensor
from .dataset import IterableDataset


def default_collate(samples):
    """A list of samples as one batch, as PyTorch's default_collate: tensors stacked along a new first dim,
    NumPy arrays and scalars as tensors of their dtype, Python floats as a float64 tensor, ints as int64 (bools
    as bool), strings kept as a list, and mappings, named tuples, tuples and lists field by field."""
    if not samples:
        raise ValueError("default_collate: got an empty list of samples")
    first = samples[0]
    if isinstance(first, Tensor):
        shapes = [tuple(s.shape) for s in samples]
        if any(shape != shapes[0] for shape in shapes):
            bad = next(i for i, shape in enumerate(shapes) if shape != shapes[0])
            raise ValueError(f"default_collate: samples must have equal shapes to be stacked, got {shapes[0]} at "
                             f"entry 0 and {shapes[bad]} at entry {bad}; pass collate_fn= to batch them otherwise")
        return stack(samples, 0)
    if isinstance(first, numpy.ndarray):
        if first.dtype.kind in "OUSV":
            raise TypeError(f"default_collate: cannot batch NumPy arrays of dtype {first.dtype}; pass collate_fn=")
        return make(numpy.stack(samples))
    if isinstance(first, numpy.generic):
        return make(numpy.array(samples))
    if isinstance(first, bool):
        return make(samples, dtype="bool")
    if isinstance(first, numbers.Number):
        ints = all(isinstance(v, numbers.Integral) for v in samples)
        return make(samples, dtype="int64" if ints else "float64")
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, collections.abc.Mapping):
        fields = {k: default_collate([s[k] for s in samples]) for k in first}
        try:
            return type(first)(fields)
        except TypeError:  # a mapping type that cannot be built from a dict
            return fields
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError(f"default_collate: samples have different numbers of fields "
                             f"({sorted({len(s) for s in samples})})")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        if isinstance(first, tuple):
            return type(first)(*fields) if hasattr(first, "_fields") else tuple(fields)  # (a named tuple by field)
        return fields
    raise TypeError(f"default_collate: a batch must contain tensors, NumPy arrays, numbers, strings, dicts or "
                    f"lists; found {type(first).__name__}; pass collate_fn=")


def get_worker_info():
    """PyTorch's get_worker_info: None, as in PyTorch's main process (batches are made in the calling process
    here; see DataLoader)."""
    return None


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
    """Iterate over ``dataset`` in mini-batches, with PyTorch's arguments.

    dataset: a map-style Dataset (``__len__``, ``__getitem__``) or an ``IterableDataset`` (a stream, batched in
    its own order: no shuffle, sampler or batch_sampler). batch_size: samples per batch (None: the samples one
    by one, unbatched); shuffle: a new random order
    each epoch, drawn from ``generator`` (default: the global generator seeded by ``manual_seed``);
    sampler: the order of the indices instead (a ``Sampler`` or any iterable of indices, e.g.
    ``WeightedRandomSampler``; not with shuffle); batch_sampler: lists of indices, one per batch (not
    with batch_size, shuffle, sampler or drop_last); drop_last: skip a final short batch; collate_fn:
    turns a list of samples into a batch; device: move each batch there.

    num_workers, pin_memory, timeout, worker_init_fn, prefetch_factor and persistent_workers are
    accepted so PyTorch loops port unchanged, but batches are always made in the calling process: the
    datasets here are in-memory arrays, and a batch is one gather per tensor. With num_workers > 0,
    ``worker_init_fn(0)`` runs once before each epoch, as for a single worker.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 device=None):
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, got {batch_size!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative int, got {num_workers!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or timeout < 0:
            raise ValueError(f"DataLoader: timeout must be a non-negative number, got {timeout!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle (the sampler sets "
                             "the order)")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(f"DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 f"sampler and drop_last (got batch_size={batch_size!r}, shuffle={shuffle!r}, "
                                 f"sampler={type(sampler).__name__ if sampler is not None else None}, "
                                 f"drop_last={drop_last!r})")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None (unbatched samples) is mutually exclusive with drop_last")
        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle if shuffle not in (None, False) else None), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value is not None:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                                     f"{name}={value!r} (a stream is read in its own order)")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator
        self.device = device
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)  # (an IterableDataset may raise)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self):
        if self.sampler is not None:
            return numpy.fromiter((int(i) for i in self.sampler), dtype=numpy.int64)
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

    def _index_batches(self):
        if self.batch_sampler is not None:
            for b in self.batch_sampler:
                yield numpy.asarray(b, dtype=numpy.int64)
            return
        order = self._order()
        n = len(order)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield order[start:start + self.batch_size]

    def _stream(self):
        """The batches of an IterableDataset: consecutive samples, batch_size at a time."""
        collate = self.collate_fn or default_collate
        if self.batch_size is None:
            for sample in self.dataset:
                yield sample if self.collate_fn is None else self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def __iter__(self):
        if self.num_workers > 0 and self.worker_init_fn is not None:
            self.worker_init_fn(0)
        if isinstance(self.dataset, IterableDataset):
            for batch in self._stream():
                yield batch if self.device is None else to_device(batch, self.device)
            return
        if self.batch_size is None and self.batch_sampler is None:  # unbatched: one sample at a time
            for i in self._order():
                sample = self.dataset[int(i)]
                if self.collate_fn is not None:
                    sample = self.collate_fn(sample)
                yield sample if self.device is None else to_device(sample, self.device)
            return
        for indices in self._index_batches():
            batch = self._fetch(indices)
            yield batch if self.device is None else to_device(batch, self.device)
