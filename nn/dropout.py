"""Dropout layers: y = x * r / (1 - p), r ~ Bernoulli(1 - p), in training; the identity in evaluation."""

from .functional.dropout import _check_p, dropout, dropout2d
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        _check_p(p, type(self).__name__)
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training (scaling the kept ones by 1/(1 - p)).

    ``inplace`` is accepted for PyTorch compatibility; the output is always a new tensor.
    """

    def forward(self, input):
        return dropout(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability ``p`` in training."""

    def forward(self, input):
        return dropout2d(input, self.p, self.training)
