"""Joining and splitting: cat, stack, split, chunk, unbind, pad, repeat.  (To be implemented.)"""


def cat(tensors, dim=0):
    raise NotImplementedError


def stack(tensors, dim=0):
    raise NotImplementedError


def split(x, split_size_or_sections, dim=0):
    raise NotImplementedError


def chunk(x, chunks, dim=0):
    raise NotImplementedError


def unbind(x, dim=0):
    raise NotImplementedError


def pad(x, pad, mode="constant", value=0.0):
    raise NotImplementedError


def repeat(x, *sizes):
    raise NotImplementedError
