"""conv3d / conv_transpose3d and Conv3d / ConvTranspose3d: PyTorch as an oracle for forward and backward
(float32 and float64) over a grid of kernel / stride / padding / dilation / groups with D != H != W and
windows that do not divide the input evenly; gradcheck and gradgradcheck in float64; the strict stand-in
for a GPU; module reprs, state_dict keys and initialisation; the errors a user can cause."""

import math

import numpy
import pytest

import autograd_core as ag
import checks
import nn
import nn.functional as F
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip
from nn.functional.conv3d_arrays import conv3d_forward, conv3d_input

F32 = {"float32": dict(rtol=2e-4, atol=2e-4)}


def conv_arrays(n, c, o, g, kernel, size, bias=True, seed=0, transposed=False):
    kernel = kernel if isinstance(kernel, tuple) else (kernel,) * 3
    wshape = ((c, o // g) if transposed else (o, c // g)) + kernel
    arrs = [rand_array((n, c) + tuple(size), seed=seed), rand_array(wshape, seed=seed + 1)]
    if bias:
        arrs.append(rand_array((o,), seed=seed + 2))
    return arrs


# (kernel, stride, padding, dilation, groups, (D, H, W), C, O, bias): every option, D != H != W, windows that
# do not divide the input evenly, strides that do and do not share a factor with the dilation (the input
# gradient's stride phases), a kernel smaller than the stride (phases no tap reaches)
CONV3D_CASES = [
    (1, 1, 0, 1, 1, (3, 4, 2), 2, 3, True),
    (3, 1, 1, 1, 1, (5, 4, 3), 2, 3, True),
    (3, 2, 1, 1, 2, (6, 5, 4), 2, 4, True),
    (2, 3, 0, 2, 1, (7, 6, 5), 1, 2, False),
    (3, 2, 1, 2, 1, (7, 6, 5), 2, 2, True),
    ((3, 2, 1), (2, 1, 3), (1, 0, 1), (1, 2, 1), 2, (6, 5, 4), 4, 2, True),
    ((2, 3, 2), 1, "same", (2, 1, 1), 1, (4, 5, 3), 2, 3, False),
    (3, 1, "valid", 1, 1, (4, 5, 3), 2, 2, True),
    (1, (4, 2, 3), 0, 1, 1, (6, 5, 7), 2, 2, True),
]


def _conv3d_fn(stride, padding, dilation, groups):
    return lambda x, w, b=None: F.conv3d(x, w, b, stride, padding, dilation, groups)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("k,s,p,d,g,size,c,o,bias", CONV3D_CASES)
def test_conv3d_matches_torch(k, s, p, d, g, size, c, o, bias, device):
    torch = torch_or_skip()
    compare_with_torch(_conv3d_fn(s, p, d, g), lambda x, w, b=None: torch.nn.functional.conv3d(x, w, b, s, p, d, g),
                       *conv_arrays(2, c, o, g, k, size, bias), device=device, tol=F32)


@pytest.mark.parametrize("k,s,p,d,g,size,c,o,bias", CONV3D_CASES)
def test_conv3d_gradcheck(k, s, p, d, g, size, c, o, bias, device):
    check_grads(_conv3d_fn(s, p, d, g), *conv_arrays(1, c, o, g, k, size, bias, seed=3), device=device,
                second=False)


@pytest.mark.parametrize("k,s,p,d,g,size,c,o,bias", [CONV3D_CASES[i] for i in (2, 4, 5, 6, 8)])
def test_conv3d_gradgradcheck(k, s, p, d, g, size, c, o, bias, device):
    inputs = [ag.tensor(a, device=device, requires_grad=True) for a in conv_arrays(1, c, o, g, k, size, bias, seed=4)]
    assert ag.gradgradcheck(_conv3d_fn(s, p, d, g), inputs)


def test_conv3d_unbatched(device):
    torch = torch_or_skip()
    x, w, b = conv_arrays(1, 2, 3, 1, (3, 2, 2), (5, 4, 3))
    compare_with_torch(lambda x, w, b: F.conv3d(x, w, b, 2, 1),
                       lambda x, w, b: torch.nn.functional.conv3d(x, w, b, 2, 1), x[0], w, b, device=device, tol=F32)


def test_conv3d_double_backward_matches_torch(device):
    torch = torch_or_skip()
    x, w, b = conv_arrays(2, 2, 4, 2, (3, 2, 2), (5, 4, 6), seed=9)
    xs = [ag.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    gx, gw = ag.grad((F.conv3d(*xs, 2, 1, 1, 2) ** 2).sum(), xs[:2], create_graph=True)
    tgx, tgw = torch.autograd.grad((torch.nn.functional.conv3d(*ts, 2, 1, 1, 2) ** 2).sum(), ts[:2],
                                   create_graph=True)
    ours = ag.grad((gx * gx).sum() + (gw ** 3).sum(), xs)
    theirs = torch.autograd.grad((tgx * tgx).sum() + (tgw ** 3).sum(), ts)
    for a, t in zip(ours, theirs):
        numpy.testing.assert_allclose(host(a), t.numpy(), rtol=1e-9, atol=1e-9)


def test_conv3d_adjoint_identity(device):
    """<conv3d(x, W), y> = <x, ConvTranspose3D(y, W)> over the stride phases, exactly."""
    backend = ag.tensor(0.0, device=device)._backend
    for k, s, p, d, g in [(3, 2, 1, 2, 1), ((2, 3, 1), (3, 2, 4), (1, 1, 0), (2, 1, 1), 2)]:
        x, w = (backend.asarray(a) for a in conv_arrays(2, 4, 2, g, k, (7, 6, 5), False, seed=11))
        s, p, d = (v if isinstance(v, tuple) else (v,) * 3 for v in (s, p, d))
        geom = (s, tuple((q, q) for q in p), d, g)
        y, _ = conv3d_forward(backend, x, w, geom)
        gx = conv3d_input(backend, y, w, (7, 6, 5), geom)
        lhs = float((backend.to_host(y) ** 2).sum())
        numpy.testing.assert_allclose(float((backend.to_host(x) * backend.to_host(gx)).sum()), lhs, rtol=1e-10)


def test_conv3d_of_a_permuted_input(device):
    """The window view follows the input's strides: a non-contiguous input needs no copy first."""
    torch = torch_or_skip()
    x, w, b = conv_arrays(2, 3, 4, 1, (2, 3, 2), (5, 6, 7), seed=12)
    compare_with_torch(lambda x, w, b: F.conv3d(x.permute(0, 1, 4, 3, 2), w, b, (1, 2, 1), 1),
                       lambda x, w, b: torch.nn.functional.conv3d(x.permute(0, 1, 4, 3, 2), w, b, (1, 2, 1), 1),
                       x, w, b, device=device, tol=F32)


# --- conv_transpose3d ---------------------------------------------------------------------------------
# (kernel, stride, padding, output_padding, dilation, groups, (D, H, W), C_in, C_out)
TRANSPOSE_CASES = [
    (3, 1, 0, 0, 1, 1, (3, 2, 4), 2, 3),
    (3, 2, 1, 1, 1, 1, (3, 4, 2), 2, 2),
    ((2, 3, 1), (2, 1, 3), (0, 1, 0), (1, 0, 2), (1, 2, 1), 2, (2, 3, 4), 4, 2),
    (2, 3, 1, 2, 1, 1, (3, 2, 3), 2, 3),  # output_padding past every window: planes of zeros
    (2, 2, 1, 1, 3, 2, (2, 4, 3), 2, 4),
]


def _transpose_fn(s, p, op, d, g):
    return lambda x, w, b=None: F.conv_transpose3d(x, w, b, s, p, op, g, d)


@pytest.mark.parametrize("k,s,p,op,d,g,size,c,o", TRANSPOSE_CASES)
def test_conv_transpose3d_matches_torch(k, s, p, op, d, g, size, c, o, device):
    torch = torch_or_skip()
    compare_with_torch(_transpose_fn(s, p, op, d, g),
                       lambda x, w, b: torch.nn.functional.conv_transpose3d(x, w, b, s, p, op, g, d),
                       *conv_arrays(2, c, o, g, k, size, True, transposed=True), device=device, tol=F32)


@pytest.mark.parametrize("k,s,p,op,d,g,size,c,o", TRANSPOSE_CASES)
def test_conv_transpose3d_gradcheck(k, s, p, op, d, g, size, c, o, device):
    arrs = conv_arrays(1, c, o, g, k, size, True, seed=5, transposed=True)
    check_grads(_transpose_fn(s, p, op, d, g), *arrs, device=device, second=False)
    inputs = [ag.tensor(a, device=device, requires_grad=True) for a in arrs]
    assert ag.gradgradcheck(_transpose_fn(s, p, op, d, g), inputs)


def test_conv_transpose3d_unbatched(device):
    torch = torch_or_skip()
    x, w = conv_arrays(1, 2, 3, 1, 2, (2, 3, 2), False, transposed=True)
    compare_with_torch(lambda x, w: F.conv_transpose3d(x, w, None, 2, 1, 1),
                       lambda x, w: torch.nn.functional.conv_transpose3d(x, w, None, 2, 1, 1), x[0], w, device=device,
                       tol=F32)


# --- the strict stand-in for a GPU ---------------------------------------------------------------------
def test_conv3d_on_strict_device():
    x, w, b = conv_arrays(2, 4, 2, 2, (3, 2, 2), (5, 4, 6), seed=13)
    grads = check_on_strict_device(lambda x, w, b: F.conv3d(x, w, b, (2, 1, 2), 1, (1, 2, 1), 2), [x, w, b],
                                   [True, True, True])
    assert len(grads) == 3 and all(g is not None for g in grads)
    check_on_strict_device(lambda x, w: F.conv3d(x, w, None, 1, "same"), conv_arrays(1, 2, 3, 1, 3, (4, 3, 5), False),
                           [True, True])


def test_conv_transpose3d_on_strict_device():
    arrs = conv_arrays(2, 2, 4, 2, (2, 3, 2), (3, 2, 4), True, seed=14, transposed=True)
    check_on_strict_device(lambda x, w, b: F.conv_transpose3d(x, w, b, (2, 1, 3), 1, (1, 0, 2), 2), arrs,
                           [True, True, True])


# --- dtypes, no_grad ---------------------------------------------------------------------------------
def test_conv3d_float32_and_no_grad(device):
    x = ag.randn(2, 3, 4, 5, 6, device=device, requires_grad=True)
    w = ag.randn(4, 3, 2, 2, 2, device=device, requires_grad=True)
    y = F.conv3d(x, w, stride=2)
    assert y.dtype == ag.float32 and y.shape == (2, 4, 2, 2, 3)
    y.sum().backward()
    assert x.grad.dtype == ag.float32 and w.grad.dtype == ag.float32
    with ag.no_grad():
        assert not F.conv3d(x, w).requires_grad
    assert F.conv_transpose3d(x, ag.randn(3, 2, 2, 2, 2, device=device)).dtype == ag.float32


# --- errors -----------------------------------------------------------------------------------------
def test_conv3d_errors(device):
    x = ag.randn(2, 4, 5, 6, 7, device=device)
    w = ag.randn(6, 2, 3, 3, 3, device=device)
    with pytest.raises(ValueError, match=r"conv3d: expected a 4-D \(unbatched\) or 5-D \(batched\) input, got shape "
                                         r"\(4, 5, 6\)"):
        F.conv3d(ag.randn(4, 5, 6, device=device), w)
    with pytest.raises(ValueError, match=r"conv3d: weight must be 5-D .*got shape \(6, 2, 3, 3\)"):
        F.conv3d(x, ag.randn(6, 2, 3, 3, device=device))
    with pytest.raises(ValueError, match=r"conv3d: input has 4 channels, weight expects 2 \(input shape "
                                         r"\(2, 4, 5, 6, 7\), weight shape \(6, 2, 3, 3, 3\)\)"):
        F.conv3d(x, w)
    with pytest.raises(ValueError, match=r"conv3d: weight has 6 output channels, which is not divisible by groups=4"):
        F.conv3d(x, ag.randn(6, 1, 3, 3, 3, device=device), groups=4)
    with pytest.raises(ValueError, match=r"conv3d: groups must be a positive int, got 0"):
        F.conv3d(x, w, groups=0)
    with pytest.raises(ValueError, match=r"conv3d: the padded input is 5x6x7 but the kernel covers 9x9x9"):
        F.conv3d(x, w, groups=2, dilation=4)
    with pytest.raises(ValueError, match=r"conv3d: padding must be 'valid', 'same', an int or a tuple of ints, got "
                                         r"'full'"):
        F.conv3d(x, w, groups=2, padding="full")
    with pytest.raises(ValueError, match=r"conv3d: padding='same' is not supported for strided convolutions"):
        F.conv3d(x, w, groups=2, padding="same", stride=2)
    with pytest.raises(TypeError, match=r"conv3d: stride must be an int or a tuple of 3 ints, got \(1, 2\)"):
        F.conv3d(x, w, groups=2, stride=(1, 2))
    with pytest.raises(ValueError, match=r"conv3d: bias has shape \(5,\), expected \(6,\)"):
        F.conv3d(x, w, ag.randn(5, device=device), groups=2)
    with pytest.raises(TypeError, match=r"conv3d: input dtype float64 does not match weight dtype float32"):
        F.conv3d(x.double(), w, groups=2)
    with pytest.raises(TypeError, match=r"conv3d: input must be a Tensor, got ndarray"):
        F.conv3d(numpy.zeros((2, 4, 5, 6, 7)), w)


def test_conv_transpose3d_errors(device):
    x = ag.randn(2, 4, 3, 2, 3, device=device)
    w = ag.randn(4, 3, 2, 2, 2, device=device)
    with pytest.raises(ValueError, match=r"conv_transpose3d: input has 3 channels, weight expects 4"):
        F.conv_transpose3d(ag.randn(2, 3, 3, 2, 3, device=device), w)
    with pytest.raises(ValueError, match=r"conv_transpose3d: weight has 4 input channels, which is not divisible by "
                                         r"groups=3"):
        F.conv_transpose3d(x, w, groups=3)
    with pytest.raises(ValueError, match=r"conv_transpose3d: output_padding must be smaller than stride or dilation, "
                                         r"got output_padding=2 with stride=2, dilation=1"):
        F.conv_transpose3d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose3d: padding must be an int or a tuple of 3 ints \(no 'same'"):
        F.conv_transpose3d(x, w, padding="same")
    with pytest.raises(ValueError, match=r"conv_transpose3d: the output size would be 0x-1x0, not positive"):
        F.conv_transpose3d(x, w, padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose3d: bias has shape \(4,\), expected \(3,\)"):
        F.conv_transpose3d(x, w, ag.randn(4, device=device))


# --- modules ----------------------------------------------------------------------------------------
MODULE_CONFIGS = [
    (nn.Conv3d, (4, 6, 3), {}),
    (nn.Conv3d, (4, 6, (3, 2, 1)), dict(stride=(1, 2, 3), padding=1, dilation=2, groups=2, bias=False,
                                         padding_mode="reflect")),
    (nn.Conv3d, (2, 4, 3), dict(padding="same", padding_mode="circular")),
    (nn.Conv3d, (2, 3, 2), dict(padding="valid", padding_mode="replicate")),
    (nn.ConvTranspose3d, (4, 6, 3), dict(stride=2, output_padding=1)),
    (nn.ConvTranspose3d, (4, 6, (2, 3, 1)), dict(stride=(2, 1, 2), padding=(1, 0, 0), groups=2, dilation=(1, 2, 1),
                                                 bias=False)),
]


@pytest.mark.parametrize("cls,args,kwargs", MODULE_CONFIGS)
def test_module_shapes_keys_repr_and_forward(cls, args, kwargs, device):
    m = cls(*args, **kwargs, device=device, dtype=ag.float64)
    kernel = args[2] if isinstance(args[2], tuple) else (args[2],) * 3
    g = kwargs.get("groups", 1)
    shape = (args[0], args[1] // g) if cls is nn.ConvTranspose3d else (args[1], args[0] // g)
    assert m.weight.shape == shape + kernel
    assert list(m.state_dict().keys()) == (["weight", "bias"] if kwargs.get("bias", True) else ["weight"])
    if checks.torch is None:
        return
    torch = checks.torch
    tm = getattr(torch.nn, cls.__name__)(*args, **kwargs).double()
    assert repr(m) == repr(tm)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(host(m.weight)))
        if m.bias is not None:
            tm.bias.copy_(torch.tensor(host(m.bias)))
    x = rand_array((2, args[0], 4, 5, 6), seed=5)
    numpy.testing.assert_allclose(host(m(ag.tensor(x, device=device))), tm(torch.tensor(x)).detach().numpy(),
                                  rtol=1e-10, atol=1e-12)


def test_module_reprs(device):
    assert repr(nn.Conv3d(4, 6, 3, device=device)) == "Conv3d(4, 6, kernel_size=(3, 3, 3), stride=(1, 1, 1))"
    assert repr(nn.Conv3d(4, 6, 3, padding="same", device=device)) == \
        "Conv3d(4, 6, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=same)"
    assert repr(nn.ConvTranspose3d(4, 6, 3, stride=2, output_padding=1, device=device)) == \
        "ConvTranspose3d(4, 6, kernel_size=(3, 3, 3), stride=(2, 2, 2), output_padding=(1, 1, 1))"


@pytest.mark.parametrize("cls,args,fan_in", [(nn.Conv3d, (4, 6, (3, 2, 4)), 4 * 24),
                                             (nn.Conv3d, (4, 6, 3, 1, 0, 1, 2), 2 * 27),
                                             (nn.ConvTranspose3d, (4, 6, 3), 6 * 27)])
def test_module_init_bounds(cls, args, fan_in, device):
    ag.manual_seed(3)
    m = cls(*args, device=device)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a = sqrt 5) = U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w, b = host(m.weight), host(m.bias)
    assert numpy.abs(w).max() <= bound and numpy.abs(b).max() <= bound
    assert numpy.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    ag.manual_seed(3)
    assert numpy.array_equal(host(cls(*args, device=device).weight), w)


def test_conv_transpose3d_module_output_size(device):
    m = nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1, device=device)
    x = ag.randn(1, 2, 3, 4, 2, device=device)
    assert m(x).shape == (1, 3, 5, 7, 3)
    assert m(x, output_size=(6, 8, 4)).shape == (1, 3, 6, 8, 4)
    with pytest.raises(ValueError, match=r"ConvTranspose3d: requested an output size of \(9, 8, 4\)"):
        m(x, output_size=(9, 8, 4))


def test_module_errors(device):
    with pytest.raises(ValueError, match=r"Conv3d: in_channels \(3\) must be divisible by groups \(2\)"):
        nn.Conv3d(3, 4, 3, groups=2, device=device)
    with pytest.raises(ValueError, match=r"Conv3d: padding='same' is not supported for strided convolutions"):
        nn.Conv3d(4, 4, 3, stride=2, padding="same", device=device)
    with pytest.raises(TypeError, match=r"Conv3d: kernel_size must be an int or a tuple of 3 ints, got \(3, 3\)"):
        nn.Conv3d(4, 4, (3, 3), device=device)
    with pytest.raises(ValueError, match=r"ConvTranspose3d: only padding_mode=\"zeros\" is supported"):
        nn.ConvTranspose3d(4, 4, 3, padding_mode="reflect", device=device)
