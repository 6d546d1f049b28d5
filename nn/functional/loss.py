"""Losses.  (Being written.)"""


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0):
    raise NotImplementedError


def nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean'):
    raise NotImplementedError


def mse_loss(input, target, reduction='mean'):
    raise NotImplementedError


def l1_loss(input, target, reduction='mean'):
    raise NotImplementedError


def binary_cross_entropy(input, target, weight=None, reduction='mean'):
    raise NotImplementedError


def binary_cross_entropy_with_logits(input, target, weight=None, reduction='mean', pos_weight=None):
    raise NotImplementedError


def soft_margin_loss(input, target, reduction='mean'):
    raise NotImplementedError


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction='mean'):
    raise NotImplementedError


def hinge_embedding_loss(input, target, margin=1.0, reduction='mean'):
    raise NotImplementedError
