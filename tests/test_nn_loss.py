"""Losses: gradcheck/gradgradcheck, PyTorch as the oracle (float32 and float64), extreme values, errors, modules."""

import math

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip

REDUCTIONS = ["mean", "sum", "none"]
C = 4
W = numpy.array([0.5, 2.0, 1.0, 1.5])


def TF():
    return torch_or_skip().nn.functional


def _ours_w(x, device, w=W):
    """A constant weight in x's dtype on the device (losses don't differentiate their weights)."""
    return None if w is None else ag.tensor(w, dtype=x.dtype, device=device)


def _theirs_w(x, w=W):
    return None if w is None else torch_or_skip().tensor(w, dtype=x.dtype)


def _index(t, device):
    return ag.tensor(numpy.asarray(t), dtype=ag.int64, device=device)


def _tindex(t):
    return torch_or_skip().tensor(numpy.asarray(t), dtype=torch_or_skip().int64)


# --- cross_entropy / nll_loss with class indices -------------------------------------------------
CE_CASES = [  # (input shape, target)
    ((5, C), numpy.array([0, 3, -100, 1, 2])),
    ((C,), numpy.array(2)),
    ((2, C, 3), numpy.array([[0, 1, 3], [2, -100, 0]])),
    ((2, C, 2, 2), numpy.array([[[0, 1], [3, 2]], [[1, 1], [0, -100]]])),
]


@pytest.mark.parametrize("shape, target", CE_CASES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_class_indices(shape, target, reduction, weighted, smoothing, device):
    x = rand_array(shape, 1)
    w = W if weighted else None

    def ours(x):
        return F.cross_entropy(x, _index(target, device), weight=_ours_w(x, device, w), reduction=reduction,
                               label_smoothing=smoothing)

    def theirs(x):
        return TF().cross_entropy(x, _tindex(target), weight=_theirs_w(x, w), reduction=reduction,
                                  label_smoothing=smoothing)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, theirs, x, device=device)


@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(ignore_index, reduction, device):
    x = rand_array((6, C), 2)
    target = numpy.array([0, 1, 2, 3, 1, -100])

    def ours(x):
        return F.nll_loss(x, _index(target, device), weight=_ours_w(x, device), ignore_index=ignore_index,
                          reduction=reduction)

    def theirs(x):
        return TF().nll_loss(x, _tindex(target), weight=_theirs_w(x), ignore_index=ignore_index, reduction=reduction)

    if ignore_index == -100:
        check_grads(ours, x, device=device)
        compare_with_torch(ours, theirs, x, device=device)
    else:  # -100 is now an ordinary (out-of-range) class index
        with pytest.raises(IndexError, match=r"target -100 is out of bounds.*4 classes"):
            ours(ag.tensor(x, device=device))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets(reduction, weighted, smoothing, device):
    x = rand_array((3, C, 2), 3)
    p = numpy.random.default_rng(4).dirichlet(numpy.ones(C), size=(3, 2)).transpose(0, 2, 1).copy()
    w = W if weighted else None

    def ours(x, p):
        return F.cross_entropy(x, p, weight=_ours_w(x, device, w), reduction=reduction, label_smoothing=smoothing)

    def theirs(x, p):
        return TF().cross_entropy(x, p, weight=_theirs_w(x, w), reduction=reduction, label_smoothing=smoothing)

    check_grads(ours, x, p, device=device)
    compare_with_torch(ours, theirs, x, p, device=device)


@pytest.mark.parametrize("scale", [1e4, 1e8])
def test_cross_entropy_extreme_logits(scale, device):
    torch = torch_or_skip()
    x = numpy.array([[1.0, -1.0, 0.5, 0.0], [-1.0, 1.0, 0.0, 0.3], [0.2, 0.1, -1.0, 1.0]]) * scale
    target = numpy.array([1, 1, 3])
    for smoothing in (0.0, 0.1):
        xa = ag.tensor(x, dtype=ag.float32, device=device, requires_grad=True)
        xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
        y = F.cross_entropy(xa, _index(target, device), label_smoothing=smoothing)
        yt = torch.nn.functional.cross_entropy(xt, _tindex(target), label_smoothing=smoothing)
        y.backward()
        yt.backward()
        assert numpy.isfinite(host(y)) and numpy.isfinite(host(xa.grad)).all()
        numpy.testing.assert_allclose(host(y), yt.detach().numpy(), rtol=1e-5)
        numpy.testing.assert_allclose(host(xa.grad), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_cross_entropy_errors(device):
    x = ag.randn(3, C, device=device)
    with pytest.raises(IndexError, match=r"target 7 is out of bounds.*4 classes"):
        F.cross_entropy(x, _index([0, 7, 1], device))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds"):
        F.nll_loss(x, _index([0, -1, 1], device))
    with pytest.raises(ValueError, match=r"needs a target of shape \(3,\), got target shape \(2,\)"):
        F.cross_entropy(x, _index([0, 1], device))
    with pytest.raises(ValueError, match=r"probabilities, of the input's shape \(3, 4\), but it has shape \(3, 5\)"):
        F.cross_entropy(x, ag.rand(3, 5, device=device))
    with pytest.raises(TypeError, match="integer tensor of class indices"):
        F.nll_loss(x, ag.zeros(3, device=device))
    with pytest.raises(ValueError, match=r"weight has shape \(3,\).*expected shape \(4,\)"):
        F.cross_entropy(x, _index([0, 1, 2], device), weight=ag.ones(3, device=device))
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        F.cross_entropy(x, _index([0, 1, 2], device), label_smoothing=1.5)
    assert numpy.isfinite(host(F.cross_entropy(x, _index([0, -100, 2], device))))


# --- regression ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(name, reduction, device):
    x, y = rand_array((3, 4), 5), rand_array((3, 4), 6)
    y = numpy.where(numpy.abs(x - y) < 0.05, y + 0.2, y)  # away from the kink of |x - y|

    def ours(x, y):
        return getattr(F, name)(x, y, reduction=reduction)

    check_grads(ours, x, y, device=device)
    compare_with_torch(ours, lambda x, y: getattr(TF(), name)(x, y, reduction=reduction), x, y, device=device)


# --- binary classification ------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted, device):
    p, t = rand_array((3, C), 7, low=0.05, high=0.95, kinks=()), rand_array((3, C), 8, low=0.0, high=1.0, kinks=())
    w = W if weighted else None

    def ours(p, t):
        return F.binary_cross_entropy(p, t, weight=_ours_w(p, device, w), reduction=reduction)

    check_grads(ours, p, t, device=device)
    compare_with_torch(ours, lambda p, t: TF().binary_cross_entropy(p, t, weight=_theirs_w(p, w), reduction=reduction),
                       p, t, device=device)


def test_binary_cross_entropy_at_zero_and_one(device):
    torch = torch_or_skip()
    p = numpy.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = numpy.array([0.0, 1.0, 1.0, 0.0, 1.0])
    for dt, tdt in ((ag.float32, torch.float32), (ag.float64, torch.float64)):
        pa = ag.tensor(p, dtype=dt, device=device, requires_grad=True)
        pt = torch.tensor(p, dtype=tdt, requires_grad=True)
        y = F.binary_cross_entropy(pa, ag.tensor(t, dtype=dt, device=device), reduction="none")
        yt = torch.nn.functional.binary_cross_entropy(pt, torch.tensor(t, dtype=tdt), reduction="none")
        numpy.testing.assert_allclose(host(y), yt.detach().numpy(), rtol=1e-6)
        assert host(y)[2] == 100 and host(y)[0] == 0  # log clamped at -100
        y.sum().backward()
        yt.sum().backward()
        assert numpy.isfinite(host(pa.grad)).all()
        numpy.testing.assert_allclose(host(pa.grad), pt.grad.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([0.5, 1.5], device=device), ag.tensor([0.0, 1.0], device=device))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits(reduction, weighted, pos_weighted, device):
    x, t = rand_array((3, C), 9), rand_array((3, C), 10, low=0.0, high=1.0, kinks=())
    w = W if weighted else None
    pw = W[::-1].copy() if pos_weighted else None

    def ours(x, t):
        return F.binary_cross_entropy_with_logits(x, t, weight=_ours_w(x, device, w), reduction=reduction,
                                                  pos_weight=_ours_w(x, device, pw))

    def theirs(x, t):
        return TF().binary_cross_entropy_with_logits(x, t, weight=_theirs_w(x, w), reduction=reduction,
                                                     pos_weight=_theirs_w(x, pw))

    check_grads(ours, x, t, device=device)
    compare_with_torch(ours, theirs, x, t, device=device)


@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_extreme(pos_weighted, device):
    x = numpy.array([1e4, -1e4, 1e4, -1e4, 0.0])
    t = numpy.array([1.0, 0.0, 0.0, 1.0, 0.5])
    pw = numpy.full(5, 3.0) if pos_weighted else None
    xa = ag.tensor(x, dtype=ag.float32, device=device, requires_grad=True)
    y = F.binary_cross_entropy_with_logits(xa, ag.tensor(t, dtype=ag.float32, device=device), reduction="none",
                                           pos_weight=_ours_w(xa, device, pw))
    numpy.testing.assert_allclose(host(y)[:4], [0, 0, 1e4, 1e4 * (3 if pos_weighted else 1)], rtol=1e-6)
    y.sum().backward()
    assert numpy.isfinite(host(xa.grad)).all()
    compare_with_torch(
        lambda x: F.binary_cross_entropy_with_logits(x, ag.tensor(t, dtype=x.dtype, device=device), reduction="none",
                                                     pos_weight=_ours_w(x, device, pw)),
        lambda x: TF().binary_cross_entropy_with_logits(x, torch_or_skip().tensor(t, dtype=x.dtype),
                                                        reduction="none", pos_weight=_theirs_w(x, pw)),
        x, device=device)


@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_bce_with_logits_keeps_small_losses_and_gradients(pos_weight, device):
    """A confident right answer (|x| = 40 on the right side) has loss and gradient L = log(1 + exp(-40))
    = 4.2e-18 times the weight, not 0: the loss as max(x, 0) - t x + log1p(exp(-|x|)) and the slope as
    (1 - t) sigmoid(x) - pw t sigmoid(-x), neither of which cancels (float64)."""
    x = ag.tensor([-40.0, 40.0, -40.0, 30.0], dtype=ag.float64, device=device, requires_grad=True)
    t = ag.tensor([0.0, 1.0, 1.0, 0.3], dtype=ag.float64, device=device)
    pw = None if pos_weight is None else ag.full((4,), pos_weight, dtype=ag.float64, device=device)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=pw)
    loss.sum().backward()
    p = 1.0 if pos_weight is None else pos_weight
    small = math.log1p(math.exp(-40.0))
    want = [small, p * small, 40.0 * p + small * p, 30.0 - 9.0 + math.log1p(math.exp(-30.0)) * (1 + (p - 1) * 0.3)]
    numpy.testing.assert_allclose(host(loss), want, rtol=1e-15, atol=0)
    sig = 1.0 / (1.0 + math.exp(-30.0))
    slope = [small, -p * small, -p * (1 - small), 0.7 * sig - p * 0.3 * (1 - sig)]
    numpy.testing.assert_allclose(host(x.grad), slope, rtol=1e-14, atol=0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss(reduction, device):
    x = rand_array((3, C), 11)
    y = numpy.where(rand_array((3, C), 12) > 0, 1.0, -1.0)

    def ours(x):
        return F.soft_margin_loss(x, ag.tensor(y, dtype=x.dtype, device=device), reduction=reduction)

    def theirs(x):
        return TF().soft_margin_loss(x, torch_or_skip().tensor(y, dtype=x.dtype), reduction=reduction)

    check_grads(ours, x, device=device)
    # stable at extreme margins (where torch's float32 log(1 + exp(-y x)) overflows to inf)
    xa = ag.tensor(x * 1e4, dtype=ag.float32, device=device, requires_grad=True)
    big = F.soft_margin_loss(xa, ag.tensor(y, dtype=ag.float32, device=device), "none")
    numpy.testing.assert_allclose(host(big), numpy.logaddexp(0, -y * x * 1e4), rtol=1e-6)
    big.sum().backward()
    numpy.testing.assert_allclose(host(xa.grad), -y * (y * x < 0), rtol=1e-6)
    compare_with_torch(ours, theirs, x, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape, target", [((5, C), numpy.array([0, 3, 1, 1, 2])), ((C,), numpy.array(2))])
def test_multi_margin_loss(reduction, p, weighted, shape, target, device):
    x = rand_array(shape, 13, low=-0.4, high=0.4, away=0.0)
    x = numpy.round(x, 2) + 0.003  # margins 1 - x_y + x_i stay away from the kink at 0
    w = W if weighted else None

    def ours(x):
        return F.multi_margin_loss(x, _index(target, device), p=p, margin=0.7, weight=_ours_w(x, device, w),
                                   reduction=reduction)

    def theirs(x):
        return TF().multi_margin_loss(x, _tindex(target), p=p, margin=0.7, weight=_theirs_w(x, w),
                                      reduction=reduction)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, theirs, x, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_loss(reduction, device):
    x = rand_array((3, C), 14, kinks=(0.5,))
    y = numpy.where(rand_array((3, C), 15) > 0, 1.0, -1.0)

    def ours(x):
        return F.hinge_embedding_loss(x, ag.tensor(y, dtype=x.dtype, device=device), margin=0.5, reduction=reduction)

    def theirs(x):
        return TF().hinge_embedding_loss(x, torch_or_skip().tensor(y, dtype=x.dtype), margin=0.5,
                                         reduction=reduction)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, theirs, x, device=device)


# --- errors, dtypes and modules ------------------------------------------------------------------
ELEMENTWISE = ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
               "soft_margin_loss", "hinge_embedding_loss"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_losses_errors_and_float32(name, device):
    fn = getattr(F, name)
    x = ag.rand(3, 4, device=device, requires_grad=True)
    t = ag.ones(3, 4, device=device)
    loss = fn(x, t)
    assert loss.dtype == ag.float32 and loss.shape == ()
    loss.backward()
    assert x.grad.dtype == ag.float32
    assert fn(x, t, reduction="none").shape == (3, 4)
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        fn(x, t, reduction="avg")
    with pytest.raises(ValueError, match=r"target has shape \(4, 3\) but input has shape \(3, 4\)"):
        fn(x, ag.ones(4, 3, device=device))


def test_class_losses_reduction_and_float32(device):
    x = ag.randn(3, C, device=device, requires_grad=True)
    t = _index([0, 1, 3], device)
    for fn in (F.cross_entropy, F.nll_loss, F.multi_margin_loss):
        x.grad = None
        loss = fn(x, t)
        assert loss.dtype == ag.float32
        loss.backward()
        assert x.grad.dtype == ag.float32
        with pytest.raises(ValueError, match="'elementwise_mean' is not a valid value for reduction"):
            fn(x, t, reduction="elementwise_mean")
    with pytest.raises(IndexError, match=r"target 4 is out of bounds"):
        F.multi_margin_loss(x, _index([0, 4, 1], device))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        F.multi_margin_loss(x, t, p=3)
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)


MODULES = [
    (nn.CrossEntropyLoss, dict(weight=W, ignore_index=1, label_smoothing=0.1), "class"),
    (nn.NLLLoss, dict(weight=W, ignore_index=2), "class"),
    (nn.MultiMarginLoss, dict(p=2, margin=0.5, weight=W), "class"),
    (nn.MSELoss, {}, "float"),
    (nn.L1Loss, {}, "float"),
    (nn.BCELoss, dict(weight=W), "prob"),
    (nn.BCEWithLogitsLoss, dict(weight=W, pos_weight=W[::-1].copy()), "float"),
    (nn.SoftMarginLoss, {}, "sign"),
    (nn.HingeEmbeddingLoss, dict(margin=0.5), "sign"),
]


@pytest.mark.parametrize("cls, kwargs, kind", MODULES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_modules_match_torch(cls, kwargs, kind, reduction, device):
    torch = torch_or_skip()
    x = rand_array((5, C), 16, low=0.05 if kind == "prob" else -2.0, high=0.95 if kind == "prob" else 2.0)
    target = {"class": numpy.array([0, 1, 2, 3, 1]), "float": rand_array((5, C), 17), "prob": rand_array(
        (5, C), 18, low=0.0, high=1.0), "sign": numpy.where(rand_array((5, C), 19) > 0, 1.0, -1.0)}[kind]
    ours_kw = {k: (ag.tensor(v, dtype=ag.float32, device=device) if isinstance(v, numpy.ndarray) else v)
               for k, v in kwargs.items()}
    theirs_kw = {k: (torch.tensor(v, dtype=torch.float32) if isinstance(v, numpy.ndarray) else v)
                 for k, v in kwargs.items()}
    ours = cls(reduction=reduction, **ours_kw).to(device)
    theirs = getattr(torch.nn, cls.__name__)(reduction=reduction, **theirs_kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    tt = torch.tensor(target) if kind == "class" else torch.tensor(target, dtype=torch.float32)
    ot = _index(target, device) if kind == "class" else ag.tensor(target, dtype=ag.float32, device=device)
    xa = ag.tensor(x, dtype=ag.float32, device=device, requires_grad=True)
    xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    y, yt = ours(xa, ot), theirs(xt, tt)
    numpy.testing.assert_allclose(host(y), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    yt.sum().backward()
    numpy.testing.assert_allclose(host(xa.grad), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_module_arguments_and_buffers(device):
    crit = nn.CrossEntropyLoss(weight=ag.tensor(W))
    assert list(crit.state_dict()) == ["weight"] and list(crit.parameters()) == []
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert crit.ignore_index == -100 and crit.reduction == "mean" and crit.label_smoothing == 0.0
    assert list(nn.BCEWithLogitsLoss(pos_weight=ag.ones(3)).state_dict()) == ["pos_weight"]
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nn.L1Loss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.MSELoss(reduce=False).reduction == "none"
    crit = crit.to(device)
    x = ag.randn(2, C, device=device)
    numpy.testing.assert_allclose(host(crit(x, _index([1, 2], device))),
                                  host(F.cross_entropy(x, _index([1, 2], device), weight=crit.weight)))
