"""Statistics that skip NaN, and quantiles: nansum, nanmean, quantile, nanquantile, nanmedian.

    nansum(x)    = sum_i x_i over the non-NaN x_i;        dL/dx_i = dL/dy, 0 where x_i is NaN
    nanmean(x)   = nansum(x) / #{i : x_i not NaN};        dL/dx_i = dL/dy / count, 0 where x_i is NaN
                 (NaN for a slice of only NaN, whose gradient is 0 here; PyTorch's is 0 / 0 = NaN there)
    quantile(x, q): with s = x sorted along dim (NaN last), n its size and r = q (n - 1) (the position of
                 the last entry where the slice has a NaN, so the result is NaN; nanquantile uses the
                 number of non-NaN entries for n instead):
                     linear   y = s[floor r] + (r - floor r) (s[ceil r] - s[floor r])
                     lower / higher / nearest   y = s[floor r] / s[ceil r] / s[round r] (half to even)
                     midpoint y = (s[floor r] + s[ceil r]) / 2
                 The entries of s are gathers of x, so dL/dx is dL/dy sent to the entries read, with the
                 interpolation weights (1 - w, w) (w = r - floor r, 1/2 for midpoint), as PyTorch.
    nanmedian(x) = the lower middle of the non-NaN entries: s[(count - 1) // 2] (NaN if all are NaN);
                 with dim, (values, indices) where values = gather(x, dim, indices).
"""

import collections
import numbers

from .. import dtypes
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, wrap_dim, wrap_dims
from .arrange import argsort
from .compare import isnan
from .index import gather
from .reduce import sum
from .shape import movedim, reshape
from .unary import where

NanMedian = collections.namedtuple("NanMedian", ["values", "indices"])
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _need_float(x, what):
    if x._data.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point tensor, got dtype {x.dtype.name}")


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over ``dim`` (all entries by default) treating NaN as 0; integer tensors sum as ``sum``."""
    x = as_tensor(input)
    if x._data.dtype.kind == "f":
        x = where(isnan(x), 0.0, x)
    return sum(x, dim=dim, keepdim=keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over ``dim`` of the non-NaN entries (NaN where a slice has none); floating tensors."""
    x = as_tensor(input)
    if dtype is not None:
        x = x.to(dtype=dtype)
    _need_float(x, "nanmean")
    missing = isnan(x)
    count = sum(~missing, dim=dim, keepdim=keepdim).to(dtype=x.dtype)
    none = count == 0  # NaN there, without a 0 / 0
    return where(none, float("nan"), sum(where(missing, 0.0, x), dim=dim, keepdim=keepdim) / where(none, 1.0, count))


# --- quantiles -----------------------------------------------------------------------------------
def _q_array(q, x, what):
    """``q`` as a 1-d array on x's device in x's dtype (checked to lie in [0, 1]), and whether it was a
    scalar (0-d). A tensor q is read back to the host for the check (a small, explicit copy)."""
    backend, xp = x._backend, x._backend.xp
    if isinstance(q, Tensor):
        if q._backend is not backend:
            raise RuntimeError(f"{what}: q is on {q.device} but the input is on {x.device}")
        if q.ndim > 1:
            raise ValueError(f"{what}: q must be a number or a 0-d or 1-d tensor, got shape {tuple(q.shape)}")
        if q._data.dtype.kind != "f":
            raise TypeError(f"{what}: q must be a floating-point tensor, got dtype {q.dtype.name}")
        values = backend.to_host(q._data).reshape(-1)
        bad = [float(v) for v in values if not 0.0 <= float(v) <= 1.0]
        if bad:
            raise ValueError(f"{what}: q values must be in [0, 1], got {bad[0]!r} (q={values.tolist()!r})")
        return q._data.astype(x._data.dtype, copy=False).reshape(-1), q.ndim == 0
    if isinstance(q, (list, tuple)):
        raise TypeError(f"{what}: q must be a number or a tensor, got a {type(q).__name__}; use a tensor")
    if not isinstance(q, numbers.Real) or isinstance(q, bool):
        raise TypeError(f"{what}: q must be a number or a tensor, got {q!r}")
    if not 0.0 <= float(q) <= 1.0:
        raise ValueError(f"{what}: q must be in [0, 1], got {q!r}")
    return xp.full((1,), float(q), dtype=x._data.dtype), True


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, what):
    x = as_tensor(input)
    _need_float(x, what)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{what}: interpolation must be one of {', '.join(_INTERPOLATIONS)}, got {interpolation!r}")
    if x._data.size == 0:
        raise ValueError(f"{what}: expected a non-empty tensor, got shape {tuple(x.shape)}")
    qa, scalar_q = _q_array(q, x, what)
    xp = x._backend.xp
    if dim is None:
        rows, axis = reshape(x, (-1,)), None
    else:
        axis = wrap_dim(dim, x.ndim, what)
        rows = movedim(x, axis, -1) if x.ndim else reshape(x, (1,))
    order = argsort(rows, -1)  # stable; NaN last
    s = gather(rows, rows.ndim - 1, order)
    n = s.shape[-1]
    data = s._data
    if ignore_nan:
        valid = (~xp.isnan(data)).sum(axis=-1, keepdims=True).astype(data.dtype)
        ranks = xp.maximum(qa * (valid - 1), 0)
    else:
        has_nan = xp.isnan(data[..., n - 1:])
        ranks = xp.where(has_nan, xp.full((), n - 1, dtype=data.dtype), qa * (n - 1))
    ranks = xp.broadcast_to(ranks, data.shape[:-1] + (qa.shape[0],))
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.rint(ranks)
    below = xp.floor(ranks).astype(dtypes.int64)
    out = gather(s, s.ndim - 1, make_tensor(below, x._backend))
    if interpolation in ("linear", "midpoint"):
        above = xp.ceil(ranks).astype(dtypes.int64)
        hi = gather(s, s.ndim - 1, make_tensor(above, x._backend))
        w = xp.full(ranks.shape, 0.5, dtype=data.dtype) if interpolation == "midpoint" else ranks - below
        out = out + make_tensor(w.astype(data.dtype, copy=False), x._backend) * (hi - out)
    # out: (..., m) -> (m, ...) or (...), with the reduced dim(s) kept as size 1 on request
    lead = tuple(out.shape[:-1])
    if keepdim and x.ndim:
        lead = (1,) * x.ndim if axis is None else tuple(x.shape[:axis]) + (1,) + tuple(x.shape[axis + 1:])
    if scalar_q:
        return reshape(out, lead)
    out = movedim(out, -1, 0)
    return reshape(out, (qa.shape[0],) + lead)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of ``input`` along ``dim`` (of all entries when None); ``q`` is a number or a
    0-d/1-d tensor in [0, 1] (a 1-d q puts its dim first). A slice with a NaN gives NaN.
    ``interpolation``: linear, lower, higher, midpoint or nearest (see the module docstring)."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile over the non-NaN entries of each slice (NaN where a slice has none)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def nanmedian(input, dim=None, keepdim=False):
    """``nanmedian(x)``: the lower middle of the non-NaN entries (NaN if all are NaN);
    ``nanmedian(x, dim)``: (values, indices) along ``dim``, as torch.nanmedian."""
    x = as_tensor(input)
    if x._data.size == 0 and dim is None:
        raise ValueError(f"nanmedian: expected a non-empty tensor, got shape {tuple(x.shape)}")
    if dim is None:
        rows, axis = reshape(x, (1, -1)), 1
    elif x.ndim == 0:
        wrap_dims(dim, 0, "nanmedian")
        return NanMedian(x.clone(), make_tensor(x._backend.xp.zeros((), dtype=dtypes.int64), x._backend))
    else:
        if isinstance(dim, (list, tuple)):
            raise TypeError(f"nanmedian: dim must be an int, got {dim!r}")
        rows, axis = x, wrap_dim(dim, x.ndim, "nanmedian")
    if rows.shape[axis] == 0:
        raise ValueError(f"nanmedian: dim {axis} of the tensor of shape {tuple(x.shape)} is empty")
    xp = x._backend.xp
    order = argsort(rows, axis)  # stable; NaN last
    data = rows._data
    count = (~xp.isnan(data)).sum(axis=axis, keepdims=True) if data.dtype.kind == "f" else \
        xp.full(data.shape[:axis] + (1,) + data.shape[axis + 1:], data.shape[axis], dtype=dtypes.int64)
    pos = xp.maximum((count - 1) // 2, 0).astype(dtypes.int64)
    idx = xp.take_along_axis(order._data, pos, axis=axis)
    values = gather(rows, axis, make_tensor(idx, x._backend))
    if dim is None:
        return reshape(values, ())
    indices = make_tensor(idx, x._backend)
    if not keepdim:
        values = reshape(values, tuple(values.shape[:axis]) + tuple(values.shape[axis + 1:]))
        indices = reshape(indices, tuple(indices.shape[:axis]) + tuple(indices.shape[axis + 1:]))
    return NanMedian(values, indices)
