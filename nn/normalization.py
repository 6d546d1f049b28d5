"""BatchNorm1d and BatchNorm2d: batch normalization with learnable gamma, beta and running statistics;
LayerNorm: per-sample normalization over the trailing dimensions; GroupNorm: per sample over groups of
channels; InstanceNorm1d/2d: per sample and channel (optionally with running statistics).

    mu_B = 1/m sum_i x_i,  sigma_B^2 = 1/m sum_i (x_i - mu_B)^2,
    x_hat = (x - mu_B) / sqrt(sigma_B^2 + eps),  y = gamma x_hat + beta      (per channel)

Training mode uses the batch statistics and updates the running ones; evaluation mode uses the
running statistics (see ``nn.functional.batch_norm``). LayerNorm normalizes each sample over its
last dimensions with that sample's own statistics, the same in training and evaluation.
"""

import warnings

import autograd_core as ag

from . import init
from .functional.normalization import batch_norm
from .functional.sample_norm import _shape_tuple, group_norm, instance_norm, layer_norm, rms_norm
from .module import Module
from .parameter import Parameter


def _positive_int(value, name, owner):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return value


def _affine_parameters(module, c, affine, bias, device, dtype):
    """weight (gamma, init 1) and bias (beta, init 0) of shape (C,) when ``affine``; ``bias=False`` keeps gamma."""
    if affine:
        module.weight = Parameter(ag.empty(c, device=device, dtype=dtype))
        if bias:
            module.bias = Parameter(ag.empty(c, device=device, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(module):
    """gamma (``weight``) to 1 and beta (``bias``) to 0, where the module has them."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """What batch norm and instance norm share: num_features, eps, momentum, affine, track_running_stats;
    gamma (``weight``, init 1) and beta (``bias``, init 0) when ``affine``; the buffers running_mean (0),
    running_var (1) and num_batches_tracked (0, int64) when ``track_running_stats``, else those names
    registered as None (as PyTorch, so state_dict keys agree)."""

    def __init__(self, num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=True):
        super().__init__()
        self.num_features = _positive_int(num_features, "num_features", type(self).__name__)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, num_features, affine, bias, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ag.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", ag.tensor(0, dtype=ag.int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with ag.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        _reset_affine(self)


class _BatchNorm(_NormBase):
    """Shared by BatchNorm1d/2d/3d. PyTorch's defaults and initialisation: gamma (``weight``) = 1,
    beta (``bias``) = 0 (``bias=False``: gamma only), running_mean = 0, running_var = 1, num_batches_tracked = 0
    (int64).

    ``momentum=None`` makes the running statistics a cumulative average (momentum 1/n at the n-th
    batch). ``track_running_stats=False`` keeps no running statistics (the buffers are None) and
    normalizes with the batch statistics in evaluation too.
    """

    _ranks = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias)

    def _check_input(self, input):
        name = type(self).__name__
        if not isinstance(input, ag.Tensor):
            raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
        if input.ndim not in self._ranks:
            want = " or ".join(f"{r}D" for r in self._ranks)
            raise ValueError(f"{name}: expected {want} input (got {input.ndim}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{name}: the input has {input.shape[1]} channels (shape {tuple(input.shape)}) but the "
                             f"layer was built for num_features={self.num_features}")

    def forward(self, input):
        self._check_input(input)
        if self.training and input.numel() // input.shape[1] == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{tuple(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with ag.no_grad():
                self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_running = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if use_running else None,
                          self.running_var if use_running else None, self.weight, self.bias, bn_training, factor,
                          self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over the C channels of an (N, C) or (N, C, L) input (statistics over N, or N and L)."""

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over the C channels of an (N, C, H, W) input (statistics over N, H and W)."""

    _ranks = (4,)


class LayerNorm(Module):
    """Layer normalization over the last len(normalized_shape) dimensions D, per sample:

        y = (x - mu) / sqrt(sigma^2 + eps) * gamma + beta,   mu, sigma^2 = mean and biased variance over D

    ``normalized_shape``: an int (the last dimension) or a shape (the trailing dimensions). With
    ``elementwise_affine`` (the default) gamma (``weight``, initialised to 1) and beta (``bias``, 0) are
    learnable and have shape ``normalized_shape``; ``bias=False`` keeps gamma only. No running statistics.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape, "LayerNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(ag.empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalization over the last len(normalized_shape) dimensions D, per sample:

        y = x / sqrt(mean_D(x^2) + eps) * gamma

    (see ``nn.functional.rms_norm``). With ``elementwise_affine`` (the default) gamma (``weight``, initialised
    to 1) is learnable, of shape ``normalized_shape``. ``eps=None`` takes the input dtype's machine epsilon, as
    PyTorch's ``nn.RMSNorm``.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape, "RMSNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.ones(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input):
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalization over ``num_groups`` groups of the ``num_channels`` channels (dim 1), per sample:

        y = (x - mu_{n,G}) / sqrt(sigma_{n,G}^2 + eps) * gamma_c + beta_c

    (see ``nn.functional.group_norm``). With ``affine`` (the default) gamma (``weight``, init 1) and beta
    (``bias``, init 0) are learnable, of shape (num_channels,); ``bias=False`` keeps gamma only. No running
    statistics: training and evaluation compute the same thing.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        _positive_int(num_groups, "num_groups", "GroupNorm")
        _positive_int(num_channels, "num_channels", "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, num_channels, affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        if isinstance(input, ag.Tensor) and input.ndim >= 2 and input.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: the input has {input.shape[1]} channels (shape {tuple(input.shape)}) but "
                             f"the layer was built for num_channels={self.num_channels}")
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_NormBase):
    """Shared by InstanceNorm1d/2d, with PyTorch's defaults: no affine parameters and no running statistics.

    ``affine=True``: gamma (``weight``, init 1) and beta (``bias``, init 0) per channel. With
    ``track_running_stats=True`` the buffers running_mean (0), running_var (1) and num_batches_tracked (0,
    which instance norm never advances, as PyTorch) are kept: training updates the running statistics
    (``nn.functional.instance_norm``; ``momentum=None`` leaves them unchanged, as PyTorch) and evaluation
    normalizes with them. An input without the batch dimension is normalized as a batch of one.
    """

    _batched_rank = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias)

    def forward(self, input):
        name = type(self).__name__
        full = self._batched_rank
        if not isinstance(input, ag.Tensor):
            raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
        if input.ndim not in (full - 1, full):
            raise ValueError(f"{name}: expected {full - 1}D (unbatched) or {full}D (batched) input, got "
                             f"{input.ndim}D input of shape {tuple(input.shape)}")
        feature_dim = input.ndim - (full - 1)
        channels = input.shape[feature_dim]
        if channels != self.num_features:
            msg = (f"{name}: expected the input's size at dim={feature_dim} to match num_features "
                   f"({self.num_features}), but got {channels} (input shape {tuple(input.shape)})")
            if self.affine or self.track_running_stats:
                raise ValueError(msg)
            warnings.warn(msg + "; with affine=False and no running statistics it is normalized anyway",
                          stacklevel=2)
        unbatched = input.ndim == full - 1
        x = input.unsqueeze(0) if unbatched else input
        momentum = 0.0 if self.momentum is None else self.momentum
        y = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training or not self.track_running_stats, momentum, self.eps)
        return y.squeeze(0) if unbatched else y

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of an (N, C, L) input (or an unbatched (C, L) one): statistics over L per sample and channel."""

    _batched_rank = 3


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of an (N, C, H, W) input (or an unbatched (C, H, W) one): statistics over H and W per sample
    and channel."""

    _batched_rank = 4
