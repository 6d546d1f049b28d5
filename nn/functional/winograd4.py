"""Winograd's F(4x4, 3x3): a 3x3 stride-1 convolution with 4x fewer multiplies, for the wide layers.

The same construction as ``winograd`` (F(2x2, 3x3); read its docstring first), one size up: each 4x4
block of outputs comes from a 6x6 tile d of the padded input, the tiles overlapping by two rows and
columns (Lavin and Gray, 2015, with the interpolation points 0, 1, -1, 2, -2 and infinity):

    y = A^T [ (G w G^T) (.) (B^T d B) ] A        ((.) : elementwise, 6x6)

    B^T = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
           [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
    G   = [[1/4, 0, 0], [-1/6, -1/6, -1/6], [-1/6, 1/6, -1/6],
           [1/24, 1/12, 1/6], [1/24, -1/12, 1/6], [0, 0, 1]]
    A^T = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]

36 multiplies per tile and channel pair give 16 outputs (F(2x2, 3x3): 16 give 4; direct: 144), so
summed over channels the products are 36 GEMMs with a quarter of F(2x2, 3x3)'s rows each:

    U[xi] = (G w G^T)[xi]   (C x O)      V[xi] = (B^T d B)[xi]   (T x C, T tiles)
    M[xi] = V[xi] U[xi]                  y     = A^T M A
    dL/dx = the same convolution of e = dL/dy with the kernel turned by 180 degrees, channels swapped
    dL/dW = G^T [ sum_tiles V[xi]^T (A e A^T)[xi] ] G

Every transform is a product with a small constant matrix, applied as a GEMM along one tile axis at
a time (B^T on the rows of all tiles at once, then on their columns): the overlapping tiles are
strided views of the padded input, so each transform reads and writes its arrays once. Arrays are
in (H, W, N, C) memory order as in ``winograd``; the output is an (N, C, H, W) view of an
(H, W, N, C) array.

Rounding: the entries of B and A reach 5 and 8, so in float32 the result agrees with the direct
sum to within a few 1e-6 of its largest value (F(2x2, 3x3): 2e-7; measured against float64 sums); in
float64 to about 5e-15. In exchange, on the 32x32 and 16x16 layers of ResNet-18 (CIFAR, B=16,
2 cores) it takes the forward, input gradient and weight gradient of a layer together from 24 to
15 ms (64 channels) and 16 to 10 ms (128 channels) against F(2x2, 3x3).
Layers with few tiles (``usable``) keep F(2x2, 3x3): 36 GEMMs of a few rows each run slowly.
"""

import numpy

from . import winograd

_BT = numpy.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                   [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], dtype=numpy.float64)
_G = numpy.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                  [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], dtype=numpy.float64)
_AT = numpy.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
                  dtype=numpy.float64)
_G2 = numpy.kron(_G, _G)  # (36, 9): vec(G X G^T) = kron(G, G) vec(X) on row-major flattened kernels
_MATRICES = {"BT": _BT, "AT": _AT, "A": _AT.T, "G2": _G2}

# Fewer tiles than this in the batch and the 36 GEMMs are too thin to pay (measured on ResNet-18,
# B=16: 256 tiles at 16x16 and 1,024 at 32x32 gain, 64 at 8x8 break even, 16 at 4x4 lose 2x)
MIN_TILES = 128


def _mat(xp, name, dtype):
    """One of the constant matrices above as an array of ``xp`` in ``dtype``, made once."""
    return winograd.constant(xp, "F4 " + name, _MATRICES[name], dtype)


def geometry(x_shape, padding):
    """(N, OH, OW, th, tw): the output size and the number of 4x4 tiles down and across."""
    oh = x_shape[2] + padding[0][0] + padding[0][1] - 2
    ow = x_shape[3] + padding[1][0] + padding[1][1] - 2
    return x_shape[0], oh, ow, -(-oh // 4), -(-ow // 4)


def usable(x_shape, w_shape, geom):
    """Where F(2x2, 3x3) applies (``winograd.usable``) and this transform does clearly less work: at
    least MIN_TILES tiles in the batch, and at most 3/4 of F(2x2, 3x3)'s multiplies once the tiles that
    stick out past the output are counted (36 th tw against 16 th' tw')."""
    if not winograd.usable(x_shape, w_shape, geom):
        return False
    n, oh, ow, th, tw = geometry(x_shape, geom[1])
    return n * th * tw >= MIN_TILES and 4 * 36 * th * tw <= 3 * 16 * (-(-oh // 2)) * (-(-ow // 2))


def weight_transform(xp, w):
    """U'[xi, o, c] = (G w[o, c] G^T)[xi], shape (36, O, C): one GEMM over the O C kernels."""
    o, c = w.shape[:2]
    return xp.matmul(_mat(xp, "G2", w.dtype), w.reshape(o * c, 9).T).reshape(36, o, c)


def _padded(xp, x, padding, th, tw):
    """The input in (H, W, N, C) order, zero-padded to the 4 th + 2 rows and 4 tw + 2 columns the tiles
    cover (at least the padded input: tiles past the bottom or right edge read zeros); only the border
    is zeroed."""
    n, c, h, w = x.shape
    out = xp.empty((4 * th + 2, 4 * tw + 2, n, c), dtype=x.dtype)
    top, left = padding[0][0], padding[1][0]
    out[:top] = 0
    out[top + h:] = 0
    out[top:top + h, :left] = 0
    out[top:top + h, left + w:] = 0
    out[top:top + h, left:left + w] = x.transpose(2, 3, 0, 1)
    return out


def _tile_axes(xp, a, lead, count, length, inner):
    """The overlapping 6-long windows, 4 apart, along one axis of the array ``a`` viewed as
    (lead, 4 count + 2, inner) (``length`` = 4 count + 2): a view (lead, count, 6, inner)."""
    it = a.itemsize
    step = inner * it
    return xp.lib.stride_tricks.as_strided(a, (lead, count, 6, inner),
                                           (length * step, 4 * step, step, it), writeable=False)


# The transforms and GEMMs run over chunks of tile rows of at most this many bytes of V (or M), which
# bounds the temporaries of a large layer (a 224x224 VGG layer at B=64 would otherwise hold several
# GB at once); ResNet-18 at B=16 (at most 9.4 MB) runs in one chunk: smaller, cache-sized chunks were
# measured slower (one 64-channel 32x32 layer 5.0 -> 5.3-5.7 ms, the training step 281 -> 288-296 ms)
CHUNK_BYTES = 32 << 20


def _chunks(th, per_row_bytes):
    """winograd's chunking of tile rows, at this module's CHUNK_BYTES."""
    return winograd._chunks(th, per_row_bytes, CHUNK_BYTES)


def _input_chunk(xp, xpad, t0, t1, tw, out):
    """out (6, 6, t1 - t0, tw, N, C) = B^T d B for the tiles d of tile rows t0 .. t1 of the padded input
    ``xpad`` (4 th + 2, 4 tw + 2, N, C): B^T along the rows of all tiles (one GEMM on the overlapping
    row windows), then along their columns."""
    n, c = xpad.shape[2:]
    nc, wp, rows = n * c, 4 * tw + 2, t1 - t0
    bt = _mat(xp, "BT", xpad.dtype)
    windows = _tile_axes(xp, xpad[4 * t0:4 * t1 + 2], 1, rows, 4 * rows + 2, wp * nc)[0]
    r = xp.matmul(bt, windows)  # (rows, 6 a, wp N C)
    cols = _tile_axes(xp, r, rows * 6, tw, wp, nc).reshape(rows, 6, tw, 6, nc)  # (rows, a, tw, b, N C)
    xp.matmul(bt, cols, out=out.reshape(6, 6, rows, tw, nc).transpose(2, 0, 3, 1, 4))


def conv(xp, x, u, padding, keep=False):
    """h = conv(x, W) for the transformed kernel u (36, C_in, C_out), chunk by chunk of tile rows:
    V = B^T d B, M = V u, then each tile's 4x4 block A^T M A (A^T on the rows, then on the columns,
    written in place). Returns (h, V): h (N, C_out, OH, OW) a view of an (OH, OW, N, C_out) array,
    V (6, 6, th, tw, N, C_in) only when ``keep``."""
    c, o = x.shape[1], u.shape[2]
    n, oh, ow, th, tw = geometry(x.shape, padding)
    xpad = _padded(xp, x, padding, th, tw)
    at = _mat(xp, "AT", x.dtype)
    y = xp.empty((th, 4, tw, 4, n, o), dtype=x.dtype)
    v_all = xp.empty((6, 6, th, tw, n, c), dtype=x.dtype) if keep else None
    for t0, t1 in _chunks(th, 36 * tw * n * max(c, o) * x.itemsize):
        rows = t1 - t0
        t = rows * tw * n
        v = v_all[:, :, t0:t1] if keep else xp.empty((6, 6, rows, tw, n, c), dtype=x.dtype)
        _input_chunk(xp, xpad, t0, t1, tw, v)
        m = winograd.stack_matmul(xp, v.reshape(36, t, c), u)  # (36, T, O)
        s = xp.matmul(at, m.reshape(6, 6 * t * o))  # (4 a', 6 b, rows, tw, N O)
        del m
        xp.matmul(at, s.reshape(4, 6, rows, tw, n * o).transpose(2, 0, 3, 1, 4),
                  out=y[t0:t1].reshape(rows, 4, tw, 4, n * o))
    y = y.reshape(4 * th, 4 * tw, n, o)
    if (4 * th, 4 * tw) != (oh, ow):
        y = y[:oh, :ow]
    return y.transpose(2, 3, 0, 1), v_all


def conv2d(xp, x, w, padding, keep=True):
    """The forward convolution, kernel w (O, C, 3, 3): (y, V, geometry), V (when ``keep``) for dL/dW."""
    y, v = conv(xp, x, weight_transform(xp, w).transpose(0, 2, 1), padding, keep=keep)
    return y, v, geometry(x.shape, padding)


def conv2d_input_grad(xp, g, w, padding):
    """dL/dx for the output gradient g (N, O, OH, OW): the stride-1 convolution of g, padded by 2 - p on
    each side, with the kernel turned by 180 degrees and its in/out channels swapped (its transform
    is made here: unlike F(2x2, 3x3)'s, turning the kernel is no permutation of U's entries)."""
    turned = tuple((2 - a, 2 - b) for a, b in padding)
    wt = xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, O, 3, 3)
    return conv(xp, g, weight_transform(xp, wt).transpose(0, 2, 1), turned)[0]


def conv2d_weight_grad(xp, g, geo, v=None, x=None, padding=None):
    """dL/dW (O, C, 3, 3) for the output gradient g (N, O, OH, OW), from the forward's V (``v``) or, where
    none was kept, from the input ``x`` and ``padding`` (V made again chunk by chunk). Per chunk of
    tile rows: GM = A e A^T for every 4x4 block e of g (A on the rows, then the columns) and
    Z[xi] += GM[xi]^T V[xi] (the sum over tiles: 36 GEMMs); then dL/dW = Z^T G2."""
    n, oh, ow, th, tw = geo
    o = g.shape[1]
    if v is None:
        c = x.shape[1]
        xpad = _padded(xp, x, padding, th, tw)
    else:
        c = v.shape[-1]
    gl = g.transpose(2, 3, 0, 1)  # (OH, OW, N, O)
    if (4 * th, 4 * tw) == (oh, ow) and gl.flags.c_contiguous:  # e already in this layout: no copy
        e = gl
    else:
        e = xp.zeros((4 * th, 4 * tw, n, o), dtype=g.dtype)  # the blocks past the edge carry no gradient
        e[:oh, :ow] = gl
    no = n * o
    a = _mat(xp, "A", g.dtype)  # (6, 4)
    z = None
    for t0, t1 in _chunks(th, 36 * tw * n * max(c, o) * g.itemsize):
        rows = t1 - t0
        t = rows * tw * n
        if v is None:
            vc = xp.empty((6, 6, rows, tw, n, c), dtype=g.dtype)
            _input_chunk(xp, xpad, t0, t1, tw, vc)
        else:
            vc = v[:, :, t0:t1]
        r = xp.matmul(a, e[4 * t0:4 * t1].reshape(rows, 4, tw * 4 * no))  # (rows, 6 a, tw 4 b N O)
        gm = xp.empty((6, 6, rows, tw, no), dtype=g.dtype)
        xp.matmul(a, r.reshape(rows, 6, tw, 4, no), out=gm.transpose(2, 0, 3, 1, 4))
        part = winograd.stack_matmul(xp, gm.reshape(36, t, o).transpose(0, 2, 1), vc.reshape(36, t, c))  # (36, O, C)
        if z is None:
            z = part
        else:
            z += part
    return xp.matmul(z.reshape(36, o * c).T, _mat(xp, "G2", g.dtype)).reshape(o, c, 3, 3)
