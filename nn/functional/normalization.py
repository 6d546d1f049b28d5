"""Batch normalization (Ioffe and Szegedy, 2015), PyTorch's ``F.batch_norm``; layer normalization
(Ba, Kiros and Hinton, 2016), ``F.layer_norm``; group and instance normalization, ``F.group_norm`` and
``F.instance_norm``; and the p-norm rescaling ``F.normalize`` with ``F.cosine_similarity``.

For every channel c, over the m values of the mini-batch B in that channel (every position of the
input but the channel one: N for (N, C), N L for (N, C, L), N H W for (N, C, H, W)):

    mu_B      = 1/m sum_i x_i
    sigma_B^2 = 1/m sum_i (x_i - mu_B)^2                 (the biased batch variance)
    x_hat_i   = (x_i - mu_B) / sqrt(sigma_B^2 + eps)
    y_i       = gamma x_hat_i + beta

In training the running statistics are updated in place (they are buffers, not part of the graph):

    running_mean = (1 - momentum) running_mean + momentum mu_B
    running_var  = (1 - momentum) running_var  + momentum m/(m - 1) sigma_B^2   (the unbiased variance)

In evaluation the running statistics stand in for mu_B and sigma_B^2, so y is an affine map of x.
"""

from autograd_core import Function, Tensor, is_grad_enabled
from autograd_core.ops.reduce import sum as _sum
from autograd_core.ops.shape import reshape
from autograd_core.tensor import make_tensor
from backends.base import channel_sums, channels_innermost


class BatchNormStats(Function):
    """(x_c, s) of BatchNormTrain, re-attached to x for higher-order gradients.

    x_c = x - mu_B,  s = 1 / sqrt(sigma_B^2 + eps) (one per channel, kept dims). The forward returns
    the arrays BatchNormTrain already computed (no work); with g = dL/dx_c and g_s = dL/ds the
    backward is (sum_B x_c = 0, so d sigma_B^2 / dx = 2 x_c / m)

        dL/dx = g - mean_B(g) - x_c g_s s^3 / m

    written with this node's own outputs, so it is differentiable again (gradients of every order).
    """

    def forward(self, x, xc, invstd, axes):
        self.xc, self.invstd, self.axes = xc, invstd, axes
        self.m = x.size // x.shape[1]
        return xc, invstd

    def backward(self, g, g_s):
        xc, s = self.output(self.xc, 0), self.output(self.invstd, 1)
        mean_g = _sum(g, dim=self.axes, keepdim=True) * (1.0 / self.m)
        return g - mean_g - xc * (g_s * s * s * s * (1.0 / self.m))


class BatchNormTrain(Function):
    """Training-mode batch norm: y = gamma x_hat + beta with the batch statistics (one pass of reductions).

    With gy = dL/dy, s = 1/sqrt(sigma_B^2 + eps) and x_hat = (x - mu_B) s (the closed form of the
    lecture's backward through mu_B and sigma_B^2):

        dL/dx     = (gamma s / m) (m gy - sum_B gy - x_hat sum_B(gy x_hat))
        dL/dgamma = sum_B gy x_hat
        dL/dbeta  = sum_B gy

    written with Tensor ops on x (through BatchNormStats) and gamma, so double backward works (a plain
    first-order backward, with no graph wanted, runs the same formulas on arrays: ``_backward_arrays``).
    Only x_c = x - mu_B and s are kept (x_hat = x_c s is never materialised). The running
    statistics (arrays, passed as a parameter) are updated in place in the forward.
    """

    saves_inputs = True

    def forward(self, x, *affine, axes, eps, running, momentum):
        xp = self.backend.xp
        c = x.shape[1]
        kshape = (1, c) + (1,) * (x.ndim - 2)
        m = x.size // c
        backend = self.backend
        mean = _channel_mean(x, axes, kshape)
        xc = backend.channel_op("subtract", x, mean.reshape(c))
        y = xc * xc
        var = _channel_mean(y, axes, kshape)
        invstd = 1.0 / xp.sqrt(var + eps)
        if affine:
            backend.channel_op("multiply", xc, (invstd * affine[0].reshape(kshape)).reshape(c), out=y)
            backend.channel_op("add", y, affine[1], out=y)
        else:
            backend.channel_op("multiply", xc, invstd.reshape(c), out=y)
        if running is not None:
            running_mean, running_var = running
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += momentum * mean.reshape(c)
            if running_var is not None:
                running_var *= 1.0 - momentum
                running_var += (momentum * m / (m - 1)) * var.reshape(c)
        self.xc, self.invstd, self.axes, self.m, self.kshape = xc, invstd, axes, m, kshape
        return y

    def backward(self, gy):
        if not is_grad_enabled():  # a first-order backward (no create_graph): the same formulas on arrays
            return self._backward_arrays(gy)
        x = self.inputs[0]
        affine = len(self.inputs) == 3
        xc, s = BatchNormStats.apply(x, xc=self.xc, invstd=self.invstd, axes=self.axes)
        axes = self.axes
        sum_gy = _sum(gy, dim=axes, keepdim=True)
        sum_gy_xc = _sum(gy * xc, dim=axes, keepdim=True)  # = sum_B(gy x_hat) / s
        gx = gw = gb = None
        if self._next[0] is not None:
            k = s * reshape(self.inputs[1], self.kshape) if affine else s
            inv_m = 1.0 / self.m
            gx = gy * k - (xc * (k * s * s * sum_gy_xc * inv_m) + k * sum_gy * inv_m)
        if not affine:
            return gx
        c = self.kshape[1]
        if self._next[1] is not None:
            gw = reshape(s * sum_gy_xc, (c,))
        if self._next[2] is not None:
            gb = reshape(sum_gy, (c,))
        return gx, gw, gb

    def _backward_arrays(self, gy):
        """The backward above, op for op (the same values), on raw arrays with two full-size temporaries
        instead of one per Tensor op, where no graph of the backward is wanted: measured on a 16x64x32x32
        channels-last batch, 3.6 -> 2.0 ms (the per-channel scalings as ``Backend.channel_op``)."""
        backend = self.backend
        g, xc, s, kshape = gy._data, self.xc, self.invstd, self.kshape
        affine = len(self.inputs) == 3
        sum_gy = _channel_sum(g, self.axes, kshape)
        t = g * xc
        sum_gy_xc = _channel_sum(t, self.axes, kshape)  # = sum_B(gy x_hat) / s
        gx = None
        if self._next[0] is not None:
            k = s * self.inputs[1]._data.reshape(kshape) if affine else s
            inv_m = 1.0 / self.m
            c = kshape[1]
            backend.channel_op("multiply", g, k.reshape(c), out=t)  # gx = gy k - (x_c (k s^2 sum_B(gy x_c) / m)
            u = backend.channel_op("multiply", xc, (k * s * s * sum_gy_xc * inv_m).reshape(c))  # + k sum_B(gy) / m)
            backend.channel_op("add", u, (k * sum_gy * inv_m).reshape(c), out=u)
            t -= u
            gx = make_tensor(t, backend)
        if not affine:
            return gx
        c = kshape[1]
        gw = make_tensor((s * sum_gy_xc).reshape(c), backend) if self._next[1] is not None else None
        gb = make_tensor(sum_gy.reshape(c), backend) if self._next[2] is not None else None
        return gx, gw, gb


def _channel_mean(a, axes, kshape):
    """The mean over ``axes`` (every axis but 1), kept dims."""
    if a.ndim == 4 and channels_innermost(a):
        return channel_sums(a).reshape(kshape) / (a.size // a.shape[1])
    return a.mean(axis=axes, keepdims=True)


def _channel_sum(a, axes, kshape):
    """sum over ``axes`` (every axis but 1), kept dims."""
    if a.ndim == 4 and channels_innermost(a):
        return channel_sums(a).reshape(kshape)
    return a.sum(axis=axes, keepdims=True)


def _check_channel_tensor(what, t, name, c, input, check_dtype=False):
    """``t`` (weight, bias or a running statistic) is None or a (C,) tensor on the input's device (and, with
    ``check_dtype``, of its dtype)."""
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {name} must be a Tensor or None, got {type(t).__name__}")
    if tuple(t.shape) != (c,):
        raise ValueError(f"{what}: {name} has shape {tuple(t.shape)} but the input (shape {tuple(input.shape)}) has "
                         f"{c} channels; expected shape ({c},)")
    if t._backend is not input._backend:
        raise RuntimeError(f"{what}: {name} is on {t.device} but the input is on {input.device}")
    if check_dtype and t.dtype != input.dtype:
        raise TypeError(f"{what}: {name} has dtype {t.dtype.name} but the input has dtype {input.dtype.name}; "
                        f"convert one of them (e.g. module.to(dtype))")


def _check_stat(t, name, c, input):
    _check_channel_tensor("batch_norm", t, name, c, input)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """Batch normalization over the channel dimension (dim 1) of an (N, C), (N, C, L) or (N, C, H, W) input.

    ``training=True``: normalize with the batch statistics mu_B, sigma_B^2 (biased) and, when
    ``running_mean`` / ``running_var`` are given, update them in place with ``momentum`` (using the
    unbiased batch variance). ``training=False``: y = gamma (x - running_mean) / sqrt(running_var + eps)
    + beta. ``weight`` and ``bias`` are gamma and beta (of shape (C,)); None means 1 and 0.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input with at least 2 dimensions (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"batch_norm: expected a floating-point input, got dtype {input.dtype.name}")
    c = input.shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_stat(t, name, c, input)
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"batch_norm: {name} has dtype {t.dtype.name} but the input has dtype {input.dtype.name}; "
                            f"convert one of them (e.g. module.to(dtype))")
    if (weight is None) != (bias is None):
        weight = weight if weight is not None else _filled(input, c, 1.0)
        bias = bias if bias is not None else _filled(input, c, 0.0)
    axes = (0,) + tuple(range(2, input.ndim))
    if training:
        if input.numel() // c == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{tuple(input.shape)}")
        track = running_mean is not None or running_var is not None
        if track and momentum is None:
            raise ValueError("batch_norm: momentum=None (a cumulative average) needs the number of batches seen; "
                             "pass momentum=1/num_batches_tracked (BatchNorm modules do this for you)")
        running = (None if running_mean is None else running_mean._data,
                   None if running_var is None else running_var._data) if track else None
        params = dict(axes=axes, eps=eps, running=running, momentum=momentum)
        if weight is None:
            return BatchNormTrain.apply(input, **params)
        return BatchNormTrain.apply(input, weight, bias, **params)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var must be given when training=False (they are the "
                         "statistics evaluation normalizes with)")
    return _affine_eval(input, running_mean, running_var, weight, bias, eps)


def _filled(input, c, value):
    return make_tensor(input._backend.xp.full((c,), value, dtype=input.dtype), input._backend)


def _affine_eval(x, running_mean, running_var, weight, bias, eps):
    """y = x * a + b with a = gamma / sqrt(running_var + eps), b = beta - running_mean * a (per channel)."""
    xp, backend = x._backend.xp, x._backend
    kshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    invstd = 1.0 / xp.sqrt(running_var._data.astype(x.dtype) + eps)
    mean = running_mean._data.astype(x.dtype)
    if weight is None:
        a = make_tensor(invstd.reshape(kshape), backend)
        b = make_tensor((-mean * invstd).reshape(kshape), backend)
        return x * a + b
    a = weight * make_tensor(invstd, backend)
    b = bias - make_tensor(mean, backend) * a
    return x * reshape(a, kshape) + reshape(b, kshape)
