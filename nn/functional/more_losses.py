"""``triplet_margin_with_distance_loss``: the triplet loss under any distance function (PyTorch's)."""

import autograd_core as ag
from autograd_core import Tensor

from .distance import pairwise_distance
from .loss import _check_reduction, _reduce


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """The anchor a should be nearer the positive p than the negative n by ``margin``, under the distance d:

        l = max(0, d(a, p) - d(a, n) + margin),   d = ``distance_function`` (default ``pairwise_distance``, the
                                                  Euclidean distance ||a - p + eps||_2)

    ``distance_function(x, y)`` takes two tensors and returns their distances (any non-negative, differentiable
    function: a cosine distance, a learned metric...). ``swap=True`` (the distance swap of Balntas et al.) uses
    min(d(a, n), d(p, n)) for d(a, n): the harder of the two negatives. ``margin`` must be positive.
    """
    what = "triplet_margin_with_distance_loss"
    _check_reduction(reduction, what)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or margin <= 0:
        raise ValueError(f"{what}: margin must be greater than 0, got {margin!r}")
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: {name} must be a Tensor, got {type(t).__name__}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"{what}: the anchor, positive, and negative tensors are expected to have the same number "
                         f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                         f"{negative.ndim}D inputs")
    if distance_function is None:
        distance_function = pairwise_distance
    elif not callable(distance_function):
        raise TypeError(f"{what}: distance_function must be callable (x, y) -> distances, got "
                        f"{type(distance_function).__name__}")
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = ag.minimum(d_neg, distance_function(positive, negative))
    return _reduce(ag.clamp(margin + d_pos - d_neg, min=0.0), reduction)
