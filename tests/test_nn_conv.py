"""conv1d / conv2d and Conv1d / Conv2d: gradients of first and second order, PyTorch as an oracle
(forward and backward over a grid of kernel / stride / padding / dilation / groups), both
grad-input algorithms, dtypes, module defaults and reprs, and the errors a user can cause."""

import itertools
import math

import numpy
import pytest

import autograd_core as ag
import checks
import nn
import nn.functional as F
import nn.functional.conv_arrays as conv_kernels
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip
from nn.functional.conv_arrays import _conv_arrays, _conv_transpose_col2im, _conv_transpose_flipped

F32 = {"float32": dict(rtol=2e-4, atol=2e-4)}


def conv_arrays(n, c, o, g, kernel, size, bias=True, seed=0):
    kernel = kernel if isinstance(kernel, tuple) else (kernel,) * len(size)
    arrs = [rand_array((n, c) + tuple(size), seed=seed), rand_array((o, c // g) + kernel, seed=seed + 1)]
    if bias:
        arrs.append(rand_array((o,), seed=seed + 2))
    return arrs


# --- gradcheck and gradgradcheck -----------------------------------------------------------------------
# (kernel, stride, padding, dilation, groups, (H, W), C, O, bias): every value of every parameter
# appears, H != W, windows that do not divide the input evenly, O > C and O <= C (the two grad-input
# algorithms), with and without bias.
CONV2D_CASES = [
    (1, 1, 0, 1, 1, (5, 4), 2, 3, True),
    (3, 1, 1, 1, 1, (6, 5), 2, 3, True),
    (3, 2, 1, 1, 2, (7, 6), 2, 4, True),
    (3, 3, 2, 2, 1, (8, 7), 3, 2, False),
    (5, 1, 2, 1, 2, (6, 7), 2, 2, True),
    (5, 2, 0, 2, 1, (10, 9), 1, 2, True),
    (3, 2, 0, 2, 2, (7, 8), 4, 2, False),
    (1, 3, 1, 1, 2, (7, 5), 2, 2, True),
    (5, 3, 1, 1, 1, (8, 6), 2, 3, True),
    (3, 1, 2, 2, 1, (5, 6), 2, 4, True),
    ((3, 1), (2, 1), (1, 0), (1, 2), 1, (6, 5), 2, 3, True),  # pairs, a non-square kernel
    ((2, 4), 1, "same", 1, 1, (5, 6), 2, 2, True),  # odd total padding: the extra column on the right
    (3, 1, "same", 2, 2, (5, 4), 2, 4, False),
    (3, 1, "valid", 1, 1, (5, 6), 2, 3, True),
]


def _conv2d_fn(stride, padding, dilation, groups):
    return lambda x, w, b=None: F.conv2d(x, w, b, stride, padding, dilation, groups)


@pytest.mark.parametrize("k,s,p,d,g,size,c,o,bias", CONV2D_CASES)
def test_conv2d_gradcheck(k, s, p, d, g, size, c, o, bias, device):
    check_grads(_conv2d_fn(s, p, d, g), *conv_arrays(2, c, o, g, k, size, bias), device=device, second=False)


@pytest.mark.parametrize("k,s,p,d,g,size,c,o,bias", CONV2D_CASES)
def test_conv2d_gradgradcheck(k, s, p, d, g, size, c, o, bias, device):
    arrs = conv_arrays(1, c, o, g, k, size, bias, seed=3)
    inputs = [ag.tensor(a, device=device, requires_grad=True) for a in arrs]
    assert ag.gradgradcheck(_conv2d_fn(s, p, d, g), inputs)


CONV1D_CASES = [  # (kernel, stride, padding, dilation, groups, L, C, O)
    (1, 1, 0, 1, 1, 5, 2, 3),
    (3, 2, 1, 2, 2, 9, 2, 4),
    (5, 3, 2, 1, 1, 8, 3, 2),
    (3, 1, "same", 2, 1, 7, 2, 3),
    (4, 1, "same", 1, 2, 6, 2, 2),
    (5, 1, "valid", 1, 1, 7, 1, 2),
]


@pytest.mark.parametrize("k,s,p,d,g,length,c,o", CONV1D_CASES)
def test_conv1d_gradcheck(k, s, p, d, g, length, c, o, device):
    fn = lambda x, w, b: F.conv1d(x, w, b, s, p, d, g)  # noqa: E731
    check_grads(fn, *conv_arrays(2, c, o, g, k, (length,)), device=device)


def test_conv_unbatched_gradcheck(device):
    check_grads(lambda x, w, b: F.conv2d(x, w, b, 2, 1), *[a[0] if i == 0 else a for i, a in
                                                           enumerate(conv_arrays(1, 2, 3, 1, 3, (5, 4)))],
                device=device)
    check_grads(lambda x, w: F.conv1d(x, w, None, 1, 1, 2), rand_array((2, 6)), rand_array((3, 2, 3), seed=1),
                device=device)


def test_conv2d_gradgradcheck_larger_fast_mode(device):
    """A bigger layer, checked along random directions."""
    x, w, b = conv_arrays(3, 4, 6, 2, 3, (9, 8), seed=7)
    inputs = [ag.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
    fn = _conv2d_fn(2, 1, 1, 2)
    assert ag.gradcheck(fn, inputs, fast_mode=True)
    assert ag.gradgradcheck(fn, inputs, fast_mode=True)


# --- the two grad-input algorithms agree with each other ------------------------------------------------
@pytest.mark.parametrize("k,s,p,d,g,size,c,o,bias", CONV2D_CASES[:11])
def test_grad_input_algorithms_agree(k, s, p, d, g, size, c, o, bias, device):
    backend = ag.tensor(0.0, device=device)._backend
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    x, w = (backend.asarray(a) for a in conv_arrays(2, c, o, g, k, size, False, seed=11))
    pads = tuple((q, q) for q in pair(p))
    geom = (pair(s), pads, pair(d), g)
    y, _ = _conv_arrays(backend, x, w, geom)
    a = _conv_transpose_flipped(backend, y, w, size, geom)
    b = _conv_transpose_col2im(backend, y, w, size, geom)
    assert a.shape == b.shape == x.shape
    numpy.testing.assert_allclose(backend.to_host(a), backend.to_host(b), rtol=1e-10, atol=1e-10)
    # <conv(x, W), y> = <x, ConvTranspose(y, W)>: the adjoint identity
    lhs = float((backend.to_host(y) ** 2).sum())
    numpy.testing.assert_allclose(float((backend.to_host(x) * backend.to_host(a)).sum()), lhs, rtol=1e-10)


@pytest.mark.parametrize("k,s,p,d,g,size,c,o,bias", [case for case in CONV2D_CASES[:11] if case[4] == 1])
def test_col2im_by_channel_chunks(k, s, p, d, g, size, c, o, bias, device, monkeypatch):
    """The col2im form made one input channel at a time equals the flipped-kernel form."""
    monkeypatch.setattr(conv_kernels, "COL2IM_CHUNK_BYTES", 1)
    backend = ag.tensor(0.0, device=device)._backend
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    x, w = (backend.asarray(a) for a in conv_arrays(2, c + 1, o, 1, k, size, False, seed=12))
    geom = (pair(s), tuple((q, q) for q in pair(p)), pair(d), 1)
    y, _ = _conv_arrays(backend, x, w, geom)
    numpy.testing.assert_allclose(backend.to_host(_conv_transpose_col2im(backend, y, w, size, geom)),
                                  backend.to_host(_conv_transpose_flipped(backend, y, w, size, geom)),
                                  rtol=1e-10, atol=1e-10)


# (kernel, stride, padding ((top, bottom), (left, right)), dilation, groups, (H, W), C, O): a 1-row kernel
# (the shifted rows reach past the plane), asymmetric padding, stride with dilation, groups
SHIFT_CASES = [
    ((1, 3), (1, 1), ((0, 0), (1, 1)), (1, 1), 1, (4, 5), 3, 5),
    ((1, 3), (1, 1), ((0, 0), (0, 0)), (1, 2), 1, (3, 7), 2, 4),
    ((3, 2), (2, 1), ((1, 0), (0, 2)), (1, 2), 1, (7, 6), 2, 5),
    ((5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1), 1, (14, 14), 6, 16),
    ((3, 3), (1, 2), ((2, 1), (1, 1)), (2, 1), 2, (8, 9), 4, 6),
]


@pytest.mark.parametrize("kernel,stride,padding,dilation,groups,size,c,o", SHIFT_CASES)
@pytest.mark.parametrize("chunk", [None, 1])
def test_shift_form_of_the_input_gradient(kernel, stride, padding, dilation, groups, size, c, o, chunk, device,
                                          monkeypatch):
    """The GEMM-over-column-shifts form of dL/dx (all channels at once, and one channel per chunk) equals
    the flipped-kernel convolution, for geometries the CONV2D grid does not reach."""
    if chunk is not None:
        monkeypatch.setattr(conv_kernels, "COL2IM_CHUNK_BYTES", chunk)
    backend = ag.tensor(0.0, device=device)._backend
    x, w = (backend.asarray(a) for a in conv_arrays(2, c, o, groups, kernel, size, False, seed=13))
    geom = (stride, padding, dilation, groups)
    y, _ = _conv_arrays(backend, x, w, geom)
    g = backend.asarray(rand_array(tuple(y.shape), seed=14))
    numpy.testing.assert_allclose(backend.to_host(_conv_transpose_col2im(backend, g, w, size, geom)),
                                  backend.to_host(_conv_transpose_flipped(backend, g, w, size, geom)),
                                  rtol=1e-10, atol=1e-10)


# --- PyTorch as the oracle -----------------------------------------------------------------------------------
def _valid(k, s, p, d, size):
    return d * (k - 1) + 1 <= min(size) + 2 * p


GRID = [c for c in itertools.product((1, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2), (1, 2)) if _valid(*c[:4], (11, 9))]


@pytest.mark.parametrize("k,s,p,d,g", GRID)
def test_conv2d_matches_torch(k, s, p, d, g, device):
    torch = torch_or_skip()
    compare_with_torch(lambda x, w, b: F.conv2d(x, w, b, s, p, d, g),
                       lambda x, w, b: torch.nn.functional.conv2d(x, w, b, s, p, d, g),
                       *conv_arrays(2, 4, 6, g, k, (11, 9)), device=device, tol=F32)


@pytest.mark.parametrize("k,s,p,d,g", [c for c in GRID if c[3] == 1 or c[0] == 3])
def test_conv1d_matches_torch(k, s, p, d, g, device):
    torch = torch_or_skip()
    compare_with_torch(lambda x, w, b: F.conv1d(x, w, b, s, p, d, g),
                       lambda x, w, b: torch.nn.functional.conv1d(x, w, b, s, p, d, g),
                       *conv_arrays(2, 4, 2, g, k, (13,)), device=device, tol=F32)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("kernel,dilation", [(3, 1), (4, 1), ((2, 5), 1), (3, 2), ((4, 3), (1, 2)), (1, 1)])
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_string_padding_matches_torch(kernel, dilation, padding, device):
    torch = torch_or_skip()
    arrs = conv_arrays(2, 2, 3, 1, kernel, (8, 7))
    compare_with_torch(lambda x, w, b: F.conv2d(x, w, b, padding=padding, dilation=dilation),
                       lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=padding, dilation=dilation),
                       *arrs, device=device, tol=F32)
    d1 = dilation if isinstance(dilation, int) else dilation[1]
    compare_with_torch(lambda x, w: F.conv1d(x, w, padding=padding, dilation=d1),
                       lambda x, w: torch.nn.functional.conv1d(x, w, padding=padding, dilation=d1),
                       arrs[0][:, :, 0], arrs[1][:, :, 0], device=device, tol=F32)


def test_conv_without_bias_and_unbatched_match_torch(device):
    torch = torch_or_skip()
    x, w = conv_arrays(1, 3, 4, 1, 3, (6, 7), bias=False)
    compare_with_torch(lambda x, w: F.conv2d(x, w, stride=2, padding=1),
                       lambda x, w: torch.nn.functional.conv2d(x, w, stride=2, padding=1), x, w, device=device, tol=F32)
    compare_with_torch(lambda x, w: F.conv2d(x, w, padding=(2, 0)),
                       lambda x, w: torch.nn.functional.conv2d(x, w, padding=(2, 0)), x[0], w, device=device, tol=F32)
    compare_with_torch(lambda x, w: F.conv1d(x, w, stride=2),
                       lambda x, w: torch.nn.functional.conv1d(x, w, stride=2), x[0, :, 0], w[:, :, 0], device=device,
                       tol=F32)


def test_conv2d_double_backward_matches_torch(device):
    torch = torch_or_skip()
    x, w, b = conv_arrays(2, 4, 6, 2, 3, (7, 6), seed=4)
    ours = [ag.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv2d(*ours, stride=2, padding=1, groups=2)
    ty = torch.nn.functional.conv2d(*theirs, stride=2, padding=1, groups=2)
    gx, gw = ag.grad((y * y).sum(), ours[:2], create_graph=True)
    tgx, tgw = torch.autograd.grad((ty * ty).sum(), theirs[:2], create_graph=True)
    second = ag.grad((gx * gx).sum() + (gw * gw).sum(), ours)
    tsecond = torch.autograd.grad((tgx * tgx).sum() + (tgw * tgw).sum(), theirs)
    for a, t in zip(second, tsecond):
        numpy.testing.assert_allclose(host(a), t.detach().numpy(), rtol=1e-9, atol=1e-9)


def test_conv_large_channels_match_torch(device):
    """Shapes where each grad-input algorithm is the one chosen (O > C and O < C)."""
    torch = torch_or_skip()
    for c, o in ((3, 16), (16, 4)):
        arrs = conv_arrays(4, c, o, 1, 3, (12, 10), seed=c)
        compare_with_torch(lambda x, w, b: F.conv2d(x, w, b, padding=1),
                           lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=1), *arrs, device=device,
                           tol={"float32": dict(rtol=1e-3, atol=1e-3)})


# --- dtypes and values ---------------------------------------------------------------------------------------
def test_conv_float32_stays_float32(device):
    x, w, b = (ag.tensor(a, dtype=ag.float32, device=device, requires_grad=True)
               for a in conv_arrays(2, 2, 3, 1, 3, (5, 6)))
    y = F.conv2d(x, w, b, padding=1)
    assert y.dtype == ag.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == ag.float32
    y1 = F.conv1d(x[:, :, 0], w[:, :, 0], b)
    assert y1.dtype == ag.float32 and y1.shape == (2, 3, 4)


def test_conv2d_known_values(device):
    x = ag.arange(16.0, device=device).reshape(1, 1, 4, 4)
    w = ag.ones(1, 1, 2, 2, device=device)
    y = F.conv2d(x, w, stride=2)
    assert host(y).tolist() == [[[[10.0, 18.0], [42.0, 50.0]]]]
    y = F.conv2d(x, w, ag.tensor([1.0], device=device), padding=1)
    assert y.shape == (1, 1, 5, 5) and float(host(y)[0, 0, 0, 0]) == 1.0 and float(host(y)[0, 0, 2, 2]) == 31.0


def test_conv_no_grad_records_nothing(device):
    x, w = (ag.tensor(a, device=device, requires_grad=True) for a in conv_arrays(1, 2, 2, 1, 3, (5, 5), bias=False))
    with ag.no_grad():
        y = F.conv2d(x, w)
    assert y.grad_fn is None and not y.requires_grad


# --- errors ------------------------------------------------------------------------------------------
def _t(shape, device, dtype=ag.float32):
    return ag.zeros(*shape, dtype=dtype, device=device)


def test_conv_errors(device):
    x = _t((8, 3, 32, 32), device)
    with pytest.raises(ValueError, match=r"conv2d: input has 3 channels, weight expects 1 "
                                         r"\(input shape \(8, 3, 32, 32\), weight shape \(6, 1, 5, 5\)\)"):
        F.conv2d(x, _t((6, 1, 5, 5), device))
    with pytest.raises(ValueError, match=r"conv2d: the padded input is 4x4 but the kernel covers 5x5 \(dilation 1\)"):
        F.conv2d(_t((1, 1, 2, 2), device), _t((1, 1, 5, 5), device), padding=1)
    with pytest.raises(ValueError, match=r"the padded input is 6x6 but the kernel covers 5x9 \(dilation \(1, 2\)\)"):
        F.conv2d(_t((1, 1, 6, 6), device), _t((1, 1, 5, 5), device), dilation=(1, 2))
    with pytest.raises(ValueError, match=r"conv1d: the padded input has length 4 but the kernel covers 5"):
        F.conv1d(_t((1, 1, 4), device), _t((1, 1, 5), device))
    with pytest.raises(ValueError, match=r"weight has 5 output channels, which is not divisible by groups=3"):
        F.conv2d(x, _t((5, 1, 3, 3), device), groups=3)
    with pytest.raises(ValueError, match=r"input has 3 channels, weight expects 4 .*groups=2"):
        F.conv2d(x, _t((4, 2, 3, 3), device), groups=2)
    with pytest.raises(ValueError, match=r"conv2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, "
                                         r"got shape \(3, 32\)"):
        F.conv2d(_t((3, 32), device), _t((6, 3, 5, 5), device))
    with pytest.raises(ValueError, match=r"conv1d: weight must be 3-D"):
        F.conv1d(_t((2, 3, 8), device), _t((6, 3, 5, 5), device))
    with pytest.raises(ValueError, match=r"conv2d: stride must be positive, got \(0, 1\)"):
        F.conv2d(x, _t((6, 3, 5, 5), device), stride=(0, 1))
    with pytest.raises(ValueError, match=r"conv1d: stride must be positive, got 0"):
        F.conv1d(_t((2, 3, 8), device), _t((6, 3, 5), device), stride=0)
    with pytest.raises(ValueError, match=r"padding='same' is not supported for strided convolutions"):
        F.conv2d(x, _t((6, 3, 5, 5), device), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"padding must be 'valid', 'same'"):
        F.conv2d(x, _t((6, 3, 5, 5), device), padding="full")
    with pytest.raises(ValueError, match=r"padding must be non-negative"):
        F.conv2d(x, _t((6, 3, 5, 5), device), padding=-1)
    with pytest.raises(TypeError, match=r"conv2d: input dtype float64 does not match weight dtype float32"):
        F.conv2d(_t((8, 3, 32, 32), device, ag.float64), _t((6, 3, 5, 5), device))
    with pytest.raises(TypeError, match=r"input dtype float32 does not match bias dtype float64"):
        F.conv2d(x, _t((6, 3, 5, 5), device), _t((6,), device, ag.float64))
    with pytest.raises(ValueError, match=r"bias has shape \(5,\), expected \(6,\)"):
        F.conv2d(x, _t((6, 3, 5, 5), device), _t((5,), device))
    with pytest.raises(TypeError, match=r"stride must be an int or a tuple of 2 ints"):
        F.conv2d(x, _t((6, 3, 5, 5), device), stride=(1, 2, 3))
    with pytest.raises(TypeError, match=r"floating-point input"):
        F.conv2d(_t((1, 1, 4, 4), device, ag.int64), _t((1, 1, 3, 3), device, ag.int64))
    with pytest.raises(ValueError, match=r"groups must be a positive int"):
        F.conv2d(x, _t((6, 3, 5, 5), device), groups=0)


def test_module_errors(device):
    with pytest.raises(ValueError, match=r"in_channels \(3\) must be divisible by groups \(2\)"):
        nn.Conv2d(3, 4, 3, groups=2, device=device)
    with pytest.raises(ValueError, match=r"out_channels \(5\) must be divisible by groups \(2\)"):
        nn.Conv2d(4, 5, 3, groups=2, device=device)
    with pytest.raises(ValueError, match=r"Conv2d: padding='same' is not supported for strided convolutions"):
        nn.Conv2d(4, 4, 3, stride=2, padding="same", device=device)
    with pytest.raises(ValueError, match=r"padding_mode must be one of"):
        nn.Conv1d(4, 4, 3, padding_mode="mirror", device=device)
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size must be positive"):
        nn.Conv2d(4, 4, 0, device=device)


# --- modules ---------------------------------------------------------------------------------------------
MODULE_CONFIGS = [
    (nn.Conv2d, (1, 6, 5), dict(padding=2)),
    (nn.Conv2d, (6, 16, 5), {}),
    (nn.Conv2d, (4, 6, (3, 5)), dict(stride=2, padding=1, dilation=2, groups=2, bias=False)),
    (nn.Conv2d, (2, 4, 3), dict(padding="same", padding_mode="reflect")),
    (nn.Conv2d, (2, 4, 3), dict(padding=(1, 2), padding_mode="circular")),
    (nn.Conv2d, (2, 4, 3), dict(padding=1, padding_mode="replicate")),
    (nn.Conv1d, (2, 4, 3), {}),
    (nn.Conv1d, (2, 4, 3), dict(padding="valid")),
    (nn.Conv1d, (4, 4, 5), dict(stride=2, padding=2, dilation=1, groups=4, padding_mode="reflect")),
]


def _torch_class(cls):
    return getattr(torch_or_skip().nn, cls.__name__)


@pytest.mark.parametrize("cls,args,kwargs", MODULE_CONFIGS)
def test_module_shapes_keys_and_repr(cls, args, kwargs, device):
    m = cls(*args, **kwargs, device=device)
    nd = 2 if cls is nn.Conv2d else 1
    kernel = args[2] if isinstance(args[2], tuple) else (args[2],) * nd
    groups = kwargs.get("groups", 1)
    assert m.weight.shape == (args[1], args[0] // groups) + kernel
    keys = list(m.state_dict().keys())
    assert keys == (["weight", "bias"] if kwargs.get("bias", True) else ["weight"])
    assert m.weight.requires_grad and m.weight.dtype == ag.float32
    if checks.torch is not None:
        assert repr(m) == repr(_torch_class(cls)(*args, **kwargs))


def test_module_repr(device):
    assert repr(nn.Conv2d(1, 6, 5, padding=2, device=device)) == \
        "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
    assert repr(nn.Conv2d(4, 6, (3, 5), 2, 1, 2, 2, False, device=device)) == \
        "Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=2, bias=False)"
    assert repr(nn.Conv1d(2, 4, 3, padding="same", padding_mode="reflect", device=device)) == \
        "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same, padding_mode=reflect)"


@pytest.mark.parametrize("cls,args,kwargs", MODULE_CONFIGS)
def test_module_forward_matches_torch(cls, args, kwargs, device):
    torch = torch_or_skip()
    m = cls(*args, **kwargs, device=device, dtype=ag.float64)
    tm = _torch_class(cls)(*args, **kwargs).double()
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(host(m.weight)))
        if m.bias is not None:
            tm.bias.copy_(torch.tensor(host(m.bias)))
    size = (9, 8) if cls is nn.Conv2d else (11,)
    x = rand_array((2, args[0]) + size, seed=5)
    y = m(ag.tensor(x, device=device))
    ty = tm(torch.tensor(x))
    numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    y = m(ag.tensor(x[0], device=device))  # unbatched
    numpy.testing.assert_allclose(host(y), ty.detach().numpy()[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls,args,fan_in", [(nn.Conv2d, (3, 64, 5), 75), (nn.Conv2d, (8, 32, (3, 2), 1, 0, 1, 4), 12),
                                             (nn.Conv1d, (16, 128, 3), 48)])
def test_module_init_bounds(cls, args, fan_in, device):
    ag.manual_seed(3)
    m = cls(*args, device=device)
    bound = 1 / math.sqrt(fan_in)
    w, b = host(m.weight), host(m.bias)
    assert numpy.abs(w).max() <= bound and numpy.abs(b).max() <= bound
    assert numpy.abs(w).max() > 0.9 * bound  # uniform over the whole range, not a narrower one
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound  # the std of U(-a, a) is a / sqrt 3
    ag.manual_seed(3)
    assert numpy.array_equal(host(cls(*args, device=device).weight), w)  # seeded: reproducible


def test_module_backward_and_dtype(device):
    m = nn.Conv2d(2, 3, 3, padding=1, device=device)
    x = ag.randn(4, 2, 6, 5, device=device, requires_grad=True)
    y = m(x)
    assert y.shape == (4, 3, 6, 5) and y.dtype == ag.float32
    y.sum().backward()
    assert m.weight.grad.shape == m.weight.shape and m.bias.grad.dtype == ag.float32
    numpy.testing.assert_allclose(host(m.bias.grad), numpy.full(3, 4 * 6 * 5.0), rtol=1e-6)
    m64 = nn.Conv1d(2, 3, 3, dtype=ag.float64, device=device)
    assert m64.weight.dtype == ag.float64 and m64(ag.randn(2, 2, 7, dtype=ag.float64, device=device)).shape == (2, 3, 5)


# --- an empty batch ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("c,o,k,p,s", [
    (6, 16, 5, 0, 1),  # the batch-inner columns, the shift form of dL/dx
    (6, 6, 5, 0, 1),  # per-sample GEMMs
    (3, 8, 3, 1, 2),  # stride phases
    (16, 32, 3, 1, 1),  # Winograd
    (16, 32, 3, 1, 2),  # channels-last im2col
])
def test_empty_batch(c, o, k, p, s, device):
    """A batch of zero samples gives empty outputs and input gradients and a zero weight gradient, in every
    algorithm (nothing divides by the batch size or infers a dimension from an empty array)."""
    x = ag.tensor(numpy.zeros((0, c, 9, 8)), device=device, requires_grad=True)
    w = ag.tensor(rand_array((o, c, k, k), seed=15), device=device, requires_grad=True)
    y = F.conv2d(x, w, padding=p, stride=s)
    assert y.shape[0] == 0 and y.shape[1] == o
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, c, 9, 8)
    numpy.testing.assert_array_equal(host(w.grad), numpy.zeros((o, c, k, k)))
