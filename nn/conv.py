"""Conv1d and Conv2d layers.  (Being written.)"""

from .module import Module


class Conv1d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class Conv2d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError
