"""PyTorch's statistics and counting functions:

    cov(x, correction, fweights, aweights)   C = (x - m) diag(w) (x - m)^T / (sum w - correction sum(w a) / sum w),
                                             w = fweights aweights, m_i = sum_j w_j x_ij / sum w (rows are variables)
    corrcoef(x)                              R_ij = C_ij / sqrt(C_ii C_jj), clipped to [-1, 1]
    histogram(x, bins, range, weight)        counts (or summed weights) per bin edge_k <= x < edge_k+1, the last bin
                                             closed; density: hist / (sum hist * bin widths)     (no gradient)
    mode(x, dim)                             the most frequent value (the smallest on a tie) and its last index;
                                             the values are a gather, so the gradient goes to that entry
    isin(e, t)                               whether each entry of e is among t                  (no gradient)

cov and corrcoef are made of differentiable ops (sums, a matrix product, divisions), so they have gradients of
every order, in the input and in aweights.
"""

import collections
import numbers
import warnings

import numpy

from .. import dtypes
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, is_scalar, wrap_dim
from .arith import div, mul, sub
from .index import gather
from .linalg import matmul
from .shape import reshape, squeeze, unsqueeze
from .unary import clamp, sqrt

ModeResult = collections.namedtuple("mode", ["values", "indices"])
HistogramResult = collections.namedtuple("histogram", ["hist", "bin_edges"])


# --- statistics ----------------------------------------------------------------------------------
def _host_bool(backend, flag):
    return bool(backend.to_host(flag))


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in the columns; a 1-d
    input is one variable), as PyTorch's:

        w = fweights * aweights,  mean_i = sum_j w_j x_ij / sum w,
        C = (x - mean) diag(w) (x - mean)^T / (sum w - correction * sum(w aweights) / sum w)

    (without weights: w = 1 and the divisor is N - correction; with only fweights, sum w - correction).
    A divisor <= 0 warns and divides by 0, as PyTorch. The result is squeezed (a single variable gives a 0-d
    tensor)."""
    x = as_tensor(input)
    if x._data.ndim > 2:
        raise ValueError(f"cov: expected input to have two or fewer dimensions, got shape {tuple(x.shape)}")
    if x._data.dtype.kind == "b":
        raise TypeError("cov: bool tensors are not supported")
    if not isinstance(correction, numbers.Integral) or isinstance(correction, bool):
        raise TypeError(f"cov: correction must be an int, got {type(correction).__name__} {correction!r}")
    m = reshape(x, (1, -1)) if x._data.ndim < 2 else x
    n_obs = m._data.shape[1]
    backend, xp = x._backend, x._backend.xp
    w = aw = None
    for name, given, kinds, kind_name in (("fweights", fweights, "iu", "an integer"),
                                          ("aweights", aweights, "f", "a floating-point")):
        if given is None:
            continue
        t = as_tensor(given, like=x)
        if t._backend is not backend:
            raise RuntimeError(f"cov: {name} are on {t.device} but the input is on {x.device}")
        if t._data.ndim > 1:
            raise ValueError(f"cov: expected {name} to have one or fewer dimensions, got shape {tuple(t.shape)}")
        if t._data.dtype.kind not in kinds:
            raise TypeError(f"cov: expected {name} to have {kind_name} dtype, got {t.dtype.name}")
        if t._data.size != n_obs:
            raise ValueError(f"cov: expected {name} to have one entry per observation ({n_obs}), got {t._data.size}")
        if n_obs and _host_bool(backend, xp.any(t._data < 0)):
            raise ValueError(f"cov: {name} cannot be negative")
        if name == "aweights":
            aw = t
        w = t if w is None else mul(w, t)
    if w is None:
        w_sum = n_obs
        avg = div(m.sum(1), n_obs)
    else:
        w_sum = w.sum()
        if _host_bool(backend, w_sum._data == 0):
            raise ValueError("cov: the weights sum to zero, can't be normalized")
        avg = div(mul(m, w).sum(1), w_sum)
    if w is None:
        norm = n_obs - correction
    elif correction != 0 and aw is not None:
        norm = sub(w_sum, mul(div(mul(w, aw).sum(), w_sum), correction))
    else:
        norm = sub(w_sum, correction)
    if _host_bool(backend, norm._data <= 0) if isinstance(norm, Tensor) else norm <= 0:
        warnings.warn("cov: degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = 0.0
    centred = sub(m, unsqueeze(avg, 1))
    c = matmul(centred, (centred if w is None else mul(centred, w)).t())
    with numpy.errstate(divide="ignore", invalid="ignore"):  # a divisor of 0 gives inf and NaN, as PyTorch
        return squeeze(div(c, norm))


def corrcoef(input):
    """The Pearson correlation coefficients R_ij = C_ij / sqrt(C_ii C_jj) of the rows of ``input`` (C = cov(input)),
    clipped to [-1, 1]; a single variable gives C / C (1, or NaN where C is 0, inf or NaN)."""
    x = as_tensor(input)
    if x._data.ndim > 2:
        raise ValueError(f"corrcoef: expected input to have two or fewer dimensions, got shape {tuple(x.shape)}")
    c = cov(x)
    with numpy.errstate(divide="ignore", invalid="ignore"):  # a constant variable gives NaN, as PyTorch
        if c._data.ndim == 0:
            return div(c, c)
        std = sqrt(c.diagonal())
        c = div(div(c, reshape(std, (-1, 1))), reshape(std, (1, -1)))
    return clamp(c, -1, 1)


def _linspace(xp, lo, hi, n, dtype):
    """PyTorch's linspace in ``dtype``: start + step i for the first half, end - step (n - 1 - i) for the rest."""
    i = xp.arange(n, dtype=dtype)
    lo_, hi_ = dtype.type(lo), dtype.type(hi)
    step = (hi_ - lo_) / dtype.type(max(n - 1, 1))
    return xp.where(i < n // 2, lo_ + step * i, hi_ - step * (dtype.type(n - 1) - i)).astype(dtype, copy=False)


def histogram(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges): how many entries of ``input`` (or their ``weight``) fall in each bin. ``bins`` is a number
    of equal bins over ``range`` (the data's min and max by default, widened by 0.5 each side when they are
    equal) or a 1-d tensor of increasing edges. Bin k holds edge_k <= x < edge_k+1, the last bin also its right
    edge; entries outside the edges and NaN are left out. With ``density``, hist / (sum(hist) * bin widths).
    No gradient, as PyTorch."""
    x = as_tensor(input)
    dt = x._data.dtype
    if dt.kind != "f":
        raise TypeError(f"histogram: expected a floating-point tensor, got dtype {x.dtype.name}")
    backend, xp = x._backend, x._backend.xp
    a = x._data.reshape(-1)
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError("histogram: range can't be given together with a tensor of bin edges")
        if bins._backend is not backend:
            raise RuntimeError(f"histogram: the bin edges are on {bins.device} but the input is on {x.device}")
        if bins._data.dtype != dt:
            raise TypeError(f"histogram: the input and the bin edges must have the same dtype, got {x.dtype.name} "
                            f"and {bins.dtype.name}")
        if bins._data.ndim != 1 or bins._data.shape[0] < 2:
            raise ValueError(f"histogram: bin edges must be a 1-d tensor of at least 2 edges, got shape "
                             f"{tuple(bins.shape)}")
        edges = bins._data
        if _host_bool(backend, xp.any(edges[1:] < edges[:-1])):
            raise ValueError("histogram: bin edges must be increasing")
    elif isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        if bins <= 0:
            raise ValueError(f"histogram: bins must be > 0, got {bins}")
        if range is not None:
            if not isinstance(range, (tuple, list)) or len(range) != 2 or not all(is_scalar(v) for v in range):
                raise TypeError(f"histogram: range must be a pair of numbers (min, max), got {range!r}")
            lo, hi = float(range[0]), float(range[1])
        elif a.size:
            pair = backend.to_host(xp.stack([a.min(), a.max()]))
            lo, hi = float(pair[0]), float(pair[1])
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise ValueError(f"histogram: min should not exceed max, got range ({lo}, {hi})")
        if not all(v == v and abs(v) != float("inf") for v in (lo, hi)):
            raise ValueError(f"histogram: the range [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _linspace(xp, lo, hi, int(bins) + 1, dt)
    else:
        raise TypeError(f"histogram: bins must be an int or a 1-d tensor of edges, got {type(bins).__name__}")
    nb = edges.shape[0] - 1
    if weight is not None:
        w = as_tensor(weight, like=x)
        if w._backend is not backend:
            raise RuntimeError(f"histogram: weight is on {w.device} but the input is on {x.device}")
        if tuple(w.shape) != tuple(x.shape):
            raise ValueError(f"histogram: weight must have the input's shape {tuple(x.shape)}, got {tuple(w.shape)}")
        if w._data.dtype != dt:
            raise TypeError(f"histogram: weight must have the input's dtype {x.dtype.name}, got {w.dtype.name}")
        w = w._data.reshape(-1)
    else:
        w = xp.ones(a.shape, dtype=dt)
    inside = (a >= edges[0]) & (a <= edges[-1])
    k = xp.searchsorted(edges, a, side="right") - 1
    k = xp.clip(xp.where(inside, k, 0), 0, nb - 1).astype(dtypes.int64, copy=False)
    hist = xp.zeros((nb,), dtype=dt)
    backend.scatter_add(hist, (k,), xp.where(inside, w, xp.zeros((), dtype=dt)))
    if density:
        hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    return HistogramResult(make_tensor(hist.astype(dt, copy=False), backend), make_tensor(edges.copy(), backend))


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along ``dim`` (the smallest of them on a tie) and the index of
    its last occurrence, as PyTorch's CPU. The values are gather(x, dim, indices), so the gradient goes there."""
    x = as_tensor(input)
    backend, xp = x._backend, x._backend.xp
    if x._data.ndim == 0:
        wrap_dim(dim, 0, "mode")
        return ModeResult(x, make_tensor(xp.zeros((), dtype=dtypes.int64), backend))
    axis = wrap_dim(dim, x._data.ndim, "mode")
    n = x._data.shape[axis]
    if n == 0:
        raise IndexError(f"mode: expected reduction dim {axis} to have a non-zero size (a tensor of shape "
                         f"{tuple(x.shape)})")
    moved = xp.moveaxis(x._data, axis, -1)
    lead = moved.shape[:-1]
    rows = moved.reshape(-1, n)
    order = xp.argsort(rows, axis=1, kind="stable")
    s = xp.take_along_axis(rows, order, axis=1)
    new = xp.ones(s.shape, dtype=bool)
    new[:, 1:] = s[:, 1:] != s[:, :-1]
    run = xp.cumsum(new.reshape(-1)) - 1
    count = xp.bincount(run)[run].reshape(s.shape)
    last = xp.ones(s.shape, dtype=bool)
    last[:, :-1] = new[:, 1:]
    # the first run end with the largest count: the smallest most frequent value, at its last occurrence
    best = xp.argmax(xp.where(last, count, -1), axis=1)
    pick = xp.take_along_axis(order, best[:, None], axis=1).reshape(lead + (1,))
    pick = xp.moveaxis(pick, -1, axis).astype(dtypes.int64, copy=False)
    values = gather(x, axis, make_tensor(pick, backend))
    if not keepdim:
        values = squeeze(values, axis)
        pick = pick.reshape(pick.shape[:axis] + pick.shape[axis + 1:])
    return ModeResult(values, make_tensor(pick, backend))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each entry of ``elements`` is among ``test_elements`` (either may be a number), as a bool tensor of
    elements' shape; ``invert`` negates it."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin: expected at least one tensor, got {type(elements).__name__} and "
                        f"{type(test_elements).__name__}")
    ref = elements if isinstance(elements, Tensor) else test_elements
    e = as_tensor(elements, like=ref)
    t = as_tensor(test_elements, like=ref)
    if e._backend is not t._backend:
        raise RuntimeError(f"isin: elements are on {e.device} but test_elements are on {t.device}")
    xp = e._backend.xp
    dt = dtypes.result_type(e._data.dtype, e._data.ndim, t._data.dtype, t._data.ndim)
    found = xp.isin(e._data.astype(dt, copy=False), t._data.astype(dt, copy=False).reshape(-1),
                    assume_unique=bool(assume_unique), invert=bool(invert))
    return make_tensor(xp.asarray(found, dtype=bool).reshape(e._data.shape), e._backend)
