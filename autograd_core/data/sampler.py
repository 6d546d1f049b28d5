"""Samplers: the order in which a DataLoader visits a dataset's indices, as ``torch.utils.data``'s.

    sampler = WeightedRandomSampler(weights, num_samples=len(dataset), replacement=True)
    loader = DataLoader(dataset, batch_size=64, sampler=sampler)     # rare classes drawn more often

A sampler is an iterable of indices with a length; ``BatchSampler`` groups another sampler's indices
into lists. Random samplers draw from a ``Generator`` (default: the global one, seeded by
``manual_seed``), so a seeded run repeats its order.
"""

import numbers

import numpy

from ..random import default_generator
from ..tensor import Tensor


class Sampler:
    """Base class: subclasses define ``__iter__`` (the indices) and usually ``__len__``."""

    def __iter__(self):
        raise NotImplementedError

    def __len__(self):
        raise TypeError(f"{type(self).__name__} has no length")


def _count(value, name, owner, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the indices (a permutation; with ``replacement``, ``num_samples`` independent
    uniform draws). Without replacement, ``num_samples`` larger than the dataset repeats whole
    permutations, as PyTorch does."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be a bool, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = _count(num_samples, "num_samples", "RandomSampler", allow_none=True)
        self.generator = generator

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, gen = len(self.data_source), self.generator or default_generator()
        if n == 0:
            return iter(())
        if self.replacement:
            return iter(gen.integers(0, n, (self.num_samples,)).tolist())
        full, rest = divmod(self.num_samples, n)
        parts = [gen.permutation(n) for _ in range(full)] + ([gen.permutation(n)[:rest]] if rest else [])
        return iter(numpy.concatenate(parts).tolist() if parts else [])

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each epoch."""

    def __init__(self, indices, generator=None):
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self):
        order = (self.generator or default_generator()).permutation(len(self.indices))
        return iter([self.indices[i] for i in order])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in [0, len(weights)), index i drawn with probability weights[i] / sum(weights)
    (with ``replacement``; without, each index at most once, drawn in turn from what is left)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        w = weights.detach().cpu().numpy() if isinstance(weights, Tensor) else numpy.asarray(weights)
        w = numpy.asarray(w, dtype=numpy.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights must be 1-d, got shape {w.shape}")
        if not numpy.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and not all zero, got "
                             f"{numpy.array2string(w, threshold=8)}")
        if not isinstance(replacement, bool):
            raise TypeError(f"WeightedRandomSampler: replacement must be a bool, got {replacement!r}")
        self.num_samples = _count(num_samples, "num_samples", "WeightedRandomSampler")
        if not replacement and self.num_samples > int((w > 0).sum()):
            raise ValueError(f"WeightedRandomSampler: can't draw {self.num_samples} samples without replacement "
                             f"from {int((w > 0).sum())} indices of non-zero weight")
        self.weights, self.replacement, self.generator = w, replacement, generator

    def __iter__(self):
        gen = self.generator or default_generator()
        p = self.weights / self.weights.sum()
        if self.replacement:
            u = gen.random((self.num_samples,))
            idx = numpy.searchsorted(numpy.cumsum(p), u, side="right")
            return iter(numpy.minimum(idx, len(p) - 1).tolist())
        # without replacement: the k largest keys u^(1/w) (Efraimidis and Spirakis), one draw per index
        u = gen.random((len(p),))
        with numpy.errstate(divide="ignore"):
            keys = numpy.where(p > 0, numpy.log(u) / numpy.where(p > 0, p, 1.0), -numpy.inf)
        return iter(numpy.argsort(-keys, kind="stable")[:self.num_samples].tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (the last shorter unless ``drop_last``)."""

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler = sampler
        self.batch_size = _count(batch_size, "batch_size", "BatchSampler")
        if not isinstance(drop_last, bool):
            raise TypeError(f"BatchSampler: drop_last must be a bool, got {drop_last!r}")
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(int(i))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
