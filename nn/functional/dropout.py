"""Dropout.  (Being written.)"""


def dropout(input, p=0.5, training=True):
    raise NotImplementedError


def dropout2d(input, p=0.5, training=True):
    raise NotImplementedError
