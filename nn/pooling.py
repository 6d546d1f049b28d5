"""Pooling layers.  (Being written.)"""

from .module import Module


class MaxPool1d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class MaxPool2d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class AvgPool1d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class AvgPool2d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class AdaptiveAvgPool2d(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError
