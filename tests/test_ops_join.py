"""cat, stack, split, chunk, unbind, pad, repeat: values, gradients (first and second order), PyTorch
as an oracle, dtypes, and the errors a user can cause."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch, torch_or_skip

try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # hypothesis is in the test extra; the generated tests skip without it
    given = None


def T(a, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(a), dtype=dtype, device=device, requires_grad=requires_grad)


def weighted(pieces):
    """A scalar-free mix of the pieces with distinct weights, so each piece's gradient differs."""
    return ag.cat([p.reshape(-1) * float(i + 1) for i, p in enumerate(pieces)])


def tweighted(pieces):
    return torch.cat([p.reshape(-1) * float(i + 1) for i, p in enumerate(pieces)])


# --- cat -----------------------------------------------------------------------------------------
CAT_CASES = [
    ([(2, 3), (4, 3)], 0),
    ([(2, 3), (2, 1), (2, 2)], 1),
    ([(2, 3), (2, 1), (2, 2)], -1),
    ([(3,), (1,)], 0),
    ([(2, 1, 3), (2, 2, 3)], 1),
    ([(2, 3)], 0),
]


@pytest.mark.parametrize("shapes,dim", CAT_CASES)
def test_cat_grads_and_torch(shapes, dim, device):
    arrays = [rand_array(s, seed=i) for i, s in enumerate(shapes)]
    check_grads(lambda *xs: ag.cat(list(xs), dim) * 1.5, *arrays, device=device)
    compare_with_torch(lambda *xs: ag.cat(xs, dim=dim), lambda *xs: torch.cat(xs, dim=dim), *arrays, device=device)


def test_cat_values_and_grad_routing(device):
    a = T([[1.0, 2.0]], device, requires_grad=True)
    b = T([[3.0, 4.0], [5.0, 6.0]], device, requires_grad=True)
    y = ag.cat([a, b])
    assert host(y).tolist() == [[1, 2], [3, 4], [5, 6]]
    (y * T([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], device)).sum().backward()
    assert host(a.grad).tolist() == [[1, 1]]
    assert host(b.grad).tolist() == [[2, 2], [3, 3]]


def test_cat_mixed_float_dtypes_gives_float64(device):
    a = T(rand_array((2, 3)), device, dtype=ag.float32, requires_grad=True)
    b = T(rand_array((1, 3), seed=1), device, dtype=ag.float64, requires_grad=True)
    y = ag.cat([a, b])
    assert y.dtype == ag.float64
    y.sum().backward()
    assert a.grad.dtype == ag.float32 and b.grad.dtype == ag.float64
    numpy.testing.assert_array_equal(host(a.grad), numpy.ones((2, 3)))


def test_cat_int_with_float_promotes_like_torch(device):
    a = ag.tensor([[1, 2]], device=device)
    b = ag.tensor([[0.5, 1.5]], device=device)
    y = ag.cat([a, b])
    assert y.dtype == ag.float32
    assert host(y).tolist() == [[1, 2], [0.5, 1.5]]
    assert ag.cat([a, a]).dtype == ag.int64


def test_cat_float32_stays_float32(device):
    xs = [T(rand_array((2, 2), seed=i), device, dtype=ag.float32, requires_grad=True) for i in range(3)]
    y = ag.cat(xs, 1)
    assert y.dtype == ag.float32 and y.shape == (2, 6)
    y.sum().backward()
    assert all(x.grad.dtype == ag.float32 for x in xs)


def test_cat_skips_legacy_empty_1d(device):
    a = T(rand_array((2, 3)), device)
    y = ag.cat([a, ag.zeros(0, dtype=ag.float64, device=device), a])
    assert y.shape == (4, 3)


def test_cat_errors(device):
    a, b = ag.zeros(2, 3, device=device), ag.zeros(2, 4, device=device)
    with pytest.raises(ValueError, match="non-empty"):
        ag.cat([])
    with pytest.raises(ValueError, match=r"tensor 1 has shape \(2, 4\) but tensor 0 has shape \(2, 3\).*dim 0"):
        ag.cat([a, b])
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2, 3\)"):
        ag.cat([a, ag.zeros(3, device=device)])
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        ag.cat([a, a], dim=2)
    with pytest.raises(ValueError, match="zero-dimensional"):
        ag.cat([ag.tensor(1.0, device=device), ag.tensor(2.0, device=device)])
    with pytest.raises(TypeError, match="item 1 is a list"):
        ag.cat([a, [1.0, 2.0]])
    with pytest.raises(TypeError, match="list or tuple"):
        ag.cat(a)


def test_cat_device_mismatch_names_both():
    if not ag.is_cuda_available():
        pytest.skip("needs a GPU")
    a, b = ag.zeros(2, device="cpu"), ag.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="cpu.*cuda"):
        ag.cat([a, b])


def test_cat_is_method_alias(device):
    a = T(rand_array((2,)), device)
    assert ag.concat([a, a]).shape == (4,)


# --- stack / unbind -------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((2, 3), 0), ((2, 3), 1), ((2, 3), 2), ((2, 3), -1), ((), 0), ((4,), -2)])
def test_stack_grads_and_torch(shape, dim, device):
    arrays = [rand_array(shape, seed=i) for i in range(3)]
    check_grads(lambda *xs: ag.stack(list(xs), dim), *arrays, device=device)
    compare_with_torch(lambda *xs: ag.stack(xs, dim), lambda *xs: torch.stack(xs, dim), *arrays, device=device)


def test_stack_single_and_dtype(device):
    a = T(rand_array((2,)), device, dtype=ag.float32, requires_grad=True)
    y = ag.stack([a])
    assert y.shape == (1, 2) and y.dtype == ag.float32
    y.sum().backward()
    assert a.grad.dtype == ag.float32 and host(a.grad).tolist() == [1, 1]


def test_stack_errors(device):
    with pytest.raises(ValueError, match="non-empty"):
        ag.stack([])
    with pytest.raises(ValueError, match=r"tensor 1 has shape \(3,\) but tensor 0 has shape \(2,\)"):
        ag.stack([ag.zeros(2, device=device), ag.zeros(3, device=device)])
    with pytest.raises(IndexError, match="dim 3 is out of range"):
        ag.stack([ag.zeros(2, device=device)], dim=3)


@pytest.mark.parametrize("shape,dim", [((3, 2), 0), ((3, 2), 1), ((2, 3, 2), -1), ((1,), 0)])
def test_unbind_grads_and_torch(shape, dim, device):
    a = rand_array(shape)
    check_grads(lambda x: ag.unbind(x, dim), a, device=device)
    compare_with_torch(lambda x: weighted(x.unbind(dim)), lambda x: tweighted(x.unbind(dim)), a, device=device)


def test_unbind_values_and_unused_outputs(device):
    x = T([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], device, requires_grad=True)
    rows = ag.unbind(x)
    assert isinstance(rows, tuple) and len(rows) == 3
    assert host(rows[2]).tolist() == [5, 6]
    (rows[1] * 3.0).sum().backward()
    assert host(x.grad).tolist() == [[0, 0], [3, 3], [0, 0]]


def test_unbind_edge_cases(device):
    assert ag.unbind(ag.zeros(0, 3, device=device)) == ()
    with pytest.raises(ValueError, match="0-d"):
        ag.unbind(ag.tensor(1.0, device=device))
    with pytest.raises(IndexError, match="out of range"):
        ag.unbind(ag.zeros(2, device=device), 1)


# --- split / chunk -------------------------------------------------------------------------------
SPLIT_CASES = [((5, 2), 2, 0), ((5, 2), [1, 3, 1], 0), ((2, 6), 4, 1), ((2, 6), [6], -1), ((3, 4), [0, 2, 2], 1),
               ((4,), 1, 0)]


@pytest.mark.parametrize("shape,sections,dim", SPLIT_CASES)
def test_split_grads_and_torch(shape, sections, dim, device):
    a = rand_array(shape)
    check_grads(lambda x: ag.split(x, sections, dim), a, device=device)
    ours = ag.split(T(a, device), sections, dim)
    theirs = torch_or_skip().split(torch.tensor(a), sections, dim)
    assert isinstance(ours, tuple)
    assert [tuple(p.shape) for p in ours] == [tuple(p.shape) for p in theirs]
    compare_with_torch(lambda x: weighted(x.split(sections, dim)), lambda x: tweighted(x.split(sections, dim)),
                       a, device=device)


def test_split_unused_outputs_get_zero_grad(device):
    x = T(numpy.arange(6.0).reshape(6, 1), device, requires_grad=True)
    pieces = ag.split(x, 2)
    (pieces[1] * 5.0).sum().backward()
    assert host(x.grad).ravel().tolist() == [0, 0, 5, 5, 0, 0]
    check_grads(lambda t: ag.split(t, 2)[1] * 2.0, rand_array((6, 1)), device=device)


def test_split_float32(device):
    x = T(rand_array((4, 3)), device, dtype=ag.float32, requires_grad=True)
    a, b = ag.split(x, [1, 2], dim=1)
    assert a.dtype == b.dtype == ag.float32
    (a.sum() + b.sum()).backward()
    assert x.grad.dtype == ag.float32


def test_split_then_cat_higher_order(device):
    check_grads(lambda x: ag.cat([p * p for p in ag.split(x, [2, 1])], 0), rand_array((3, 2)), device=device)


def test_split_errors(device):
    x = ag.zeros(5, 2, device=device)
    with pytest.raises(ValueError, match=r"sizes \[2, 2\] sum to 4, but dim 0 .*\(5, 2\) has size 5"):
        ag.split(x, [2, 2])
    with pytest.raises(ValueError, match="positive integer, got 0"):
        ag.split(x, 0)
    with pytest.raises(ValueError, match="non-negative"):
        ag.split(x, [6, -1])
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        ag.split(x, 1, dim=2)
    with pytest.raises(TypeError, match="int or a list"):
        ag.split(x, 1.5)
    with pytest.raises(ValueError, match="0-d"):
        ag.split(ag.tensor(1.0, device=device), 1)


@pytest.mark.parametrize("n,chunks", [(5, 3), (6, 4), (6, 3), (2, 5), (1, 1), (7, 2), (0, 3)])
def test_chunk_matches_torch(n, chunks, device):
    a = rand_array((n, 2))
    ours = ag.chunk(T(a, device), chunks)
    theirs = torch_or_skip().chunk(torch.tensor(a), chunks)
    assert [tuple(p.shape) for p in ours] == [tuple(p.shape) for p in theirs]
    for p, q in zip(ours, theirs):
        numpy.testing.assert_array_equal(host(p), host(q))
    if n:
        compare_with_torch(lambda x: weighted(x.chunk(chunks)), lambda x: tweighted(x.chunk(chunks)), a,
                           device=device)


def test_chunk_grads_and_errors(device):
    check_grads(lambda x: ag.chunk(x, 2, dim=1), rand_array((2, 5)), device=device)
    with pytest.raises(ValueError, match="positive integer, got 0"):
        ag.chunk(ag.zeros(3, device=device), 0)


# --- pad -------------------------------------------------------------------------------------------
PAD_CASES = [((3,), (1, 2)), ((2, 3), (1, 0, 0, 2)), ((2, 3), (2, 1)), ((2, 4), (-1, 1)), ((2, 4), (1, -2, -1, 0)),
             ((2, 3, 2), (0, 0, 1, 1, 1, 0)), ((2, 3), (0, 0))]


@pytest.mark.parametrize("shape,widths", PAD_CASES)
def test_pad_constant_grads_and_torch(shape, widths, device):
    a = rand_array(shape)
    check_grads(lambda x: ag.pad(x, widths, value=0.5), a, device=device)
    compare_with_torch(lambda x: ag.pad(x, widths, value=-1.5),
                       lambda x: torch.nn.functional.pad(x, widths, value=-1.5), a, device=device)


def test_pad_values(device):
    y = ag.pad(ag.tensor([[1.0, 2.0]], device=device), (1, 0, 0, 1), value=9.0)
    assert host(y).tolist() == [[9, 1, 2], [9, 9, 9]]
    assert host(ag.pad(ag.tensor([1.0, 2.0, 3.0, 4.0], device=device), (-1, -2))).tolist() == [2]
    y = ag.pad(ag.tensor([1, 2], device=device), (1, 1), value=7)
    assert y.dtype == ag.int64 and host(y).tolist() == [7, 1, 2, 7]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,widths", [((1, 2, 5), (2, 3)), ((2, 1, 4, 3), (1, 2, 2, 1)), ((1, 2, 5), (-1, 2))])
def test_pad_modes_grads_and_torch(mode, shape, widths, device):
    a = rand_array(shape)
    check_grads(lambda x: ag.pad(x, widths, mode=mode), a, device=device)
    compare_with_torch(lambda x: ag.pad(x, widths, mode=mode),
                       lambda x: torch.nn.functional.pad(x, widths, mode=mode), a, device=device)


def test_pad_modes_values(device):
    x = ag.tensor([1.0, 2.0, 3.0], device=device)
    assert host(ag.pad(x, (2, 2), mode="reflect")).tolist() == [3, 2, 1, 2, 3, 2, 1]
    assert host(ag.pad(x, (2, 1), mode="replicate")).tolist() == [1, 1, 1, 2, 3, 3]
    assert host(ag.pad(x, (3, 1), mode="circular")).tolist() == [1, 2, 3, 1, 2, 3, 1]


def test_pad_errors(device):
    x = ag.zeros(2, 3, device=device)
    with pytest.raises(ValueError, match="even number"):
        ag.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"pads 3 dimensions but the input of shape \(2, 3\) has only 2"):
        ag.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match="unknown mode 'mirror'"):
        ag.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match="reflect padding .*smaller than the dim's size 3"):
        ag.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="circular padding .*at most the dim's size 3"):
        ag.pad(x, (0, 4), mode="circular")
    with pytest.raises(ValueError, match="negative size"):
        ag.pad(x, (-2, -2))
    with pytest.raises(TypeError, match="tuple of ints"):
        ag.pad(x, (1.5, 1))


# --- repeat ----------------------------------------------------------------------------------------
REPEAT_CASES = [((2, 3), (2, 1)), ((2, 3), (1, 3)), ((3,), (2, 2)), ((2, 1, 2), (1, 2, 3)), ((), (3,)), ((), ()),
                ((2,), (3, 1, 2)), ((2, 2), (0, 2))]


@pytest.mark.parametrize("shape,reps", REPEAT_CASES)
def test_repeat_grads_and_torch(shape, reps, device):
    a = rand_array(shape)
    check_grads(lambda x: ag.repeat(x, *reps), a, device=device)
    compare_with_torch(lambda x: x.repeat(reps), lambda x: x.repeat(reps), a, device=device)


def test_repeat_values_and_forms(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x.repeat(2, 2)
    assert host(y).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert x.repeat((2, 2)).shape == (2, 4)
    y.sum().backward()
    assert host(x.grad).tolist() == [4, 4]


def test_repeat_errors(device):
    x = ag.zeros(2, 3, device=device)
    with pytest.raises(ValueError, match=r"1 repeat sizes \(2,\) given for a tensor of shape \(2, 3\)"):
        x.repeat(2)
    with pytest.raises(ValueError, match="non-negative integers"):
        x.repeat(2, -1)


# --- generated cases -------------------------------------------------------------------------------
if given is not None:
    @given(n=st.integers(0, 12), size=st.integers(1, 6))
    def test_split_sizes_match_torch_generated(n, size):
        torch_or_skip()
        ours = [p.shape for p in ag.split(ag.zeros(n), size)]
        theirs = [tuple(p.shape) for p in torch.split(torch.zeros(n), size)]
        assert ours == theirs

    @given(shape=st.lists(st.integers(1, 3), min_size=0, max_size=3),
           extra=st.lists(st.integers(0, 3), min_size=0, max_size=2), data=st.data())
    def test_repeat_generated_vs_torch(shape, extra, data):
        torch_or_skip()
        reps = tuple(extra) + tuple(data.draw(st.integers(0, 3)) for _ in shape)
        a = rand_array(tuple(shape), seed=len(shape))
        compare_with_torch(lambda x: x.repeat(*reps), lambda x: x.repeat(reps), a, dtypes=("float64",))
else:  # pragma: no cover
    def test_generated_cases():
        pytest.skip("hypothesis is not installed")
