"""More of PyTorch's tensor functions, each composed from the differentiable ops (so each has gradients
of every order without a backward of its own):

    addcmul(x, a, b, value)   = x + value a b            addcdiv(x, a, b, value) = x + value a / b
    baddbmm(x, A, B)          = beta x + alpha A @ B      (batched)
    logit(p, eps)             = log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given
    xlogy(x, y)               = x log y, 0 where x = 0 (even where y = 0)
    hypot(a, b)               = sqrt(a^2 + b^2)
    logaddexp(a, b)           = log(e^a + e^b), computed as max + log1p(exp(-|a - b|))
    fmod(a, b)                = a - b trunc(a / b)         (the sign of a; remainder's has the sign of b)
    clamp_min(x, m), clamp_max(x, m)
    var_mean, std_mean        = (var, mean), (std, mean)
    diff(x, n, dim)           = x[1:] - x[:-1] along dim, n times
    kthvalue(x, k, dim)       = the k-th smallest entry along dim, and its index; median is the lower
                                middle one (NaN where a slice has a NaN, as PyTorch)
    trace(A), tensordot(a, b, dims), kron(a, b)
    index_add(x, dim, index, source, alpha), masked_select(x, mask), take(x, index)
"""

import collections
import numbers

import numpy

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import apply_float_binary, as_tensor, wrap_dim
from .arith import add, div, mul, sub
from .arrange import argsort, diagonal
from .index import gather, getitem, scatter_add
from .linalg import bmm, matmul
from .reduce import mean, std, sum, var
from .shape import expand, reshape, sum_to
from .unary import abs, clamp, exp, log, log1p, maximum, where

KthValue = collections.namedtuple("KthValue", ["values", "indices"])
Median = collections.namedtuple("Median", ["values", "indices"])


# --- pointwise -----------------------------------------------------------------------------------
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2 (broadcast)."""
    return add(input, mul(mul(tensor1, tensor2), value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (broadcast)."""
    return add(input, mul(div(tensor1, tensor2), value))


def logit(input, eps=None):
    """log(p / (1 - p)), the inverse of sigmoid; with ``eps``, p is first clamped to [eps, 1 - eps]."""
    p = as_tensor(input)
    if p._data.dtype.kind != "f":
        p = p.to(dtype=dtypes.DEFAULT_FLOAT)
    if eps is not None:
        p = clamp(p, eps, 1.0 - eps)
    return log(div(p, sub(1.0, p)))


class XLogY(Function):
    """y = x log(b), 0 where x = 0 unless b is NaN;  dL/dx = xlogy(dL/dy, b), set to 0 where x = 0 and
    b <= 0;  dL/db = dL/dy x / b  (PyTorch's formulas, so the values at x = 0 agree with it)"""

    saves_inputs = True

    def forward(self, x, b):
        xp = self.backend.xp
        self.sx, self.sb = x.shape, b.shape
        zero = (x == 0) & ~xp.isnan(b)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            return xp.where(zero, xp.zeros((), dtype=x.dtype), x * xp.log(xp.where(zero, 1, b)))

    def backward(self, gy):
        x, b = self.inputs
        gx = gb = None
        if self._next[0] is not None:
            gx = sum_to(where((x == 0) & (b <= 0), 0.0, xlogy(gy, b)), self.sx)
        if self._next[1] is not None:
            gb = sum_to(gy * x / b, self.sb)
        return gx, gb


def xlogy(input, other):
    """input * log(other), taken as 0 where input is 0 (even where other is 0); NaN where other is NaN,
    as PyTorch. Either may be a number; broadcasts."""
    return apply_float_binary(XLogY, input, other, "xlogy")


class Hypot(Function):
    """y = sqrt(a^2 + b^2), without the overflow or underflow of a^2 + b^2 (``xp.hypot``: 1e155 stays 1e155,
    1e-300 stays 1e-300);  dL/da = gy a / y, dL/db = gy b / y (NaN at a = b = 0, as PyTorch's)"""

    saves_inputs = True

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        self.y = self.backend.xp.hypot(a, b)
        return self.y

    def backward(self, gy):
        a, b = self.inputs
        y = self.output(self.y)
        ga = sum_to(gy * a / y, self.sa) if self._next[0] is not None else None
        gb = sum_to(gy * b / y, self.sb) if self._next[1] is not None else None
        return ga, gb


def hypot(input, other):
    """sqrt(input^2 + other^2), elementwise, without overflow or underflow. Either may be a number; broadcasts."""
    return apply_float_binary(Hypot, input, other, "hypot")


def logaddexp(input, other):
    """log(exp(input) + exp(other)) without overflow: max(a, b) + log1p(exp(-|a - b|))."""
    a = as_tensor(input)
    b = as_tensor(other, like=a)
    return add(maximum(a, b), log1p(exp(-abs(sub(a, b)))))


def fmod(input, other):
    """The C remainder a - b trunc(a / b): its sign is that of ``input`` (``remainder``'s is that of
    ``other``). The gradient is 1 to input and -trunc(a / b) to other."""
    from .rounding import trunc

    a = as_tensor(input)
    b = as_tensor(other, like=a)
    if a._data.dtype.kind in "biu" and b._data.dtype.kind in "biu":
        q = a._backend.xp.fmod(a._data, b._data)
        return make_tensor(q, a._backend)
    return sub(a, mul(b, trunc(div(a, b))))


def clamp_min(input, min):
    """max(input, min) (PyTorch's clamp_min)."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(input, max) (PyTorch's clamp_max)."""
    return clamp(input, max=max)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta input + alpha (batch1 @ batch2) for batches of matrices (B, n, k) @ (B, k, m)."""
    prod = bmm(batch1, batch2)
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:  # as PyTorch: input is ignored (NaN or inf in it do not propagate)
        return prod
    return add(prod, input if beta == 1 else mul(input, beta))


# --- statistics ----------------------------------------------------------------------------------
def var_mean(x, dim=None, unbiased=True, keepdim=False, correction=None):
    """(var(x), mean(x)) over ``dim``, as torch.var_mean."""
    return (var(x, dim=dim, unbiased=unbiased, keepdim=keepdim, correction=correction),
            mean(x, dim=dim, keepdim=keepdim))


def std_mean(x, dim=None, unbiased=True, keepdim=False, correction=None):
    """(std(x), mean(x)) over ``dim``, as torch.std_mean."""
    return (std(x, dim=dim, unbiased=unbiased, keepdim=keepdim, correction=correction),
            mean(x, dim=dim, keepdim=keepdim))


def _order_stat(x, position, axis, keepdim, nan_propagates):
    """(values, indices) of the entry at sorted ``position`` along ``axis`` (position a Python int, or
    per slice with NaN where ``nan_propagates``)."""
    xp = x._backend.xp
    order = argsort(x, axis)  # stable; NaN sorts last
    pos = xp.full(x._data.shape[:axis] + (1,) + x._data.shape[axis + 1:], position, dtype=dtypes.int64)
    if nan_propagates and x._data.dtype.kind == "f":
        nans = xp.isnan(x._data).sum(axis=axis, keepdims=True)
        n = x._data.shape[axis]
        pos = xp.where(nans > 0, n - nans, pos)  # the first NaN in sorted order
    idx = xp.take_along_axis(order._data, pos, axis=axis)
    values = gather(x, axis, make_tensor(idx, x._backend))
    indices = make_tensor(idx, x._backend)
    if not keepdim:
        values = reshape(values, values.shape[:axis] + values.shape[axis + 1:])
        indices = reshape(indices, indices.shape[:axis] + indices.shape[axis + 1:])
    return values, indices


def kthvalue(x, k, dim=-1, keepdim=False):
    """(values, indices): the k-th smallest entry (k counted from 1) along ``dim`` and where it is."""
    x = as_tensor(x)
    if x._data.ndim == 0:
        x = reshape(x, (1,))
        axis, squeeze = 0, True
    else:
        axis, squeeze = wrap_dim(dim, x._data.ndim, "kthvalue"), False
    n = x._data.shape[axis]
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 1 <= k <= n:
        raise ValueError(f"kthvalue: k must be an int in [1, {n}] (the size of dimension {axis}), got {k!r}")
    values, indices = _order_stat(x, k - 1, axis, keepdim and not squeeze, False)
    return KthValue(values, indices)


def median(x, dim=None, keepdim=False):
    """``median(x)``: the lower middle value of all entries (NaN if any is NaN); ``median(x, dim)``:
    (values, indices) along ``dim``, as torch.median."""
    x = as_tensor(x)
    if x._data.size == 0:
        raise ValueError(f"median: expected a non-empty tensor, got shape {tuple(x.shape)}")
    if dim is None:
        flat = reshape(x, (-1,))
        return _order_stat(flat, (flat._data.shape[0] - 1) // 2, 0, False, True)[0]
    if x._data.ndim == 0:
        wrap_dim(dim, 0, "median")
        return Median(x, make_tensor(x._backend.xp.zeros((), dtype=dtypes.int64), x._backend))
    axis = wrap_dim(dim, x._data.ndim, "median")
    return Median(*_order_stat(x, (x._data.shape[axis] - 1) // 2, axis, keepdim, True))


def diff(x, n=1, dim=-1, prepend=None, append=None):
    """Differences of neighbours along ``dim``: x[1:] - x[:-1], applied ``n`` times (after joining
    ``prepend`` and ``append`` to the ends)."""
    from .join import cat

    x = as_tensor(x)
    if x._data.ndim == 0:
        raise ValueError("diff: expected a tensor with at least one dimension, got a 0-d tensor")
    axis = wrap_dim(dim, x._data.ndim, "diff")
    if not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = cat([as_tensor(p, like=x) for p in parts], axis)
    head = (slice(None),) * axis
    for _ in range(n):
        if x._data.shape[axis] == 0:
            break
        x = sub(getitem(x, head + (slice(1, None),)), getitem(x, head + (slice(None, -1),)))
    return x


# --- linear algebra ------------------------------------------------------------------------------
def trace(x):
    """The sum of the main diagonal of a 2-D tensor."""
    x = as_tensor(x)
    if x._data.ndim != 2:
        raise ValueError(f"trace: expected a 2-D tensor, got shape {tuple(x.shape)}")
    return sum(diagonal(x))


def tensordot(a, b, dims=2):
    """Contract the last ``dims`` dims of a with the first ``dims`` of b (an int), or the dims listed in
    ``dims = (dims_a, dims_b)``; one reshaped matrix product."""
    a, b = as_tensor(a), as_tensor(b)
    if isinstance(dims, numbers.Integral):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} must be in [0, {min(a.ndim, b.ndim)}] for shapes "
                             f"{tuple(a.shape)} and {tuple(b.shape)}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
        if len(da) != len(db):
            raise ValueError(f"tensordot: dims {dims!r} list different numbers of dims for a and b")
        da = [wrap_dim(d, a.ndim, "tensordot") for d in da]
        db = [wrap_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: dim {i} of a (size {a.shape[i]}) and dim {j} of b (size {b.shape[j]}) "
                             f"must match (shapes {tuple(a.shape)} and {tuple(b.shape)})")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    am = reshape(a.permute(*(free_a + da)), (-1, k))
    bm = reshape(b.permute(*(db + free_b)), (k, -1))
    return reshape(matmul(am, bm), tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


def kron(a, b):
    """The Kronecker product: blocks a[i, j] * b, for tensors of any (equal or padded) number of dims."""
    a, b = as_tensor(a), as_tensor(b)
    nd = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + tuple(a.shape))
    b = reshape(b, (1,) * (nd - b.ndim) + tuple(b.shape))
    # a[i] b[j] at position i * len_b + j: interleave the dims of a and b, multiply, merge each pair
    pa = reshape(a, tuple(s for d in a.shape for s in (d, 1)))
    pb = reshape(b, tuple(s for d in b.shape for s in (1, d)))
    return reshape(mul(pa, pb), tuple(p * q for p, q in zip(a.shape, b.shape)))


# --- indexing ------------------------------------------------------------------------------------
def index_add(x, dim, index, source, *, alpha=1):
    """``x`` with ``alpha * source`` added at the positions ``index`` (1-d) along ``dim``; repeated
    positions accumulate."""
    x = as_tensor(x)
    axis = wrap_dim(dim, x._data.ndim, "index_add")
    if not isinstance(index, Tensor):
        index = as_tensor(index, like=x)
    if index._data.ndim != 1:
        raise ValueError(f"index_add: index must be 1-d, got shape {tuple(index.shape)}")
    src = as_tensor(source, like=x)
    want = tuple(x.shape[:axis]) + (index.shape[0],) + tuple(x.shape[axis + 1:])
    if tuple(src.shape) != want:
        raise ValueError(f"index_add: source has shape {tuple(src.shape)} but adding at {index.shape[0]} positions "
                         f"along dim {axis} of a tensor of shape {tuple(x.shape)} needs shape {want}")
    if alpha != 1:
        src = mul(src, alpha)
    view = [1] * x.ndim
    view[axis] = index.shape[0]
    full = expand(reshape(index, tuple(view)), want)
    return scatter_add(x, axis, full, src)


def masked_select(x, mask):
    """The entries of ``x`` where the bool ``mask`` (broadcast against x) is True, as a 1-d tensor."""
    x = as_tensor(x)
    if not isinstance(mask, Tensor):
        mask = as_tensor(mask, like=x)
    if mask._data.dtype.kind != "b":
        raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {mask.dtype.name}")
    xp = x._backend.xp
    try:
        shape = xp.broadcast_shapes(x._data.shape, mask._data.shape)
    except ValueError:
        raise ValueError(f"masked_select: the mask of shape {tuple(mask.shape)} can't be broadcast against the "
                         f"tensor of shape {tuple(x.shape)}") from None
    xb = expand(x, shape) if tuple(x.shape) != tuple(shape) else x
    mb = xp.broadcast_to(mask._data, shape)
    return getitem(xb, make_tensor(mb, x._backend))


def take(x, index):
    """The entries of the flattened ``x`` at ``index`` (any shape; the result has index's shape)."""
    x = as_tensor(x)
    if not isinstance(index, Tensor):
        index = as_tensor(index, like=x)
    flat = reshape(x, (-1,))
    return reshape(getitem(flat, reshape(index, (-1,))), tuple(index.shape))
