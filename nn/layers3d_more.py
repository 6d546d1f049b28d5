"""The 3-D normalization, dropout and padding layers, with PyTorch's constructors, defaults, reprs and
state_dict keys: BatchNorm3d, InstanceNorm3d, Dropout3d, ZeroPad3d, ConstantPad3d, ReflectionPad3d,
ReplicationPad3d, CircularPad3d. Each is the 2-D layer's class with another dimension check.

Batch norm over the C channels of (N, C, D, H, W), statistics over the m = N D H W values of a channel:

    mu_B = 1/m sum_i x_i,  sigma_B^2 = 1/m sum_i (x_i - mu_B)^2,
    x_hat = (x - mu_B) / sqrt(sigma_B^2 + eps),  y = gamma x_hat + beta

(training; the running statistics follow with ``momentum``, the variance unbiased); see
``nn.functional.batch_norm``. Instance norm: the same per sample and channel, over D H W.
"""

import numbers

from .dropout import _DropoutNd
from .functional.dropout3d_ops import dropout3d
from .normalization import _BatchNorm, _InstanceNorm
from .padding import CircularPad1d, ConstantPad1d, ReflectionPad1d, ReplicationPad1d


class BatchNorm3d(_BatchNorm):
    """Batch norm over the C channels of an (N, C, D, H, W) input (statistics over N, D, H and W). PyTorch's
    defaults and initialisation: gamma (``weight``) = 1, beta (``bias``) = 0, running_mean = 0, running_var = 1,
    num_batches_tracked = 0 (int64); ``bias=False`` keeps gamma only. ``momentum=None``: a cumulative average;
    ``track_running_stats=False``: batch statistics in evaluation too."""

    _ranks = (5,)


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of an (N, C, D, H, W) input (or an unbatched (C, D, H, W) one): statistics over D, H and W
    per sample and channel, y = gamma (x - mu_{n,c}) / sqrt(sigma_{n,c}^2 + eps) + beta. PyTorch's defaults: no
    affine parameters, no running statistics (see ``nn.functional.instance_norm``)."""

    _batched_rank = 5


class Dropout3d(_DropoutNd):
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p`` in training,
    scaling the rest by 1/(1 - p): y = x * r / (1 - p), r ~ Bernoulli(1 - p) per channel. The identity in
    evaluation. See ``F.dropout3d``."""

    def forward(self, input):
        return dropout3d(input, self.p, self.training)


# --- padding ----------------------------------------------------------------------------------------------
def _padding3(padding, name):
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * 6
    if isinstance(padding, (tuple, list)) and len(padding) == 6 and all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in padding):
        return tuple(int(p) for p in padding)
    raise ValueError(f"{name}: padding must be an int or a 6-tuple of ints (left, right, top, bottom, front, back), "
                     f"got {padding!r}")


class ConstantPad3d(ConstantPad1d):
    """y = x with ``value`` added around the last three dims: padding (left, right, top, bottom, front, back)
    (a negative width crops). dL/dx = dL/dy cropped back to x's place."""

    nd = 3

    def __init__(self, padding, value):
        super().__init__(_padding3(padding, type(self).__name__), value)


class ZeroPad3d(ConstantPad3d):
    """``ConstantPad3d`` with value 0."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad3d(ReflectionPad1d):
    """y[..., z, y, x] = x[..., reflect(z - front), reflect(y - top), reflect(x - left)]: the borders mirrored
    without repeating the edge, over the last three dims; padding (left, right, top, bottom, front, back), each
    smaller than its dim. dL/dx: dL/dy added back to the entries each output copies."""

    nd = 3

    def __init__(self, padding):
        super().__init__(_padding3(padding, type(self).__name__))


class ReplicationPad3d(ReplicationPad1d):
    """y[..., z, y, x] = x[..., clamp(z - front, 0, D - 1), clamp(y - top, 0, H - 1), clamp(x - left, 0, W - 1)]:
    the edge entries repeated; padding (left, right, top, bottom, front, back). dL/dx: the border gradients
    summed into the edges."""

    nd = 3

    def __init__(self, padding):
        super().__init__(_padding3(padding, type(self).__name__))


class CircularPad3d(CircularPad1d):
    """y[..., z, y, x] = x[..., (z - front) mod D, (y - top) mod H, (x - left) mod W]: the input wrapped around;
    padding (left, right, top, bottom, front, back), each at most its dim. dL/dx: the border gradients added
    to the entries they wrapped from."""

    nd = 3

    def __init__(self, padding):
        super().__init__(_padding3(padding, type(self).__name__))
