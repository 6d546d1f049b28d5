"""Batch normalization: F.batch_norm and BatchNorm1d/2d (gradients, PyTorch oracle, running statistics, state)."""

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import array_shapes
except ImportError:  # hypothesis is in the test extra; the generated test skips without it
    given = None

SHAPES = [(5, 3), (4, 3, 2), (3, 2, 2, 3)]


def _stats(shape, seed):
    c = shape[1]
    return rand_array((c,), seed), rand_array((c,), seed + 1, low=0.3, high=2.0)


def _const(arr, device, dtype=ag.float64):
    return ag.tensor(arr, dtype=dtype, device=device)


def _torch_bn(x, rm, rv, w, b, training):
    torch = torch_or_skip()
    return torch.nn.functional.batch_norm(x, rm, rv, w, b, training=training, momentum=0.1, eps=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients(shape, affine, training, device):
    x = rand_array(shape, 1)
    rm, rv = _stats(shape, 2)
    w, b = rand_array((shape[1],), 4), rand_array((shape[1],), 5)
    running = (None, None) if training else (_const(rm, device), _const(rv, device))
    if affine:
        check_grads(lambda x, w, b: F.batch_norm(x, *running, w, b, training=training), x, w, b, device=device)
    else:
        check_grads(lambda x: F.batch_norm(x, *running, training=training), x, device=device)


def test_batch_norm_third_order(device):
    """The backward's own backward is differentiable again (BatchNormStats uses its own outputs), so the
    gradient function passes gradcheck and gradgradcheck: derivatives up to the third order."""

    def first_grad(x, w):
        y = F.batch_norm(x, None, None, w, None, training=True)
        return ag.grad((y * y * y).sum(), [x], create_graph=True)[0]

    check_grads(first_grad, rand_array((4, 2, 3), 7), rand_array((2,), 8), device=device)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(shape, training, device):
    torch = torch_or_skip()
    x = rand_array(shape, 11)
    rm, rv = _stats(shape, 12)
    w, b = rand_array((shape[1],), 14), rand_array((shape[1],), 15)

    def ours(x, w, b):
        return F.batch_norm(x, _const(rm, device, x.dtype), _const(rv, device, x.dtype), w, b, training=training)

    def theirs(x, w, b):
        return _torch_bn(x, torch.tensor(rm, dtype=x.dtype), torch.tensor(rv, dtype=x.dtype), w, b, training)

    compare_with_torch(ours, theirs, x, w, b, device=device)
    compare_with_torch(lambda x: F.batch_norm(x, None, None, training=True),
                       lambda x: _torch_bn(x, None, None, None, None, True), x, device=device)


@pytest.mark.parametrize("shape", SHAPES)
def test_running_stats_update_matches_torch(shape, device):
    torch = torch_or_skip()
    x = rand_array(shape, 21, low=-1.0, high=3.0)
    rm, rv = _stats(shape, 22)
    ours_m, ours_v = _const(rm, device), _const(rv, device)
    t_m, t_v = torch.tensor(rm), torch.tensor(rv)
    F.batch_norm(_const(x, device), ours_m, ours_v, training=True, momentum=0.3)
    torch.nn.functional.batch_norm(torch.tensor(x), t_m, t_v, training=True, momentum=0.3)
    numpy.testing.assert_allclose(host(ours_m), t_m.numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(host(ours_v), t_v.numpy(), rtol=1e-12)


def test_module_one_training_step(device):
    x = rand_array((6, 3, 4, 5), 31, low=-1.0, high=4.0)
    bn = nn.BatchNorm2d(3, dtype=ag.float64).to(device)
    y = bn(ag.tensor(x, device=device))
    axes = (0, 2, 3)
    numpy.testing.assert_allclose(host(bn.running_mean), 0.1 * x.mean(axis=axes), rtol=1e-12)
    numpy.testing.assert_allclose(host(bn.running_var), 0.9 + 0.1 * x.var(axis=axes, ddof=1), rtol=1e-12)
    assert int(bn.num_batches_tracked) == 1 and bn.num_batches_tracked.dtype == ag.int64
    expected = (x - x.mean(axis=axes, keepdims=True)) / numpy.sqrt(x.var(axis=axes, keepdims=True) + 1e-5)
    numpy.testing.assert_allclose(host(y), expected, rtol=1e-10, atol=1e-12)
    assert not bn.running_mean.requires_grad and bn.running_mean.grad_fn is None
    bn(ag.tensor(x, device=device))
    assert int(bn.num_batches_tracked) == 2


def test_eval_uses_running_stats(device):
    bn = nn.BatchNorm1d(4, dtype=ag.float64).to(device)
    rm, rv = rand_array((4,), 41), rand_array((4,), 42, low=0.5, high=2.0)
    w, b = rand_array((4,), 43), rand_array((4,), 44)
    bn.load_state_dict({"weight": w, "bias": b, "running_mean": rm, "running_var": rv,
                        "num_batches_tracked": numpy.array(7)})
    bn.eval()
    x = rand_array((5, 4, 3), 45)
    y = bn(ag.tensor(x, device=device))
    k = (1, 4, 1)
    expected = (x - rm.reshape(k)) / numpy.sqrt(rv.reshape(k) + 1e-5) * w.reshape(k) + b.reshape(k)
    numpy.testing.assert_allclose(host(y), expected, rtol=1e-12)
    numpy.testing.assert_array_equal(host(bn.running_mean), rm)  # evaluation does not update them
    assert int(bn.num_batches_tracked) == 7
    bn(ag.ones(1, 4, dtype=ag.float64, device=device))  # a batch of one is fine in evaluation


def test_momentum_none_is_cumulative_average(device):
    bn = nn.BatchNorm1d(3, momentum=None, dtype=ag.float64).to(device)
    batches = [rand_array((5, 3), 50 + i, low=-2.0 + i, high=3.0 + i) for i in range(3)]
    for x in batches:
        bn(ag.tensor(x, device=device))
    numpy.testing.assert_allclose(host(bn.running_mean), numpy.mean([x.mean(0) for x in batches], axis=0),
                                  rtol=1e-12)
    numpy.testing.assert_allclose(host(bn.running_var), numpy.mean([x.var(0, ddof=1) for x in batches], axis=0),
                                  rtol=1e-12)
    assert int(bn.num_batches_tracked) == 3


def test_batch_of_one_in_training_raises(device):
    msg = r"Expected more than 1 value per channel when training, got input size \(1, 3\)"
    bn = nn.BatchNorm1d(3).to(device)
    with pytest.raises(ValueError, match=msg):
        bn(ag.ones(1, 3, device=device))
    assert int(bn.num_batches_tracked) == 0  # a failed call changes no state
    with pytest.raises(ValueError, match=msg):
        F.batch_norm(ag.ones(1, 3, device=device), None, None, training=True)
    bn(ag.ones(1, 3, 2, device=device))  # two values per channel


def test_eval_recurses_into_children(device):
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU()).to(device)
    x = ag.randn(8, 4, device=device)
    model(x)
    before = host(model[1].running_mean).copy()
    model.eval()
    assert not model[1].training and not model.training
    y = model(x)
    numpy.testing.assert_array_equal(host(model[1].running_mean), before)
    bn = model[1]
    h = host(model[0](x))
    expected = numpy.maximum((h - host(bn.running_mean)) / numpy.sqrt(host(bn.running_var) + 1e-5)
                             * host(bn.weight) + host(bn.bias), 0)
    numpy.testing.assert_allclose(host(y), expected, rtol=1e-5, atol=1e-6)
    model.train()
    assert model[1].training


def test_state_dict_keys_and_loading_torch_weights(device):
    torch = torch_or_skip()
    theirs = torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    for seed in range(3):  # a few training steps so the running statistics are not the defaults
        theirs(torch.randn(4, 3, 5, 5, generator=torch.Generator().manual_seed(seed)) * 2 + 1)
    ours = nn.BatchNorm2d(3).to(device)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == \
        ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in ours.named_parameters()] == ["weight", "bias"]
    ours.load_state_dict(theirs.state_dict())  # torch tensors convert through NumPy
    assert int(ours.num_batches_tracked) == 3
    x = rand_array((2, 3, 4, 4), 61).astype(numpy.float32)
    for train in (False, True):
        ours.train(train)
        theirs.train(train)
        numpy.testing.assert_allclose(host(ours(ag.tensor(x, device=device))), theirs(torch.tensor(x)).detach().numpy(),
                                      rtol=1e-4, atol=1e-5)
    numpy.testing.assert_allclose(host(ours.running_var), theirs.running_var.numpy(), rtol=1e-5)


def test_track_running_stats_false(device):
    torch = torch_or_skip()
    bn = nn.BatchNorm2d(2, track_running_stats=False).to(device)
    assert bn.running_mean is None and bn.running_var is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == list(torch.nn.BatchNorm2d(2, track_running_stats=False).state_dict())
    x = rand_array((3, 2, 2, 2), 71).astype(numpy.float32)
    train_out = host(bn(ag.tensor(x, device=device)))
    bn.eval()
    eval_out = host(bn(ag.tensor(x, device=device)))  # still the batch statistics
    numpy.testing.assert_allclose(eval_out, train_out, rtol=1e-6)
    t = torch.nn.BatchNorm2d(2, track_running_stats=False).eval()
    numpy.testing.assert_allclose(eval_out, t(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_affine_false_and_repr(device):
    bn = nn.BatchNorm1d(5, affine=False, eps=1e-3, momentum=0.2).to(device)
    assert bn.weight is None and bn.bias is None and list(bn.parameters()) == []
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    assert repr(bn) == "BatchNorm1d(5, eps=0.001, momentum=0.2, affine=False, bias=False, track_running_stats=True)"
    y = bn(ag.randn(4, 5, device=device))
    numpy.testing.assert_allclose(host(y).mean(0), 0, atol=1e-5)


def test_input_checks(device):
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3).to(device)(ag.ones(2, 3, 4, device=device))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3).to(device)(ag.ones(2, 3, 4, 4, device=device))
    with pytest.raises(ValueError, match=r"5 channels.*num_features=3"):
        nn.BatchNorm2d(3).to(device)(ag.ones(2, 5, 4, 4, device=device))
    with pytest.raises(ValueError, match=r"running_mean has shape \(4,\).*3 channels"):
        F.batch_norm(ag.ones(2, 3, device=device), ag.zeros(4, device=device), ag.ones(3, device=device))
    with pytest.raises(ValueError, match="running_mean and running_var must be given"):
        F.batch_norm(ag.ones(2, 3, device=device), None, None, training=False)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        F.batch_norm(ag.ones(3, device=device), None, None, training=True)
    with pytest.raises(ValueError, match="num_features must be a positive int"):
        nn.BatchNorm1d(0)


@pytest.mark.parametrize("training", [True, False])
def test_float32_in_float32_out(training, device):
    bn = nn.BatchNorm2d(3).to(device).train(training)
    x = ag.randn(4, 3, 2, 2, device=device, requires_grad=True)
    y = bn(x)
    assert y.dtype == ag.float32
    (y * y).sum().backward()
    assert x.grad.dtype == bn.weight.grad.dtype == bn.bias.grad.dtype == ag.float32
    assert bn.running_mean.dtype == bn.running_var.dtype == ag.float32


def test_module_backward_matches_torch(device):
    """A few training steps through the module: outputs, gradients and running statistics equal torch's."""
    torch = torch_or_skip()
    ours, theirs = nn.BatchNorm1d(4).to(device), torch.nn.BatchNorm1d(4)
    for step in range(3):
        x = rand_array((6, 4, 3), 80 + step).astype(numpy.float32)
        g = rand_array((6, 4, 3), 90 + step).astype(numpy.float32)
        xa, xt = ag.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours(xa).backward(ag.tensor(g, device=device))
        theirs(xt).backward(torch.tensor(g))
        numpy.testing.assert_allclose(host(xa.grad), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    numpy.testing.assert_allclose(host(ours.weight.grad), theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    numpy.testing.assert_allclose(host(ours.bias.grad), theirs.bias.grad.numpy(), rtol=1e-4, atol=1e-5)
    numpy.testing.assert_allclose(host(ours.running_mean), theirs.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(host(ours.running_var), theirs.running_var.numpy(), rtol=1e-5, atol=1e-6)


if given is not None:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(shape=array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4), seed=st.integers(0, 1000))
    def test_batch_norm_generated_shapes(shape, seed, device):
        """Any (N, C, ...) with more than one value per channel: the NumPy formulas, and the closed-form
        backward against a gradient check in one random direction."""
        if numpy.prod(shape) // shape[1] < 2:
            return
        x = rand_array(shape, seed, kinks=())
        w, b = rand_array((shape[1],), seed + 1), rand_array((shape[1],), seed + 2)
        rm, rv = ag.zeros(shape[1], dtype=ag.float64, device=device), ag.ones(shape[1], dtype=ag.float64, device=device)
        y = F.batch_norm(ag.tensor(x, device=device), rm, rv, ag.tensor(w, device=device), ag.tensor(b, device=device),
                         training=True)
        axes = (0,) + tuple(range(2, len(shape)))
        k = (1, shape[1]) + (1,) * (len(shape) - 2)
        want = (x - x.mean(axes, keepdims=True)) / numpy.sqrt(x.var(axes, keepdims=True) + 1e-5) * w.reshape(k) \
            + b.reshape(k)
        numpy.testing.assert_allclose(host(y), want, rtol=1e-9, atol=1e-10)
        numpy.testing.assert_allclose(host(rv), 0.9 + 0.1 * x.var(axes, ddof=1), rtol=1e-12)
        check_grads(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b, device=device,
                    fast_mode=True)
else:  # pragma: no cover
    def test_batch_norm_generated_shapes():
        pytest.skip("hypothesis is not installed")


@pytest.mark.parametrize("shape", [(4, 64, 5, 6), (3, 40, 2, 3)])
def test_channels_last_input_equals_contiguous_input(shape):
    """A channels-last input (the CPU's wide conv layers' output) gives the same output, running
    statistics and gradients as the same values laid out contiguously."""
    from autograd_core.tensor import make_tensor

    n, c, h, w = shape
    x = rand_array(shape, seed=5)
    g = rand_array(shape, seed=6)
    backend = ag.tensor(0.0)._backend
    results = []
    for layout in ("contiguous", "channels_last"):
        xa = x if layout == "contiguous" else numpy.ascontiguousarray(x.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)
        ga = g if layout == "contiguous" else numpy.ascontiguousarray(g.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)
        bn = nn.BatchNorm2d(c).double()
        xs = make_tensor(xa, backend).requires_grad_(True)
        y = bn(xs)
        y.backward(make_tensor(ga, backend))
        results.append([host(y), host(xs.grad), host(bn.weight.grad), host(bn.bias.grad), host(bn.running_mean),
                        host(bn.running_var)])
    for a, b in zip(*results):
        numpy.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("affine,needs", [(True, "all"), (True, "x"), (True, "params"), (False, "x")])
def test_first_order_backward_equals_the_differentiable_one(layout, affine, needs):
    """A plain backward runs the formulas on arrays; with create_graph it runs them as Tensor ops (so it
    can be differentiated again). Both give the same values, for every combination of inputs that need
    a gradient."""
    from autograd_core.tensor import make_tensor

    backend = ag.tensor(0.0)._backend
    x = rand_array((3, 5, 4, 6), seed=7)
    g = rand_array((3, 5, 4, 6), seed=8)
    if layout == "channels_last":
        x = numpy.ascontiguousarray(x.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)
    weight = ag.tensor(rand_array((5,), seed=9), requires_grad=needs != "x")
    bias = ag.tensor(rand_array((5,), seed=10), requires_grad=needs != "x")
    xs = make_tensor(x, backend).requires_grad_(needs != "params")
    inputs = [t for t in ([xs] + ([weight, bias] if affine else [])) if t.requires_grad]
    grads = []
    for create_graph in (False, True):
        y = F.batch_norm(xs, None, None, weight if affine else None, bias if affine else None, training=True)
        grads.append([host(t) for t in ag.grad(y, inputs, ag.tensor(g), create_graph=create_graph)])
    for a, b in zip(*grads):
        numpy.testing.assert_array_equal(a, b)
