"""More of PyTorch's top-level functions: combinations, random draws, renorm, products, views and fills.

    combinations(x, r)              the r-subsets of the entries of a 1-d x in lexicographic order of position, as
                                    rows (with_replacement: multisets); a gather, so dL/dx adds up each row's gradient
    randint_like(x, low, high)      integers uniform in [low, high) of x's shape and dtype
    poisson(rate)                   k ~ Poisson(rate): multiplication of uniforms for rate < 10 (count until
                                    prod u <= e^-rate), Hoermann's PTRS transformed rejection above
    binomial(count, prob)           k ~ Binomial(count, prob): the sum of geometric waiting times for
                                    count min(p, 1 - p) < 10, Hoermann's BTRS transformed rejection above (accepting
                                    with the exact log f(k) / f(mode), from lgamma)
    renorm(x, p, dim, maxnorm)      y = x c with c = maxnorm / (||x_i||_p + 1e-7) for the slices x_i along dim whose
                                    p-norm is above maxnorm, else 1
    chain_matmul(A, B, ...)         A B ...                 addbmm(x, B1, B2) = beta x + alpha sum_b B1[b] B2[b]
    adjoint(x) = x^T of the last two dims (real tensors: no conjugate)
    split_with_sizes(x, sizes, dim) the pieces of the listed sizes (summing to x's size along dim)
    scalar_tensor(s)                a 0-d tensor (float32 by default)
    fill(x, v)                      v everywhere, x's shape and dtype;  dL/dx = 0, dL/dv = sum dL/dy

The random draws come from the device's generator (seeded by ``manual_seed``) or a CPU ``Generator``, as
``multinomial`` and ``bernoulli`` do, and carry no gradient.
"""

import itertools
import math
import numbers

import numpy

from backends import get_backend

from .. import dtypes
from ..factories import _source, randint
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, is_scalar, wrap_dim, zero_grad_of
from .arith import add, div, mul
from .convert import clone
from .extra import _check_fits, _scaled_sum
from .index import getitem
from .join import Split, _split_sizes
from .linalg import bmm, matmul
from .reduce import norm
from .reduce import sum as _sum
from .shape import mT, reshape
from .unary import where


def _int(value, what, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{what}: {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of the entries of the 1-d ``input`` (as itertools.combinations, or
    combinations_with_replacement), one per row: shape (C, r); r = 0 gives an empty 1-d tensor."""
    x = as_tensor(input)
    if x._data.ndim != 1:
        raise ValueError(f"combinations: expected a 1-d tensor, got shape {tuple(x.shape)}")
    r = _int(r, "combinations", "r")
    if r < 0:
        raise ValueError(f"combinations: r must be non-negative, got {r}")
    if r == 0:
        return make_tensor(x._backend.xp.zeros((0,), dtype=x._data.dtype), x._backend)
    n = x._data.shape[0]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = numpy.array(list(pick(range(n), r)), dtype=numpy.int64).reshape(-1, r)
    return getitem(x, make_tensor(x._backend.from_host(rows), x._backend))


# --- random draws --------------------------------------------------------------------------------
def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform in [low, high) with ``input``'s shape, dtype and device (unless given);
    ``randint_like(x, high)`` starts at 0."""
    if not isinstance(input, Tensor):
        raise TypeError(f"randint_like: input must be a Tensor, got {type(input).__name__}")
    if high is None:
        low, high = 0, low
    low, high = _int(low, "randint_like", "low"), _int(high, "randint_like", "high")
    return randint(low, high, tuple(input.shape), generator=generator,
                   dtype=input.dtype if dtype is None else dtype, device=input.device if device is None else device,
                   requires_grad=requires_grad)


def _host_any(backend, flag):
    return bool(backend.to_host(backend.xp.any(flag)))


class _Draws:
    """Uniform draws of a fixed shape in float64 on the backend, from ``manual_seed``'s stream or a Generator."""

    def __init__(self, backend, generator, what, shape):
        self.backend, self.shape = backend, shape
        self.rng = _source(backend, generator, what)

    def __call__(self):
        return self.backend.asarray(self.rng.random(self.shape, dtypes.float64))


def _poisson_arrays(backend, draw, lam):
    """Poisson(lam) draws (float64) for a float64 array of rates lam >= 0."""
    xp = backend.xp
    zero = xp.zeros((), dtype=dtypes.float64)
    out = xp.zeros(lam.shape, dtype=dtypes.float64)
    small = lam < 10
    # lam < 10: k = the number of uniforms multiplied before the product falls to e^-lam, minus one
    limit, prod, active = xp.exp(-lam), xp.ones(lam.shape, dtype=dtypes.float64), small
    while _host_any(backend, active):
        prod = xp.where(active, prod * draw(), prod)
        stop = active & (prod <= limit)
        out = xp.where(active & ~stop, out + 1, out)
        active = active & ~stop
    # lam >= 10: PTRS (Hoermann 1993), a transformed rejection with a squeeze
    pending = ~small
    if _host_any(backend, pending):
        lam_ = xp.where(small, 10.0, lam)
        slam, loglam = xp.sqrt(lam_), xp.log(lam_)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        log_inv_alpha = xp.log(1.1239 + 1.1328 / (b - 3.4))
        vr = 0.9277 - 3.6224 / (b - 2)
        with numpy.errstate(divide="ignore", invalid="ignore", over="ignore"):
            while _host_any(backend, pending):
                u, v = draw() - 0.5, draw()
                us = 0.5 - xp.abs(u)
                k = xp.floor((2 * a / us + b) * u + lam_ + 0.43)
                quick = (us >= 0.07) & (v <= vr)
                reject = ~(k >= 0) | ((us < 0.013) & (v > us))
                ks = xp.where(reject, zero, k)
                lhs = xp.log(v) + log_inv_alpha - xp.log(a / (us * us) + b)
                rhs = -lam_ + ks * loglam - backend.lgamma(ks + 1)
                take = pending & (quick | (~reject & (lhs <= rhs)))
                out = xp.where(take, k, out)
                pending = pending & ~take
    return out


def poisson(input, generator=None):
    """A draw from Poisson(rate) for each rate in the floating ``input`` (>= 0), in its dtype; no gradient."""
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson: input must be a Tensor of rates, got {type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise TypeError(f"poisson: the rates must be a floating-point tensor, got dtype {input.dtype.name}")
    backend = input._backend
    lam = input._data.astype(dtypes.float64)
    if lam.size and _host_any(backend, ~(lam >= 0) | (lam == float("inf"))):
        raise ValueError("poisson: invalid Poisson rate: the rates must be finite and non-negative")
    draw = _Draws(backend, generator, "poisson", lam.shape)
    return make_tensor(_poisson_arrays(backend, draw, lam).astype(input._data.dtype), backend)


def _binomial_arrays(backend, draw, n, p):
    """Binomial(n, p) draws (float64) for float64 arrays n >= 0 and p in [0, 1] of one shape."""
    xp = backend.xp
    zero = xp.zeros((), dtype=dtypes.float64)
    flip = p > 0.5
    q = xp.where(flip, 1 - p, p)
    out = xp.zeros(n.shape, dtype=dtypes.float64)
    trivial = (q == 0) | (n == 0)
    small = (n * q < 10) & ~trivial
    # n q < 10: count the geometric waiting times (ceil(log u / log(1 - q))) that fit in n trials
    with numpy.errstate(divide="ignore", invalid="ignore"):
        log_q = xp.log1p(-xp.where(small, q, 0.5))
        total, active = xp.zeros(n.shape, dtype=dtypes.float64), small
        while _host_any(backend, active):
            total = total + xp.where(active, xp.ceil(xp.log(draw()) / log_q), zero)
            stop = active & (total > n)
            out = xp.where(active & ~stop, out + 1, out)
            active = active & ~stop
    # n q >= 10: BTRS (Hoermann 1993)
    pending = ~small & ~trivial
    if _host_any(backend, pending):
        q_ = xp.where(pending, q, 0.5)
        n_ = xp.where(pending, n, 40.0)
        spq = xp.sqrt(n_ * q_ * (1 - q_))
        b = 1.15 + 2.53 * spq
        a = -0.0873 + 0.0248 * b + 0.01 * q_
        c = n_ * q_ + 0.5
        vr = 0.92 - 4.2 / b
        alpha = (2.83 + 5.1 / b) * spq
        mode = xp.floor((n_ + 1) * q_)
        lq, lq1 = xp.log(q_), xp.log1p(-q_)

        def log_pmf(k):
            return -backend.lgamma(k + 1) - backend.lgamma(n_ - k + 1) + k * lq + (n_ - k) * lq1

        with numpy.errstate(divide="ignore", invalid="ignore", over="ignore"):
            while _host_any(backend, pending):
                u, v = draw() - 0.5, draw()
                us = 0.5 - xp.abs(u)
                k = xp.floor((2 * a / us + b) * u + c)
                bad = ~((k >= 0) & (k <= n_))
                ks = xp.where(bad, zero, k)
                quick = (us >= 0.07) & (v <= vr)
                fits = xp.log(v * alpha / (a / (us * us) + b)) <= log_pmf(ks) - log_pmf(mode)
                take = pending & ~bad & (quick | fits)
                out = xp.where(take, k, out)
                pending = pending & ~take
    return xp.where(flip & ~trivial, n - out, xp.where(trivial & flip, n, out))


def binomial(count, prob, generator=None):
    """A draw from Binomial(count, prob) for each pair of the floating tensors ``count`` (>= 0) and ``prob``
    (in [0, 1]), broadcast, in their dtype; no gradient."""
    for name, t in (("count", count), ("prob", prob)):
        if not isinstance(t, Tensor):
            raise TypeError(f"binomial: {name} must be a Tensor, got {type(t).__name__}")
        if t._data.dtype.kind != "f":
            raise TypeError(f"binomial: {name} must be a floating-point tensor, got dtype {t.dtype.name}")
    if count._data.dtype != prob._data.dtype:
        raise TypeError(f"binomial: count and prob must have the same dtype, got {count.dtype.name} and "
                        f"{prob.dtype.name}")
    if count._backend is not prob._backend:
        raise RuntimeError(f"binomial: count is on {count.device} but prob is on {prob.device}")
    backend, xp = count._backend, count._backend.xp
    try:
        shape = tuple(xp.broadcast_shapes(count._data.shape, prob._data.shape))
    except ValueError:
        raise ValueError(f"binomial: count of shape {tuple(count.shape)} and prob of shape {tuple(prob.shape)} "
                         f"cannot be broadcast together") from None
    n = xp.broadcast_to(count._data.astype(dtypes.float64), shape)
    p = xp.broadcast_to(prob._data.astype(dtypes.float64), shape)
    if n.size and _host_any(backend, ~((p >= 0) & (p <= 1))):
        raise ValueError("binomial: prob must be in [0, 1]")
    if n.size and _host_any(backend, ~(n >= 0) | (n == float("inf"))):
        raise ValueError("binomial: count must be finite and non-negative")
    draw = _Draws(backend, generator, "binomial", shape)
    return make_tensor(_binomial_arrays(backend, draw, n, p).astype(count._data.dtype), backend)


# --- norms and products --------------------------------------------------------------------------
def renorm(input, p, dim, maxnorm):
    """y = x with each slice x_i = x.select(dim, i) whose p-norm exceeds ``maxnorm`` scaled down to it:
    y_i = x_i maxnorm / (||x_i||_p + 1e-7) there, x_i elsewhere (gradients as PyTorch's)."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"renorm: expected a floating-point tensor, got dtype {x.dtype.name}")
    if x._data.ndim < 2:
        raise ValueError(f"renorm: input needs at least 2 dimensions, got shape {tuple(x.shape)}")
    axis = wrap_dim(dim, x._data.ndim, "renorm")
    if not is_scalar(p) or not p > 0:
        raise ValueError(f"renorm: p must be a positive number (non-positive norms are not supported), got {p!r}")
    if not is_scalar(maxnorm) or not maxnorm >= 0:
        raise ValueError(f"renorm: expected maxnorm to be a number >= 0, got {maxnorm!r}")
    others = tuple(d for d in range(x._data.ndim) if d != axis)
    size = norm(x, float(p) if p != 2 else 2, dim=others, keepdim=True)
    return mul(x, where(size > maxnorm, div(float(maxnorm), add(size, 1e-7)), 1.0))


def chain_matmul(*matrices):
    """The product of the 2-d matrices A1 A2 ... An (PyTorch's deprecated chain_matmul; a single matrix is
    returned as a copy)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise ValueError("chain_matmul: expected one or more matrices")
    for i, m in enumerate(matrices):
        if not isinstance(m, Tensor):
            raise TypeError(f"chain_matmul: argument {i} is a {type(m).__name__}, not a Tensor")
        if m._data.ndim != 2:
            raise ValueError(f"chain_matmul: expected 2-d matrices, got shape {tuple(m.shape)} for argument {i}")
    if len(matrices) == 1:
        return clone(matrices[0])
    out = matrices[0]
    for i, m in enumerate(matrices[1:], 1):
        if out.shape[1] != m.shape[0]:
            raise ValueError(f"chain_matmul: the product so far has shape {tuple(out.shape)} but matrix {i} has "
                             f"shape {tuple(m.shape)}; the inner sizes must match")
        out = matmul(out, m)
    return out


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """y = beta x + alpha sum_b batch1[b] @ batch2[b], for batches (B, n, m) and (B, m, p) and x broadcasting to
    (n, p) (beta = 0 ignores x, NaN included, as PyTorch)."""
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"addbmm: {name} must be a Tensor, got {type(t).__name__}")
        if t._data.ndim != 3:
            raise ValueError(f"addbmm: {name} must be a 3-d tensor, got shape {tuple(t.shape)}")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise ValueError(f"addbmm: batch1 of shape {tuple(batch1.shape)} and batch2 of shape "
                         f"{tuple(batch2.shape)} don't multiply (same batch size, batch1's columns = batch2's rows)")
    prod = _sum(bmm(batch1, batch2), 0)
    _check_fits(input, prod, "addbmm")
    return _scaled_sum(input, prod, beta, alpha)


def adjoint(input):
    """The (conjugate) transpose of the last two dims: x.mT for real tensors."""
    x = as_tensor(input)
    if x._data.ndim < 2:
        raise ValueError(f"adjoint: only matrices or batches of matrices are supported, got shape {tuple(x.shape)}")
    return mT(x)


def split_with_sizes(input, split_sizes, dim=0):
    """The pieces of ``input`` along ``dim`` of the listed sizes, which must add up to its size there."""
    x = as_tensor(input)
    if x._data.ndim == 0:
        raise ValueError("split_with_sizes: expected a tensor with at least one dimension, got a 0-d tensor")
    if not isinstance(split_sizes, (list, tuple)):
        raise TypeError(f"split_with_sizes: split_sizes must be a list of ints, got {type(split_sizes).__name__}")
    axis = wrap_dim(dim, x._data.ndim, "split_with_sizes")
    sizes = _split_sizes(x._data.shape[axis], list(split_sizes), axis, x._data.shape, "split_with_sizes")
    return Split.apply(x, sizes=sizes, axis=axis)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding the number ``s`` (the default float dtype unless ``dtype`` is given)."""
    if isinstance(s, Tensor):
        s = s.item()
    if not is_scalar(s):
        raise TypeError(f"scalar_tensor: expected a number, got {type(s).__name__}")
    dt = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
    backend = get_backend("cpu" if device is None else device)
    t = make_tensor(backend.xp.asarray(s, dtype=dt).reshape(()), backend)
    if requires_grad:
        t.requires_grad = True
    return t


class Fill(Function):
    """y = v at every position (x's shape and dtype);  dL/dx = 0, dL/dv = sum(dL/dy)"""

    def forward(self, x, v):
        self.v_shape = v.shape
        return self.backend.xp.broadcast_to(v, x.shape).astype(x.dtype)

    def backward(self, gy):
        gx = zero_grad_of(gy) if self._next[0] is not None else None
        gv = reshape(_sum(gy), self.v_shape) if self._next[1] is not None else None
        return gx, gv


def fill(input, value):
    """A tensor of ``input``'s shape and dtype filled with ``value`` (a number, or a 0-d tensor which then gets
    the summed gradient); the gradient to input is 0."""
    x = as_tensor(input)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise ValueError(f"fill: only a 0-dimensional value tensor is supported, got shape {tuple(value.shape)}")
        if value._backend is not x._backend:
            raise RuntimeError(f"fill: value is on {value.device} but the tensor is on {x.device}")
        v = value if value._data.dtype == x._data.dtype else value.to(dtype=x.dtype)
    elif is_scalar(value):
        if isinstance(value, float) and math.isnan(value) and x._data.dtype.kind != "f":
            raise ValueError(f"fill: NaN can't be stored in a {x.dtype.name} tensor")
        v = make_tensor(x._backend.xp.asarray(value).astype(x._data.dtype), x._backend)
    else:
        raise TypeError(f"fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return Fill.apply(x, v)
