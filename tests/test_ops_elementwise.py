"""Arithmetic, comparison and elementwise ops: values, gradients (gradcheck + gradgradcheck in
float64), PyTorch as an oracle in float32 and float64, dtype promotion, broadcasting, stability."""

import functools
import operator

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import mutually_broadcastable_shapes
except ImportError:  # hypothesis is in the test extra; the generated tests skip without it
    given = None

SHAPES = [(), (3,), (2, 3)]


def F():
    """torch.nn.functional (only called from torch_fn, after compare_with_torch found torch)."""
    return torch.nn.functional


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


# --- unary ops: (name, our fn, torch fn or None for the same callable, rand_array kwargs) ------------
POS = dict(low=0.2, high=3.0, kinks=())
SMOOTH = dict(kinks=())
UNARY = [
    ("exp", lambda x: x.exp(), None, SMOOTH),
    ("expm1", lambda x: x.expm1(), None, SMOOTH),
    ("log", lambda x: x.log(), None, POS),
    ("log1p", lambda x: x.log1p(), None, dict(low=-0.8, high=3.0, kinks=())),
    ("sqrt", lambda x: x.sqrt(), None, POS),
    ("rsqrt", lambda x: x.rsqrt(), None, POS),
    ("sin", lambda x: x.sin(), None, SMOOTH),
    ("cos", lambda x: x.cos(), None, SMOOTH),
    ("tan", lambda x: x.tan(), None, dict(low=-1.3, high=1.3, kinks=())),
    ("tanh", lambda x: x.tanh(), None, SMOOTH),
    ("sigmoid", lambda x: x.sigmoid(), None, dict(low=-6.0, high=6.0, kinks=())),
    ("relu", lambda x: x.relu(), None, {}),
    ("leaky_relu", lambda x: ag.leaky_relu(x, 0.2), lambda t: F().leaky_relu(t, 0.2), {}),
    ("leaky_relu_default", lambda x: x.leaky_relu(), lambda t: F().leaky_relu(t), {}),
    ("softplus", lambda x: ag.softplus(x), lambda t: F().softplus(t), dict(low=-4.0, high=4.0, kinks=())),
    ("softplus_beta_threshold", lambda x: ag.softplus(x, beta=2.0, threshold=3.0),
     lambda t: F().softplus(t, beta=2.0, threshold=3.0), dict(kinks=(1.5,))),
    ("abs", lambda x: x.abs(), None, {}),
    ("abs_builtin", lambda x: abs(x), None, {}),
    ("neg", lambda x: -x, None, SMOOTH),
    ("sign", lambda x: x.sign(), None, {}),
    ("square", lambda x: x.square(), None, SMOOTH),
    ("reciprocal", lambda x: x.reciprocal(), None, dict(away=0.2)),
    ("pow_2", lambda x: x ** 2, None, SMOOTH),
    ("pow_3", lambda x: x ** 3, None, SMOOTH),
    ("pow_0", lambda x: x ** 0, None, SMOOTH),
    ("pow_1", lambda x: x ** 1, None, SMOOTH),
    ("pow_half", lambda x: x ** 0.5, None, POS),
    ("pow_neg", lambda x: x ** -1.5, None, POS),
    ("pow_method", lambda x: x.pow(2.5), None, POS),
    ("rpow_2", lambda x: 2 ** x, None, SMOOTH),
    ("rpow_half", lambda x: 0.5 ** x, None, SMOOTH),
    ("clamp_min", lambda x: x.clamp(min=-0.5), None, dict(kinks=(-0.5,))),
    ("clamp_max", lambda x: x.clamp(max=0.7), None, dict(kinks=(0.7,))),
    ("clamp_both", lambda x: x.clamp(-0.5, 0.7), None, dict(kinks=(-0.5, 0.7))),
    ("clip", lambda x: x.clip(-0.5, 0.7), None, dict(kinks=(-0.5, 0.7))),
    ("add_scalar", lambda x: x + 1.5, None, SMOOTH),
    ("radd_scalar", lambda x: 1.5 + x, None, SMOOTH),
    ("sub_scalar", lambda x: x - 1.5, None, SMOOTH),
    ("rsub_scalar", lambda x: 2.0 - x, None, SMOOTH),
    ("mul_scalar", lambda x: x * 3.0, None, SMOOTH),
    ("rmul_scalar", lambda x: -3.0 * x, None, SMOOTH),
    ("div_scalar", lambda x: x / 4.0, None, SMOOTH),
    ("rdiv_scalar", lambda x: 2.0 / x, None, dict(away=0.2)),
    ("int_scalars", lambda x: (3 - x * 2 + 1) / 2, None, SMOOTH),
    ("mod_scalar", lambda x: x % 0.7, None, dict(kinks=(-1.4, -0.7, 0.0, 0.7, 1.4))),
    # PyTorch has no derivative for scalar % tensor (tfn False: gradcheck only)
    ("rmod_scalar", lambda x: 1.0 % x, False, dict(low=0.3, high=2.0, kinks=(0.5, 1.0))),
]
UNARY_IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize("name, fn, tfn, kw", UNARY, ids=UNARY_IDS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_grads(device, name, fn, tfn, kw, shape):
    check_grads(fn, rand_array(shape, seed=len(shape), **kw), device=device)


@pytest.mark.parametrize("name, fn, tfn, kw", UNARY, ids=UNARY_IDS)
@pytest.mark.parametrize("shape", [(), (3, 4)], ids=str)
def test_unary_matches_torch(device, name, fn, tfn, kw, shape):
    if tfn is False:
        pytest.skip("PyTorch does not differentiate this op")
    compare_with_torch(fn, tfn or fn, rand_array(shape, seed=7, **kw), device=device)


@pytest.mark.parametrize("name, fn, tfn, kw", UNARY, ids=UNARY_IDS)
def test_unary_keeps_float32(device, name, fn, tfn, kw):
    x = ag.tensor(rand_array((2, 3), seed=3, **kw), dtype=ag.float32, device=device, requires_grad=True)
    y = fn(x)
    assert y.dtype == ag.float32 and y.device == x.device
    y.backward(ag.ones_like(y))
    assert x.grad.dtype == ag.float32 and x.grad.shape == x.shape


def test_functions_match_methods(device):
    a = rand_array((2, 3), seed=1, low=0.2, high=2.0)
    x = T(a, device)
    for name in ["exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu",
                 "abs", "sign", "square", "reciprocal", "neg"]:
        numpy.testing.assert_array_equal(host(getattr(ag, name)(x)), host(getattr(x, name)()), err_msg=name)
    ref = {"exp": numpy.exp(a), "log": numpy.log(a), "sqrt": numpy.sqrt(a), "sigmoid": 1 / (1 + numpy.exp(-a)),
           "rsqrt": 1 / numpy.sqrt(a), "square": a * a, "tan": numpy.tan(a), "expm1": numpy.expm1(a)}
    for name, want in ref.items():
        numpy.testing.assert_allclose(host(getattr(ag, name)(x)), want, rtol=1e-12, err_msg=name)


def test_integer_input_to_float_functions_gives_float32(device):
    x = ag.tensor([1, 2, 3], device=device)
    for fn in (ag.exp, ag.log, ag.sqrt, ag.sin, ag.tanh, ag.sigmoid):
        assert fn(x).dtype == ag.float32
    assert ag.relu(ag.tensor([-1, 2], device=device)).tolist() == [0, 2]


# --- kinks: the documented conventions -------------------------------------------------------------
def _grad_at(fn, values, device):
    x = T(values, device, requires_grad=True)
    fn(x).sum().backward()
    return host(x.grad)


def test_relu_abs_sign_gradient_at_zero(device):
    assert _grad_at(ag.relu, [-1.0, 0.0, 2.0], device).tolist() == [0.0, 0.0, 1.0]  # relu'(0) = 0
    assert _grad_at(ag.abs, [-1.0, 0.0, 2.0], device).tolist() == [-1.0, 0.0, 1.0]  # abs'(0) = 0
    assert _grad_at(ag.sign, [-1.0, 0.0, 2.0], device).tolist() == [0.0, 0.0, 0.0]
    # leaky_relu at 0 takes the negative slope, as PyTorch does
    assert _grad_at(lambda x: ag.leaky_relu(x, 0.1), [-1.0, 0.0, 2.0], device).tolist() == pytest.approx([0.1, 0.1, 1])


def test_clamp_passes_gradient_at_bounds(device):
    g = _grad_at(lambda x: x.clamp(-1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0], device)
    assert g.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    lo = T([-1.0] * 5, device, requires_grad=True)
    x = T([-2.0, -1.0, 0.0, 1.0, 2.0], device, requires_grad=True)
    x.clamp(min=lo).sum().backward()  # a tie with a tensor bound also sends the gradient to x
    assert host(x.grad).tolist() == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert host(lo.grad).tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_maximum_minimum_split_ties(device):
    a = T([1.0, 2.0, 3.0], device, requires_grad=True)
    b = T([2.0, 2.0, 2.0], device, requires_grad=True)
    (ag.maximum(a, b) + 10 * ag.minimum(a, b)).sum().backward()
    assert host(a.grad).tolist() == [10.0, 5.5, 1.0]
    assert host(b.grad).tolist() == [1.0, 5.5, 10.0]


def test_pow_gradients_at_zero_base(device):
    # d/dy 0**y is 0 for y >= 0 (PyTorch's convention), not nan
    y = T([0.0, 0.5, 2.0], device, requires_grad=True)
    (0 ** y).sum().backward()
    assert host(y.grad).tolist() == [0.0, 0.0, 0.0]
    a = T([0.0, 2.0], device, requires_grad=True)
    b = T([2.0, 3.0], device, requires_grad=True)
    (a ** b).sum().backward()
    numpy.testing.assert_allclose(host(a.grad), [0.0, 12.0])
    numpy.testing.assert_allclose(host(b.grad), [0.0, 8 * numpy.log(2.0)])
    x = T([0.0, 1.0], device, requires_grad=True)
    (x ** 2).sum().backward()
    assert host(x.grad).tolist() == [0.0, 2.0]


# --- binary ops between tensors --------------------------------------------------------------------
def _distinct(shape, seed):
    """Two arrays whose elements differ by at least 0.1 everywhere (away from max/min ties)."""
    rng = numpy.random.default_rng(seed)
    a = rand_array(shape, seed)
    b = a + rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 1.0, size=shape)
    return a, b


BINARY = [
    ("add", operator.add, dict(), dict()),
    ("sub", operator.sub, dict(), dict()),
    ("mul", operator.mul, dict(), dict()),
    ("div", operator.truediv, dict(), dict(away=0.3)),
    ("pow", operator.pow, dict(low=0.3, high=2.0, kinks=()), dict(kinks=())),
    ("add_alpha", lambda a, b: a.add(b, alpha=2.5), dict(), dict()),
    ("sub_alpha", lambda a, b: a.sub(b, alpha=-0.5), dict(), dict()),
    ("mod", operator.mod, dict(kinks=()), dict(low=0.5, high=2.0, kinks=())),
    ("mod_negative_divisor", operator.mod, dict(kinks=()), dict(low=-2.0, high=-0.5, kinks=())),
]


@pytest.mark.parametrize("name, op, ka, kb", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("sa, sb", [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), ()), ((3, 1), (1, 2))],
                         ids=str)
def test_binary_grads(device, name, op, ka, kb, sa, sb):
    check_grads(op, rand_array(sa, seed=1, **ka), rand_array(sb, seed=2, **kb), device=device)


@pytest.mark.parametrize("name, op, ka, kb", BINARY, ids=[b[0] for b in BINARY])
def test_binary_matches_torch(device, name, op, ka, kb):
    compare_with_torch(op, op, rand_array((2, 3, 4), seed=1, **ka), rand_array((3, 1), seed=2, **kb), device=device)
    compare_with_torch(op, op, rand_array((), seed=3, **ka), rand_array((4,), seed=4, **kb), device=device)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(device, name):
    a, b = _distinct((2, 3), seed=5)
    fn = lambda x, y: getattr(x, name)(y)  # noqa: E731
    check_grads(fn, a, b, device=device)
    check_grads(fn, a[0], b[0, :1], device=device)  # broadcasting
    check_grads(fn, numpy.asarray(a[0, 0]), numpy.asarray(b[0, 0]), device=device)
    compare_with_torch(fn, fn, a, b, device=device)
    compare_with_torch(fn, fn, a[:, :1], b[0], device=device)
    # a Python scalar on either side
    x = T(a, device)
    want = getattr(numpy, name)(a, 0.5)
    numpy.testing.assert_allclose(host(getattr(ag, name)(x, 0.5)), want)
    numpy.testing.assert_allclose(host(getattr(ag, name)(0.5, x)), want)


def test_floor_divide(device):
    a = numpy.array([[-3.5, -1.0, 0.0, 2.5, 7.0]])
    b = numpy.array([[2.0], [-0.75]])
    x = T(a, device, requires_grad=True)
    y = T(b, device)
    numpy.testing.assert_array_equal(host(x // y), numpy.floor_divide(a, b))
    numpy.testing.assert_array_equal(host(x // 2), numpy.floor_divide(a, 2))
    numpy.testing.assert_array_equal(host(5.0 // y), numpy.floor_divide(5.0, b))
    assert not (x // y).requires_grad  # floor division has no gradient
    i = ag.tensor([-7, 7, 8], device=device)
    assert (i // 2).dtype == ag.int64 and (i // 2).tolist() == [-4, 3, 4]
    assert (i // 2.0).dtype == ag.float32 and (i // 2.0).tolist() == [-4.0, 3.0, 4.0]
    if torch is not None:
        ta, tb = torch.tensor(a), torch.tensor(b)
        numpy.testing.assert_array_equal(host(x // y), host(ta // tb))


def test_remainder_follows_python_sign_convention(device):
    a = numpy.array([-7.0, -1.5, 0.0, 1.5, 7.0])
    for b in (3.0, -3.0, 0.75):
        numpy.testing.assert_allclose(host(T(a, device) % b), numpy.mod(a, b), atol=1e-12)
        numpy.testing.assert_allclose(host(ag.remainder(T(a, device), T([b], device))), numpy.mod(a, b), atol=1e-12)
    i = ag.tensor([-7, -1, 0, 1, 7], device=device)
    assert (i % 3).tolist() == [2, 2, 0, 1, 1] and (i % 3).dtype == ag.int64
    assert (i % -3).tolist() == [-1, -1, 0, -2, -2]
    assert (10 % ag.tensor([3, -4], device=device)).tolist() == [1, -2]


def test_pow_tensor_exponent_and_scalar_base(device):
    a = rand_array((2, 3), seed=1, low=0.3, high=2.0, kinks=())
    b = rand_array((3,), seed=2, kinks=())
    numpy.testing.assert_allclose(host(T(a, device) ** T(b, device)), a ** b, rtol=1e-12)
    numpy.testing.assert_allclose(host(3.0 ** T(b, device)), 3.0 ** b, rtol=1e-12)
    numpy.testing.assert_allclose(host(ag.pow(T(a, device), 2)), a ** 2, rtol=1e-12)
    i = ag.tensor([1, 2, 3], device=device)
    assert (i ** 2).tolist() == [1, 4, 9] and (i ** 2).dtype == ag.int64
    assert (2 ** i).tolist() == [2, 4, 8] and (2 ** i).dtype == ag.int64
    assert (i ** 0.5).dtype == ag.float32
    with pytest.raises(ValueError, match="negative integer powers"):
        i ** -1


# --- NumPy arrays and Python scalars as operands ---------------------------------------------------
@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow],
                         ids=["add", "sub", "mul", "div", "pow"])
def test_numpy_array_operands(device, op):
    a = rand_array((2, 3), seed=1, low=0.5, high=2.0)
    c = rand_array((3,), seed=2, low=0.5, high=2.0)
    x = T(a, device, requires_grad=True)
    for y, want in ((op(x, c), op(a, c)), (op(c, x), op(c, a))):
        assert isinstance(y, ag.Tensor) and y.dtype == ag.float64
        numpy.testing.assert_allclose(host(y), want, rtol=1e-12)
    check_grads(lambda x: op(x, c), a, device=device)
    check_grads(lambda x: op(c, x), a, device=device)
    # a float32 array keeps a float32 tensor float32; a list becomes a tensor too
    x32 = T(a, device, dtype=ag.float32, requires_grad=True)
    y = op(c.astype(numpy.float32), x32)
    assert isinstance(y, ag.Tensor) and y.dtype == ag.float32
    y.sum().backward()
    assert x32.grad.dtype == ag.float32
    numpy.testing.assert_allclose(host(op(x, c.tolist())), op(a, c), rtol=1e-6, atol=1e-6)  # a float list is float32


def test_numpy_scalars_count_as_python_scalars(device):
    x = ag.tensor([1.0, 2.0], device=device)  # float32
    for y in (x * numpy.float64(2.0), numpy.float64(2.0) * x, x + numpy.int64(1), x / numpy.float64(4.0),
              numpy.float64(1.0) - x, x ** numpy.float64(2.0), numpy.float64(2.0) ** x, numpy.float64(2.0) / x):
        assert y.dtype == ag.float32, y
    i = ag.tensor([1, 2], dtype=ag.int32, device=device)
    assert (i + numpy.int64(1)).dtype == ag.int32
    assert (i * numpy.float64(1.5)).dtype == ag.float32


# --- dtype promotion -------------------------------------------------------------------------------
@pytest.mark.parametrize("a, b, want", [
    ("float32", "float64", "float64"),
    ("float64", "float32", "float64"),
    ("int64", "float32", "float32"),
    ("float32", "int64", "float32"),
    ("int32", "int64", "int64"),
    ("bool", "int64", "int64"),
    ("bool", "float32", "float32"),
    ("uint8", "int8", "int16"),
])
@pytest.mark.parametrize("op", [operator.add, operator.mul, operator.sub], ids=["add", "mul", "sub"])
def test_tensor_tensor_promotion(device, a, b, want, op):
    if op is operator.sub and "bool" in (a, b):
        return
    x = ag.ones(2, 3, dtype=a, device=device)
    y = ag.ones(3, dtype=b, device=device)
    assert op(x, y).dtype == want
    assert op(y, x).dtype == want


def test_division_and_scalar_promotion(device):
    i = ag.tensor([1, 2, 3], device=device)
    assert (i / i).dtype == ag.float32 and (i / i).tolist() == [1.0, 1.0, 1.0]
    assert (i / 2).dtype == ag.float32 and (i / 2).tolist() == [0.5, 1.0, 1.5]
    assert (3 / i).dtype == ag.float32
    assert (i * 2.5).dtype == ag.float32 and (i * 2.5).tolist() == [2.5, 5.0, 7.5]
    assert (i + 2).dtype == ag.int64
    f32 = ag.tensor([1.0, 2.0], device=device)
    assert f32.dtype == ag.float32
    for y in (f32 * 1.5, 1.5 * f32, f32 + 1, f32 - 1e-3, f32 / 3, f32 ** 2.0, 2.0 ** f32, -f32):
        assert y.dtype == ag.float32
    # a 0-d tensor does not widen a dimensioned one of the same category (PyTorch's rule)
    assert (f32 * ag.tensor(2.0, dtype=ag.float64, device=device)).dtype == ag.float32
    assert (ag.tensor(2.0, dtype=ag.float64, device=device) * f32).dtype == ag.float32
    assert (ag.tensor([1, 2], dtype=ag.int32, device=device) * ag.tensor(2.0, dtype=ag.float64, device=device)
            ).dtype == ag.float64


def test_bool_arithmetic(device):
    b = ag.tensor([True, False, True], device=device)
    assert (b + 1).dtype == ag.int64 and (b + 1).tolist() == [2, 1, 2]
    assert (1 + b).tolist() == [2, 1, 2]
    assert (b + b).dtype == ag.bool and (b + b).tolist() == [True, False, True]
    assert (b * 2.5).dtype == ag.float32 and (b * 2.5).tolist() == [2.5, 0.0, 2.5]
    assert (b + ag.tensor([1, 2, 3], device=device)).tolist() == [2, 2, 4]
    with pytest.raises(TypeError, match="bool"):
        -b


def test_mixed_dtype_gradients_keep_each_leafs_dtype(device):
    a = rand_array((2, 3), seed=1)
    b = rand_array((3,), seed=2)
    x = T(a, device, dtype=ag.float32, requires_grad=True)
    y = T(b, device, dtype=ag.float64, requires_grad=True)
    z = x * y
    assert z.dtype == ag.float64
    z.sum().backward()
    assert x.grad.dtype == ag.float32 and y.grad.dtype == ag.float64
    numpy.testing.assert_allclose(host(x.grad), numpy.broadcast_to(b, (2, 3)), rtol=1e-6)
    numpy.testing.assert_allclose(host(y.grad), host(x).astype(numpy.float64).sum(0), rtol=1e-12)


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                                operator.floordiv, operator.mod, ag.maximum, ag.minimum],
                         ids=["add", "sub", "mul", "div", "pow", "floordiv", "mod", "maximum", "minimum"])
def test_broadcast_mismatch_names_both_shapes(device, op):
    x = ag.ones(2, 3, device=device)
    y = ag.ones(4, device=device)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        op(x, y)
    with pytest.raises(ValueError, match=r"\(4,\).*\(2, 3\)"):
        op(y, x)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        op(x, numpy.ones(4, dtype=numpy.float32))


# --- broadcasting, generated ------------------------------------------------------------------------
def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead else g
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


NUMPY_GRADS = {  # op: (forward, dL/da, dL/db) for upstream g
    "add": (operator.add, lambda a, b, g: g, lambda a, b, g: g),
    "sub": (operator.sub, lambda a, b, g: g, lambda a, b, g: -g),
    "mul": (operator.mul, lambda a, b, g: g * b, lambda a, b, g: g * a),
    "div": (operator.truediv, lambda a, b, g: g / b, lambda a, b, g: -g * a / b ** 2),
    "pow": (operator.pow, lambda a, b, g: g * b * a ** (b - 1), lambda a, b, g: g * a ** b * numpy.log(a)),
    "maximum": (numpy.maximum, lambda a, b, g: g * (a > b), lambda a, b, g: g * (a < b)),
}
OUR_FN = {"maximum": lambda a, b: a.maximum(b)}  # also PyTorch's spelling


def _broadcast_case(device, shapes, op):
    (sa, sb), result = shapes.input_shapes, shapes.result_shape
    a = rand_array(sa, seed=1, low=0.5, high=2.0)
    b = rand_array(sb, seed=2, low=0.5, high=2.0) + 2.0  # distinct from a, for maximum
    fwd, ga, gb = NUMPY_GRADS[op]
    fn = OUR_FN.get(op, fwd)
    x, y = T(a, device, requires_grad=True), T(b, device, requires_grad=True)
    z = fn(x, y)
    assert tuple(z.shape) == tuple(result)
    numpy.testing.assert_allclose(host(z), fwd(a, b), rtol=1e-12)
    g = rand_array(result, seed=3)
    z.backward(T(g, device))
    a_b, b_b = numpy.broadcast_to(a, result), numpy.broadcast_to(b, result)
    numpy.testing.assert_allclose(host(x.grad), _sum_to(ga(a_b, b_b, g), sa), rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(host(y.grad), _sum_to(gb(a_b, b_b, g), sb), rtol=1e-10, atol=1e-12)
    return fn, a, b


if given is not None:
    BCAST = mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(shapes=BCAST, op=st.sampled_from(sorted(NUMPY_GRADS)))
    def test_broadcasting_generated(device, shapes, op):
        fn, a, b = _broadcast_case(device, shapes, op)
        if torch is not None:
            compare_with_torch(fn, fn, a, b, device=device)

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=8)
    @given(shapes=BCAST, op=st.sampled_from(sorted(NUMPY_GRADS)))
    def test_broadcasting_generated_gradcheck(device, shapes, op):
        (sa, sb) = shapes.input_shapes
        fn = OUR_FN.get(op, NUMPY_GRADS[op][0])
        check_grads(fn, rand_array(sa, seed=1, low=0.5, high=2.0), rand_array(sb, seed=2, low=0.5, high=2.0) + 2.0,
                    device=device)
else:  # pragma: no cover
    def test_broadcasting_generated():
        pytest.skip("hypothesis is not installed")


# --- comparisons -----------------------------------------------------------------------------------
COMPARE = [("eq", operator.eq, numpy.equal), ("ne", operator.ne, numpy.not_equal), ("lt", operator.lt, numpy.less),
           ("le", operator.le, numpy.less_equal), ("gt", operator.gt, numpy.greater),
           ("ge", operator.ge, numpy.greater_equal)]


@pytest.mark.parametrize("name, op, np_op", COMPARE, ids=[c[0] for c in COMPARE])
def test_comparisons(device, name, op, np_op):
    a = numpy.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    b = numpy.array([2.0, 2.0, 2.0])
    x = T(a, device, requires_grad=True)
    y = T(b, device, requires_grad=True)
    results = [
        (getattr(ag, name)(x, y), np_op(a, b)), (getattr(x, name)(y), np_op(a, b)), (op(x, y), np_op(a, b)),
        (op(y, x), np_op(b, a)),
        (op(x, 2.0), np_op(a, 2.0)), (op(2.0, x), np_op(2.0, a)),  # scalars on either side
        (getattr(ag, name)(2.0, x), np_op(2.0, a)), (getattr(ag, name)(x, 2), np_op(a, 2)),
        (op(x, b), np_op(a, b)), (getattr(ag, name)(b, x), np_op(b, a)),  # NumPy arrays on either side
        (op(x.to(ag.float32), y), np_op(a, b)),  # mixed dtypes
        (op(ag.tensor([1, 2, 3], device=device), 2.0), np_op(numpy.array([1, 2, 3]), 2.0)),
        (op(ag.tensor([1, 2, 3], device=device), 1.5), np_op(numpy.array([1, 2, 3]), 1.5)),
    ]
    for i, (r, want) in enumerate(results):
        assert isinstance(r, ag.Tensor), i
        assert r.dtype == ag.bool, (i, r.dtype)
        assert not r.requires_grad and r.grad_fn is None, i
        assert r.shape == want.shape, i
        numpy.testing.assert_array_equal(host(r), want, err_msg=f"case {i}")


def test_comparison_with_numpy_scalar_uses_tensor_dtype(device):
    x = ag.tensor([0.1, 0.2], device=device)  # float32
    assert (x == numpy.float64(0.1)).tolist() == [True, False]  # as with the Python float 0.1
    assert (x == 0.1).tolist() == [True, False]
    assert (numpy.float64(0.2) == x).tolist() == [False, True]


def test_comparison_broadcast_and_torch(device):
    a = rand_array((3, 1), seed=1)
    b = rand_array((4,), seed=2)
    for name, op, np_op in COMPARE:
        numpy.testing.assert_array_equal(host(op(T(a, device), T(b, device))), np_op(a, b), err_msg=name)
        if torch is not None:
            numpy.testing.assert_array_equal(host(op(T(a, device), T(b, device))),
                                             host(op(torch.tensor(a), torch.tensor(b))), err_msg=name)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        ag.ones(2, 3, device=device) < ag.ones(4, device=device)


# --- clamp, where ----------------------------------------------------------------------------------
def _clamp_bounds(shape, seed):
    """x and tensor bounds lo <= hi with x below, inside or above, always at least 0.2 from a bound."""
    rng = numpy.random.default_rng(seed)
    x = rand_array(shape, seed)
    case = rng.integers(0, 3, size=shape)
    lo = x + numpy.choose(case, [0.3, -0.3, -1.0])
    hi = x + numpy.choose(case, [1.0, 0.3, -0.2])
    return x, lo, hi


def test_clamp_tensor_bounds(device):
    x, lo, hi = _clamp_bounds((3, 4), seed=2)
    both = lambda x, lo, hi: x.clamp(lo, hi)  # noqa: E731
    check_grads(both, x, lo, hi, device=device)
    check_grads(lambda x, lo: ag.clamp(x, min=lo), x, lo, device=device)
    check_grads(lambda x, hi: ag.clamp(x, max=hi), x, hi, device=device)
    check_grads(lambda x, lo: ag.clamp(x, min=lo, max=1.0), x[0], lo[0], device=device)
    numpy.testing.assert_allclose(host(both(T(x, device), T(lo, device), T(hi, device))), numpy.clip(x, lo, hi))
    compare_with_torch(both, both, x, lo, hi, device=device)
    compare_with_torch(lambda x, lo: x.clamp(min=lo), lambda x, lo: x.clamp(min=lo), x, lo[0], device=device)
    compare_with_torch(lambda x, hi: x.clamp(max=hi), lambda x, hi: x.clamp(max=hi), x, hi[:, :1], device=device)


def test_clamp_values_and_errors(device):
    a = numpy.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    numpy.testing.assert_array_equal(host(T(a, device).clamp(min=-1)), numpy.clip(a, -1, None))
    numpy.testing.assert_array_equal(host(T(a, device).clamp(max=1)), numpy.clip(a, None, 1))
    numpy.testing.assert_array_equal(host(ag.clamp(T(a, device), -1, 1)), numpy.clip(a, -1, 1))
    i = ag.tensor([0, 1, 5], device=device)
    assert ag.clamp(i, 1, 3).tolist() == [1, 1, 3] and ag.clamp(i, 1, 3).dtype == ag.int64
    assert ag.clamp(i, min=0.5).dtype == ag.float32 and ag.clamp(i, min=0.5).tolist() == [0.5, 1.0, 5.0]
    assert ag.clamp(ag.tensor([0.0, 5.0], device=device), 1, 3).dtype == ag.float32
    with pytest.raises(ValueError, match="min and max"):
        ag.clamp(T(a, device))


def test_where_gradient_is_exactly_zero_on_the_unselected_side(device):
    """An infinite (or NaN) upstream gradient reaches only the selected side; the other gets 0, not
    inf * 0 = NaN (as PyTorch)."""
    x = ag.tensor([1.0, -1.0, 2.0], device=device, requires_grad=True)
    y = ag.where(x > 0, x, x * 2.0)
    y.backward(ag.tensor([numpy.inf, -numpy.inf, numpy.nan], device=device))
    got = host(x.grad)
    assert got[0] == numpy.inf and got[1] == -numpy.inf and numpy.isnan(got[2])


@pytest.mark.parametrize("flat", [ag.sign, ag.round, ag.floor, ag.ceil, ag.trunc, lambda v: v ** 0])
def test_flat_functions_pass_exact_zeros_back(flat, device):
    """sign, rounding and x ** 0 have gradient 0 everywhere, also under an infinite or NaN upstream
    gradient (not inf * 0 = NaN), as PyTorch."""
    x = ag.tensor([1.5, -2.0, 0.25], device=device, requires_grad=True)
    flat(x).backward(ag.tensor([numpy.inf, numpy.nan, -numpy.inf], device=device))
    numpy.testing.assert_array_equal(host(x.grad), [0.0, 0.0, 0.0])


def test_where(device):
    cond = numpy.array([[True], [False], [True]])
    a = rand_array((3, 4), seed=1)
    b = rand_array((4,), seed=2)
    c = lambda: ag.tensor(cond, device=device)  # noqa: E731
    y = ag.where(c(), T(a, device), T(b, device))
    numpy.testing.assert_array_equal(host(y), numpy.where(cond, a, b))
    check_grads(lambda a, b: ag.where(c(), a, b), a, b, device=device)
    check_grads(lambda a: ag.where(c(), a, 0.5), a, device=device)
    check_grads(lambda b: ag.where(c(), -1.0, b), b, device=device)
    yes = ag.tensor(True, device=device)
    check_grads(lambda a, b: ag.where(yes, a, b), numpy.asarray(a[0, 0]), b[0], device=device)
    if torch is not None:
        tc = torch.tensor(cond)
        compare_with_torch(lambda a, b: ag.where(c(), a, b), lambda a, b: torch.where(tc, a, b), a, b, device=device)
        compare_with_torch(lambda a: ag.where(c(), a, 0.5), lambda a: torch.where(tc, a, 0.5), a, device=device)
        compare_with_torch(lambda b: ag.where(c(), 2, b), lambda b: torch.where(tc, 2, b), b, device=device)
    # scalar branches, a non-bool condition, a condition from a comparison
    x = T(a, device)
    numpy.testing.assert_array_equal(host(ag.where(x > 0, x, 0.0)), numpy.where(a > 0, a, 0.0))
    s = ag.where(c(), 1.0, 2.0)
    assert s.dtype == ag.float32 and s.shape == (3, 1)
    assert ag.where(c(), 1, 2).dtype == ag.int64
    assert ag.where(ag.tensor([1, 0], device=device), 1.0, 2.0).tolist() == [1.0, 2.0]
    x32 = ag.tensor(a, dtype=ag.float32, device=device, requires_grad=True)
    y32 = ag.where(x32 > 0, x32, 0.5)
    assert y32.dtype == ag.float32
    y32.sum().backward()
    assert x32.grad.dtype == ag.float32 and host(x32.grad).tolist() == (a > 0).astype(float).tolist()
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(2, 4\)"):
        ag.where(c(), T(numpy.ones((2, 4)), device), 0.0)


# --- numerical stability ----------------------------------------------------------------------------
def test_sigmoid_is_stable_in_float32(device):
    x = ag.tensor([1e4, -1e4, 88.8, -88.8, 0.0], device=device, requires_grad=True)
    with numpy.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, either
        y = ag.sigmoid(x)
    assert y.dtype == ag.float32
    numpy.testing.assert_allclose(host(y)[:2], [1.0, 0.0])
    assert host(y)[4] == 0.5
    y.sum().backward()
    g = host(x.grad)
    assert numpy.isfinite(g).all() and g[0] == 0 and g[1] == 0 and g[4] == 0.25
    if torch is not None:
        numpy.testing.assert_allclose(host(y), host(torch.sigmoid(torch.tensor(host(x)))), rtol=1e-6, atol=1e-30)


def test_softplus_large_inputs(device):
    a = numpy.array([-1e4, -100.0, -20.0, 0.0, 15.0, 19.9, 20.1, 100.0, 1e4])
    for dtype in (ag.float32, ag.float64):
        x = ag.tensor(a, dtype=dtype, device=device, requires_grad=True)
        y = ag.softplus(x)
        assert y.dtype == dtype and numpy.isfinite(host(y)).all()
        y.sum().backward()
        g = host(x.grad)
        assert numpy.isfinite(g).all()
        numpy.testing.assert_allclose(host(y)[-2:], [100.0, 1e4])
        numpy.testing.assert_allclose(g[-2:], [1.0, 1.0])
        assert g[0] == 0.0 and host(y)[0] == 0.0
    big = numpy.array([-1e3, -50.0, 50.0, 1e3])
    compare_with_torch(lambda x: ag.softplus(x, beta=0.5, threshold=100.0),
                       lambda t: F().softplus(t, beta=0.5, threshold=100.0), big, device=device)
    compare_with_torch(ag.softplus, lambda t: F().softplus(t), a, device=device)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on log(0) and exp overflow; PyTorch doesn't
def test_exp_log_edge_values(device):
    x = ag.tensor([0.0, 1.0], device=device, requires_grad=True)
    y = ag.log(x)
    assert host(y)[0] == -numpy.inf
    y32 = ag.exp(ag.tensor([100.0], device=device))  # overflows float32 to inf, like PyTorch
    assert numpy.isinf(host(y32)).all() and y32.dtype == ag.float32


def test_threshold_keeps_nan_and_passes_its_gradient(device):
    """threshold(h) = value for h <= threshold, else h: a NaN h stays NaN and gets the upstream gradient,
    as PyTorch (the form h > threshold ? h : value gave value, gradient 0)."""
    import nn.functional as F

    x = ag.tensor([numpy.nan, 0.2, 0.5, 0.7], dtype=ag.float64, device=device, requires_grad=True)
    y = F.threshold(x, 0.5, -1.0)
    numpy.testing.assert_array_equal(host(y), [numpy.nan, -1.0, -1.0, 0.7])
    y.backward(ag.full((4,), 3.0, dtype=ag.float64, device=device))
    numpy.testing.assert_array_equal(host(x.grad), [3.0, 0.0, 0.0, 3.0])
    if torch is not None:
        tx = torch.tensor([float("nan"), 0.2, 0.5, 0.7], dtype=torch.float64, requires_grad=True)
        ty = torch.nn.functional.threshold(tx, 0.5, -1.0)
        ty.backward(torch.full((4,), 3.0, dtype=torch.float64))
        numpy.testing.assert_array_equal(host(y), ty.detach().numpy())
        numpy.testing.assert_array_equal(host(x.grad), tx.grad.numpy())


def test_tanh_gradient_as_one_minus_y_times_one_plus_y(device):
    """tanh' = (1 - y)(1 + y): at x = 7 in float64 closer to sech^2(7) than 1 - y^2, and PyTorch's value."""
    x = ag.tensor([7.0, -7.0, 0.5], dtype=ag.float64, device=device, requires_grad=True)
    ag.tanh(x).backward(ag.ones(3, dtype=ag.float64, device=device))
    y = host(ag.tanh(x))
    same = numpy.testing.assert_array_equal if device == "cpu" else functools.partial(
        numpy.testing.assert_allclose, rtol=1e-12)  # another device's tanh may differ in the last bit
    same(host(x.grad), (1.0 - y) * (1.0 + y))
    exact = 1.0 / numpy.cosh(7.0) ** 2
    assert abs(host(x.grad)[0] - exact) < abs((1.0 - y[0] * y[0]) - exact)
    if torch is not None:
        tx = torch.tensor([7.0, -7.0, 0.5], dtype=torch.float64, requires_grad=True)
        torch.tanh(tx).backward(torch.ones(3, dtype=torch.float64))
        same(host(x.grad), tx.grad.numpy())
