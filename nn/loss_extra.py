"""More loss modules, each wrapping its ``nn.functional`` loss (``functional/loss_extra``) with PyTorch's
constructor arguments; MultiLabelSoftMarginLoss's class weights are a buffer, as in PyTorch."""

from . import functional as F
from .loss import _Loss, _WeightedLoss


class MarginRankingLoss(_Loss):
    """l = max(0, -y (x1 - x2) + margin) for y = 1 (x1 should rank higher) or -1."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """l = 1 - cos(x1, x2) for y = 1, max(0, cos(x1, x2) - margin) for y = -1."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """l = max(0, d(a, p) - d(a, n) + margin) with d the p-norm ``pairwise_distance`` (``swap``: the
    harder of d(a, n) and d(p, n))."""

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got margin={margin!r}")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """l = exp(x) - t x for log-rates x (``log_input=True``), x - t log(x + eps) for rates; ``full`` adds
    Stirling's approximation of log t!."""

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """l = 0.5 (log max(v, eps) + (x - y)^2 / max(v, eps)) (+ 0.5 log(2 pi) with ``full``)."""

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """l = sum_c w_c (t_c softplus(-x_c) + (1 - t_c) softplus(x_c)) / C for labels t_c in {0, 1}."""

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """l = sum_j sum_{k not a label} max(0, 1 - (x[y_j] - x[k])) / C, labels y_j ended by the first -1."""

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)
