"""More of PyTorch's functions, most composed from the differentiable ops (so they have gradients of every
order without a backward of their own):

    select(x, dim, i)          = x[..., i, ...] (i at dim)            tile(x, dims) = repeat with leading 1s
    index_fill(x, dim, i, v)   = x with the slices i along dim set to v;  dL/dx = dL/dy with 0 there,
                                 dL/dv = the sum of dL/dy there (v a 0-d tensor)
    index_copy(x, dim, i, s)   = x with the slices i along dim replaced by s;  dL/ds = dL/dy at i
    take_along_dim(x, i, dim)  = gather of x and i broadcast against each other (the flattened x without dim)
    tensor_split, hsplit, vsplit, dsplit: pieces of x (slices, so dL/dx is each piece's gradient in place)
    msort(x) = sort(x, 0).values;  positive(x) = x;  sgn(x) = sign(x) (real tensors)
    mv(A, v) = A v;  inner(a, b) = sum_k a[..., k] b[..., k];  vdot(a, b) = sum a b;
    addmv(x, A, v) = beta x + alpha A v;  addr(x, a, b) = beta x + alpha a b^T;  ger = outer
    fmax(a, b), fmin(a, b)     = max / min ignoring a NaN;  dL/da = dL/dy where a was taken, else 0
    copysign(a, b)             = |a| with b's sign bit;  dL/da = dL/dy y / a (0 at a = 0), dL/db = 0
    logaddexp2(a, b)           = log2(2^a + 2^b) = max + log2(1 + 2^-|a - b|)
    float_power(a, b)          = a^b in float64
    aminmax(x)                 = (amin(x), amax(x))
    diag_embed(x, off, d1, d2) = the last dim of x as the diagonal ``off`` of the planes (d1, d2) of zeros
    diagflat(x, off)           = diag(flatten(x), off)
    lgamma(x) = log|Gamma(x)|;  dL/dx = dL/dy psi(x)
    digamma(x) = psi(x);  polygamma(n, x) = psi^(n)(x);  dL/dx = dL/dy psi^(n+1)(x)
    erfinv(x) = erf^-1(x);  dL/dx = dL/dy sqrt(pi)/2 exp(erfinv(x)^2)

and the queries and conversions without gradients: signbit, heaviside, isposinf, isneginf, isreal, argwhere,
unique_consecutive, is_same_size, is_signed, and the Tensor-only methods (``sum_to_size``, ``is_cpu``,
``get_device``, ``data_ptr``, ``storage_offset``, ``short``, ``char``, ``byte``; see ``METHODS_ONLY``).
"""

import collections
import math
import numbers

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import (
    apply_float_binary,
    as_tensor,
    broadcast_error,
    float_pair,
    is_scalar,
    promote,
    wrap_dim,
    zero_grad_of,
)
from .arith import add, mul, pow, sub
from .arrange import _index_tensor, diag, nonzero, sort
from .compare import ge, gt, isnan, le, logical_or, lt, ne
from .index import _check_range, _int_index, gather, getitem, scatter
from .join import repeat
from .linalg import matmul, outer
from .reduce import amax, amin
from .shape import expand, flatten, movedim, reshape, sum_to
from .unary import _float_op, _pair, abs, exp, maximum, sign, where

AMinMax = collections.namedtuple("AMinMax", ["min", "max"])
UniqueConsecutive = collections.namedtuple("UniqueConsecutive", ["output", "inverse", "counts"])


def _int(value, what, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{what}: {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


# --- selecting and filling along a dim -----------------------------------------------------------
def select(input, dim, index):
    """y = x[..., index, ...] with ``index`` at dim ``dim``, that dim removed (x.narrow(dim, index, 1).squeeze(dim))."""
    x = as_tensor(input)
    nd = x._data.ndim
    if nd == 0:
        raise IndexError("select: select() cannot be applied to a 0-dim tensor")
    axis = wrap_dim(dim, nd, "select")
    i = _int(index, "select", "index")
    size = x._data.shape[axis]
    if not -size <= i < size:
        raise IndexError(f"select: index {i} is out of range for dimension {axis} with size {size} (a tensor of "
                         f"shape {tuple(x.shape)})")
    return getitem(x, (slice(None),) * axis + (i,))


def tile(input, dims):
    """x repeated dims[d] times along each dim d, dims padded with leading 1s to x's ndim (y = x.repeat(dims'))."""
    x = as_tensor(input)
    if isinstance(dims, numbers.Integral) and not isinstance(dims, bool):
        dims = (dims,)
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"tile: dims must be a tuple of ints, got {type(dims).__name__}")
    dims = tuple(dims)
    dims = (1,) * (x._data.ndim - len(dims)) + dims
    return repeat(x, *dims)


def _dim_index(x, dim, index, what):
    """(axis, the 1-d int64 index array on x's device with negatives wrapped) for index_fill / index_copy."""
    shape = x._data.shape
    axis = wrap_dim(dim, len(shape), what)
    idx = _int_index(index, x, what)
    if idx.ndim > 1:
        raise ValueError(f"{what}: index must be 0-d or 1-d, got shape {tuple(idx.shape)}")
    idx = idx.reshape(-1).astype(dtypes.int64, copy=False)
    size = shape[axis] if shape else 1
    _check_range(idx, axis if shape else 0, shape if shape else (1,), what, negative=True)
    xp = x._backend.xp
    return axis, xp.where(idx < 0, idx + size, idx)


def index_fill(input, dim, index, value):
    """y = x with the slices ``index`` along ``dim`` set to ``value`` (a number or a 0-d tensor): y = where(m, v, x)."""
    x = as_tensor(input)
    axis, idx = _dim_index(x, dim, index, "index_fill")
    xp, backend = x._backend.xp, x._backend
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got a tensor of shape "
                             f"{tuple(value.shape)}")
        if value._backend is not backend:
            raise RuntimeError(f"index_fill: value is on {value.device} but the tensor is on {x.device}")
        v = value if value._data.dtype == x._data.dtype else value.to(dtype=x.dtype)
    elif is_scalar(value):
        if x._data.dtype.kind in "iub" and isinstance(value, float) and not float(value).is_integer():
            raise TypeError(f"index_fill: the float value {value!r} can't be stored in a {x.dtype.name} tensor")
        v = make_tensor(xp.asarray(value, dtype=x._data.dtype), backend)
    else:
        raise TypeError(f"index_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    if x._data.ndim == 0:
        mask = xp.asarray(idx.size > 0)
    else:
        mask = xp.zeros(x._data.shape[axis], dtype=bool)
        mask[idx] = True
        mask = mask.reshape((1,) * axis + (-1,) + (1,) * (x._data.ndim - axis - 1))
    y = where(make_tensor(mask, backend), v, x)
    return y if tuple(y.shape) == tuple(x.shape) else expand(y, tuple(x.shape))


def index_copy(input, dim, index, source):
    """y = x with y[..., index[j], ...] = source[..., j, ...] along ``dim``;  dL/dx = dL/dy with 0 at index,
    dL/dsource = dL/dy at index."""
    x = as_tensor(input)
    axis, idx = _dim_index(x, dim, index, "index_copy")
    src = as_tensor(source, like=x)
    if not isinstance(source, Tensor):
        src = src.to(dtype=x.dtype)
    if src._data.dtype != x._data.dtype:
        raise TypeError(f"index_copy: source has dtype {src.dtype.name} but the tensor has dtype {x.dtype.name}; "
                        f"they must match")
    shape = tuple(x._data.shape)
    if not shape:
        want = () if idx.size == 1 and src._data.ndim == 0 else (idx.size,)
        if tuple(src.shape) not in ((), (1,)) or idx.size != 1:
            raise ValueError(f"index_copy: source has shape {tuple(src.shape)} but copying {idx.size} entries into "
                             f"a 0-d tensor needs shape {want}")
        return reshape(src, ())
    n = idx.size
    want = shape[:axis] + (n,) + shape[axis + 1:]
    if tuple(src.shape) != want and not (src._data.ndim == len(shape) - 1 and n == 1 and
                                         tuple(src.shape) == shape[:axis] + shape[axis + 1:]):
        raise ValueError(f"index_copy: source has shape {tuple(src.shape)} but copying {n} slices along dim {axis} "
                         f"of a tensor of shape {shape} needs shape {want}")
    src = reshape(src, want)
    full = make_tensor(x._backend.xp.broadcast_to(idx.reshape((1,) * axis + (n,) + (1,) * (len(shape) - axis - 1)),
                                                  want), x._backend)
    return scatter(x, axis, full, src)


def take_along_dim(input, indices, dim=None):
    """y = gather(x, dim, indices) with x and indices broadcast against each other outside ``dim``; without
    ``dim``, the flattened x at the flattened indices."""
    x = as_tensor(input)
    if not isinstance(indices, Tensor):
        indices = as_tensor(indices, like=x)
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"take_along_dim: indices must be an integer tensor, got dtype {indices.dtype.name}")
    if dim is None:
        flat = reshape(x, (-1,))
        idx = reshape(indices, (-1,))
        _check_range(idx._data, 0, flat._data.shape, "take_along_dim", negative=False)
        return gather(flat, 0, idx)
    nd = x._data.ndim
    if indices._data.ndim != nd:
        raise ValueError(f"take_along_dim: input (shape {tuple(x.shape)}) and indices (shape {tuple(indices.shape)}) "
                         f"must have the same number of dimensions")
    axis = wrap_dim(dim, nd, "take_along_dim")
    xs, js = list(x._data.shape), list(indices._data.shape)
    try:
        rest = x._backend.xp.broadcast_shapes(tuple(xs[:axis] + [1] + xs[axis + 1:]),
                                              tuple(js[:axis] + [1] + js[axis + 1:]))
    except ValueError:
        raise ValueError(f"take_along_dim: input of shape {tuple(xs)} and indices of shape {tuple(js)} can't be "
                         f"broadcast together outside dim {axis}") from None
    rest = list(rest)
    xb = expand(x, tuple(rest[:axis] + [xs[axis]] + rest[axis + 1:])) if nd else x
    ib = indices
    want = tuple(rest[:axis] + [js[axis]] + rest[axis + 1:])
    if tuple(js) != want:
        ib = make_tensor(x._backend.xp.broadcast_to(indices._data, want), x._backend)
    return gather(xb, axis, ib)


# --- splitting -----------------------------------------------------------------------------------
def tensor_split(input, indices_or_sections, dim=0):
    """Pieces of x along ``dim``: ``sections`` pieces (the first size % sections one longer), or cut before
    each listed index (Python slice bounds); each piece is a slice of x."""
    x = as_tensor(input)
    nd = x._data.ndim
    if nd == 0:
        raise ValueError("tensor_split: expected a tensor with at least one dimension, got a 0-d tensor")
    axis = wrap_dim(dim, nd, "tensor_split")
    s = indices_or_sections
    if isinstance(s, Tensor):
        if s._data.dtype.kind not in "iu" or s._data.ndim > 1:
            raise TypeError(f"tensor_split: a tensor indices_or_sections must be a 0-d or 1-d integer tensor, got "
                            f"dtype {s.dtype.name} and shape {tuple(s.shape)}")
        s = s.tolist()
    size = x._data.shape[axis]
    lead = (slice(None),) * axis
    if isinstance(s, numbers.Integral) and not isinstance(s, bool):
        n = int(s)
        if n <= 0:
            raise ValueError(f"tensor_split: the number of sections must be greater than 0, got {n}")
        q, r = divmod(size, n)
        bounds, start = [], 0
        for k in range(n):
            stop = start + q + (1 if k < r else 0)
            bounds.append((start, stop))
            start = stop
    elif isinstance(s, (list, tuple)):
        cuts = [_int(v, "tensor_split", "each index") for v in s]
        edges = [0] + cuts + [None]
        bounds = list(zip(edges[:-1], edges[1:]))
    else:
        raise TypeError(f"tensor_split: indices_or_sections must be an int, a list of ints or an integer tensor, "
                        f"got {type(s).__name__}")
    return tuple(getitem(x, lead + (slice(a, b),)) for a, b in bounds)


def _nsplit(input, indices_or_sections, dim, min_dims, what):
    x = as_tensor(input)
    nd = x._data.ndim
    if nd < min_dims:
        raise ValueError(f"{what}: expected a tensor with at least {min_dims} dimension(s), got shape {tuple(x.shape)}")
    s = indices_or_sections
    if isinstance(s, numbers.Integral) and not isinstance(s, bool):
        size = x._data.shape[dim]
        if s <= 0 or size % s:
            raise ValueError(f"{what}: dimension {dim} of size {size} (a tensor of shape {tuple(x.shape)}) can't be "
                             f"split into {s} equal sections")
    return tensor_split(x, s, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for a 1-d tensor); an int must divide the size evenly."""
    x = as_tensor(input)
    return _nsplit(x, indices_or_sections, 1 if x._data.ndim > 1 else 0, 1, "hsplit")


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a tensor with at least 2 dims; an int must divide the size evenly."""
    return _nsplit(input, indices_or_sections, 0, 2, "vsplit")


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a tensor with at least 3 dims; an int must divide the size evenly."""
    return _nsplit(input, indices_or_sections, 2, 3, "dsplit")


# --- small aliases -------------------------------------------------------------------------------
def msort(input):
    """x sorted along dim 0 (y = sort(x, 0).values)."""
    return sort(input, 0).values


def positive(input):
    """y = +x (x itself); bool tensors raise, as in PyTorch."""
    x = as_tensor(input)
    if x._data.dtype.kind == "b":
        raise TypeError("positive: the + operator (positive) does not support bool tensors")
    return x


def sgn(input):
    """y = sign(x) for real tensors (x / |x| for complex ones, which are not supported here)."""
    return sign(as_tensor(input))


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


# --- products ------------------------------------------------------------------------------------
def _tensor_pair(a, b, what):
    a = as_tensor(a)
    b = as_tensor(b, like=a)
    return promote(a, b, what)


def mv(input, vec):
    """y = A v for a 2-D A (n, m) and a 1-D v (m,)."""
    a, v = _tensor_pair(input, vec, "mv")
    if a._data.ndim != 2 or v._data.ndim != 1 or a._data.shape[1] != v._data.shape[0]:
        raise ValueError(f"mv: expected a matrix (n, m) and a vector (m,), got shapes {tuple(a.shape)} and "
                         f"{tuple(v.shape)}")
    return matmul(a, v)


def inner(input, other):
    """y[i..., j...] = sum_k a[i..., k] b[j..., k] (a product when either is 0-d)."""
    a, b = _tensor_pair(input, other, "inner")
    if a._data.ndim == 0 or b._data.ndim == 0:
        return mul(a, b)
    if a._data.shape[-1] != b._data.shape[-1]:
        raise ValueError(f"inner: the last dimensions must match, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    lead_a, lead_b = tuple(a._data.shape[:-1]), tuple(b._data.shape[:-1])
    k = a._data.shape[-1]
    y = matmul(reshape(a, (-1, k)), reshape(b, (-1, k)).t())
    return reshape(y, lead_a + lead_b)


def vdot(input, other):
    """y = sum_i a_i b_i for two 1-D tensors of one length (real: no conjugate)."""
    a = as_tensor(input)
    b = as_tensor(other, like=a)
    if a._data.ndim != 1 or b._data.ndim != 1 or a._data.shape != b._data.shape:
        raise ValueError(f"vdot: expected two 1-D tensors of the same length, got shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    if a._data.dtype != b._data.dtype:
        raise TypeError(f"vdot: expected both tensors to have the same dtype, got {a.dtype.name} and {b.dtype.name}")
    return matmul(a, b)


def _scaled_sum(input, prod, beta, alpha):
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:  # as PyTorch: input is ignored (NaN or inf in it do not propagate)
        return prod
    x = as_tensor(input, like=prod)
    return add(prod, x if beta == 1 else mul(x, beta))


def _check_fits(input, prod, what):
    """Raise unless ``input`` broadcasts to the product's shape (naming both shapes)."""
    shape = tuple(as_tensor(input, like=prod).shape)
    try:
        fits = prod._backend.xp.broadcast_shapes(shape, tuple(prod.shape)) == tuple(prod.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{what}: input of shape {shape} can't be broadcast to the product's shape "
                         f"{tuple(prod.shape)}")


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """y = beta x + alpha (A v), x broadcast to (n,)."""
    prod = mv(mat, vec)
    _check_fits(input, prod, "addmv")
    return _scaled_sum(input, prod, beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """y = beta x + alpha (a b^T), x broadcast to (n, m)."""
    a, b = _tensor_pair(vec1, vec2, "addr")
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise ValueError(f"addr: expected two 1-D vectors, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    prod = outer(a, b)
    _check_fits(input, prod, "addr")
    return _scaled_sum(input, prod, beta, alpha)


ger = outer


# --- elementwise ---------------------------------------------------------------------------------
def _nan_ignoring(a, b, take_a, what):
    a, b = _pair(a, b, what)
    try:
        keep_a = take_a(a, b)
    except ValueError:
        raise broadcast_error(what, a.shape, b.shape) from None
    if b._data.dtype.kind == "f":
        keep_a = logical_or(keep_a, isnan(b))
    return where(keep_a, a, b)


def fmax(input, other):
    """y = max(a, b), the other operand where one is NaN;  dL/da = dL/dy where a >= b or b is NaN, dL/db elsewhere."""
    return _nan_ignoring(input, other, ge, "fmax")


def fmin(input, other):
    """y = min(a, b), the other operand where one is NaN;  dL/da = dL/dy where a <= b or b is NaN, dL/db elsewhere."""
    return _nan_ignoring(input, other, le, "fmin")


class CopySign(Function):
    """y = |a| with the sign bit of b;  dL/da = dL/dy y / a (0 where a = 0), dL/db = 0"""

    def forward(self, a, b):
        xp = self.backend.xp
        self.sa, self.sb = a.shape, b.shape
        y = xp.copysign(a, b)
        self.ratio = xp.where(a == 0, xp.zeros((), dtype=y.dtype), xp.where(xp.signbit(a) == xp.signbit(y), 1.0, -1.0)
                              .astype(y.dtype, copy=False))
        return y

    def backward(self, gy):
        ga = gb = None
        if self._next[0] is not None:
            ga = sum_to(gy * make_tensor(self.ratio, self.backend), self.sa)
        if self._next[1] is not None:
            gb = sum_to(zero_grad_of(gy), self.sb)
        return ga, gb


def copysign(input, other):
    """y = |a| with the sign (bit) of b, elementwise and broadcast;  dL/da = dL/dy sign(a) sign(y), dL/db = 0."""
    return apply_float_binary(CopySign, input, other, "copysign")


def _no_grad_result(array, backend):
    return make_tensor(array, backend)


def signbit(input):
    """Whether x's sign bit is set (True for -0.0 and negative numbers), as a bool tensor."""
    x = as_tensor(input)
    return _no_grad_result(x._backend.xp.signbit(x._data), x._backend)


def heaviside(input, values):
    """y = 0 where x < 0, ``values`` where x == 0, 1 where x > 0 (broadcast; no gradient, as PyTorch)."""
    x = as_tensor(input)
    v = as_tensor(values, like=x)
    if x._data.dtype != v._data.dtype:
        raise TypeError(f"heaviside: input and values must have the same dtype, got {x.dtype.name} and "
                        f"{v.dtype.name}")
    xp = x._backend.xp
    try:
        y = xp.where(x._data == 0, v._data, (x._data > 0).astype(x._data.dtype))
    except ValueError:
        raise broadcast_error("heaviside", x.shape, v.shape) from None
    return _no_grad_result(y.astype(x._data.dtype, copy=False), x._backend)


def isposinf(input):
    """Whether each entry is +inf (a bool tensor)."""
    x = as_tensor(input)
    xp = x._backend.xp
    if x._data.dtype.kind != "f":
        return _no_grad_result(xp.zeros(x._data.shape, dtype=bool), x._backend)
    return _no_grad_result(xp.logical_and(xp.isinf(x._data), x._data > 0), x._backend)


def isneginf(input):
    """Whether each entry is -inf (a bool tensor)."""
    x = as_tensor(input)
    xp = x._backend.xp
    if x._data.dtype.kind != "f":
        return _no_grad_result(xp.zeros(x._data.shape, dtype=bool), x._backend)
    return _no_grad_result(xp.logical_and(xp.isinf(x._data), x._data < 0), x._backend)


def isreal(input):
    """Whether each entry is real: all True (complex tensors are not supported)."""
    x = as_tensor(input)
    return _no_grad_result(x._backend.xp.ones(x._data.shape, dtype=bool), x._backend)


def logaddexp2(input, other):
    """y = log2(2^a + 2^b), computed as max(a, b) + log1p(2^-|a - b|) / ln 2 (no overflow)."""
    from .trig import exp2
    from .unary import log1p

    a, b = float_pair(input, other, "logaddexp2")
    try:
        return add(maximum(a, b), mul(log1p(exp2(-abs(sub(a, b)))), 1.0 / math.log(2.0)))
    except ValueError:
        raise broadcast_error("logaddexp2", a.shape, b.shape) from None


def float_power(input, exponent):
    """y = a^b computed in float64 (either may be a number); the gradient goes back in each input's dtype."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power: expected at least one tensor, got {type(input).__name__} and "
                        f"{type(exponent).__name__}")
    a = input.to(dtype=dtypes.float64) if isinstance(input, Tensor) else float(input)
    b = exponent.to(dtype=dtypes.float64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, b)


# --- reductions and structure --------------------------------------------------------------------
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) = (amin(x, dim), amax(x, dim)) as a named tuple; ties share the gradient evenly."""
    x = as_tensor(input)
    if x._data.size == 0:
        raise ValueError(f"aminmax: expected a non-empty tensor, got shape {tuple(x.shape)}")
    if dim is not None:
        dim = _int(dim, "aminmax", "dim")
    return AMinMax(amin(x, dim, keepdim), amax(x, dim, keepdim))


def argwhere(input):
    """The indices of the nonzero entries as an int64 tensor (count, ndim): nonzero(x)."""
    return nonzero(as_tensor(input))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """y with y[..., i, i + offset] (in the planes dim1, dim2) = x[..., i] and zeros elsewhere; dL/dx reads
    those diagonals back."""
    x = as_tensor(input)
    offset = _int(offset, "diag_embed", "offset")
    if x._data.ndim == 0:
        raise ValueError("diag_embed: expected a tensor with at least one dimension, got a 0-d tensor")
    nd_out = x._data.ndim + 1
    d1 = wrap_dim(dim1, nd_out, "diag_embed")
    d2 = wrap_dim(dim2, nd_out, "diag_embed")
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 must differ, got dim1={dim1} and dim2={dim2}")
    k = x._data.shape[-1]
    n = k + (offset if offset >= 0 else -offset)
    xp, backend = x._backend.xp, x._backend
    lead = tuple(x._data.shape[:-1])
    rows = xp.arange(k, dtype=dtypes.int64) + max(-offset, 0)
    cols = xp.arange(k, dtype=dtypes.int64) + max(offset, 0)
    pos = xp.broadcast_to((rows * n + cols).reshape((1,) * len(lead) + (k,)), lead + (k,))
    zeros = make_tensor(xp.zeros(lead + (n * n,), dtype=x._data.dtype), backend)
    flat = scatter(zeros, len(lead), make_tensor(pos, backend), x) if k else zeros
    y = reshape(flat, lead + (n, n))
    return movedim(y, (nd_out - 2, nd_out - 1), (d1, d2))


def diagflat(input, offset=0):
    """The 2-D matrix with the flattened x on its diagonal ``offset``: diag(flatten(x), offset)."""
    return diag(flatten(as_tensor(input)), _int(offset, "diagflat", "offset"))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """x with each run of equal consecutive entries (of slices along ``dim``) kept once; with ``return_inverse`` the
    run each entry belongs to, with ``return_counts`` each run's length. No gradient (as PyTorch)."""
    x = as_tensor(input)
    xp, backend = x._backend.xp, x._backend
    if dim is None:
        flat = x._data.reshape(-1)
        n = flat.shape[0]
        first = xp.ones(n, dtype=bool)
        if n > 1:
            first[1:] = flat[1:] != flat[:-1]
        values = flat[first]
        inverse_shape = x._data.shape
    else:
        if x._data.ndim == 0:
            raise IndexError(f"unique_consecutive: dim {dim} is out of range for a 0-d tensor")
        axis = wrap_dim(dim, x._data.ndim, "unique_consecutive")
        moved = xp.moveaxis(x._data, axis, 0)
        n = moved.shape[0]
        rows = moved.reshape(n, -1)
        first = xp.ones(n, dtype=bool)
        if n > 1 and rows.shape[1] > 0:
            first[1:] = xp.any(rows[1:] != rows[:-1], axis=1)
        elif n > 1:
            first[1:] = False
        values = xp.moveaxis(moved[first], 0, axis)
        inverse_shape = (n,)
    inverse = xp.cumsum(first.astype(dtypes.int64)) - 1
    starts = xp.nonzero(first)[0].astype(dtypes.int64)
    counts = xp.diff(xp.concatenate([starts, xp.asarray([n], dtype=dtypes.int64)]))
    out = [make_tensor(values, backend)]
    if return_inverse:
        out.append(_index_tensor(inverse.reshape(inverse_shape), backend))
    if return_counts:
        out.append(_index_tensor(counts, backend))
    return out[0] if len(out) == 1 else tuple(out)


def is_same_size(input, other):
    """Whether the two tensors have the same shape (a Python bool)."""
    return tuple(as_tensor(input).shape) == tuple(as_tensor(other).shape)


def is_signed(input):
    """Whether the dtype is signed: True for floats and int8/16/32/64, False for uint8 and bool."""
    return as_tensor(input)._data.dtype.kind in "if"


# --- special functions ---------------------------------------------------------------------------
class Lgamma(Function):
    """y = log|Gamma(x)|;  dL/dx = gy psi(x)"""

    saves_inputs = True

    def forward(self, x):
        return self.backend.lgamma(x)

    def backward(self, gy):
        return gy * digamma(self.inputs[0])


class Polygamma(Function):
    """y = psi^(n)(x) (digamma for n = 0);  dL/dx = gy psi^(n+1)(x)"""

    saves_inputs = True

    def forward(self, x, n):
        self.n = n
        return self.backend.polygamma(n, x) if n else self.backend.digamma(x)

    def backward(self, gy):
        return gy * Polygamma.apply(self.inputs[0], n=self.n + 1)


class Erfinv(Function):
    """y = erfinv(x);  dL/dx = gy sqrt(pi)/2 exp(y^2)"""

    def forward(self, x):
        self.y = self.backend.erfinv(x)
        return self.y

    def backward(self, gy):
        y = self.output(self.y)
        return gy * (exp(y * y) * (math.sqrt(math.pi) / 2.0))


lgamma = _float_op(Lgamma, "lgamma")
erfinv = _float_op(Erfinv, "erfinv")


def polygamma(n, input):
    """y = psi^(n)(x), the n-th derivative of digamma;  dL/dx = dL/dy psi^(n+1)(x)."""
    n = _int(n, "polygamma", "n")
    if n < 0:
        raise ValueError(f"polygamma: n must be non-negative, got {n}")
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        x = x.to(dtype=dtypes.DEFAULT_FLOAT)
    return Polygamma.apply(x, n=n)


def digamma(input):
    """y = psi(x) = d/dx log Gamma(x);  dL/dx = dL/dy polygamma(1, x)."""
    return polygamma(0, input)


# --- Tensor-only methods -------------------------------------------------------------------------
def _sum_to_size(self, *size):
    """x summed down to ``size`` (which must broadcast to x's shape): sum_to(x, size)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(_int(s, "sum_to_size", "each size") for s in size)
    xs = tuple(self.shape)
    lead = len(xs) - len(size)
    if lead < 0 or any(s != 1 and s != xs[lead + i] for i, s in enumerate(size)):
        raise ValueError(f"sum_to_size: size {size} is not expandable to the tensor's shape {xs}")
    return sum_to(self, size)


def _is_cpu(self):
    """Whether the tensor lives on the CPU."""
    return self.device.type == "cpu"


def _get_device(self):
    """The device index: -1 on the CPU, N on cuda:N."""
    return -1 if self.device.type == "cpu" else (self.device.index or 0)


def _data_ptr(self):
    """The address of the tensor's first element in its device's memory (an int)."""
    return self._backend.data_ptr(self._data)


def _storage_offset(self):
    """How many elements the first element lies past the start of the memory it shares (0 when it owns it)."""
    return self._backend.storage_offset(self._data)


def _to(dt, name):
    def method(self):
        return self.to(dtype=dt)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"This tensor as {dt} (``self.to({dt})``)."
    return method


METHODS_ONLY = {"sum_to_size": _sum_to_size, "data_ptr": _data_ptr, "storage_offset": _storage_offset,
                "get_device": _get_device, "short": _to(dtypes.int16, "short"),
                "char": _to(dtypes.int8, "char"), "byte": _to(dtypes.uint8, "byte")}
PROPERTIES = {"is_cpu": _is_cpu}
