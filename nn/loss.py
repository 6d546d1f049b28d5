"""Loss modules: ``criterion = nn.CrossEntropyLoss(); loss = criterion(output, target)``.

Each wraps its ``nn.functional`` loss with PyTorch's constructor arguments. Class weights (and
BCEWithLogitsLoss's pos_weight) are buffers, as in PyTorch: they move with ``.to()`` and appear in
the state_dict when given. ``size_average`` and ``reduce`` are PyTorch's deprecated spellings of
``reduction`` and are translated the same way.
"""

import warnings

from . import functional as F
from .module import Module

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce):
    """PyTorch's mapping of the deprecated (size_average, reduce) pair to a reduction string."""
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='mean' (or 'sum', 'none') "
                  "instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


class _Loss(Module):
    _reductions = _REDUCTIONS

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if not isinstance(reduction, str) or reduction not in self._reductions:
            allowed = ", ".join(repr(r) for r in self._reductions[:-1]) + f" or {self._reductions[-1]!r}"
            raise ValueError(f"{type(self).__name__}: {reduction!r} is not a valid value for reduction; use "
                             f"{allowed}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """l = -w[y] log softmax(h)[y] for logits h and class index y (or -sum_c w_c p_c log softmax(h)_c for
    class probabilities p); see ``F.cross_entropy`` for ignore_index and label_smoothing."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """l = -w[y] x[y] for log-probabilities x and class index y (ignore_index targets contribute nothing)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """The squared loss l = (x - y)^2."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """The absolute loss l = |x - y|."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """The smooth L1 loss: l = 0.5 (x - y)^2 / beta where |x - y| < beta, |x - y| - 0.5 beta elsewhere."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """The Huber loss: l = 0.5 (x - y)^2 where |x - y| < delta, delta (|x - y| - 0.5 delta) elsewhere."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """The Kullback-Leibler divergence l = y (log y - x) for log-probabilities x and probabilities y
    (``log_target=True``: y given as log-probabilities). ``reduction="batchmean"`` divides the sum by the
    batch size: the KL divergence per sample."""

    _reductions = ("none", "batchmean", "sum", "mean")

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_WeightedLoss):
    """l = -w (y log x + (1 - y) log(1 - x)) for probabilities x (logs clamped at -100)."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """l = -w (pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) for logits x, computed stably."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class SoftMarginLoss(_Loss):
    """The logistic loss l = log(1 + exp(-y x)) for labels y in {-1, +1}."""

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multiclass hinge loss l = w[y] sum_{c != y} max(0, margin - x[y] + x[c])^p / C, p in {1, 2}."""

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got p={p!r}")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: weight must be 1-D (one value per class), got shape "
                             f"{tuple(weight.shape)}")
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """l = x if y = 1, max(0, margin - x) if y = -1."""

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)
