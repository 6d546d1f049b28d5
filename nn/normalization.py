"""BatchNorm layers.  (Being written.)"""

from .module import Module


class BatchNorm1d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class BatchNorm2d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError
