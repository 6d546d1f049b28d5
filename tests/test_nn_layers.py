"""Linear, Identity, Flatten, the activation modules, and nn.init."""

import math

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients(shape, bias, device):
    x, w, b = rand_array(shape, 1), rand_array((5, 4), 2), rand_array((5,), 3)
    if bias:
        check_grads(lambda x, w, b: F.linear(x, w, b), x, w, b, device=device)
        compare_with_torch(lambda x, w, b: F.linear(x, w, b),
                           lambda x, w, b: __import__("torch").nn.functional.linear(x, w, b), x, w, b, device=device)
    else:
        check_grads(lambda x, w: F.linear(x, w), x, w, device=device)
        compare_with_torch(lambda x, w: F.linear(x, w), lambda x, w: __import__("torch").nn.functional.linear(x, w),
                           x, w, device=device)


@pytest.mark.parametrize("shape", [(5,), (4, 5), (2, 3, 5)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("needs", ["all", "input", "params"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_linear_first_order_backward_equals_the_differentiable_one(shape, bias, needs, dtype, device):
    """A plain backward runs the layer's GEMMs on arrays; with create_graph as Tensor ops. Both give the
    same values (the same calls), for every input rank and every combination of inputs needing a gradient."""
    x = ag.tensor(rand_array(shape, seed=1).astype(dtype), device=device, requires_grad=needs != "params")
    w = ag.tensor(rand_array((3, 5), seed=2).astype(dtype), device=device, requires_grad=needs != "input")
    b = ag.tensor(rand_array((3,), seed=3).astype(dtype), device=device, requires_grad=needs != "input")
    g = ag.tensor(rand_array(shape[:-1] + (3,), seed=4).astype(dtype), device=device)
    inputs = [t for t in (x, w, b if bias else None) if t is not None and t.requires_grad]
    grads = []
    for create_graph in (False, True):
        y = F.linear(x, w, b if bias else None)
        grads.append([host(t) for t in ag.grad(y, inputs, g, create_graph=create_graph)])
    for a, c in zip(*grads):
        numpy.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("sizes", [(2, 5, 3, 4), (4, 6, 8, 8), (64, 40, 120, 84), (16, 50, 300, 200)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_two_linear_layers_first_order_backward_equals_the_differentiable_one(sizes, dtype, device):
    """Where out >= rows the CPU lays a layer's output out column-major, and the gradient of such an
    input column-major too; the differentiable backward makes the same products, so both backwards give
    the same values. Checked against torch in float64 where it is installed (in float32 the sums of
    300 products of values up to 2 cancel to a few ulp of their terms)."""
    rows, n_in, hidden, n_out = sizes
    x = ag.tensor(rand_array((rows, n_in), seed=1).astype(dtype), device=device, requires_grad=True)
    w1 = ag.tensor(rand_array((hidden, n_in), seed=2).astype(dtype), device=device, requires_grad=True)
    b1 = ag.tensor(rand_array((hidden,), seed=3).astype(dtype), device=device, requires_grad=True)
    w2 = ag.tensor(rand_array((n_out, hidden), seed=4).astype(dtype), device=device, requires_grad=True)
    g = ag.tensor(rand_array((rows, n_out), seed=5).astype(dtype), device=device)
    grads = []
    for create_graph in (False, True):
        y = F.linear(F.relu(F.linear(x, w1, b1)), w2)
        grads.append([host(t) for t in ag.grad(y, [x, w1, b1, w2], g, create_graph=create_graph)])
    for a, c in zip(*grads):
        numpy.testing.assert_array_equal(a, c)
    compare_with_torch(lambda x, w1, b1, w2: F.linear(F.relu(F.linear(x, w1, b1)), w2),
                       lambda x, w1, b1, w2: __import__("torch").nn.functional.linear(
                           __import__("torch").relu(__import__("torch").nn.functional.linear(x, w1, b1)), w2),
                       *(host(t).astype("float64") for t in (x, w1, b1, w2)), device=device, dtypes=("float64",))


def test_a_column_major_linear_output_behaves_as_any_tensor(device, tmp_path):
    """A layer's output may be column-major in memory (on the CPU, where out >= rows): reshaping, view,
    contiguous, numpy, indexing, saving and loading all see the same values as x @ w.T + b."""
    lin = nn.Linear(6, 8).to(device)
    x = ag.randn(3, 6, device=device)
    y = lin(x)
    want = host(x) @ host(lin.weight).T + host(lin.bias)
    numpy.testing.assert_allclose(host(y), want, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(host(y.view(-1)), want.reshape(-1), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(host(y.reshape(2, 12)), want.reshape(2, 12), rtol=1e-5, atol=1e-6)
    assert y.contiguous().is_contiguous()
    numpy.testing.assert_allclose(host(y.contiguous()), want, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(host(y[1]), want[1], rtol=1e-5, atol=1e-6)
    ag.save({"y": y.detach()}, tmp_path / "y.safetensors")
    numpy.testing.assert_array_equal(host(ag.load(tmp_path / "y.safetensors")["y"]), host(y))


def test_linear_module_defaults_and_errors(device):
    lin = nn.Linear(20, 7).to(device)
    assert lin.weight.shape == (7, 20) and lin.bias.shape == (7,)
    bound = 1 / math.sqrt(20)
    assert host(lin.weight).max() <= bound and host(lin.weight).min() >= -bound
    assert host(lin.bias).max() <= bound
    assert repr(lin) == "Linear(in_features=20, out_features=7, bias=True)"
    assert nn.Linear(3, 2, bias=False).bias is None
    assert list(nn.Linear(3, 2, bias=False).state_dict()) == ["weight"]
    with pytest.raises(ValueError, match="input has 5 features.*expects 20"):
        lin(ag.ones(2, 5, device=device))
    with pytest.raises(TypeError, match="float64.*float32"):
        lin(ag.ones(2, 20, dtype=ag.float64, device=device))
    out = nn.Linear(3, 2, dtype=ag.float64)(ag.ones(4, 3, dtype=ag.float64))
    assert out.dtype == ag.float64


def test_linear_float32_grads(device):
    lin = nn.Linear(4, 3).to(device)
    x = ag.randn(5, 4, device=device, requires_grad=True)
    lin(x).sum().backward()
    assert x.grad.dtype == lin.weight.grad.dtype == lin.bias.grad.dtype == ag.float32


def test_flatten_identity_unflatten(device):
    x = ag.randn(2, 3, 4, 5, device=device)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Identity(7, k=1)(x) is x
    assert nn.Unflatten(1, (3, 1))(ag.randn(2, 3, device=device)).shape == (2, 3, 1)


ACTIVATIONS = [
    ("ReLU", {}, rand_array((3, 4), 5)),
    ("LeakyReLU", {"negative_slope": 0.2}, rand_array((3, 4), 6)),
    ("Sigmoid", {}, rand_array((3, 4), 7)),
    ("Tanh", {}, rand_array((3, 4), 8)),
    ("Softplus", {"beta": 2.0, "threshold": 5.0}, rand_array((3, 4), 9)),
    ("GELU", {}, rand_array((3, 4), 10)),
    ("GELU", {"approximate": "tanh"}, rand_array((3, 4), 11)),
    ("Softmax", {"dim": 1}, rand_array((3, 4), 12)),
    ("LogSoftmax", {"dim": 0}, rand_array((3, 4), 13)),
]


@pytest.mark.parametrize("name, kwargs, x", ACTIVATIONS, ids=[a[0] + str(a[1]) for a in ACTIVATIONS])
def test_activation_modules(name, kwargs, x, device):
    torch = torch_or_skip()
    ours = getattr(nn, name)(**kwargs)
    theirs = getattr(torch.nn, name)(**kwargs)
    check_grads(lambda t: ours(t), x, device=device)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), x, device=device)
    assert repr(ours) == repr(theirs)


def test_cos_activation(device):
    x = rand_array((2, 5), 3)
    check_grads(lambda t: nn.Cos()(t), x, device=device)
    numpy.testing.assert_allclose(host(nn.Cos()(ag.tensor(x, device=device))), numpy.cos(x), rtol=1e-12)


def test_softmax_needs_dim():
    with pytest.raises(TypeError, match="dim"):
        F.softmax(ag.ones(2, 2))
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(ag.ones(2), approximate="fast")


# --- init ------------------------------------------------------------------------------------------
def test_calculate_gain_matches_torch():
    torch = torch_or_skip()
    for nl, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                      ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert nn.init.calculate_gain(nl, param) == pytest.approx(torch.nn.init.calculate_gain(nl, param))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        nn.init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(300, 200), (64, 16, 3, 3)])
def test_init_distributions(shape, device):
    t = ag.empty(*shape, device=device)
    fan_in = shape[1] * (9 if len(shape) == 4 else 1)
    fan_out = shape[0] * (9 if len(shape) == 4 else 1)
    nn.init.xavier_uniform_(t)
    a = math.sqrt(6 / (fan_in + fan_out))
    v = host(t)
    assert v.max() <= a and v.min() >= -a and v.std() == pytest.approx(a / math.sqrt(3), rel=0.05)
    nn.init.xavier_normal_(t, gain=2.0)
    assert host(t).std() == pytest.approx(2 * math.sqrt(2 / (fan_in + fan_out)), rel=0.05)
    nn.init.kaiming_uniform_(t, nonlinearity="relu")
    b = math.sqrt(2) * math.sqrt(3 / fan_in)
    assert host(t).max() <= b and host(t).std() == pytest.approx(b / math.sqrt(3), rel=0.05)
    nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert host(t).std() == pytest.approx(math.sqrt(2 / fan_out), rel=0.05)
    nn.init.normal_(t, 1.0, 0.5)
    assert host(t).mean() == pytest.approx(1.0, abs=0.02)
    nn.init.uniform_(t, -0.1, 0.3)
    assert host(t).min() >= -0.1 and host(t).max() < 0.3
    nn.init.constant_(t, 0.25)
    assert (host(t) == 0.25).all()
    nn.init.zeros_(t)
    assert not host(t).any()
    nn.init.ones_(t)
    assert (host(t) == 1).all()


def test_orthogonal(device):
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        t = ag.empty(*shape, dtype=ag.float64, device=device)
        nn.init.orthogonal_(t, gain=2.0)
        m = host(t).reshape(shape[0], -1)
        gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        numpy.testing.assert_allclose(gram, 4.0 * numpy.eye(gram.shape[0]), atol=1e-10)


def test_init_is_seeded_and_validated():
    ag.manual_seed(5)
    a = host(nn.Linear(4, 4).weight).copy()
    ag.manual_seed(5)
    b = host(nn.Linear(4, 4).weight)
    numpy.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(ag.empty(3))
    with pytest.raises(ValueError, match="mode"):
        nn.init.kaiming_normal_(ag.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="std"):
        nn.init.normal_(ag.empty(3), std=-1.0)
    p = nn.Parameter(ag.empty(3, 3))
    nn.init.kaiming_uniform_(p)  # in place on a parameter that requires grad: init runs under no_grad
    assert p.requires_grad and p.is_leaf


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_keeps_its_relative_precision_far_left(approximate, device):
    """GELU as h Phi(h) with Phi = 0.5 erfc(-h / sqrt 2), and its tanh form as h sigmoid(2 u): far left,
    where 1 + erf or 1 + tanh cancels to 0 (the formulas' literal forms give -0 at h = -12), the values
    and the gradients keep float64's relative precision (references from math.erfc and math.exp)."""
    hs = [-30.0, -12.0, -8.0, -3.0, -0.5, 0.0, 0.5, 4.0, 9.0]
    x = ag.tensor(hs, dtype=ag.float64, device=device, requires_grad=True)
    y = F.gelu(x, approximate=approximate)
    y.backward(ag.ones(len(hs), dtype=ag.float64, device=device))
    c, k = math.sqrt(2.0 / math.pi), 0.044715
    for h, got, slope in zip(hs, host(y), host(x.grad)):
        if approximate == "none":
            cdf, pdf = 0.5 * math.erfc(-h / math.sqrt(2.0)), math.exp(-h * h / 2.0) / math.sqrt(2.0 * math.pi)
            want, want_slope = h * cdf, cdf + h * pdf
        else:
            u = c * (h + k * h ** 3)
            s = math.exp(2.0 * u) / (1.0 + math.exp(2.0 * u)) if u < 0 else 1.0 / (1.0 + math.exp(-2.0 * u))
            want, want_slope = h * s, s + h * s * (1.0 - s) * 2.0 * c * (1.0 + 3.0 * k * h * h)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-300)
        assert slope == pytest.approx(want_slope, rel=1e-12, abs=1e-300)
    assert host(y)[1] < 0  # not -0: g(-12) = -2e-32 (exact form) / -1e-61 (tanh form)


def test_gelu_of_integers_is_an_error():
    with pytest.raises(TypeError, match="gelu: expected a floating-point input, got dtype int64"):
        F.gelu(ag.tensor([1, 2, -3]))
    with pytest.raises(TypeError, match="gelu: expected a floating-point input"):
        F.gelu(ag.tensor([1, 2, -3]), approximate="tanh")


def test_backend_ndtr_and_its_fallback():
    """The CPU's ndtr is precise in both tails; the Backend fallback, 0.5 (1 + erf(x / sqrt 2)), agrees
    where Phi is not tiny."""
    import backends

    cpu = backends.get_backend("cpu")
    a = numpy.array([-40.0, -10.0, -1.0, 0.0, 2.0, 40.0])
    want = numpy.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in a])
    numpy.testing.assert_allclose(cpu.ndtr(a), want, rtol=1e-13, atol=0)
    assert cpu.ndtr(a.astype("float32")).dtype == numpy.float32
    fallback = backends.base.Backend.ndtr(cpu, a)
    numpy.testing.assert_allclose(fallback[2:], want[2:], rtol=1e-15)


def test_tanhshrink_keeps_its_relative_precision_near_zero(device):
    """tanhshrink(h) = h - tanh(h) cancels near 0 (relative error 3 eps / h^2: all of it at h = 1e-8);
    by its Taylor series below |h| = 0.5 it keeps float64's relative precision, and so does its slope
    tanh(h)^2 (references in 50-digit decimal arithmetic)."""
    from decimal import Decimal, localcontext

    hs = [1e-8, -3e-5, 0.01, 0.3, -0.49, 0.5, 2.0, -20.0]
    x = ag.tensor(hs, dtype=ag.float64, device=device, requires_grad=True)
    y = F.tanhshrink(x)
    y.backward(ag.ones(len(hs), dtype=ag.float64, device=device))
    with localcontext() as ctx:
        ctx.prec = 50
        for h, got, slope in zip(hs, host(y), host(x.grad)):
            e = (2 * Decimal(h)).exp()
            t = (e - 1) / (e + 1)
            assert got == pytest.approx(float(Decimal(h) - t), rel=4e-15, abs=0)
            assert slope == pytest.approx(float(t * t), rel=4e-15, abs=0)
