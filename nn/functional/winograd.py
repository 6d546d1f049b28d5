"""Winograd's minimal filtering F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25x fewer multiplies.

A 3x3 convolution computes each 2x2 block of outputs from a 4x4 tile d of the (padded) input, the
tiles overlapping by two rows and columns. Winograd (Lavin and Gray, 2015) writes that block as

    y = A^T [ (G w G^T) (.) (B^T d B) ] A        ((.) : elementwise, 4x4)

with the constant matrices below: 16 multiplies per tile and channel pair instead of 36. Summed over
input channels, the elementwise products become 16 GEMMs, one per tile entry xi:

    U[xi] = (G w G^T)[xi]   (C x O: the weight transform)
    V[xi] = (B^T d B)[xi]   (T x C over all T tiles of the batch: the input transform)
    M[xi] = V[xi] U[xi]     (T x O)
    y     = A^T M A         (the output transform, placed at each tile's 2x2 block)

The weight transform is one GEMM (the Kronecker product G (x) G below applied to the O C kernels at
once). The input and output transforms are sums and differences of whole shifted views: B and A
have entries 0 and +-1, G has 0, +-1/2 and 1, so the result agrees with the direct sum to the same
rounding (measured in float32: the same max error as im2col + GEMM against a float64 reference).

The gradients are the same maps transposed (each transform is linear):

    dL/dx  = a Winograd convolution of e = dL/dy with the kernel turned by 180 degrees and its channels
             swapped (whose transform is U' with tile rows and columns 0 and 3 swapped)
    dL/dW  = G^T [ sum_tiles V[xi]^T (A e A^T)[xi] ] G       (16 GEMMs summed over tiles: dL/dW = e x^T)

Arrays here are in (H, W, N, C) memory order, channels innermost and the batch next to them: the
input is split once into its four row/column parity planes, and every transform then adds whole
contiguous rows of those planes. The output is returned as an (N, C, H, W) view of an (H, W, N, C)
array; NumPy's elementwise ops and reductions keep that layout, so the next convolution reads it
without a transpose. The transforms and GEMMs run over chunks of tile rows so that each chunk's V and
M are still in the cache when the next step reads them.

Used on the CPU for the 3x3 stride-1 convolutions of CNNs (ResNet, VGG) with at least 16 channels
in and out (``usable``) and too few tiles for F(4x4, 3x3) (``winograd4``, which takes the rest).
Measured on ResNet-18 (CIFAR, B=16, 2 cores), one layer's forward on its own against im2col + GEMM:
64 channels at 32x32 11.1 -> 9.6 ms, 128 at 16x16 9.6 -> 6.3 ms, 256 at 8x8 8.6 -> 5.0 ms, 512 at
4x4 10.0 -> 7.1 ms; the whole training step 512 -> 400 ms or so, with the layout kept between layers.
"""

import numpy

from backends.batched_gemm import matmul as _stack_matmul

# B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]] and A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
# are written out as adds and subtracts in _input_chunk, conv and conv2d_weight_grad; G as a matrix:
_G = numpy.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=numpy.float64)
# G w G^T for every kernel at once, on row-major flattened kernels: vec(G X G^T) = kron(G, G) vec(X)
_G2 = numpy.kron(_G, _G)  # (16, 9)
_MATS = {}


def constant(xp, name, matrix, dtype):
    """The constant ``matrix`` (a NumPy array, known as ``name``) as a contiguous array of ``xp`` in
    ``dtype``, made once per (module, name, dtype): the transform matrices of both Winograd sizes."""
    key = (xp.__name__, name, numpy.dtype(dtype).str)
    if key not in _MATS:
        _MATS[key] = xp.asarray(numpy.ascontiguousarray(matrix, dtype=dtype))
    return _MATS[key]


def stack_matmul(xp, a, b, out=None):
    """xp.matmul(a, b, out=out); on NumPy, stacks of products go to the BLAS's batched call
    (``backends.batched_gemm``), which hands whole products to its threads."""
    if xp is numpy:
        return _stack_matmul(a, b, out)
    return xp.matmul(a, b, out=out)


def _g2(xp, dtype):
    """G2 as an array of ``xp`` in ``dtype``."""
    return constant(xp, "G2", _G2, dtype)


def usable(x_shape, w_shape, geom):
    """True where F(2x2, 3x3) applies (3x3 kernel, stride 1, no dilation, one group, padding 0..2 on
    every side so the input gradient is one too) and pays for its transforms: at least 16 channels
    in and out (below that the layer is memory-bound and im2col moves less), an output of at least 2x2."""
    stride, padding, dilation, groups = geom
    o, cg, kh, kw = w_shape
    if (kh, kw) != (3, 3) or stride != (1, 1) or dilation != (1, 1) or groups != 1:
        return False
    if any(p < 0 or p > 2 for pair in padding for p in pair):
        return False
    _, oh, ow, _, _ = geometry(x_shape, padding)
    return min(cg, o) >= 16 and oh >= 2 and ow >= 2


def weight_transform(xp, w):
    """U'[xi, o, c] = (G w[o, c] G^T)[xi], shape (16, O, C): one GEMM over the O C kernels."""
    o, c = w.shape[:2]
    return xp.matmul(_g2(xp, w.dtype), w.reshape(o * c, 9).T).reshape(16, o, c)


def _tiles(size, pads):
    out = size + pads[0] + pads[1] - 2
    return out, -(-out // 2)


# The transforms run over chunks of tile rows of about this many bytes of V (or M), so each chunk's V
# and M are still in the cache when the next step reads them (measured on ResNet-18's 64-channel 32x32
# layer: 11.7 -> 8.8 ms forward; a few chunks per layer, never one per row or per sample).
CHUNK_BYTES = 4 << 20


def geometry(x_shape, padding):
    """(N, OH, OW, th, tw): the output size and the number of 2x2 tiles down and across."""
    oh, th = _tiles(x_shape[2], padding[0])
    ow, tw = _tiles(x_shape[3], padding[1])
    return x_shape[0], oh, ow, th, tw


def _chunks(th, per_row_bytes, limit=None):
    """(start, stop) ranges of tile rows, each at most ``limit`` bytes (CHUNK_BYTES by default) at
    ``per_row_bytes`` a row, and never less than one row."""
    rows = max(1, (CHUNK_BYTES if limit is None else limit) // max(1, per_row_bytes))
    return [(t, min(th, t + rows)) for t in range(0, th, rows)]


def _planes(xp, x, padding, th, tw):
    """The zero-padded input split by row and column parity: P[r, q, k, l] = xpad[2 k + r, 2 l + q],
    shape (2, 2, th + 1, tw + 1, N, C) (rows, columns, batch, channels: (H, W, N, C) in memory).
    A 4x4 tile's entry (a, b) is then P[a % 2, b % 2] shifted by (a // 2, b // 2): every transform
    below reads whole contiguous rows of these planes."""
    n, c, h, w = x.shape
    xl = x.transpose(2, 3, 0, 1)
    planes = xp.empty((2, 2, th + 1, tw + 1, n, c), dtype=x.dtype)
    spans = []
    for size, before, count in ((h, padding[0][0], th + 1), (w, padding[1][0], tw + 1)):
        spans.append([])
        for r in range(2):  # padded index 2 k + r is input index 2 k + r - before
            k0 = max(0, (before - r + 1) // 2)
            i0 = 2 * k0 + r - before
            m = max(0, min(count - k0, -(-(size - i0) // 2)))
            spans[-1].append((k0, i0, m))
    for r, (k0, i0, m) in enumerate(spans[0]):
        for q, (l0, j0, mq) in enumerate(spans[1]):
            plane = planes[r, q]
            if not (m and mq):
                plane[...] = 0
                continue
            plane[k0:k0 + m, l0:l0 + mq] = xl[i0:i0 + 2 * m - 1:2, j0:j0 + 2 * mq - 1:2]
            plane[:k0] = 0  # the padding: only the border is zeroed, the interior is written once
            plane[k0 + m:] = 0
            plane[k0:k0 + m, :l0] = 0
            plane[k0:k0 + m, l0 + mq:] = 0
    return planes


_SLOTS = (0, 1, 2, 3)
# G J = P G for the kernel turned by 180 degrees (J reverses 3 taps, P swaps tile rows 0 and 3), so the
# turned kernel's transform is the kernel's own with rows and columns 0 and 3 swapped: a convolution
# with it can reuse U' by writing V to, and reading M from, those swapped slots
_TURNED = (3, 1, 2, 0)


def _input_chunk(xp, planes, t0, t1, tw, out, slots=_SLOTS):
    """out[a', b'] = (B^T d B)[a', b'] for the tiles of tile rows t0 .. t1, out (4, 4, rows, tw, N, C)
    (entry (a', b') written to slot (slots[a'], slots[b'])). Rows first (B^T = [[1, 0, -1, 0],
    [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]), then columns."""
    p0, p1 = planes[0, :, t0:t1], planes[1, :, t0:t1]  # tile rows a = 0, 1 (both column parities)
    p2, p3 = planes[0, :, t0 + 1:t1 + 1], planes[1, :, t0 + 1:t1 + 1]  # a = 2, 3
    r = xp.empty((4,) + p0.shape, dtype=planes.dtype)  # (4, 2, rows, tw + 1, N, C)
    xp.subtract(p0, p2, out=r[slots[0]])
    xp.add(p1, p2, out=r[slots[1]])
    xp.subtract(p2, p1, out=r[slots[2]])
    xp.subtract(p1, p3, out=r[slots[3]])
    c0, c1 = r[:, 0, :, :tw], r[:, 1, :, :tw]  # tile columns b = 0, 1
    c2, c3 = r[:, 0, :, 1:tw + 1], r[:, 1, :, 1:tw + 1]  # b = 2, 3
    xp.subtract(c0, c2, out=out[:, slots[0]])
    xp.add(c1, c2, out=out[:, slots[1]])
    xp.subtract(c2, c1, out=out[:, slots[2]])
    xp.subtract(c1, c3, out=out[:, slots[3]])


def conv(xp, x, u, padding, keep=False, slots=_SLOTS):
    """h = conv(x, W) for the transformed kernel u (16, C_in, C_out; any strides), chunk by chunk of
    tile rows: V = B^T d B, M = V u, then each tile's 2x2 block A^T M A put in place. Returns (h, V,
    geo): h (N, C_out, OH, OW) a view of an (OH, OW, N, C_out) array; V (all chunks) only when ``keep``.
    With ``slots`` = _TURNED, u is the transform of the kernel turned by 180 degrees."""
    c, o = x.shape[1], u.shape[2]
    geo = n, oh, ow, th, tw = geometry(x.shape, padding)
    planes = _planes(xp, x, padding, th, tw)
    y = xp.empty((th, 2, tw, 2, n, o), dtype=x.dtype)
    v_all = xp.empty((4, 4, th, tw, n, c), dtype=x.dtype) if keep else None
    i0, i1, i2, i3 = slots
    for t0, t1 in _chunks(th, 16 * tw * n * max(c, o) * x.itemsize):
        rows = t1 - t0
        v = v_all[:, :, t0:t1] if keep else xp.empty((4, 4, rows, tw, n, c), dtype=x.dtype)
        _input_chunk(xp, planes, t0, t1, tw, v, slots)
        m = stack_matmul(xp, v.reshape(16, rows * tw * n, c), u).reshape(4, 4, rows, tw, n, o)
        # rows of A^T = [[1, 1, 1, 0], [0, 1, -1, -1]], then columns, into the 2x2 output blocks
        s = xp.empty((2, 4, rows, tw, n, o), dtype=x.dtype)
        xp.add(m[i0], m[i1], out=s[0])
        s[0] += m[i2]
        xp.subtract(m[i1], m[i2], out=s[1])
        s[1] -= m[i3]
        yb = y[t0:t1].transpose(1, 3, 0, 2, 4, 5)  # (a, b, rows, tw, N, O)
        xp.add(s[:, i0], s[:, i1], out=yb[:, 0])
        yb[:, 0] += s[:, i2]
        xp.subtract(s[:, i1], s[:, i2], out=yb[:, 1])
        yb[:, 1] -= s[:, i3]
    y = y.reshape(2 * th, 2 * tw, n, o)
    if (2 * th, 2 * tw) != (oh, ow):
        y = y[:oh, :ow]
    return y.transpose(2, 3, 0, 1), (None if v_all is None else v_all.reshape(16, -1, c)), geo


def conv2d(xp, x, w, padding, keep=True):
    """The forward convolution, kernel w (O, C, 3, 3): (y, V, geo, U'), V (when ``keep``) and geo kept
    for dL/dW, U' (16, O, C) for dL/dx."""
    u = weight_transform(xp, w)
    y, v, geo = conv(xp, x, u.transpose(0, 2, 1), padding, keep=keep)
    return y, v, geo, u


def conv2d_input_grad(xp, g, w, padding, u=None):
    """dL/dx for output gradient g (N, O, OH, OW): the stride-1 convolution of g, padded by 2 - p on
    each side, with the kernel turned by 180 degrees and its in/out channels swapped. The kernel's own
    transform U' (16, O, C; ``u``, the forward's, or made here) serves through swapped slots."""
    turned = tuple((2 - a, 2 - b) for a, b in padding)
    return conv(xp, g, weight_transform(xp, w) if u is None else u, turned, slots=_TURNED)[0]


def conv2d_weight_grad(xp, g, geo, v=None, x=None, padding=None):
    """dL/dW (O, C, 3, 3) for the output gradient g (N, O, OH, OW), from the forward's V (``v``) or,
    without it, from the input ``x`` and ``padding`` (V then recomputed chunk by chunk, in the cache).
    Per chunk of tile rows: GM = A e A^T (e's 2x2 blocks) and Z[xi] += GM[xi]^T V[xi] (the sum over
    tiles); then dL/dW = Z^T G2."""
    n, oh, ow, th, tw = geo
    o = g.shape[1]
    if v is None:
        c = x.shape[1]
        planes = _planes(xp, x, padding, th, tw)
    else:
        c = v.shape[2]
        v = v.reshape(4, 4, th, tw, n, c)
    gl = g.transpose(2, 3, 0, 1)  # (OH, OW, N, O)
    if (2 * th, 2 * tw) == (oh, ow) and gl.flags.c_contiguous:  # e already in this layout: no copy
        blocks = gl.reshape(th, 2, tw, 2, n, o)
    else:
        blocks = xp.zeros((th, 2, tw, 2, n, o), dtype=g.dtype)  # the blocks past the edge carry no gradient
        blocks.reshape(2 * th, 2 * tw, n, o)[:oh, :ow] = gl
    z = None
    for t0, t1 in _chunks(th, 16 * tw * n * max(c, o) * g.itemsize):
        rows = t1 - t0
        if v is None:
            vc = xp.empty((4, 4, rows, tw, n, c), dtype=g.dtype)
            _input_chunk(xp, planes, t0, t1, tw, vc)
        else:
            vc = v[:, :, t0:t1]
        e = blocks[t0:t1].transpose(1, 3, 0, 2, 4, 5)  # (a, b, rows, tw, N, O)
        # A = [[1, 0], [1, 1], [1, -1], [0, -1]] on the rows, then the columns
        q = xp.empty((4, 2, rows, tw, n, o), dtype=g.dtype)
        q[0] = e[0]
        xp.add(e[0], e[1], out=q[1])
        xp.subtract(e[0], e[1], out=q[2])
        xp.negative(e[1], out=q[3])
        gm = xp.empty((4, 4, rows, tw, n, o), dtype=g.dtype)
        gm[:, 0] = q[:, 0]
        xp.add(q[:, 0], q[:, 1], out=gm[:, 1])
        xp.subtract(q[:, 0], q[:, 1], out=gm[:, 2])
        xp.negative(q[:, 1], out=gm[:, 3])
        part = stack_matmul(xp, gm.reshape(16, -1, o).transpose(0, 2, 1), vc.reshape(16, -1, c))  # (16, O, C)
        if z is None:
            z = part
        else:
            z += part
    return xp.matmul(z.reshape(16, o * c).T, _g2(xp, g.dtype)).reshape(o, c, 3, 3)
