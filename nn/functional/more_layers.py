"""More of PyTorch's functional layers: softshrink, hardshrink, rrelu; alpha_dropout, feature_alpha_dropout,
dropout1d; local_response_norm, lp_pool1d/2d, channel_shuffle, bilinear, gumbel_softmax, pdist (max unpooling is in
unpool.py, the in-place names and deprecated aliases in aliases.py).

Each is built from differentiable ops (where, pow, matmul, gather/scatter, softmax, norm, pooling) or from
``DropoutMask`` (y = x * m for a constant m), so every one has gradients of every order. Random draws come from
the input's device generator (``backend.random``), so ``autograd_core.manual_seed`` makes them reproducible.
"""

import math
import numbers
import warnings

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import make_tensor

from .activation import _float_tensor, leaky_relu, softmax
from .conv import _ntuple
from .dropout import DropoutMask, _check_input, _check_p, _masked
from .pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d


def _real(v, name, what):
    """A Python (or NumPy) real number, not a bool or a Tensor."""
    if isinstance(v, (bool, Tensor)) or not isinstance(v, numbers.Real):
        raise TypeError(f"{what}: {name} must be a number, got {type(v).__name__} ({v!r})")
    return float(v)


def _positive_int(v, name, what):
    if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
        raise ValueError(f"{what}: {name} must be a positive int, got {v!r}")
    return int(v)


# --- shrinkage and randomized activations ----------------------------------------------------------------------
def _lambd(lambd, what):
    lam = _real(lambd, "lambd", what)
    if not lam >= 0:
        raise ValueError(f"{what}: lambd must be non-negative, got lambd={lambd!r}")
    return lam


def softshrink(input, lambd=0.5):
    """g(h) = h - lambd for h > lambd, h + lambd for h < -lambd, 0 otherwise;
    g'(h) = 0 for -lambd <= h <= lambd (the kinks included, as PyTorch), else 1 (a NaN h passes NaN and gy on).
    ``lambd`` must be >= 0."""
    x = _float_tensor(input, "softshrink")
    lam = _lambd(lambd, "softshrink")
    inside = (x >= -lam) & (x <= lam)
    return ag.where(inside, 0.0, x - ag.where(x > lam, lam, -lam))


def hardshrink(input, lambd=0.5):
    """g(h) = h for |h| > lambd, 0 for -lambd <= h <= lambd;  g'(h) = [|h| > lambd] (0 at the kinks; a NaN h
    passes NaN and gy on, as PyTorch). A negative ``lambd`` gives the identity, as in PyTorch."""
    x = _float_tensor(input, "hardshrink")
    lam = _real(lambd, "lambd", "hardshrink")
    return ag.where((x >= -lam) & (x <= lam), 0.0, x)


def _bounds(lower, upper, what):
    lo, hi = _real(lower, "lower", what), _real(upper, "upper", what)
    if not lo <= hi:
        raise ValueError(f"{what}: the lower bound must be less than or equal to the upper bound, got "
                         f"lower={lower!r}, upper={upper!r}")
    return lo, hi


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """The randomized leaky ReLU (Xu et al., 2015): g(h) = h for h > 0, a h for h <= 0.

    Training: a ~ U(lower, upper), one draw per element from the input's device generator;
    dL/dh = gy for h > 0, gy a for h <= 0 (a NaN h is passed on with slope 1, as PyTorch).
    Evaluation: the fixed slope a = (lower + upper) / 2, i.e. ``leaky_relu(h, (lower + upper) / 2)``.
    ``inplace`` is accepted for PyTorch's signature; the result is a new tensor and the input is left as it was.
    """
    x = _float_tensor(input, "rrelu")
    lo, hi = _bounds(lower, upper, "rrelu")
    if not training:
        return leaky_relu(x, (lo + hi) / 2)
    backend, dt = x._backend, x.dtype
    slope = backend.random(tuple(x.shape), dt) * dt.type(hi - lo) + dt.type(lo)
    slope = backend.where(x._data <= 0, slope, backend.xp.ones((), dtype=dt)).astype(dt, copy=False)
    return DropoutMask.apply(x, mask=slope)


# --- dropout variants ------------------------------------------------------------------------------------------
SELU_NEG_SATURATION = 1.7580993408473766  # scale * alpha of SELU: SELU(h) -> -1.7581 as h -> -inf


def _alpha_dropout(input, p, training, feature, what):
    _check_p(p, what)
    _check_input(input, what)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if feature:
        if input.ndim < 2:
            raise ValueError(f"{what}: feature dropout requires at least 2 dimensions in the input, got shape "
                             f"{tuple(input.shape)}")
        shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    else:
        shape = tuple(input.shape)
    backend, dt = input._backend, input.dtype
    if p == 1.0:
        return DropoutMask.apply(input, mask=backend.xp.zeros(shape, dtype=dt))
    keep = (backend.random(shape, dt) >= p).astype(dt)
    alpha = SELU_NEG_SATURATION
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    shift = (keep - dt.type(1)) * dt.type(alpha * a) + dt.type(alpha * a * p)
    return DropoutMask.apply(input, mask=keep * dt.type(a)) + make_tensor(shift.astype(dt, copy=False), backend)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout (Klambauer et al., 2017), which keeps a SELU network's zero mean and unit variance.

    In training each element is kept with probability 1 - p (r ~ Bernoulli(1 - p)) and a dropped one is set to
    SELU's negative saturation alpha' = -1.7581, then an affine map restores the moments of a standard input:

        y = a (x r + alpha' (1 - r)) + b,   a = ((1 - p)(1 + p alpha'^2))^(-1/2),   b = -a alpha' p
        dL/dx = dL/dy * a r

    The identity when not training (note ``training=False`` by default, as PyTorch). ``inplace`` is accepted
    for PyTorch's signature; the result is a new tensor.
    """
    return _alpha_dropout(input, p, training, False, "alpha_dropout")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels: as ``alpha_dropout`` with one draw r per (n, c) of an input of at least
    2 dims (N, C, ...), shared over the remaining dims;  dL/dx = dL/dy * a r. The identity when not training."""
    return _alpha_dropout(input, p, training, True, "feature_alpha_dropout")


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``, scaling the rest by
    1/(1 - p):  y = x * r / (1 - p), r ~ Bernoulli(1 - p) per channel;  dL/dx = dL/dy * r / (1 - p).
    The identity when not training. ``inplace`` is accepted; the result is a new tensor."""
    _check_p(p, "dropout1d")
    _check_input(input, "dropout1d")
    if input.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected a 2D (C, L) or 3D (N, C, L) input, got shape {tuple(input.shape)} "
                         f"({input.ndim}D)")
    if not training or p == 0.0:
        return input
    return _masked(input, p, tuple(input.shape[:-1]) + (1,))


# --- normalisation, pooling, shuffling ---------------------------------------------------------------------------
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalisation over channels (Krizhevsky et al., 2012), for (N, C, *) inputs:

        y[n, c] = x[n, c] / (k + alpha / size * sum_{c' = c - size//2}^{c + (size-1)//2} x[n, c']^2)^beta

    (channels outside [0, C) count as 0; the window average divides by ``size`` always, as PyTorch).
    Built from differentiable ops: dL/dx follows by the quotient and chain rules.
    """
    x = _float_tensor(input, "local_response_norm")
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: expected a 3D or higher dimensional input, got shape "
                         f"{tuple(x.shape)} ({x.ndim} dimensions)")
    size = _positive_int(size, "size", "local_response_norm")
    alpha, beta, k = (_real(v, n, "local_response_norm") for v, n in ((alpha, "alpha"), (beta, "beta"), (k, "k")))
    if x.numel() == 0:
        return x
    n, c = x.shape[:2]
    sq = ag.reshape(x * x, (n, c, -1))
    padded = ag.pad(sq, (0, 0, size // 2, (size - 1) // 2))
    total = padded[:, 0:c]
    for j in range(1, size):
        total = total + padded[:, j:j + c]
    div = ag.reshape(total / float(size), tuple(x.shape))
    return x / (div * alpha + k) ** beta


def _norm_type(norm_type, what):
    p = _real(norm_type, "norm_type", what)
    if p == 0 or math.isnan(p):
        raise ValueError(f"{what}: norm_type must be a nonzero number (inf for max pooling), got {norm_type!r}")
    return p


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, nd, what):
    p = _norm_type(norm_type, what)
    pool_max, pool_avg = (max_pool1d, avg_pool1d) if nd == 1 else (max_pool2d, avg_pool2d)
    x = _float_tensor(input, what)
    if p == math.inf:
        return pool_max(ag.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    if p == -math.inf:
        return -pool_max(-ag.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    count = math.prod(_ntuple(kernel_size, nd, "kernel_size", what, 1))
    if stride is None:
        out = pool_avg(x ** p, kernel_size, padding=0, ceil_mode=ceil_mode)
    else:
        out = pool_avg(x ** p, kernel_size, stride, 0, ceil_mode)
    s = out * float(count)
    zero = s == 0  # a window of zeros: y = 0 with a zero gradient (not 0 * inf), as PyTorch
    return ag.where(zero, 0.0, ag.where(zero, 1.0, s) ** (1.0 / p))


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling of (N, C, L) or (C, L):  y = (sum_{window} x^p)^(1/p), p = ``norm_type``,
    taken as (kernel_size * avg_pool1d(x^p))^(1/p) as PyTorch (so a ``ceil_mode`` partial window is scaled to
    the full kernel size). p = inf is max pooling of |x|, p = -inf the minimum of |x|. A window whose sum is 0
    gives 0 with a zero gradient; dL/dx = dL/dy y^(1-p) x^(p-1) otherwise."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, "lp_pool1d")


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling of (N, C, H, W) or (C, H, W):  y = (sum_{window} x^p)^(1/p), as ``lp_pool1d``
    with a 2-D window (kH * kW * avg_pool2d(x^p))^(1/p)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, "lp_pool2d")


def channel_shuffle(input, groups):
    """Regroup the C channels of (N, C, *) as (N, g, C/g, *) -> (N, C/g, g, *) -> (N, C, *) (ShuffleNet):
    y[:, a g + b] = x[:, b (C/g) + a] for 0 <= a < C/g, 0 <= b < g.
    A reshape and a permute; its gradient is the inverse shuffle."""
    if not isinstance(input, Tensor):
        raise TypeError(f"channel_shuffle: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(f"channel_shuffle: expected an input with at least 3 dimensions (N, C, *), got shape "
                         f"{tuple(input.shape)}")
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"channel_shuffle: groups must be a positive int, got {groups!r}")
    n, c = input.shape[:2]
    if c % groups:
        raise ValueError(f"channel_shuffle: the number of channels must be divisible by groups, got {c} channels "
                         f"and groups={groups!r} (input shape {tuple(input.shape)})")
    rest = tuple(input.shape[2:])
    y = ag.reshape(input, (n, int(groups), c // int(groups)) + rest)
    return ag.reshape(ag.transpose(y, 1, 2), tuple(input.shape))


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T A_o x2 + b_o = sum_ij x1_i W[o, i, j] x2_j + b_o over the last dims of x1 (*, in1) and
    x2 (*, in2) (the same leading dims), W of shape (out, in1, in2), b of shape (out,);
    dL/dx1_i = sum_o gy_o (W_o x2)_i,  dL/dx2_j = sum_o gy_o (x1^T W_o)_j,  dL/dW[o, i, j] = sum gy_o x1_i x2_j.
    """
    what = "bilinear"
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        _float_tensor(t, f"{what}: {name}")
    if bias is not None:
        _float_tensor(bias, f"{what}: bias")
    for name, t in (("input2", input2), ("weight", weight)) + ((("bias", bias),) if bias is not None else ()):
        if t.dtype != input1.dtype:
            raise TypeError(f"{what}: {name} has dtype {t.dtype.name} but input1 has dtype {input1.dtype.name}")
    if weight.ndim != 3:
        raise ValueError(f"{what}: weight must be 3-D (out_features, in1_features, in2_features), got shape "
                         f"{tuple(weight.shape)}")
    out, in1, in2 = weight.shape
    if input1.ndim == 0 or input2.ndim == 0 or tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise ValueError(f"{what}: input1 (shape {tuple(input1.shape)}) and input2 (shape {tuple(input2.shape)}) "
                         f"must have the same leading (batch) dimensions")
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise ValueError(f"{what}: inputs of last sizes {input1.shape[-1]} and {input2.shape[-1]} do not match the "
                         f"weight of shape {tuple(weight.shape)} (expected {in1} and {in2})")
    if bias is not None and tuple(bias.shape) != (out,):
        raise ValueError(f"{what}: bias has shape {tuple(bias.shape)} but the weight has {out} output features "
                         f"(expected shape ({out},))")
    lead = tuple(input1.shape[:-1])
    rows = math.prod(lead)
    x1 = ag.reshape(input1, (rows, in1))
    x2 = ag.reshape(input2, (rows, 1, in2))
    w = ag.reshape(ag.permute(weight, (1, 0, 2)), (in1, out * in2))
    y = ag.sum(ag.reshape(ag.matmul(x1, w), (rows, out, in2)) * x2, dim=-1)
    if bias is not None:
        y = y + bias
    return ag.reshape(y, lead + (out,))


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample from the Gumbel-softmax (concrete) distribution (Jang et al., 2016; Maddison et al., 2016):

        y = softmax((logits + g) / tau, dim),  g = -log(E), E ~ Exp(1) (g ~ Gumbel(0, 1), one per element)

    dL/dlogits = softmax's Jacobian^T dL/dy / tau. ``hard=True`` returns the one-hot of argmax(y) in the forward
    pass with y's gradient (straight-through: y_hard - y.detach() + y). ``eps`` is deprecated and unused (a
    warning when it is changed, as PyTorch). E is drawn from the input's device generator (at least the dtype's
    smallest normal number, so g stays finite).
    """
    x = _float_tensor(logits, "gumbel_softmax")
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    t = _real(tau, "tau", "gumbel_softmax")
    if not t > 0:
        raise ValueError(f"gumbel_softmax: tau must be positive, got tau={tau!r}")
    backend, dt = x._backend, x.dtype
    xp = backend.xp
    e = -xp.log1p(-backend.random(tuple(x.shape), dt))
    g = -xp.log(xp.maximum(e, dt.type(xp.finfo(dt).tiny)))
    y_soft = softmax((x + make_tensor(g.astype(dt, copy=False), backend)) / t, dim)
    if not hard:
        return y_soft
    index = ag.argmax(y_soft, dim, keepdim=True)
    y_hard = ag.scatter(ag.zeros_like(y_soft), dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def pdist(input, p=2):
    """The p-norm distances between the rows of an (N, M) input, for each pair i < j in row-major order:
    y = [||x_i - x_j||_p for i < j], N (N - 1) / 2 values; p = 0 counts the differing entries, p = inf is the
    largest |difference|. dL/dx_i = sum_j dL/dy_ij sign(d) |d|^(p-1) / y_ij^(p-1), d = x_i - x_j (0 where
    y_ij = 0, as PyTorch). ``p`` must be >= 0."""
    x = _float_tensor(input, "pdist")
    if x.ndim != 2:
        raise ValueError(f"pdist: expected a 2D input (N, M), got shape {tuple(x.shape)} ({x.ndim}D)")
    pv = _real(p, "p", "pdist")
    if not pv >= 0:
        raise ValueError(f"pdist: p must be non-negative, got p={p!r}")
    n = x.shape[0]
    i, j = ag.triu_indices(n, n, 1, device=x.device)
    diff = ag.index_select(x, 0, i) - ag.index_select(x, 0, j)
    return ag.norm(diff, p=pv, dim=1)
