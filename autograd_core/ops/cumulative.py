"""Cumulative ops along one dim: cumprod, cummax, cummin, logcumsumexp.

    cumprod:      y_i = prod_{j <= i} x_j
                  dL/dx_k = E_k R_k,  E_k = prod_{j < k} x_j  (an exclusive cumprod),
                                      R_k = sum_{i >= k} dL/dy_i prod_{k < j <= i} x_j
                  R is the reverse linear recurrence R_k = dL/dy_k + x_{k+1} R_{k+1}, evaluated by a
                  log-depth scan of products and sums: no division by x, so it is exact where x has zeros
                  (one zero, several, or a zero gradient), and being made of differentiable ops (and
                  cumprod itself) it has gradients of every order.
    cummax/cummin: (values, indices) with values = gather(x, dim, indices): dL/dx is dL/dvalues
                  scatter-added to the index positions. Ties pick the latest index (x_i >= running max),
                  a NaN propagates and its latest position is the index, as PyTorch.
    logcumsumexp: y_i = log sum_{j <= i} exp(x_j), a log-depth scan of logaddexp (stable for any range);
                  dL/dx_j = sum_{i >= j} dL/dy_i exp(x_j - y_i), evaluated stably in the log domain with
                  the positive and negative parts of dL/dy apart. That sum (T below) and its transpose
                  (N) are each other's backward, so every order of gradient follows.
"""

import collections

from .. import dtypes
from ..function import Function
from ..tensor import make_tensor
from ._util import as_tensor, wrap_dim
from .arrange import flip
from .index import gather
from .join import pad
from .shape import movedim, reshape

CumMinMax = collections.namedtuple("CumMinMax", ["values", "indices"])


def _last_shift(t, s, fill):
    """``t`` moved s places along its last dim (the first s entries become ``fill``, the last s drop)."""
    n = t.shape[-1]
    return pad(t[..., :n - s], (s, 0), value=fill)


def _linear_scan(a, b):
    """S_m = b_m + a_m S_{m-1} (S_{-1} = 0) along the last dim, by doubling: after the step of size s each
    (A_m, B_m) is the composition of the affine maps m-2s+1..m; O(n log n) work, differentiable."""
    n, s = b.shape[-1], 1
    while s < n:
        b = b + a * _last_shift(b, s, 0.0)
        if 2 * s < n:
            a = a * _last_shift(a, s, 1.0)
        s *= 2
    return b


class Cumprod(Function):
    """y_i = prod_{j <= i} x_j along ``axis``;  dL/dx_k = (prod_{j<k} x_j) R_k with
    R_k = dL/dy_k + x_{k+1} R_{k+1} (see the module docstring: no division, exact at zeros)"""

    saves_inputs = True

    def forward(self, x, axis):
        self.axis = axis
        return self.backend.xp.cumprod(x, axis=axis)

    def backward(self, gy):
        x = self.inputs[0]
        n = x.shape[self.axis]
        if n <= 1:
            return gy
        xl, gl = movedim(x, self.axis, -1), movedim(gy, self.axis, -1)
        exclusive = Cumprod.apply(_last_shift(xl, 1, 1.0), axis=xl.ndim - 1)
        reverse = flip(_linear_scan(_last_shift(flip(xl, -1), 1, 0.0), flip(gl, -1)), -1)
        return movedim(exclusive * reverse, -1, self.axis)


def cumprod(input, dim, *, dtype=None):
    """Running products along ``dim``. Integer and bool inputs multiply in int64 (PyTorch's rule) unless
    ``dtype`` says otherwise."""
    x = as_tensor(input)
    axis = wrap_dim(dim, x.ndim, "cumprod")
    dt = dtypes.to_dtype(dtype) if dtype is not None else (
        dtypes.int64 if x._data.dtype.kind in "biu" else x._data.dtype)
    if x._data.dtype != dt:
        x = x.to(dtype=dt)
    if x.ndim == 0:
        return reshape(Cumprod.apply(reshape(x, (1,)), axis=0), ())
    return Cumprod.apply(x, axis=axis)


# --- cummax / cummin -----------------------------------------------------------------------------
def _cum_arg(xp, a, axis, is_max):
    """Indices of the running max (min) of array ``a`` along ``axis``: a doubling scan over (value, index)
    pairs where the later segment wins if it holds a NaN, or if neither holds one and its value is >=
    (<=) the earlier one's."""
    n = a.shape[axis]
    shape = [1] * a.ndim
    shape[axis] = n
    idx = xp.broadcast_to(xp.arange(n, dtype=dtypes.int64).reshape(shape), a.shape)
    lead = (slice(None),) * axis
    floating = a.dtype.kind == "f"
    v, s = a, 1
    while s < n:
        late, early = v[lead + (slice(s, None),)], v[lead + (slice(0, n - s),)]
        better = (late >= early) if is_max else (late <= early)
        if floating:
            better = xp.isnan(late) | (better & ~xp.isnan(early))
        v = xp.concatenate([v[lead + (slice(0, s),)], xp.where(better, late, early)], axis=axis)
        idx = xp.concatenate([idx[lead + (slice(0, s),)],
                              xp.where(better, idx[lead + (slice(s, None),)], idx[lead + (slice(0, n - s),)])],
                             axis=axis)
        s *= 2
    return xp.ascontiguousarray(idx)


def _cumminmax(input, dim, is_max, what):
    x = as_tensor(input)
    axis = wrap_dim(dim, x.ndim, what)
    if x._data.dtype.kind == "b":
        raise TypeError(f"{what}: bool tensors are not supported, got dtype bool")
    if x.ndim == 0:
        return CumMinMax(x.clone(), make_tensor(x._backend.xp.zeros((), dtype=dtypes.int64), x._backend))
    idx = make_tensor(_cum_arg(x._backend.xp, x._data, axis, is_max), x._backend)
    if x._data.size == 0:
        return CumMinMax(x.clone(), idx)
    return CumMinMax(gather(x, axis, idx), idx)


def cummax(input, dim):
    """(values, indices): the running maximum along ``dim`` and where it was found (the latest position
    among ties; a NaN propagates). dL/dx is dL/dvalues summed at the indices."""
    return _cumminmax(input, dim, True, "cummax")


def cummin(input, dim):
    """(values, indices): the running minimum along ``dim`` and where it was found (as cummax)."""
    return _cumminmax(input, dim, False, "cummin")


# --- logcumsumexp --------------------------------------------------------------------------------
def _lcse(xp, a, axis, reverse=False):
    """log(cumsum(exp(a))) along ``axis`` (from the end with ``reverse``), by a doubling logaddexp scan."""
    if reverse:
        a = xp.flip(a, axis=axis)
    n, s = a.shape[axis], 1
    lead = (slice(None),) * axis
    while s < n:
        a = xp.concatenate([a[lead + (slice(0, s),)],
                            xp.logaddexp(a[lead + (slice(s, None),)], a[lead + (slice(0, n - s),)])], axis=axis)
        s *= 2
    return xp.flip(a, axis=axis) if reverse else a


def _signed_exp_sum(xp, g, inner, outer, axis, reverse):
    """exp(outer_i) * sum over the scan (j <= i, or j >= i with ``reverse``) of g_j exp(inner_j), with the
    positive and negative parts of g summed apart in the log domain (no overflow, no cancellation of
    huge terms)."""
    ninf = xp.full((), float("-inf"), dtype=g.dtype)
    total = None
    for sign in (1, -1):
        part = g * sign > 0
        logs = xp.where(part, xp.log(xp.where(part, g * sign, 1)), ninf) + inner
        acc = _lcse(xp, logs, axis, reverse)
        term = xp.where(acc == ninf, xp.zeros((), dtype=g.dtype), xp.exp(outer + acc))
        total = term if total is None else total - term
    return total


class _LcseT(Function):
    """out_j = sum_{i >= j} g_i exp(x_j - y_i)  (the logcumsumexp vector-Jacobian product);
    dL/dx_j = u_j out_j,  dL/dy_i = -g_i N(x, y, u)_i,  dL/dg_i = N(x, y, u)_i"""

    saves_inputs = True

    def forward(self, x, y, g, axis):
        self.axis = axis
        self.out = _signed_exp_sum(self.backend.xp, g, -y, x, axis, True)
        return self.out

    def backward(self, u):
        x, y, g = self.inputs
        n = _LcseN.apply(x, y, u, axis=self.axis)
        gx = u * self.output(self.out) if self._next[0] is not None else None
        gy = -(g * n) if self._next[1] is not None else None
        return gx, gy, n


class _LcseN(Function):
    """out_i = sum_{j <= i} h_j exp(x_j - y_i)  (the transpose of _LcseT);
    dL/dx_j = h_j T(x, y, v)_j,  dL/dy_i = -v_i out_i,  dL/dh_j = T(x, y, v)_j"""

    saves_inputs = True

    def forward(self, x, y, h, axis):
        self.axis = axis
        self.out = _signed_exp_sum(self.backend.xp, h, x, -y, axis, False)
        return self.out

    def backward(self, v):
        x, y, h = self.inputs
        t = _LcseT.apply(x, y, v, axis=self.axis)
        gx = h * t if self._next[0] is not None else None
        gy = -(v * self.output(self.out)) if self._next[1] is not None else None
        return gx, gy, t


class LogCumSumExp(Function):
    """y_i = log sum_{j <= i} exp(x_j) along ``axis``;  dL/dx_j = sum_{i >= j} dL/dy_i exp(x_j - y_i)"""

    saves_inputs = True

    def forward(self, x, axis):
        self.axis = axis
        self.y = _lcse(self.backend.xp, x, axis)
        return self.y

    def backward(self, gy):
        return _LcseT.apply(self.inputs[0], self.output(self.y), gy, axis=self.axis)


def logcumsumexp(input, dim):
    """log(cumsum(exp(x))) along ``dim``, computed stably for any range of values (floating tensors)."""
    x = as_tensor(input)
    axis = wrap_dim(dim, x.ndim, "logcumsumexp")
    if x._data.dtype.kind != "f":
        raise TypeError(f"logcumsumexp: expected a floating-point tensor, got dtype {x.dtype.name}")
    if x.ndim == 0:
        return x.clone()
    return LogCumSumExp.apply(x, axis=axis)
