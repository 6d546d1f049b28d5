"""Indexing: x[index] with ints, slices, None, Ellipsis, integer arrays and boolean masks; gather,
index_select, masked_fill.

Every read is one op, ``GetItem`` (y = x[idx]), whose backward is ``GetItemGrad``: zeros of x's
shape with the output gradient written back at ``idx``. Where ``idx`` holds integer arrays the same
element may be read twice (``x[[0, 0, 1]]``), so the write is a scatter-add and duplicates
accumulate. GetItemGrad's own backward reads at ``idx`` again, so indexing has gradients of every
order. ``gather`` and ``index_select`` are GetItems with an index built for them.
"""

import numbers

import numpy

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, is_scalar, wrap_dim


class GetItem(Function):
    """y = x[idx];  dL/dx = zeros(x.shape) with dL/dy written (scatter-added) at idx"""

    def forward(self, x, idx, scatter):
        self.in_shape, self.idx, self.scatter = x.shape, idx, scatter
        return x[idx]

    def backward(self, gy):
        return GetItemGrad.apply(gy, idx=self.idx, in_shape=self.in_shape, scatter=self.scatter)


class GetItemGrad(Function):
    """gx = zeros(in_shape); gx[idx] += gy (duplicates in idx accumulate);  dL/dgy = (dL/dgx)[idx]"""

    def forward(self, gy, idx, in_shape, scatter):
        self.idx, self.scatter = idx, scatter
        gx = self.backend.xp.zeros(in_shape, dtype=gy.dtype)
        if scatter:
            self.backend.scatter_add(gx, idx, gy)
        else:
            gx[idx] = gy
        return gx

    def backward(self, ggx):
        return GetItem.apply(ggx, idx=self.idx, scatter=self.scatter)


class IndexSelect(GetItem):
    """y = x.take(index, axis=dim);  dL/dx = zeros(x.shape) with dL/dy scatter-added at index along dim"""


class Gather(GetItem):
    """y[i, j, k] = x[index[i, j, k], j, k] (for dim 0);  dL/dx[index[i, j, k], j, k] += dL/dy[i, j, k]"""


# --- index normalization -------------------------------------------------------------------------
def _index_array(item, x, what):
    """``item`` (a Tensor, a list or an array) as an integer or bool array on ``x``'s device."""
    backend = x._backend
    if isinstance(item, Tensor):
        if item._backend is not backend:
            raise RuntimeError(f"{what}: the index tensor is on {item.device} but the indexed tensor (shape "
                               f"{tuple(x.shape)}) is on {x.device}; move the index with .to({str(x.device)!r})")
        arr = item._data
    elif isinstance(item, backend.array_type):
        arr = item
    elif isinstance(item, numpy.ndarray):
        arr = backend.from_host(item)
    elif isinstance(item, (list, tuple)):
        try:
            host = numpy.array(item)
        except (ValueError, TypeError, RuntimeError) as exc:
            raise TypeError(f"{what}: can't use the sequence {item!r:.80} as an index: {exc}") from None
        if host.size == 0 and host.dtype.kind == "f":
            host = host.astype(dtypes.int64)
        if host.dtype == object:
            raise TypeError(f"{what}: a list used as an index must hold only ints or only bools, got {item!r:.80}")
        arr = host if backend.array_type is numpy.ndarray else backend.from_host(host)
    elif hasattr(item, "__cuda_array_interface__") or hasattr(item, "__dlpack__"):
        raise RuntimeError(f"{what}: an index array of type {type(item).__name__} can't index a tensor on "
                           f"{x.device}; pass a Tensor on that device")
    else:
        raise TypeError(f"{what}: unsupported index of type {type(item).__name__}: {item!r:.80}; use ints, slices, "
                        f"None, ..., lists, or integer/bool tensors")
    kind = arr.dtype.kind
    if kind not in "biu":
        raise TypeError(f"{what}: tensors used as indices must be integer or bool, got dtype {arr.dtype.name}")
    return arr


def _convert(item, x):
    if item is None or item is Ellipsis:
        return item
    if isinstance(item, slice):
        return item
    if isinstance(item, (bool, numpy.bool_)):
        return bool(item)
    if isinstance(item, (numbers.Integral, numpy.integer)):
        return int(item)
    if isinstance(item, (float, numpy.floating)):
        raise TypeError(f"index: a float ({item!r}) can't be used as an index; use an int")
    return _index_array(item, x, "index")


def _check(items, index, shape):
    """Raise a clear IndexError for too many indices, a mask of the wrong shape, or an index out of range."""
    nd = len(shape)
    used, n_ellipsis = 0, 0
    for it in items:
        if it is Ellipsis:
            n_ellipsis += 1
        elif it is None or it.__class__ is bool:
            continue
        elif it.__class__ is int or it.__class__ is slice:
            used += 1
        else:
            used += it.ndim if it.dtype.kind == "b" else 1
    if n_ellipsis > 1:
        raise IndexError("index: an index can only have a single ellipsis ('...')")
    if used > nd:
        raise IndexError(f"too many indices for a tensor of dimension {nd} (shape {tuple(shape)}): the index "
                         f"{index!r:.100} indexes {used} dimensions")
    d = 0
    for it in items:
        if it is Ellipsis:
            d += nd - used
        elif it is None or it.__class__ is bool:
            continue
        elif it.__class__ is slice:
            d += 1
        elif it.__class__ is int:
            if not -shape[d] <= it < shape[d]:
                raise IndexError(f"index {it} is out of bounds for dimension {d} with size {shape[d]} "
                                 f"(indexing a tensor of shape {tuple(shape)})")
            d += 1
        elif it.dtype.kind == "b":
            m = it.ndim
            if tuple(it.shape) != tuple(shape[d:d + m]):
                raise IndexError(f"the boolean mask of shape {tuple(it.shape)} does not match the indexed "
                                 f"dimensions {tuple(shape[d:d + m])} (starting at dimension {d}) of the tensor "
                                 f"of shape {tuple(shape)}")
            d += m
        else:
            _check_range(it, d, shape, "index", negative=True)
            d += 1


def _check_range(arr, d, shape, what, negative):
    if arr.size == 0:
        return
    size = shape[d]
    lo, hi = int(arr.min()), int(arr.max())
    bad = hi if hi >= size else (lo if lo < (-size if negative else 0) else None)
    if bad is not None:
        prefix = "" if what == "index" else f"{what}: "
        raise IndexError(f"{prefix}index {bad} is out of bounds for dimension {d} with size {size} "
                         f"(indexing a tensor of shape {tuple(shape)})")


def normalize_index(index, x):
    """``index`` (one item or a tuple) as an index ``x``'s backend array accepts.

    Tensors become their arrays (they must be on ``x``'s device), lists become integer arrays
    (bool lists become masks), float indices raise TypeError, and an out-of-range index raises an
    IndexError naming the dimension, its size and the tensor's shape.
    """
    items = index if index.__class__ is tuple else (index,)
    items = tuple(_convert(it, x) for it in items)
    _check(items, index, x._data.shape)
    return items


def _has_int_array(items):
    return any(it.__class__ is not int and it.__class__ is not bool and hasattr(it, "dtype")
               and it.dtype.kind in "iu" for it in items)


def getitem(x, index):
    """``x[index]``: basic and advanced indexing as NumPy and PyTorch do it, differentiably."""
    idx = normalize_index(index, x)
    try:
        return GetItem.apply(x, idx=idx, scatter=_has_int_array(idx))
    except IndexError as exc:
        raise IndexError(f"{str(exc).replace('axis', 'dimension')} (indexing a tensor of shape "
                         f"{tuple(x.shape)} with {index!r:.100})") from None


def _int_index(index, x, what):
    if is_scalar(index) and not isinstance(index, (bool, float)):
        return x._backend.xp.asarray(int(index), dtype=dtypes.int64)
    arr = _index_array(index, x, what)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{what}: index must be an integer tensor, got dtype {arr.dtype.name}")
    return arr


def index_select(x, dim, index):
    """The entries of ``x`` at positions ``index`` (a 1-d integer tensor) along ``dim``."""
    axis = wrap_dim(dim, x._data.ndim, "index_select")
    idx = _int_index(index, x, "index_select")
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-d, got shape {tuple(idx.shape)}")
    shape = x._data.shape
    if not shape:
        _check_range(idx, 0, (1,), "index_select", negative=False)
        return IndexSelect.apply(x, idx=(), scatter=False)
    _check_range(idx, axis, shape, "index_select", negative=False)
    ix = (slice(None),) * axis + (idx.reshape(-1),)
    return IndexSelect.apply(x, idx=ix, scatter=True)


def gather(x, dim, index):
    """``y[i][j][k] = x[index[i][j][k]][j][k]`` for dim 0 (and likewise for other dims), as torch.gather.

    ``index`` has as many dims as ``x`` and no larger size than ``x`` in the dims other than ``dim``.
    """
    shape = x._data.shape
    nd = len(shape)
    axis = wrap_dim(dim, nd, "gather")
    idx = _int_index(index, x, "gather")
    if idx.ndim != nd:
        raise ValueError(f"gather: index (shape {tuple(idx.shape)}) must have as many dimensions as the input "
                         f"(shape {tuple(shape)})")
    for d in range(nd):
        if d != axis and idx.shape[d] > shape[d]:
            raise ValueError(f"gather: index has shape {tuple(idx.shape)} but the input has shape {tuple(shape)}; "
                             f"the index may not be larger than the input in dimension {d} (dim is {axis})")
    if nd == 0:
        _check_range(idx, 0, (1,), "gather", negative=False)
        return Gather.apply(x, idx=(), scatter=False)
    _check_range(idx, axis, shape, "gather", negative=False)
    xp = x._backend.xp
    ix = tuple(idx if d == axis else xp.arange(n).reshape((1,) * d + (n,) + (1,) * (nd - d - 1))
               for d, n in enumerate(idx.shape))
    return Gather.apply(x, idx=ix, scatter=True)


# --- masked_fill ---------------------------------------------------------------------------------
class MaskedFill(Function):
    """y = value where mask else x;  dL/dx = sum_to(dL/dy where not mask else 0, x.shape)"""

    def forward(self, x, mask, value):
        xp = self.backend.xp
        self.mask, self.in_shape = mask, x.shape
        return xp.where(mask, xp.asarray(value, dtype=x.dtype), x)

    def backward(self, gy):
        from .shape import sum_to
        from .unary import where

        return sum_to(where(make_tensor(self.mask, self.backend), 0.0, gy), self.in_shape)


def _broadcast_shape(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for p, q in zip(a, b):
        if p != q and p != 1 and q != 1:
            return None
        out.append(q if p == 1 else p)
    return tuple(out)


def masked_fill(x, mask, value):
    """``x`` with ``value`` where the bool ``mask`` (broadcast against ``x``) is True; the gradient
    is zero there. ``value`` is a number or a 0-d tensor (which then gets the gradient of the
    filled entries)."""
    if not isinstance(mask, Tensor):
        mask = as_tensor(mask, x)
    if mask._backend is not x._backend:
        raise RuntimeError(f"masked_fill: the mask is on {mask.device} but the tensor (shape {tuple(x.shape)}) is "
                           f"on {x.device}")
    if mask._data.dtype.kind != "b":
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype.name}")
    if _broadcast_shape(x._data.shape, mask._data.shape) is None:
        raise ValueError(f"masked_fill: the mask of shape {tuple(mask.shape)} can't be broadcast against the "
                         f"tensor of shape {tuple(x.shape)}")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise ValueError(f"masked_fill: a tensor value must be 0-dimensional, got shape {tuple(value.shape)}")
        from .unary import where

        return where(mask, value.to(device=x.device, dtype=x.dtype), x)
    if not is_scalar(value):
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    kind = x._data.dtype.kind
    if kind != "f":  # an integer or bool tensor keeps its dtype: the value is converted to it
        value = bool(value) if kind == "b" else int(value)
    return MaskedFill.apply(x, mask=mask._data, value=value)


# --- scatter -------------------------------------------------------------------------------------
class Scatter(Function):
    """y = x with src written at ``idx`` (``add``: added there, duplicates accumulating);
    dL/dx = dL/dy (``add``) or dL/dy with 0 at ``idx`` (a plain write hides what was there);
    dL/dsrc = dL/dy read at ``idx`` (a gather)"""

    def forward(self, x, src, idx, add):
        self.idx, self.add = idx, add
        y = x.copy()
        if add:
            self.backend.scatter_add(y, idx, src)
        else:
            y[idx] = src
        return y

    def backward(self, gy):
        gx = gsrc = None
        if self._next[0] is not None:
            gx = gy if self.add else Scatter.apply(gy, gy.new_zeros(()).expand(*self.idx[0].shape), idx=self.idx,
                                                   add=False)
        if self._next[1] is not None:
            gsrc = GetItem.apply(gy, idx=self.idx, scatter=True)
        return gx, gsrc


def _scatter_index(x, dim, index, src, what):
    """(the full index tuple, src as a tensor of index's shape) for scatter along ``dim``."""
    shape = x._data.shape
    nd = len(shape)
    axis = wrap_dim(dim, nd, what)
    idx = _int_index(index, x, what)
    if idx.ndim != nd:
        raise ValueError(f"{what}: index (shape {tuple(idx.shape)}) must have as many dimensions as the tensor "
                         f"(shape {tuple(shape)})")
    if isinstance(src, Tensor):
        if src._backend is not x._backend:
            raise RuntimeError(f"{what}: src is on {src.device} but the tensor is on {x.device}")
        if src._data.ndim != nd:
            raise ValueError(f"{what}: src (shape {tuple(src.shape)}) must have as many dimensions as the tensor "
                             f"(shape {tuple(shape)})")
        for d in range(nd):
            if idx.shape[d] > src._data.shape[d] or (d != axis and idx.shape[d] > shape[d]):
                raise ValueError(f"{what}: index has shape {tuple(idx.shape)}, larger than src {tuple(src.shape)} "
                                 f"or (outside dim {axis}) the tensor {tuple(shape)} in dimension {d}")
        if src._data.dtype != x._data.dtype:
            src = src.to(dtype=x.dtype)
        if tuple(src._data.shape) != tuple(idx.shape):
            src = getitem(src, tuple(slice(0, n) for n in idx.shape))
    elif is_scalar(src):
        for d in range(nd):
            if d != axis and idx.shape[d] > shape[d]:
                raise ValueError(f"{what}: index has shape {tuple(idx.shape)}, larger than the tensor {tuple(shape)} "
                                 f"in dimension {d} (dim is {axis})")
        src = make_tensor(x._backend.xp.full(idx.shape, src, dtype=x._data.dtype), x._backend)
    else:
        raise TypeError(f"{what}: src must be a tensor or a number, got {type(src).__name__}")
    if idx.size:
        _check_range(idx, axis, shape, what, negative=False)
    xp = x._backend.xp
    ix = tuple(idx if d == axis else xp.arange(n).reshape((1,) * d + (n,) + (1,) * (nd - d - 1))
               for d, n in enumerate(idx.shape))
    ix = tuple(xp.broadcast_to(a, idx.shape) for a in ix)
    return ix, src


def scatter(x, dim, index, src=None, value=None, reduce=None):
    """``x`` with ``src[i][j][k]`` written at ``[index[i][j][k]][j][k]`` (dim 0; likewise for other dims),
    as torch.scatter; ``src`` may be a number (or given as ``value``). With ``reduce="add"`` the
    entries are added instead (as ``scatter_add``). Where ``index`` repeats a position, which write
    wins is unspecified (as in PyTorch)."""
    if src is None:
        src = value
    if reduce not in (None, "add"):
        raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
    ix, src = _scatter_index(x, dim, index, src, "scatter")
    return Scatter.apply(x, src, idx=ix, add=reduce == "add")


def scatter_add(x, dim, index, src):
    """``x`` with ``src[i][j][k]`` added at ``[index[i][j][k]][j][k]`` (dim 0; likewise for other dims);
    repeated positions accumulate. The gradient reaches x unchanged and src as a gather."""
    ix, src = _scatter_index(x, dim, index, src, "scatter_add")
    return Scatter.apply(x, src, idx=ix, add=True)
