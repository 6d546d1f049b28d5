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
    _float_points(what, x1=x1, x2=x2)
    shape = _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    if shape is None:
        raise ValueError(f"{what}: x1 of shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)} can't be "
                         f"broadcast to one shape")
    if not shape:
        raise ValueError(f"{what}: the inputs must have at least one dimension, got 0-d tensors (dim={dim})")
    if tuple(x1.shape) != shape:
        x1 = ag.broadcast_to(x1, shape)
    if tuple(x2.shape) != shape:
        x2 = ag.broadcast_to(x2, shape)
    n1 = ag.clamp(ag.norm(x1, 2, dim=dim, keepdim=True), min=eps)
    n2 = ag.clamp(ag.norm(x2, 2, dim=dim, keepdim=True), min=eps)
    return ((x1 * x2) / (n1 * n2)).sum(dim=dim)


# --- distances between points ------------------------------------------------------------------------
def _float_points(what, **named):
    """Check the named inputs are floating Tensors of one dtype on one device."""
    first_name, first = next(iter(named.items()))
    for name, t in named.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: {name} must be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise TypeError(f"{what}: expected floating-point inputs, got {name} of dtype {t.dtype.name}")
        if t._backend is not first._backend:
            raise RuntimeError(f"{what}: {first_name} is on {first.device} but {name} is on {t.device}")
        if t.dtype != first.dtype:
            raise TypeError(f"{what}: {first_name} has dtype {first.dtype.name} but {name} has dtype {t.dtype.name}")


def _check_p(p, what, allow_negative):
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{what}: p must be a number (or inf), got {p!r}")
    if p < 0 and not allow_negative:
        raise ValueError(f"{what}: p must be non-negative, got p={p}")


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm distance between rows of x1 and x2 (broadcast to one shape), over the last dim:

        d = ||x1 - x2 + eps||_p = (sum_last |x1 - x2 + eps|^p)^(1/p)
        dd/dx1 = -dd/dx2 = sign(u) |u|^(p-1) / d^(p-1),  u = x1 - x2 + eps   (0 where d = 0)

    ``eps`` is added to the difference (PyTorch's rule), which keeps d away from 0 for equal points.
    p = inf is the largest |u|, p = 0 counts the nonzero u. A 0-d input is a single coordinate.
    """
    what = "pairwise_distance"
    _float_points(what, x1=x1, x2=x2)
    _check_p(p, what, allow_negative=True)
    shape = _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    if shape is None:
        raise ValueError(f"{what}: x1 of shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)} can't be "
                         f"broadcast to one shape")
    u = x1 - x2 + eps
    if not shape:  # one coordinate: |u| (a 0-d result, keepdim or not, as PyTorch)
        return ag.norm(u.reshape(1), p, dim=0)
    return ag.norm(u, p, dim=-1, keepdim=keepdim)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _safe_sqrt(s):
    """sqrt(s) with a zero gradient (not inf) where s = 0."""
    zero = s == 0
    return ag.where(zero, 0.0, ag.sqrt(ag.where(zero, 1.0, s)))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """All pairwise p-norm distances between the rows of x1 (B..., P, M) and x2 (B..., R, M), as
    ``torch.cdist``: out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p, shape (B..., P, R), the batch
    dims broadcast.

        dout_ij/dx1_i = sign(u) |u|^(p-1) / out_ij^(p-1),  u = x1_i - x2_j;  dout_ij/dx2_j = -dout_ij/dx1_i

    taken as 0 where out_ij = 0 (coinciding points: the norm has no derivative there, PyTorch's
    convention), so the gradient stays finite. p = 0 counts the differing coordinates; p = inf is the
    largest |u|. For p = 2 the "mm" modes compute out^2 = |x1_i|^2 + |x2_j|^2 - 2 x1_i . x2_j with a
    matrix product (less memory, less accurate for near points); "..._if_necessary" uses it when
    P > 25 or R > 25, as PyTorch.
    """
    what = "cdist"
    _float_points(what, x1=x1, x2=x2)
    _check_p(p, what, allow_negative=False)
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist: {compute_mode!r} is not a valid value for compute_mode; use one of "
                         f"{', '.join(repr(m) for m in _CDIST_MODES)}")
    if x1.ndim < 2 or x2.ndim < 2:
        raise ValueError(f"cdist: x1 and x2 must have at least 2 dimensions (..., points, features), got x1 of "
                         f"shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: x1 and x2 must have the same number of features (last dim), got x1 of shape "
                         f"{tuple(x1.shape)} and x2 of shape {tuple(x2.shape)}")
    if _broadcast_shape(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])) is None:
        raise ValueError(f"cdist: the batch dims of x1 (shape {tuple(x1.shape)}) and x2 (shape "
                         f"{tuple(x2.shape)}) can't be broadcast together")
    n1, n2 = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist"
                         or (compute_mode == _CDIST_MODES[0] and (n1 > 25 or n2 > 25)))
    if use_mm:
        sq1 = (x1 * x1).sum(dim=-1, keepdim=True)                 # (..., P, 1)
        sq2 = (x2 * x2).sum(dim=-1, keepdim=True).transpose(-1, -2)  # (..., 1, R)
        d2 = sq1 + sq2 - 2.0 * ag.matmul(x1, x2.transpose(-1, -2))
        return _safe_sqrt(ag.clamp(d2, min=0.0))
    diff = ag.unsqueeze(x1, -2) - ag.unsqueeze(x2, -3)          # (..., P, R, M)
    return ag.norm(diff, p, dim=-1)
