"""ctc_loss / CTCLoss against PyTorch (loss and PyTorch's gradient, float32 and float64, every reduction, padded
and concatenated targets, repeated labels, impossible alignments, unbatched input), float64 gradcheck through
log_softmax, the first-order-only backward, errors, the strict stand-in for a GPU; and the other losses of
nn/more_losses.py: triplet_margin_with_distance_loss / TripletMarginWithDistanceLoss and NLLLoss2d."""

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

REDUCTIONS = ["none", "mean", "sum"]
F32 = {"float32": dict(rtol=2e-4, atol=2e-5)}


def TF():
    return torch_or_skip().nn.functional


def log_probs(shape, seed):
    """float64 log-probabilities over the last axis (a log_softmax of random logits)."""
    x = rand_array(shape, seed, low=-3.0, high=3.0)
    return x - numpy.log(numpy.exp(x).sum(-1, keepdims=True))


def idx(a, device=None):
    return ag.tensor(numpy.asarray(a), dtype=ag.int64, device=device)


def tidx(a):
    torch = torch_or_skip()
    return torch.tensor(numpy.asarray(a), dtype=torch.int64)


def concatenated(padded, lengths):
    return numpy.concatenate([row[:n] for row, n in zip(padded, lengths)]).astype(numpy.int64)


# T = 7 steps, N = 4 sequences, C = 5 classes; repeated labels (1, 1) and (3, 3, 3) need a blank between copies,
# one target is empty, one input is shorter than T.
T, N, C = 7, 4, 5
PADDED = numpy.array([[1, 1, 2, 0], [3, 3, 3, 0], [4, 2, 1, 3], [0, 0, 0, 0]])
CASES = {  # name: (input_lengths, target_lengths, padded targets)
    "repeats": ([7, 6, 7, 5], [3, 3, 4, 0], PADDED),
    "tight": ([3, 5, 4, 1], [2, 3, 4, 0], PADDED),  # exactly enough steps: 1 b 1, 3 b 3 b 3, 4 2 1 3
    "impossible": ([2, 4, 7, 0], [3, 3, 4, 1], PADDED),  # 1 1 2 in 2 steps, 3 3 3 in 4, a label in 0 steps
}


def _args(case, layout, device, ours=True):
    il, tl, padded = CASES[case]
    targets = padded if layout == "padded" else concatenated(padded, tl)
    if ours:
        return idx(targets, device), idx(il, device), idx(tl, device)
    return tidx(targets), tidx(il), tidx(tl)


@pytest.mark.parametrize("case", ["repeats", "tight"])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_matches_torch(case, layout, reduction, device):
    """The loss and PyTorch's gradient with respect to log_probs itself (not only through a log_softmax)."""
    lp = log_probs((T, N, C), 1)

    def ours(x):
        return F.ctc_loss(x, *_args(case, layout, device), reduction=reduction)

    def theirs(x):
        return TF().ctc_loss(x, *_args(case, layout, device, ours=False), reduction=reduction)

    compare_with_torch(ours, theirs, lp, device=device, tol=F32)


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_impossible_alignments(zero_infinity, reduction, device):
    """Infinite losses (and nan gradients, as PyTorch's) for targets no path produces; zero_infinity makes both 0."""
    lp = log_probs((T, N, C), 2)

    def ours(x):
        return F.ctc_loss(x, *_args("impossible", "padded", device), reduction=reduction, zero_infinity=zero_infinity)

    def theirs(x):
        return TF().ctc_loss(x, *_args("impossible", "padded", device, ours=False), reduction=reduction,
                             zero_infinity=zero_infinity)

    compare_with_torch(ours, theirs, lp, device=device, tol=F32)
    losses = F.ctc_loss(ag.tensor(lp, device=device), *_args("impossible", "padded", device), reduction="none",
                        zero_infinity=zero_infinity)
    impossible = host(losses)[[0, 1, 3]]
    assert (impossible == 0).all() if zero_infinity else numpy.isposinf(impossible).all()
    assert numpy.isfinite(host(losses)[2]) and host(losses)[2] > 0


@pytest.mark.parametrize("lengths", ["tensor", "tuple", "list"])
def test_ctc_loss_length_kinds(lengths, device):
    lp = ag.tensor(log_probs((T, N, C), 3), device=device)
    il, tl, padded = CASES["repeats"]
    ref = F.ctc_loss(lp, idx(padded, device), idx(il, device), idx(tl, device), reduction="none")
    convert = {"tensor": lambda v: idx(v, device), "tuple": tuple, "list": list}[lengths]
    got = F.ctc_loss(lp, idx(padded, device), convert(il), convert(tl), reduction="none")
    numpy.testing.assert_array_equal(host(got), host(ref))


@pytest.mark.parametrize("targets", ["1d", "2d"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_unbatched(targets, reduction, device):
    lp = log_probs((6, C), 4)
    target = numpy.array([2, 2, 4]) if targets == "1d" else numpy.array([[2, 2, 4]])

    def ours(x):
        return F.ctc_loss(x, idx(target, device), idx(6, device), idx(3, device), reduction=reduction)

    def theirs(x):
        return TF().ctc_loss(x, tidx(target), tidx(6), tidx(3), reduction=reduction)

    compare_with_torch(ours, theirs, lp, device=device, tol=F32)
    assert ours(ag.tensor(lp, device=device)).shape == ()


def test_ctc_loss_blank_and_float_targets(device):
    """A blank other than 0, and targets given as floats (PyTorch casts them)."""
    lp = log_probs((T, N, C), 5)
    targets = numpy.where(PADDED == 4, 0, PADDED)  # 4 is the blank here
    il, tl, _ = CASES["repeats"]

    def ours(x):
        return F.ctc_loss(x, ag.tensor(targets.astype(float), device=device), il, tl, blank=4)

    def theirs(x):
        torch = torch_or_skip()
        return TF().ctc_loss(x, torch.tensor(targets, dtype=torch.float64), tuple(il), tuple(tl), blank=4)

    compare_with_torch(ours, theirs, lp, device=device, tol=F32)


def test_ctc_loss_single_path_by_hand(device):
    """T = 2, target (1,) with C = 2: the paths 1 1, b 1 and 1 b produce it, so p = a1 b1 + a0 b1 + a1 b0."""
    p = numpy.array([[0.3, 0.7], [0.6, 0.4]])
    lp = ag.tensor(numpy.log(p)[:, None, :], device=device)
    loss = F.ctc_loss(lp, idx([[1]], device), [2], [1], reduction="sum")
    want = -numpy.log(0.7 * 0.4 + 0.3 * 0.4 + 0.7 * 0.6)
    numpy.testing.assert_allclose(host(loss), want, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_ctc_loss_gradcheck(reduction, layout, device):
    """Through log_softmax (the use CTC is made for) PyTorch's gradient is the exact derivative: float64 gradcheck.
    First order only: the backward is not differentiable."""
    il, tl, padded = [5, 4, 5], [2, 2, 0], numpy.array([[1, 1], [2, 3], [0, 0]])
    targets = padded if layout == "padded" else concatenated(padded, tl)

    def fn(x):
        return F.ctc_loss(F.log_softmax(x, dim=2), idx(targets, device), il, tl, reduction=reduction)

    check_grads(fn, rand_array((5, 3, 4), 6), device=device, second=False)


def test_ctc_loss_gradcheck_zero_infinity(device):
    def fn(x):
        return F.ctc_loss(F.log_softmax(x, dim=2), idx([[1, 1, 2], [2, 3, 0]], device), [3, 4], [3, 2],
                          zero_infinity=True)

    check_grads(fn, rand_array((4, 2, 4), 7), device=device, second=False)


def test_ctc_loss_second_backward_raises(device):
    x = ag.tensor(rand_array((4, 2, 3), 8), device=device, requires_grad=True)
    loss = F.ctc_loss(F.log_softmax(x, dim=2), idx([[1, 2], [2, 2]], device), [4, 4], [2, 2])
    (g,) = ag.grad(loss, x, create_graph=True)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="second-order gradients are not supported"):
        ag.grad((g * g).sum(), x)


def test_ctc_loss_errors(device):
    lp = ag.tensor(log_probs((T, 2, C), 9), device=device)
    tg = idx([[1, 2, 3], [1, 1, 0]], device)
    with pytest.raises(ValueError, match=r"input_lengths\[0\] = 8 is out of range: it must be in \[0, 7\]"):
        F.ctc_loss(lp, tg, [8, 7], [3, 2])
    with pytest.raises(ValueError, match=r"input_lengths\[1\] = -1"):
        F.ctc_loss(lp, tg, [7, -1], [3, 2])
    with pytest.raises(ValueError, match=r"target_lengths\[1\] = -2 is negative"):
        F.ctc_loss(lp, tg, [7, 7], [3, -2])
    with pytest.raises(ValueError, match=r"target_lengths\[0\] = 4 is longer than the padded targets \(shape \(2, 3\)"):
        F.ctc_loss(lp, tg, [7, 7], [4, 2])
    with pytest.raises(ValueError, match=r"sum\(target_lengths\) = 5 entries, got 4"):
        F.ctc_loss(lp, idx([1, 2, 3, 1], device), [7, 7], [3, 2])
    with pytest.raises(ValueError, match="input_lengths has 1 entries but the batch has 2 sequences"):
        F.ctc_loss(lp, tg, [7], [3, 2])
    with pytest.raises(ValueError, match=r"blank=5 must be in the label range \[0, 4\]"):
        F.ctc_loss(lp, tg, [7, 7], [3, 2], blank=5)
    with pytest.raises(ValueError, match=r"blank=-1 must be in the label range"):
        F.ctc_loss(lp, tg, [7, 7], [3, 2], blank=-1)
    with pytest.raises(ValueError, match=r"log_probs must be 3-D \(T, N, C\), or 2-D \(T, C\) for one sequence, got "
                                         r"shape \(7, 2, 5, 1\)"):
        F.ctc_loss(lp.unsqueeze(-1), tg, [7, 7], [3, 2])
    with pytest.raises(ValueError, match=r"targets must be 2-D \(N, S\) padded or 1-D"):
        F.ctc_loss(lp, tg.unsqueeze(0), [7, 7], [3, 2])
    with pytest.raises(ValueError, match="targets of shape \\(3, 3\\) has 3 rows but the batch has 2"):
        F.ctc_loss(lp, idx([[1, 2, 3]] * 3, device), [7, 7], [3, 2])
    with pytest.raises(IndexError, match="target label 5 is out of range for log_probs with C=5"):
        F.ctc_loss(lp, idx([[1, 5, 3], [1, 1, 0]], device), [7, 7], [3, 2])
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.ctc_loss(lp, tg, [7, 7], [3, 2], reduction="avg")
    with pytest.raises(TypeError, match="input_lengths must be an integer tensor"):
        F.ctc_loss(lp, tg, ag.tensor([7.0, 7.0], device=device), [3, 2])
    with pytest.raises(TypeError, match="log_probs must be floating point"):
        F.ctc_loss(idx(numpy.zeros((T, 2, C)), device), tg, [7, 7], [3, 2])


def test_ctc_loss_module(device):
    torch = torch_or_skip()
    criterion = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    assert repr(criterion) == repr(torch.nn.CTCLoss()) == "CTCLoss()"
    assert (nn.CTCLoss().blank, nn.CTCLoss().reduction, nn.CTCLoss().zero_infinity) == (0, "mean", False)
    assert criterion.state_dict() == {}
    lp = ag.tensor(log_probs((T, N, C), 10), device=device)
    args = _args("impossible", "padded", device)
    numpy.testing.assert_array_equal(host(criterion(lp, *args)),
                                     host(F.ctc_loss(lp, *args, reduction="sum", zero_infinity=True)))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.CTCLoss(reduction="avg")


def test_ctc_loss_trains(device):
    """A few steps of gradient descent on the logits make the target more likely."""
    x = ag.tensor(rand_array((8, 2, 4), 11, low=-0.5, high=0.5), device=device, requires_grad=True)
    targets, lengths = idx([[1, 2, 2], [3, 1, 0]], device), ([8, 6], [3, 2])
    losses = []
    for _ in range(5):
        loss = F.ctc_loss(F.log_softmax(x, dim=2), targets, *lengths)
        loss.backward()
        with ag.no_grad():
            x -= 0.5 * x.grad
        x.grad = None
        losses.append(float(loss))
    assert losses == sorted(losses, reverse=True)


STRICT_IL, STRICT_TL = numpy.array([6, 5, 3]), numpy.array([3, 2, 0])
STRICT_TARGETS = numpy.array([[1, 1, 2], [3, 2, 0], [0, 0, 0]])


@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_ctc_loss_on_the_strict_device(layout):
    """The same loss and gradient on the strict stand-in for a GPU (a NumPy-only call or a hidden copy to the host
    fails there); the lengths are tensors on that device."""
    targets = STRICT_TARGETS if layout == "padded" else concatenated(STRICT_TARGETS, STRICT_TL)
    lp = log_probs((6, 3, 4), 12)

    def loss(x, tg, il, tl):
        return F.ctc_loss(x, tg, il, tl, reduction="none")

    def gradient(x, tg, il, tl):
        return ag.grad(F.ctc_loss(F.log_softmax(x, dim=2), tg, il, tl), x)[0]

    arrays = [lp, targets, STRICT_IL, STRICT_TL]
    check_on_strict_device(loss, arrays, [False] * 4)
    check_on_strict_device(gradient, arrays, [True, False, False, False])


# --- triplet_margin_with_distance_loss, TripletMarginWithDistanceLoss -----------------------------------------
def _cosine_distance(F_):
    return lambda x, y: 1.0 - F_.cosine_similarity(x, y)


def _l1_distance(x, y):
    return (x - y).abs().sum(-1)


@pytest.mark.parametrize("distance", ["default", "cosine", "l1"])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_with_distance_loss(distance, swap, reduction, device):
    arrays = [rand_array((5, 4), 13 + i) for i in range(3)]
    pick = {"default": lambda F_: None, "cosine": _cosine_distance, "l1": lambda F_: _l1_distance}[distance]

    def ours(a, p, n):
        return F.triplet_margin_with_distance_loss(a, p, n, distance_function=pick(F), margin=1.5, swap=swap,
                                                   reduction=reduction)

    def theirs(a, p, n):
        return TF().triplet_margin_with_distance_loss(a, p, n, distance_function=pick(TF()), margin=1.5, swap=swap,
                                                      reduction=reduction)

    check_grads(ours, *arrays, device=device)
    compare_with_torch(ours, theirs, *arrays, device=device)


def test_triplet_margin_with_distance_loss_module(device):
    torch = torch_or_skip()
    default = nn.TripletMarginWithDistanceLoss()
    expected = repr(torch.nn.TripletMarginWithDistanceLoss()).replace("PairwiseDistance()", repr(nn.PairwiseDistance()))
    assert repr(default) == expected  # the distance a submodule, as PyTorch's
    assert isinstance(default.distance_function, nn.PairwiseDistance)
    custom = nn.TripletMarginWithDistanceLoss(distance_function=_l1_distance, margin=0.5, swap=True, reduction="sum")
    assert repr(custom) == "TripletMarginWithDistanceLoss()"
    a, p, n = (ag.tensor(rand_array((3, 4), 20 + i), device=device) for i in range(3))
    numpy.testing.assert_allclose(host(custom(a, p, n)), host(F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=_l1_distance, margin=0.5, swap=True, reduction="sum")), rtol=1e-12)
    numpy.testing.assert_allclose(host(default(a, p, n)), host(F.triplet_margin_loss(a, p, n)), rtol=1e-12)
    with pytest.raises(TypeError):
        nn.TripletMarginWithDistanceLoss(_l1_distance)  # keyword-only, as PyTorch
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)


def test_triplet_margin_with_distance_loss_errors(device):
    a = ag.tensor(rand_array((3, 4), 30), device=device)
    with pytest.raises(ValueError, match="margin must be greater than 0, got -1"):
        F.triplet_margin_with_distance_loss(a, a, a, margin=-1)
    with pytest.raises(ValueError, match="anchor 2D, positive 2D, and negative 1D"):
        F.triplet_margin_with_distance_loss(a, a, a[0])
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.triplet_margin_with_distance_loss(a, a, a, reduction="avg")
    with pytest.raises(TypeError, match="distance_function must be callable"):
        F.triplet_margin_with_distance_loss(a, a, a, distance_function=2)


# --- NLLLoss2d ---------------------------------------------------------------------------------------------------
def _nll_2d(weight, **kwargs):
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead"):
        return nn.NLLLoss2d(weight, **kwargs)


def test_nll_loss_2d(device):
    """PyTorch's deprecated alias: NLLLoss on (N, C, H, W), with PyTorch's FutureWarning."""
    torch = torch_or_skip()
    x = rand_array((2, 3, 2, 2), 31)
    target = numpy.array([[[0, 1], [2, -100]], [[1, 1], [0, 2]]])
    ours = _nll_2d(ag.tensor([0.5, 2.0, 1.0], dtype=ag.float64, device=device), reduction="sum")
    assert isinstance(ours, nn.NLLLoss) and ours.reduction == "sum" and ours.ignore_index == -100
    with pytest.warns(FutureWarning):
        theirs_module = torch.nn.NLLLoss2d(weight=torch.ones(3))
    assert repr(ours) == repr(theirs_module) == "NLLLoss2d()"
    assert list(ours.state_dict()) == list(theirs_module.state_dict()) == ["weight"]

    def theirs(x):
        with pytest.warns(FutureWarning):
            return torch.nn.NLLLoss2d(weight=torch.tensor([0.5, 2.0, 1.0], dtype=x.dtype))(x, tidx(target))

    def ours_fn(x):
        return _nll_2d(ag.tensor([0.5, 2.0, 1.0], dtype=x.dtype, device=device))(x, idx(target, device))

    compare_with_torch(ours_fn, theirs, x, device=device)
