"""Winograd F(4x4, 3x3) (``nn.functional.winograd4``): the CPU path of wide 3x3 stride-1 layers with
many tiles.

Checked as F(2x2, 3x3) is (test_nn_conv_winograd.py): against a direct float64 sum written out in that
file, forward, input gradient and weight gradient (kept V and V made again from x), in float64 to 1e-10
and in float32 to the transform's rounding; at the sizes where the layer picks it, and, with its tile
threshold lowered, at every small shape the F(2x2, 3x3) tests use (odd sizes, paddings 0, 1 and 2, a
one-column input). Also which layers take it, gradcheck/gradgradcheck and PyTorch as an oracle.
"""

import numpy
import pytest
from test_nn_conv_winograd import WINO_CASES, ref_conv, ref_grads

import autograd_core as ag
import nn.functional as F
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip
from nn.functional import winograd, winograd4
from nn.functional.conv_arrays import _winograd

CPU = ag.tensor(0.0)._backend

# (N, C, O, H, W, padding) where a layer picks F(4x4, 3x3) by itself: outputs that are and are not
# multiples of 4, every padding, C != O
F4_CASES = [
    (8, 16, 16, 16, 16, 1),
    (2, 16, 24, 30, 31, 1),
    (5, 17, 16, 22, 26, 0),
    (3, 16, 20, 28, 20, 2),
]


def geom(p):
    return ((1, 1), ((p, p), (p, p)), (1, 1), 1)


@pytest.fixture
def every_shape(monkeypatch):
    """F(4x4, 3x3) wherever Winograd applies at all (whatever the tile count)."""
    monkeypatch.setattr(winograd4, "usable", winograd.usable)


def test_the_cases_take_f4():
    for n, c, o, h, w, p in F4_CASES:
        assert _winograd(CPU, (n, c, h, w), (o, c, 3, 3), geom(p)) is winograd4


@pytest.mark.parametrize("shape,module", [
    ((16, 64, 32, 32, 64), winograd4),  # ResNet-18's layers at B=16: 1,024 tiles
    ((16, 128, 16, 16, 128), winograd4),  # 256 tiles
    ((16, 256, 8, 8, 256), winograd),  # 64 tiles
    ((16, 512, 4, 4, 512), winograd),  # 16 tiles
    ((1, 64, 32, 32, 64), winograd),  # one sample: 64 tiles
    ((2, 64, 32, 32, 64), winograd4),  # two: 128
    ((64, 64, 5, 5, 64), winograd),  # a 5x5 output: 2x2 tiles of 4 do no less work than 3x3 of 2
    ((16, 8, 32, 32, 64), None),  # too few channels for either
])
def test_which_winograd(shape, module):
    n, c, h, w, o = shape
    assert _winograd(CPU, (n, c, h, w), (o, c, 3, 3), geom(1)) is module


def test_the_gpu_keeps_im2col():
    class GPU:
        native_col2im = True
    assert _winograd(GPU, (16, 64, 32, 32), (64, 64, 3, 3), geom(1)) is None


def _check_layer(n, c, o, h, w, p, dtype, device="cpu"):
    x, wt = rand_array((n, c, h, w), seed=1), rand_array((o, c, 3, 3), seed=2) / 6
    xs = ag.tensor(x, dtype=dtype, device=device, requires_grad=True)
    ws = ag.tensor(wt, dtype=dtype, device=device, requires_grad=True)
    y = F.conv2d(xs, ws, padding=p)
    ref = ref_conv(x, wt, 1, p)
    g = rand_array(ref.shape, seed=3)
    y.backward(ag.tensor(g, dtype=dtype, device=device))
    gx, gw = ref_grads(x, wt, g, 1, p)
    for ours, want in ((y, ref), (xs.grad, gx), (ws.grad, gw)):
        if dtype == "float64":
            numpy.testing.assert_allclose(host(ours), want, rtol=1e-10, atol=1e-10)
        else:  # the transform's rounding: a few 1e-6 of the largest value (see the module docstring)
            numpy.testing.assert_allclose(host(ours), want, rtol=0, atol=2e-5 * numpy.abs(want).max())


@pytest.mark.parametrize("n,c,o,h,w,p", F4_CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_f4_matches_direct_sum(n, c, o, h, w, p, dtype):
    _check_layer(n, c, o, h, w, p, dtype)


@pytest.mark.parametrize("n,c,o,h,w,p", WINO_CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_f4_matches_direct_sum_at_small_shapes(n, c, o, h, w, p, dtype, every_shape):
    assert _winograd(CPU, (n, c, h, w), (o, c, 3, 3), geom(p)) is winograd4
    _check_layer(n, c, o, h, w, p, dtype)


def test_f4_float32_rounding_is_a_few_ulps_of_the_largest_value():
    """The documented figure: within 1e-5 of the largest output in float32 (F(2x2, 3x3) within 1e-6)."""
    n, c, o, h, w, p = F4_CASES[1]
    x, wt = rand_array((n, c, h, w), seed=4), rand_array((o, c, 3, 3), seed=5) / 6
    ref = ref_conv(x, wt, 1, p)
    y4 = winograd4.conv2d(numpy, x.astype(numpy.float32), wt.astype(numpy.float32), geom(p)[1])[0]
    y2 = winograd.conv2d(numpy, x.astype(numpy.float32), wt.astype(numpy.float32), geom(p)[1])[0]
    scale = numpy.abs(ref).max()
    assert numpy.abs(y4 - ref).max() < 1e-5 * scale
    assert numpy.abs(y2 - ref).max() < 1e-6 * scale


@pytest.mark.parametrize("n,c,o,h,w,p", WINO_CASES + F4_CASES[1:2])
def test_f4_weight_grad_with_and_without_kept_v(n, c, o, h, w, p):
    """dL/dW from the forward's V and from x alone (V made again: the double-backward path)."""
    x, wt = rand_array((n, c, h, w), seed=6), rand_array((o, c, 3, 3), seed=7)
    pads = geom(p)[1]
    y, v, geo = winograd4.conv2d(numpy, x, wt, pads)
    assert winograd4.conv2d(numpy, x, wt, pads, keep=False)[1] is None
    g = rand_array(y.shape, seed=8)
    gx, gw = ref_grads(x, wt, g, 1, p)
    numpy.testing.assert_allclose(winograd4.conv2d_weight_grad(numpy, g, geo, v=v), gw, rtol=1e-10, atol=1e-10)
    numpy.testing.assert_allclose(winograd4.conv2d_weight_grad(numpy, g, winograd4.geometry(x.shape, pads), x=x,
                                                               padding=pads), gw, rtol=1e-10, atol=1e-10)
    numpy.testing.assert_allclose(winograd4.conv2d_input_grad(numpy, g, wt, pads), gx, rtol=1e-10, atol=1e-10)


def test_f4_output_is_channels_last_and_a_strided_conv_reads_it():
    """Like F(2x2, 3x3)'s: an (N, C, H, W) view of a channels-last array, which the next layers take."""
    x, w1 = rand_array((8, 16, 16, 16), seed=9), rand_array((32, 16, 3, 3), seed=10) / 6
    w2 = rand_array((32, 32, 3, 3), seed=11) / 9
    xs, a, b = (ag.tensor(t, requires_grad=True) for t in (x, w1, w2))
    h = F.conv2d(xs, a, padding=1)
    assert h._data.strides[1] == h._data.itemsize
    y = F.conv2d(F.relu(h), b, stride=2, padding=1)
    ra = numpy.maximum(ref_conv(x, w1, 1, 1), 0)
    numpy.testing.assert_allclose(host(y), ref_conv(ra, w2, 2, 1), rtol=1e-10, atol=1e-10)
    g = rand_array(tuple(y.shape), seed=12)
    y.backward(ag.tensor(g))
    ga, gw2 = ref_grads(ra, w2, g, 2, 1)
    gx, gw1 = ref_grads(x, w1, ga * (ra > 0), 1, 1)
    for ours, ref in ((xs.grad, gx), (a.grad, gw1), (b.grad, gw2)):
        numpy.testing.assert_allclose(host(ours), ref, rtol=1e-10, atol=1e-10)


def test_f4_gradcheck_and_gradgradcheck(every_shape):
    x, w, b = rand_array((1, 16, 5, 6), seed=13), rand_array((16, 16, 3, 3), seed=14) / 6, rand_array((16,), seed=15)
    check_grads(lambda x, w, b: F.conv2d(x, w, b, padding=1), x, w, b, fast_mode=True)


def test_f4_without_grad_and_frozen_weight():
    n, c, o, h, w, p = F4_CASES[0]
    x, wt = rand_array((n, c, h, w), seed=16), rand_array((o, c, 3, 3), seed=17) / 6
    ref = ref_conv(x, wt, 1, p)
    with ag.no_grad():
        y = F.conv2d(ag.tensor(x), ag.tensor(wt), padding=p)
    numpy.testing.assert_allclose(host(y), ref, rtol=1e-10, atol=1e-10)
    xs = ag.tensor(x, requires_grad=True)
    y = F.conv2d(xs, ag.tensor(wt), padding=p)
    g = rand_array(ref.shape, seed=18)
    y.backward(ag.tensor(g))
    numpy.testing.assert_allclose(host(xs.grad), ref_grads(x, wt, g, 1, p)[0], rtol=1e-10, atol=1e-10)


def test_f4_matches_torch():
    torch = torch_or_skip()
    arrs = [rand_array((8, 32, 16, 16), seed=19), rand_array((32, 32, 3, 3), seed=20) / 9, rand_array((32,), seed=21)]
    compare_with_torch(lambda x, w, b: F.conv2d(F.relu(F.conv2d(x, w, b, 1, 1)), w, b, 1, 1),
                       lambda x, w, b: torch.nn.functional.conv2d(
                           torch.relu(torch.nn.functional.conv2d(x, w, b, 1, 1)), w, b, 1, 1),
                       *arrs, tol={"float32": dict(rtol=1e-3, atol=1e-3)})


def test_f4_chunks_agree(monkeypatch):
    """One tile row per chunk gives what one chunk gives: forward, both gradients, and dL/dW from x alone."""
    n, c, o, h, w, p = F4_CASES[2]
    x, wt = rand_array((n, c, h, w), seed=22), rand_array((o, c, 3, 3), seed=23) / 6
    g = rand_array(ref_conv(x, wt, 1, p).shape, seed=24)
    pads = geom(p)[1]

    def run():
        xs, ws = ag.tensor(x, requires_grad=True), ag.tensor(wt, requires_grad=True)
        y = F.conv2d(xs, ws, padding=p)
        y.backward(ag.tensor(g))
        from_x = winograd4.conv2d_weight_grad(numpy, g, winograd4.geometry(x.shape, pads), x=x, padding=pads)
        return host(y), host(xs.grad), host(ws.grad), from_x

    default = run()
    assert len(winograd4._chunks(winograd4.geometry(x.shape, pads)[3], 36 * 7 * n * o * 8)) == 1
    monkeypatch.setattr(winograd4, "CHUNK_BYTES", 1)
    assert len(winograd4._chunks(5, 36 * 7 * n * o * 8)) == 5
    for a, b in zip(run(), default):
        numpy.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
