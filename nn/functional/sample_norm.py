"""Normalizations with per-sample statistics: layer norm (Ba, Kiros and Hinton, 2016), group norm (Wu
and He, 2018) and instance norm (Ulyanov et al., 2016), PyTorch's ``F.layer_norm``, ``F.group_norm`` and
``F.instance_norm``. Each normalizes over a set D of positions of one sample,

    y = gamma (x - mu_D) / sqrt(sigma_D^2 + eps) + beta       (sigma^2 biased: divided by |D|)

D being the last dims (layer norm), a group of channels with its positions (group norm) or one channel's
positions (instance norm); training and evaluation compute the same thing, except that instance norm can
also track and use running statistics as batch norm does. Built from differentiable ops, so every order
of gradient follows.
"""

import operator

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.ops.shape import reshape

from .normalization import _affine_eval, _check_channel_tensor, _filled


# --- layer norm --------------------------------------------------------------------------------------
def _shape_tuple(normalized_shape, what):
    """``normalized_shape`` (an int or a sequence of ints, NumPy ints included) as a tuple of positive ints."""
    if isinstance(normalized_shape, bool):
        raw = None
    elif hasattr(normalized_shape, "__index__"):
        raw = (normalized_shape,)
    else:
        try:
            raw = tuple(normalized_shape)
        except TypeError:
            raw = None
    if raw is None:
        raise TypeError(f"{what}: normalized_shape must be an int or a sequence of ints, got "
                        f"{normalized_shape!r}")
    good = bool(raw) and all(not isinstance(n, bool) and hasattr(n, "__index__") and operator.index(n) > 0
                             for n in raw)
    if not good:
        raise ValueError(f"{what}: normalized_shape must be a positive int or a non-empty sequence of positive "
                         f"ints, got {normalized_shape!r}")
    return tuple(operator.index(n) for n in raw)


def _normalized_input(input, normalized_shape, what):
    """``normalized_shape`` as a tuple, checked against the trailing dims of the floating tensor ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")
    shape = _shape_tuple(normalized_shape, what)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"{what}: normalized_shape={shape} expects an input of shape (*, {', '.join(map(str, shape))})"
                         f", got input shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point input, got dtype {input.dtype.name}")
    return shape


def _check_affine_params(what, input, shape, *params):
    """Each (tensor, name) in ``params`` is None or a tensor of ``shape`` on the input's device and of its dtype."""
    for t, name in params:
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: {name} must be a Tensor or None, got {type(t).__name__}")
        if tuple(t.shape) != shape:
            raise ValueError(f"{what}: {name} has shape {tuple(t.shape)} but normalized_shape is {shape}; they "
                             f"must be equal")
        if t._backend is not input._backend:
            raise RuntimeError(f"{what}: {name} is on {t.device} but the input is on {input.device}")
        if t.dtype != input.dtype:
            raise TypeError(f"{what}: {name} has dtype {t.dtype.name} but the input has dtype {input.dtype.name}; "
                            f"convert one of them (e.g. module.to(dtype))")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the last len(normalized_shape) dimensions D of ``input``, per sample:

        mu      = 1/m sum_{i in D} x_i
        sigma^2 = 1/m sum_{i in D} (x_i - mu)^2           (biased: m = prod(normalized_shape))
        y_i     = gamma_i (x_i - mu) / sqrt(sigma^2 + eps) + beta_i

    ``weight`` and ``bias`` (gamma and beta) have shape ``normalized_shape``; None means 1 and 0. Unlike
    batch norm the statistics are per sample, so training and evaluation compute the same thing. Built
    from differentiable ops, so its gradient (the lecture's backward through mu and sigma^2) has gradients
    of every order:

        dL/dx = (s / m) (m g - sum_D g - x_hat sum_D(g x_hat)),   g = gamma dL/dy,  s = 1 / sqrt(sigma^2 + eps)
    """
    what = "layer_norm"
    shape = _normalized_input(input, normalized_shape, what)
    k = len(shape)
    _check_affine_params(what, input, shape, (weight, "weight"), (bias, "bias"))
    dims = tuple(range(input.ndim - k, input.ndim))
    xc = input - input.mean(dim=dims, keepdim=True)
    var = (xc * xc).mean(dim=dims, keepdim=True)
    y = xc * ag.rsqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization over the last len(normalized_shape) dimensions D, per sample:

        y_i = gamma_i x_i / sqrt(1/m sum_{j in D} x_j^2 + eps)        (m = prod(normalized_shape))

    ``weight`` (gamma) has shape ``normalized_shape``; None means 1. ``eps=None`` takes the input dtype's
    machine epsilon, as PyTorch. Built from differentiable ops (gradients of every order)."""
    what = "rms_norm"
    shape = _normalized_input(input, normalized_shape, what)
    k = len(shape)
    _check_affine_params(what, input, shape, (weight, "weight"))
    if eps is None:
        eps = float(ag.finfo(input.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    y = input * ag.rsqrt((input * input).mean(dim=dims, keepdim=True) + eps)
    return y if weight is None else y * weight


# --- group norm and instance norm ----------------------------------------------------------------------------
def _check_affine(what, t, name, c, input):
    """``t`` (weight, bias or a running statistic) is None or a (C,) tensor on the input's device (weight
    and bias also of its dtype)."""
    _check_channel_tensor(what, t, name, c, input, check_dtype=name in ("weight", "bias"))


def _check_input(what, input, min_dims=2):
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < min_dims:
        raise ValueError(f"{what}: expected an input with at least {min_dims} dimensions (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point input, got dtype {input.dtype.name}")


def _channel_affine(y, weight, bias):
    """y * gamma + beta with (C,) gamma and beta broadcast along dim 1."""
    kshape = (1, y.shape[1]) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * reshape(weight, kshape)
    if bias is not None:
        y = y + reshape(bias, kshape)
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization (Wu and He, 2018) of an (N, C, *) input: the C channels are cut into
    ``num_groups`` groups G of C / num_groups consecutive channels, and each sample is normalized over
    each group's channels and positions (m values):

        mu_{n,G} = 1/m sum_{i in G} x_{n,i},   sigma_{n,G}^2 = 1/m sum_{i in G} (x_{n,i} - mu_{n,G})^2
        y = gamma_c (x - mu_{n,G}) / sqrt(sigma_{n,G}^2 + eps) + beta_c          (gamma, beta of shape (C,))

    Per-sample statistics: the same in training and evaluation. num_groups = 1 is layer norm over (C, *)
    with per-channel affine; num_groups = C is instance norm. Built from differentiable ops, so the
    gradient (the layer-norm backward per group) has gradients of every order.
    """
    what = "group_norm"
    _check_input(what, input)
    c = input.shape[1]
    if isinstance(num_groups, bool) or not hasattr(num_groups, "__index__") or operator.index(num_groups) <= 0:
        raise ValueError(f"{what}: num_groups must be a positive int, got {num_groups!r}")
    g = operator.index(num_groups)
    if c % g:
        raise ValueError(f"{what}: expected the number of channels to be divisible by num_groups, but got an input "
                         f"of shape {tuple(input.shape)} ({c} channels) and num_groups={g}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        _check_affine(what, t, name, c, input)
    n = input.shape[0]
    m = c // g
    for s in input.shape[2:]:
        m *= s
    xg = reshape(input, (n, g, m))
    xc = xg - xg.mean(dim=2, keepdim=True)
    var = (xc * xc).mean(dim=2, keepdim=True)
    y = reshape(xc * ag.rsqrt(var + eps), tuple(input.shape))
    return _channel_affine(y, weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalization (Ulyanov et al., 2016): each channel of each sample of an (N, C, *) input is
    normalized over its own positions (the L values of *):

        mu_{n,c} = 1/L sum_l x_{n,c,l},  sigma_{n,c}^2 = 1/L sum_l (x_{n,c,l} - mu_{n,c})^2
        y = gamma_c (x - mu_{n,c}) / sqrt(sigma_{n,c}^2 + eps) + beta_c

    ``use_input_stats=True`` (training, or no running statistics): those per-instance statistics, and if
    ``running_mean`` / ``running_var`` are given they are updated in place, as PyTorch, with the batch
    averages of the instance statistics (the variance unbiased, L / (L - 1) sigma^2):

        running_mean = (1 - momentum) running_mean + momentum mean_n(mu_{n,c})
        running_var  = (1 - momentum) running_var  + momentum mean_n(L / (L - 1) sigma_{n,c}^2)

    ``use_input_stats=False``: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta (an affine map).
    Built from differentiable ops (gradients of every order).
    """
    what = "instance_norm"
    _check_input(what, input)
    c = input.shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_affine(what, t, name, c, input)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(f"{what}: running_mean and running_var must be given when use_input_stats=False "
                             f"(they are the statistics it normalizes with)")
        if (weight is None) != (bias is None):
            weight = weight if weight is not None else _filled(input, c, 1.0)
            bias = bias if bias is not None else _filled(input, c, 0.0)
        return _affine_eval(input, running_mean, running_var, weight, bias, eps)
    spatial = 1
    for s in input.shape[2:]:
        spatial *= s
    if input.ndim < 3 or spatial <= 1:
        raise ValueError(f"{what}: expected more than 1 spatial element when training, got input size "
                         f"{tuple(input.shape)}")
    track = running_mean is not None or running_var is not None
    if track and momentum is None:
        raise ValueError(f"{what}: momentum=None would never update the running statistics; pass a number "
                         f"(the InstanceNorm modules pass 0.0 for momentum=None, as PyTorch)")
    dims = tuple(range(2, input.ndim))
    mean = input.mean(dim=dims, keepdim=True)
    xc = input - mean
    var = (xc * xc).mean(dim=dims, keepdim=True)
    if track:
        _update_running(running_mean, running_var, mean, var, spatial, momentum)
    y = xc * ag.rsqrt(var + eps)
    return _channel_affine(y, weight, bias)


def _update_running(running_mean, running_var, mean, var, spatial, momentum):
    """The in-place running-statistics update of ``instance_norm`` on the raw arrays (no graph)."""
    n, c = mean.shape[0], mean.shape[1]
    if running_mean is not None:
        r = running_mean._data
        r *= 1.0 - momentum
        r += (momentum * mean._data.reshape(n, c).mean(axis=0)).astype(r.dtype, copy=False)
    if running_var is not None:
        r = running_var._data
        r *= 1.0 - momentum
        unbiased = var._data.reshape(n, c).mean(axis=0) * (spatial / (spatial - 1))
        r += (momentum * unbiased).astype(r.dtype, copy=False)
