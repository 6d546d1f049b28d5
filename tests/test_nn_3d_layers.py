"""BatchNorm3d, InstanceNorm3d, Dropout3d, the 3-D padding layers and interpolate on volumes (trilinear,
nearest, nearest-exact, area): PyTorch as an oracle, gradcheck and gradgradcheck in float64, running
statistics, reprs and state_dict keys, and the errors a user can cause."""

import numpy
import pytest

import autograd_core as ag
import checks
import nn
import nn.functional as F
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip
from nn.functional import interpolate

SHAPE = (3, 2, 4, 3, 5)  # (N, C, D, H, W), D != H != W


# --- BatchNorm3d ------------------------------------------------------------------------------------------
def test_batchnorm3d_repr_keys_and_defaults(device):
    m = nn.BatchNorm3d(4, device=device)
    assert repr(m) == "BatchNorm3d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert host(m.weight).tolist() == [1.0] * 4 and host(m.bias).tolist() == [0.0] * 4
    assert host(m.running_var).tolist() == [1.0] * 4 and m.num_batches_tracked.dtype == ag.int64
    m2 = nn.BatchNorm3d(4, affine=False, track_running_stats=False, device=device)
    assert repr(m2) == "BatchNorm3d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    assert list(m2.state_dict()) == []
    assert list(nn.BatchNorm3d(4, bias=False).state_dict()) == ["weight", "running_mean", "running_var",
                                                                 "num_batches_tracked"]
    if checks.torch is not None:
        for kwargs in ({}, dict(affine=False, track_running_stats=False), dict(bias=False, momentum=None)):
            assert repr(nn.BatchNorm3d(4, **kwargs)) == repr(checks.torch.nn.BatchNorm3d(4, **kwargs))
            assert list(nn.BatchNorm3d(4, **kwargs).state_dict()) == \
                list(checks.torch.nn.BatchNorm3d(4, **kwargs).state_dict())


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm3d_training_step_matches_torch(momentum, device):
    torch = torch_or_skip()
    x = rand_array(SHAPE, seed=1) * 3 + 1
    g = rand_array(SHAPE, seed=2)
    m = nn.BatchNorm3d(2, momentum=momentum, device=device, dtype=ag.float64)
    tm = torch.nn.BatchNorm3d(2, momentum=momentum).double()
    xs, ts = ag.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    for _ in range(2):  # two steps: with momentum=None the second is a cumulative average
        y, ty = m(xs), tm(ts)
        numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.backward(ag.tensor(g, device=device))
    ty.backward(torch.tensor(g))
    numpy.testing.assert_allclose(host(xs.grad), ts.grad.numpy(), rtol=1e-9, atol=1e-11)
    for name in ("running_mean", "running_var"):
        numpy.testing.assert_allclose(host(getattr(m, name)), getattr(tm, name).numpy(), rtol=1e-12)
    assert int(m.num_batches_tracked) == int(tm.num_batches_tracked) == 2
    for a, b in ((m.weight.grad, tm.weight.grad), (m.bias.grad, tm.bias.grad)):
        numpy.testing.assert_allclose(host(a), b.numpy(), rtol=1e-9, atol=1e-11)
    m.eval()
    tm.eval()
    numpy.testing.assert_allclose(host(m(xs)), tm(ts).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_batchnorm3d_float32_matches_torch(device):
    torch = torch_or_skip()
    compare_with_torch(lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
                       lambda x, w, b: torch.nn.functional.batch_norm(x, None, None, w, b, True),
                       rand_array(SHAPE, seed=3), rand_array((2,), seed=4), rand_array((2,), seed=5), device=device,
                       dtypes=("float32",))


def test_batchnorm3d_grads_train_and_eval(device):
    x, w, b = rand_array((2, 2, 3, 2, 4), seed=6), rand_array((2,), seed=7), rand_array((2,), seed=8)
    check_grads(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), x, w, b, device=device)
    rm = ag.tensor(rand_array((2,), seed=9), device=device)
    rv = ag.tensor(rand_array((2,), seed=10, low=0.5, high=2.0), device=device)
    check_grads(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False), x, w, b, device=device)
    m = nn.BatchNorm3d(2, affine=False, device=device, dtype=ag.float64)
    check_grads(m, x, device=device)


def test_batchnorm3d_errors(device):
    m = nn.BatchNorm3d(3, device=device)
    with pytest.raises(ValueError, match=r"BatchNorm3d: expected 5D input \(got 4D input\)"):
        m(ag.randn(3, 4, 5, 6, device=device))
    with pytest.raises(ValueError, match=r"BatchNorm3d: the input has 2 channels \(shape \(2, 2, 3, 3, 3\)\) but the "
                                         r"layer was built for num_features=3"):
        m(ag.randn(2, 2, 3, 3, 3, device=device))
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training"):
        m(ag.randn(1, 3, 1, 1, 1, device=device))
    with pytest.raises(ValueError, match=r"BatchNorm3d: num_features must be a positive int, got 0"):
        nn.BatchNorm3d(0)


# --- InstanceNorm3d --------------------------------------------------------------------------------------
def test_instancenorm3d_matches_torch(device):
    torch = torch_or_skip()
    x = rand_array(SHAPE, seed=11) * 2 - 1
    for kwargs in ({}, dict(affine=True), dict(affine=True, track_running_stats=True)):
        m = nn.InstanceNorm3d(2, **kwargs, device=device, dtype=ag.float64)
        tm = torch.nn.InstanceNorm3d(2, **kwargs).double()
        assert repr(m) == repr(tm) and list(m.state_dict()) == list(tm.state_dict())
        compare_with_torch(m, tm, x, device=device, dtypes=("float64",))
        if kwargs.get("track_running_stats"):
            numpy.testing.assert_allclose(host(m.running_mean), tm.running_mean.numpy(), rtol=1e-12)
            numpy.testing.assert_allclose(host(m.running_var), tm.running_var.numpy(), rtol=1e-12)
            m.eval()
            tm.eval()
            compare_with_torch(m, tm, x, device=device, dtypes=("float64",))
        compare_with_torch(m, tm, x[0], device=device, dtypes=("float64",))  # unbatched (C, D, H, W)


def test_instancenorm3d_repr_grads_and_errors(device):
    assert repr(nn.InstanceNorm3d(4)) == \
        "InstanceNorm3d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    m = nn.InstanceNorm3d(2, affine=True, device=device, dtype=ag.float64)
    check_grads(m, rand_array((2, 2, 3, 2, 2), seed=12), device=device)
    with pytest.raises(ValueError, match=r"InstanceNorm3d: expected 4D \(unbatched\) or 5D \(batched\) input, got "
                                         r"3D input of shape \(2, 3, 4\)"):
        m(ag.randn(2, 3, 4, device=device, dtype=ag.float64))
    with pytest.raises(ValueError, match=r"InstanceNorm3d: expected the input's size at dim=1 to match num_features "
                                         r"\(2\), but got 3"):
        m(ag.randn(1, 3, 2, 2, 2, device=device, dtype=ag.float64))


# --- Dropout3d -------------------------------------------------------------------------------------------------
def test_dropout3d_drops_whole_channels(device):
    x = ag.ones(8, 16, 2, 3, 4, device=device, requires_grad=True)
    m = nn.Dropout3d(0.25)
    assert repr(m) == "Dropout3d(p=0.25, inplace=False)"
    y = m(x)
    v = host(y).reshape(8, 16, -1)
    assert set(numpy.unique(v).tolist()) <= {0.0, float(numpy.float32(1 / 0.75))}
    assert (v == v[:, :, :1]).all()  # one draw per (sample, channel)
    assert 0 < (v[:, :, 0] == 0).sum() < 8 * 16
    y.sum().backward()
    numpy.testing.assert_array_equal(host(x.grad), host(y))  # dL/dx = r / (1 - p)
    assert F.dropout3d(x[0], 0.5).shape == (16, 2, 3, 4)  # unbatched
    m.eval()
    assert m(x) is x and F.dropout3d(x, 0.5, training=False) is x
    assert not host(F.dropout3d(x, 1.0)).any()
    ag.manual_seed(5)
    a = host(F.dropout3d(x, 0.5))
    ag.manual_seed(5)
    numpy.testing.assert_array_equal(host(F.dropout3d(x, 0.5)), a)  # seeded: reproducible


def test_dropout3d_errors(device):
    with pytest.raises(ValueError, match=r"dropout3d: expected a 4D \(C, D, H, W\) or 5D \(N, C, D, H, W\) input, got "
                                         r"shape \(2, 3, 4\) \(3D\)"):
        F.dropout3d(ag.randn(2, 3, 4, device=device))
    with pytest.raises(ValueError, match=r"Dropout3d: dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout3d(1.5)


# --- padding -------------------------------------------------------------------------------------------------
PADS = [
    ("ZeroPad3d", (1,), "ZeroPad3d((1, 1, 1, 1, 1, 1))"),
    ("ZeroPad3d", ((1, 0, 2, 1, 0, 2),), "ZeroPad3d((1, 0, 2, 1, 0, 2))"),
    ("ConstantPad3d", ((1, 2, 0, 1, 2, -1), 2.5), "ConstantPad3d(padding=(1, 2, 0, 1, 2, -1), value=2.5)"),
    ("ReflectionPad3d", ((1, 2, 2, 1, 0, 2),), "ReflectionPad3d((1, 2, 2, 1, 0, 2))"),
    ("ReplicationPad3d", (2,), "ReplicationPad3d((2, 2, 2, 2, 2, 2))"),
    ("CircularPad3d", ((1, 2, 3, 0, 2, 1),), "CircularPad3d((1, 2, 3, 0, 2, 1))"),
]


@pytest.mark.parametrize("name,args,text", PADS)
def test_padding3d_layers(name, args, text, device):
    m = getattr(nn, name)(*args)
    assert repr(m) == text
    x = rand_array(SHAPE, seed=13)
    check_grads(m, x[:1], device=device)
    if checks.torch is None:
        return
    tm = getattr(checks.torch.nn, name)(*args)
    assert repr(tm) == text
    compare_with_torch(m, tm, x, device=device)
    compare_with_torch(m, tm, x[0], device=device)  # unbatched (C, D, H, W)


def test_padding3d_errors(device):
    with pytest.raises(ValueError, match=r"ReflectionPad3d: padding must be an int or a 6-tuple of ints \(left, right, "
                                         r"top, bottom, front, back\), got \(1, 2\)"):
        nn.ReflectionPad3d((1, 2))
    with pytest.raises(ValueError, match=r"ReflectionPad3d\(padding=\(3, 3, 3, 3, 3, 3\)\): pad: reflect padding"):
        nn.ReflectionPad3d(3)(ag.randn(*SHAPE, device=device))
    with pytest.raises(ValueError, match=r"ReplicationPad3d: expected a 4-D \(unbatched\) or 5-D \(batched\) input"):
        nn.ReplicationPad3d(1)(ag.randn(3, 4, 5, device=device))


# --- interpolate on volumes -----------------------------------------------------------------------------------
INTERP = [
    ("trilinear", dict(size=(7, 2, 11)), False),
    ("trilinear", dict(scale_factor=(1.5, 2.0, 0.6)), True),
    ("trilinear", dict(scale_factor=1.7), False),
    ("nearest", dict(size=(8, 6, 4)), None),
    ("nearest", dict(scale_factor=(0.6, 2.5, 1.3)), None),
    ("nearest-exact", dict(size=(7, 5, 9)), None),
    ("area", dict(size=(3, 2, 4)), None),
]


@pytest.mark.parametrize("mode,kwargs,align", INTERP)
def test_interpolate_3d_matches_torch_and_grads(mode, kwargs, align, device):
    fn = lambda x: interpolate(x, mode=mode, align_corners=align, **kwargs)  # noqa: E731
    check_grads(fn, rand_array((1, 1, 4, 3, 5), seed=14), device=device)
    if checks.torch is not None:
        tf = checks.torch.nn.functional.interpolate
        compare_with_torch(fn, lambda x: tf(x, mode=mode, align_corners=align, **kwargs), rand_array(SHAPE, seed=15),
                           device=device)


def test_interpolate_3d_on_strict_device():
    for mode in ("trilinear", "nearest"):
        check_on_strict_device(lambda x: interpolate(x, scale_factor=(1.5, 2.0, 0.6), mode=mode),
                               [rand_array(SHAPE, seed=16)], [True])


def test_interpolate_other_ranks_unchanged(device):
    x = ag.tensor(rand_array((2, 3, 4, 5), seed=17), device=device)
    numpy.testing.assert_array_equal(host(interpolate(x, scale_factor=2, mode="bilinear")),
                                     host(F.interpolate(x, scale_factor=2, mode="bilinear")))
    with pytest.raises(NotImplementedError, match=r"interpolate: mode 'trilinear' needs a 5-D input, got shape "
                                                  r"\(2, 3, 4, 5\) \(4-D\)"):
        interpolate(x, scale_factor=2, mode="trilinear")
    v = ag.tensor(rand_array(SHAPE), device=device)
    with pytest.raises(NotImplementedError, match=r"interpolate: mode 'bilinear' needs a 4-D input"):
        interpolate(v, scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"interpolate: unknown mode 'cubic'"):
        interpolate(v, scale_factor=2, mode="cubic")
    with pytest.raises(ValueError, match=r"interpolate: align_corners can only be set with the interpolating modes"):
        interpolate(v, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match=r"interpolate: the input has 3 spatial dimensions .* but size=\(2, 2\) has "
                                         r"2 entries"):
        interpolate(v, size=(2, 2), mode="trilinear")
