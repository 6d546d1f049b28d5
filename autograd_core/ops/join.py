"""Joining and splitting: cat, stack, split, chunk, unbind, pad, repeat.

The ops come in mirrored pairs, each the other's backward, so every gradient is differentiable:
``Cat`` <-> ``Split`` (concatenate / cut along one dim) and ``Stack`` <-> ``Unbind`` (join along a
new dim / take it apart). ``pad`` in constant mode is its own mirror (padding by ``-p`` undoes
padding by ``p``); the other modes are index_selects along each padded dim.
"""

import numbers

from .. import dtypes
from ..function import Function
from ..tensor import Tensor
from ._util import wrap_dim


# --- cat / split -----------------------------------------------------------------------------
class Cat(Function):
    """y = [x_0, x_1, ...] concatenated along ``axis``;  dL/dx_i = the i-th piece of dL/dy along ``axis``"""

    def forward(self, *xs, axis):
        self.sizes, self.axis = [x.shape[axis] for x in xs], axis
        return self.backend.xp.concatenate(xs, axis=axis)

    def backward(self, gy):
        gxs = Split.apply(gy, sizes=self.sizes, axis=self.axis)
        return gxs if len(gxs) > 1 else gxs[0]


class Split(Function):
    """(y_0, y_1, ...) = x cut into pieces of ``sizes`` along ``axis``;  dL/dx = cat(dL/dy_i) along ``axis``

    One node for all pieces: a piece the loss does not use sends zeros back.
    """

    def forward(self, x, sizes, axis):
        self.axis = axis
        lead = (slice(None),) * axis
        out, start = [], 0
        for s in sizes:
            out.append(x[lead + (slice(start, start + s),)])
            start += s
        return tuple(out)

    def backward(self, *gys):
        return Cat.apply(*gys, axis=self.axis)


def _tensor_list(tensors, what):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{what}: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: expected a list of tensors, but item {i} is a {type(t).__name__}")
    return list(tensors)


def _common_dtype(tensors, what):
    """Cast every tensor to the dtype PyTorch would promote them all to (differentiably)."""
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != dt:
            dt = dtypes.result_type(dt, 1, t._data.dtype, 1)
    return [t if t._data.dtype == dt else t.to(dtype=dt) for t in tensors]


def _check_devices(tensors, what):
    backend = tensors[0]._backend
    for i, t in enumerate(tensors):
        if t._backend is not backend:
            raise RuntimeError(f"{what}: expected all tensors on the same device, but tensor 0 is on "
                               f"{tensors[0].device} and tensor {i} is on {t.device}")


def cat(tensors, dim=0):
    """Concatenate ``tensors`` along an existing dimension ``dim``; their other sizes must match.

    Mixed dtypes are promoted (float32 with float64 gives float64). As in PyTorch, a 1-d tensor of
    size 0 may be concatenated with anything (it is skipped, and gets no gradient).
    """
    tensors = _tensor_list(tensors, "cat")
    _check_devices(tensors, "cat")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise ValueError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated; "
                             f"use stack, or unsqueeze it first")
    tensors = _common_dtype(tensors, "cat")
    kept = [(i, t) for i, t in enumerate(tensors) if not (t._data.shape == (0,))]
    if not kept:
        kept = [(0, tensors[0])]
    i0, t0 = kept[0]
    nd = t0._data.ndim
    axis = wrap_dim(dim, nd, "cat")
    ref = t0._data.shape
    for i, t in kept[1:]:
        s = t._data.shape
        if len(s) != nd or any(a != b for d, (a, b) in enumerate(zip(s, ref)) if d != axis):
            raise ValueError(f"cat: tensor {i} has shape {tuple(s)} but tensor {i0} has shape {tuple(ref)}; "
                             f"they must match except in dim {axis}")
    return Cat.apply(*[t for _, t in kept], axis=axis)


concat = concatenate = cat


def _split_sizes(size, split_size_or_sections, axis, shape, what):
    s = split_size_or_sections
    if isinstance(s, Tensor):
        s = s.tolist()
    if isinstance(s, numbers.Integral) and not isinstance(s, bool):
        s = int(s)
        if s < 0 or (s == 0 and size != 0):
            raise ValueError(f"{what}: split_size must be a positive integer, got {s}")
        if size == 0:
            return [0]
        return [s] * (size // s) + ([size % s] if size % s else [])
    if isinstance(s, (list, tuple)):
        sizes = []
        for v in s:
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{what}: split sizes must be non-negative integers, got {list(s)}")
            sizes.append(int(v))
        if sum(sizes) != size:
            raise ValueError(f"{what}: split sizes {list(sizes)} sum to {sum(sizes)}, but dim {axis} of the tensor "
                             f"of shape {tuple(shape)} has size {size}")
        if not sizes:
            raise ValueError(f"{what}: expected at least one split size")
        return sizes
    raise TypeError(f"{what}: split_size_or_sections must be an int or a list of ints, "
                    f"got {type(s).__name__}")


def split(x, split_size_or_sections, dim=0):
    """Cut ``x`` along ``dim`` into pieces of size ``split_size`` (the last may be smaller), or of the
    sizes listed. Returns a tuple of tensors."""
    shape = x._data.shape
    axis = wrap_dim(dim, len(shape), "split")
    if not shape:
        raise ValueError("split: expected a tensor with at least one dimension, got a 0-d tensor")
    sizes = _split_sizes(shape[axis], split_size_or_sections, axis, shape, "split")
    return Split.apply(x, sizes=sizes, axis=axis)


def chunk(x, chunks, dim=0):
    """Cut ``x`` along ``dim`` into ``chunks`` pieces of size ceil(n / chunks) (fewer if they run out)."""
    if not isinstance(chunks, numbers.Integral) or isinstance(chunks, bool) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    shape = x._data.shape
    if not shape:
        raise ValueError("chunk: expected a tensor with at least one dimension, got a 0-d tensor")
    axis = wrap_dim(dim, len(shape), "chunk")
    size = shape[axis]
    if size == 0:  # as PyTorch: `chunks` empty pieces
        return split(x, [0] * int(chunks), axis)
    return split(x, -(-size // int(chunks)), axis)


# --- stack / unbind --------------------------------------------------------------------------
class Stack(Function):
    """y = [x_0, x_1, ...] joined along a new dim ``axis``;  dL/dx_i = dL/dy taken at index i of ``axis``"""

    def forward(self, *xs, axis):
        self.axis = axis
        return self.backend.xp.stack(xs, axis=axis)

    def backward(self, gy):
        gxs = Unbind.apply(gy, axis=self.axis)
        return gxs if len(gxs) > 1 else gxs[0]


class Unbind(Function):
    """(y_0, y_1, ...) = x taken apart along ``axis``;  dL/dx = stack(dL/dy_i) along ``axis``"""

    def forward(self, x, axis):
        self.axis = axis
        lead = (slice(None),) * axis
        return tuple(x[lead + (i,)] for i in range(x.shape[axis]))

    def backward(self, *gys):
        return Stack.apply(*gys, axis=self.axis)


def stack(tensors, dim=0):
    """Join equally shaped ``tensors`` along a new dimension ``dim`` (in [-ndim-1, ndim])."""
    tensors = _tensor_list(tensors, "stack")
    _check_devices(tensors, "stack")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != ref:
            raise ValueError(f"stack: tensor {i} has shape {tuple(t._data.shape)} but tensor 0 has shape "
                             f"{tuple(ref)}; stack needs tensors of equal shape")
    tensors = _common_dtype(tensors, "stack")
    axis = wrap_dim(dim, len(ref) + 1, "stack")
    return Stack.apply(*tensors, axis=axis)


def unbind(x, dim=0):
    """The slices of ``x`` along ``dim``, as a tuple (``dim`` removed from each)."""
    shape = x._data.shape
    if not shape:
        raise ValueError("unbind: expected a tensor with at least one dimension, got a 0-d tensor")
    axis = wrap_dim(dim, len(shape), "unbind")
    if shape[axis] == 0:
        return ()
    return Unbind.apply(x, axis=axis)


# --- pad ---------------------------------------------------------------------------------------
class ConstantPad(Function):
    """y = x with ``widths[d] = (before, after)`` entries of ``value`` added on each side of dim d
    (a negative width crops);  dL/dx = dL/dy padded by the negated widths (cropping the border)"""

    def forward(self, x, widths, value):
        xp = self.backend.xp
        self.widths = widths
        crop = tuple(slice(max(-b, 0), s - max(-a, 0)) for (b, a), s in zip(widths, x.shape))
        x = x[crop]
        grow = [(max(b, 0), max(a, 0)) for b, a in widths]
        if not any(b or a for b, a in grow):
            return x.copy()
        return xp.pad(x, grow, mode="constant", constant_values=x.dtype.type(value))

    def backward(self, gy):
        return ConstantPad.apply(gy, widths=tuple((-b, -a) for b, a in self.widths), value=0)


_MODES = ("constant", "reflect", "replicate", "circular")


def _source_index(xp, size, before, after, mode):
    """For each output position along one dim, the input position it copies (for non-constant pads)."""
    p = xp.arange(-before, size + after)
    if mode == "replicate":
        return xp.clip(p, 0, size - 1)
    if mode == "circular":
        return p % size
    period = 2 * (size - 1)  # reflect: mirror about the first and last element (pads < size, so size > 1)
    p = xp.abs(p) % period
    return xp.where(p >= size, period - p, p)


def pad(x, pad, mode="constant", value=0.0):
    """Pad ``x`` as ``torch.nn.functional.pad``: ``pad = (left, right)`` for the last dim, then for the
    dim before it, and so on. Negative widths crop. ``mode``: constant (with ``value``), reflect,
    replicate or circular (their borders are index_selects of the input, joined with cat)."""
    from .index import IndexSelect

    if isinstance(pad, Tensor) or not isinstance(pad, (list, tuple)):
        raise TypeError(f"pad: pad must be a tuple of ints, got {type(pad).__name__}")
    if any(not isinstance(p, numbers.Integral) or isinstance(p, bool) for p in pad):
        raise TypeError(f"pad: pad must be a tuple of ints, got {tuple(pad)}")
    shape = x._data.shape
    nd = len(shape)
    if len(pad) % 2:
        raise ValueError(f"pad: pad must have an even number of entries ((left, right) pairs), got {tuple(pad)}")
    if len(pad) // 2 > nd:
        raise ValueError(f"pad: pad {tuple(pad)} pads {len(pad) // 2} dimensions but the input of shape "
                         f"{tuple(shape)} has only {nd}")
    if mode not in _MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected one of {', '.join(_MODES)}")
    widths = [(0, 0)] * nd
    for k in range(len(pad) // 2):
        widths[nd - 1 - k] = (int(pad[2 * k]), int(pad[2 * k + 1]))
    for d, ((b, a), s) in enumerate(zip(widths, shape)):
        if s + b + a < 0 or (b < 0 and -b > s) or (a < 0 and -a > s):
            raise ValueError(f"pad: padding {(b, a)} of dim {d} would leave a negative size for the input of "
                             f"shape {tuple(shape)}")
    if mode == "constant":
        if not any(b or a for b, a in widths):
            return x
        return ConstantPad.apply(x, widths=tuple(widths), value=0 if value is None else value)
    if value not in (0, 0.0, None):
        raise ValueError(f"pad: value={value!r} is only used in constant mode, not {mode!r}")
    crops = tuple((min(b, 0), min(a, 0)) for b, a in widths)
    y = ConstantPad.apply(x, widths=crops, value=0) if any(b or a for b, a in crops) else x  # crop first
    xp = x._backend.xp
    for d, ((b, a), s) in enumerate(zip(widths, y._data.shape)):
        b, a = max(b, 0), max(a, 0)
        if b == 0 and a == 0:
            continue
        if mode == "reflect" and (b >= s or a >= s):
            raise ValueError(f"pad: reflect padding {(b, a)} of dim {d} must be smaller than the dim's size {s} "
                             f"(input shape {tuple(shape)})")
        if s == 0:
            raise ValueError(f"pad: {mode} padding of dim {d} needs a non-empty dim (input shape {tuple(shape)})")
        if mode == "circular" and (b > s or a > s):
            raise ValueError(f"pad: circular padding {(b, a)} of dim {d} must be at most the dim's size {s} "
                             f"(input shape {tuple(shape)})")
        # only the borders are gathered (their gradient is a small scatter-add); the middle is y itself
        idx = _source_index(xp, s, b, a, mode).astype(dtypes.int64, copy=False)
        lead = (slice(None),) * d
        parts = [IndexSelect.apply(y, idx=lead + (idx[:b],), scatter=True)] if b else []
        parts.append(y)
        if a:
            parts.append(IndexSelect.apply(y, idx=lead + (idx[b + s:],), scatter=True))
        y = cat(parts, d)
    return y


# --- repeat ------------------------------------------------------------------------------------
class Repeat(Function):
    """y = x tiled ``reps`` times along each dim (x gets leading 1s to match ``len(reps)``);
    dL/dx = dL/dy reshaped to (r0, s0, r1, s1, ...) and summed over the r axes"""

    def forward(self, x, reps):
        self.in_shape, self.reps = x.shape, reps
        return self.backend.xp.tile(x, reps)

    def backward(self, gy):
        from .reduce import sum as sum_
        from .shape import reshape

        lead = len(self.reps) - len(self.in_shape)
        full = (1,) * lead + tuple(self.in_shape)
        pairs = tuple(v for r, s in zip(self.reps, full) for v in (r, s))
        g = sum_(reshape(gy, pairs), dim=tuple(range(0, len(pairs), 2)))
        return reshape(g, self.in_shape)


def repeat(x, *sizes):
    """``x`` repeated ``sizes[d]`` times along each dim d, as ``torch.Tensor.repeat``; ``sizes`` may
    have more entries than ``x`` has dims (new leading dims). Accepts ``repeat(2, 3)`` or ``repeat((2, 3))``."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    for s in sizes:
        if not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 0:
            raise ValueError(f"repeat: repeat sizes must be non-negative integers, got {tuple(sizes)}")
    sizes = tuple(int(s) for s in sizes)
    nd = x._data.ndim
    if len(sizes) < nd:
        raise ValueError(f"repeat: {len(sizes)} repeat sizes {sizes} given for a tensor of shape "
                         f"{tuple(x.shape)}; the number of sizes can't be smaller than the number of dimensions")
    return Repeat.apply(x, reps=sizes)
