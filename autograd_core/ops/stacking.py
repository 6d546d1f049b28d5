"""Broadcasting, stacking and index grids: broadcast_tensors, broadcast_shapes, atleast_1d/2d/3d, hstack,
vstack (row_stack), dstack, column_stack, block_diag, cartesian_prod, rot90, tril_indices, triu_indices.

Every differentiable one is a composition of differentiable ops, so its gradient (of every order) is
the composition's:

    broadcast_tensors:  y_i = broadcast_to(x_i, s)         dL/dx_i = sum_to(dL/dy_i, x_i.shape)
    atleast_*d, *stack: reshapes and one cat               dL/dx_i = the i-th piece of dL/dy, reshaped
    block_diag:         each block padded with zeros, cat   dL/dx_i = dL/dy cropped to block i
    cartesian_prod:     meshgrid (expands), flattened, stacked  dL/dx_i = dL/dy[:, i] summed per entry
    rot90:              flips and a transpose               dL/dx = dL/dy rotated back
"""

import numbers

from backends import get_backend

from .. import dtypes
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, wrap_dim
from .arrange import flip, meshgrid
from .join import _common_dtype, cat, pad, stack
from .shape import broadcast_to, reshape, transpose


def _tensor_args(tensors, what):
    """``f(a, b)`` and ``f([a, b])`` alike: the arguments as a list of Tensors."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: expected tensors, but argument {i} is a {type(t).__name__}")
        out.append(t)
    return out


# --- broadcasting --------------------------------------------------------------------------------
def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (an int counts as a 1-d shape), as a tuple;
    a ValueError names the shapes that clash."""
    norm = []
    for s in shapes:
        if isinstance(s, numbers.Integral) and not isinstance(s, bool):
            s = (int(s),)
        elif isinstance(s, (tuple, list)) and all(isinstance(d, numbers.Integral) for d in s):
            s = tuple(int(d) for d in s)
        else:
            raise TypeError(f"broadcast_shapes: expected shapes (tuples of ints) or ints, got {s!r}")
        if any(d < 0 for d in s):
            raise ValueError(f"broadcast_shapes: shape {s} has a negative size")
        norm.append(s)
    nd = max((len(s) for s in norm), default=0)
    out = [1] * nd
    for s in norm:
        for i, d in enumerate(s):
            j = nd - len(s) + i
            if d != 1:
                if out[j] != 1 and out[j] != d:
                    listed = ", ".join(str(t) for t in norm)
                    raise ValueError(f"broadcast_shapes: shapes {listed} cannot be broadcast together (size {out[j]} "
                                     f"vs {d} in dimension {j - nd})")
                out[j] = d
    return tuple(out)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (a tuple); gradients sum back over the
    broadcast dims."""
    tensors = _tensor_args(tensors, "broadcast_tensors")
    try:
        shape = broadcast_shapes(*[tuple(t.shape) for t in tensors])
    except ValueError as exc:
        raise ValueError(str(exc).replace("broadcast_shapes", "broadcast_tensors")) from None
    return tuple(broadcast_to(t, shape) for t in tensors)


# --- at least n dims, stacking -------------------------------------------------------------------
def _atleast(tensors, n, what):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    ts = _tensor_args(tensors, what)
    out = []
    for t in ts:
        s = tuple(t.shape)
        if len(s) < n:
            if n == 3 and len(s) == 2:
                s = s + (1,)
            elif n == 3 and len(s) == 1:
                s = (1,) + s + (1,)
            else:
                s = (1,) * (n - len(s)) + s
            t = reshape(t, s)
        out.append(t)
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one becomes shape (1,)); one tensor in, one out."""
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast(tensors, 3, "atleast_3d")


def _sequence(tensors, what):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{what}: expected a non-empty list of tensors")
    return list(atleast_1d(*tensors)) if len(tensors) > 1 else [atleast_1d(tensors[0])]


def hstack(tensors):
    """Tensors joined column-wise: cat along dim 1, or along dim 0 when they are 1-d (0-d ones become 1-d)."""
    ts = _sequence(tensors, "hstack")
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    """Tensors joined row-wise: each made at least 2-d ((n,) -> (1, n)), then cat along dim 0."""
    _sequence(tensors, "vstack")
    ts = atleast_2d(*tensors)
    return cat(list(ts) if isinstance(ts, tuple) else [ts], 0)


row_stack = vstack


def dstack(tensors):
    """Tensors joined depth-wise: each made at least 3-d, then cat along dim 2."""
    _sequence(tensors, "dstack")
    ts = atleast_3d(*tensors)
    return cat(list(ts) if isinstance(ts, tuple) else [ts], 2)


def column_stack(tensors):
    """Tensors as the columns of a matrix: 0-d and 1-d ones become columns (n, 1), then cat along dim 1."""
    ts = _sequence(tensors, "column_stack")
    ts = [reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in ts]
    return cat(ts, 1)


# --- block_diag, cartesian_prod, rot90 -----------------------------------------------------------
def block_diag(*tensors):
    """The block-diagonal matrix with the given blocks (0-d: 1 x 1, 1-d of n: 1 x n, 2-d as they are)
    and zeros elsewhere, in the blocks' promoted dtype. Built from zero-padding and cat, so
    dL/dblock_i is dL/dy cropped to block i."""
    ts = _tensor_args(tensors, "block_diag")
    if not ts:
        return make_tensor(get_backend("cpu").xp.zeros((1, 0), dtype=dtypes.DEFAULT_FLOAT), get_backend("cpu"))
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise ValueError(f"block_diag: expected 0-d, 1-d or 2-d tensors, but tensor {i} has shape {tuple(t.shape)}")
        if t._backend is not ts[0]._backend:
            raise RuntimeError(f"block_diag: tensor {i} is on {t.device} but tensor 0 is on {ts[0].device}")
    ts = _common_dtype([reshape(t, (1, 1)) if t.ndim == 0 else reshape(t, (1, -1)) if t.ndim == 1 else t for t in ts],
                       "block_diag")
    cols = [t.shape[1] for t in ts]
    total, left, rows = sum(cols), 0, []
    for t, c in zip(ts, cols):
        rows.append(pad(t, (left, total - left - c)) if total != c else t)
        left += c
    return cat(rows, 0)


def cartesian_prod(*tensors):
    """Every combination of one entry from each 1-d tensor, as the rows of a (prod n_i, k) tensor (the
    last tensor varies fastest); one tensor gives itself back."""
    ts = _tensor_args(tensors, "cartesian_prod")
    if not ts:
        raise ValueError("cartesian_prod: expected at least one tensor")
    for i, t in enumerate(ts):
        if t.ndim != 1:
            raise ValueError(f"cartesian_prod: expected 1-d tensors, but tensor {i} has shape {tuple(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    ts = _common_dtype(ts, "cartesian_prod")
    return stack([reshape(g, (-1,)) for g in meshgrid(*ts, indexing="ij")], 1)


def rot90(input, k=1, dims=(0, 1)):
    """``input`` rotated by k * 90 degrees in the plane of ``dims``, from the first towards the second
    dim: k = 1 flips dims[1] then swaps the two dims, k = 2 flips both, k = 3 flips dims[0] then swaps
    (k is taken mod 4; negative k turns the other way)."""
    x = as_tensor(input)
    dims = tuple(dims) if isinstance(dims, (list, tuple)) else dims
    if not isinstance(dims, tuple) or len(dims) != 2:
        raise ValueError(f"rot90: dims must name exactly 2 dimensions, got {dims!r}")
    if x.ndim < 2:
        raise ValueError(f"rot90: expected a tensor with at least 2 dimensions, got shape {tuple(x.shape)}")
    d0, d1 = (wrap_dim(d, x.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise ValueError(f"rot90: the rotation dims must differ, got dims={dims!r}")
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        raise TypeError(f"rot90: k must be an int, got {k!r}")
    k = int(k) % 4
    if k == 1:
        return transpose(flip(x, d1), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, d0), d0, d1)
    return x.clone()


# --- triangle index grids ------------------------------------------------------------------------
def _tri_indices(row, col, offset, dtype, device, lower, what):
    for name, v in (("row", row), ("col", col), ("offset", offset)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"{what}: {name} must be an int, got {v!r}")
    if row < 0 or col < 0:
        raise ValueError(f"{what}: row and col must be non-negative, got row={row}, col={col}")
    dt = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    if dt.kind not in "iu":
        raise TypeError(f"{what}: dtype must be an integer type, got {dt.name}")
    backend = get_backend("cpu" if device is None else device)
    xp = backend.xp
    r, c = (xp.tril_indices if lower else xp.triu_indices)(int(row), int(offset), int(col))
    return make_tensor(xp.stack([r, c]).astype(dt, copy=False), backend)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) int64 coordinates of the lower triangle (j - i <= offset) of a row x col matrix, in
    row-major order: row indices in row 0, column indices in row 1."""
    return _tri_indices(row, col, offset, dtype, device, True, "tril_indices")


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) int64 coordinates of the upper triangle (j - i >= offset) of a row x col matrix, in
    row-major order."""
    return _tri_indices(row, col, offset, dtype, device, False, "triu_indices")
