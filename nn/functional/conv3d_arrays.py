"""The array work of a 3-D convolution and its two gradients (raw backend arrays in, arrays out; ``geom`` =
(stride, pads, dilation, groups), pads as ((front, back), (top, bottom), (left, right))). Device-generic: only
``xp`` calls CuPy also has, and the backend's ``matmul``.

With the windows of the padded input gathered as columns, cols[(c, t, u, v), (n, p)] = xpad[n, c, window p
at (t, u, v)] (C kd kh kw rows, N OD OH OW columns: ``im2col3d``, a copy of a strided view), per group g:

    y   = W_g cols_g                        (O/G x Cg K) @ (Cg K x N P): one GEMM      ``conv3d_forward``
    gW  = e_g cols_g^T                      (O/G x N P) @ (N P x Cg K): one GEMM       ``conv3d_weight``
    gx  = dL/dx, by stride phases                                                      ``conv3d_input``

The input gradient is a gather, not a scatter: the input positions split into s_d s_h s_w phases (their
index mod the stride along each dim). A phase is reached only by the kernel taps i with
(r + p - i d) = 0 (mod s), and from output positions a constant step apart, so each phase is itself a
stride-1 convolution of e with that sub-kernel, flipped, its in/out channels swapped (im2col + one GEMM);
the phases are written into disjoint strided slices of gx. Without a stride there is one phase: the
flipped-kernel convolution of e.
"""

import itertools
import math

from autograd_core import dtypes


def pad5(xp, x, pads, value=0.0):
    """x (N, C, D, H, W) padded with ``value``: ``pads`` ((front, back), (top, bottom), (left, right));
    a negative width crops."""
    if any(a < 0 or b < 0 for a, b in pads):
        x = x[(slice(None), slice(None)) + tuple(slice(max(-a, 0), s - max(-b, 0))
                                                 for (a, b), s in zip(pads, x.shape[2:]))]
        pads = tuple((max(a, 0), max(b, 0)) for a, b in pads)
    if not any(a or b for a, b in pads):
        return x
    size = x.shape[2:]
    shape = tuple(x.shape[:2]) + tuple(s + a + b for s, (a, b) in zip(size, pads))
    out = xp.zeros(shape, dtype=x.dtype) if value == 0 else xp.full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(a, a + s) for s, (a, _) in zip(size, pads))] = x
    return out


def window_view3d(xp, x, kernel, stride, pads, dilation, value=0.0):
    """The windows of x padded with ``value`` as a strided view (N, C, kd, kh, kw, OD, OH, OW) (no copy):
    view[n, c, t, u, v, i, j, l] = xpad[n, c, i s_d + t d_d, j s_h + u d_h, l s_w + v d_w]."""
    x = pad5(xp, x, pads, value)
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(x.shape[2:], kernel, stride, dilation))
    st = x.strides
    shape = tuple(x.shape[:2]) + tuple(kernel) + out
    strides = tuple(st[:2]) + tuple(t * d for t, d in zip(st[2:], dilation)) + tuple(t * s for t, s in
                                                                                   zip(st[2:], stride))
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


def im2col3d(xp, x, kernel, stride, pads, dilation):
    """The columns (C, kd, kh, kw, N, OD, OH, OW), contiguous (batch inner): as a (G, Cg K, N P) stack they
    are the right operand of one GEMM per group."""
    view = window_view3d(xp, x, kernel, stride, pads, dilation)
    return xp.ascontiguousarray(view.transpose(1, 2, 3, 4, 0, 5, 6, 7))


def _gemm(backend, a, b):
    """a @ b for (G, m, k) @ (G, k, n) stacks; one 2-D GEMM where G = 1."""
    if a.shape[0] == 1:
        return backend.matmul(a[0], b[0])[None]
    return backend.matmul(a, b)


def conv3d_forward(backend, x, w, geom):
    """(y (N, O, OD, OH, OW), cols): y[n, o, p] = sum_{c, t, u, v} W[o, c, t, u, v] xpad[n, g c, window p]."""
    stride, pads, dilation, groups = geom
    xp = backend.xp
    n = x.shape[0]
    o, cg = w.shape[:2]
    kernel = tuple(w.shape[2:])
    cols = im2col3d(xp, x, kernel, stride, pads, dilation)
    out = tuple(cols.shape[5:])
    k = cg * math.prod(kernel)
    y = _gemm(backend, w.reshape(groups, o // groups, k), cols.reshape(groups, k, n * math.prod(out)))
    return xp.ascontiguousarray(y.reshape((o, n) + out).swapaxes(0, 1)), cols


def conv3d_weight(backend, x, g, kernel, geom, cols=None):
    """gW (O, Cg, kd, kh, kw) = sum_{n, p} e[n, o, p] xpad[n, c, window p]: per group e_g cols_g^T, one GEMM.
    ``cols``: the forward's columns of x (made again when None)."""
    stride, pads, dilation, groups = geom
    xp = backend.xp
    if cols is None:
        cols = im2col3d(xp, x, kernel, stride, pads, dilation)
    n, o = g.shape[:2]
    positions = n * math.prod(g.shape[2:])
    k = x.shape[1] // groups * math.prod(kernel)
    e = xp.ascontiguousarray(g.swapaxes(0, 1)).reshape(groups, o // groups, positions)
    gw = _gemm(backend, e, cols.reshape(groups, k, positions).swapaxes(1, 2))
    return gw.reshape((o, k // math.prod(kernel)) + tuple(kernel))


def _phase(r, k, p, s, d, out_len, in_len):
    """Along one dim, the input positions y = r + s m (m < count) of a convolution (kernel k, stride s,
    padding p before, dilation d, out_len outputs): the kernel taps that reach them, as a slice that lists
    them flipped, and the stride-1 convolution of e that sums them, as (padding (before, after), dilation).
    None where no tap or no position is in this phase (its gradient is zero)."""
    taps = [i for i in range(k) if (r + p - i * d) % s == 0]
    count = -(-(in_len - r) // s) if in_len > r else 0
    if not taps or count <= 0:
        return None
    step = taps[1] - taps[0] if len(taps) > 1 else 1  # taps are s / gcd(s, d) apart
    dil = step * d // s if len(taps) > 1 else 1  # consecutive (flipped) taps read e this far apart
    first = (r + p - taps[-1] * d) // s  # e index read by the last tap at m = 0
    after = count - 1 + first + (len(taps) - 1) * dil - (out_len - 1)
    stop = taps[0] - step
    return slice(taps[-1], stop if stop >= 0 else None, -step), (-first, after), dil


def conv3d_input(backend, g, w, in_size, geom):
    """gx (N, C, *in_size) = dL/dx of a convolution with output gradient e = g:

        gx[n, g c, y] = sum_{o, i: y = q s + i d - p} W[o, c, i] e[n, o, q]      (per dim, i over kd kh kw)

    by stride phases (a Python loop over at most s_d s_h s_w phases, each im2col + one GEMM per group)."""
    stride, pads, dilation, groups = geom
    xp = backend.xp
    n, o = g.shape[:2]
    cg = w.shape[1]
    kernel = tuple(w.shape[2:])
    og = o // groups
    # the kernel with in/out channels swapped per group: wt[g Cg + c, o', ...] = W[g O/G + o', c, ...]
    wt = w.reshape((groups, og, cg) + kernel).swapaxes(1, 2).reshape((groups * cg, og) + kernel)
    gx = xp.zeros((n, groups * cg) + tuple(in_size), dtype=g.dtype)
    for phase in itertools.product(*(range(s) for s in stride)):
        per_dim = [_phase(r, k, p[0], s, d, ol, il) for r, k, p, s, d, ol, il in
                   zip(phase, kernel, pads, stride, dilation, g.shape[2:], in_size)]
        if any(v is None for v in per_dim):
            continue
        taps = tuple(v[0] for v in per_dim)
        sub = wt[(slice(None), slice(None)) + taps]
        geo = ((1, 1, 1), tuple(v[1] for v in per_dim), tuple(v[2] for v in per_dim), groups)
        part, _ = conv3d_forward(backend, g, sub, geo)
        gx[(slice(None), slice(None)) + tuple(slice(r, None, s) for r, s in zip(phase, stride))] = part
    return gx


# --- max pooling over the same windows -----------------------------------------------------------
def max_pool3d_arrays(xp, x, kernel, stride, pads, dilation):
    """(y, idx): each window's maximum (padding counts as -inf) and the flat index into the D*H*W plane of its
    first maximum (window order t, u, v row-major; NaN counts as the maximum; a window whose entries inside x
    are all -inf takes its first entry inside x, as PyTorch)."""
    n, c = x.shape[:2]
    size = tuple(x.shape[2:])
    view = window_view3d(xp, x, kernel, stride, pads, dilation, -math.inf)
    out = tuple(view.shape[5:])
    k = math.prod(kernel)
    windows = xp.ascontiguousarray(view.transpose(2, 3, 4, 0, 1, 5, 6, 7)).reshape((k, n, c) + out)
    y = windows.max(axis=0)
    # the first maximum: k - max_i (k - i) [windows_i == y or NaN] (two fast reductions over contiguous rows)
    rank = xp.arange(k, 0, -1, dtype=dtypes.int32).reshape((k,) + (1,) * (windows.ndim - 1))
    arg = k - (((windows == y) | (windows != windows)) * rank).max(axis=0)
    i = xp.arange(k, dtype=dtypes.int64)
    taps = (i // (kernel[1] * kernel[2]), (i // kernel[2]) % kernel[1], i % kernel[2])
    starts = [xp.arange(o, dtype=dtypes.int64) * s - p[0] for o, s, p in zip(out, stride, pads)]
    if any(p[0] or p[1] for p in pads):  # all-(-inf) windows: the first entry inside x
        inside = True
        for axis, (t, st, dl, sz) in enumerate(zip(taps, starts, dilation, size)):
            shape = [1, 1, 1]
            shape[axis] = -1
            pos = st.reshape(shape)[None] + (t * dl).reshape(k, 1, 1, 1)
            inside = inside & (pos >= 0) & (pos < sz)
        first = k - (inside * rank.reshape(k, 1, 1, 1)).max(axis=0)
        arg = xp.where(y == -math.inf, first, arg)
    plane = (size[1] * size[2], size[2], 1)
    offset = sum(t * dl * m for t, dl, m in zip(taps, dilation, plane))
    corner = (starts[0] * plane[0]).reshape(-1, 1, 1) + (starts[1] * plane[1]).reshape(1, -1, 1) + starts[2]
    return y, xp.take(offset, arg) + corner


def max_pool3d_scatter(backend, gy, idx, in_shape, disjoint):
    """gx = zeros(in_shape) with gy[n, c, p] added at (n, c, idx[n, c, p]): a put where windows are
    ``disjoint``, else the backend's scatter-add (overlapping windows accumulate)."""
    xp = backend.xp
    n, c = in_shape[:2]
    plane = math.prod(in_shape[2:])
    rows = max(1, n * c)
    target = (idx.reshape(rows, idx.size // rows) + (xp.arange(rows, dtype=dtypes.int64) * plane)[:, None])
    gx = xp.zeros(n * c * plane, dtype=gy.dtype)
    if disjoint:
        gx[target.reshape(-1)] = gy.reshape(-1)
    else:
        backend.scatter_add(gx, target.reshape(-1), gy.reshape(-1))
    return gx.reshape(in_shape)
