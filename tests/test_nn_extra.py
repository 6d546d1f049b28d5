"""silu, elu, one_hot, layer_norm, embedding, smooth_l1/huber/kl_div losses, normalize, cosine_similarity and
their modules: gradcheck/gradgradcheck, PyTorch as the oracle, state_dict keys, initialisation, errors, and a
run on the strict stand-in for a GPU (tests/strict_device.py)."""

import re
import warnings

import numpy
import pytest

import autograd_core as ag
import backends
import nn
import nn.functional as F
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

REDUCTIONS = ["none", "mean", "sum"]
F64 = ("float64",)


def TF():
    return torch_or_skip().nn.functional


def idx(a, device, dtype=ag.int64):
    return ag.tensor(numpy.asarray(a), dtype=dtype, device=device)


def tidx(a):
    torch = torch_or_skip()
    return torch.tensor(numpy.asarray(a), dtype=torch.int64)


def quiet(fn):
    """``fn`` with warnings silenced (kl_div's reduction='mean' warns, in PyTorch too)."""
    def wrapped(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args)
    return wrapped


# --- silu, elu -------------------------------------------------------------------------------------------
ACTS = [("silu", {}), ("elu", {}), ("elu", {"alpha": 0.5}), ("elu", {"alpha": 2.0})]


@pytest.mark.parametrize("name, kwargs", ACTS, ids=[f"{n}{k}" for n, k in ACTS])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4)])
def test_activation_functions(name, kwargs, shape, device):
    x = rand_array(shape, 1, low=-4.0, high=4.0)

    def ours(x):
        return getattr(F, name)(x, **kwargs)

    def theirs(x):
        return getattr(TF(), name)(x, **kwargs)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, theirs, x, device=device)


def test_elu_conventions_and_extremes(device):
    x = ag.tensor([0.0, 800.0, -800.0], dtype=ag.float64, device=device, requires_grad=True)
    y = F.elu(x, alpha=0.5)
    y.sum().backward()
    numpy.testing.assert_allclose(host(y), [0.0, 800.0, -0.5])
    numpy.testing.assert_allclose(host(x.grad), [0.5, 1.0, 0.0])  # elu'(0) = alpha, as PyTorch; no overflow
    x = ag.tensor([-800.0, 800.0], dtype=ag.float64, device=device, requires_grad=True)
    F.silu(x).sum().backward()
    numpy.testing.assert_allclose(host(x.grad), [0.0, 1.0])
    assert F.silu(ag.ones(3, device=device)).dtype == ag.float32
    with pytest.raises(TypeError, match="int64"):
        F.elu(ag.tensor([1, 2], device=device))
    with pytest.raises(TypeError, match="int64"):
        F.silu(ag.tensor([1, 2], device=device))


@pytest.mark.parametrize("name, kwargs", [("SiLU", {}), ("SiLU", {"inplace": True}), ("ELU", {}),
                                          ("ELU", {"alpha": 0.3}), ("ELU", {"alpha": 2.0, "inplace": True})])
def test_activation_modules(name, kwargs, device):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    x = rand_array((3, 5), 2)
    check_grads(lambda t: ours(t), x, device=device)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t.clone()), x, device=device)


# --- one_hot ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("values, num_classes", [([0, 3, 1, 1], -1), ([[0, 2], [1, 0]], 5), (2, 4), ([], 3)])
def test_one_hot(values, num_classes, device):
    out = F.one_hot(idx(values, device), num_classes)
    assert out.dtype == ag.int64 and out._backend is backends.get_backend(device)
    a = numpy.asarray(values)
    c = num_classes if num_classes != -1 else a.max() + 1
    expected = (a[..., None] == numpy.arange(c)).astype(numpy.int64)
    numpy.testing.assert_array_equal(host(out), expected)
    torch = torch_or_skip()
    numpy.testing.assert_array_equal(host(out), TF().one_hot(tidx(values), num_classes).numpy())
    assert out.shape == tuple(TF().one_hot(torch.tensor(values, dtype=torch.int64), num_classes).shape)


def test_one_hot_errors(device):
    with pytest.raises(ValueError, match="non-negative, got -2"):
        F.one_hot(idx([1, -2, 0], device))
    with pytest.raises(ValueError, match="class value 7 is out of range for num_classes=4"):
        F.one_hot(idx([1, 7, 0], device), 4)
    with pytest.raises(TypeError, match="float32"):
        F.one_hot(ag.tensor([0.0, 1.0], device=device))
    with pytest.raises(ValueError, match="empty"):
        F.one_hot(idx(numpy.zeros(0, numpy.int64), device))
    with pytest.raises(ValueError, match="num_classes.*-3"):
        F.one_hot(idx([0], device), -3)
    assert F.one_hot(idx([0, 1], device, ag.int32), 3).dtype == ag.int64


# --- layer_norm ------------------------------------------------------------------------------------------
LN_CASES = [((6, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), 5), ((2, 2, 3, 4), [3, 4])]


@pytest.mark.parametrize("shape, normalized_shape", LN_CASES)
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
def test_layer_norm(shape, normalized_shape, affine, device):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = rand_array(shape, 3)
    w, b = rand_array(ns, 4, low=0.5, high=1.5), rand_array(ns, 5)
    arrays = {"none": (x,), "weight": (x, w), "both": (x, w, b)}[affine]

    def ours(x, w=None, b=None):
        return F.layer_norm(x, normalized_shape, w, b, eps=1e-5)

    def theirs(x, w=None, b=None):
        return TF().layer_norm(x, ns, w, b, eps=1e-5)

    check_grads(ours, *arrays, device=device)
    compare_with_torch(ours, theirs, *arrays, device=device, dtypes=F64)


def test_layer_norm_statistics(device):
    x = ag.tensor(rand_array((4, 3, 8), 6) * 5 + 3, device=device)
    y = host(F.layer_norm(x, (3, 8)))
    numpy.testing.assert_allclose(y.reshape(4, -1).mean(1), 0.0, atol=1e-6)
    numpy.testing.assert_allclose(y.reshape(4, -1).var(1), 1.0, rtol=1e-4)  # var / (var + eps), eps tiny here
    y = host(F.layer_norm(ag.ones(2, 4, dtype=ag.float64, device=device), 4))
    assert numpy.isfinite(y).all() and not y.any()  # constant rows: zero variance, no nan


@pytest.mark.parametrize("kwargs", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-3}])
@pytest.mark.parametrize("normalized_shape", [4, (3, 4)])
def test_layer_norm_module(kwargs, normalized_shape, device):
    ours = nn.LayerNorm(normalized_shape, **kwargs).to(device)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    if ours.weight is not None:  # PyTorch's init: gamma = 1, beta = 0
        assert ours.weight.shape == ns and ours.weight.dtype == ag.float32 and (host(ours.weight) == 1).all()
    if ours.bias is not None:
        assert ours.bias.shape == ns and not host(ours.bias).any()
    assert [n for n, _ in ours.named_parameters()] == list(ours.state_dict())
    torch = torch_or_skip()
    theirs = torch.nn.LayerNorm(normalized_shape, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    ours = ours.to(dtype=ag.float64)
    theirs = theirs.double()
    with torch.no_grad():  # the same non-trivial affine parameters on both sides
        for i, (p, q) in enumerate(zip(ours.parameters(), theirs.parameters())):
            v = rand_array(tuple(q.shape), 10 + i)
            with ag.no_grad():
                p.copy_(ag.tensor(v, dtype=ag.float64, device=device))
            q.copy_(torch.tensor(v))
    x = rand_array((2, 3, 4), 7)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), x, device=device, dtypes=F64)
    for p, q in zip(ours.parameters(), theirs.parameters()):  # the parameters' gradients too
        numpy.testing.assert_allclose(host(p.grad), q.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_layer_norm_errors(device):
    x = ag.ones(2, 3, 5, device=device)
    with pytest.raises(ValueError, match=re.escape("normalized_shape=(4,) expects an input of shape (*, 4), got "
                                                   "input shape (2, 3, 5)")):
        F.layer_norm(x, 4)
    with pytest.raises(ValueError, match=re.escape("normalized_shape=(2, 5)")):
        nn.LayerNorm((2, 5)).to(device)(x)
    with pytest.raises(ValueError, match=re.escape("normalized_shape=(1, 2, 3, 5)")):
        F.layer_norm(x, (1, 2, 3, 5))
    with pytest.raises(ValueError, match=re.escape("weight has shape (4,) but normalized_shape is (5,)")):
        F.layer_norm(x, 5, weight=ag.ones(4, device=device))
    with pytest.raises(TypeError, match="float64.*float32"):
        F.layer_norm(x, 5, weight=ag.ones(5, dtype=ag.float64, device=device))
    assert F.layer_norm(x, [numpy.int64(3), 5]).shape == (2, 3, 5)  # NumPy ints count as ints
    with pytest.raises(ValueError, match=re.escape("(3, 0)")):
        nn.LayerNorm((3, 0))
    with pytest.raises(TypeError, match="normalized_shape must be an int or a sequence of ints, got 5.5"):
        F.layer_norm(x, 5.5)
    with pytest.raises(TypeError, match="int64"):
        F.layer_norm(ag.tensor([[1, 2]], device=device), 2)


# --- embedding -------------------------------------------------------------------------------------------
EMB_INDICES = [numpy.array([[0, 2, 2, 4], [1, 4, 0, 0]]), numpy.array([3, 3, 3]), numpy.array(1),
               numpy.array([[[0, 1], [5, 1]]])]


@pytest.mark.parametrize("indices", EMB_INDICES, ids=["2d-repeats", "one-row", "0d", "3d"])
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -5])
def test_embedding(indices, padding_idx, device):
    w = rand_array((6, 3), 8)

    def ours(w):
        return F.embedding(idx(indices, device), w, padding_idx=padding_idx)

    def theirs(w):
        return TF().embedding(tidx(indices), w, padding_idx=padding_idx)

    used = padding_idx is not None and (indices == padding_idx % 6).any()
    if used:  # the padding row's gradient is zero by design, not the Jacobian: check the second order only
        wt = ag.tensor(w, device=device, requires_grad=True)
        with pytest.raises(ag.GradcheckError):
            ag.gradcheck(ours, (wt,))
        assert ag.gradgradcheck(ours, (wt,))  # the scatter's own backward (a lookup of the masked rows)
    else:
        check_grads(ours, w, device=device)
    compare_with_torch(ours, theirs, w, device=device, dtypes=F64)


def test_embedding_gradient_is_scatter_added(device):
    w = ag.tensor(rand_array((5, 2), 9), device=device, requires_grad=True)
    out = F.embedding(idx([[1, 3], [1, 1]], device), w, padding_idx=3)
    numpy.testing.assert_array_equal(host(out[0, 1]), host(w)[3])  # the padding row is still looked up
    out.backward(ag.tensor([[[1.0, 2.0], [5.0, 5.0]], [[10.0, 20.0], [100.0, 200.0]]], dtype=w.dtype, device=device))
    numpy.testing.assert_array_equal(host(w.grad), [[0, 0], [111, 222], [0, 0], [0, 0], [0, 0]])
    w32 = ag.randn(4, 3, device=device, requires_grad=True)
    F.embedding(idx([0, 0, 2], device, ag.int32), w32).sum().backward()  # int32 indices; dtype kept
    assert w32.grad.dtype == ag.float32
    numpy.testing.assert_array_equal(host(w32.grad)[:, 0], [2, 0, 1, 0])


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_module(padding_idx, device):
    emb = nn.Embedding(1000, 40, padding_idx=padding_idx).to(device)
    assert emb.weight.shape == (1000, 40) and emb.weight.dtype == ag.float32 and emb.weight.requires_grad
    w = host(emb.weight)
    rows = numpy.ones(1000, bool)
    if padding_idx is not None:
        assert emb.padding_idx == padding_idx % 1000
        assert not w[padding_idx].any()  # the padding row starts at zero
        rows[padding_idx] = False
    assert abs(w[rows].mean()) < 0.02 and abs(w[rows].std() - 1.0) < 0.02  # N(0, 1)
    assert list(emb.state_dict()) == ["weight"]
    out = emb(idx([[1, 2], [999, 0]], device))
    assert out.shape == (2, 2, 40)
    out.sum().backward()
    if padding_idx is not None:
        assert not host(emb.weight.grad)[padding_idx % 1000].any()
    torch = torch_or_skip()
    theirs = torch.nn.Embedding(1000, 40, padding_idx=padding_idx)
    assert list(emb.state_dict()) == list(theirs.state_dict())
    assert repr(emb) == repr(theirs)


def test_embedding_from_pretrained(device):
    table = ag.tensor(rand_array((4, 3), 11), dtype=ag.float32, device=device)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad and emb.weight.shape == (4, 3)
    numpy.testing.assert_array_equal(host(emb(idx([2], device)))[0], host(table)[2])
    with ag.no_grad():
        table[0, 0] = 42.0  # the weight shares the given tensor's memory, as PyTorch
    assert float(emb.weight[0, 0]) == 42.0
    emb = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    assert emb.weight.requires_grad and host(emb.weight)[1].any()  # the padding row is used as given
    emb(idx([1, 2, 1], device)).sum().backward()
    numpy.testing.assert_array_equal(host(emb.weight.grad)[:, 0], [0, 0, 1, 0])
    torch = torch_or_skip()
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(host(table)), freeze=False, padding_idx=1)
    assert repr(emb) == repr(theirs) and list(emb.state_dict()) == list(theirs.state_dict())
    with pytest.raises(ValueError, match=re.escape("2-dimensional (num_embeddings, embedding_dim), got shape (4,)")):
        nn.Embedding.from_pretrained(ag.ones(4, device=device))


def test_embedding_errors(device):
    w = ag.randn(10, 3, device=device)
    with pytest.raises(IndexError, match=re.escape("index 10 is out of range for an embedding of 10 rows")):
        F.embedding(idx([0, 10, 2], device), w)
    with pytest.raises(IndexError, match="index -1 is out of range"):
        F.embedding(idx([0, -1], device), w)
    with pytest.raises(IndexError, match="index 12 is out of range"):
        nn.Embedding(10, 3).to(device)(idx([[12]], device))
    with pytest.raises(TypeError, match="integer tensor of indices.*float32"):
        F.embedding(ag.tensor([0.0, 1.0], device=device), w)
    with pytest.raises(TypeError, match="list"):
        F.embedding([0, 1], w)
    with pytest.raises(ValueError, match=re.escape("2-D (num_embeddings, embedding_dim), got shape (10,)")):
        F.embedding(idx([0], device), ag.ones(10, device=device))
    with pytest.raises(ValueError, match="padding_idx=10 must be an int within num_embeddings=10"):
        F.embedding(idx([0], device), w, padding_idx=10)
    with pytest.raises(ValueError, match="padding_idx=-11 must be within num_embeddings=10"):
        nn.Embedding(10, 3, padding_idx=-11)
    with pytest.raises(ValueError, match="num_embeddings must be a positive int, got 0"):
        nn.Embedding(0, 3)
    with pytest.raises(ValueError, match=re.escape("shape (3, 3), which does not match num_embeddings=10")):
        nn.Embedding(10, 3, _weight=ag.ones(3, 3))


# --- smooth_l1_loss, huber_loss --------------------------------------------------------------------------
def _regression_pair(shape, k, seed):
    """(input, target) with every difference at least 0.05 from the kinks 0, +k and -k."""
    x = rand_array(shape, seed)
    d = rand_array(shape, seed + 1, low=-2.5, high=2.5, kinks=(0.0, k, -k))
    return x, x - d


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0, 0.0])
@pytest.mark.parametrize("shape", [(7,), (4, 5)])
def test_smooth_l1_loss(reduction, beta, shape, device):
    x, t = _regression_pair(shape, beta, 12)

    def ours(x, t):
        return F.smooth_l1_loss(x, t, reduction=reduction, beta=beta)

    def theirs(x, t):
        return TF().smooth_l1_loss(x, t, reduction=reduction, beta=beta)

    check_grads(ours, x, t, device=device)
    compare_with_torch(ours, theirs, x, t, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.3, 2.0])
@pytest.mark.parametrize("shape", [(7,), (4, 5)])
def test_huber_loss(reduction, delta, shape, device):
    x, t = _regression_pair(shape, delta, 14)

    def ours(x, t):
        return F.huber_loss(x, t, reduction=reduction, delta=delta)

    def theirs(x, t):
        return TF().huber_loss(x, t, reduction=reduction, delta=delta)

    check_grads(ours, x, t, device=device)
    compare_with_torch(ours, theirs, x, t, device=device)


def test_smooth_l1_and_huber_values_at_the_joins(device):
    x = ag.tensor([0.0, 1.0, -1.0, 3.0], dtype=ag.float64, device=device, requires_grad=True)
    t = ag.zeros(4, dtype=ag.float64, device=device)
    y = F.smooth_l1_loss(x, t, reduction="none", beta=1.0)
    y.sum().backward()
    numpy.testing.assert_allclose(host(y), [0.0, 0.5, 0.5, 2.5])
    numpy.testing.assert_allclose(host(x.grad), [0.0, 1.0, -1.0, 1.0])  # continuous at |d| = beta
    x.grad = None
    y = F.huber_loss(x * 2.0, t, reduction="none", delta=2.0)
    y.sum().backward()
    numpy.testing.assert_allclose(host(y), [0.0, 2.0, 2.0, 10.0])
    numpy.testing.assert_allclose(host(x.grad), [0.0, 4.0, -4.0, 4.0])


# --- kl_div ----------------------------------------------------------------------------------------------
def _log_probs(shape, seed):
    a = rand_array(shape, seed)
    return a - numpy.log(numpy.exp(a).sum(-1, keepdims=True))


@pytest.mark.parametrize("reduction", ["none", "batchmean", "sum", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4), (6,)])
def test_kl_div(reduction, log_target, shape, device):
    logq = _log_probs(shape, 15)
    logp = _log_probs(shape, 16)
    target = logp if log_target else numpy.exp(logp)

    def ours(x, t):
        return F.kl_div(x, t, reduction=reduction, log_target=log_target)

    def theirs(x, t):
        return TF().kl_div(x, t, reduction=reduction, log_target=log_target)

    check_grads(quiet(ours), logq, target, device=device)
    compare_with_torch(quiet(ours), quiet(theirs), logq, target, device=device)


def test_kl_div_values_zero_targets_and_warning(device):
    logq = ag.tensor(_log_probs((3, 4), 17), device=device, requires_grad=True)
    p = numpy.exp(_log_probs((3, 4), 18))
    p[0, 1] = 0.0
    p[2, :] = 0.0
    t = ag.tensor(p, device=device)
    loss = F.kl_div(logq, t, reduction="batchmean")
    lq = host(logq)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        expected = numpy.where(p > 0, p * (numpy.log(p) - lq), 0.0).sum() / 3
    numpy.testing.assert_allclose(float(loss), expected, rtol=1e-12)
    loss.backward()
    numpy.testing.assert_allclose(host(logq.grad), -p / 3, rtol=1e-12)
    tt = ag.tensor(p, device=device, requires_grad=True)  # the target's gradient is finite at p = 0
    F.kl_div(logq.detach(), tt, reduction="sum").backward()
    assert numpy.isfinite(host(tt.grad)).all()
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(logq, t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(logq, t, reduction="batchmean")
        F.kl_div(logq, t, reduction="sum")
    torch = torch_or_skip()
    theirs = TF().kl_div(torch.tensor(lq), torch.tensor(p), reduction="batchmean")
    numpy.testing.assert_allclose(float(loss), float(theirs), rtol=1e-12)


# --- the loss modules and the losses' errors -------------------------------------------------------------
LOSS_MODULES = [("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {}),
                ("HuberLoss", {"delta": 1.5}), ("KLDivLoss", {}), ("KLDivLoss", {"log_target": True}),
                ("KLDivLoss", {"reduction": "batchmean"})]


@pytest.mark.parametrize("name, kwargs", LOSS_MODULES, ids=[f"{n}{k}" for n, k in LOSS_MODULES])
@pytest.mark.parametrize("reduction", ["none", "sum", None])
def test_loss_modules_match_torch(name, kwargs, reduction, device):
    torch = torch_or_skip()
    kw = dict(kwargs) if reduction is None else dict(kwargs, reduction=reduction)
    ours, theirs = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(ours) == repr(theirs) and ours.reduction == theirs.reduction
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    if name == "KLDivLoss":
        x, t = _log_probs((3, 4), 19), _log_probs((3, 4), 20)
        t = t if kw.get("log_target") else numpy.exp(t)
    else:
        x, t = _regression_pair((3, 4), kw.get("beta", kw.get("delta", 1.0)), 21)
    compare_with_torch(quiet(lambda a, b: ours(a, b)), quiet(lambda a, b: theirs(a, b)), x, t, device=device)


@pytest.mark.parametrize("fn", [F.smooth_l1_loss, F.huber_loss, F.kl_div])
def test_loss_errors(fn, device):
    name = fn.__name__
    a, b = ag.ones(3, 4, device=device), ag.ones(4, 3, device=device)
    with pytest.raises(ValueError, match=re.escape(f"{name}: target has shape (4, 3) but input has shape (3, 4)")):
        fn(a, b)
    with pytest.raises(ValueError, match=f"{name}: 'avg' is not a valid value for reduction"):
        fn(a, a, reduction="avg")
    with pytest.raises(TypeError, match=f"{name}: target must be a Tensor, got list"):
        fn(a, [1.0])
    if fn is not F.kl_div:
        with pytest.raises(ValueError, match=f"{name}: 'batchmean' is not a valid value for reduction"):
            fn(a, a, reduction="batchmean")


def test_loss_parameter_errors(device):
    a = ag.ones(3, device=device)
    with pytest.raises(ValueError, match="beta must be non-negative, got beta=-0.5"):
        F.smooth_l1_loss(a, a, beta=-0.5)
    with pytest.raises(ValueError, match="delta must be positive, got delta=0.0"):
        F.huber_loss(a, a, delta=0)
    with pytest.raises(TypeError, match="delta must be a number, got 'big'"):
        F.huber_loss(a, a, delta="big")
    with pytest.raises(ValueError, match="KLDivLoss: 'avg' is not a valid value for reduction; use 'none', "
                                         "'batchmean', 'sum' or 'mean'"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match="SmoothL1Loss: 'batchmean' is not a valid value"):
        nn.SmoothL1Loss(reduction="batchmean")
    with pytest.raises(ValueError, match="HuberLoss: 'avg'"):
        nn.HuberLoss(reduction="avg")
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nn.KLDivLoss(reduce=False).reduction == "none"


# --- normalize, cosine_similarity ------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("shape, dim", [((4, 5), 1), ((4, 5), 0), ((2, 3, 4), -1), ((6,), 0)])
def test_normalize(p, shape, dim, device):
    x = rand_array(shape, 22)

    def ours(x):
        return F.normalize(x, p=p, dim=dim)

    def theirs(x):
        return TF().normalize(x, p=p, dim=dim)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, theirs, x, device=device)


def test_normalize_unit_norm_and_zero_vectors(device):
    x = ag.tensor(rand_array((3, 6), 23), device=device)
    numpy.testing.assert_allclose(numpy.linalg.norm(host(F.normalize(x)), axis=1), 1.0, rtol=1e-12)
    z = numpy.zeros((2, 3))
    z[1] = [3.0, 0.0, 4.0]
    x = ag.tensor(z, device=device, requires_grad=True)
    y = F.normalize(x, eps=1e-3)
    g = rand_array((2, 3), 24)
    y.backward(ag.tensor(g, device=device))
    numpy.testing.assert_allclose(host(y), [[0, 0, 0], [0.6, 0, 0.8]], atol=1e-15)
    numpy.testing.assert_allclose(host(x.grad)[0], g[0] / 1e-3)  # the zero row: y = x / eps
    torch = torch_or_skip()
    tx = torch.tensor(z, requires_grad=True)
    TF().normalize(tx, eps=1e-3).backward(torch.tensor(g))
    numpy.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("s1, s2, dim", [((4, 5), (4, 5), 1), ((4, 5), (4, 5), 0), ((2, 3, 4), (2, 3, 4), -1),
                                          ((4, 5), (1, 5), 1), ((3, 1, 4), (5, 4), 2), ((6,), (6,), 0)])
def test_cosine_similarity(s1, s2, dim, device):
    a, b = rand_array(s1, 25), rand_array(s2, 26)

    def ours(a, b):
        return F.cosine_similarity(a, b, dim=dim)

    def theirs(a, b):
        return TF().cosine_similarity(a, b, dim=dim)

    check_grads(ours, a, b, device=device)
    compare_with_torch(ours, theirs, a, b, device=device)


def test_cosine_similarity_values_and_errors(device):
    a = ag.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], dtype=ag.float64, device=device, requires_grad=True)
    b = ag.tensor([[2.0, 0.0], [-3.0, -3.0], [1.0, 2.0]], dtype=ag.float64, device=device)
    y = F.cosine_similarity(a, b)
    numpy.testing.assert_allclose(host(y), [1.0, -1.0, 0.0], atol=1e-15)
    y.sum().backward()
    assert numpy.isfinite(host(a.grad)).all()  # a zero vector: cos = 0, with a finite gradient
    with pytest.raises(ValueError, match=re.escape("x1 of shape (3, 2) and x2 of shape (4, 2) can't be broadcast")):
        F.cosine_similarity(a, ag.ones(4, 2, dtype=ag.float64, device=device))
    with pytest.raises(TypeError, match="x2 of dtype int64"):
        F.cosine_similarity(a, ag.tensor([[1, 2]], device=device))
    with pytest.raises(TypeError, match="x1 has dtype float64 but x2 has dtype float32"):
        F.cosine_similarity(a, ag.ones(3, 2, device=device))
    with pytest.raises(TypeError, match="int64"):
        F.normalize(ag.tensor([1, 2], device=device), dim=0)


# --- device-generic code: the strict stand-in for a GPU --------------------------------------------------
STRICT_CASES = [
    ("silu", lambda x: F.silu(x), [rand_array((3, 4), 1)]),
    ("elu", lambda x: F.elu(x, 0.7), [rand_array((3, 4), 2)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
     [rand_array((2, 3, 4), 3), rand_array((3, 4), 4), rand_array((3, 4), 5)]),
    ("embedding", lambda w, i: F.embedding(i, w, padding_idx=1),
     [rand_array((5, 3), 6), numpy.array([[0, 1, 4], [4, 4, 2]])]),
    ("one_hot", lambda i: F.one_hot(i), [numpy.array([[0, 3], [2, 2]])]),
    ("smooth_l1_loss", lambda x, t: F.smooth_l1_loss(x, t, beta=0.5), list(_regression_pair((3, 4), 0.5, 7))),
    ("huber_loss", lambda x, t: F.huber_loss(x, t, reduction="sum", delta=0.5),
     list(_regression_pair((3, 4), 0.5, 8))),
    ("kl_div", lambda x, t: F.kl_div(x, t, reduction="batchmean"),
     [_log_probs((3, 4), 9), numpy.exp(_log_probs((3, 4), 10))]),
    ("kl_div_log_target", lambda x, t: F.kl_div(x, t, log_target=True),
     [_log_probs((3, 4), 11), _log_probs((3, 4), 12)]),
    ("normalize", lambda x: F.normalize(x, p=3.0, dim=0), [rand_array((3, 4), 13)]),
    ("cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=-1),
     [rand_array((3, 4), 14), rand_array((1, 4), 15)]),
]


@pytest.mark.parametrize("name, fn, arrays", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_runs_on_the_strict_device(name, fn, arrays):
    """The same values and first and second derivatives on the strict device (a NumPy-only call or a hidden
    copy to the host fails there) as on the CPU."""
    grads = check_on_strict_device(quiet(fn), arrays, [a.dtype.kind == "f" for a in arrays])
    if name != "one_hot":
        assert grads, "no gradient was checked"
