"""Linear algebra: matmul (1-D, 2-D, batched with broadcasting), mm, bmm, dot, outer, einsum.
(To be implemented.)"""


def matmul(a, b):
    raise NotImplementedError


def mm(a, b):
    raise NotImplementedError


def bmm(a, b):
    raise NotImplementedError


def dot(a, b):
    raise NotImplementedError


def outer(a, b):
    raise NotImplementedError


def einsum(equation, *operands):
    raise NotImplementedError
