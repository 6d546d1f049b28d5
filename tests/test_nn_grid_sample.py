"""grid_sample (nearest, bilinear, bicubic; zeros, border, reflection padding; both align_corners) and affine_grid:
values and gradients against PyTorch, gradcheck + gradgradcheck in float64, known values, errors, and the strict
stand-in for a GPU."""

import contextlib
import itertools

import numpy
import pytest

import autograd_core as ag
import nn.functional as F
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

MODES = ["bilinear", "nearest", "bicubic"]
PADDING = ["zeros", "border", "reflection"]
F32 = {"float32": dict(rtol=1e-4, atol=3e-5)}  # the grid's gradient sums over channels and taps


def sample_points(shape, h, w, align_corners, seed=0, margin=2.4):
    """Grid coordinates of shape ``shape + (2,)`` (x, y) whose source indices lie within ``margin`` pixels past
    the input's edges (so every padding path is taken; the grid goes well outside [-1, 1]) and at least 0.1
    pixel from every integer and half-integer: away from the kinks of floor, rint, clip and reflection, so
    finite differences and float32 rounding cross none."""
    coords = []
    for k, size in enumerate((w, h)):
        if size == 1 and align_corners:  # the whole axis maps onto the one pixel's centre
            coords.append(rand_array(shape, seed=seed + k, low=-1.5, high=1.5))
            continue
        kinks = [v / 2 for v in range(-2 * int(margin) - 4, 2 * size + 2 * int(margin) + 4)]
        i = rand_array(shape, seed=seed + k, low=-margin, high=size - 1 + margin, away=0.1, kinks=kinks)
        coords.append(2 * i / (size - 1) - 1 if align_corners else (2 * i + 1) / size - 1)
    return numpy.stack(coords, -1)


def tensor(a, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(a), dtype=dtype, device=device, requires_grad=requires_grad)


# --- against PyTorch ------------------------------------------------------------------------------------
SHAPES = [((2, 3, 4, 5), (3, 6)),  # N > 1, C > 1, H != W, output sizes differing from the input's
          ((1, 2, 5, 3), (4, 2)),
          ((2, 1, 1, 4), (2, 3))]  # a single row: the size-1 cases of unnormalize and reflection


@pytest.mark.parametrize("shape, out", SHAPES)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDING)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_matches_torch(mode, padding_mode, align_corners, shape, out, device):
    torch = torch_or_skip()
    n, _, h, w = shape
    x = rand_array(shape, seed=1)
    grid = sample_points((n,) + out, h, w, align_corners, seed=2)
    compare_with_torch(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners),
                       lambda a, g: torch.nn.functional.grid_sample(a, g, mode, padding_mode, align_corners),
                       x, grid, device=device, tol=F32)


def test_grid_sample_defaults_match_torch(device):
    torch = torch_or_skip()
    x = rand_array((2, 2, 3, 4), seed=3)
    grid = sample_points((2, 2, 5), 3, 4, False, seed=4)
    with pytest.warns(UserWarning):  # torch warns about the align_corners default; we do not
        compare_with_torch(F.grid_sample, torch.nn.functional.grid_sample, x, grid, device=device, tol=F32)


# --- gradcheck and gradgradcheck in float64 -------------------------------------------------------------
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDING)
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_gradcheck_input_and_grid(mode, padding_mode, align_corners, device):
    x = rand_array((2, 2, 3, 4), seed=5)
    grid = sample_points((2, 2, 3), 3, 4, align_corners, seed=6)
    check_grads(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners), x, grid, device=device)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDING)
def test_grid_sample_nearest_gradcheck_input(padding_mode, align_corners, device):
    x = rand_array((2, 2, 3, 4), seed=7)
    grid = tensor(sample_points((2, 3, 2), 3, 4, align_corners, seed=8), device)
    check_grads(lambda a: F.grid_sample(a, grid, "nearest", padding_mode, align_corners), x, device=device)


def test_grid_sample_gradient_w_r_t_the_grid_alone(device):
    """With a constant input only the grid's gradient is computed, and it equals the one of the full backward."""
    x = rand_array((2, 3, 4, 5), seed=9)
    grid = sample_points((2, 3, 2), 4, 5, False, seed=10)
    g_alone = tensor(grid, device, requires_grad=True)
    F.grid_sample(tensor(x, device), g_alone, padding_mode="reflection").sum().backward()
    a, g = tensor(x, device, requires_grad=True), tensor(grid, device, requires_grad=True)
    F.grid_sample(a, g, padding_mode="reflection").sum().backward()
    numpy.testing.assert_allclose(host(g_alone.grad), host(g.grad), rtol=1e-12, atol=1e-12)
    check_grads(lambda t: F.grid_sample(tensor(x, device), t, padding_mode="border"), grid, device=device)


def test_nearest_grid_gradient_is_zero(device):
    x = tensor(rand_array((1, 2, 3, 3), seed=11), device, requires_grad=True)
    grid = tensor(sample_points((1, 2, 2), 3, 3, True, seed=12), device, requires_grad=True)
    (F.grid_sample(x, grid, mode="nearest", padding_mode="border", align_corners=True) ** 2).sum().backward()
    assert grid.grad is not None and tuple(grid.grad.shape) == (1, 2, 2, 2)
    assert not host(grid.grad).any()
    assert host(x.grad).any()


# --- known values ---------------------------------------------------------------------------------------
def test_grid_sample_known_values(device):
    x = tensor([[[[1.0, 2.0], [3.0, 4.0]]]], device)
    points = tensor([[[[0.0, 0.0], [-1.0, -1.0], [1.0, -1.0], [0.5, 0.0]]]], device)  # (1, 1, 4, 2)
    centre_corner_corner_half = {
        # align_corners=True: -1 and 1 are the corner pixels' centres
        (True, "zeros"): [2.5, 1.0, 2.0, 2.75],
        # align_corners=False: -1 and 1 are the corner pixels' outer edges, half a pixel past their centres
        (False, "zeros"): [2.5, 0.25, 0.5, 3.0],
        (False, "border"): [2.5, 1.0, 2.0, 3.0],
        (False, "reflection"): [2.5, 1.0, 2.0, 3.0],
    }
    for (align, padding), want in centre_corner_corner_half.items():
        got = F.grid_sample(x, points, padding_mode=padding, align_corners=align)
        numpy.testing.assert_allclose(host(got).reshape(-1), want, rtol=1e-12, err_msg=f"{align}, {padding}")
    # nearest rounds half to even: x = 0.5 with align_corners=True is column 0.5 -> 0
    got = F.grid_sample(x, tensor([[[[0.0, -1.0], [0.2, 1.0]]]], device), mode="nearest", align_corners=True)
    numpy.testing.assert_array_equal(host(got).reshape(-1), [1.0, 4.0])


@pytest.mark.parametrize("align_corners", [True, False])
@pytest.mark.parametrize("mode", MODES)
def test_identity_theta_samples_the_input_back(mode, align_corners, device):
    """affine_grid of the identity puts every output pixel on the centre of the same input pixel."""
    x = rand_array((2, 3, 4, 5), seed=13)
    theta = tensor(numpy.tile(numpy.eye(2, 3), (2, 1, 1)), device)
    grid = F.affine_grid(theta, (2, 3, 4, 5), align_corners=align_corners)
    y = F.grid_sample(tensor(x, device), grid, mode=mode, align_corners=align_corners)
    numpy.testing.assert_allclose(host(y), x, rtol=1e-12, atol=1e-12)


def test_affine_grid_known_values(device):
    theta = tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], device)
    got = host(F.affine_grid(theta, (1, 1, 2, 3), align_corners=True))[0]
    numpy.testing.assert_allclose(got[..., 0], [[-1.0, 0.0, 1.0]] * 2, atol=1e-15)
    numpy.testing.assert_allclose(got[..., 1], [[-1.0] * 3, [1.0] * 3], atol=1e-15)
    got = host(F.affine_grid(theta, (1, 1, 2, 3)))[0]  # align_corners=None is False: pixel centres
    numpy.testing.assert_allclose(got[..., 0], [[-2 / 3, 0.0, 2 / 3]] * 2, atol=1e-15)
    numpy.testing.assert_allclose(got[..., 1], [[-0.5] * 3, [0.5] * 3], atol=1e-15)


# --- affine_grid ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 2, 6, 1)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch(align_corners, size, device):
    torch = torch_or_skip()
    theta = rand_array((2, 2, 3), seed=14)
    with pytest.warns(UserWarning) if align_corners and 1 in size[2:] else contextlib.nullcontext():
        compare_with_torch(lambda t: F.affine_grid(t, size, align_corners),
                           lambda t: torch.nn.functional.affine_grid(t, size, align_corners), theta, device=device)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_gradcheck(align_corners, device):
    check_grads(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners), rand_array((2, 2, 3), seed=15),
                device=device)


def test_affine_grid_then_grid_sample_gradcheck(device):
    """A spatial transformer: the gradient reaches theta through the grid."""
    x = rand_array((1, 2, 4, 5), seed=16)
    theta = numpy.array([[[0.9, 0.13, 0.07], [-0.11, 1.05, 0.03]]])
    check_grads(lambda a, t: F.grid_sample(a, F.affine_grid(t, (1, 2, 3, 4), False), align_corners=False),
                x, theta, device=device)


# --- errors ---------------------------------------------------------------------------------------------
def test_grid_sample_errors(device):
    x = tensor(numpy.zeros((2, 3, 4, 5)), device)
    grid = tensor(numpy.zeros((2, 3, 3, 2)), device)
    with pytest.raises(ValueError, match=r"expected a 4-D input .* got input of shape \(3, 4, 5\)"):
        F.grid_sample(x[0], grid)
    with pytest.raises(ValueError, match=r"grid of shape \(2, 3, 3, 2, 1\)"):
        F.grid_sample(x, grid.reshape(2, 3, 3, 2, 1))
    with pytest.raises(ValueError, match=r"size 2 \(x, y\) in its last dimension, got grid of shape \(2, 3, 2, 3\)"):
        F.grid_sample(x, tensor(numpy.zeros((2, 3, 2, 3)), device))
    with pytest.raises(ValueError, match=r"same batch size, got input of shape \(2, 3, 4, 5\) and grid of shape "
                                         r"\(1, 3, 3, 2\)"):
        F.grid_sample(x, grid[:1])
    with pytest.raises(ValueError, match=r"non-empty spatial dimensions, got input of shape \(2, 3, 0, 5\)"):
        F.grid_sample(x[:, :, :0], grid)
    with pytest.raises(ValueError, match=r"mode must be one of 'bilinear', 'nearest', 'bicubic', got 'linear'"):
        F.grid_sample(x, grid, mode="linear")
    with pytest.raises(ValueError, match=r"padding_mode must be one of .*, got 'circular'"):
        F.grid_sample(x, grid, padding_mode="circular")
    with pytest.raises(TypeError, match=r"floating-point input, got dtype int64"):
        F.grid_sample(tensor(numpy.zeros((2, 3, 4, 5)), device, dtype=ag.int64), grid)
    with pytest.raises(TypeError, match=r"floating-point grid, got dtype int32"):
        F.grid_sample(x, tensor(numpy.zeros((2, 3, 3, 2)), device, dtype=ag.int32))
    with pytest.raises(TypeError, match=r"same dtype, got input of dtype float64 and grid of dtype float32"):
        F.grid_sample(x, tensor(numpy.zeros((2, 3, 3, 2)), device, dtype=ag.float32))
    with pytest.raises(TypeError, match=r"grid_sample: input must be a Tensor, got ndarray"):
        F.grid_sample(numpy.zeros((2, 3, 4, 5)), grid)
    with pytest.raises(TypeError, match=r"align_corners must be a bool or None, got 'yes'"):
        F.grid_sample(x, grid, align_corners="yes")


def test_affine_grid_errors(device):
    theta = tensor(numpy.zeros((2, 2, 3)), device)
    with pytest.raises(ValueError, match=r"affine matrices of shape \(2, 2, 3\) for size \(2, 1, 4, 4\), got theta "
                                         r"of shape \(2, 3, 3\)"):
        F.affine_grid(tensor(numpy.zeros((2, 3, 3)), device), (2, 1, 4, 4))
    with pytest.raises(ValueError, match=r"of shape \(3, 2, 3\) for size \(3, 1, 4, 4\), got theta of shape "
                                         r"\(2, 2, 3\)"):
        F.affine_grid(theta, (3, 1, 4, 4))
    with pytest.raises(ValueError, match=r"only 2-D affine transforms .* got size \(2, 1, 4, 4, 4\)"):
        F.affine_grid(theta, (2, 1, 4, 4, 4))
    with pytest.raises(ValueError, match=r"positive output size, got size \(2, 1, 0, 4\)"):
        F.affine_grid(theta, (2, 1, 0, 4))
    with pytest.raises(TypeError, match=r"size must be a sequence of ints \(N, C, H, W\), got 4"):
        F.affine_grid(theta, 4)
    with pytest.raises(TypeError, match=r"affine_grid: expected a floating-point theta, got dtype int64"):
        F.affine_grid(tensor(numpy.zeros((2, 2, 3)), device, dtype=ag.int64), (2, 1, 4, 4))


# --- the strict stand-in for a GPU -----------------------------------------------------------------------
@pytest.mark.parametrize("mode, padding_mode, align_corners",
                         list(itertools.product(["bilinear", "nearest"], PADDING, [False, True]))
                         + [("bicubic", "reflection", False), ("bicubic", "zeros", True)])
def test_grid_sample_on_strict_device(mode, padding_mode, align_corners):
    x = rand_array((2, 2, 3, 4), seed=17)
    grid = sample_points((2, 2, 3), 3, 4, align_corners, seed=18)
    grads = check_on_strict_device(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners), [x, grid],
                                   [True, True])
    assert len(grads) == 2 and host(grads[0]).any()
    assert host(grads[1]).any() == (mode != "nearest")


def test_affine_grid_on_strict_device():
    x = rand_array((1, 2, 4, 5), seed=19)
    theta = numpy.array([[[0.9, 0.13, 0.07], [-0.11, 1.05, 0.03]]])
    check_on_strict_device(lambda t: F.affine_grid(t, (1, 2, 3, 4), True), [theta], [True])
    check_on_strict_device(lambda a, t: F.grid_sample(a, F.affine_grid(t, (1, 2, 3, 4), False), align_corners=False),
                           [x, theta], [True, True])
