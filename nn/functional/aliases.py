"""PyTorch's in-place functional names (relu_, elu_, ...: here, as ``inplace=True`` throughout, each returns a
new tensor and leaves its input as it was) and the deprecated upsample, upsample_nearest and upsample_bilinear."""

import warnings

from .activation import celu, elu, hardtanh, leaky_relu, relu, selu
from .activation import threshold as _threshold
from .more_layers import rrelu
from .upsampling import interpolate


# --- in-place names (a new tensor, as inplace=True) and deprecated aliases --------------------------------------
def relu_(input):
    """``relu(input)``: g(h) = max(h, 0). PyTorch's in-place name; here, as ``inplace=True`` throughout, the result
    is a new tensor and the input is left as it was (so gradients flow as for ``relu``)."""
    return relu(input)


def elu_(input, alpha=1.0):
    """``elu(input, alpha)``: g(h) = h for h > 0, alpha (exp(h) - 1) otherwise. PyTorch's in-place name; the
    result is a new tensor and the input is left as it was."""
    return elu(input, alpha)


def leaky_relu_(input, negative_slope=0.01):
    """``leaky_relu(input, negative_slope)``: g(h) = h for h > 0, negative_slope h otherwise. PyTorch's in-place
    name; the result is a new tensor and the input is left as it was."""
    return leaky_relu(input, negative_slope)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """``hardtanh(input, min_val, max_val)``: g(h) = min(max(h, min_val), max_val). PyTorch's in-place name; the
    result is a new tensor and the input is left as it was."""
    return hardtanh(input, min_val, max_val)


def selu_(input):
    """``selu(input)``: g(h) = scale elu(h, alpha). PyTorch's in-place name; the result is a new tensor and the
    input is left as it was."""
    return selu(input)


def celu_(input, alpha=1.0):
    """``celu(input, alpha)``: g(h) = max(0, h) + min(0, alpha (exp(h / alpha) - 1)). PyTorch's in-place name; the
    result is a new tensor and the input is left as it was."""
    return celu(input, alpha)


def threshold_(input, threshold, value):
    """``threshold(input, threshold, value)``: g(h) = value for h <= threshold, else h. PyTorch's in-place name;
    the result is a new tensor and the input is left as it was."""
    return _threshold(input, threshold, value)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """``rrelu(input, lower, upper, training)``: g(h) = h for h > 0, a h otherwise (a ~ U(lower, upper) in
    training, (lower + upper) / 2 in evaluation). PyTorch's in-place name; the result is a new tensor and the
    input is left as it was."""
    return rrelu(input, lower, upper, training)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode, align_corners)``, with PyTorch's warning."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")``, with PyTorch's warning."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)`` (the corner
    pixels aligned: src = i (in - 1) / (out - 1)), with PyTorch's warning."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
