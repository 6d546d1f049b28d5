"""More losses and distances: margin_ranking, cosine_embedding, triplet_margin, poisson_nll, gaussian_nll,
multilabel_soft_margin and multilabel_margin losses, pairwise_distance and cdist; their modules.

gradcheck/gradgradcheck in float64, PyTorch as the oracle (forward and backward, float32 and float64, every
reduction and option), the errors, and a run on the strict device (tests/strict_device.py).
"""

import math

import numpy
import pytest
import strict_device as sd
import test_device_generic as tdg
from strict_device import STRICT

import autograd_core as ag
import backends
import nn
import nn.functional as F
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip

REDUCTIONS = ["mean", "sum", "none"]
N, D = 5, 4


def TF():
    return torch_or_skip().nn.functional


def _ours(a, x, device, dtype=None):
    """A constant (no grad) tensor from ``a`` in x's dtype (or ``dtype``) on the device."""
    return ag.tensor(numpy.asarray(a), dtype=dtype or x.dtype, device=device)


def _theirs(a, x, dtype=None):
    return torch_or_skip().tensor(numpy.asarray(a), dtype=dtype or x.dtype)


def signs(shape, seed, zeros=False):
    """Labels in {-1, 1} (and some 0s, which cosine_embedding_loss ignores, with ``zeros``)."""
    y = numpy.where(rand_array(shape, seed) > 0, 1.0, -1.0)
    if zeros and y.size > 2:
        y.reshape(-1)[1] = 0.0
    return y


# --- margin_ranking_loss ----------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
@pytest.mark.parametrize("shapes", [((N,), (N,), (N,)), ((3, 1), (1, D), (3, D))])
def test_margin_ranking_loss(reduction, margin, shapes, device):
    s1, s2, st = shapes
    x1, x2 = rand_array(s1, 1), rand_array(s2, 2)
    y = signs(st, 3)
    hinge = margin - y * (x1 - x2)
    x1 = numpy.where(numpy.abs(hinge) < 0.05, x1 - 0.2 * y, x1) if s1 == st else x1  # away from the kink
    assert numpy.abs(margin - y * (x1 - x2)).min() > 0.01

    def ours(a, b, t):
        return F.margin_ranking_loss(a, b, t, margin=margin, reduction=reduction)

    def theirs(a, b, t):
        return TF().margin_ranking_loss(a, b, t, margin=margin, reduction=reduction)

    check_grads(ours, x1, x2, y, device=device)
    compare_with_torch(ours, theirs, x1, x2, y, device=device)


# --- cosine_embedding_loss --------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, -0.3, 0.4])
@pytest.mark.parametrize("batched", [True, False])
def test_cosine_embedding_loss(reduction, margin, batched, device):
    shape = (N, D) if batched else (D,)
    x1, x2 = rand_array(shape, 4), rand_array(shape, 5)
    y = signs(shape[:-1], 6, zeros=True) if batched else numpy.array(-1.0)
    cos = (x1 * x2).sum(-1) / numpy.sqrt((x1 * x1).sum(-1) * (x2 * x2).sum(-1))
    assert numpy.abs(cos - margin).min() > 0.01  # away from the kink of max(0, cos - margin)

    def ours(a, b):
        return F.cosine_embedding_loss(a, b, _ours(y, a, device), margin=margin, reduction=reduction)

    def theirs(a, b):
        return TF().cosine_embedding_loss(a, b, _theirs(y, a), margin=margin, reduction=reduction)

    check_grads(ours, x1, x2, device=device)
    compare_with_torch(ours, theirs, x1, x2, device=device)


def test_cosine_embedding_loss_zero_vector(device):
    """A zero vector: cos = 0 with finite gradients (the 1e-12 inside the square root), as PyTorch."""
    x1 = numpy.zeros((2, D))
    x2 = rand_array((2, D), 7)
    y = numpy.array([1.0, -1.0])
    compare_with_torch(lambda a, b: F.cosine_embedding_loss(a, b, _ours(y, a, device), reduction="none"),
                       lambda a, b: TF().cosine_embedding_loss(a, b, _theirs(y, a), reduction="none"),
                       x1, x2, device=device, tol={"float64": dict(rtol=1e-7, atol=1e-12)})  # 1/sqrt(1e-12)


# --- triplet_margin_loss ----------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2, 3.0, math.inf])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_triplet_margin_loss(reduction, p, swap, batched, device):
    shape = (N, D) if batched else (D,)
    a, pos, neg = rand_array(shape, 8), rand_array(shape, 9), rand_array(shape, 10)
    pos = a + 0.5 * (pos - a)  # some triplets satisfied, some not
    kw = dict(margin=0.7, p=p, eps=1e-6, swap=swap, reduction=reduction)

    def ours(a, b, c):
        return F.triplet_margin_loss(a, b, c, **kw)

    def theirs(a, b, c):
        return TF().triplet_margin_loss(a, b, c, **kw)

    check_grads(ours, a, pos, neg, device=device)
    compare_with_torch(ours, theirs, a, pos, neg, device=device)


def test_triplet_swap_changes_the_loss(device):
    """The swap picks d(p, n) where the positive is nearer the negative than the anchor is."""
    a = numpy.array([[0.0, 0.0]])
    p = numpy.array([[1.0, 0.0]])
    n = numpy.array([[1.5, 0.0]])
    t = [ag.tensor(v, device=device, dtype=ag.float64) for v in (a, p, n)]
    plain = host(F.triplet_margin_loss(*t, margin=1.0, eps=0.0))
    swapped = host(F.triplet_margin_loss(*t, margin=1.0, eps=0.0, swap=True))
    numpy.testing.assert_allclose(plain, 1.0 - 1.5 + 1.0)
    numpy.testing.assert_allclose(swapped, 1.0 - 0.5 + 1.0)


# --- poisson_nll_loss -------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss(reduction, log_input, full, device):
    x = rand_array((N, D), 11) if log_input else rand_array((N, D), 11, low=0.1, high=3.0, kinks=())
    t = rand_array((N, D), 12, low=0.05, high=4.0, kinks=(1.0,))  # both sides of t = 1 (Stirling's mask)

    def ours(x, t):
        return F.poisson_nll_loss(x, t, log_input=log_input, full=full, eps=1e-3, reduction=reduction)

    def theirs(x, t):
        return TF().poisson_nll_loss(x, t, log_input=log_input, full=full, eps=1e-3, reduction=reduction)

    check_grads(ours, x, t, device=device)
    compare_with_torch(ours, theirs, x, t, device=device)


def test_poisson_nll_loss_zero_counts(device):
    """Counts of 0 with full=True: finite loss and input gradient, equal to PyTorch's."""
    t = numpy.array([0.0, 1.0, 2.0, 5.0])
    x = rand_array((4,), 13)
    compare_with_torch(lambda x: F.poisson_nll_loss(x, _ours(t, x, device), full=True, reduction="none"),
                       lambda x: TF().poisson_nll_loss(x, _theirs(t, x), full=True, reduction="none"), x, device=device)
    tt = ag.tensor(t, dtype=ag.float64, device=device, requires_grad=True)
    loss = F.poisson_nll_loss(ag.tensor(x, dtype=ag.float64, device=device), tt, full=True).sum()
    loss.backward()
    assert numpy.isfinite(host(tt.grad)).all()


# --- gaussian_nll_loss ------------------------------------------------------------------------------
VAR_SHAPES = [(N, D), (N,), (N, 1), (1, D)]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", VAR_SHAPES)
def test_gaussian_nll_loss(reduction, full, var_shape, device):
    x, y = rand_array((N, D), 14), rand_array((N, D), 15)
    v = rand_array(var_shape, 16, low=0.2, high=2.0, kinks=())

    def ours(x, y, v):
        return F.gaussian_nll_loss(x, y, v, full=full, eps=1e-6, reduction=reduction)

    def theirs(x, y, v):
        return TF().gaussian_nll_loss(x, y, v, full=full, eps=1e-6, reduction=reduction)

    check_grads(ours, x, y, v, device=device)
    compare_with_torch(ours, theirs, x, y, v, device=device)


@pytest.mark.parametrize("var", [0.7, 2])
def test_gaussian_nll_loss_number_var(var, device):
    x, y = rand_array((N, D), 17), rand_array((N, D), 18)
    check_grads(lambda x, y: F.gaussian_nll_loss(x, y, var, full=True), x, y, device=device)
    compare_with_torch(lambda x, y: F.gaussian_nll_loss(x, y, var, reduction="none"),
                       lambda x, y: TF().gaussian_nll_loss(x, y, float(var), reduction="none"), x, y, device=device)


def test_gaussian_nll_loss_clamped_var(device):
    """var below eps (and 0): the loss uses max(var, eps); var's gradient passes the clamp as PyTorch's."""
    x, y = rand_array((2, 3), 19), rand_array((2, 3), 20)
    v = numpy.array([[0.0, 1e-5, 0.5], [2e-4, 1.0, 1e-3]])
    for reduction in REDUCTIONS:
        compare_with_torch(lambda x, y, v: F.gaussian_nll_loss(x, y, v, eps=1e-3, reduction=reduction),
                           lambda x, y, v: TF().gaussian_nll_loss(x, y, v, eps=1e-3, reduction=reduction),
                           x, y, v, device=device)


def test_gaussian_nll_loss_second_order_with_clamp(device):
    """The straight-through clamp is differentiable twice: d2l/dv2 taken at max(v, eps), as PyTorch's."""
    torch = torch_or_skip()
    x, y = rand_array((3,), 21), rand_array((3,), 22)
    v = numpy.array([1e-4, 0.5, 2.0])
    va = ag.tensor(v, dtype=ag.float64, device=device, requires_grad=True)
    vt = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    (g,) = ag.grad(F.gaussian_nll_loss(_ours(x, va, device), _ours(y, va, device), va, eps=1e-3, reduction="sum"),
                   [va], create_graph=True)
    (gt,) = torch.autograd.grad(TF().gaussian_nll_loss(_theirs(x, vt), _theirs(y, vt), vt, eps=1e-3,
                                                       reduction="sum"), [vt], create_graph=True)
    (gg,) = ag.grad(g.sum(), [va])
    (ggt,) = torch.autograd.grad(gt.sum(), [vt])
    numpy.testing.assert_allclose(host(g), host(gt), rtol=1e-12)
    numpy.testing.assert_allclose(host(gg), host(ggt), rtol=1e-12)


# --- multilabel losses ------------------------------------------------------------------------------
W = numpy.array([0.5, 2.0, 1.0, 1.5])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, "classes", "full"])
@pytest.mark.parametrize("batched", [True, False])
def test_multilabel_soft_margin_loss(reduction, weight, batched, device):
    shape = (N, D) if batched else (D,)
    x = rand_array(shape, 23)
    t = (rand_array(shape, 24) > 0).astype(numpy.float64)
    w = {None: None, "classes": W, "full": rand_array(shape, 25, low=0.1, high=2.0, kinks=())}[weight]

    def ours(x, t):
        return F.multilabel_soft_margin_loss(x, t, weight=None if w is None else _ours(w, x, device),
                                             reduction=reduction)

    def theirs(x, t):
        return TF().multilabel_soft_margin_loss(x, t, weight=None if w is None else _theirs(w, x),
                                                reduction=reduction)

    check_grads(ours, x, t, device=device)
    compare_with_torch(ours, theirs, x, t, device=device)


def test_multilabel_soft_margin_loss_extreme(device):
    """Logits of +-1e4 in float32: finite loss and gradient (the stable softplus)."""
    x = numpy.array([[1e4, -1e4, 1e4, -1e4]])
    t = numpy.array([[1.0, 0.0, 0.0, 1.0]])
    xa = ag.tensor(x, dtype=ag.float32, device=device, requires_grad=True)
    loss = F.multilabel_soft_margin_loss(xa, ag.tensor(t, dtype=ag.float32, device=device), reduction="none")
    numpy.testing.assert_allclose(host(loss), [2e4 / 4], rtol=1e-6)
    loss.sum().backward()
    numpy.testing.assert_allclose(host(xa.grad), [[0.0, 0.0, 0.25, -0.25]], atol=1e-7)


ML_TARGETS = {  # class indices, ended by the first -1 (later entries are ignored)
    "batched": numpy.array([[3, 0, -1, 1], [2, 2, -1, 0], [1, -1, 3, 3], [0, 1, 2, 3], [-1, 0, 1, 2]]),
    "single": numpy.array([2, 0, -1, 3]),
    "no_pad": numpy.array([[1, 3, 2, 0], [0, 1, 0, 1]]),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(ML_TARGETS))
def test_multilabel_margin_loss(reduction, case, device):
    t = ML_TARGETS[case]
    x = numpy.round(rand_array(t.shape, 26, low=-0.6, high=0.6, away=0.0), 2) + 0.003  # away from the hinge kinks

    def ours(x):
        return F.multilabel_margin_loss(x, _ours(t, x, device, ag.int64), reduction=reduction)

    def theirs(x):
        return TF().multilabel_margin_loss(x, _theirs(t, x, torch_or_skip().int64), reduction=reduction)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, theirs, x, device=device)


# --- pairwise_distance and cdist --------------------------------------------------------------------
@pytest.mark.parametrize("p", [1, 2, 3.0, 0.5, math.inf, 0])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shapes", [((N, D), (N, D)), ((N, D), (D,)), ((D,), (D,)), ((2, 3, D), (3, D)), ((), ())])
def test_pairwise_distance(p, keepdim, shapes, device):
    x1, x2 = rand_array(shapes[0], 27), rand_array(shapes[1], 28)
    x1 = numpy.where(numpy.abs(x1 - x2) < 0.05, x1 + 0.3, x1)  # coordinates differ (the kinks of |u|)

    def ours(a, b):
        return F.pairwise_distance(a, b, p=p, eps=1e-6, keepdim=keepdim)

    def theirs(a, b):
        return TF().pairwise_distance(a, b, p=p, eps=1e-6, keepdim=keepdim)

    if p != 0:  # p = 0 counts nonzeros: piecewise constant
        check_grads(ours, x1, x2, device=device)
    compare_with_torch(ours, theirs, x1, x2, device=device)


def test_pairwise_distance_equal_points(device):
    """Equal points: d = ||eps||_p, with PyTorch's gradient (and eps = 0: d = 0 with a zero gradient)."""
    x = rand_array((3, D), 29)
    compare_with_torch(lambda a, b: F.pairwise_distance(a, b), lambda a, b: TF().pairwise_distance(a, b), x, x,
                       device=device)
    a = ag.tensor(x, dtype=ag.float64, device=device, requires_grad=True)
    d = F.pairwise_distance(a, ag.tensor(x, dtype=ag.float64, device=device), eps=0.0)
    assert not host(d).any()
    d.sum().backward()
    assert numpy.isfinite(host(a.grad)).all() and not host(a.grad).any()


CDIST_MODES = ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"]


@pytest.mark.parametrize("p", [1, 2, 3.0, 0.5, math.inf, 0])
@pytest.mark.parametrize("shapes", [((3, D), (5, D)), ((2, 3, D), (5, D)), ((2, 1, 3, D), (4, 2, D))])
def test_cdist(p, shapes, device):
    x1, x2 = rand_array(shapes[0], 30), rand_array(shapes[1], 31)

    def ours(a, b):
        return F.cdist(a, b, p=p)

    def theirs(a, b):
        return torch_or_skip().cdist(a, b, p=p)

    if p != 0:
        check_grads(ours, x1, x2, device=device)
    compare_with_torch(ours, theirs, x1, x2, device=device)


@pytest.mark.parametrize("mode", CDIST_MODES)
@pytest.mark.parametrize("points", [4, 30])
def test_cdist_compute_modes(mode, points, device):
    """The matrix-product form for p = 2 (forced, or for more than 25 points) matches PyTorch's."""
    x1, x2 = rand_array((2, points, 3), 32), rand_array((2, 6, 3), 33)

    def ours(a, b):
        return F.cdist(a, b, compute_mode=mode)

    def theirs(a, b):
        return torch_or_skip().cdist(a, b, compute_mode=mode)

    check_grads(ours, x1, x2, device=device, fast_mode=points > 25)
    compare_with_torch(ours, theirs, x1, x2, device=device,
                       tol={"float64": dict(rtol=1e-9, atol=1e-12), "float32": dict(rtol=1e-4, atol=1e-5)})


@pytest.mark.parametrize("mode", CDIST_MODES)
@pytest.mark.parametrize("p", [1, 2, 3.0, math.inf])
def test_cdist_zero_distance_gradient(mode, p, device):
    """Coinciding points: distance 0 and a finite gradient, PyTorch's (0 from those pairs), to second order."""
    x1 = rand_array((3, D), 34)
    x2 = numpy.concatenate([x1[1:2], rand_array((2, D), 35)])  # x2[0] == x1[1]
    compare_with_torch(lambda a, b: F.cdist(a, b, p=p, compute_mode=mode),
                       lambda a, b: torch_or_skip().cdist(a, b, p=p, compute_mode=mode), x1, x2, device=device)
    a = ag.tensor(x1, dtype=ag.float64, device=device, requires_grad=True)
    b = ag.tensor(x2, dtype=ag.float64, device=device, requires_grad=True)
    d = F.cdist(a, b, p=p, compute_mode=mode)
    assert host(d)[1, 0] == 0
    ga, gb = ag.grad(d.sum(), [a, b], create_graph=True)
    assert numpy.isfinite(host(ga)).all() and numpy.isfinite(host(gb)).all()
    if p not in (1, math.inf):  # |u| and max|u| are piecewise linear: no second derivative to take
        gga, ggb = ag.grad((ga * ga).sum() + (gb * gb).sum(), [a, b], allow_unused=True)
        for g in (gga, ggb):
            assert g is None or numpy.isfinite(host(g)).all()


# --- modules ----------------------------------------------------------------------------------------
def _case(name, torch):
    """(our module's kwargs, torch's kwargs, input arrays, which inputs are differentiable)."""
    x1, x2, x3 = rand_array((N, D), 40), rand_array((N, D), 41), rand_array((N, D), 42)
    t = ML_TARGETS["batched"]
    return {
        "MarginRankingLoss": (dict(margin=0.3), [x1[:, 0], x2[:, 0], signs((N,), 43)]),
        "CosineEmbeddingLoss": (dict(margin=0.2), [x1, x2, signs((N,), 44, zeros=True)]),
        "TripletMarginLoss": (dict(margin=0.5, p=1.0, eps=1e-5, swap=True), [x1, x2, x3]),
        "PoissonNLLLoss": (dict(log_input=False, full=True, eps=1e-4),
                           [numpy.abs(x1) + 0.1, rand_array((N, D), 45, low=0.0, high=4.0, kinks=(1.0,))]),
        "GaussianNLLLoss": (dict(full=True, eps=1e-4), [x1, x2, numpy.abs(x3[:, :1]) + 0.1]),
        "MultiLabelSoftMarginLoss": (dict(weight=W), [x1, (x2 > 0).astype(numpy.float64)]),
        "MultiLabelMarginLoss": ({}, [x1, t]),
    }[name]


@pytest.mark.parametrize("name", ["MarginRankingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss",
                                  "GaussianNLLLoss", "MultiLabelSoftMarginLoss", "MultiLabelMarginLoss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_loss_modules_match_torch(name, reduction, dtype, device):
    torch = torch_or_skip()
    kwargs, arrays = _case(name, torch)
    tdt = getattr(torch, dtype)
    ours_kw = {k: (ag.tensor(v, dtype=dtype) if isinstance(v, numpy.ndarray) else v) for k, v in kwargs.items()}
    theirs_kw = {k: (torch.tensor(v, dtype=tdt) if isinstance(v, numpy.ndarray) else v) for k, v in kwargs.items()}
    ours = getattr(nn, name)(reduction=reduction, **ours_kw).to(device)
    theirs = getattr(torch.nn, name)(reduction=reduction, **theirs_kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ins = [ag.tensor(a, device=device, dtype=ag.int64) if a.dtype.kind == "i" else
           ag.tensor(a, device=device, dtype=dtype, requires_grad=True) for a in arrays]
    tins = [torch.tensor(a) if a.dtype.kind == "i" else torch.tensor(a, dtype=tdt, requires_grad=True) for a in arrays]
    y, yt = ours(*ins), theirs(*tins)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-11, atol=1e-13)
    assert y.dtype == ins[0].dtype
    numpy.testing.assert_allclose(host(y), host(yt), **tol)
    g = numpy.random.default_rng(1).standard_normal(tuple(yt.shape))
    y.backward(ag.tensor(g, dtype=dtype, device=device))
    yt.backward(torch.tensor(g, dtype=tdt))
    for i, (a, b) in enumerate(zip(ins, tins)):
        if b.grad is None:
            assert a.grad is None or not host(a.grad).any(), f"input {i}"
        else:
            numpy.testing.assert_allclose(host(a.grad), host(b.grad), **tol, err_msg=f"input {i}")


def test_distance_modules_match_torch(device):
    torch = torch_or_skip()
    x1, x2 = rand_array((N, D), 46), rand_array((N, D), 47)
    pairs = [(nn.PairwiseDistance(p=3.0, eps=1e-4, keepdim=True), torch.nn.PairwiseDistance(p=3.0, eps=1e-4,
                                                                                            keepdim=True)),
             (nn.PairwiseDistance(), torch.nn.PairwiseDistance()),
             (nn.CosineSimilarity(dim=0, eps=1e-6), torch.nn.CosineSimilarity(dim=0, eps=1e-6)),
             (nn.CosineSimilarity(), torch.nn.CosineSimilarity())]
    for ours, theirs in pairs:
        compare_with_torch(lambda a, b: ours(a, b), lambda a, b: theirs(a, b), x1, x2, device=device)
        assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    assert nn.PairwiseDistance().norm == 2.0 and nn.PairwiseDistance().eps == 1e-6
    assert nn.CosineSimilarity().dim == 1 and nn.CosineSimilarity().eps == 1e-8


def test_module_defaults_and_buffers():
    torch = torch_or_skip()
    for name in ["MarginRankingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss",
                 "MultiLabelSoftMarginLoss", "MultiLabelMarginLoss"]:
        ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
        for attr in ("reduction", "margin", "p", "eps", "swap", "log_input", "full"):
            if hasattr(theirs, attr):
                assert getattr(ours, attr) == getattr(theirs, attr), f"{name}.{attr}"
    crit = nn.MultiLabelSoftMarginLoss(weight=ag.tensor(W))
    assert list(crit.state_dict()) == ["weight"] and list(crit.parameters()) == []
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)  # keyword-only, as PyTorch
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nn.MarginRankingLoss(size_average=False).reduction == "sum"


def test_legacy_reduction_arguments(device):
    x, y = ag.randn(N, device=device), ag.randn(N, device=device)
    t = ag.ones(N, device=device)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        out = F.margin_ranking_loss(x, y, t, 0.1, False)  # positional size_average=False: "sum"
    numpy.testing.assert_allclose(host(out), host(F.margin_ranking_loss(x, y, t, 0.1, reduction="sum")))
    with pytest.warns(UserWarning):
        out = F.poisson_nll_loss(x, t.abs(), True, False, None, 1e-8, False)  # reduce=False: "none"
    assert out.shape == (N,)


# --- errors -----------------------------------------------------------------------------------------
def test_errors_name_what_was_passed(device):
    def t(*shape):
        return ag.randn(*shape, device=device)

    ints = ag.tensor(numpy.array([[0, 9, -1, 1]] * 2), dtype=ag.int64, device=device)
    cases = [
        (lambda: F.margin_ranking_loss(t(3), t(3), t(3), reduction="avg"), ValueError,
         r"margin_ranking_loss: 'avg' is not a valid value for reduction"),
        (lambda: F.margin_ranking_loss(t(3), t(3, 1), t(3)), ValueError,
         r"same number of dims.*input1 of shape \(3,\), input2 of shape \(3, 1\) and target of shape \(3,\)"),
        (lambda: F.margin_ranking_loss(t(3), t(4), t(3)), ValueError, r"\(3,\).*\(4,\).*can't be broadcast"),
        (lambda: F.cosine_embedding_loss(t(3, 4), t(3, 5), t(3)), ValueError,
         r"input1 of shape \(3, 4\), input2 of shape \(3, 5\) and target of shape \(3,\)"),
        (lambda: F.cosine_embedding_loss(t(3, 4), t(3, 4), t(2)), ValueError, r"target of shape \(2,\)"),
        (lambda: F.triplet_margin_loss(t(3, 4), t(3, 4), t(3, 4), margin=0.0), ValueError,
         r"margin must be greater than 0, got margin=0.0"),
        (lambda: F.triplet_margin_loss(t(3, 4), t(4), t(3, 4)), ValueError,
         r"anchor of shape \(3, 4\), positive of shape \(4,\) and negative of shape \(3, 4\)"),
        (lambda: F.poisson_nll_loss(t(3, 4), t(4, 3)), ValueError,
         r"poisson_nll_loss: target has shape \(4, 3\) but input has shape \(3, 4\)"),
        (lambda: F.poisson_nll_loss(t(3), t(3), reduction="elementwise_mean"), ValueError,
         r"'elementwise_mean' is not a valid value for reduction"),
        (lambda: F.gaussian_nll_loss(t(3, 4), t(3, 4), -ag.ones(3, 4, device=device)), ValueError,
         r"var has negative entry/entries \(smallest -1.0\)"),
        (lambda: F.gaussian_nll_loss(t(3, 4), t(3, 4), -0.5), ValueError, r"negative entry/entries: var=-0.5"),
        (lambda: F.gaussian_nll_loss(t(3, 4), t(3, 4), ag.ones(3, 2, device=device)), ValueError,
         r"var is of incorrect size: var of shape \(3, 2\) for input of shape \(3, 4\)"),
        (lambda: F.gaussian_nll_loss(t(3, 4), t(3, 4), ag.ones(1, 1, device=device)), ValueError,
         r"var of shape \(1, 1\) for input of shape \(3, 4\)"),
        (lambda: F.gaussian_nll_loss(t(3, 4), t(2, 4), ag.ones(3, 4, device=device)), ValueError,
         r"target of shape \(2, 4\) can't be broadcast to the input's shape \(3, 4\)"),
        (lambda: F.gaussian_nll_loss(t(3), t(3), ag.ones(3, device=device), reduction="max"), ValueError,
         r"'max' is not a valid value for reduction"),
        (lambda: F.multilabel_soft_margin_loss(t(3, 4), t(3, 4), weight=ag.ones(3, device=device)), ValueError,
         r"weight of shape \(3,\) can't be broadcast to the input's shape \(3, 4\)"),
        (lambda: F.multilabel_margin_loss(t(2, 4), ints), IndexError,
         r"target 9 is out of range: the input has 4 classes"),
        (lambda: F.multilabel_margin_loss(t(2, 4), ints[:, :3]), ValueError,
         r"target has shape \(2, 3\) but input has shape \(2, 4\)"),
        (lambda: F.multilabel_margin_loss(t(2, 4), t(2, 4)), TypeError, r"integer tensor.*got dtype float32"),
        (lambda: F.multilabel_margin_loss(t(2, 4, 1), ints), ValueError, r"got shape \(2, 4, 1\)"),
        (lambda: F.pairwise_distance(t(3, 4), t(3, 5)), ValueError,
         r"x1 of shape \(3, 4\) and x2 of shape \(3, 5\) can't be broadcast"),
        (lambda: F.pairwise_distance(t(3), t(3).to(dtype=ag.float64)), TypeError,
         r"x1 has dtype float32 but x2 has dtype float64"),
        (lambda: F.cdist(t(3), t(4, 3)), ValueError, r"at least 2 dimensions.*x1 of shape \(3,\)"),
        (lambda: F.cdist(t(3, 4), t(5, 3)), ValueError, r"same number of features.*\(3, 4\).*\(5, 3\)"),
        (lambda: F.cdist(t(2, 3, 4), t(3, 5, 4)), ValueError, r"batch dims.*\(2, 3, 4\).*\(3, 5, 4\)"),
        (lambda: F.cdist(t(3, 4), t(5, 4), p=-1), ValueError, r"p must be non-negative, got p=-1"),
        (lambda: F.cdist(t(3, 4), t(5, 4), compute_mode="fast"), ValueError, r"'fast' is not a valid value"),
        (lambda: F.cdist(t(3, 4), ag.ones(5, 4, dtype=ag.int64, device=device)), TypeError, r"x2 of dtype int64"),
        (lambda: nn.TripletMarginLoss(margin=-1.0), ValueError, r"margin must be greater than 0, got margin=-1.0"),
        (lambda: nn.MultiLabelMarginLoss(reduction="avg"), ValueError, r"'avg' is not a valid value"),
    ]
    for fn, exc, pattern in cases:
        with pytest.raises(exc, match=pattern):
            fn()


# --- the strict device ------------------------------------------------------------------------------
@pytest.fixture
def dut(device):
    return STRICT if device == "cpu" else backends.get_backend(device)


@pytest.fixture
def strict(monkeypatch):
    """The strict device registered, and this file's deliberate device -> host synchronisations allowed."""
    monkeypatch.setitem(tdg.SYNC_SITES, "nn/functional/loss_extra.py (_multilabel_targets)",
                        "class indices must be in [-1, C) (the min and max of the targets)")
    monkeypatch.setitem(tdg.SYNC_SITES, "nn/functional/loss_extra.py (gaussian_nll_loss)",
                        "var must be non-negative (any(var < 0))")
    with sd.registered():
        yield


STRICT_CASES = {
    "margin_ranking": (lambda a, b, y: [F.margin_ranking_loss(a, b, y, 0.2),
                                        F.margin_ranking_loss(a, b, y.detach(), reduction="none")],
                       [rand_array((N,), 50), rand_array((N,), 51), signs((N,), 52)]),
    "cosine_embedding": (lambda a, b, y: [F.cosine_embedding_loss(a, b, y, 0.1),
                                          F.cosine_embedding_loss(a[0], b[0], y[0], reduction="sum")],
                         [rand_array((N, D), 53), rand_array((N, D), 54), signs((N,), 55, zeros=True)]),
    "triplet": (lambda a, p, n: [F.triplet_margin_loss(a, p, n), F.triplet_margin_loss(a, p, n, p=1, swap=True,
                                                                                       reduction="none")],
                [rand_array((N, D), 56), rand_array((N, D), 57), rand_array((N, D), 58)]),
    "poisson": (lambda x, t: [F.poisson_nll_loss(x, t, full=True), F.poisson_nll_loss(x.abs() + 0.1, t, False)],
                [rand_array((N, D), 59), rand_array((N, D), 60, low=0.1, high=4.0, kinks=(1.0,))]),
    "gaussian": (lambda x, y, v: [F.gaussian_nll_loss(x, y, v, full=True, eps=0.3),
                                  F.gaussian_nll_loss(x, y, v[:, 0], reduction="none"),
                                  F.gaussian_nll_loss(x, y, 0.5)],
                 [rand_array((N, D), 61), rand_array((N, D), 62), rand_array((N, D), 63, low=0.1, high=2.0, kinks=())]),
    "multilabel_soft_margin": (lambda x, t, w: [F.multilabel_soft_margin_loss(x, t, weight=w.detach())],
                               [rand_array((N, D), 64), (rand_array((N, D), 65) > 0) * 1.0, W]),
    "multilabel_margin": (lambda x, t: [F.multilabel_margin_loss(x, t, reduction="none"),
                                        F.multilabel_margin_loss(x[0], t[0])],
                          [numpy.round(rand_array((N, D), 66, low=-0.6, high=0.6), 2) + 0.003,
                           ML_TARGETS["batched"]]),
    "pairwise_distance": (lambda a, b: [F.pairwise_distance(a, b), F.pairwise_distance(a, b[0], p=3.0, keepdim=True),
                                        nn.PairwiseDistance(p=1.0)(a, b), nn.CosineSimilarity()(a, b)],
                          [rand_array((N, D), 67), rand_array((N, D), 68)]),
    "cdist": (lambda a, b: [F.cdist(a, b), F.cdist(a, b, p=1), F.cdist(a, b, p=3.0),
                            F.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), F.cdist(a, a[:2])],
              [rand_array((2, 3, D), 69), rand_array((4, D), 70)]),
}


@pytest.mark.parametrize("name", list(STRICT_CASES))
def test_strict_device(name, dut, strict):
    fn, arrays = STRICT_CASES[name]
    tdg.mirror(fn, *arrays, dut=dut, rtol=1e-10, atol=1e-12)


def test_strict_device_modules(dut, strict):
    x1, x2, x3 = rand_array((N, D), 71), rand_array((N, D), 72), rand_array((N, D), 73)
    y = signs((N,), 74)
    for fn, arrays in [(lambda a, b, c: nn.TripletMarginLoss(margin=0.5)(a, b, c), (x1, x2, x3)),
                       (lambda a, b, t: nn.MarginRankingLoss(0.1)(a, b, t), (x1[:, 0], x2[:, 0], y)),
                       (lambda a, b, t: nn.CosineEmbeddingLoss()(a, b, t), (x1, x2, y)),
                       (lambda a, t: nn.PoissonNLLLoss()(a, t), (x1, numpy.abs(x2))),
                       (lambda a, b, v: nn.GaussianNLLLoss()(a, b, v), (x1, x2, numpy.abs(x3) + 0.1)),
                       (lambda a, t: nn.MultiLabelMarginLoss()(a, t), (x1, ML_TARGETS["batched"])),
                       (lambda a, t: nn.MultiLabelSoftMarginLoss()(a, t), (x1, (x2 > 0) * 1.0))]:
        tdg.mirror(fn, *arrays, dut=dut, rtol=1e-10, atol=1e-12)


def test_strict_device_errors(dut, strict):
    x = tdg.on(dut, rand_array((2, D), 75))
    with pytest.raises(IndexError, match="target 7 is out of range"):
        F.multilabel_margin_loss(x, tdg.on(dut, numpy.array([[0, 7, -1, 1], [1, -1, 0, 0]])))
    with pytest.raises(ValueError, match="negative entry"):
        F.gaussian_nll_loss(x, x, tdg.on(dut, -numpy.ones((2, D))))
