"""conv_transpose1d / conv_transpose2d, ConvTranspose1d / ConvTranspose2d, unfold / fold and Unfold / Fold:
gradients of first and second order, PyTorch as an oracle (functions and modules with copied weights),
module shapes, keys, reprs, initialisation and output_size, the errors a user can cause, and a run on
the strict device (device-generic code: a NumPy-only call or a hidden host copy fails there)."""

import copy
import itertools
import math

import numpy
import pytest
import strict_device as sd

import autograd_core as ag
import backends
import checks
import nn
import nn.functional as F
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip

F32 = {"float32": dict(rtol=2e-4, atol=2e-4)}


def ct_arrays(n, c_in, c_out, g, kernel, size, bias=True, seed=0):
    """input (n, c_in, *size), weight (c_in, c_out / g, *kernel), bias (c_out,)."""
    kernel = kernel if isinstance(kernel, tuple) else (kernel,) * len(size)
    arrs = [rand_array((n, c_in) + tuple(size), seed=seed), rand_array((c_in, c_out // g) + kernel, seed=seed + 1)]
    if bias:
        arrs.append(rand_array((c_out,), seed=seed + 2))
    return arrs


def out_len(n, k, s, p, op, d):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


# --- gradcheck and gradgradcheck ------------------------------------------------------------------------
# (kernel, stride, padding, output_padding, dilation, groups, (H, W), C_in, C_out, bias): every listed value
# of every option appears, H != W, output_padding >= stride where dilation allows it (1-D and 2-D), with and
# without bias, C_out above and below C_in.
CT2D_CASES = [
    (1, 1, 0, 0, 1, 1, (3, 2), 2, 3, True),
    (2, 1, 0, 0, 1, 2, (3, 4), 2, 4, True),
    (3, 1, 1, 0, 1, 1, (4, 3), 3, 2, False),
    (2, 2, 0, 1, 1, 1, (3, 2), 2, 2, True),
    (3, 2, 1, 1, 2, 2, (3, 4), 4, 2, True),
    (3, 3, 1, 0, 1, 1, (2, 3), 2, 3, True),
    (1, 3, 0, 1, 1, 2, (3, 2), 2, 2, False),
    (2, 3, 1, 1, 2, 1, (2, 3), 2, 2, True),
    (3, 1, 0, 1, 2, 1, (3, 2), 2, 2, True),  # output_padding >= stride: allowed by the dilation
    (3, 1, 1, 1, 2, 2, (2, 3), 2, 4, True),  # ... with padding
    ((3, 1), (2, 1), (1, 0), (1, 0), (1, 2), 1, (3, 3), 2, 3, True),  # pairs, a non-square kernel
]


def _ct2d_fn(s, p, op, d, g):
    return lambda x, w, b=None: F.conv_transpose2d(x, w, b, s, p, op, g, d)


@pytest.mark.parametrize("k,s,p,op,d,g,size,c,o,bias", CT2D_CASES)
def test_conv_transpose2d_gradcheck_and_gradgradcheck(k, s, p, op, d, g, size, c, o, bias, device):
    check_grads(_ct2d_fn(s, p, op, d, g), *ct_arrays(1, c, o, g, k, size, bias), device=device)


CT1D_CASES = [  # (kernel, stride, padding, output_padding, dilation, groups, L, C_in, C_out)
    (1, 1, 0, 0, 1, 1, 4, 2, 3),
    (2, 2, 1, 1, 1, 2, 4, 2, 2),
    (3, 3, 1, 2, 1, 1, 3, 3, 2),
    (3, 1, 0, 1, 2, 2, 4, 2, 4),
    (2, 2, 0, 3, 4, 1, 3, 2, 2),  # output_padding >= stride: its zero columns are appended
]


@pytest.mark.parametrize("k,s,p,op,d,g,length,c,o", CT1D_CASES)
def test_conv_transpose1d_gradcheck_and_gradgradcheck(k, s, p, op, d, g, length, c, o, device):
    fn = lambda x, w, b: F.conv_transpose1d(x, w, b, s, p, op, g, d)  # noqa: E731
    check_grads(fn, *ct_arrays(2, c, o, g, k, (length,)), device=device)


def test_conv_transpose_unbatched_gradcheck(device):
    x, w, b = ct_arrays(1, 2, 3, 1, 3, (3, 4), seed=5)
    check_grads(lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1), x[0], w, b, device=device)
    check_grads(lambda x, w: F.conv_transpose1d(x, w, None, 2), x[0, :, 0], w[:, :, 0], device=device)


FOLD_CASES = [  # (kernel, dilation, padding, stride, (H, W))
    (2, 1, 0, 1, (4, 3)),
    (3, 2, 1, 2, (5, 6)),
    ((2, 3), (1, 2), (1, 0), (2, 1), (4, 5)),
]


@pytest.mark.parametrize("k,d,p,s,size", FOLD_CASES)
def test_unfold_fold_gradcheck_and_gradgradcheck(k, d, p, s, size, device):
    x = rand_array((2, 2) + size, seed=2)
    check_grads(lambda x: F.unfold(x, k, d, p, s), x, device=device)
    cols = host(F.unfold(ag.tensor(x, device=device), k, d, p, s))
    check_grads(lambda c: F.fold(c, size, k, d, p, s), cols, device=device)
    # a nonlinear function of both, so the second derivative is not zero
    check_grads(lambda x: F.fold(F.unfold(x, k, d, p, s) ** 2, size, k, d, p, s), x, device=device)


def test_unfold_fold_are_adjoint(device):
    """<unfold(x), c> = <x, fold(c)>: each is the other's transpose."""
    # kernel 2x3, padding 1, stride 2 on 6x5: 4x3 windows
    x, c = rand_array((2, 3, 6, 5), seed=1), rand_array((2, 3 * 6, 12), seed=2)
    ux = F.unfold(ag.tensor(x, device=device), (2, 3), 1, 1, 2)
    fc = F.fold(ag.tensor(c, device=device), (6, 5), (2, 3), 1, 1, 2)
    assert ux.shape == c.shape and fc.shape == x.shape
    numpy.testing.assert_allclose((host(ux) * c).sum(), (x * host(fc)).sum(), rtol=1e-12)


# --- PyTorch as the oracle --------------------------------------------------------------------------------
def _valid(k, s, p, op, d, size):
    return (op < s or op < d) and all(out_len(n, k, s, p, op, d) > 0 for n in size)


GRID = [c for c in itertools.product((1, 2, 3), (1, 2, 3), (0, 1), (0, 1), (1, 2), (1, 2))
        if _valid(*c[:5], (5, 4))]


@pytest.mark.parametrize("k,s,p,op,d,g", GRID)
def test_conv_transpose2d_matches_torch(k, s, p, op, d, g, device):
    torch = torch_or_skip()
    compare_with_torch(_ct2d_fn(s, p, op, d, g),
                       lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, s, p, op, g, d),
                       *ct_arrays(2, 4, 6, g, k, (5, 4)), device=device, tol=F32)


@pytest.mark.parametrize("k,s,p,op,d,g", [c for c in GRID if c[1] != 2] + [(3, 1, 1, 1, 2, 1), (2, 2, 0, 3, 4, 2)])
def test_conv_transpose1d_matches_torch(k, s, p, op, d, g, device):
    torch = torch_or_skip()
    compare_with_torch(lambda x, w, b: F.conv_transpose1d(x, w, b, s, p, op, g, d),
                       lambda x, w, b: torch.nn.functional.conv_transpose1d(x, w, b, s, p, op, g, d),
                       *ct_arrays(2, 4, 2, g, k, (7,)), device=device, tol=F32)


@pytest.mark.parametrize("c,o,k,s,p,op,d", [
    (32, 16, 3, 1, 1, 0, 1),  # the forward is a Winograd input gradient on the CPU
    (16, 32, 3, 1, 0, 0, 1),
    (40, 32, 3, 2, 1, 1, 1),  # stride phases, channels-last
    (6, 16, 5, 1, 2, 0, 1),  # the shift form
    (20, 16, 3, 2, 2, 1, 2),  # the flipped-kernel form
    (4, 4, 3, 2, 1, 2, 3),  # output_padding >= stride with a bottom padding cut short
    (3, 4, 3, 1, 0, 2, 3),  # ... with appended zeros
])
def test_conv_transpose_algorithms_match_torch(c, o, k, s, p, op, d, device):
    torch = torch_or_skip()
    compare_with_torch(lambda x, w, b: F.conv_transpose2d(x, w, b, s, p, op, 1, d),
                       lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, s, p, op, 1, d),
                       *ct_arrays(2, c, o, 1, k, (7, 6), seed=c), device=device,
                       tol={"float32": dict(rtol=1e-3, atol=1e-3)})


def test_conv_transpose_without_bias_and_unbatched_match_torch(device):
    torch = torch_or_skip()
    x, w = ct_arrays(1, 3, 4, 1, 3, (5, 6), bias=False)
    compare_with_torch(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=(1, 0)),
                       lambda x, w: torch.nn.functional.conv_transpose2d(x, w, stride=2, padding=1,
                                                                          output_padding=(1, 0)),
                       x, w, device=device, tol=F32)
    compare_with_torch(lambda x, w: F.conv_transpose2d(x, w, padding=(2, 0)),
                       lambda x, w: torch.nn.functional.conv_transpose2d(x, w, padding=(2, 0)), x[0], w,
                       device=device, tol=F32)
    compare_with_torch(lambda x, w: F.conv_transpose1d(x, w, stride=3),
                       lambda x, w: torch.nn.functional.conv_transpose1d(x, w, stride=3), x[0, :, 0], w[:, :, 0],
                       device=device, tol=F32)


def test_conv_transpose2d_double_backward_matches_torch(device):
    torch = torch_or_skip()
    x, w, b = ct_arrays(2, 4, 6, 2, 3, (5, 4), seed=4)
    ours = [ag.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    kw = dict(stride=2, padding=1, output_padding=1, groups=2)
    y = F.conv_transpose2d(*ours, **kw)
    ty = torch.nn.functional.conv_transpose2d(*theirs, **kw)
    gx, gw = ag.grad((y * y).sum(), ours[:2], create_graph=True)
    tgx, tgw = torch.autograd.grad((ty * ty).sum(), theirs[:2], create_graph=True)
    second = ag.grad((gx * gx).sum() + (gw * gw).sum(), ours)
    tsecond = torch.autograd.grad((tgx * tgx).sum() + (tgw * tgw).sum(), theirs)
    for a, t in zip(second, tsecond):
        numpy.testing.assert_allclose(host(a), t.detach().numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("k,d,p,s,size", FOLD_CASES)
def test_unfold_fold_match_torch(k, d, p, s, size, device):
    torch = torch_or_skip()
    x = rand_array((2, 3) + size, seed=3)
    compare_with_torch(lambda x: F.unfold(x, k, d, p, s), lambda x: torch.nn.functional.unfold(x, k, d, p, s), x,
                       device=device)
    compare_with_torch(lambda x: F.unfold(x, k, d, p, s), lambda x: torch.nn.functional.unfold(x, k, d, p, s), x[0],
                       device=device)
    cols = host(F.unfold(ag.tensor(x), k, d, p, s))
    compare_with_torch(lambda c: F.fold(c, size, k, d, p, s),
                       lambda c: torch.nn.functional.fold(c, size, k, d, p, s), cols, device=device)
    compare_with_torch(lambda c: F.fold(c, size, k, d, p, s),
                       lambda c: torch.nn.functional.fold(c, size, k, d, p, s), cols[1], device=device)


def test_unfold_known_values(device):
    x = ag.tensor(numpy.arange(12.0).reshape(1, 1, 3, 4), device=device)
    cols = host(F.unfold(x, 2, stride=(1, 2)))  # windows at (0, 0), (0, 2), (1, 0), (1, 2)
    numpy.testing.assert_array_equal(cols[0], [[0, 2, 4, 6], [1, 3, 5, 7], [4, 6, 8, 10], [5, 7, 9, 11]])
    ones = ag.ones(1, 4, 9, device=device, dtype=ag.float64)
    counts = host(F.fold(ones, (4, 4), 2))[0, 0]  # how many 2x2 windows cover each pixel
    numpy.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_conv_transpose_known_values(device):
    """A single input pixel spreads the kernel over the output, s apart; output_padding adds a zero row."""
    x = ag.tensor(numpy.array([[[[1.0, 10.0]]]]), device=device)  # (1, 1, 1, 2)
    w = ag.tensor(numpy.array([[[[1.0, 2.0]]]]), device=device)  # (1, 1, 1, 2)
    y = host(F.conv_transpose2d(x, w, stride=3, output_padding=(0, 1)))
    numpy.testing.assert_array_equal(y, [[[[1, 2, 0, 10, 20, 0]]]])
    y = host(F.conv_transpose2d(x, w, stride=1, dilation=2, output_padding=(0, 1)))  # op >= stride
    numpy.testing.assert_array_equal(y, [[[[1, 10, 2, 20, 0]]]])


# --- the strict device ------------------------------------------------------------------------------------
@pytest.fixture
def dut(device):
    """The strict device by default (its GPU flags make conv take the GPU's paths), the real one with --device."""
    if device != "cpu":
        yield backends.get_backend(device)
        return
    with sd.registered():
        yield sd.STRICT


def test_conv_transpose_fold_on_the_device(dut):
    from test_device_generic import mirror

    x, w, b = ct_arrays(2, 4, 6, 2, 3, (4, 5), seed=8)
    mirror(lambda x, w, b: [F.conv_transpose2d(x, w, b, 2, 1, 1, 2),
                            F.conv_transpose2d(x, w, None, 1, 0, 1, 2, 2),  # appended zeros
                            F.conv_transpose1d(x[:, :, 0], w[:, :, 0], b, 3, 1, 2, 2)],
           x, w, b, dut=dut, rtol=1e-10, atol=1e-10)
    mirror(lambda x: [F.unfold(x, (2, 3), 1, 1, 2), F.fold(F.unfold(x, 2, 2, 1) * 2.0, (4, 5), 2, 2, 1),
                      F.unfold(x[0], 3, padding=1)], x, dut=dut, rtol=1e-10, atol=1e-10)
    m = nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dtype=ag.float64)
    c = copy.deepcopy(m).to(dut.device)
    y = c(ag.tensor(x, device=dut.device), output_size=(10, 11))
    assert y.shape == (2, 6, 10, 11) and y.device == dut.device
    numpy.testing.assert_allclose(dut.to_host(y._data), host(m(ag.tensor(x), output_size=(10, 11))), rtol=1e-10)


def test_the_strict_device_catches_a_host_call():
    """The harness above bites: a NumPy-only call on the device's arrays fails there."""
    with sd.registered():
        x = ag.tensor(rand_array((1, 2, 3, 3)), device="strict")
        with pytest.raises(sd.StrictDeviceError):
            numpy.pad(x._data, 1)


# --- modules ---------------------------------------------------------------------------------------------
MODULE_CONFIGS = [
    (nn.ConvTranspose2d, (1, 6, 5), dict(padding=2)),
    (nn.ConvTranspose2d, (4, 6, (3, 5)), dict(stride=2, padding=1, output_padding=1, groups=2, bias=False,
                                              dilation=2)),
    (nn.ConvTranspose2d, (3, 2, 2), dict(stride=(2, 3), output_padding=(1, 2))),
    (nn.ConvTranspose1d, (2, 4, 3), {}),
    (nn.ConvTranspose1d, (4, 4, 5), dict(stride=2, padding=2, output_padding=1, groups=4)),
]


def _torch_class(cls):
    return getattr(torch_or_skip().nn, cls.__name__)


@pytest.mark.parametrize("cls,args,kwargs", MODULE_CONFIGS)
def test_module_shapes_keys_and_repr(cls, args, kwargs, device):
    m = cls(*args, **kwargs, device=device)
    nd = 2 if cls is nn.ConvTranspose2d else 1
    kernel = args[2] if isinstance(args[2], tuple) else (args[2],) * nd
    groups = kwargs.get("groups", 1)
    assert m.weight.shape == (args[0], args[1] // groups) + kernel
    assert m.bias is None if not kwargs.get("bias", True) else m.bias.shape == (args[1],)
    keys = list(m.state_dict().keys())
    assert keys == (["weight", "bias"] if kwargs.get("bias", True) else ["weight"])
    assert m.weight.requires_grad and m.weight.dtype == ag.float32
    if checks.torch is not None:
        t = _torch_class(cls)(*args, **kwargs)
        assert repr(m) == repr(t)
        assert keys == list(t.state_dict().keys())
        assert [tuple(v.shape) for v in t.state_dict().values()] == [tuple(v.shape) for v in m.state_dict().values()]


def test_module_repr(device):
    assert repr(nn.ConvTranspose2d(4, 6, (3, 5), 2, 1, 1, 2, False, 2, device=device)) == \
        "ConvTranspose2d(4, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), " \
        "output_padding=(1, 1), groups=2, bias=False)"
    assert repr(nn.ConvTranspose1d(2, 4, 3)) == "ConvTranspose1d(2, 4, kernel_size=(3,), stride=(1,))"
    assert repr(nn.Conv2d(2, 4, 3)) == "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1))"  # unchanged
    assert repr(nn.Fold((4, 5), 2)) == "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"
    assert repr(nn.Unfold((2, 3), padding=1)) == "Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=1)"
    if checks.torch is not None:
        torch = checks.torch
        assert repr(nn.Fold((4, 5), 2, 2, 1, 3)) == repr(torch.nn.Fold((4, 5), 2, 2, 1, 3))
        assert repr(nn.Unfold(3, 1, (1, 2), 2)) == repr(torch.nn.Unfold(3, 1, (1, 2), 2))


@pytest.mark.parametrize("cls,args,kwargs", MODULE_CONFIGS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_module_matches_torch(cls, args, kwargs, dtype, device):
    torch = torch_or_skip()
    tdtype = getattr(torch, dtype)
    m = cls(*args, **kwargs, device=device, dtype=getattr(ag, dtype))
    tm = _torch_class(cls)(*args, **kwargs).to(tdtype)
    with torch.no_grad():
        for name, p in tm.named_parameters():
            p.copy_(torch.tensor(host(getattr(m, name))))
    tol = checks.TOL[dtype] if dtype == "float64" else dict(rtol=2e-4, atol=2e-4)
    size = (5, 4) if cls is nn.ConvTranspose2d else (6,)
    x = rand_array((2, args[0]) + size, seed=5)
    ax = ag.tensor(x, dtype=dtype, device=device, requires_grad=True)
    tx = torch.tensor(x, dtype=tdtype, requires_grad=True)
    y, ty = m(ax), tm(tx)
    assert y.dtype == getattr(ag, dtype)
    numpy.testing.assert_allclose(host(y), ty.detach().numpy(), **tol)
    g = rand_array(tuple(ty.shape), seed=6)
    y.backward(ag.tensor(g, dtype=dtype, device=device))
    ty.backward(torch.tensor(g, dtype=tdtype))
    numpy.testing.assert_allclose(host(ax.grad), tx.grad.numpy(), **tol)
    for name, p in tm.named_parameters():
        numpy.testing.assert_allclose(host(getattr(m, name).grad), p.grad.numpy(), **tol, err_msg=name)
    numpy.testing.assert_allclose(host(m(ag.tensor(x[0], dtype=dtype, device=device))),  # unbatched
                                  tm(torch.tensor(x[0], dtype=tdtype)).detach().numpy(), **tol)


@pytest.mark.parametrize("cls,args,fan_in", [
    (nn.ConvTranspose2d, (3, 64, 5), 64 * 25),  # PyTorch's fan_in of the weight (C_in, C_out / g, kh, kw)
    (nn.ConvTranspose2d, (8, 32, (3, 2), 1, 0, 0, 4), 8 * 6),
    (nn.ConvTranspose1d, (128, 16, 3), 48),
])
def test_module_init_bounds(cls, args, fan_in, device):
    ag.manual_seed(3)
    m = cls(*args, device=device)
    bound = 1 / math.sqrt(fan_in)
    w, b = host(m.weight), host(m.bias)
    assert numpy.abs(w).max() <= bound and numpy.abs(b).max() <= bound
    assert numpy.abs(w).max() > 0.9 * bound  # uniform over the whole range, not a narrower one
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound  # the std of U(-a, a) is a / sqrt 3
    assert numpy.abs(b).max() > 0.5 * bound
    ag.manual_seed(3)
    assert numpy.array_equal(host(cls(*args, device=device).weight), w)  # seeded: reproducible


def test_module_output_size(device):
    m = nn.ConvTranspose2d(4, 6, 3, stride=(2, 3), padding=1, device=device, dtype=ag.float64)
    x = ag.randn(2, 4, 5, 4, device=device, dtype=ag.float64)
    assert m(x).shape == (2, 6, 9, 10)  # (5 - 1) 2 - 2 + 3, (4 - 1) 3 - 2 + 3
    for size in [(9, 10), (10, 12), (10, 11), [2, 6, 10, 12]]:
        y = m(x, output_size=size)
        assert y.shape == (2, 6) + tuple(size[-2:])
        op = (size[-2] - 9, size[-1] - 10)
        numpy.testing.assert_array_equal(host(y), host(F.conv_transpose2d(x, m.weight, m.bias, (2, 3), 1, op)))
    assert m(x[0], output_size=(6, 10, 12)).shape == (6, 10, 12)  # unbatched: channels may lead
    m1 = nn.ConvTranspose1d(2, 3, 4, stride=4, device=device)
    assert m1(ag.randn(1, 2, 5, device=device), output_size=[23]).shape == (1, 3, 23)
    if checks.torch is not None:
        torch = checks.torch
        tm = torch.nn.ConvTranspose2d(4, 6, 3, stride=(2, 3), padding=1).double()
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(host(m.weight)))
            tm.bias.copy_(torch.tensor(host(m.bias)))
        numpy.testing.assert_allclose(host(m(x, output_size=(10, 11))),
                                      tm(torch.tensor(host(x)), output_size=(10, 11)).detach().numpy(), rtol=1e-10,
                                      atol=1e-12)


def test_fold_unfold_modules(device):
    x = ag.tensor(rand_array((2, 3, 6, 5)), device=device)
    cols = nn.Unfold((2, 3), dilation=1, padding=1, stride=2)(x)
    assert cols.shape == (2, 3 * 6, 4 * 3)
    numpy.testing.assert_array_equal(host(cols), host(F.unfold(x, (2, 3), 1, 1, 2)))
    back = nn.Fold((6, 5), (2, 3), 1, 1, 2)(cols)
    numpy.testing.assert_array_equal(host(back), host(F.fold(cols, (6, 5), (2, 3), 1, 1, 2)))
    assert list(nn.Fold((6, 5), 2).state_dict()) == [] and list(nn.Unfold(2).state_dict()) == []


def test_module_backward_and_dtype(device):
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1, device=device)
    x = ag.randn(4, 2, 3, 5, device=device, requires_grad=True)
    y = m(x)
    assert y.shape == (4, 3, 6, 10) and y.dtype == ag.float32
    y.sum().backward()
    assert m.weight.grad.shape == m.weight.shape and m.bias.grad.dtype == ag.float32
    numpy.testing.assert_allclose(host(m.bias.grad), numpy.full(3, 4 * 6 * 10.0), rtol=1e-6)
    assert x.grad.shape == x.shape and x.grad.dtype == ag.float32


# --- errors ---------------------------------------------------------------------------------------------------
def _t(shape, device, dtype=ag.float32):
    return ag.zeros(*shape, device=device, dtype=dtype)


def test_conv_transpose_errors(device):
    x = _t((8, 3, 5, 5), device)
    with pytest.raises(ValueError, match=r"conv_transpose2d: input has 3 channels, weight expects 4 "
                                         r"\(input shape \(8, 3, 5, 5\), weight shape \(4, 2, 3, 3\)\)"):
        F.conv_transpose2d(x, _t((4, 2, 3, 3), device))
    with pytest.raises(ValueError, match=r"conv_transpose1d: input has 3 channels, weight expects 2 .*groups=2"):
        F.conv_transpose1d(_t((1, 3, 5), device), _t((2, 2, 3), device), groups=2)
    with pytest.raises(ValueError, match=r"conv_transpose2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, "
                                         r"got shape \(3, 5\)"):
        F.conv_transpose2d(_t((3, 5), device), _t((3, 2, 3, 3), device))
    with pytest.raises(ValueError, match=r"conv_transpose2d: weight must be 4-D \(in_channels, out_channels / groups, "
                                         r"kh, kw\), got shape \(3, 2, 3\)"):
        F.conv_transpose2d(x, _t((3, 2, 3), device))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding must be smaller than stride or dilation, "
                                         r"got output_padding=\(2, 2\) with stride=\(2, 2\), dilation=\(1, 1\)"):
        F.conv_transpose2d(x, _t((3, 2, 3, 3), device), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose1d: output_padding must be smaller than stride or dilation, "
                                         r"got output_padding=1 with stride=1, dilation=1"):
        F.conv_transpose1d(_t((1, 3, 5), device), _t((3, 2, 3), device), output_padding=1)
    with pytest.raises(ValueError, match=r"conv_transpose2d: the output size would be -1x-1, not positive "
                                         r"\(input shape \(1, 3, 1, 1\), kernel 1x1, .*padding=\(1, 1\)"):
        F.conv_transpose2d(_t((1, 3, 1, 1), device), _t((3, 2, 1, 1), device), padding=1)
    with pytest.raises(ValueError, match=r"weight has 3 input channels, which is not divisible by groups=2"):
        F.conv_transpose2d(x, _t((3, 2, 3, 3), device), groups=2)
    with pytest.raises(ValueError, match=r"bias has shape \(5,\), expected \(4,\)"):
        F.conv_transpose2d(_t((1, 4, 5, 5), device), _t((4, 2, 3, 3), device), _t((5,), device), groups=2)
    with pytest.raises(ValueError, match=r"conv_transpose2d: padding must be an int or a tuple of 2 ints .*'same'"):
        F.conv_transpose2d(x, _t((3, 2, 3, 3), device), padding="same")
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding must be non-negative, got -1"):
        F.conv_transpose2d(x, _t((3, 2, 3, 3), device), output_padding=-1)
    with pytest.raises(TypeError, match=r"conv_transpose2d: input dtype float64 does not match weight dtype float32"):
        F.conv_transpose2d(_t((1, 3, 5, 5), device, ag.float64), _t((3, 2, 3, 3), device))


def test_fold_unfold_errors(device):
    with pytest.raises(ValueError, match=r"fold: the input's size at dimension 1 \(7\) must be divisible by the "
                                         r"kernel's 2x2 = 4 entries \(input shape \(1, 7, 5\)\)"):
        F.fold(_t((1, 7, 5), device), (4, 4), 2)
    with pytest.raises(ValueError, match=r"fold: output_size=\(4, 4\) with kernel_size=\(2, 2\), dilation=\(1, 1\), "
                                         r"padding=\(0, 0\), stride=\(1, 1\) has 3 x 3 = 9 windows, but the input "
                                         r"\(shape \(1, 8, 5\)\) has 5 columns"):
        F.fold(_t((1, 8, 5), device), (4, 4), 2)
    with pytest.raises(ValueError, match=r"fold: output_size=\(1, 4\) .* has 0 x 3 = 0 windows"):
        F.fold(_t((1, 8, 3), device), (1, 4), 2)
    with pytest.raises(ValueError, match=r"fold: expected a 2-D \(C kh kw, L\) or 3-D \(N, C kh kw, L\) input, "
                                         r"got shape \(1, 2, 8, 5\)"):
        F.fold(_t((1, 2, 8, 5), device), (4, 4), 2)
    with pytest.raises(ValueError, match=r"unfold: no window fits the input of shape \(1, 2, 3, 3\) with "
                                         r"kernel_size=\(5, 5\).*the padded input is 3x3, a window covers 5x5"):
        F.unfold(_t((1, 2, 3, 3), device), 5)
    with pytest.raises(ValueError, match=r"unfold: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got shape "
                                         r"\(2, 3\)"):
        F.unfold(_t((2, 3), device), 2)
    with pytest.raises(ValueError, match=r"unfold: stride must be positive, got \(1, 0\)"):
        F.unfold(_t((1, 2, 3, 3), device), 2, stride=(1, 0))
    with pytest.raises(TypeError, match=r"fold: output_size must be an int or a tuple of 2 ints, got \(4, 4, 4\)"):
        F.fold(_t((1, 8, 5), device), (4, 4, 4), 2)


def test_module_errors(device):
    m = nn.ConvTranspose2d(4, 6, 3, stride=2, device=device)
    x = _t((1, 4, 5, 5), device)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of \(14, 14\), but valid sizes "
                                         r"range from \(11, 11\) to \(12, 12\) for an input of spatial size \(5, 5\)"):
        m(x, output_size=(14, 14))
    with pytest.raises(ValueError, match=r"requested an output size of \(1, 6, 10, 12\), but valid sizes range from "
                                         r"\(11, 11\) to \(12, 12\)"):
        m(x, output_size=(1, 6, 10, 12))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: for a 4-D input, output_size must be 2 or 4 ints, "
                                         r"got \[1, 2, 3\]"):
        m(x, output_size=[1, 2, 3])
    with pytest.raises(ValueError, match=r"ConvTranspose2d: in_channels \(3\) must be divisible by groups \(2\)"):
        nn.ConvTranspose2d(3, 4, 3, groups=2, device=device)
    with pytest.raises(ValueError, match=r"ConvTranspose1d: out_channels \(5\) must be divisible by groups \(2\)"):
        nn.ConvTranspose1d(4, 5, 3, groups=2, device=device)
    with pytest.raises(ValueError, match=r'ConvTranspose2d: only padding_mode="zeros" is supported, got '
                                         r"'reflect'"):
        nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect", device=device)
    with pytest.raises(ValueError, match=r"ConvTranspose1d: padding must be an int or a tuple of 1 ints .*'same'"):
        nn.ConvTranspose1d(4, 4, 3, padding="same", device=device)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_padding must be non-negative, got -1"):
        nn.ConvTranspose2d(4, 4, 3, output_padding=-1, device=device)
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding must be smaller than stride or "
                                         r"dilation, got output_padding=\(1, 1\) with stride=\(1, 1\)"):
        nn.ConvTranspose2d(4, 4, 3, output_padding=1, device=device)(x)
    with pytest.raises(ValueError, match=r"Unfold: kernel_size must be positive, got 0"):
        nn.Unfold(0)
    with pytest.raises(ValueError, match=r"Fold: output_size must be positive, got \(0, 3\)"):
        nn.Fold((0, 3), 2)
