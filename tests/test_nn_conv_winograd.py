"""The CPU's fast convolution paths: Winograd F(2x2, 3x3), channels-last im2col, and batch-inner
columns (one GEMM over the whole batch for the small NCHW layers).

Each is checked against a direct float64 sum written out here (not the code under test): forward,
input gradient and weight gradient, in float64 to 1e-10 and in float32 to the direct method's
rounding; with asymmetric sizes, every padding Winograd takes (0, 1, 2), tile counts that do not
divide the output, several chunks of tile rows, and channels-last inputs (the previous layer's
output). Also gradcheck/gradgradcheck, PyTorch as an oracle, and which convolutions take the path.
"""

import numpy
import pytest

import autograd_core as ag
import nn.functional as F
from backends.numpy_backend import im2col_strided
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip
from nn.functional import winograd
from nn.functional.conv_arrays import _conv_arrays, _conv_weight_arrays, _winograd


def ref_conv(x, w, stride, pad):
    """h[n, o, p, q] = sum_{c, i, j} W[o, c, i, j] xpad[n, c, p s + i, q s + j] (float64, term by term)."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xpad = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    y = numpy.zeros((n, o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            win = xpad[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            y += numpy.einsum("nchw,oc->nohw", win, w[:, :, i, j])
    return y


def ref_grads(x, w, g, stride, pad):
    """(dL/dx, dL/dW) of <ref_conv(x, W), g>, term by term."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = g.shape[2:]
    xpad = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    gxpad = numpy.zeros_like(xpad)
    gw = numpy.zeros_like(w)
    for i in range(kh):
        for j in range(kw):
            sl = (slice(None), slice(None), slice(i, i + stride * (oh - 1) + 1, stride),
                  slice(j, j + stride * (ow - 1) + 1, stride))
            gxpad[sl] += numpy.einsum("nohw,oc->nchw", g, w[:, :, i, j])
            gw[:, :, i, j] = numpy.einsum("nohw,nchw->oc", g, xpad[sl])
    return gxpad[:, :, pad:pad + h, pad:pad + wd], gw


# (N, C, O, H, W, padding): Winograd shapes, odd and even outputs, every padding it takes
WINO_CASES = [
    (2, 16, 32, 9, 8, 1),
    (3, 32, 16, 7, 10, 0),
    (2, 17, 33, 6, 5, 2),
    (1, 32, 32, 4, 4, 1),
    (2, 16, 16, 4, 11, 0),
    (1, 16, 16, 5, 1, 2),  # a one-column input: whole parity planes of padding
]


@pytest.mark.parametrize("n,c,o,h,w,p", WINO_CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_winograd_matches_direct_sum(n, c, o, h, w, p, dtype, device):
    x, wt = rand_array((n, c, h, w), seed=1), rand_array((o, c, 3, 3), seed=2) / 6
    xs, ws = ag.tensor(x, dtype=dtype, device=device, requires_grad=True), \
        ag.tensor(wt, dtype=dtype, device=device, requires_grad=True)
    y = F.conv2d(xs, ws, padding=p)
    ref = ref_conv(x, wt, 1, p)
    g = rand_array(ref.shape, seed=3)
    y.backward(ag.tensor(g, dtype=dtype, device=device))
    gx, gw = ref_grads(x, wt, g, 1, p)
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=1e-4, atol=2e-5 * c)
    numpy.testing.assert_allclose(host(y), ref, **tol)
    numpy.testing.assert_allclose(host(xs.grad), gx, **tol)
    numpy.testing.assert_allclose(host(ws.grad), gw, **tol)


def test_winograd_is_the_path_taken():
    """The cases above do run as Winograd F(2x2, 3x3) on the CPU (so the test above tests it)."""
    cpu = ag.tensor(0.0)._backend
    for n, c, o, h, w, p in WINO_CASES:
        assert _winograd(cpu, (n, c, h, w), (o, c, 3, 3), ((1, 1), ((p, p), (p, p)), (1, 1), 1)) is winograd


@pytest.mark.parametrize("geom,shape,usable", [
    (((1, 1), ((1, 1), (1, 1)), (1, 1), 1), (2, 16, 8, 8, 16), True),
    (((2, 2), ((1, 1), (1, 1)), (1, 1), 1), (2, 16, 8, 8, 16), False),  # strided
    (((1, 1), ((1, 1), (1, 1)), (2, 2), 1), (2, 16, 8, 8, 16), False),  # dilated
    (((1, 1), ((1, 1), (1, 1)), (1, 1), 2), (2, 16, 8, 8, 16), False),  # grouped
    (((1, 1), ((3, 3), (1, 1)), (1, 1), 1), (2, 16, 8, 8, 16), False),  # padding 3: input grad pads -1
    (((1, 1), ((1, 1), (1, 1)), (1, 1), 1), (2, 8, 8, 8, 16), False),  # few channels
    (((1, 1), ((0, 0), (0, 0)), (1, 1), 1), (2, 16, 3, 3, 16), False),  # a 1x1 output
])
def test_winograd_usable(geom, shape, usable):
    n, c, h, w, o = shape
    assert winograd.usable((n, c, h, w), (o, c, 3, 3), geom) is usable


def test_winograd_chunks_agree(monkeypatch):
    """One tile row per chunk gives the same result as the default chunking."""
    x, w = rand_array((2, 16, 9, 7), seed=4), rand_array((24, 16, 3, 3), seed=5)
    g = rand_array((2, 24, 9, 7), seed=6)

    def run():
        xs, ws = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True)
        y = F.conv2d(xs, ws, padding=1)
        y.backward(ag.tensor(g))
        return host(y), host(xs.grad), host(ws.grad)

    default = run()
    monkeypatch.setattr(winograd, "CHUNK_BYTES", 1)
    for a, b in zip(run(), default):
        numpy.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_winograd_output_is_channels_last_and_flows_on():
    """A Winograd layer's output is an (N, C, H, W) view of a channels-last array; ReLU, a strided conv
    (channels-last im2col) and a strided 1x1 conv after it give the direct sums' values, forward and
    backward."""
    x, w1 = rand_array((2, 16, 8, 9), seed=7), rand_array((32, 16, 3, 3), seed=8) / 6
    w2, w3 = rand_array((32, 32, 3, 3), seed=9) / 9, rand_array((48, 32, 1, 1), seed=10) / 6
    xs, ws = ag.tensor(x, requires_grad=True), [ag.tensor(a, requires_grad=True) for a in (w1, w2, w3)]
    h = F.conv2d(xs, ws[0], padding=1)
    assert h._data.strides[1] == h._data.itemsize  # channels-last in memory
    a = F.relu(h)
    y = F.conv2d(F.conv2d(a, ws[1], stride=2, padding=1), ws[2], stride=2)
    ra = numpy.maximum(ref_conv(x, w1, 1, 1), 0)
    r2 = ref_conv(ra, w2, 2, 1)
    numpy.testing.assert_allclose(host(y), ref_conv(r2, w3, 2, 0), rtol=1e-10, atol=1e-10)
    g = rand_array(tuple(y.shape), seed=11)
    y.backward(ag.tensor(g))
    g2, gw3 = ref_grads(r2, w3, g, 2, 0)
    ga, gw2 = ref_grads(ra, w2, g2, 2, 1)
    gh = ga * (ra > 0)
    gx, gw1 = ref_grads(x, w1, gh, 1, 1)
    for ours, ref in ((xs.grad, gx), (ws[0].grad, gw1), (ws[1].grad, gw2), (ws[2].grad, gw3)):
        numpy.testing.assert_allclose(host(ours), ref, rtol=1e-10, atol=1e-10)


def test_winograd_gradcheck_and_gradgradcheck(device):
    x, w, b = rand_array((1, 16, 4, 5), seed=12), rand_array((16, 16, 3, 3), seed=13) / 6, rand_array((16,), seed=14)
    check_grads(lambda x, w, b: F.conv2d(x, w, b, padding=1), x, w, b, device=device, fast_mode=True)


def test_channels_last_input_gradgradcheck(device):
    """A strided conv after a Winograd conv (channels-last input, columns recomputed for dL/dW in the
    double backward)."""
    x, w1, w2 = rand_array((1, 16, 5, 6), seed=15), rand_array((32, 16, 3, 3), seed=16) / 6, \
        rand_array((32, 32, 3, 3), seed=17) / 9
    check_grads(lambda x, a, b: F.conv2d(F.conv2d(x, a, padding=1), b, stride=2, padding=1), x, w1, w2,
                device=device, fast_mode=True)


@pytest.mark.parametrize("stride,padding", [(1, 1), (1, 0), (1, 2), (2, 1)])
def test_wide_conv_matches_torch(stride, padding, device):
    torch = torch_or_skip()
    arrs = [rand_array((2, 32, 10, 9), seed=18), rand_array((32, 32, 3, 3), seed=19) / 9, rand_array((32,), seed=20)]
    compare_with_torch(lambda x, w, b: F.conv2d(F.relu(F.conv2d(x, w, b, 1, 1)), w, b, stride, padding),
                       lambda x, w, b: torch.nn.functional.conv2d(
                           torch.relu(torch.nn.functional.conv2d(x, w, b, 1, 1)), w, b, stride, padding),
                       *arrs, device=device, tol={"float32": dict(rtol=1e-3, atol=1e-3)})


def test_winograd_without_grad_and_frozen_weight():
    """Under no_grad, and with a weight that needs no gradient (V not kept; dL/dx still exact)."""
    x, w = rand_array((2, 16, 6, 7), seed=21), rand_array((32, 16, 3, 3), seed=22) / 6
    ref = ref_conv(x, w, 1, 1)
    with ag.no_grad():
        numpy.testing.assert_allclose(host(F.conv2d(ag.tensor(x), ag.tensor(w), padding=1)), ref, rtol=1e-10)
    xs = ag.tensor(x, requires_grad=True)
    y = F.conv2d(xs, ag.tensor(w), padding=1)
    g = rand_array(ref.shape, seed=23)
    y.backward(ag.tensor(g))
    numpy.testing.assert_allclose(host(xs.grad), ref_grads(x, w, g, 1, 1)[0], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n,c,o,h,w,p", WINO_CASES)
def test_winograd_weight_grad_with_and_without_kept_v(n, c, o, h, w, p):
    """dL/dW from the forward's V and from x alone (V recomputed: the double-backward path)."""
    x, wt = rand_array((n, c, h, w), seed=24), rand_array((o, c, 3, 3), seed=25)
    pads = ((p, p), (p, p))
    y, v, geo, _ = winograd.conv2d(numpy, x, wt, pads)
    g = rand_array(y.shape, seed=26)
    ref = ref_grads(x, wt, g, 1, p)[1]
    numpy.testing.assert_allclose(winograd.conv2d_weight_grad(numpy, g, geo, v=v), ref, rtol=1e-10, atol=1e-10)
    numpy.testing.assert_allclose(winograd.conv2d_weight_grad(numpy, g, winograd.geometry(x.shape, pads), x=x,
                                                              padding=pads), ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n,c,o,h,w,p", WINO_CASES)
def test_winograd_input_grad_reuses_the_forward_transform(n, c, o, h, w, p):
    """dL/dx through U' read in swapped slots (G J = P G) equals the direct sum, with the forward's U'
    passed in and with U' made afresh."""
    x, wt = rand_array((n, c, h, w), seed=27), rand_array((o, c, 3, 3), seed=28)
    pads = ((p, p), (p, p))
    y, _, _, u = winograd.conv2d(numpy, x, wt, pads, keep=False)
    g = rand_array(y.shape, seed=29)
    ref = ref_grads(x, wt, g, 1, p)[0]
    numpy.testing.assert_allclose(winograd.conv2d_input_grad(numpy, g, wt, pads, u=u), ref, rtol=1e-10, atol=1e-10)
    numpy.testing.assert_allclose(winograd.conv2d_input_grad(numpy, g, wt, pads), ref, rtol=1e-10, atol=1e-10)


# --- batch-inner columns: (C kh kw, N OH OW), one GEMM over the batch -----------------------------------
# (N, C, O, H, W, kernel, stride, padding): LeNet's 6 -> 16 layer, strided, padded, wider
BATCH_INNER_CASES = [
    (3, 6, 16, 14, 13, 5, 1, 0),
    (2, 3, 16, 9, 8, 3, 2, 1),
    (2, 4, 24, 7, 9, 3, 1, 2),
    (1, 2, 31, 6, 5, 1, 1, 0),
]


@pytest.mark.parametrize("n,c,o,h,w,k,s,p", BATCH_INNER_CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_batch_inner_matches_direct_sum(n, c, o, h, w, k, s, p, dtype):
    """Forward, dL/dx and dL/dW of a 16-31 output-channel NCHW layer against the direct sum; the
    columns are the batch-inner ones."""
    x, wt = rand_array((n, c, h, w), seed=40), rand_array((o, c, k, k), seed=41) / k
    _, cols = _conv_arrays(ag.tensor(0.0)._backend, x, wt, ((s, s), ((p, p), (p, p)), (1, 1), 1))
    assert isinstance(cols, tuple) and cols[0] == "batch_inner"
    xs = ag.tensor(x.astype(dtype), requires_grad=True)
    ws = ag.tensor(wt.astype(dtype), requires_grad=True)
    y = F.conv2d(xs, ws, stride=s, padding=p)
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    numpy.testing.assert_allclose(host(y), ref_conv(x, wt, s, p), **tol)
    g = rand_array(tuple(y.shape), seed=42)
    y.backward(ag.tensor(g.astype(dtype)))
    gx, gw = ref_grads(x, wt, g, s, p)
    numpy.testing.assert_allclose(host(xs.grad), gx, **tol)
    numpy.testing.assert_allclose(host(ws.grad), gw, **tol)


@pytest.mark.parametrize("n,c,o,h,w,k,s,p", BATCH_INNER_CASES)
def test_batch_inner_weight_grad_from_kept_and_recomputed_columns(n, c, o, h, w, k, s, p):
    """dL/dW from the forward's columns and from x alone (the double-backward path) agree."""
    backend = ag.tensor(0.0)._backend
    geom = ((s, s), ((p, p), (p, p)), (1, 1), 1)
    x, wt = rand_array((n, c, h, w), seed=43), rand_array((o, c, k, k), seed=44)
    y, cols = _conv_arrays(backend, x, wt, geom)
    g = rand_array(y.shape, seed=45)
    ref = ref_grads(x, wt, g, s, p)[1]
    for kept in (cols, None):
        numpy.testing.assert_allclose(_conv_weight_arrays(backend, x, g, (k, k), geom, kept), ref,
                                      rtol=1e-10, atol=1e-10)


def test_batch_inner_only_from_16_channels():
    """LeNet's 1 -> 6 layer keeps the per-sample GEMMs (measured faster there)."""
    x, wt = rand_array((2, 1, 12, 12), seed=46), rand_array((6, 1, 5, 5), seed=47)
    _, cols = _conv_arrays(ag.tensor(0.0)._backend, x, wt, ((1, 1), ((2, 2), (2, 2)), (1, 1), 1))
    assert not isinstance(cols, tuple) and cols.shape == (2, 1, 5, 5, 12, 12)


def test_batch_inner_gradcheck_and_gradgradcheck(device):
    x, w, b = rand_array((2, 3, 6, 5), seed=48), rand_array((16, 3, 3, 3), seed=49) / 3, rand_array((16,), seed=50)
    check_grads(lambda x, w, b: F.conv2d(x, w, b, padding=1), x, w, b, device=device, fast_mode=True)


@pytest.mark.parametrize("kernel,stride,padding,dilation", [
    ((5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1)),
    ((3, 2), (1, 2), ((1, 0), (2, 1)), (2, 1)),
    ((3, 3), (2, 1), ((1, 1), (0, 2)), (1, 2)),
    ((1, 3), (1, 1), ((0, 0), (-1, 1)), (1, 1)),  # a negative padding crops
])
@pytest.mark.parametrize("batch_inner", [False, True])
def test_im2col_two_step_copy(kernel, stride, padding, dilation, batch_inner):
    """The CPU im2col (two copies for a row stride of 1; batch-inner or not) equals the windows taken one
    kernel position at a time from the padded input (written out here), element for element."""
    x = rand_array((3, 2, 9, 8), seed=51)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    (top, bottom), (left, right) = padding
    xpad = numpy.full((3, 2, 9 + top + bottom, 8 + left + right), 0.5)  # a negative width crops that side
    xpad[:, :, max(top, 0):max(top, 0) + 9 + min(top, 0) + min(bottom, 0),
         max(left, 0):max(left, 0) + 8 + min(left, 0) + min(right, 0)] = \
        x[:, :, max(-top, 0):9 - max(-bottom, 0), max(-left, 0):8 - max(-right, 0)]
    oh, ow = (xpad.shape[2] - dh * (kh - 1) - 1) // sh + 1, (xpad.shape[3] - dw * (kw - 1) - 1) // sw + 1
    ref = numpy.empty((3, 2, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            ref[:, :, i, j] = xpad[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
    got = im2col_strided(numpy, x, kernel, stride, padding, dilation, 0.5, batch_inner=batch_inner)
    assert got.flags.c_contiguous
    numpy.testing.assert_array_equal(got, ref.transpose(1, 2, 3, 0, 4, 5) if batch_inner else ref)
