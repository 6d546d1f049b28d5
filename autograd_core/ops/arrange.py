"""Ops that reorder or select entries: flip, roll, cumsum, sort, argsort, topk, tril, triu, diagonal,
diag, narrow, nonzero, count_nonzero, contiguous, meshgrid, repeat_interleave, unique (rounding and
nan_to_num are in ``rounding``).

Each gradient is the same kind of map run backwards:

    flip:     dL/dx = flip(dL/dy)                   (the same dims)
    roll:     dL/dx = roll(dL/dy, -shifts)
    cumsum:   dL/dx_i = sum_{j >= i} dL/dy_j        = flip(cumsum(flip(dL/dy)))
    sort, topk: values = gather(x, dim, indices), so dL/dx is dL/dvalues scattered back to indices
    tril, triu: the same mask on dL/dy
    diagonal, diag, narrow: reads (or a write) at fixed positions: getitem and its scatter
    repeat_interleave: an index_select, so dL/dx sums the copies

so every op here has gradients of every order (each backward is built from differentiable ops).
"""

import collections
import numbers

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, wrap_dim
from .index import GetItemGrad, gather, getitem
from .shape import expand, movedim, reshape

SortResult = collections.namedtuple("SortResult", ["values", "indices"])
TopkResult = collections.namedtuple("TopkResult", ["values", "indices"])


def _dims_tuple(dims, ndim, what):
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    axes = tuple(wrap_dim(d, ndim, what) for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{what}: dims {dims} name a dimension more than once")
    return axes


# --- flip and roll -------------------------------------------------------------------------------
class Flip(Function):
    """y = x reversed along ``axes``;  dL/dx = dL/dy reversed along the same axes"""

    def forward(self, x, axes):
        self.axes = axes
        return self.backend.xp.ascontiguousarray(self.backend.xp.flip(x, axis=axes))

    def backward(self, gy):
        return Flip.apply(gy, axes=self.axes)


def flip(x, dims):
    """``x`` with the order of its entries reversed along ``dims`` (an int or a sequence), a copy as in
    PyTorch."""
    x = as_tensor(x)
    if x._data.ndim == 0:
        _dims_tuple(dims, 0, "flip")  # dim 0 / -1 are the valid names of a 0-d tensor's one "dimension"
        return Flip.apply(x, axes=())
    return Flip.apply(x, axes=_dims_tuple(dims, x._data.ndim, "flip"))


def fliplr(x):
    """flip(x, 1): left and right swapped (at least 2 dims)."""
    if x.ndim < 2:
        raise ValueError(f"fliplr: the input must have at least 2 dimensions, got shape {tuple(x.shape)}")
    return flip(x, 1)


def flipud(x):
    """flip(x, 0): up and down swapped (at least 1 dim)."""
    if x.ndim < 1:
        raise ValueError("flipud: the input must have at least 1 dimension, got a 0-d tensor")
    return flip(x, 0)


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``axes`` (the flattened x when axes is None);
    dL/dx = dL/dy shifted back by -shifts"""

    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return self.backend.xp.roll(x, shifts, axis=axes)

    def backward(self, gy):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return Roll.apply(gy, shifts=back, axes=self.axes)


def roll(x, shifts, dims=None):
    """Entries shifted by ``shifts`` along ``dims``, wrapping around (PyTorch's roll: without dims the
    tensor is flattened, rolled and given its shape back)."""
    x = as_tensor(x)
    if dims is None:
        if not isinstance(shifts, numbers.Integral):
            if len(tuple(shifts)) != 1:
                raise ValueError(f"roll: without dims, shifts must be one int, got {shifts!r}")
            shifts = tuple(shifts)[0]
        return Roll.apply(x, shifts=int(shifts), axes=None)
    single = isinstance(dims, numbers.Integral)
    axes = (wrap_dim(dims, x._data.ndim, "roll"),) if single else tuple(
        wrap_dim(d, x._data.ndim, "roll") for d in dims)
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shifts {shifts} and dims {dims!r} must have the same length")
    return Roll.apply(x, shifts=tuple(int(s) for s in shifts), axes=axes)


# --- cumsum --------------------------------------------------------------------------------------
class Cumsum(Function):
    """y_i = sum_{j <= i} x_j along ``axis``;  dL/dx_i = sum_{j >= i} dL/dy_j (a reversed cumsum)"""

    def forward(self, x, axis, dtype):
        self.axis = axis
        return self.backend.xp.cumsum(x, axis=axis, dtype=dtype)

    def backward(self, gy):
        return flip(cumsum(flip(gy, self.axis), self.axis), self.axis)


def cumsum(x, dim, dtype=None):
    """Running sums along ``dim``. Integer and bool inputs sum in int64 (PyTorch's rule) unless ``dtype``
    says otherwise."""
    x = as_tensor(x)
    axis = wrap_dim(dim, x._data.ndim, "cumsum")
    if dtype is not None:
        dt = dtypes.to_dtype(dtype)
    else:
        dt = dtypes.int64 if x._data.dtype.kind in "biu" else x._data.dtype
    if x._data.dtype != dt:
        x = x.to(dtype=dt)
    if x._data.ndim == 0:
        return Cumsum.apply(reshape(x, (1,)), axis=0, dtype=dt).reshape(())
    return Cumsum.apply(x, axis=axis, dtype=dt)


# --- sort, argsort, topk -------------------------------------------------------------------------
def _argsort(arr, axis, descending, xp):
    """Stable sort indices: equal entries keep their order, NaN counts as the largest value (last
    ascending, first descending), as in PyTorch's stable sort."""
    if not descending:
        return xp.argsort(arr, axis=axis, kind="stable")
    n = arr.shape[axis]
    rev = xp.flip(xp.argsort(xp.flip(arr, axis=axis), axis=axis, kind="stable"), axis=axis)
    return (n - 1) - rev


def _index_tensor(arr, backend):
    return make_tensor(arr.astype(dtypes.int64, copy=False), backend)


def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort ``x`` along ``dim`` (int64). Sorting is always stable here: equal entries
    keep their order (``stable`` is accepted for PyTorch's signature)."""
    x = as_tensor(x)
    if x._data.ndim == 0:
        wrap_dim(dim, 0, "argsort")
        return _index_tensor(x._backend.xp.zeros((), dtype=dtypes.int64), x._backend)
    axis = wrap_dim(dim, x._data.ndim, "argsort")
    return _index_tensor(_argsort(x._data, axis, descending, x._backend.xp), x._backend)


def sort(x, dim=-1, descending=False, stable=False):
    """(values, indices): ``x`` sorted along ``dim``, and where each value came from. The values are
    ``gather(x, dim, indices)``, so the gradient flows back to the entries they came from."""
    x = as_tensor(x)
    idx = argsort(x, dim, descending, stable)
    if x._data.ndim == 0:
        return SortResult(x, idx)
    return SortResult(gather(x, wrap_dim(dim, x._data.ndim, "sort"), idx), idx)


def topk(x, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the ``k`` largest (or, with ``largest=False``, smallest) entries along ``dim``,
    in sorted order; ties go to the earlier entry."""
    x = as_tensor(x)
    nd = x._data.ndim
    axis = wrap_dim(dim, nd, "topk")
    size = x._data.shape[axis] if nd else 1
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 0 <= k <= size:
        raise ValueError(f"topk: k must be an int in [0, {size}] (the size of dimension {axis} of a tensor of "
                         f"shape {tuple(x.shape)}), got {k!r}")
    if nd == 0:
        return TopkResult(x, _index_tensor(x._backend.xp.zeros((), dtype=dtypes.int64), x._backend))
    order = _argsort(x._data, axis, largest, x._backend.xp)
    idx = _index_tensor(order[(slice(None),) * axis + (slice(0, k),)], x._backend)
    return TopkResult(gather(x, axis, idx), idx)


# --- tril, triu, diagonal, diag ------------------------------------------------------------------
class Triangle(Function):
    """y = x with the entries above (tril) or below (triu) diagonal k zeroed;  dL/dx = the same mask on
    dL/dy (the map is its own adjoint)"""

    def forward(self, x, k, upper):
        self.k, self.upper = k, upper
        xp = self.backend.xp
        return xp.triu(x, k) if upper else xp.tril(x, k)

    def backward(self, gy):
        return Triangle.apply(gy, k=self.k, upper=self.upper)


def _triangle(x, diagonal, upper, what):
    x = as_tensor(x)
    if x._data.ndim < 2:
        raise ValueError(f"{what}: the input must have at least 2 dimensions, got shape {tuple(x.shape)}")
    if not isinstance(diagonal, numbers.Integral):
        raise TypeError(f"{what}: diagonal must be an int, got {diagonal!r}")
    return Triangle.apply(x, k=int(diagonal), upper=upper)


def tril(x, diagonal=0):
    """The lower triangle of the last two dims: entries (i, j) with j - i <= diagonal kept, the rest 0."""
    return _triangle(x, diagonal, False, "tril")


def triu(x, diagonal=0):
    """The upper triangle of the last two dims: entries (i, j) with j - i >= diagonal kept, the rest 0."""
    return _triangle(x, diagonal, True, "triu")


def _diag_positions(n, m, offset, xp):
    """Row and column indices of diagonal ``offset`` of an n x m matrix."""
    r0, c0 = max(0, -offset), max(0, offset)
    length = max(0, min(n - r0, m - c0))
    rows = xp.arange(r0, r0 + length, dtype=dtypes.int64)
    return rows, rows + (c0 - r0)


def diagonal(x, offset=0, dim1=0, dim2=1):
    """The entries x[..., i, i + offset, ...] of the 2-d slices in dims (dim1, dim2), as a new last dim
    (PyTorch's diagonal: the other dims keep their order)."""
    x = as_tensor(x)
    nd = x._data.ndim
    if nd < 2:
        raise ValueError(f"diagonal: the input must have at least 2 dimensions, got shape {tuple(x.shape)}")
    a, b = wrap_dim(dim1, nd, "diagonal"), wrap_dim(dim2, nd, "diagonal")
    if a == b:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2}")
    y = movedim(x, (a, b), (nd - 2, nd - 1))
    rows, cols = _diag_positions(y.shape[-2], y.shape[-1], int(offset), x._backend.xp)
    return getitem(y, (Ellipsis, make_tensor(rows, x._backend), make_tensor(cols, x._backend)))


_diagonal = diagonal  # diag's argument is called diagonal, as in PyTorch


def diag(x, diagonal=0):
    """A 1-d ``x``: the square matrix with ``x`` on diagonal ``diagonal`` and 0 elsewhere. A 2-d ``x``:
    its diagonal ``diagonal`` as a 1-d tensor."""
    x = as_tensor(x)
    nd = x._data.ndim
    if nd == 2:
        return _diagonal(x, diagonal, 0, 1)
    if nd != 1:
        raise ValueError(f"diag: the input must be 1-d or 2-d, got shape {tuple(x.shape)}")
    n = x._data.shape[0] + abs(int(diagonal))
    rows, cols = _diag_positions(n, n, int(diagonal), x._backend.xp)
    # the write of the entries at (rows, cols) into zeros is the gradient of that read: a scatter
    return GetItemGrad.apply(x, idx=(rows, cols), in_shape=(n, n), scatter=False)


def narrow(x, dim, start, length):
    """The ``length`` entries of ``x`` from ``start`` along ``dim`` (a view in PyTorch, a slice here)."""
    x = as_tensor(x)
    axis = wrap_dim(dim, x._data.ndim, "narrow")
    size = x._data.shape[axis]
    if isinstance(start, Tensor):
        start = int(start.item())
    if not -size <= start <= size:
        raise IndexError(f"narrow: start {start} is out of range for dimension {axis} of size {size}")
    start = start + size if start < 0 else start
    if length < 0 or start + length > size:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension {axis} of size {size} "
                         f"(a tensor of shape {tuple(x.shape)})")
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))


# --- queries without gradients -------------------------------------------------------------------
def nonzero(x, as_tuple=False):
    """The indices of the nonzero entries: an int64 tensor (count, ndim), or with ``as_tuple`` one 1-d
    tensor per dim."""
    x = as_tensor(x)
    xp, backend = x._backend.xp, x._backend
    arr = x._data if x._data.ndim else x._data.reshape(1)
    parts = xp.nonzero(arr)
    if as_tuple:
        return tuple(_index_tensor(p, backend) for p in parts)
    if x._data.ndim == 0:
        return _index_tensor(xp.zeros((len(parts[0]), 0), dtype=dtypes.int64), backend)
    return _index_tensor(xp.stack(parts, axis=1), backend)


def count_nonzero(x, dim=None):
    """The number of nonzero entries (over ``dim``: an int or a tuple; all entries without it), int64."""
    x = as_tensor(x)
    axis = None
    if dim is not None:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        axis = tuple(wrap_dim(d, x._data.ndim, "count_nonzero") for d in dims)
    return _index_tensor(x._backend.xp.asarray(x._backend.xp.count_nonzero(x._data, axis=axis)), x._backend)


# --- layout and grids ----------------------------------------------------------------------------
class Contiguous(Function):
    """y = x laid out row-major in memory (a copy);  dL/dx = dL/dy"""

    def forward(self, x):
        return self.backend.xp.ascontiguousarray(x)

    def backward(self, gy):
        return gy


def is_contiguous(x):
    """True when the data is laid out row-major (C order) in memory."""
    flags = getattr(x._data, "flags", None)
    return True if flags is None else bool(flags.c_contiguous)


def contiguous(x):
    """``x`` itself when it is row-major in memory already, else a row-major copy (in the graph)."""
    return x if is_contiguous(x) else Contiguous.apply(x)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-d tensors: with ``indexing="ij"`` (the default, as PyTorch's) grid i varies
    along dim i; with "xy" the first two dims are swapped (NumPy's default). Each grid is an expanded
    view of its input, so gradients sum over the grid."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    tensors = [as_tensor(t) for t in tensors]
    for i, t in enumerate(tensors):
        if t._data.ndim > 1:
            raise ValueError(f"meshgrid: expected 0-d or 1-d tensors, got shape {tuple(t.shape)} at position {i}")
    sizes = [int(t._data.size) for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0
    shape = tuple(sizes[j] for j in order)
    grids = []
    for i, t in enumerate(tensors):
        pos = order.index(i)
        view = [1] * len(tensors)
        view[pos] = sizes[i]
        grids.append(expand(reshape(t, tuple(view)), shape))
    return tuple(grids)


# --- repeat_interleave and unique ----------------------------------------------------------------
def repeat_interleave(x, repeats, dim=None):
    """Each entry repeated ``repeats`` times (an int, or a 1-d tensor of one count per entry) along
    ``dim``; without ``dim`` the flattened tensor. An index_select, so the gradient sums the copies."""
    from .index import index_select

    x = as_tensor(x)
    if dim is None:
        x, axis = reshape(x, (-1,)), 0
    else:
        axis = wrap_dim(dim, x._data.ndim, "repeat_interleave")
    xp = x._backend.xp
    n = x._data.shape[axis] if x._data.ndim else 1
    if isinstance(repeats, Tensor):
        if repeats._backend is not x._backend:
            raise RuntimeError(f"repeat_interleave: repeats is on {repeats.device} but the tensor is on {x.device}")
        if repeats._data.dtype.kind not in "iu" or repeats._data.ndim > 1:
            raise TypeError(f"repeat_interleave: repeats must be an int or a 0-d/1-d integer tensor, got dtype "
                            f"{repeats.dtype.name} and shape {tuple(repeats.shape)}")
        # the counts on the host (one explicit copy, as PyTorch syncs here too): their sum is the size
        counts = x._backend.to_host(repeats._data)
        if counts.ndim == 1 and counts.shape[0] != n:
            raise ValueError(f"repeat_interleave: repeats has {counts.shape[0]} counts but dimension {axis} has "
                             f"{n} entries")
        if counts.size and int(counts.min()) < 0:
            raise ValueError("repeat_interleave: repeats must be non-negative")
        counts = counts.tolist() if counts.ndim else int(counts)
    elif isinstance(repeats, numbers.Integral) and not isinstance(repeats, bool):
        if repeats < 0:
            raise ValueError(f"repeat_interleave: repeats must be non-negative, got {repeats}")
        counts = int(repeats)
    else:
        raise TypeError(f"repeat_interleave: repeats must be an int or an integer tensor, got {repeats!r}")
    positions = xp.repeat(xp.arange(n, dtype=dtypes.int64), counts)
    if x._data.ndim == 0:
        x = reshape(x, (1,))
    return index_select(x, axis, make_tensor(positions, x._backend))


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of ``x`` (flattened), in ascending order; with ``return_inverse`` also where
    each entry of ``x`` went (x's shape), with ``return_counts`` how often each value occurs. No
    gradient (as in PyTorch)."""
    x = as_tensor(x)
    if dim is not None:
        raise NotImplementedError(f"unique: dim={dim!r} (unique slices) is not supported; unique works on the "
                                  f"flattened tensor")
    xp, backend = x._backend.xp, x._backend
    values, inverse, counts = xp.unique(x._data.reshape(-1), return_inverse=True, return_counts=True)
    out = [make_tensor(values, backend)]
    if return_inverse:
        out.append(_index_tensor(inverse.reshape(x._data.shape), backend))
    if return_counts:
        out.append(_index_tensor(counts, backend))
    return out[0] if len(out) == 1 else tuple(out)
