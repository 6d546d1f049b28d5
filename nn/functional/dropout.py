"""Dropout (Srivastava et al., 2014) with inverted scaling, as PyTorch's ``F.dropout`` / ``F.dropout2d``.

In training each element (``dropout``) or each whole channel (``dropout2d``) is kept with probability
1 - p: with the mask r ~ Bernoulli(1 - p),

    y = x * r / (1 - p),    dL/dx = dL/dy * r / (1 - p)

so E[y] = x and evaluation is the identity. The mask comes from the input's device generator, so
``autograd_core.manual_seed`` makes it reproducible.
"""

from autograd_core import Function, Tensor
from autograd_core.tensor import make_tensor


class DropoutMask(Function):
    """y = x * m for a constant mask m = r / (1 - p) (broadcast over x);  dL/dx = gy * m"""

    def forward(self, x, mask):
        self.mask = mask
        return x * mask

    def backward(self, gy):
        return gy * make_tensor(self.mask, self.backend)


def _check_p(p, what):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{what}: dropout probability has to be between 0 and 1, but got {p!r}")


def _check_input(input, what):
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: expected a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point input, got dtype {input.dtype.name}")


def _masked(input, p, mask_shape):
    backend = input._backend
    dt = input.dtype
    if p == 1.0:
        mask = backend.xp.zeros(mask_shape, dtype=dt)
    else:
        mask = (backend.random(mask_shape, dt) >= p).astype(dt)
        mask *= dt.type(1.0 / (1.0 - p))
    return DropoutMask.apply(input, mask=mask)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1 - p) (identity when not training).

    ``inplace`` is accepted for PyTorch compatibility; the result is always a new tensor.
    """
    _check_p(p, "dropout")
    _check_input(input, "dropout")
    if not training or p == 0.0:
        return input
    return _masked(input, p, input.shape)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability ``p``, scaling the rest
    by 1/(1 - p) (identity when not training). Each channel's mask is one Bernoulli(1 - p) draw.
    """
    _check_p(p, "dropout2d")
    _check_input(input, "dropout2d")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got shape "
                         f"{tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    lead = input.ndim - 2
    return _masked(input, p, tuple(input.shape[:lead]) + (1, 1))
