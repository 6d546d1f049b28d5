"""CTCLoss, TripletMarginWithDistanceLoss, NLLLoss2d (PyTorch's deprecated alias of NLLLoss) and EmbeddingBag,
each wrapping its ``nn.functional`` form with PyTorch's constructor arguments, defaults and repr."""

import warnings

import autograd_core as ag

from .distance import PairwiseDistance
from .functional.ctc import ctc_loss
from .functional.embedding_bag import embedding_bag
from .functional.more_losses import triplet_margin_with_distance_loss
from .loss import NLLLoss, _Loss
from .module import Module
from .sparse import _positive_int, _reset_table, _setup_table


class CTCLoss(_Loss):
    """The connectionist temporal classification loss, -log p(l | x) summed over the alignments of each target
    (``F.ctc_loss``): ``criterion(log_probs, targets, input_lengths, target_lengths)`` with log_probs (T, N, C)
    from a log_softmax. ``reduction='mean'`` divides each loss by its target length, then averages."""

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                        self.zero_infinity)


class TripletMarginWithDistanceLoss(_Loss):
    """l = max(0, d(a, p) - d(a, n) + margin) for a distance d (``distance_function``; by default
    ``PairwiseDistance()``, a submodule as in PyTorch); ``swap``: the harder of d(a, n) and d(p, n)."""

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction=reduction)
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin!r} "
                             f"instead")
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                 margin=self.margin, swap=self.swap, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """PyTorch's deprecated name for ``NLLLoss`` on (N, C, H, W) log-probabilities and (N, H, W) targets; making
    one gives PyTorch's FutureWarning."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.", FutureWarning,
                      stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


def _check_unsupported(max_norm, scale_grad_by_freq, sparse):
    for name, value, default in (("max_norm", max_norm, None), ("scale_grad_by_freq", scale_grad_by_freq, False),
                                 ("sparse", sparse, False)):
        if value != default:
            raise NotImplementedError(f"EmbeddingBag: {name}={value!r} is not supported (only {name}={default!r})")


class EmbeddingBag(Module):
    """Sums, means or maxima (``mode``, default 'mean') of bags of embedding rows, without the per-entry lookups
    (``F.embedding_bag``): ``bag(input, offsets=None, per_sample_weights=None)`` gives (B, embedding_dim).

    ``weight`` (num_embeddings, embedding_dim) has Embedding's initialisation: N(0, 1), the row ``padding_idx``
    (when given; negative counts from the end) zero; entries equal to padding_idx are left out of their bag.
    ``include_last_offset``: offsets has B + 1 entries, the last the end of the last bag. ``max_norm``,
    ``scale_grad_by_freq`` and ``sparse`` are accepted at their defaults only (the embedding ops have none of them).
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        super().__init__()
        _positive_int(num_embeddings, "num_embeddings", "EmbeddingBag")
        _positive_int(embedding_dim, "embedding_dim", "EmbeddingBag")
        _check_unsupported(max_norm, scale_grad_by_freq, sparse)  # (after the sizes, before the table is drawn)
        _setup_table(self, num_embeddings, embedding_dim, padding_idx, _weight, True, device, dtype, "EmbeddingBag")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self):
        _reset_table(self)

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose weight is ``embeddings`` (num_embeddings, embedding_dim), sharing its memory;
        ``freeze=True`` (the default) makes it a Parameter that does not require grad. The row ``padding_idx`` is
        used as given (not zeroed)."""
        if not isinstance(embeddings, ag.Tensor):
            raise TypeError(f"EmbeddingBag.from_pretrained: embeddings must be a Tensor, got "
                            f"{type(embeddings).__name__}")
        if embeddings.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: Embeddings parameter is expected to be 2-dimensional "
                             f"(num_embeddings, embedding_dim), got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings, include_last_offset,
                  padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
