"""Indexing: x[index] with slices, None, Ellipsis, integer arrays and boolean masks; gather,
index_select, masked_fill.  (To be implemented.)"""


def normalize_index(index, x):
    raise NotImplementedError


def getitem(x, index):
    raise NotImplementedError


def index_select(x, dim, index):
    raise NotImplementedError


def gather(x, dim, index):
    raise NotImplementedError


def masked_fill(x, mask, value):
    raise NotImplementedError
