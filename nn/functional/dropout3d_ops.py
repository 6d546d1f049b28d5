"""Channel dropout of volumes, PyTorch's ``F.dropout3d``: in training each whole channel (a D x H x W volume)
is kept with probability 1 - p, with the mask r ~ Bernoulli(1 - p) per (sample, channel):

    y = x * r / (1 - p),    dL/dx = dL/dy * r / (1 - p)

so E[y] = x and evaluation is the identity. The mask comes from the input's device generator.
"""

from .dropout import _check_input, _check_p, _masked


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p``, scaling the rest
    by 1/(1 - p) (identity when not training). Each channel's mask is one Bernoulli(1 - p) draw. ``inplace``
    is accepted for PyTorch compatibility; the result is always a new tensor."""
    _check_p(p, "dropout3d")
    _check_input(input, "dropout3d")
    if input.ndim not in (4, 5):
        raise ValueError(f"dropout3d: expected a 4D (C, D, H, W) or 5D (N, C, D, H, W) input, got shape "
                         f"{tuple(input.shape)} ({input.ndim}D)")
    if not training or p == 0.0:
        return input
    return _masked(input, p, tuple(input.shape[:input.ndim - 3]) + (1, 1, 1))
