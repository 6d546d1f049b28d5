"""Counting and searching, without gradients (as in PyTorch): bincount, histc, searchsorted, bucketize.

    bincount(x, w)[k]   = sum of w_i over the i with x_i = k   (counts when w is None), k < max(max(x) + 1, minlength)
    histc(x, bins, lo, hi)[k] = #{i : lo + k (hi - lo) / bins <= x_i < lo + (k + 1)(hi - lo) / bins}
                          (x_i = hi counts in the last bin; values outside [lo, hi] and NaN are left out)
    searchsorted(s, v)  = the first index i with s[i] >= v (right=True: s[i] > v), len(s) if there is none;
                          a vectorised binary search along the last dim, so a NaN value (or one above a NaN
                          in s) lands at the end, as in PyTorch
    bucketize(x, b)     = searchsorted(b, x)

Each result's size is known before the data is read, except bincount's (max(x) + 1) and histc's range when
min = max (the data's min and max): those read two numbers back to the host, explicitly.
"""

import numbers

from .. import dtypes
from ..tensor import make_tensor
from ._util import as_tensor, is_scalar


def _host_pair(backend, a, b):
    """Two 0-d device arrays as Python numbers (one small, explicit device -> host copy)."""
    pair = backend.to_host(backend.xp.stack([a, b]))
    return pair[0].item(), pair[1].item()


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, 2, ... occurs in the 1-d non-negative integer tensor ``input`` (int64),
    or with ``weights`` (same shape) the sum of the weights at each value (the weights' dtype when it is
    floating, float64 otherwise, as PyTorch)."""
    x = as_tensor(input)
    if x._data.dtype.kind not in "biu":
        raise TypeError(f"bincount: input must be an integer tensor, got dtype {x.dtype.name}")
    if x.ndim != 1:
        raise ValueError(f"bincount: input must be 1-d, got shape {tuple(x.shape)}")
    if not isinstance(minlength, numbers.Integral) or isinstance(minlength, bool) or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative int, got {minlength!r}")
    backend, xp = x._backend, x._backend.xp
    if weights is not None:
        w = as_tensor(weights, like=x)
        if tuple(w.shape) != tuple(x.shape):
            raise ValueError(f"bincount: weights must have the shape of input, got weights {tuple(w.shape)} and "
                             f"input {tuple(x.shape)}")
        if w._backend is not backend:
            raise RuntimeError(f"bincount: weights are on {w.device} but input is on {x.device}")
        out_dt = w._data.dtype if w._data.dtype.kind == "f" else dtypes.float64
        values = w._data.astype(out_dt, copy=False)
    else:
        out_dt = dtypes.int64
        values = xp.ones(x._data.shape, dtype=out_dt)
    size = int(minlength)
    if x._data.size:
        lo, hi = _host_pair(backend, x._data.min(), x._data.max())
        if lo < 0:
            raise ValueError(f"bincount: input must be non-negative, got a smallest value of {lo}")
        size = max(size, int(hi) + 1)
    out = xp.zeros((size,), dtype=out_dt)
    if x._data.size:
        backend.scatter_add(out, (x._data.astype(dtypes.int64, copy=False),), values)
    return make_tensor(out, backend)


def histc(input, bins=100, min=0, max=0):
    """A histogram of ``input`` with ``bins`` equal bins over [min, max] (the data's own range when
    min = max, as with the defaults 0 and 0, widened by 1 on each side if it is a single point), in the
    input's dtype. Values outside the range are not counted."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"histc: expected a floating-point tensor, got dtype {x.dtype.name}")
    if not isinstance(bins, numbers.Integral) or isinstance(bins, bool) or bins <= 0:
        raise ValueError(f"histc: bins must be a positive int, got {bins!r}")
    if not is_scalar(min) or not is_scalar(max):
        raise TypeError(f"histc: min and max must be numbers, got min={min!r}, max={max!r}")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise ValueError(f"histc: max must be larger than min, got min={min!r} and max={max!r}")
    backend, xp = x._backend, x._backend.xp
    a = x._data.reshape(-1)
    if lo == hi and a.size:
        lo, hi = _host_pair(backend, a.min(), a.max())
        lo, hi = float(lo), float(hi)
    if lo != lo or hi != hi or abs(lo) == float("inf") or abs(hi) == float("inf"):
        raise ValueError(f"histc: range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    inside = (a >= lo) & (a <= hi)
    pos = xp.floor((a - lo) * bins / (hi - lo))
    k = xp.clip(xp.where(inside, pos, 0), 0, bins - 1).astype(dtypes.int64)
    # agree with the bin edges linspace(min, max, bins + 1) where rounding put a value one bin off
    edges = xp.linspace(lo, hi, bins + 1).astype(a.dtype, copy=False)
    k = xp.where(a < edges[k], k - 1, xp.where((a >= edges[k + 1]) & (k < bins - 1), k + 1, k))
    k = xp.clip(k, 0, bins - 1)
    out = xp.zeros((bins,), dtype=x._data.dtype)
    backend.scatter_add(out, (k,), inside.astype(x._data.dtype))
    return make_tensor(out, backend)


def _binary_search(xp, seq, values, right):
    """For each entry of ``values`` (..., m) the insertion index into the rows of ``seq`` (..., n) (which
    broadcast against it): ceil(log2(n + 1)) halving steps, each a gather and a compare. The compare
    ``seq[mid] >= v`` (``>`` with ``right``) is False for a NaN, which sends the search right."""
    n = seq.shape[-1]
    lo = xp.zeros(values.shape, dtype=dtypes.int64)
    hi = xp.full(values.shape, n, dtype=dtypes.int64)
    if n == 0:
        return lo
    for _ in range(n.bit_length()):
        mid = (lo + hi) // 2
        s = xp.take_along_axis(seq, xp.minimum(mid, n - 1), axis=-1)
        left = (s > values) if right else (s >= values)
        active = lo < hi
        hi = xp.where(active & left, mid, hi)
        lo = xp.where(active & ~left, mid + 1, lo)
    return lo


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Where ``values`` would be inserted into ``sorted_sequence`` to keep it sorted (int64; int32 with
    ``out_int32``): the first index whose entry is >= the value (> with ``right=True`` or ``side="right"``).
    The sequence is 1-d, or N-d with rows matching the leading dims of ``values``; ``sorter`` holds the
    indices that sort an unsorted sequence. Whether the sequence is sorted is the caller's responsibility."""
    seq = as_tensor(sorted_sequence)
    if side not in (None, "left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if side == "left" and right:
        raise ValueError("searchsorted: side='left' and right=True contradict each other")
    right = bool(right) or side == "right"
    if seq.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least 1 dimension, got a 0-d tensor")
    v = as_tensor(values, like=seq)
    if v._backend is not seq._backend:
        raise RuntimeError(f"searchsorted: values are on {v.device} but sorted_sequence is on {seq.device}")
    backend, xp = seq._backend, seq._backend.xp
    s = seq._data
    if sorter is not None:
        order = as_tensor(sorter, like=seq)
        if tuple(order.shape) != tuple(seq.shape) or order._data.dtype.kind not in "iu":
            raise ValueError(f"searchsorted: sorter must be an integer tensor of the sequence's shape "
                             f"{tuple(seq.shape)}, got dtype {order.dtype.name} and shape {tuple(order.shape)}")
        s = xp.take_along_axis(s, order._data.astype(dtypes.int64, copy=False), axis=-1)
    vals = v._data
    if seq.ndim == 1:
        flat = vals.reshape(1, -1)
        idx = _binary_search(xp, s.reshape(1, -1), flat, right).reshape(vals.shape)
    else:
        if vals.ndim != seq.ndim or tuple(vals.shape[:-1]) != tuple(s.shape[:-1]):
            raise ValueError(f"searchsorted: an N-d sorted_sequence of shape {tuple(seq.shape)} needs values with the "
                             f"same leading dims {tuple(seq.shape[:-1])}, got values of shape {tuple(v.shape)}")
        idx = _binary_search(xp, s, vals, right)
    out = idx.astype(dtypes.int32 if out_int32 else dtypes.int64, copy=False)
    return make_tensor(out, backend)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each entry of ``input`` among the 1-d sorted ``boundaries``: the i with
    boundaries[i-1] < x <= boundaries[i] (with ``right=True``: boundaries[i-1] <= x < boundaries[i]),
    i.e. searchsorted(boundaries, input, right=right)."""
    b = as_tensor(boundaries)
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-d, got shape {tuple(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)
