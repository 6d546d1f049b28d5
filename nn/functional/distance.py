"""Distances and rescaling by p-norms: PyTorch's ``F.normalize`` and ``F.cosine_similarity``."""

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.ops.index import _broadcast_shape


# --- p-norms -----------------------------------------------------------------------------------------
def normalize(input, p=2.0, dim=1, eps=1e-12):
    """Rescale ``input`` to unit p-norm along ``dim``:  y = x / max(||x||_p, eps).

    ||x||_p = (sum_dim |x_i|^p)^(1/p) (p = inf: max |x_i|); the gradient of the norm at a zero vector
    is taken as 0, so a zero vector maps to zero with a finite gradient, 1/eps.
    """
    what = "normalize"
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point input, got dtype {input.dtype.name}")
    if input.ndim == 0:
        raise ValueError(f"{what}: input must have at least one dimension, got a 0-d tensor (dim={dim})")
    n = ag.norm(input, p, dim=dim, keepdim=True)
    return input / ag.clamp(n, min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along ``dim`` (the inputs broadcast to one shape):

        cos = sum_dim(x1 x2) / (max(||x1||_2, eps) max(||x2||_2, eps))

    the dot product of ``normalize(x1, eps=eps)`` and ``normalize(x2, eps=eps)``; ``dim`` is reduced.
    """
    what = "cosine_similarity"
    for t, name in ((x1, "x1"), (x2, "x2")):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: {name} must be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise TypeError(f"{what}: expected floating-point inputs, got {name} of dtype {t.dtype.name}")
    if x1._backend is not x2._backend:
        raise RuntimeError(f"{what}: x1 is on {x1.device} but x2 is on {x2.device}")
    shape = _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    if shape is None:
        raise ValueError(f"{what}: x1 of shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)} can't be "
                         f"broadcast to one shape")
    if not shape:
        raise ValueError(f"{what}: the inputs must have at least one dimension, got 0-d tensors (dim={dim})")
    if x1.dtype != x2.dtype:
        raise TypeError(f"{what}: x1 has dtype {x1.dtype.name} but x2 has dtype {x2.dtype.name}")
    if tuple(x1.shape) != shape:
        x1 = ag.broadcast_to(x1, shape)
    if tuple(x2.shape) != shape:
        x2 = ag.broadcast_to(x2, shape)
    n1 = ag.clamp(ag.norm(x1, 2, dim=dim, keepdim=True), min=eps)
    n2 = ag.clamp(ag.norm(x2, 2, dim=dim, keepdim=True), min=eps)
    return ((x1 * x2) / (n1 * n2)).sum(dim=dim)
