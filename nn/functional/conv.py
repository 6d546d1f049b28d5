"""Convolution: conv1d, conv2d (im2col + one GEMM), and their gradient Functions.  (Being written.)"""


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    raise NotImplementedError


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    raise NotImplementedError
