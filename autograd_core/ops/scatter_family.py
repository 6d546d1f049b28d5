"""PyTorch's scatter family, each a write into a copy of the input, differentiable in the input and in what is
written (gradients of every order: each backward is made of differentiable ops):

    scatter_reduce(x, dim, i, s, r)  y[..., i[j], ...] = r(x[..., i[j], ...] (include_self), s[j] for every j
                                     sent there), r in sum, prod, mean, amax, amin; untouched entries keep x.
        sum:   dL/dx = g,            dL/ds = g[i]
        mean:  dL/dx = g / N,        dL/ds = g[i] / N[i]       (N: how many values were averaged there)
        prod:  dL/dx = g y' / x',    dL/ds = g[i] y[i] / s     (x', y': zeros of x taken as 1; a single zero
                                     among the s of one position gets g times the product of the others)
        amax, amin: the gradient is split evenly among every entry (of x or s) equal to the result
        (include_self=False: dL/dx = 0 where anything was scattered)
    index_put(x, (i0, i1, ...), v)   y[i0, i1, ...] = v (accumulate: += v, repeats adding up);
                                     dL/dx = g with 0 at the indices (g when accumulating), dL/dv = sum_to(g[idx])
    masked_scatter(x, m, s)          the entries of y where m holds, in row-major order, are s[0], s[1], ...
    diagonal_scatter(x, s, offset, dim1, dim2), select_scatter(x, s, dim, i), slice_scatter(x, s, dim, a, b, c):
                                     y = x with that diagonal, slice x.select(dim, i), or slice a:b:c along dim
                                     replaced by s

Every one is an ``IndexPut`` (or a ``ScatterReduce``), whose backward reads the output gradient at the written
positions (``GetItem``) and zeroes it there for x.
"""

import numbers

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, is_scalar, wrap_dim
from .index import GetItem, _has_int_array, _scatter_index, gather, getitem, normalize_index, scatter
from .index import scatter_add as _scatter_add
from .shape import expand, movedim, reshape, sum_to
from .unary import where

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


# --- segmented reductions on arrays --------------------------------------------------------------
def _segment_reduce(xp, pos, vals, size, op):
    """(r, hit) of length ``size``: r[p] = op over the vals with pos == p (any value where nothing was sent),
    hit[p] whether anything was. Sorted by position, then a segmented inclusive scan by doubling (log2 n
    passes of whole-array ops: no atomics, no NumPy-only ``ufunc.at``); the last entry of each run holds
    its run's reduction and is written to r, the other entries to a spare slot past the end."""
    m = pos.shape[0]
    r = xp.zeros((size + 1,), dtype=vals.dtype)
    hit = xp.zeros((size + 1,), dtype=bool)
    if m == 0:
        return r[:size], hit[:size]
    order = xp.argsort(pos, kind="stable")
    sp, sv = pos[order], vals[order]
    step = 1
    while step < m:
        same = sp[step:] == sp[:-step]
        sv = xp.concatenate([sv[:step], xp.where(same, op(sv[:-step], sv[step:]), sv[step:])])
        step *= 2
    last = xp.ones((m,), dtype=bool)
    last[:-1] = sp[1:] != sp[:-1]
    r[xp.where(last, sp, size)] = sv
    hit[sp] = True
    return r[:size], hit[:size]


def _flat_positions(xp, shape, index, axis):
    """The flat (row-major) position in an array of ``shape`` of every entry of ``index`` read along ``axis``:
    index[j] at ``axis`` and j's own coordinates elsewhere."""
    nd = len(shape)
    pos = xp.zeros(index.shape, dtype=dtypes.int64)
    stride = 1
    for d in range(nd - 1, -1, -1):
        if d == axis:
            coord = index.astype(dtypes.int64, copy=False)
        else:
            coord = xp.arange(index.shape[d], dtype=dtypes.int64).reshape((1,) * d + (-1,) + (1,) * (nd - d - 1))
        pos = pos + coord * stride
        stride *= shape[d]
    return pos.reshape(-1)


def _scatter_reduce_arrays(xp, x, src, index, axis, reduce, include_self):
    flat = x.reshape(-1)
    pos = _flat_positions(xp, x.shape, index, axis)
    op = {"sum": xp.add, "mean": xp.add, "prod": xp.multiply, "amax": xp.maximum, "amin": xp.minimum}[reduce]
    red, hit = _segment_reduce(xp, pos, src.reshape(-1), flat.shape[0], op)
    total = op(flat, red) if include_self else red
    if reduce == "mean":
        count, _ = _segment_reduce(xp, pos, xp.ones(pos.shape, dtype=dtypes.int64), flat.shape[0], xp.add)
        count = count + 1 if include_self else count
        count = xp.where(count == 0, 1, count).astype(x.dtype, copy=False)
        total = total / count if x.dtype.kind == "f" else xp.floor_divide(total, count)
    return xp.where(hit, total, flat).astype(x.dtype, copy=False).reshape(x.shape)


class ScatterReduce(Function):
    """y = x with, at every position p that ``index`` sends entries of src to along ``axis``,
    y[p] = reduce(x[p] (if include_self), src[j] for each j sent to p); the gradients are PyTorch's (see the
    module docstring), written with gather, scatter_add and scatter_reduce itself, so they differentiate again"""

    saves_inputs = True

    def forward(self, x, src, index, axis, reduce, include_self):
        self.index, self.axis, self.reduce, self.include_self = index, axis, reduce, include_self
        self.y = _scatter_reduce_arrays(self.backend.xp, x, src, index, axis, reduce, include_self)
        return self.y

    def backward(self, gy):
        x, src = self.inputs
        backend, xp = self.backend, self.backend.xp
        idx = make_tensor(self.index, backend)
        axis, r, inc = self.axis, self.reduce, self.include_self
        want_x, want_src = self._next[0] is not None, self._next[1] is not None
        gx = gsrc = None

        def const(array):
            return make_tensor(array.astype(x._data.dtype, copy=False), backend)

        if r == "sum":
            gx, gsrc = gy, gather(gy, axis, idx)
        elif r == "mean":
            base = xp.ones if inc else xp.zeros
            n = _scatter_add(const(base(x._data.shape)), axis, idx, const(xp.ones(src._data.shape)))
            n = where(n == 0, 1.0, n)
            gx = gy / n
            gsrc = gather(gy, axis, idx) / gather(n, axis, idx)
        elif r == "prod":
            y = self.output(self.y)
            if want_x:
                masked_x = where(x == 0, 1.0, x)
                gx = gy * scatter_reduce(masked_x, axis, idx, src, "prod", include_self=inc) / masked_x
            if want_src:
                src_zero = src == 0
                zeros = const(xp.zeros(x._data.shape))
                n_zero = gather(_scatter_add(zeros, axis, idx, const(src_zero._data)), axis, idx)
                single = src_zero & (n_zero == 1)
                masked_src = where(single, 1.0, src)
                alone = gather(gy * scatter_reduce(x, axis, idx, masked_src, "prod", include_self=inc), axis, idx)
                gsrc = where(single, alone, gather(gy * y, axis, idx) / where(src_zero, 1.0, src))
        else:  # amax, amin: split evenly among the entries equal to the result
            y = self.y
            value = xp.take_along_axis(y, self.index, axis=axis)
            x_is = const(x._data == y)
            src_is = const(src._data == value)
            share = gy / _scatter_add(x_is, axis, idx, src_is)
            gx = x_is * share
            gsrc = src_is * gather(share, axis, idx)
        if gx is not None and not inc:
            gx = scatter(gx, axis, idx, 0.0)
        return (gx if want_x else None), (gsrc if want_src else None)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """``input`` with the entries of ``src`` reduced into the positions ``index`` names along ``dim``
    (y[index[i][j]][j] = reduce(..., src[i][j]) for dim 0), ``reduce`` one of 'sum', 'prod', 'mean', 'amax',
    'amin'; with ``include_self`` the input's own entry takes part. Integer 'mean' rounds down, as PyTorch."""
    x = as_tensor(input)
    if reduce not in _REDUCES:
        raise ValueError(f"scatter_reduce: reduce must be one of 'sum', 'prod', 'mean', 'amax' or 'amin', got "
                         f"{reduce!r}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce: src must be a Tensor, got {type(src).__name__}")
    if src._data.dtype != x._data.dtype:
        raise TypeError(f"scatter_reduce: src has dtype {src.dtype.name} but the input has dtype {x.dtype.name}; "
                        f"they must match")
    if x._data.ndim == 0:
        wrap_dim(dim, 0, "scatter_reduce")
        one = scatter_reduce(reshape(x, (1,)), 0, reshape(as_tensor(index, like=x), (-1,)), reshape(src, (-1,)),
                             reduce, include_self=include_self)
        return reshape(one, ())
    axis = wrap_dim(dim, x._data.ndim, "scatter_reduce")
    ix, src = _scatter_index(x, axis, index, src, "scatter_reduce")
    return ScatterReduce.apply(x, src, index=ix[axis], axis=axis, reduce=reduce, include_self=bool(include_self))


# --- writing at an index ---------------------------------------------------------------------------
class IndexPut(Function):
    """y = x with y[idx] = v (v broadcast to the indexed shape), or with ``accumulate`` y[idx] += v (repeated
    positions adding up);  dL/dx = dL/dy (accumulate) or dL/dy with 0 at idx;  dL/dv = sum_to(dL/dy[idx], v.shape)"""

    def forward(self, x, v, idx, accumulate, advanced):
        self.idx, self.accumulate, self.advanced, self.v_shape = idx, accumulate, advanced, v.shape
        y = x.copy()
        if accumulate and advanced:
            self.backend.scatter_add(y, idx, v)
        elif accumulate:
            y[idx] = y[idx] + v
        else:
            y[idx] = v
        return y

    def backward(self, gy):
        gx = gv = None
        if self._next[0] is not None:
            gx = gy if self.accumulate else IndexPut.apply(
                gy, make_tensor(self.backend.xp.zeros((), dtype=gy.dtype), self.backend), idx=self.idx,
                accumulate=False, advanced=self.advanced)
        if self._next[1] is not None:
            gv = sum_to(GetItem.apply(gy, idx=self.idx, scatter=self.advanced), self.v_shape)
        return gx, gv


def _indexed_shape(x, idx):
    """The shape of x[idx], read from a zero-strided stand-in (no copy of x)."""
    xp = x._backend.xp
    return tuple(xp.broadcast_to(xp.zeros((), dtype=bool), x._data.shape)[idx].shape)


def _put(x, idx, values, accumulate, what):
    """IndexPut of ``values`` (checked to broadcast to x[idx]) into x."""
    shape = _indexed_shape(x, idx)
    try:
        fits = tuple(x._backend.xp.broadcast_shapes(tuple(values.shape), shape)) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{what}: values of shape {tuple(values.shape)} can't be broadcast to the indexed shape "
                         f"{shape} (a tensor of shape {tuple(x.shape)})")
    return IndexPut.apply(x, values, idx=idx, accumulate=bool(accumulate), advanced=_has_int_array(idx))


def _values(values, x, what, cast):
    """``values`` as a tensor on x's device in x's dtype (a number is converted; a tensor of another dtype is
    cast when ``cast``, else a TypeError)."""
    if isinstance(values, Tensor):
        if values._backend is not x._backend:
            raise RuntimeError(f"{what}: the values are on {values.device} but the tensor is on {x.device}")
        if values._data.dtype != x._data.dtype:
            if not cast:
                raise TypeError(f"{what}: the values have dtype {values.dtype.name} but the tensor has dtype "
                                f"{x.dtype.name}; they must match")
            values = values.to(dtype=x.dtype)
        return values
    if is_scalar(values):
        return make_tensor(x._backend.xp.asarray(values, dtype=x._data.dtype), x._backend)
    return as_tensor(values, like=x).to(dtype=x.dtype)


def index_put(input, indices, values, accumulate=False):
    """y = x with y[indices] = values (``indices`` a tuple of integer or bool tensors, as x[i0, i1, ...]), or
    ``+= values`` with ``accumulate`` (repeated positions add up; without it, which write wins is unspecified)."""
    x = as_tensor(input)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of tensors, got {type(indices).__name__}")
    for k, item in enumerate(indices):
        if not isinstance(item, (Tensor, list)) and not hasattr(item, "dtype"):
            raise TypeError(f"index_put: indices must be a tuple of tensors, got {type(item).__name__} at position {k}")
    idx = normalize_index(tuple(indices), x)
    return _put(x, idx, _values(values, x, "index_put", cast=False), accumulate, "index_put")


def masked_scatter(input, mask, source):
    """y = x (broadcast with ``mask``) with the entries where the bool ``mask`` holds replaced, in row-major order,
    by the first entries of ``source``;  dL/dx = g where not mask, dL/dsource = g[mask] then zeros."""
    x = as_tensor(input)
    if not isinstance(mask, Tensor):
        mask = as_tensor(mask, like=x)
    if mask._backend is not x._backend:
        raise RuntimeError(f"masked_scatter: the mask is on {mask.device} but the tensor is on {x.device}")
    if mask._data.dtype.kind != "b":
        raise TypeError(f"masked_scatter: mask must be a bool tensor, got dtype {mask.dtype.name}")
    src = as_tensor(source, like=x)
    if src._data.dtype != x._data.dtype:
        raise TypeError(f"masked_scatter: source has dtype {src.dtype.name} but the tensor has dtype "
                        f"{x.dtype.name}; they must match")
    xp = x._backend.xp
    try:
        shape = tuple(xp.broadcast_shapes(tuple(x.shape), tuple(mask.shape)))
    except ValueError:
        raise ValueError(f"masked_scatter: the mask of shape {tuple(mask.shape)} can't be broadcast against the "
                         f"tensor of shape {tuple(x.shape)}") from None
    xb = x if tuple(x.shape) == shape else expand(x, shape)
    m = xp.broadcast_to(mask._data, shape)
    n = int(x._backend.to_host(m.sum()))
    if src._data.size < n:
        raise ValueError(f"masked_scatter: source has {src._data.size} elements but the mask selects {n}")
    flat = reshape(src, (-1,))
    return IndexPut.apply(xb, getitem(flat, slice(0, n)), idx=(m,), accumulate=False, advanced=False)


def _check_slice_shape(src, want, what):
    if tuple(src.shape) != tuple(want):
        raise ValueError(f"{what}: expected src to have the shape of the slice it replaces, {tuple(want)}, got "
                         f"{tuple(src.shape)}")


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """y = x with x.diagonal(offset, dim1, dim2) replaced by ``src`` (of that diagonal's shape)."""
    x = as_tensor(input)
    nd = x._data.ndim
    if nd < 2:
        raise ValueError(f"diagonal_scatter: expected a tensor with at least 2 dimensions, got shape {tuple(x.shape)}")
    d1, d2 = wrap_dim(dim1, nd, "diagonal_scatter"), wrap_dim(dim2, nd, "diagonal_scatter")
    if d1 == d2:
        raise ValueError(f"diagonal_scatter: dim1 and dim2 must differ, got dim1={dim1} and dim2={dim2}")
    if not isinstance(offset, numbers.Integral) or isinstance(offset, bool):
        raise TypeError(f"diagonal_scatter: offset must be an int, got {type(offset).__name__}")
    rows, cols = x._data.shape[d1], x._data.shape[d2]
    k = max(0, min(rows - max(-offset, 0), cols - max(offset, 0)))
    rest = tuple(s for d, s in enumerate(x._data.shape) if d not in (d1, d2))
    s = _values(src, x, "diagonal_scatter", cast=True)
    _check_slice_shape(s, rest + (k,), "diagonal_scatter")
    xp = x._backend.xp
    r = xp.arange(k, dtype=dtypes.int64) + max(-offset, 0)
    c = xp.arange(k, dtype=dtypes.int64) + max(offset, 0)
    moved = movedim(x, (d1, d2), (nd - 2, nd - 1))
    y = IndexPut.apply(moved, s, idx=(Ellipsis, r, c), accumulate=False, advanced=True)
    return movedim(y, (nd - 2, nd - 1), (d1, d2))


def select_scatter(input, src, dim, index):
    """y = x with x.select(dim, index) replaced by ``src`` (x's shape without ``dim``)."""
    x = as_tensor(input)
    nd = x._data.ndim
    if nd == 0:
        raise IndexError("select_scatter: select() cannot be applied to a 0-dim tensor")
    axis = wrap_dim(dim, nd, "select_scatter")
    if not isinstance(index, numbers.Integral) or isinstance(index, bool):
        raise TypeError(f"select_scatter: index must be an int, got {type(index).__name__}")
    size = x._data.shape[axis]
    if not -size <= index < size:
        raise IndexError(f"select_scatter: index {index} is out of range for dimension {axis} with size {size} (a "
                         f"tensor of shape {tuple(x.shape)})")
    s = _values(src, x, "select_scatter", cast=True)
    _check_slice_shape(s, x._data.shape[:axis] + x._data.shape[axis + 1:], "select_scatter")
    return IndexPut.apply(x, s, idx=(slice(None),) * axis + (int(index),), accumulate=False, advanced=False)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """y = x with the slice start:end:step along ``dim`` replaced by ``src`` (that slice's shape)."""
    x = as_tensor(input)
    nd = x._data.ndim
    if nd == 0:
        raise IndexError("slice_scatter: slice() cannot be applied to a 0-dim tensor")
    axis = wrap_dim(dim, nd, "slice_scatter")
    for name, v in (("start", start), ("end", end), ("step", step)):
        if v is not None and (not isinstance(v, numbers.Integral) or isinstance(v, bool)):
            raise TypeError(f"slice_scatter: {name} must be an int or None, got {type(v).__name__}")
    if step is None:
        step = 1
    if step <= 0:
        raise ValueError(f"slice_scatter: slice step must be positive, got {step}")
    idx = (slice(None),) * axis + (slice(start, end, step),)
    s = _values(src, x, "slice_scatter", cast=True)
    _check_slice_shape(s, _indexed_shape(x, idx), "slice_scatter")
    return IndexPut.apply(x, s, idx=idx, accumulate=False, advanced=False)
