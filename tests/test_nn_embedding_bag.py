"""embedding_bag / EmbeddingBag: PyTorch as the oracle for every mode with 2-D input, offsets, include_last_offset,
per_sample_weights and padding_idx (values and gradients, float32 and float64), gradcheck/gradgradcheck, empty
bags, the module (initialisation, state_dict, repr, from_pretrained), errors, and the strict stand-in for a GPU."""

import itertools

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

ROWS, DIM = 10, 3
# 1-D input cut by offsets into bags: [1 2 4], [] (empty), [5 4 3 2], [9 2 2 2 0] (row 2 repeated, three times
# padding when padding_idx=2), [] at the end with include_last_offset
FLAT = numpy.array([1, 2, 4, 5, 4, 3, 2, 9, 2, 2, 2, 0])
OFFSETS = numpy.array([0, 3, 3, 7])
LAST_OFFSETS = numpy.array([0, 3, 3, 7, 12, 12])
BATCH = numpy.array([[1, 2, 4], [9, 9, 0], [2, 2, 2], [3, 7, 2]])  # a bag of padding only when padding_idx=2

LAYOUTS = {  # name: (input, offsets, include_last_offset)
    "2d": (BATCH, None, False),
    "offsets": (FLAT, OFFSETS, False),
    "last_offset": (FLAT, LAST_OFFSETS, True),
}
COMBOS = [(mode, layout, weighted, padding_idx)
          for mode, layout, weighted, padding_idx in itertools.product(["sum", "mean", "max"], LAYOUTS, [False, True],
                                                                       [None, 2, -1])
          if not (weighted and mode != "sum")]


def TF():
    return torch_or_skip().nn.functional


def idx(a, device=None):
    return None if a is None else ag.tensor(numpy.asarray(a), dtype=ag.int64, device=device)


def tidx(a):
    torch = torch_or_skip()
    return None if a is None else torch.tensor(numpy.asarray(a), dtype=torch.int64)


def _fns(mode, layout, padding_idx, device):
    inp, offsets, last = LAYOUTS[layout]

    def ours(w, psw=None):
        return F.embedding_bag(idx(inp, device), w, idx(offsets, device), mode=mode, per_sample_weights=psw,
                               include_last_offset=last, padding_idx=padding_idx)

    def theirs(w, psw=None):
        return TF().embedding_bag(tidx(inp), w, tidx(offsets), mode=mode, per_sample_weights=psw,
                                  include_last_offset=last, padding_idx=padding_idx)

    return ours, theirs, inp


@pytest.mark.parametrize("mode, layout, weighted, padding_idx", COMBOS,
                         ids=[f"{m}-{lay}-{'psw' if w else 'nopsw'}-pad{p}" for m, lay, w, p in COMBOS])
def test_embedding_bag_matches_torch(mode, layout, weighted, padding_idx, device):
    """Values, dL/dweight and dL/dper_sample_weights equal PyTorch's, in float32 and float64."""
    ours, theirs, inp = _fns(mode, layout, padding_idx, device)
    arrays = [rand_array((ROWS, DIM), 1)]
    if weighted:
        arrays.append(rand_array(inp.shape, 2))
    compare_with_torch(ours, theirs, *arrays, device=device)


@pytest.mark.parametrize("mode, layout, weighted", [("sum", "offsets", True), ("sum", "2d", False),
                                                    ("mean", "last_offset", False), ("mean", "2d", False),
                                                    ("max", "offsets", False), ("max", "2d", False)])
def test_embedding_bag_gradcheck(mode, layout, weighted, device):
    """gradcheck and gradgradcheck in float64 (built from differentiable ops, so second order works too)."""
    ours, _, inp = _fns(mode, layout, 2, device)
    arrays = [rand_array((ROWS, DIM), 3)]
    if weighted:
        arrays.append(rand_array(inp.shape, 4))
    check_grads(ours, *arrays, device=device)


def test_embedding_bag_by_hand(device):
    w = ag.tensor(numpy.arange(30.0).reshape(ROWS, DIM), device=device)
    x, off = idx([1, 2, 4, 4, 0], device), idx([0, 3, 3], device)
    numpy.testing.assert_array_equal(host(F.embedding_bag(x, w, off, mode="sum")),
                                     [[21, 24, 27], [0, 0, 0], [12, 14, 16]])
    numpy.testing.assert_array_equal(host(F.embedding_bag(x, w, off)), [[7, 8, 9], [0, 0, 0], [6, 7, 8]])
    numpy.testing.assert_array_equal(host(F.embedding_bag(x, w, off, mode="max", padding_idx=4)),
                                     [[6, 7, 8], [0, 0, 0], [0, 1, 2]])
    psw = ag.tensor([1.0, 0.5, 2.0, 0.0, -1.0], dtype=w.dtype, device=device)
    numpy.testing.assert_array_equal(host(F.embedding_bag(x, w, off, mode="sum", per_sample_weights=psw)),
                                     [[30.0, 33.5, 37.0], [0, 0, 0], [0, -1, -2]])


def test_embedding_bag_empty(device):
    """No entries at all, and no bags at all."""
    w = ag.tensor(rand_array((ROWS, DIM), 5), device=device, requires_grad=True)
    for mode in ("sum", "mean", "max"):
        out = F.embedding_bag(idx(numpy.zeros(0, dtype=int), device), w, idx([0, 0], device), mode=mode)
        assert out.shape == (2, DIM) and not host(out).any()
        out.sum().backward()
        assert not host(w.grad).any()
        w.grad = None
        none = F.embedding_bag(idx([1, 2], device), w, idx([0], device), mode=mode, include_last_offset=True)
        assert none.shape == (0, DIM)


# --- the module ---------------------------------------------------------------------------------------------------
def test_embedding_bag_module(device):
    torch = torch_or_skip()
    bag = nn.EmbeddingBag(ROWS, DIM, mode="max", padding_idx=-2, device=device)
    assert repr(bag) == repr(torch.nn.EmbeddingBag(ROWS, DIM, mode="max", padding_idx=-2)) == \
        "EmbeddingBag(10, 3, mode='max', padding_idx=8)"
    assert repr(nn.EmbeddingBag(ROWS, DIM)) == "EmbeddingBag(10, 3, mode='mean')"
    assert list(bag.state_dict()) == list(torch.nn.EmbeddingBag(ROWS, DIM).state_dict()) == ["weight"]
    assert bag.weight.shape == (ROWS, DIM) and bag.weight.requires_grad and bag.weight.device == ag.device(device)
    assert not host(bag.weight)[8].any() and host(bag.weight)[9].any()
    x, off = idx(FLAT, device), idx(OFFSETS, device)
    numpy.testing.assert_array_equal(host(bag(x, off)), host(F.embedding_bag(x, bag.weight, off, mode="max",
                                                                              padding_idx=8)))
    ag.manual_seed(3)
    a = nn.EmbeddingBag(ROWS, DIM, padding_idx=1)
    ag.manual_seed(3)
    b = nn.Embedding(ROWS, DIM, padding_idx=1)
    numpy.testing.assert_array_equal(host(a.weight), host(b.weight))  # Embedding's initialisation: N(0, 1)


def test_embedding_bag_module_trains(device):
    bag = nn.EmbeddingBag(ROWS, DIM, mode="sum", device=device)
    before = host(bag.weight).copy()
    x, off = idx(FLAT, device), idx(OFFSETS, device)
    psw = ag.tensor(rand_array(FLAT.shape, 6), dtype=bag.weight.dtype, device=device)
    bag(x, off, psw).sum().backward()
    used = sorted(set(FLAT.tolist()))
    assert host(bag.weight.grad)[used].any(axis=1).all()
    assert not host(bag.weight.grad)[[6, 8]].any()  # rows no bag uses
    numpy.testing.assert_array_equal(host(bag.weight), before)


def test_embedding_bag_from_pretrained(device):
    w = ag.tensor(rand_array((4, 2), 7), device=device)
    frozen = nn.EmbeddingBag.from_pretrained(w, mode="sum", padding_idx=0)
    assert not frozen.weight.requires_grad and frozen.mode == "sum" and frozen.padding_idx == 0
    numpy.testing.assert_array_equal(host(frozen.weight), host(w))  # the padding row is not zeroed
    with ag.no_grad():
        w[1] = 5.0
    assert host(frozen.weight)[1].tolist() == [5.0, 5.0]  # shares memory
    trainable = nn.EmbeddingBag.from_pretrained(w, freeze=False, include_last_offset=True)
    assert trainable.weight.requires_grad and trainable.include_last_offset
    with pytest.raises(ValueError, match=r"expected to be 2-dimensional \(num_embeddings, embedding_dim\), got shape "
                                         r"\(4,\)"):
        nn.EmbeddingBag.from_pretrained(w[0:4, 0])


def test_embedding_bag_module_errors():
    with pytest.raises(ValueError, match="num_embeddings must be a positive int, got 0"):
        nn.EmbeddingBag(0, 3)
    with pytest.raises(ValueError, match=r"padding_idx=10 must be within num_embeddings=10"):
        nn.EmbeddingBag(10, 3, padding_idx=10)
    with pytest.raises(NotImplementedError, match="max_norm=1.0 is not supported"):
        nn.EmbeddingBag(10, 3, max_norm=1.0)
    with pytest.raises(NotImplementedError, match="sparse=True is not supported"):
        nn.EmbeddingBag(10, 3, sparse=True)
    with pytest.raises(ValueError, match=r"the weight has shape \(2, 3\), which does not match num_embeddings=10"):
        nn.EmbeddingBag(10, 3, _weight=ag.zeros(2, 3))


def test_embedding_bag_errors(device):
    w = ag.tensor(rand_array((ROWS, DIM), 8), device=device)
    x, off = idx(FLAT, device), idx(OFFSETS, device)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(idx(BATCH, device), w, off)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(x, w)
    with pytest.raises(ValueError, match="offsets\\[0\\] has to be 0.*However, got 1"):
        F.embedding_bag(x, w, idx([1, 3], device))
    with pytest.raises(ValueError, match=r"offsets must be non-decreasing, got offsets\[1\] = 4 > offsets\[2\] = 2"):
        F.embedding_bag(x, w, idx([0, 4, 2], device))
    with pytest.raises(ValueError, match="offsets\\[-1\\] can not be greater than input's length 12 but got "
                                         "offsets\\[-1\\] of 13"):
        F.embedding_bag(x, w, idx([0, 13], device), include_last_offset=True)
    with pytest.raises(IndexError, match=r"index 10 is out of range for an embedding of 10 rows"):
        F.embedding_bag(idx([1, 10], device), w, idx([0], device))
    with pytest.raises(IndexError, match=r"index -1 is out of range"):
        F.embedding_bag(idx([1, -1], device), w, idx([0], device))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max, got 'min'"):
        F.embedding_bag(x, w, off, mode="min")
    psw = ag.tensor(rand_array(FLAT.shape, 9), device=device)
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum' "
                                                  "\\(got mode='mean'\\)"):
        F.embedding_bag(x, w, off, per_sample_weights=psw)
    with pytest.raises(ValueError, match=r"If per_sample_weights \(\(3,\)\) is not None, then it must have the same "
                                         r"shape as the input \(\(12,\)\)"):
        F.embedding_bag(x, w, off, mode="sum", per_sample_weights=psw[:3])
    with pytest.raises(TypeError, match="per_sample_weights has dtype float32 but weight has float64"):
        F.embedding_bag(x, w, off, mode="sum", per_sample_weights=psw.float())
    with pytest.raises(ValueError, match="padding_idx must be within the number of embeddings, -10 through 9, but "
                                         "got 10"):
        F.embedding_bag(x, w, off, padding_idx=10)
    with pytest.raises(ValueError, match="input has to be 1D or 2D Tensor, but got Tensor of dimension 3"):
        F.embedding_bag(idx(BATCH[None], device), w)
    with pytest.raises(ValueError, match="weight has to be a 2D Tensor"):
        F.embedding_bag(x, w[0], off)
    with pytest.raises(TypeError, match="input must be an integer tensor of indices"):
        F.embedding_bag(w, w, off)
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient by the frequency"):
        F.embedding_bag(x, w, off, mode="max", scale_grad_by_freq=True)
    with pytest.raises(NotImplementedError, match="max_norm=2.0 is not supported"):
        F.embedding_bag(x, w, off, max_norm=2.0)


STRICT_CASES = [
    ("sum_psw", lambda w, x, o, p: F.embedding_bag(x, w, o, mode="sum", per_sample_weights=p, padding_idx=2),
     [True, False, False, True]),
    ("mean", lambda w, x, o, p: F.embedding_bag(x, w, o, padding_idx=2), [True, False, False, False]),
    ("max", lambda w, x, o, p: F.embedding_bag(x, w, o, mode="max", include_last_offset=True), [True, False, False,
                                                                                                False]),
]


@pytest.mark.parametrize("name, fn, mask", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_embedding_bag_on_the_strict_device(name, fn, mask):
    """The same values and first and second derivatives on the strict stand-in for a GPU (a NumPy-only call or a
    hidden copy to the host fails there) as on the CPU."""
    offsets = LAST_OFFSETS if name == "max" else OFFSETS
    arrays = [rand_array((ROWS, DIM), 10), FLAT, offsets, rand_array(FLAT.shape, 11)]
    grads = check_on_strict_device(fn, arrays, mask)
    assert grads, "no gradient was checked"
