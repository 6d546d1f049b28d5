"""Linear algebra: matmul (1-D, 2-D, batched with broadcasting), mm, bmm, dot, outer, einsum.

Every product of matrices is one Function, ``MatMul``, on operands with at least two dimensions;
``matmul`` turns 1-D operands into matrices with a reshape (a row on the left, a column on the
right) and removes that dimension again afterwards, exactly as ``torch.matmul`` does. ``einsum``
is one Function, ``Einsum``, whose backward is again an einsum, so both have gradients of every order.
"""

import math
import string

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, promote
from .arith import mul
from .shape import broadcast_to, mT, reshape, sum_to


def _rows(shape):
    return math.prod(shape[:-1])


class MatMul(Function):
    """y = a @ b on the last two dims, the leading (batch) dims broadcast; both a, b at least 2-D.

    In the lecture's notation, h = W x + b gives dL/dW = e x^T and dL/dx = W^T e (e = dL/dh).
    Here, with ^T the transpose of the last two dims:
        y[..., i, j] = sum_k a[..., i, k] b[..., k, j]
        dL/da = sum_to(gy @ b^T, a.shape),   dL/db = sum_to(a^T @ gy, b.shape)
    """

    saves_inputs = True

    def forward(self, a, b):
        xp = self.backend.xp
        if b.ndim == 2 and a.ndim > 2:  # (..., m, k) @ (k, n): one GEMM over the folded rows
            y = xp.matmul(a.reshape(_rows(a.shape), a.shape[-1]), b)
            return y.reshape(a.shape[:-1] + b.shape[-1:])
        return self.backend.matmul(a, b)  # (stacks: see backends.batched_gemm)

    def backward(self, gy):
        a, b = self.inputs
        ga = gb = None
        if self._next[0] is not None:
            ga = sum_to(MatMul.apply(gy, mT(b)), a._data.shape)
        if self._next[1] is not None:
            sa, sb = a._data.shape, b._data.shape
            if len(sb) == 2 and len(sa) > 2:  # sum over the batch inside one GEMM: (k, rows) @ (rows, n)
                rows = _rows(sa)
                gb = MatMul.apply(mT(reshape(a, (rows, sa[-1]))), reshape(gy, (rows, sb[-1])))
            else:
                gb = sum_to(MatMul.apply(mT(a), gy), sb)
        return ga, gb


def _operands(a, b, what):
    """Both operands as tensors on one device (non-tensors join the tensor's), with a common dtype."""
    if not isinstance(a, Tensor):
        a = as_tensor(a, b if isinstance(b, Tensor) else None)
    if not isinstance(b, Tensor):
        b = as_tensor(b, a)
    return promote(a, b, what)


def _check_batch(sa, sb, what):
    ba, bb = sa[:-2], sb[:-2]
    for i in range(1, min(len(ba), len(bb)) + 1):
        x, y = ba[-i], bb[-i]
        if x != y and x != 1 and y != 1:
            raise ValueError(f"{what}: shapes {sa} and {sb} have batch dims {ba} and {bb} that cannot be "
                             f"broadcast together: dim {-i - 2} is {x} in the first and {y} in the second")


def matmul(a, b):
    """Matrix product with ``torch.matmul``'s rules.

    1-D @ 1-D is the dot product (a 0-d tensor); 2-D @ 2-D the matrix product; a 1-D operand is
    a row (left) or a column (right) whose dimension is removed from the result; with more than
    two dimensions the leading ones are batch dimensions and broadcast.
    """
    a, b = _operands(a, b, "matmul")
    sa, sb = a._data.shape, b._data.shape
    na, nb = len(sa), len(sb)
    if na == 0 or nb == 0:
        raise ValueError(f"matmul: both arguments must be at least 1-D, got shapes {sa} and {sb}")
    k = sa[-1]
    kb = sb[0] if nb == 1 else sb[-2]
    if k != kb:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned: dim -1 of the first ({k}) != "
                         f"dim {0 if nb == 1 else -2} of the second ({kb})")
    if na == 1:
        if nb == 1:
            return reshape(MatMul.apply(reshape(a, (1, k)), reshape(b, (k, 1))), ())
        y = MatMul.apply(reshape(a, (1, k)), b)
        return reshape(y, sb[:-2] + sb[-1:])
    if nb == 1:
        return reshape(MatMul.apply(a, reshape(b, (k, 1))), sa[:-1])
    _check_batch(sa, sb, "matmul")
    return MatMul.apply(a, b)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta input + alpha (mat1 @ mat2), mat1 and mat2 2-D, input broadcast to the product's shape."""
    mat1, mat2 = _operands(mat1, mat2, "addmm")
    if mat1._data.ndim != 2 or mat2._data.ndim != 2:
        raise ValueError(f"addmm: mat1 and mat2 must be 2-D, got shapes {tuple(mat1.shape)} and {tuple(mat2.shape)}")
    prod = matmul(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # as PyTorch: input is ignored (NaN or inf in it do not propagate)
        return prod
    return prod + (input if beta == 1 else input * beta)


def mm(a, b):
    """Product of two matrices (2-D only; see ``matmul`` for other shapes)."""
    a, b = _operands(a, b, "mm")
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise ValueError(f"mm: expects two 2-D tensors, got shapes {a._data.shape} and {b._data.shape}; "
                         f"use matmul for other shapes")
    return matmul(a, b)


def bmm(a, b):
    """Batched matrix product: (B, n, k) @ (B, k, m) -> (B, n, m), the same batch size B on both sides."""
    a, b = _operands(a, b, "bmm")
    sa, sb = a._data.shape, b._data.shape
    if len(sa) != 3 or len(sb) != 3:
        raise ValueError(f"bmm: expects two 3-D tensors, got shapes {sa} and {sb}; use matmul for other shapes")
    if sa[0] != sb[0]:
        raise ValueError(f"bmm: batch sizes differ: shapes {sa} and {sb} (dim 0: {sa[0]} != {sb[0]}); "
                         f"use matmul to broadcast batch dims")
    return matmul(a, b)


def dot(a, b):
    """Inner product of two 1-D tensors of the same length (a 0-d tensor)."""
    a, b = _operands(a, b, "dot")
    sa, sb = a._data.shape, b._data.shape
    if len(sa) != 1 or len(sb) != 1 or sa != sb:
        raise ValueError(f"dot: expects two 1-D tensors of the same length, got shapes {sa} and {sb}")
    return matmul(a, b)


def outer(a, b):
    """Outer product of two 1-D tensors: y[i, j] = a[i] * b[j]."""
    a, b = _operands(a, b, "outer")
    sa, sb = a._data.shape, b._data.shape
    if len(sa) != 1 or len(sb) != 1:
        raise ValueError(f"outer: expects two 1-D tensors, got shapes {sa} and {sb}")
    return mul(reshape(a, (sa[0], 1)), reshape(b, (1, sb[0])))


# --- einsum ------------------------------------------------------------------------------------
def _fresh_letters(used):
    return (c for c in string.ascii_letters if c not in used)


def _take(fresh, equation):
    c = next(fresh, None)
    if c is None:
        raise ValueError(f"einsum: equation {equation!r} uses too many subscripts (at most 52 letters in all)")
    return c


class Einsum(Function):
    """y = einsum("s_1,...,s_n->o", x_1, ..., x_n) (explicit letters; sizes already consistent).

    dL/dx_i = einsum("o,s_j (j != i)->s_i", gy, x_j (j != i)): the other operands contract gy
    back to x_i's subscripts. A letter found only in s_i was summed out, so its gradient is
    broadcast back along it; a letter repeated in s_i (a diagonal, "ii->i") gets the gradient
    on the unique letters, put on the diagonal by multiplying with an identity matrix.
    """

    saves_inputs = True

    def forward(self, *arrays, subs, out):
        self.subs, self.out = subs, out
        eq = ",".join(subs) + "->" + out
        if len(arrays) > 1:
            return self.backend.xp.einsum(eq, *arrays, optimize=True)
        return self.backend.xp.einsum(eq, arrays[0])

    def backward(self, gy):
        grads = tuple(None if self._next[i] is None else self._grad(i, gy) for i in range(len(self.subs)))
        return grads[0] if len(grads) == 1 else grads

    def _grad(self, i, gy):
        xs, subs, out = self.inputs, self.subs, self.out
        s = subs[i]
        size = dict(zip(s, xs[i]._data.shape))
        others = [j for j in range(len(subs)) if j != i]
        avail = set(out).union(*(subs[j] for j in others))
        uniq = "".join(dict.fromkeys(s))
        keep = "".join(c for c in uniq if c in avail)
        g = _einsum([out] + [subs[j] for j in others], keep, [gy] + [xs[j] for j in others])
        if len(keep) < len(uniq):  # letters summed out of x_i alone: broadcast the gradient back
            g = reshape(g, tuple(size[c] if c in avail else 1 for c in uniq))
            g = broadcast_to(g, tuple(size[c] for c in uniq))
        if len(uniq) < len(s):  # repeated letters: g[i..] on the diagonal, via g * I (a constant)
            fresh = _fresh_letters(set(out).union(*subs))
            full, eyes, seen = [], [], set()
            for c in s:
                if c in seen:
                    f = _take(fresh, ",".join(subs) + "->" + out)
                    full.append(f)
                    eyes.append(c + f)
                else:
                    seen.add(c)
                    full.append(c)
            xp, dt = self.backend.xp, gy._data.dtype
            eye = [make_tensor(xp.eye(size[e[0]], dtype=dt), self.backend) for e in eyes]
            g = _einsum([uniq] + eyes, "".join(full), [g] + eye)
        return g


def _einsum(subs, out, tensors):
    if len(tensors) == 1 and subs[0] == out:
        return tensors[0]
    return Einsum.apply(*tensors, subs=tuple(subs), out=out)


def _split_term(term, equation, where):
    """(letters before '...', letters after, whether there is an ellipsis) of one subscript term."""
    if "..." in term:
        before, _, after = term.partition("...")
        ell = True
    else:
        before, after, ell = term, "", False
    for part in (before, after):
        bad = [c for c in part if not (c.isascii() and c.isalpha())]
        if bad:
            raise ValueError(f"einsum: invalid subscript {bad[0]!r} in {where} {term!r} of equation {equation!r}: "
                             f"subscripts are letters a-z, A-Z, with at most one '...' per term")
    return before, after, ell


def _parse(equation, shapes):
    """Explicit subscripts (ellipsis expanded to letters), the output subscripts and each letter's size."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs or "-" in lhs or ">" in lhs:
        raise ValueError(f"einsum: equation {equation!r} is malformed: use one '->' between inputs and output")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} has {len(terms)} input term(s) but "
                         f"{len(shapes)} operand(s) were given")
    parts = [_split_term(t, equation, f"term {i}") for i, t in enumerate(terms)]
    ell_nd = []
    for i, ((before, after, ell), shape) in enumerate(zip(parts, shapes)):
        named = len(before) + len(after)
        if (named > len(shape)) if ell else (named != len(shape)):
            raise ValueError(f"einsum: operand {i} has {len(shape)} dimension(s) (shape {tuple(shape)}) but its "
                             f"subscripts {terms[i]!r} name {named}")
        ell_nd.append(len(shape) - named if ell else 0)
    fresh = _fresh_letters({c for c in eq if c.isalpha()})
    ell_letters = "".join(_take(fresh, equation) for _ in range(max(ell_nd)))
    subs = [before + (ell_letters[len(ell_letters) - e:] if e else "") + after
            for (before, after, _), e in zip(parts, ell_nd)]

    size, where = {}, {}
    for i, (s, shape) in enumerate(zip(subs, shapes)):
        mine = {}
        for c, n in zip(s, shape):
            name = f"'...' dim {ell_letters.index(c) - len(ell_letters)}" if c in ell_letters else repr(c)
            if c in mine and mine[c] != n:
                raise ValueError(f"einsum: subscript {name} is repeated in operand {i} (shape {tuple(shape)}) "
                                 f"but its sizes differ: {mine[c]} != {n}")
            mine[c] = n
            if c in size and size[c] != n and size[c] != 1 and n != 1:
                j = where[c]
                raise ValueError(f"einsum: subscript {name} has size {size[c]} in operand {j} (shape "
                                 f"{tuple(shapes[j])}) but size {n} in operand {i} (shape {tuple(shape)})")
            if c not in size or size[c] == 1:
                size[c], where[c] = n, i

    if arrow:
        before, after, ell = _split_term(rhs, equation, "output")
        out = before + (ell_letters if ell else "") + after
        for c in out:
            if c not in size:
                raise ValueError(f"einsum: output subscript {c!r} of equation {equation!r} does not appear in "
                                 f"any input")
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} appears more than once in equation {equation!r}")
    else:  # implicit output: the ellipsis dims, then the letters used exactly once, in alphabetical order
        counts = {}
        for s in terms:
            for c in s:
                if c.isalpha():
                    counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    return subs, out, size


def _common_dtype(tensors):
    dt, nd = tensors[0]._data.dtype, tensors[0]._data.ndim
    for t in tensors[1:]:
        dt = dtypes.result_type(dt, nd, t._data.dtype, t._data.ndim)
        nd = max(nd, t._data.ndim)
    return [t if t._data.dtype == dt else t.to(dtype=dt) for t in tensors]


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.

    Subscripts are letters; a letter in two operands is multiplied along, a letter missing from
    the output is summed over. Without "->" the output is the '...' dims, then the letters used
    exactly once in alphabetical order. "..." stands for the remaining (broadcast) dims; size-1
    dims broadcast against the same letter's size; a repeated letter takes a diagonal ("ii->i").
    The operands may also be given as one list: ``einsum("ij,jk", [a, b])``.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError(f"einsum: equation {equation!r} needs at least one operand, got none")
    like = next((o for o in operands if isinstance(o, Tensor)), None)
    tensors = _common_dtype([o if isinstance(o, Tensor) else as_tensor(o, like) for o in operands])
    subs, out, size = _parse(equation, [t._data.shape for t in tensors])
    for i, (t, s) in enumerate(zip(tensors, subs)):
        full = tuple(size[c] for c in s)
        if full != t._data.shape:  # size-1 dims broadcast (differentiably: the backward sums them)
            tensors[i] = broadcast_to(t, full)
    return _einsum(subs, out, tensors)
