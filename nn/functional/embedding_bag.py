"""``embedding_bag``: the sums, means or maxima of bags of embedding rows, without building the (entries, D)
lookups one bag at a time (PyTorch's ``F.embedding_bag``).

Bags: a 2-D input (B, N) is B bags of N indices each; a 1-D input of M indices is cut into bags by ``offsets``
(bag b is input[offsets[b] : offsets[b + 1]], the last running to the end of the input, or, with
``include_last_offset``, offsets has B + 1 entries and the last one ends bag B - 1). With per-sample weights
w_i (mode 'sum' only) and the entries i of bag b other than ``padding_idx``:

    sum:   out[b] = sum_i w_i W[x_i]                 dL/dW[x_i] += w_i dL/dout[b],  dL/dw_i = W[x_i] . dL/dout[b]
    mean:  out[b] = (1 / n_b) sum_i W[x_i]           n_b = the number of such entries (an empty bag gives 0)
    max:   out[b, d] = max_i W[x_i, d]               the gradient goes to the first maximum of each d

An empty bag (or one of padding only) gives a zero row. It is built from the embedding ops, so gradients of
every order flow: the lookup W[x] is ``EmbeddingLookup``, the sum over each bag is ``EmbeddingScatter`` (a
scatter-add into B rows, the lookup's adjoint), the maximum a masked ``max`` over a (B, longest bag, D) lookup.
"""

import math

import autograd_core as ag
from autograd_core import Tensor, int64
from autograd_core.tensor import make_tensor

from .embedding import EmbeddingLookup, EmbeddingScatter

_MODES = ("sum", "mean", "max")


def _check_args(input, weight, offsets, per_sample_weights, mode, what):
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor of integer indices, got {type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{what}: weight must be a Tensor, got {type(weight).__name__}")
    if input.dtype.kind not in "iu":
        raise TypeError(f"{what}: input must be an integer tensor of indices (int64 or int32), got dtype "
                        f"{input.dtype.name}")
    if weight.ndim != 2:
        raise ValueError(f"{what}: weight has to be a 2D Tensor (num_embeddings, embedding_dim), but got Tensor of "
                         f"dimension {weight.ndim} (shape {tuple(weight.shape)})")
    if weight.dtype.kind != "f":
        raise TypeError(f"{what}: weight must be floating point, got dtype {weight.dtype.name}")
    for name, t in (("input", input), ("offsets", offsets), ("per_sample_weights", per_sample_weights)):
        if t is not None and isinstance(t, Tensor) and t._backend is not weight._backend:
            raise RuntimeError(f"{what}: weight is on {weight.device} but {name} is on {t.device}")
    if per_sample_weights is not None:
        if not isinstance(per_sample_weights, Tensor):
            raise TypeError(f"{what}: per_sample_weights must be a Tensor or None, got "
                            f"{type(per_sample_weights).__name__}")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"{what}: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then it "
                             f"must have the same shape as the input ({tuple(input.shape)})")
        if per_sample_weights.dtype != weight.dtype:
            raise TypeError(f"{what}: per_sample_weights has dtype {per_sample_weights.dtype.name} but weight has "
                            f"{weight.dtype.name}; they must be the same")
    if mode not in _MODES:
        raise ValueError(f"{what}: mode has to be one of sum, mean or max, got {mode!r}")


def _bags(input, offsets, include_last_offset, what):
    """(indices (M,), bag of each entry (M,), entry counts toward a bag (M,) bool, starts (B,), lengths (B,) on the
    device, B, the longest bag) for a 2-D input or a 1-D input with offsets."""
    xp = input._backend.xp
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{what}: if input is 2D, then offsets has to be None, as input is treated is a "
                             f"mini-batch of fixed length sequences. However, found offsets of type "
                             f"{type(offsets).__name__}")
        b, n = input.shape
        m = b * n
        entries = xp.arange(m, dtype=int64)
        bag = entries // n if n else entries
        return (input._data.reshape(-1), bag, xp.ones(m, dtype=bool), xp.arange(b, dtype=int64) * n,
                xp.full((b,), n, dtype=int64), b, n)
    if input.ndim != 1:
        raise ValueError(f"{what}: input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim} (shape "
                         f"{tuple(input.shape)})")
    if offsets is None:
        raise ValueError(f"{what}: offsets has to be a 1D Tensor but got None")
    if not isinstance(offsets, Tensor) or offsets.ndim != 1 or offsets.dtype.kind not in "iu":
        got = f"shape {tuple(offsets.shape)}, dtype {offsets.dtype.name}" if isinstance(offsets, Tensor) else \
            type(offsets).__name__
        raise ValueError(f"{what}: offsets has to be a 1D Tensor of integers, got {got}")
    m = input.shape[0]
    off = [int(v) for v in offsets._backend.to_host(offsets._data).tolist()]  # B + 1 ints: one small transfer
    if off and off[0] != 0:
        raise ValueError(f"{what}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                         f"from position 0. However, got {off[0]}")
    for k in range(1, len(off)):
        if off[k] < off[k - 1]:
            raise ValueError(f"{what}: offsets must be non-decreasing, got offsets[{k - 1}] = {off[k - 1]} > "
                             f"offsets[{k}] = {off[k]}")
    if off and off[-1] > m:
        raise ValueError(f"{what}: offsets[-1] can not be greater than input's length {m} but got offsets[-1] of "
                         f"{off[-1]}")
    if include_last_offset:
        if not off:
            raise ValueError(f"{what}: with include_last_offset=True, offsets needs at least one entry (the end of "
                             f"the last bag), got an empty tensor")
        starts, end = off[:-1], off[-1]
    else:
        starts, end = off, m
    b = len(starts)
    ends = starts[1:] + [end]
    lengths = [e - s for s, e in zip(starts, ends)]
    starts_d = xp.asarray(starts, dtype=int64)
    entries = xp.arange(m, dtype=int64)
    bag = xp.searchsorted(starts_d, entries, side="right") - 1 if b else xp.zeros(m, dtype=int64)
    return (input._data, xp.maximum(bag, 0), entries < end, starts_d, xp.asarray(lengths, dtype=int64), b,
            max(lengths, default=0))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """The sum, mean or max (``mode``, default 'mean') of the embedding rows W[x_i] over each bag of indices:
    (B, embedding_dim) for B bags (formulas and bag layout in the module docstring).

    input: (B, N) (B bags of N) with ``offsets=None``, or (M,) with ``offsets`` (B,) (the start of each bag; with
    ``include_last_offset=True`` (B + 1,), the last the end of the last bag). ``per_sample_weights`` (the input's
    shape) scales each row (mode 'sum' only). Entries equal to ``padding_idx`` are left out of their bag (and out
    of the mean's count); the row gets no gradient. Indices must be in [0, num_embeddings - 1].

    ``max_norm`` and ``scale_grad_by_freq`` (like ``embedding``, which has neither here) and ``sparse`` gradients
    are not supported: anything but their defaults raises NotImplementedError.
    """
    what = "embedding_bag"
    _check_args(input, weight, offsets, per_sample_weights, mode, what)
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(f"{what}: max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError(f"{what}: max mode does not support sparse weights")
    for name, value, default in (("max_norm", max_norm, None), ("scale_grad_by_freq", scale_grad_by_freq, False),
                                 ("sparse", sparse, False)):
        if value != default:
            raise NotImplementedError(f"{what}: {name}={value!r} is not supported (only {name}={default!r}); the "
                                      f"embedding ops here have no {name}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{what}: per_sample_weights was not None. per_sample_weights is only supported "
                                  f"for mode='sum' (got mode={mode!r})")
    rows, dim = weight.shape
    if padding_idx is not None:
        if isinstance(padding_idx, bool) or not isinstance(padding_idx, int) or not -rows <= padding_idx < rows:
            raise ValueError(f"{what}: padding_idx must be within the number of embeddings, {-rows} through "
                             f"{rows - 1}, but got {padding_idx!r}")
        padding_idx %= rows
    idx, bag, counted, starts, lengths, b, longest = _bags(input, offsets, include_last_offset, what)
    backend = weight._backend
    xp = backend.xp
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= rows:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{what}: index {bad} is out of range for an embedding of {rows} rows (weight shape "
                             f"{tuple(weight.shape)}); indices must be in [0, {rows - 1}]")
    if b == 0:  # no bags (include_last_offset with a single offset)
        return weight[:0] * 0.0
    keep = counted if padding_idx is None else counted & (idx != padding_idx)
    if mode == "max":
        j = xp.arange(longest, dtype=int64)[None, :]
        inside = j < lengths[:, None]
        pos = xp.where(inside, starts[:, None] + j, 0)  # (B, longest) entries of each bag
        rows_at = idx[pos] if idx.size else xp.zeros(pos.shape, dtype=int64)
        ok = inside & keep[pos] if idx.size else inside
        looked = EmbeddingLookup.apply(weight, idx=rows_at, padding_idx=padding_idx)  # (B, longest, D)
        looked = ag.where(make_tensor(ok[:, :, None], backend), looked, -math.inf)
        if longest:
            top = ag.max(looked, dim=1)[0]
        else:
            top = looked.sum(1)
        return ag.where(make_tensor(ok.any(axis=1)[:, None], backend), top, 0.0)
    rows_of = EmbeddingLookup.apply(weight, idx=idx, padding_idx=padding_idx)  # (M, D)
    w = make_tensor(keep.astype(weight.dtype), backend)
    if per_sample_weights is not None:
        w = per_sample_weights.reshape(-1) * w
    out = EmbeddingScatter.apply(rows_of * w.unsqueeze(1), idx=bag, rows=b, padding_idx=None)  # sum over bags
    if mode == "mean":
        count = xp.zeros(b, dtype=weight.dtype)
        backend.scatter_add(count, (bag,), keep.astype(weight.dtype))
        out = out / make_tensor(xp.maximum(count, 1)[:, None], backend)
    return out
