"""PyTorch idioms that ported training scripts use: formatting a 0-d tensor, ``to(..., non_blocking=True)`` and
``pin_memory()``, ``generator=`` on the random factories and fills, ``finfo``/``iinfo``, ``set_num_threads``,
one-argument ``where``, variadic ``flip``, ``nn.utils.rnn.pad_sequence``, and cross_entropy's message for a
float target of class indices. PyTorch is the oracle where installed."""

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, host, torch_or_skip
from nn.utils.rnn import pad_sequence


def test_zero_dim_tensor_formats_as_its_number(device):
    t = ag.tensor(1.5, device=device)
    assert f"{t:.3f}" == "1.500" and f"{t}" == "1.5" and f"{ag.tensor(7, device=device):d}" == "7"
    assert f"{ag.ones(2, device=device)}" == repr(ag.ones(2, device=device))
    with pytest.raises(TypeError):
        f"{ag.ones(2, device=device):.3f}"


def test_to_accepts_non_blocking_and_pin_memory_is_a_no_op(device):
    x = ag.ones(2, 3)
    assert x.pin_memory() is x and not x.is_pinned()
    y = x.to(device, non_blocking=True)
    assert y.device == ag.device(device) and host(y).tolist() == [[1.0] * 3] * 2
    assert x.to(ag.float64, non_blocking=True).dtype == ag.float64


@pytest.mark.parametrize("draw", [
    lambda g: ag.rand(3, 4, generator=g), lambda g: ag.randn(5, generator=g),
    lambda g: ag.randint(0, 100, (6,), generator=g), lambda g: ag.randperm(9, generator=g),
    lambda g: ag.empty(4).uniform_(-1, 1, generator=g), lambda g: ag.empty(4).normal_(2.0, 3.0, generator=g),
    lambda g: nn.init.uniform_(ag.empty(3), generator=g), lambda g: nn.init.normal_(ag.empty(3), generator=g),
], ids=["rand", "randn", "randint", "randperm", "uniform_", "normal_", "init.uniform_", "init.normal_"])
def test_generator_argument_gives_its_own_reproducible_stream(draw):
    g = ag.Generator().manual_seed(7)
    first = host(draw(g))
    ag.manual_seed(0)
    before = ag.get_rng_state()
    g.manual_seed(7)
    again = host(draw(g))
    numpy.testing.assert_array_equal(first, again)
    assert not numpy.array_equal(host(draw(g)), first)  # the stream moves on
    assert host(ag.get_rng_state()).tolist() == host(before).tolist()  # the global stream is untouched


def test_generator_argument_errors():
    with pytest.raises(TypeError, match="generator must be an autograd_core.Generator, got int"):
        ag.randn(3, generator=3)
    assert isinstance(ag.randn(3, generator=ag.Generator()), ag.Tensor)


def test_finfo_and_iinfo_match_torch():
    assert ag.finfo(ag.float32).eps == numpy.finfo(numpy.float32).eps
    assert ag.finfo().bits == 32 and ag.finfo(ag.float64).tiny == numpy.finfo(numpy.float64).tiny
    assert ag.iinfo(ag.int8).min == -128 and ag.iinfo(ag.uint8).max == 255
    with pytest.raises(TypeError, match="iinfo for integers"):
        ag.finfo(ag.int64)
    with pytest.raises(TypeError, match="finfo for floating"):
        ag.iinfo(ag.float32)
    torch = torch_or_skip()
    for ours, theirs in ((ag.float16, torch.float16), (ag.float32, torch.float32), (ag.float64, torch.float64)):
        a, b = ag.finfo(ours), torch.finfo(theirs)
        assert (a.bits, float(a.eps), float(a.max), float(a.min), float(a.tiny)) == \
            (b.bits, b.eps, b.max, b.min, b.tiny)
    for ours, theirs in ((ag.int8, torch.int8), (ag.int32, torch.int32), (ag.int64, torch.int64)):
        assert (ag.iinfo(ours).min, ag.iinfo(ours).max) == (torch.iinfo(theirs).min, torch.iinfo(theirs).max)


def test_set_num_threads_round_trips():
    before = ag.get_num_threads()
    assert before >= 1
    try:
        ag.set_num_threads(1)
        assert ag.get_num_threads() == 1 or ag.get_num_threads() == before  # (where numpy's BLAS is not OpenBLAS)
        a = numpy.random.default_rng(0).standard_normal((200, 200))
        numpy.testing.assert_allclose(host(ag.tensor(a) @ ag.tensor(a)), a @ a, rtol=1e-12)
    finally:
        ag.set_num_threads(before)
    assert ag.get_num_threads() == before
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="positive int"):
            ag.set_num_threads(bad)


def test_where_with_one_argument_is_nonzero_as_tuple(device):
    c = ag.tensor([[0, 3], [2, 0], [0, 0]], device=device) > 0
    rows, cols = ag.where(c)
    assert host(rows).tolist() == [0, 1] and host(cols).tolist() == [1, 0]
    with pytest.raises(TypeError, match="give both a and b"):
        ag.where(c, 1.0)


def test_flip_takes_dims_as_varargs_or_a_tuple(device):
    x = ag.arange(24, device=device).reshape(2, 3, 4)
    want = numpy.flip(numpy.arange(24).reshape(2, 3, 4), (0, 2))
    assert host(x.flip(0, 2)).tolist() == want.tolist() == host(x.flip((0, 2))).tolist()
    assert host(x.flip(1)).tolist() == numpy.flip(numpy.arange(24).reshape(2, 3, 4), 1).tolist()


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch_and_has_gradients(batch_first, side, device):
    lengths = [3, 5, 1]
    arrays = [numpy.random.default_rng(i).standard_normal((n, 2)) for i, n in enumerate(lengths)]
    seqs = [ag.tensor(a, dtype=ag.float64, device=device) for a in arrays]
    got = pad_sequence(seqs, batch_first=batch_first, padding_value=-7.0, padding_side=side)
    assert tuple(got.shape) == ((3, 5, 2) if batch_first else (5, 3, 2))
    want = numpy.full((3, 5, 2), -7.0)
    for i, a in enumerate(arrays):
        if side == "right":
            want[i, :len(a)] = a
        else:
            want[i, 5 - len(a):] = a
    numpy.testing.assert_array_equal(host(got), want if batch_first else want.transpose(1, 0, 2))
    check_grads(lambda a, b: pad_sequence([a, b], batch_first=batch_first, padding_side=side) ** 2,
                arrays[0], arrays[1], device=device)
    torch = torch_or_skip()
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first=batch_first,
                                             padding_value=-7.0, padding_side=side)
    numpy.testing.assert_array_equal(host(got), theirs.numpy())


def test_pad_sequence_errors(device):
    with pytest.raises(ValueError, match="empty list"):
        pad_sequence([])
    with pytest.raises(ValueError, match=r"sequence 1 has shape \(2, 4\)"):
        pad_sequence([ag.ones(3, 2, device=device), ag.ones(2, 4, device=device)])
    with pytest.raises(ValueError, match="padding_side"):
        pad_sequence([ag.ones(3, device=device)], padding_side="middle")
    with pytest.raises(TypeError, match="sequence 0 is a list"):
        pad_sequence([[1.0, 2.0]])


def test_cross_entropy_with_float_class_indices_says_so(device):
    with pytest.raises(ValueError, match=r"class probabilities.*shape \(3,\).*target\.long\(\)"):
        F.cross_entropy(ag.randn(3, 4, device=device), ag.tensor([1.0, 2.0, 0.0], device=device))


def test_legacy_constructors(device):
    t = ag.Tensor([1, 2])
    assert t.dtype == ag.float32 and host(t).tolist() == [1.0, 2.0]  # the default floating dtype, as PyTorch
    assert tuple(ag.Tensor(2, 3).shape) == (2, 3) and tuple(ag.Tensor().shape) == (0,)
    assert ag.Tensor([1, 2], dtype=ag.int64).dtype == ag.int64
    assert ag.Tensor(2, device=device).device == ag.device(device)
    assert ag.LongTensor([1, 2]).dtype == ag.int64 and ag.FloatTensor(2, 2).dtype == ag.float32
    assert ag.DoubleTensor([0.5]).dtype == ag.float64 and ag.BoolTensor([1, 0]).dtype == ag.bool
    assert ag.IntTensor([3]).dtype == ag.int32
    with pytest.raises(ValueError, match="non-negative"):
        ag.Tensor(2, -1)
    with pytest.raises(TypeError, match="2 arguments"):
        ag.Tensor([1.0], [2.0])


def test_load_state_dict_result_prints_as_torchs():
    m = nn.Linear(2, 3)
    result = m.load_state_dict(nn.Linear(2, 3).state_dict())
    assert repr(result) == "<All keys matched successfully>" and result.missing_keys == []
    partial = m.load_state_dict({"weight": ag.zeros(3, 2)}, strict=False)
    assert partial.missing_keys == ["bias"] and "missing_keys=['bias']" in repr(partial)
