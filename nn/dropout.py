"""Dropout layers.  (Being written.)"""

from .module import Module


class Dropout(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class Dropout2d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError
