"""Shape operations that move data without changing it: broadcast_to / sum_to, reshape, permute.

``sum_to`` is the one helper every binary op's backward uses to undo broadcasting:
if ``y = broadcast_to(x, s)`` then ``dL/dx = sum_to(dL/dy, x.shape)``, and the other way round.
"""

from ..function import Function
from ._util import broadcast_error, wrap_dim


class BroadcastTo(Function):
    """y = broadcast_to(x, shape);  dL/dx = sum_to(dL/dy, x.shape)"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        try:
            return self.backend.xp.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: a tensor of shape {tuple(x.shape)} can't be broadcast to "
                             f"shape {tuple(shape)}") from None

    def backward(self, gy):
        return sum_to(gy, self.in_shape)


class SumTo(Function):
    """y = sum_to(x, shape): sum over the broadcast dimensions;  dL/dx = broadcast_to(dL/dy, x.shape)"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(shape) if lead else y

    def backward(self, gy):
        return broadcast_to(gy, self.in_shape)


def broadcast_to(x, shape):
    """``x`` repeated (without copying) along new or size-1 dimensions to ``shape``."""
    shape = tuple(shape)
    if x._data.shape == shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (the inverse of broadcasting ``shape`` up to ``x.shape``)."""
    if x._data.shape == shape:
        return x
    xs = x._data.shape
    lead = len(xs) - len(shape)
    if lead < 0 or any(s != 1 and s != xs[lead + i] for i, s in enumerate(shape)):
        raise broadcast_error("sum_to", xs, shape)
    return SumTo.apply(x, shape=tuple(shape))


class Reshape(Function):
    """y = reshape(x, shape);  dL/dx = reshape(dL/dy, x.shape)"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, gy):
        return reshape(gy, self.in_shape)


def _infer_shape(shape, size, in_shape):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise ValueError(f"reshape: only one dimension can be -1, got shape {tuple(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            if not isinstance(s, int) or s < 0:
                raise ValueError(f"reshape: invalid size {s!r} in shape {tuple(shape)}")
            known *= s
    if neg:
        if known == 0 or size % known:
            raise ValueError(f"reshape: shape {tuple(shape)} is invalid for a tensor of shape {tuple(in_shape)} "
                             f"({size} elements)")
        shape[neg[0]] = size // known
    elif known != size:
        raise ValueError(f"reshape: shape {tuple(shape)} is invalid for a tensor of shape {tuple(in_shape)} "
                         f"({size} elements)")
    return tuple(shape)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def reshape(x, *shape):
    """``x`` with a new shape of the same number of elements; one size may be -1."""
    shape = _shape_args(shape)
    if shape == x._data.shape:
        return x
    shape = _infer_shape(shape, x._data.size, x._data.shape)
    if shape == x._data.shape:
        return x
    return Reshape.apply(x, shape=shape)


view = reshape


class Permute(Function):
    """y = permute(x, dims);  dL/dx = permute(dL/dy, argsort(dims))"""

    def forward(self, x, dims):
        self.dims = dims
        return x.transpose(dims)

    def backward(self, gy):
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return permute(gy, *inverse)


def permute(x, *dims):
    """Reorder the dimensions of ``x``: ``y.shape[i] == x.shape[dims[i]]``."""
    dims = _shape_args(dims)
    nd = x._data.ndim
    if len(dims) != nd:
        raise ValueError(f"permute: got {len(dims)} dims {dims} for a tensor with {nd} dimensions")
    dims = tuple(wrap_dim(d, nd, "permute") for d in dims)
    if sorted(dims) != list(range(nd)):
        raise ValueError(f"permute: dims {dims} must name every dimension once")
    if dims == tuple(range(nd)):
        return x
    return Permute.apply(x, dims=dims)


def transpose(x, dim0, dim1):
    """Swap two dimensions of ``x``."""
    nd = x._data.ndim
    d0, d1 = wrap_dim(dim0, nd, "transpose"), wrap_dim(dim1, nd, "transpose")
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(x, *dims)


def t(x):
    """Transpose of a tensor with at most 2 dimensions (``x.T`` for matrices)."""
    if x._data.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, got shape {tuple(x.shape)}; use permute or mT")
    return x if x._data.ndim < 2 else transpose(x, 0, 1)


def T(x):
    """All dimensions reversed (PyTorch's ``x.T``)."""
    nd = x._data.ndim
    return x if nd < 2 else permute(x, *range(nd - 1, -1, -1))


def mT(x):
    """Transpose of the last two dimensions (a batch of matrices)."""
    if x._data.ndim < 2:
        raise ValueError(f"mT: expects a tensor with >= 2 dimensions, got shape {tuple(x.shape)}")
    return transpose(x, -2, -1)


def squeeze(x, dim=None):
    """Drop size-1 dimensions (all of them, or the given one(s) where they have size 1)."""
    shape = x._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = {wrap_dim(d, len(shape), "squeeze") for d in dims}
        new = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return reshape(x, new)


def unsqueeze(x, dim):
    """Insert a size-1 dimension at ``dim`` (in [-ndim-1, ndim])."""
    shape = list(x._data.shape)
    d = wrap_dim(dim, len(shape) + 1, "unsqueeze")
    shape.insert(d, 1)
    return reshape(x, tuple(shape))


def expand(x, *sizes):
    """Broadcast ``x`` to ``sizes`` without copying; -1 keeps a dimension's size."""
    sizes = _shape_args(sizes)
    shape = x._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ValueError(f"expand: the number of sizes {sizes} must be >= the number of dimensions of the tensor "
                         f"{tuple(shape)}")
    target = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise ValueError(f"expand: -1 is not allowed for a new leading dimension, got sizes {sizes}")
            s = shape[i - lead]
        target.append(s)
    return broadcast_to(x, tuple(target))


def expand_as(x, other):
    return broadcast_to(x, other._data.shape)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = x._data.shape
    if len(shape) == 0:
        return reshape(x, (1,))
    s = wrap_dim(start_dim, len(shape), "flatten")
    e = wrap_dim(end_dim, len(shape), "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    size = 1
    for d in shape[s:e + 1]:
        size *= d
    return reshape(x, shape[:s] + (size,) + shape[e + 1:])


def unflatten(x, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1)."""
    shape = x._data.shape
    d = wrap_dim(dim, len(shape), "unflatten")
    sizes = tuple(int(s) for s in sizes)
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if (known != shape[d]) if -1 not in sizes else (known == 0 or shape[d] % known):
        raise ValueError(f"unflatten: sizes {sizes} don't multiply to {shape[d]}, the size of dim {dim} of a "
                         f"tensor of shape {tuple(shape)}")
    return reshape(x, shape[:d] + sizes + shape[d + 1:])


def movedim(x, source, destination):
    """Move dims ``source`` to positions ``destination`` (ints, or sequences of one length); the
    other dims keep their order."""
    nd = x._data.ndim
    src = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    dst = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} must name the same number of dims")
    src = [wrap_dim(d, nd, "movedim") for d in src]
    dst = [wrap_dim(d, nd, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: source {source!r} and destination {destination!r} must name each dim once")
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter([d for d in range(nd) if d not in src])
    return permute(x, *[next(rest) if o is None else o for o in order])
