"""hardtanh, relu6, hardsigmoid, hardswish, mish, logsigmoid, softsign, tanhshrink, threshold, celu, selu, glu,
softmin, prelu, group_norm, instance_norm, their modules, and ParameterList / ParameterDict: gradcheck and
gradgradcheck, PyTorch as the oracle (values, gradients, conventions at the kinks, reprs, state_dict keys, init,
running statistics), clear errors, and a run on the strict stand-in for a GPU (tests/strict_device.py)."""

import collections
import re
import warnings

import numpy
import pytest
import strict_device as sd

import autograd_core as ag
import backends
import nn
import nn.functional as F
from autograd_core.tensor import make_tensor
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip

F64 = ("float64",)
# PyTorch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32 (0.1666666716...); ours is exact
LOOSE_F64 = {"float64": dict(rtol=1e-7, atol=1e-9)}


def TF():
    return torch_or_skip().nn.functional


def t64(values, device, requires_grad=False):
    return ag.tensor(numpy.asarray(values, dtype=numpy.float64), dtype=ag.float64, device=device,
                     requires_grad=requires_grad)


def copy_params(ours, theirs):
    """Random values (seeded) into ``ours``' parameters, and the same values into torch's ``theirs``."""
    torch = torch_or_skip()
    with torch.no_grad():
        for i, (p, q) in enumerate(zip(ours.parameters(), theirs.parameters())):
            v = rand_array(tuple(q.shape), 40 + i, low=-1.5, high=1.5)
            with ag.no_grad():
                p.copy_(ag.tensor(v, dtype=p.dtype, device=p.device))
            q.copy_(torch.tensor(v, dtype=q.dtype))


# --- elementwise activations ---------------------------------------------------------------------------------
# (name, kwargs, low, high, kinks): inputs are drawn in [low, high) at least 0.05 from every kink
ACTS = [
    ("hardtanh", {}, -2.0, 2.0, (-1.0, 1.0)),
    ("hardtanh", {"min_val": -0.5, "max_val": 1.5}, -2.0, 2.0, (-0.5, 1.5)),
    ("relu6", {}, -2.0, 8.0, (0.0, 6.0)),
    ("hardsigmoid", {}, -5.0, 5.0, (-3.0, 3.0)),
    ("hardswish", {}, -5.0, 5.0, (-3.0, 3.0)),
    ("mish", {}, -4.0, 4.0, ()),
    ("logsigmoid", {}, -6.0, 6.0, ()),
    ("softsign", {}, -4.0, 4.0, (0.0,)),
    ("tanhshrink", {}, -3.0, 3.0, ()),
    ("threshold", {"threshold": 0.5, "value": -2.0}, -2.0, 2.0, (0.5,)),
    ("celu", {}, -3.0, 3.0, (0.0,)),
    ("celu", {"alpha": 0.5}, -3.0, 3.0, (0.0,)),
    ("celu", {"alpha": 2.0}, -3.0, 3.0, (0.0,)),
    ("selu", {}, -3.0, 3.0, (0.0,)),
]
ACT_IDS = [f"{n}{k}" for n, k, *_ in ACTS]


@pytest.mark.parametrize("name, kwargs, low, high, kinks", ACTS, ids=ACT_IDS)
@pytest.mark.parametrize("shape", [(9,), (3, 4), (2, 3, 4)])
def test_activation_functions(name, kwargs, low, high, kinks, shape, device):
    x = rand_array(shape, 1, low=low, high=high, kinks=kinks)

    def ours(x):
        return getattr(F, name)(x, **kwargs)

    def theirs(x):
        return getattr(TF(), name)(x, **kwargs)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, theirs, x, device=device, tol=LOOSE_F64 if name == "hardsigmoid" else None)
    assert ours(ag.ones(*shape, device=device)).dtype == ag.float32  # the input's dtype is kept


# the kinks themselves, and values far out where a naive formula overflows or loses the tail
EDGES = {
    "hardtanh": [-1.0, 1.0, 0.0, -5.0, 5.0],
    "relu6": [0.0, 6.0, 3.0, -1.0, 7.0],
    "hardsigmoid": [-3.0, 3.0, 0.0, -4.0, 4.0],
    "hardswish": [-3.0, 3.0, 0.0, -4.0, 4.0],
    "mish": [0.0, -800.0, 800.0, -30.0, 30.0],
    "logsigmoid": [0.0, -800.0, 800.0, -40.0, 40.0],
    "softsign": [0.0, -1e300, 1e300],
    "tanhshrink": [0.0, -800.0, 800.0],
    "threshold": [0.5, 0.4, 0.6],
    "celu": [0.0, -800.0, 800.0],
    "selu": [0.0, -800.0, 800.0],
}


@pytest.mark.parametrize("name, kwargs", [(n, k) for n, k, *_ in ACTS], ids=ACT_IDS)
def test_activation_kinks_and_extremes_match_torch(name, kwargs, device):
    """At the kinks we take PyTorch's one-sided values (hardtanh'(+-1) = 0, hardswish'(-3) = 0, hardswish'(3) = 1,
    selu'(0) = scale alpha, ...), and nothing overflows for huge |h|."""
    torch = torch_or_skip()
    values = EDGES[name]
    x = t64(values, device, requires_grad=True)
    y = getattr(F, name)(x, **kwargs)
    y.sum().backward()
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    ty = getattr(TF(), name)(tx, **kwargs)
    ty.sum().backward()
    assert numpy.isfinite(host(y)).all() and numpy.isfinite(host(x.grad)).all()
    numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-7, atol=1e-12)


def test_documented_kink_values(device):
    """The conventions the docstrings state, without torch."""
    def grad(fn, values):
        x = t64(values, device, requires_grad=True)
        fn(x).sum().backward()
        return host(x.grad)

    numpy.testing.assert_array_equal(grad(F.hardtanh, [-1.0, 1.0]), [0.0, 0.0])
    numpy.testing.assert_array_equal(grad(F.relu6, [0.0, 6.0]), [0.0, 0.0])
    numpy.testing.assert_array_equal(grad(F.hardsigmoid, [-3.0, 3.0]), [0.0, 0.0])
    numpy.testing.assert_array_equal(grad(F.hardswish, [-3.0, 3.0]), [0.0, 1.0])
    numpy.testing.assert_array_equal(grad(lambda x: F.threshold(x, 1.0, 5.0), [1.0]), [0.0])
    numpy.testing.assert_allclose(grad(F.celu, [0.0]), [1.0])
    numpy.testing.assert_allclose(grad(F.selu, [0.0]), [F.activation.SELU_SCALE * F.activation.SELU_ALPHA])
    numpy.testing.assert_allclose(grad(F.logsigmoid, [0.0, -800.0, 800.0]), [0.5, 1.0, 0.0])
    numpy.testing.assert_allclose(grad(F.softsign, [0.0]), [1.0])
    w = t64([0.25], device, requires_grad=True)
    numpy.testing.assert_allclose(grad(lambda x: F.prelu(x, w), [0.0]), [0.25])  # prelu'(0) = a


@pytest.mark.parametrize("shape, dim", [((3, 4), -1), ((4, 3), 0), ((2, 6, 3), 1), ((2, 3, 4), 2)])
def test_glu(shape, dim, device):
    x = rand_array(shape, 3)
    check_grads(lambda t: F.glu(t, dim), x, device=device)
    compare_with_torch(lambda t: F.glu(t, dim), lambda t: TF().glu(t, dim), x, device=device)


@pytest.mark.parametrize("shape, dim", [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1)])
def test_softmin(shape, dim, device):
    x = rand_array(shape, 4)
    check_grads(lambda t: F.softmin(t, dim), x, device=device)
    compare_with_torch(lambda t: F.softmin(t, dim), lambda t: TF().softmin(t, dim), x, device=device)
    y = F.softmin(t64(x, device), dim)
    numpy.testing.assert_allclose(host(y.sum(dim)), 1.0, rtol=1e-12)
    numpy.testing.assert_allclose(host(y), host(F.softmax(t64(-x, device), dim)), rtol=1e-14)


@pytest.mark.parametrize("shape, k", [((2, 3, 4), 3), ((2, 3, 4), 1), ((5, 3), 3), ((2, 3, 2, 2), 3), ((7,), 1),
                                      ((), 1)])
def test_prelu(shape, k, device):
    x = rand_array(shape, 5)
    w = rand_array((k,), 6, low=-0.5, high=0.8)
    check_grads(F.prelu, x, w, device=device)
    compare_with_torch(F.prelu, lambda a, b: TF().prelu(a, b), x, w, device=device)


# --- activation modules ----------------------------------------------------------------------------------------
MODULES = [("Hardtanh", (), {}), ("Hardtanh", (-2, 3), {"inplace": True}), ("Hardtanh", (-0.5, 1.5), {}),
           ("ReLU6", (), {}), ("ReLU6", (), {"inplace": True}), ("Hardsigmoid", (), {}),
           ("Hardsigmoid", (), {"inplace": True}), ("Hardswish", (), {}), ("Hardswish", (), {"inplace": True}),
           ("Mish", (), {}), ("Mish", (), {"inplace": True}), ("LogSigmoid", (), {}), ("Softsign", (), {}),
           ("Tanhshrink", (), {}), ("Threshold", (1.5, 20), {}), ("Threshold", (-0.5, 2.0), {"inplace": True}),
           ("CELU", (), {}), ("CELU", (2.0,), {"inplace": True}), ("SELU", (), {}), ("SELU", (), {"inplace": True}),
           ("GLU", (), {}), ("GLU", (0,), {}), ("Softmin", (1,), {}), ("Softmin", (), {"dim": 0})]


@pytest.mark.parametrize("name, args, kwargs", MODULES, ids=[f"{n}{a}{k}" for n, a, k in MODULES])
def test_activation_modules(name, args, kwargs, device):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    x = rand_array((4, 6), 2, low=-4.0, high=4.0, kinks=(-3.0, -2.0, -1.0, -0.5, 0.0, 1.0, 1.5, 3.0))
    check_grads(lambda t: ours(t), x, device=device)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t.clone()), x, device=device,
                       tol=LOOSE_F64 if name == "Hardsigmoid" else None)


@pytest.mark.parametrize("num_parameters, init, shape", [(1, 0.25, (2, 3, 4)), (3, 0.1, (2, 3, 4)),
                                                         (3, -0.3, (4, 3)), (1, 0.25, (5,))])
def test_prelu_module(num_parameters, init, shape, device):
    ours = nn.PReLU(num_parameters, init).to(device)
    assert ours.weight.shape == (num_parameters,) and ours.weight.dtype == ag.float32
    numpy.testing.assert_array_equal(host(ours.weight), numpy.full(num_parameters, init, dtype=numpy.float32))
    assert [n for n, _ in ours.named_parameters()] == ["weight"] and ours.weight.requires_grad
    torch = torch_or_skip()
    theirs = torch.nn.PReLU(num_parameters, init)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    numpy.testing.assert_array_equal(host(ours.weight), theirs.weight.detach().numpy())
    ours, theirs = ours.to(dtype=ag.float64), theirs.double()
    copy_params(ours, theirs)
    x = rand_array(shape, 8)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), x, device=device, dtypes=F64)
    numpy.testing.assert_allclose(host(ours.weight.grad), theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_prelu_module_default_repr_and_dtype(device):
    m = nn.PReLU(dtype=ag.float64)
    assert repr(m) == "PReLU(num_parameters=1)" and m.weight.dtype == ag.float64
    assert float(m.weight.detach().sum()) == 0.25


# --- group norm ------------------------------------------------------------------------------------------------
GN_CASES = [((2, 6, 5), 1), ((2, 6, 5), 2), ((2, 6, 5), 3), ((2, 6, 5), 6), ((3, 4, 2, 3), 2), ((2, 4), 2),
            ((2, 8, 3, 2), 4)]


@pytest.mark.parametrize("shape, groups", GN_CASES, ids=[f"{s}/{g}" for s, g in GN_CASES])
@pytest.mark.parametrize("affine", [False, True])
def test_group_norm(shape, groups, affine, device):
    c = shape[1]
    arrays = [rand_array(shape, 11)] + ([rand_array((c,), 12), rand_array((c,), 13)] if affine else [])

    def ours(x, *wb):
        return F.group_norm(x, groups, *wb, eps=1e-5)

    def theirs(x, *wb):
        return TF().group_norm(x, groups, *wb, eps=1e-5)

    check_grads(ours, *arrays, device=device)
    compare_with_torch(ours, theirs, *arrays, device=device)


def test_group_norm_statistics(device):
    """Each (sample, group) has mean 0 and (biased) variance 1 / (1 + eps / sigma^2) after normalization."""
    x = t64(rand_array((3, 6, 4, 5), 14, low=-3.0, high=5.0), device)
    y = host(F.group_norm(x, 3, eps=0.0)).reshape(3, 3, -1)
    numpy.testing.assert_allclose(y.mean(axis=2), 0.0, atol=1e-12)
    numpy.testing.assert_allclose(y.var(axis=2), 1.0, rtol=1e-12)
    # one group = layer norm over (C, H, W); C groups = instance norm
    numpy.testing.assert_allclose(host(F.group_norm(x, 1)), host(F.layer_norm(x, (6, 4, 5))), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(host(F.group_norm(x, 6)), host(F.instance_norm(x)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"bias": False}, {"eps": 1e-3}])
@pytest.mark.parametrize("groups", [1, 2, 4])
def test_group_norm_module(groups, kwargs, device):
    ours = nn.GroupNorm(groups, 4, **kwargs).to(device)
    affine = kwargs.get("affine", True)
    if affine:  # PyTorch's init: gamma = 1, beta = 0
        assert ours.weight.shape == (4,) and ours.weight.dtype == ag.float32 and (host(ours.weight) == 1).all()
    else:
        assert ours.weight is None
    if affine and kwargs.get("bias", True):
        assert ours.bias.shape == (4,) and not host(ours.bias).any()
    else:
        assert ours.bias is None
    assert [n for n, _ in ours.named_parameters()] == list(ours.state_dict())
    torch = torch_or_skip()
    theirs = torch.nn.GroupNorm(groups, 4, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    ours, theirs = ours.to(dtype=ag.float64), theirs.double()
    copy_params(ours, theirs)
    x = rand_array((3, 4, 5), 15)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), x, device=device, dtypes=F64)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        numpy.testing.assert_allclose(host(p.grad), q.grad.numpy(), rtol=1e-10, atol=1e-12)
    ours.eval()  # no running statistics: evaluation computes the same thing
    x64 = t64(x, device)
    numpy.testing.assert_allclose(host(ours(x64)), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


# --- instance norm ---------------------------------------------------------------------------------------------
IN_SHAPES = [(2, 3, 5), (3, 2, 4, 3), (1, 4, 6), (2, 3, 2, 2, 2)]


@pytest.mark.parametrize("shape", IN_SHAPES)
@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm(shape, affine, device):
    c = shape[1]
    arrays = [rand_array(shape, 21)] + ([rand_array((c,), 22), rand_array((c,), 23)] if affine else [])

    def ours(x, w=None, b=None):
        return F.instance_norm(x, weight=w, bias=b)

    def theirs(x, w=None, b=None):
        return TF().instance_norm(x, weight=w, bias=b)

    check_grads(ours, *arrays, device=device)
    compare_with_torch(ours, theirs, *arrays, device=device)


@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_eval_with_running_stats(affine, device):
    """use_input_stats=False: an affine map with the running statistics (gradients to x, gamma and beta)."""
    c = 3
    rm, rv = rand_array((c,), 24), rand_array((c,), 25, low=0.5, high=2.0)
    arrays = [rand_array((2, c, 4), 26)] + ([rand_array((c,), 27), rand_array((c,), 28)] if affine else [])

    def ours(x, w=None, b=None):
        return F.instance_norm(x, t64(rm, device), t64(rv, device), w, b, use_input_stats=False)

    def theirs(x, w=None, b=None):
        torch = torch_or_skip()
        return TF().instance_norm(x, torch.tensor(rm, dtype=x.dtype), torch.tensor(rv, dtype=x.dtype), w, b,
                                  use_input_stats=False)

    check_grads(ours, *arrays, device=device)
    compare_with_torch(ours, theirs, *arrays, device=device)


def test_instance_norm_functional_running_update(device):
    torch = torch_or_skip()
    x = rand_array((3, 2, 5), 29)
    rm, rv = t64([0.5, -1.0], device), t64([2.0, 0.7], device)
    trm, trv = torch.tensor([0.5, -1.0], dtype=torch.float64), torch.tensor([2.0, 0.7], dtype=torch.float64)
    y = F.instance_norm(t64(x, device), rm, rv, momentum=0.3)
    ty = TF().instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    numpy.testing.assert_allclose(host(y), ty.numpy(), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(host(rm), trm.numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(host(rv), trv.numpy(), rtol=1e-12)
    # by hand: the batch averages of the per-instance mean and unbiased variance
    numpy.testing.assert_allclose(host(rm), 0.7 * numpy.array([0.5, -1.0]) + 0.3 * x.mean(axis=2).mean(axis=0))
    numpy.testing.assert_allclose(host(rv), 0.7 * numpy.array([2.0, 0.7]) + 0.3 * x.var(axis=2, ddof=1).mean(axis=0))


MODULE_KW = [{}, {"affine": True}, {"affine": True, "bias": False}, {"track_running_stats": True},
             {"affine": True, "track_running_stats": True, "momentum": 0.3}, {"track_running_stats": True,
                                                                              "momentum": None},
             {"eps": 1e-3}]


@pytest.mark.parametrize("kwargs", MODULE_KW, ids=[str(k) for k in MODULE_KW])
@pytest.mark.parametrize("name, shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                         ("InstanceNorm2d", (2, 3, 4, 3)), ("InstanceNorm2d", (3, 4, 3))])
def test_instance_norm_modules(name, shape, kwargs, device):
    ours = getattr(nn, name)(3, **kwargs).to(device)
    affine, track = kwargs.get("affine", False), kwargs.get("track_running_stats", False)
    assert (ours.weight is not None) == affine and (ours.running_mean is not None) == track
    if affine:
        assert (host(ours.weight) == 1).all() and ours.weight.dtype == ag.float32
    if track:
        assert not host(ours.running_mean).any() and (host(ours.running_var) == 1).all()
        assert ours.num_batches_tracked.dtype == ag.int64 and int(ours.num_batches_tracked) == 0
    torch = torch_or_skip()
    theirs = getattr(torch.nn, name)(3, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert repr(ours) == repr(theirs)
    ours, theirs = ours.to(dtype=ag.float64), theirs.double()
    copy_params(ours, theirs)
    for step in range(2):  # training: per-instance statistics; running statistics updated as PyTorch's
        x = rand_array(shape, 30 + step)
        compare_with_torch(lambda t: ours(t), lambda t: theirs(t), x, device=device, dtypes=F64)
        for p, q in zip(ours.parameters(), theirs.parameters()):
            numpy.testing.assert_allclose(host(p.grad), q.grad.numpy(), rtol=1e-10, atol=1e-12)
            p.grad = q.grad = None
        for k, v in theirs.state_dict().items():
            numpy.testing.assert_allclose(host(ours.state_dict()[k]), v.numpy(), rtol=1e-12, err_msg=k)
    ours.eval()
    theirs.eval()
    x = rand_array(shape, 33)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), x, device=device, dtypes=F64)
    if track and kwargs.get("momentum", 0.1) is not None:
        assert host(ours.running_mean).any()  # the running statistics moved (and were used just now)


def test_instance_norm_non_affine_channel_mismatch_warns_like_torch(device):
    torch = torch_or_skip()
    x = rand_array((2, 4, 5), 34)
    with pytest.warns(UserWarning, match=re.escape("num_features (3), but got 4")):
        y = nn.InstanceNorm1d(3)(t64(x, device))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ty = torch.nn.InstanceNorm1d(3)(torch.tensor(x))
    numpy.testing.assert_allclose(host(y), ty.numpy(), rtol=1e-12, atol=1e-12)


# --- ParameterList / ParameterDict -----------------------------------------------------------------------------
def test_parameter_list(device):
    a, b = ag.ones(3, device=device), nn.Parameter(ag.zeros(2, 3, device=device))
    pl = nn.ParameterList([a, b, 5])
    assert len(pl) == 3 and isinstance(pl[0], nn.Parameter) and pl[0].requires_grad and pl[1] is b
    assert pl[2] == 5 and pl[-1] == 5 and pl[-2] is b
    assert list(pl.state_dict()) == ["0", "1"] and [p for p in pl.parameters()] == [pl[0], b]
    assert list(pl) == [pl[0], b, 5]
    with ag.no_grad():  # Parameter(t) shares t's memory, as in PyTorch
        pl[0].fill_(7.0)
    assert (host(a) == 7).all()
    pl.append(ag.full((4,), 2.0, device=device))
    pl += [ag.ones(1, device=device)]
    pl.extend((nn.Parameter(ag.ones(2, device=device)),))
    assert len(pl) == 6 and list(pl.state_dict()) == ["0", "1", "3", "4", "5"]
    pl[2] = ag.ones(5, device=device)  # replaces the plain object by a parameter, registered last (as PyTorch)
    assert list(pl.state_dict()) == ["0", "1", "3", "4", "5", "2"] and pl[2].shape == (5,)
    pl.insert(1, ag.zeros(6, device=device))
    assert [tuple(p.shape) for p in pl] == [(3,), (6,), (2, 3), (5,), (4,), (1,), (2,)]
    assert list(pl.state_dict()) == [str(i) for i in range(7)]
    sub = pl[1:3]
    assert isinstance(sub, nn.ParameterList) and len(sub) == 2 and sub[1] is b
    assert list(sub.state_dict()) == ["0", "1"]
    model = nn.Sequential(nn.Linear(2, 2))
    model.extra = nn.ParameterList([ag.ones(2, device=device)])
    assert list(model.state_dict()) == ["0.weight", "0.bias", "extra.0"]
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(ag.ones(1))
    # an optimizer step through a ParameterList parameter
    loss = (pl[0] * pl[0]).sum()
    loss.backward()
    numpy.testing.assert_allclose(host(pl[0].grad), 2 * host(pl[0]))


def test_parameter_list_matches_torch():
    torch = torch_or_skip()
    values = [rand_array((3,), 50), rand_array((2, 3), 51)]
    ours = nn.ParameterList([ag.tensor(v) for v in values] + ["x"])
    theirs = torch.nn.ParameterList([torch.tensor(v) for v in values] + ["x"])
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs).replace("torch.float64", "float64")
    assert repr(nn.ParameterList()) == repr(torch.nn.ParameterList()) == "ParameterList()"
    one = nn.ParameterList([ag.ones(2, 2)])
    assert repr(one) == repr(torch.nn.ParameterList([torch.ones(2, 2)])).replace("torch.float32", "float32")
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    for pl in (ours, theirs):  # the same edits give the same keys, in the same order
        pl.append(pl[0] * 0 + 1)
        pl[2] = pl[1] * 1
        pl += [3, pl[0] * 2]
        pl[-2] = pl[0] * 3
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "3", "2", "5", "4"]
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    for p, q in zip(ours.parameters(), theirs.parameters()):
        numpy.testing.assert_array_equal(host(p), q.detach().numpy())


def test_parameter_dict(device):
    w = nn.Parameter(ag.ones(2, device=device))
    pd = nn.ParameterDict({"b": ag.zeros(3, device=device), "a": w, "c": 4})
    assert list(pd.keys()) == ["a", "b", "c"]  # a plain dict's keys are sorted, as PyTorch
    assert list(pd.state_dict()) == ["a", "b"] and pd["a"] is w and isinstance(pd["b"], nn.Parameter)
    assert pd["c"] == 4 and "c" in pd and "z" not in pd and len(pd) == 3
    ordered = nn.ParameterDict(collections.OrderedDict([("z", ag.ones(1)), ("y", ag.ones(1))]))
    assert list(ordered) == ["z", "y"] and list(ordered.state_dict()) == ["z", "y"]
    pairs = nn.ParameterDict([("q", ag.ones(1)), ("p", ag.ones(2))])
    assert list(pairs) == ["q", "p"] and list(reversed(pairs)) == ["p", "q"]
    pd["d"] = ag.ones(5, device=device)
    assert list(pd.state_dict()) == ["a", "b", "d"]
    assert pd.get("d").shape == (5,) and pd.get("nope", 3) == 3
    assert pd.pop("b").shape == (3,) and list(pd) == ["a", "c", "d"] and list(pd.state_dict()) == ["a", "d"]
    assert pd.setdefault("e", ag.ones(1)).shape == (1,) and pd.setdefault("a") is w
    key, value = pd.popitem()
    assert key == "e" and value.shape == (1,) and list(pd) == ["a", "c", "d"]
    del pd["c"]
    assert [k for k, _ in pd.items()] == ["a", "d"] and [v.shape for v in pd.values()] == [(2,), (5,)]
    copy = pd.copy()
    assert list(copy) == ["a", "d"] and copy["a"] is w
    merged = pd | {"f": ag.ones(1)}
    assert list(merged) == ["a", "d", "f"] and list(pd) == ["a", "d"]
    pd |= [("g", ag.ones(2))]
    assert list(pd) == ["a", "d", "g"]
    fk = pd.fromkeys(["x", "y"], ag.ones(2))
    assert list(fk.state_dict()) == ["x", "y"]
    model = nn.Module()
    model.table = pd
    assert list(model.state_dict()) == ["table.a", "table.d", "table.g"]
    pd.clear()
    assert len(pd) == 0 and list(pd.state_dict()) == [] and list(model.parameters()) == []
    with pytest.raises(RuntimeError, match="should not be called"):
        pd()


def test_parameter_dict_matches_torch():
    torch = torch_or_skip()
    values = {"w": rand_array((2, 3), 52), "bias": rand_array((3,), 53)}
    ours = nn.ParameterDict({k: ag.tensor(v, dtype=ag.float32) for k, v in values.items()})
    theirs = torch.nn.ParameterDict({k: torch.tensor(v, dtype=torch.float32) for k, v in values.items()})
    assert list(ours) == list(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs).replace("torch.FloatTensor", "float32")
    assert repr(nn.ParameterDict()) == repr(torch.nn.ParameterDict())


def test_parameter_containers_move_with_the_module():
    with sd.registered():
        pl = nn.ParameterList([ag.ones(2), 3])
        pd = nn.ParameterDict({"a": ag.ones(3)})
        holder = nn.Module()
        holder.pl, holder.pd = pl, pd
        holder.to("strict")
        assert pl[0]._backend is sd.STRICT and pd["a"]._backend is sd.STRICT and pl[1] == 3
        holder.to(dtype=ag.float64)
        assert pl[0].dtype == ag.float64 and pd["a"].dtype == ag.float64


# --- errors name what was passed -------------------------------------------------------------------------------
def test_activation_errors(device):
    x = ag.ones(2, 3, 4, device=device)
    with pytest.raises(ValueError, match=re.escape("dimension 1 of the input (shape (2, 3, 4)) has size 3")):
        F.glu(x, 1)
    with pytest.raises(ValueError, match=re.escape("dimension -1 of the input (shape (2, 3, 3)) has size 3")):
        nn.GLU()(ag.ones(2, 3, 3, device=device))
    with pytest.raises(IndexError, match=re.escape("dim=3 is out of range for an input of shape (2, 3, 4)")):
        F.glu(x, 3)
    with pytest.raises(ValueError, match="0-d"):
        F.glu(ag.tensor(1.0, device=device))
    with pytest.raises(ValueError, match=re.escape("weight has 2 parameters but the input (shape (2, 3, 4)) has 3 "
                                                   "channels; expected 1 or 3")):
        F.prelu(x, ag.ones(2, device=device))
    with pytest.raises(ValueError, match=re.escape("weight has 3 parameters but the input (shape (2, 4, 5)) has 4")):
        nn.PReLU(3).to(device)(ag.ones(2, 4, 5, device=device))
    with pytest.raises(ValueError, match=re.escape("weight has 3 parameters but the input (shape (3,)) has 1")):
        F.prelu(ag.ones(3, device=device), ag.ones(3, device=device))
    with pytest.raises(ValueError, match=re.escape("0-d or 1-d tensor, got shape (3, 1)")):
        F.prelu(x, ag.ones(3, 1, device=device))
    with pytest.raises(TypeError, match="weight has dtype float64 but the input has dtype float32"):
        F.prelu(x, ag.ones(3, dtype=ag.float64, device=device))
    with pytest.raises(ValueError, match="num_parameters must be a positive int, got 0"):
        nn.PReLU(0)
    with pytest.raises(ValueError, match=re.escape("min_val=2.0, max_val=1.0")):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match=re.escape("max_val (1) must be greater than min_val (2)")):
        nn.Hardtanh(2, 1)
    with pytest.raises(ValueError, match="alpha=0"):
        F.celu(x, 0.0)
    with pytest.raises(TypeError, match="threshold must be a number, got str"):
        F.threshold(x, "1", 0.0)
    with pytest.raises(TypeError, match="softmin: pass dim"):
        nn.Softmin()(x)
    for fn in (F.hardtanh, F.relu6, F.hardsigmoid, F.hardswish, F.mish, F.logsigmoid, F.softsign, F.tanhshrink,
               F.celu, F.selu, F.glu):
        with pytest.raises(TypeError, match="int64"):
            fn(ag.tensor([[1, 2]], device=device))
        with pytest.raises(TypeError, match="list"):
            fn([1.0, 2.0])


def test_normalization_errors(device):
    x = ag.ones(2, 6, 4, device=device)
    with pytest.raises(ValueError, match=re.escape("input of shape (2, 6, 4) (6 channels) and num_groups=4")):
        F.group_norm(x, 4)
    with pytest.raises(ValueError, match=re.escape("num_channels (6) must be divisible by num_groups (4)")):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="num_groups must be a positive int, got 0"):
        F.group_norm(x, 0)
    with pytest.raises(ValueError, match=re.escape("at least 2 dimensions (N, C, ...), got shape (6,)")):
        F.group_norm(ag.ones(6, device=device), 3)
    with pytest.raises(ValueError, match=re.escape("weight has shape (4,) but the input (shape (2, 6, 4)) has 6")):
        F.group_norm(x, 3, weight=ag.ones(4, device=device))
    with pytest.raises(TypeError, match="bias has dtype float64 but the input has dtype float32"):
        F.group_norm(x, 3, bias=ag.ones(6, dtype=ag.float64, device=device))
    with pytest.raises(ValueError, match=re.escape("the input has 6 channels (shape (2, 6, 4)) but the layer was "
                                                   "built for num_channels=4")):
        nn.GroupNorm(2, 4).to(device)(x)
    with pytest.raises(TypeError, match="int64"):
        F.group_norm(ag.tensor([[1, 2]], device=device), 1)
    with pytest.raises(ValueError, match=re.escape("got input size (2, 6, 1)")):
        F.instance_norm(ag.ones(2, 6, 1, device=device))
    with pytest.raises(ValueError, match=re.escape("got input size (2, 6)")):
        F.instance_norm(ag.ones(2, 6, device=device))
    with pytest.raises(ValueError, match="running_mean and running_var must be given when use_input_stats=False"):
        F.instance_norm(x, use_input_stats=False)
    with pytest.raises(ValueError, match=re.escape("running_var has shape (3,) but the input (shape (2, 6, 4)) has 6")):
        F.instance_norm(x, ag.zeros(6, device=device), ag.ones(3, device=device))
    with pytest.raises(ValueError, match=re.escape("got 4D input of shape (2, 6, 4, 1)")):
        nn.InstanceNorm1d(6)(ag.ones(2, 6, 4, 1, device=device))
    with pytest.raises(ValueError, match=re.escape("got 2D input of shape (6, 4)")):
        nn.InstanceNorm2d(6)(ag.ones(6, 4, device=device))
    with pytest.raises(ValueError, match=re.escape("match num_features (3), but got 6 (input shape (2, 6, 4))")):
        nn.InstanceNorm1d(3, affine=True).to(device)(x)
    with pytest.raises(ValueError, match=re.escape("match num_features (3), but got 6")):
        nn.InstanceNorm1d(3, track_running_stats=True).to(device)(x)
    with pytest.raises(ValueError, match="num_features must be a positive int, got 0"):
        nn.InstanceNorm2d(0)


def test_container_errors():
    pl = nn.ParameterList([ag.ones(1), ag.ones(2)])
    with pytest.raises(IndexError, match="index 5 is out of range for a ParameterList of 2 entries"):
        pl[5]
    with pytest.raises(IndexError, match="index -3 is out of range"):
        pl[-3] = ag.ones(1)
    with pytest.raises(TypeError, match="got str"):
        pl["0"]
    with pytest.raises(TypeError, match="extend should be called with an iterable, but got int"):
        pl.extend(3)
    pd = nn.ParameterDict()
    with pytest.raises(TypeError, match=re.escape("keys must be strings, got int (1)")):
        pd[1] = ag.ones(1)
    assert len(pd) == 0  # a rejected key is not half-added
    with pytest.raises(KeyError, match=re.escape("contain '.', got 'a.b'")):
        pd["a.b"] = ag.ones(1)
    with pytest.raises(KeyError, match="'training'"):
        pd["training"] = ag.ones(1)
    with pytest.raises(KeyError, match="missing"):
        pd["missing"]
    with pytest.raises(KeyError, match="empty"):
        pd.popitem()
    with pytest.raises(ValueError, match=re.escape("element #1 of the sequence has length 3")):
        pd.update([("a", ag.ones(1)), ("b", ag.ones(1), 3)])
    with pytest.raises(TypeError, match="got int"):
        pd.update(5)


# --- device-generic code: the strict stand-in for a GPU --------------------------------------------------------
def _on(backend, arr, requires_grad):
    t = make_tensor(backend.from_host(numpy.array(arr, copy=True)), backend)
    t.requires_grad = requires_grad
    return t


def _run(backend, fn, arrays, grad_mask):
    """fn on tensors made on ``backend``: (output, inputs, first gradients, second-order gradients). No
    device -> host synchronisation may happen anywhere in it."""
    ins = [_on(backend, a, g) for a, g in zip(arrays, grad_mask)]
    with sd.record_syncs() as syncs:
        out = fn(*ins)
        diff = [t for t in ins if t.requires_grad]
        rng = numpy.random.default_rng(3)
        v = _on(backend, rng.standard_normal(out.shape), False)
        grads = ag.grad((out * v).sum(), diff, create_graph=True)
        terms = [(g * _on(backend, rng.standard_normal(g.shape), False)).sum() for g in grads if g.requires_grad]
        second = ag.grad(sum(terms[1:], terms[0]), diff, allow_unused=True) if terms else ()
    assert not syncs, f"unexpected device synchronisation: {syncs}"
    return out, ins, grads, second


STRICT_CASES = [(name, (lambda n, k: lambda x: getattr(F, n)(x, **k))(name, kwargs),
                 [rand_array((3, 4), i, low=low, high=high, kinks=kinks)])
                for i, (name, kwargs, low, high, kinks) in enumerate(ACTS)] + [
    ("glu", lambda x: F.glu(x, 1), [rand_array((3, 4), 60)]),
    ("softmin", lambda x: F.softmin(x, 1), [rand_array((3, 4), 61)]),
    ("prelu", F.prelu, [rand_array((2, 3, 4), 62), rand_array((3,), 63)]),
    ("prelu_shared", F.prelu, [rand_array((2, 3, 4), 64), rand_array((1,), 65)]),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b),
     [rand_array((2, 4, 3), 66), rand_array((4,), 67), rand_array((4,), 68)]),
    ("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
     [rand_array((2, 3, 2, 3), 69), rand_array((3,), 70), rand_array((3,), 71)]),
    ("instance_norm_running", lambda x, rm, rv: F.instance_norm(x, rm, rv, momentum=0.2),
     [rand_array((2, 3, 5), 72), rand_array((3,), 73), rand_array((3,), 74, low=0.5, high=2.0)]),
    ("instance_norm_eval", lambda x, rm, rv, w: F.instance_norm(x, rm, rv, w, use_input_stats=False),
     [rand_array((2, 3, 5), 75), rand_array((3,), 76), rand_array((3,), 77, low=0.5, high=2.0),
      rand_array((3,), 78)]),
]
NO_GRAD = {"instance_norm_running": [True, False, False], "instance_norm_eval": [True, False, False, True]}


@pytest.mark.parametrize("name, fn, arrays", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_runs_on_the_strict_device(name, fn, arrays):
    """The same values, first and second derivatives (and in-place running statistics) on the strict device (a
    NumPy-only call or a hidden copy to the host fails there) as on the CPU."""
    mask = NO_GRAD.get(name, [True] * len(arrays))
    with sd.registered():
        (out_c, ins_c, g_c, s_c), (out_s, ins_s, g_s, s_s) = [_run(b, fn, arrays, mask)
                                                               for b in (backends.CPU, sd.STRICT)]
    assert out_s._backend is sd.STRICT and type(out_s._data) is sd.STRICT.array_type
    assert out_c.dtype == out_s.dtype and out_c.shape == out_s.shape

    def same(c, s, what):
        assert s._backend is sd.STRICT, what
        numpy.testing.assert_allclose(sd.STRICT.to_host(s._data), host(c), rtol=1e-12, atol=1e-12, err_msg=what)

    same(out_c, out_s, "output")
    assert g_c and len(g_c) == len(g_s) and len(s_c) == len(s_s)
    for c, s in list(zip(g_c, g_s)) + list(zip(s_c, s_s)):
        assert (c is None) == (s is None)
        if c is not None:
            same(c, s, "gradient")
    for i, (c, s) in enumerate(zip(ins_c, ins_s)):  # running statistics are updated in place on both
        same(c, s, f"input {i} after the call")
    if name == "instance_norm_running":
        assert not numpy.allclose(host(ins_c[1]), arrays[1])


def test_modules_on_the_strict_device():
    x = rand_array((2, 4, 3), 80)
    with sd.registered():
        for make in (lambda: nn.PReLU(4), lambda: nn.GroupNorm(2, 4),
                     lambda: nn.InstanceNorm1d(4, affine=True, track_running_stats=True)):
            outs = []
            for dev in ("cpu", "strict"):
                m = make().to(dev)
                t = ag.tensor(x, dtype=ag.float64, device=dev, requires_grad=True)
                m.to(dtype=ag.float64)
                y = m(t)
                y.sum().backward()
                outs.append((y, t.grad, [host_any(v) for v in m.state_dict().values()]))
            (yc, gc, sc), (ys, gs, ss) = outs
            numpy.testing.assert_allclose(host_any(ys), host(yc), rtol=1e-12, atol=1e-12)
            numpy.testing.assert_allclose(host_any(gs), host(gc), rtol=1e-12, atol=1e-12)
            for a, b in zip(sc, ss):
                numpy.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


def host_any(t):
    return sd.STRICT.to_host(t._data) if t._backend is sd.STRICT else host(t)
