"""interpolate / Upsample, the padding layers, adaptive max pooling (1-D, 2-D), adaptive_avg_pool1d and
pixel (un)shuffle: gradients of first and second order, PyTorch as an oracle (functional and modules,
float32 and float64, every mode and align_corners setting), reprs, errors, and a run on the strict
device (device-generic code: a NumPy-only call fails there)."""

import numpy
import pytest
import strict_device as sd
from strict_device import STRICT
from test_device_generic import mirror

import autograd_core as ag
import backends
import nn
import nn.functional as F
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip


def distinct(shape, seed=0):
    """float64 values pairwise at least 0.01 apart (max pooling stays smooth under a 1e-6 perturbation)."""
    rng = numpy.random.default_rng(seed)
    n = int(numpy.prod(shape))
    return (rng.permutation(n) * 0.01 - n * 0.005 + rng.uniform(0, 0.002, n)).reshape(shape)


# (mode, input shape, keyword arguments): up and down sampling, non-integer factors, H != W
INTERP_CASES = [
    ("nearest", (2, 2, 5), dict(size=9)),
    ("nearest", (2, 2, 7), dict(scale_factor=0.6)),
    ("nearest", (1, 2, 4, 5), dict(scale_factor=2)),
    ("nearest", (1, 2, 5, 3), dict(size=(3, 7))),
    ("nearest", (1, 2, 4, 6), dict(scale_factor=(1.5, 0.7))),
    ("nearest-exact", (2, 2, 5), dict(size=8)),
    ("nearest-exact", (1, 2, 6, 4), dict(scale_factor=(0.5, 1.75))),
    ("nearest-exact", (1, 2, 3, 5), dict(size=(7, 2))),
    ("linear", (2, 2, 5), dict(size=9, align_corners=False)),
    ("linear", (2, 2, 5), dict(size=9, align_corners=True)),
    ("linear", (2, 2, 8), dict(scale_factor=0.45)),
    ("linear", (2, 2, 4), dict(scale_factor=2.5, align_corners=True)),
    ("linear", (2, 2, 6), dict(scale_factor=1.3, recompute_scale_factor=True)),
    ("linear", (2, 2, 6), dict(size=1, align_corners=True)),
    ("bilinear", (1, 2, 4, 5), dict(scale_factor=2)),
    ("bilinear", (1, 2, 4, 5), dict(size=(7, 3), align_corners=True)),
    ("bilinear", (1, 2, 6, 5), dict(scale_factor=(0.6, 1.7), align_corners=False)),
    ("bilinear", (1, 2, 5, 4), dict(scale_factor=1.4, align_corners=True)),
    ("bilinear", (1, 2, 5, 6), dict(size=(5, 9))),  # H unchanged: a copy along H
    ("area", (1, 2, 6, 7), dict(size=(4, 3))),
    ("area", (2, 2, 7), dict(scale_factor=0.5)),
]
IDS = [f"{m}-{s}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for m, s, kw in INTERP_CASES]


# --- gradcheck / gradgradcheck --------------------------------------------------------------------------
@pytest.mark.parametrize("mode,shape,kw", INTERP_CASES, ids=IDS)
def test_interpolate_grads(mode, shape, kw, device):
    check_grads(lambda x: F.interpolate(x, mode=mode, **kw), rand_array(shape), device=device)


@pytest.mark.parametrize("size,out", [((7, 9), (3, 4)), ((6, 6), 2), ((6, 5), (None, 3)), ((4, 5), (6, 7)),
                                      ((5, 7), 1), ((8, 6), (4, 3))])
def test_adaptive_max_pool2d_grads(size, out, device):
    check_grads(lambda x: F.adaptive_max_pool2d(x, out), distinct((2, 2) + size), device=device)


@pytest.mark.parametrize("length,out", [(9, 4), (8, 4), (5, 7), (7, 1), (10, 3)])
def test_adaptive_pool1d_grads(length, out, device):
    check_grads(lambda x: F.adaptive_max_pool1d(x, out), distinct((2, 3, length)), device=device)
    check_grads(lambda x: F.adaptive_avg_pool1d(x, out), distinct((2, 3, length)), device=device)


@pytest.mark.parametrize("r,shape", [(2, (2, 8, 3, 2)), (3, (1, 9, 2, 3)), (2, (4, 3, 2)), (1, (2, 3, 2, 2))])
def test_pixel_shuffle_grads(r, shape, device):
    check_grads(lambda x: F.pixel_shuffle(x, r), rand_array(shape), device=device)
    c, h, w = shape[-3:]
    unshuffled = shape[:-3] + (c // (r * r), h * r, w * r)
    check_grads(lambda x: F.pixel_unshuffle(x, r), rand_array(unshuffled), device=device)


PAD_CASES = [
    (nn.ZeroPad1d, (2,), (2, 3, 4)),
    (nn.ConstantPad1d, ((1, 3), 1.5), (3, 4)),
    (nn.ZeroPad2d, ((1, 0, 2, 1),), (2, 2, 3, 4)),
    (nn.ConstantPad2d, (1, -0.5), (2, 3, 3)),
    (nn.ConstantPad2d, ((-1, 2, 0, 1), 2.0), (1, 2, 3, 4)),
    (nn.ReflectionPad1d, ((3, 1),), (2, 2, 4)),
    (nn.ReflectionPad2d, (2,), (1, 2, 3, 4)),
    (nn.ReflectionPad2d, ((1, 3, 0, 2),), (2, 3, 5)),
    (nn.ReplicationPad1d, ((4, 2),), (2, 2, 3)),
    (nn.ReplicationPad2d, ((1, 2, 3, 0),), (1, 2, 2, 3)),
    (nn.CircularPad1d, ((3, 2),), (2, 2, 3)),
    (nn.CircularPad2d, ((1, 2, 2, 1),), (1, 2, 3, 4)),
]
PAD_IDS = [f"{cls.__name__}-{args}" for cls, args, _ in PAD_CASES]


@pytest.mark.parametrize("cls,args,shape", PAD_CASES, ids=PAD_IDS)
def test_padding_grads(cls, args, shape, device):
    check_grads(cls(*args), rand_array(shape), device=device)


# --- PyTorch as the oracle ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode,shape,kw", INTERP_CASES, ids=IDS)
def test_interpolate_matches_torch(mode, shape, kw, device):
    torch = torch_or_skip()
    compare_with_torch(lambda x: F.interpolate(x, mode=mode, **kw),
                       lambda x: torch.nn.functional.interpolate(x, mode=mode, **kw), rand_array(shape),
                       device=device)


def _sweep():
    """Every mode and align_corners setting over sizes 1..6 -> 1..9 and scale factors below and above 1."""
    cases = []
    for mode, nd in (("nearest", 1), ("nearest", 2), ("nearest-exact", 1), ("nearest-exact", 2), ("linear", 1),
                     ("bilinear", 2)):
        for align in ((None,) if "nearest" in mode else (False, True)):
            for n in range(1, 7):
                shape = (1, 2, n) if nd == 1 else (1, 2, n, 8 - n)
                for kw in [dict(size=o) for o in (1, 2, 3, 5, 8, 9)] + \
                          [dict(scale_factor=s) for s in (0.5, 0.75, 1.5, 2, 2.25, 3)] + \
                          [dict(scale_factor=1.6, recompute_scale_factor=True)]:
                    if "scale_factor" in kw and int(n * kw["scale_factor"]) < 1:
                        continue
                    cases.append((mode, shape, dict(kw, **({} if align is None else dict(align_corners=align)))))
    return cases


def _torch_backward_disagrees(mode, shape, kw):
    """PyTorch's 1-D nearest backward copies (or halves i) when the output has the input's size (or twice
    it) even where a scale factor makes its forward read other pixels; our gradient is our forward's
    (which is PyTorch's forward), so there only the forward is compared (gradcheck covers the rest)."""
    s = kw.get("scale_factor")
    return mode == "nearest" and len(shape) == 3 and s is not None and not kw.get("recompute_scale_factor") and \
        int(shape[-1] * s) in (shape[-1], 2 * shape[-1]) and int(shape[-1] * s) != shape[-1] * s


def test_interpolate_sweep_matches_torch(device):
    torch = torch_or_skip()
    for i, (mode, shape, kw) in enumerate(_sweep()):
        a = rand_array(shape, seed=i)
        fn = lambda x: F.interpolate(x, mode=mode, **kw)  # noqa: E731
        tfn = lambda x: torch.nn.functional.interpolate(x, mode=mode, **kw)  # noqa: E731
        if _torch_backward_disagrees(mode, shape, kw):
            for dt in ("float32", "float64"):
                y = fn(ag.tensor(a, dtype=dt, device=device))
                numpy.testing.assert_array_equal(host(y), host(tfn(torch.tensor(a, dtype=getattr(torch, dt)))))
            check_grads(fn, a, device=device)
            continue
        compare_with_torch(fn, tfn, a, device=device)


@pytest.mark.parametrize("make", [
    lambda m: m.Upsample(scale_factor=2),
    lambda m: m.Upsample(size=(5, 7), mode="bilinear"),
    lambda m: m.Upsample(scale_factor=(1.5, 0.5), mode="bilinear", align_corners=True),
    lambda m: m.Upsample(scale_factor=1.7, mode="nearest-exact"),
    lambda m: m.UpsamplingNearest2d(size=(6, 3)),
    lambda m: m.UpsamplingNearest2d(scale_factor=3),
    lambda m: m.UpsamplingBilinear2d(scale_factor=2),
    lambda m: m.UpsamplingBilinear2d(size=(3, 9)),
    lambda m: m.PixelShuffle(2),
    lambda m: m.PixelUnshuffle(2),
    lambda m: m.AdaptiveMaxPool2d((3, None)),
    lambda m: m.AdaptiveMaxPool2d(2),
    lambda m: m.AdaptiveAvgPool2d((3, 5)),
], ids=["up2", "up_size_bilinear", "up_bilinear_ac", "up_exact", "nearest2d_size", "nearest2d_scale",
        "bilinear2d_scale", "bilinear2d_size", "shuffle", "unshuffle", "amax2d_none", "amax2d", "aavg2d"])
def test_modules_2d_match_torch(make, device):
    torch = torch_or_skip()
    compare_with_torch(make(nn), make(torch.nn), rand_array((2, 4, 4, 6)), device=device)


@pytest.mark.parametrize("make", [
    lambda m: m.Upsample(scale_factor=2.5, mode="linear"),
    lambda m: m.Upsample(size=4, mode="linear", align_corners=True),
    lambda m: m.Upsample(size=13),
    lambda m: m.AdaptiveMaxPool1d(4),
    lambda m: m.AdaptiveAvgPool1d(3),
    lambda m: m.AdaptiveAvgPool1d(9),
], ids=["linear", "linear_ac", "nearest", "amax1d", "aavg1d", "aavg1d_up"])
def test_modules_1d_match_torch(make, device):
    torch = torch_or_skip()
    compare_with_torch(make(nn), make(torch.nn), rand_array((2, 3, 7)), device=device)


@pytest.mark.parametrize("cls,args,shape", PAD_CASES, ids=PAD_IDS)
def test_padding_matches_torch(cls, args, shape, device):
    torch = torch_or_skip()
    compare_with_torch(cls(*args), getattr(torch.nn, cls.__name__)(*args), rand_array(shape), device=device)


@pytest.mark.parametrize("nd,size,out", [(2, (7, 9), (3, 4)), (2, (6, 4), (None, 3)), (2, (4, 5), (6, 7)),
                                         (2, (8, 6), (4, 3)), (2, (5, 5), 1), (1, (11,), 4), (1, (6,), 3),
                                         (1, (4,), 6)])
def test_adaptive_max_pool_indices_and_ties_match_torch(nd, size, out, device):
    torch = torch_or_skip()
    fn, tfn = (F.adaptive_max_pool2d, torch.nn.functional.adaptive_max_pool2d) if nd == 2 else \
        (F.adaptive_max_pool1d, torch.nn.functional.adaptive_max_pool1d)
    for arr in (rand_array((2, 3) + size), numpy.round(rand_array((2, 3) + size, seed=4))):  # second: ties
        for batched in (True, False):
            a = arr if batched else arr[0]
            y, idx = fn(ag.tensor(a, device=device, requires_grad=True), out, return_indices=True)
            ty, tidx = tfn(torch.tensor(a), out, return_indices=True)
            assert idx.dtype == ag.int64 and not idx.requires_grad
            numpy.testing.assert_array_equal(host(idx), tidx.numpy())
            numpy.testing.assert_allclose(host(y), ty.numpy(), rtol=1e-6)
        compare_with_torch(lambda x: fn(x, out), lambda x: tfn(x, out), arr, device=device)


def test_pixel_shuffle_matches_torch_and_inverts(device):
    torch = torch_or_skip()
    a = rand_array((2, 1, 18, 4, 3))
    compare_with_torch(lambda x: F.pixel_shuffle(x, 3), lambda x: torch.nn.functional.pixel_shuffle(x, 3), a,
                       device=device)
    b = rand_array((3, 6, 4))
    compare_with_torch(lambda x: F.pixel_unshuffle(x, 2), lambda x: torch.nn.functional.pixel_unshuffle(x, 2), b,
                       device=device)
    x = ag.tensor(a, device=device)
    numpy.testing.assert_array_equal(host(F.pixel_unshuffle(F.pixel_shuffle(x, 3), 3)), a)


# --- semantics a user relies on ---------------------------------------------------------------------------
def test_interpolate_keeps_dtype_and_copies(device):
    x = ag.tensor(rand_array((1, 2, 3, 4)), dtype=ag.float32, device=device, requires_grad=True)
    for mode in ("nearest", "bilinear", "nearest-exact", "area"):
        y = F.interpolate(x, size=(3, 4), mode=mode)
        assert y.dtype == ag.float32 and y is not x
        numpy.testing.assert_array_equal(host(y), host(x))
    y = F.interpolate(x, scale_factor=2)
    numpy.testing.assert_array_equal(host(y)[..., ::2, ::2], host(x))


def test_align_corners_keeps_the_corners(device):
    x = ag.tensor(rand_array((1, 1, 4, 5)), device=device)
    y = host(F.interpolate(x, size=(7, 11), mode="bilinear", align_corners=True))
    xs = host(x)
    for (i, j), (k, m) in [((0, 0), (0, 0)), ((0, -1), (0, -1)), ((-1, 0), (-1, 0)), ((-1, -1), (-1, -1))]:
        assert y[0, 0, i, j] == pytest.approx(xs[0, 0, k, m], abs=1e-12)
    # linear in the position: the midpoint of two rows is their mean
    assert y[0, 0, 1, 0] == pytest.approx((xs[0, 0, 0, 0] + xs[0, 0, 1, 0]) / 2, abs=1e-12)


def test_reprs():
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True)) == \
        "Upsample(size=(3, 4), mode='bilinear')"
    assert repr(nn.Upsample(scale_factor=(2, 3))) == "Upsample(scale_factor=(2.0, 3.0), mode='nearest')"
    assert repr(nn.UpsamplingNearest2d(scale_factor=2)) == "UpsamplingNearest2d(scale_factor=2.0, mode='nearest')"
    assert repr(nn.UpsamplingBilinear2d(size=5)) == "UpsamplingBilinear2d(size=5, mode='bilinear')"
    assert nn.UpsamplingBilinear2d(size=5).align_corners is True
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert repr(nn.PixelUnshuffle(3)) == "PixelUnshuffle(downscale_factor=3)"
    assert repr(nn.AdaptiveMaxPool2d((3, None))) == "AdaptiveMaxPool2d(output_size=(3, None))"
    assert repr(nn.AdaptiveMaxPool1d(3, return_indices=True)) == "AdaptiveMaxPool1d(output_size=3)"
    assert repr(nn.AdaptiveAvgPool1d(4)) == "AdaptiveAvgPool1d(output_size=4)"
    assert repr(nn.ZeroPad1d(2)) == "ZeroPad1d((2, 2))"
    assert repr(nn.ZeroPad2d((1, 2, 3, 4))) == "ZeroPad2d((1, 2, 3, 4))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(nn.ConstantPad2d(1, 0.0)) == "ConstantPad2d(padding=(1, 1, 1, 1), value=0.0)"
    assert repr(nn.ReflectionPad1d((1, 2))) == "ReflectionPad1d((1, 2))"
    assert repr(nn.ReflectionPad2d(1)) == "ReflectionPad2d((1, 1, 1, 1))"
    assert repr(nn.ReplicationPad2d(1)) == "ReplicationPad2d((1, 1, 1, 1))"
    assert repr(nn.CircularPad1d(2)) == "CircularPad1d((2, 2))"
    assert nn.ReplicationPad1d(2).padding == (2, 2)


def test_reprs_match_torch():
    torch = torch_or_skip()
    for name, args in [("Upsample", (None, 1.5, "bilinear")), ("UpsamplingNearest2d", ((2, 3),)),
                       ("ZeroPad2d", (3,)), ("ConstantPad1d", ((1, 2), -1.0)), ("CircularPad2d", ((1, 2, 3, 4),)),
                       ("AdaptiveMaxPool2d", ((None, 4),)), ("PixelShuffle", (4,))]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_exports():
    for name in ("interpolate", "pixel_shuffle", "pixel_unshuffle", "adaptive_max_pool1d", "adaptive_max_pool2d",
                 "adaptive_avg_pool1d"):
        assert callable(getattr(F, name))
    for name in ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
                 "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveAvgPool1d", "ZeroPad1d", "ZeroPad2d",
                 "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
                 "ReplicationPad2d", "CircularPad1d", "CircularPad2d"):
        assert issubclass(getattr(nn, name), nn.Module)


# --- errors name what was passed --------------------------------------------------------------------------
X3 = ag.tensor(numpy.zeros((1, 2, 5)))
X4 = ag.tensor(numpy.zeros((1, 8, 3, 4)))


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.interpolate(X4, size=(6, 8), scale_factor=2), ValueError, r"only one of size or scale_factor.*"
                                                                         r"size=\(6, 8\).*scale_factor=2"),
    (lambda: F.interpolate(X4), ValueError, "either size or scale_factor"),
    (lambda: F.interpolate(X4, scale_factor=2, align_corners=True), ValueError,
     "align_corners=True with mode='nearest'"),
    (lambda: F.interpolate(X4, size=3, mode="nearest-exact", align_corners=False), ValueError,
     "align_corners=False with mode='nearest-exact'"),
    (lambda: F.interpolate(X4, size=3, mode="linear"), NotImplementedError, r"'linear' needs a 3-D input.*"
                                                                            r"\(1, 8, 3, 4\)"),
    (lambda: F.interpolate(X3, size=3, mode="bilinear"), NotImplementedError, r"'bilinear' needs a 4-D.*\(1, 2, 5\)"),
    (lambda: F.interpolate(X4, size=3, mode="bicubic"), ValueError, "unknown mode 'bicubic'"),
    (lambda: F.interpolate(ag.zeros(2, 3), size=3), ValueError, r"got shape \(2, 3\) \(2-D\)"),
    (lambda: F.interpolate(X4, size=(3, 4, 5)), ValueError, r"size=\(3, 4, 5\) has 3 entries"),
    (lambda: F.interpolate(X4, size=0), ValueError, "size must be positive ints.*got 0"),
    (lambda: F.interpolate(X4, scale_factor=-1.5), ValueError, "scale_factor must be positive.*got -1.5"),
    (lambda: F.interpolate(X4, scale_factor=0.1), ValueError, r"scale_factor=0.1 gives an empty output \(0, 0\)"),
    (lambda: F.interpolate(X4, size=6, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor=True is not meaningful.*size=6"),
    (lambda: F.interpolate(X4, size=6, antialias=True), NotImplementedError, "antialias=True"),
    (lambda: F.pixel_shuffle(ag.zeros(1, 6, 2, 2), 2), ValueError,
     r"channels \(6.*upscale_factor squared \(2\^2 = 4\)"),
    (lambda: F.pixel_shuffle(ag.zeros(4, 2), 2), ValueError, r"at least 3 dimensions.*\(4, 2\)"),
    (lambda: F.pixel_shuffle(X4, 0), ValueError, "upscale_factor must be a positive int, got 0"),
    (lambda: F.pixel_unshuffle(ag.zeros(1, 1, 4, 5), 2), ValueError, r"\(4, 5.*divisible by downscale_factor \(2\)"),
    (lambda: F.adaptive_max_pool2d(X3[0], 2), ValueError, r"3-D \(unbatched\) or 4-D.*got shape \(2, 5\)"),
    (lambda: F.adaptive_max_pool2d(X4, (2, 0)), ValueError, r"output_size must be positive.*\(2, 0\)"),
    (lambda: F.adaptive_max_pool2d(X4, (1, 2, 3)), ValueError, r"an int or a pair, got \(1, 2, 3\)"),
    (lambda: F.adaptive_max_pool1d(X3, None), ValueError, "output_size must be a positive int, got None"),
    (lambda: F.adaptive_avg_pool1d(X4, 2), ValueError, r"2-D \(unbatched\) or 3-D .*\(1, 8, 3, 4\)"),
    (lambda: F.adaptive_max_pool1d(ag.zeros(2, 3, dtype=ag.int64), 2), TypeError, "floating-point.*int64"),
    (lambda: nn.ReflectionPad1d(5)(X3), ValueError, r"ReflectionPad1d\(padding=\(5, 5\)\).*reflect padding \(5, 5\).*"
                                                    r"smaller than the dim's size 5"),
    (lambda: nn.ReflectionPad2d((1, 1, 3, 3))(X4), ValueError, r"padding \(3, 3\).*size 3"),
    (lambda: nn.CircularPad1d(6)(X3), ValueError, r"circular padding \(6, 6\).*at most the dim's size 5"),
    (lambda: nn.ReplicationPad2d((1, 2)), ValueError, r"4-tuple of ints \(left, right, top, bottom\), got \(1, 2\)"),
    (lambda: nn.ZeroPad1d(1.5), ValueError, r"int or a 2-tuple.*got 1.5"),
    (lambda: nn.ReflectionPad2d(1)(X3[0]), ValueError, r"3-D \(unbatched\) or 4-D \(batched\) input, got shape "
                                                       r"\(2, 5\)"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- the strict device: device-generic code only ------------------------------------------------------------
@pytest.fixture
def dut(device):
    """The strict device by default (NumPy-only calls and hidden host copies fail), the real one with
    ``--device cuda``."""
    with sd.registered():
        yield STRICT if device == "cpu" else backends.get_backend(device)


@pytest.mark.parametrize("mode,shape,kw", INTERP_CASES, ids=IDS)
def test_interpolate_on_strict_device(mode, shape, kw, dut):
    mirror(lambda x: F.interpolate(x, mode=mode, **kw), rand_array(shape), dut=dut)
    mirror(lambda x: F.interpolate(x, mode=mode, **kw), rand_array(shape).astype(numpy.float32), dut=dut,
           rtol=1e-6, atol=1e-6)


def test_pooling_shuffle_padding_on_strict_device(dut):
    x4, x3 = distinct((2, 4, 7, 6)), distinct((2, 3, 9))
    mirror(lambda x: [F.adaptive_max_pool2d(x, (3, 4), return_indices=True), F.adaptive_max_pool2d(x[0], 2),
                      F.adaptive_max_pool2d(x, (None, 3))], x4, dut=dut)
    mirror(lambda x: [F.adaptive_max_pool1d(x, 4, return_indices=True), F.adaptive_max_pool1d(x, 3),
                      F.adaptive_avg_pool1d(x, 4), F.adaptive_avg_pool1d(x[0], 2)], x3, dut=dut)
    mirror(lambda x: [F.pixel_shuffle(x, 2), F.pixel_unshuffle(x[:, :, :6], 2)], x4, dut=dut)
    mirror(lambda x: [cls(*args)(x) for cls, args, _ in PAD_CASES if cls.__name__.endswith("2d")], x4, dut=dut)
    mirror(lambda x: [m(x) for m in (nn.Upsample(scale_factor=1.5, mode="bilinear"), nn.UpsamplingBilinear2d(size=9),
                                     nn.UpsamplingNearest2d(scale_factor=2))], x4, dut=dut)
