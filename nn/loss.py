"""Loss modules.  (Being written.)"""

from .module import Module


class CrossEntropyLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class NLLLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class MSELoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class L1Loss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class BCELoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class BCEWithLogitsLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class SoftMarginLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class MultiMarginLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class HingeEmbeddingLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError
