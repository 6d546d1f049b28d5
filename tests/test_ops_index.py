"""Indexing (x[index], __setitem__), index_select, gather, masked_fill: values, gradients (first and
second order), PyTorch as an oracle, dtypes, and the errors a user can cause."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch, torch_or_skip

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # hypothesis is in the test extra; the generated tests skip without it
    given = None


def T(a, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(a), dtype=dtype, device=device, requires_grad=requires_grad)


def reference_grad(shape, index, g):
    """dL/dx for L = sum(x[index] * g), computed independently: each element's flat position is read
    through the same index and the weights are summed per position with bincount."""
    size = int(numpy.prod(shape))
    pos = numpy.arange(size).reshape(shape)[index]
    return numpy.bincount(numpy.ravel(pos), weights=numpy.ravel(g), minlength=size).reshape(shape)


def check_index(index, shape, device, np_index=None):
    """Forward equals NumPy's x[index]; backward equals the reference; gradcheck + gradgradcheck."""
    np_index = index if np_index is None else np_index
    a = rand_array(shape)
    x = T(a, device, requires_grad=True)
    y = x[index]
    expected = a[np_index]
    assert tuple(y.shape) == numpy.shape(expected)
    numpy.testing.assert_array_equal(host(y), expected)
    g = numpy.random.default_rng(3).standard_normal(numpy.shape(expected))
    y.backward(T(g, device))
    numpy.testing.assert_allclose(host(x.grad), reference_grad(shape, np_index, g), rtol=1e-12, atol=1e-12)
    check_grads(lambda t: t[index] * 1.0, a, device=device)


# --- basic indexing -------------------------------------------------------------------------------
BASIC = [
    ((4,), 2), ((4,), -1), ((3, 4), (1, 2)), ((3, 4), 1), ((3, 4), slice(1, None)), ((3, 4), (slice(None), 1)),
    ((3, 4), (slice(None, None, -1), slice(0, 3, 2))), ((5,), slice(None, None, -2)), ((5,), slice(4, 0, -3)),
    ((3, 4), (None, 1)), ((3, 4), (Ellipsis, None, 2)), ((2, 3, 4), (1, Ellipsis)), ((2, 3, 4), (Ellipsis,)),
    ((2, 3), (slice(None), None, slice(None), None)), ((), ()), ((), None), ((), Ellipsis), ((3,), slice(5, 9)),
]


@pytest.mark.parametrize("shape,index", BASIC)
def test_basic_indexing(shape, index, device):
    check_index(index, shape, device)


@pytest.mark.parametrize("shape,index", [((3, 4), (1, 2)), ((3, 4), (slice(None), 1)), ((3, 4), (None, 1)),
                                         ((2, 3, 4), (Ellipsis, slice(1, 3))), ((2, 3, 4), (0, None, slice(0, 3, 2)))])
def test_basic_indexing_vs_torch(shape, index, device):
    compare_with_torch(lambda x: x[index], lambda x: x[index], rand_array(shape), device=device)


def test_negative_step_slice_matches_flip(device):
    torch_or_skip()
    compare_with_torch(lambda x: x[::-1, 1:], lambda x: torch.flip(x, (0,))[:, 1:], rand_array((4, 3)),
                       device=device)
    x = T([1.0, 2.0, 3.0, 4.0, 5.0], device, requires_grad=True)
    y = x[::-2]
    assert host(y).tolist() == [5, 3, 1]
    (y * T([1.0, 2.0, 3.0], device)).sum().backward()
    assert host(x.grad).tolist() == [3, 0, 2, 0, 1]


def test_tensor_scalar_index_and_slice_bounds(device):
    x = T(numpy.arange(6.0), device)
    i = ag.tensor(4, device=device)
    assert float(x[i]) == 4.0
    assert host(x[ag.tensor(1, device=device):i]).tolist() == [1, 2, 3]


# --- advanced indexing ----------------------------------------------------------------------------
def test_duplicate_indices_accumulate(device):
    x = ag.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    assert host(x.grad).tolist() == [2, 1, 0]


ADVANCED = [
    ((5,), [0, 0, 3, -1]),
    ((4, 3), ([0, 2, 2], [1, 1, 0])),
    ((4, 3), (numpy.array([[0], [3]]), numpy.array([0, 2, 2]))),  # broadcasting index arrays
    ((4, 3), (slice(None), [2, 0, 2])),
    ((2, 4, 3), (slice(None), [1, 1], [0, 2])),
    ((2, 4, 3), ([1, 0], slice(None), [0, 2])),  # separated advanced indices go first
    ((2, 4, 3), (Ellipsis, [2, 2, 2])),
    ((2, 4, 3), (None, 1, [0, 3, 3], slice(0, 2))),
    ((4,), []),
    ((4, 3), [[0, 1], [1, 1]]),
]


@pytest.mark.parametrize("shape,index", ADVANCED)
def test_advanced_indexing(shape, index, device):
    np_index = tuple(numpy.asarray(i) if isinstance(i, list) else i for i in index) \
        if isinstance(index, tuple) else numpy.asarray(index, dtype=numpy.int64)
    check_index(index, shape, device, np_index=np_index)


@pytest.mark.parametrize("shape,index", [((5,), [0, 0, 3, -1]), ((4, 3), ([0, 2, 2], [1, 1, 0])),
                                         ((4, 3), (slice(None), [2, 0, 2])), ((2, 4, 3), ([1, 0], slice(None), [0, 2])),
                                         ((2, 4, 3), (Ellipsis, [2, 2, 2]))])
def test_advanced_indexing_vs_torch(shape, index, device):
    compare_with_torch(lambda x: x[index], lambda x: x[index], rand_array(shape), device=device)


def test_index_with_integer_tensors(device):
    a = rand_array((4, 3))
    rows = ag.tensor([[3, 0], [0, 0]], device=device)
    cols = ag.tensor([2, 1], device=device)
    check_index((rows, cols), (4, 3), device, np_index=(numpy.array([[3, 0], [0, 0]]), numpy.array([2, 1])))
    torch_or_skip()
    compare_with_torch(lambda x: x[rows, cols], lambda x: x[torch.tensor([[3, 0], [0, 0]]), torch.tensor([2, 1])],
                       a, device=device)
    int32 = ag.tensor([1, 1], dtype=ag.int32, device=device)
    assert host(T(a, device)[int32]).shape == (2, 3)


# --- boolean masks ----------------------------------------------------------------------------------
def test_bool_mask_tensor(device):
    a = rand_array((3, 4))
    mask = a > 0
    check_index(T(mask, device, dtype=ag.bool), (3, 4), device, np_index=mask)
    check_index(mask, (3, 4), device)  # a NumPy mask
    m = ag.tensor(mask, device=device)
    torch_or_skip()
    compare_with_torch(lambda x: x[m], lambda x: x[torch.tensor(mask)], a, device=device)


def test_bool_mask_partial_and_mixed(device):
    a = rand_array((3, 4))
    rows = numpy.array([True, False, True])
    check_index(ag.tensor(rows, device=device), (3, 4), device, np_index=rows)
    check_index((ag.tensor(rows, device=device), slice(1, 3)), (3, 4), device, np_index=(rows, slice(1, 3)))
    check_index((slice(None), [True, False, False, True]), (3, 4), device,
                np_index=(slice(None), numpy.array([True, False, False, True])))
    x = T(a, device, requires_grad=True)
    y = x[x > 0]
    assert host(y).tolist() == a[a > 0].tolist()
    y.sum().backward()
    assert host(x.grad).tolist() == (a > 0).astype(float).tolist()
    all_false = x[ag.zeros(3, 4, dtype=ag.bool, device=device)]
    assert all_false.shape == (0,)


def test_python_bool_index(device):
    x = T(rand_array((2,)), device)
    assert x[True].shape == (1, 2)
    assert x[False].shape == (0, 2)


# --- dtypes ------------------------------------------------------------------------------------------
def test_float32_in_float32_out(device):
    x = T(rand_array((3, 4)), device, dtype=ag.float32, requires_grad=True)
    y = x[[0, 0], 1:] + x[x > 0].sum() + x.index_select(1, ag.tensor([1], device=device)).sum()
    assert y.dtype == ag.float32
    y.sum().backward()
    assert x.grad.dtype == ag.float32


def test_integer_tensor_indexing(device):
    x = ag.arange(6, device=device).reshape(2, 3)
    y = x[:, [2, 0]]
    assert y.dtype == ag.int64 and host(y).tolist() == [[2, 0], [5, 3]]
    assert not y.requires_grad


def test_higher_order_through_indexing(device):
    x = T([1.0, 2.0, 3.0], device, requires_grad=True)
    y = (x[[0, 0, 2]] ** 3).sum()
    (g,) = ag.grad(y, x, create_graph=True)
    assert host(g).tolist() == [6, 0, 27]  # 2 * 3 x0^2, 0, 3 x2^2
    g.sum().backward()
    assert host(x.grad).tolist() == [12, 0, 18]  # d/dx of (6 x0^2 + 3 x2^2)


# --- errors ---------------------------------------------------------------------------------------------
def test_index_errors(device):
    x = ag.zeros(3, 2, device=device)
    with pytest.raises(IndexError, match=r"index 5 is out of bounds for dimension 0 with size 3.*\(3, 2\)"):
        x[5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        x[-4]
    with pytest.raises(IndexError, match="index 2 is out of bounds for dimension 1 with size 2"):
        x[:, [0, 2]]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 1 with size 2"):
        x[0, ag.tensor([7], device=device)]
    with pytest.raises(IndexError, match=r"too many indices for a tensor of dimension 2 \(shape \(3, 2\)\)"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match=r"boolean mask of shape \(2,\) does not match .*\(3,\)"):
        x[ag.tensor([True, False], device=device)]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(TypeError, match="float"):
        x[1.0]
    with pytest.raises(TypeError, match="integer or bool, got dtype float32"):
        x[ag.tensor([0.0, 1.0], device=device)]
    with pytest.raises(TypeError, match="integer or bool, got dtype float64"):
        x[numpy.array([0.5])]
    with pytest.raises(TypeError, match="unsupported index of type str"):
        x["a"]


def test_index_tensor_on_other_device_names_both():
    if not ag.is_cuda_available():
        pytest.skip("needs a GPU")
    x = ag.zeros(3, device="cuda")
    with pytest.raises(RuntimeError, match="cpu.*cuda"):
        x[ag.tensor([0, 1])]


# --- __setitem__ --------------------------------------------------------------------------------------
def test_setitem_without_graph(device):
    x = ag.zeros(3, 4, device=device)
    x[0] = 1.0
    x[1, [0, 2]] = ag.tensor([2.0, 3.0], device=device)
    x[2, 1:] = ag.tensor([4.0, 5.0, 6.0], device=device)
    x[x == 3.0] = -3.0
    x[ag.tensor(2, device=device), 0] = 7.0
    assert host(x).tolist() == [[1, 1, 1, 1], [2, 0, -3, 0], [7, 4, 5, 6]]
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x[0, 4] = 1.0


def test_setitem_on_tensor_requiring_grad(device):
    x = ag.zeros(3, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        x[0] = 1.0
    with ag.no_grad():
        x[0] = 1.0
    assert host(x.detach()).tolist() == [1, 0, 0]
    y = x * 2.0
    with pytest.raises(RuntimeError, match="in-place"):
        y[0] = 1.0


# --- index_select ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim,index", [((4, 3), 0, [3, 0, 0]), ((4, 3), 1, [2]), ((2, 3, 4), -1, [1, 3, 1, 0]),
                                             ((4, 3), 0, []), ((3,), 0, 1)])
def test_index_select(shape, dim, index, device):
    a = rand_array(shape)
    idx = ag.tensor(index, dtype=ag.int64, device=device)
    check_grads(lambda x: ag.index_select(x, dim, idx), a, device=device)
    torch_or_skip()
    tidx = torch.tensor(index, dtype=torch.int64)
    compare_with_torch(lambda x: x.index_select(dim, idx), lambda x: x.index_select(dim, tidx), a, device=device)


def test_index_select_values_and_errors(device):
    x = T([[1.0, 2.0], [3.0, 4.0]], device, requires_grad=True)
    y = ag.index_select(x, 0, ag.tensor([1, 1, 0], device=device))
    assert host(y).tolist() == [[3, 4], [3, 4], [1, 2]]
    y.sum().backward()
    assert host(x.grad).tolist() == [[1, 1], [2, 2]]
    with pytest.raises(IndexError, match="index_select: index 2 is out of bounds for dimension 1 with size 2"):
        ag.index_select(x, 1, ag.tensor([2], device=device))
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        ag.index_select(x, 0, ag.tensor([-1], device=device))
    with pytest.raises(ValueError, match=r"0-d or 1-d, got shape \(1, 1\)"):
        ag.index_select(x, 0, ag.tensor([[0]], device=device))
    with pytest.raises(TypeError, match="integer"):
        ag.index_select(x, 0, ag.tensor([0.0], device=device))
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        ag.index_select(x, 2, ag.tensor([0], device=device))


# --- gather -------------------------------------------------------------------------------------------
GATHER = [((3, 4), 0, [[0, 2, 1, 0], [2, 2, 0, 1]]), ((3, 4), 1, [[3, 3], [0, 1], [2, 0]]),
          ((3, 4), -1, [[1], [0]]),
    ((2, 3, 2), 1, [[[0, 1], [2, 2], [1, 0], [0, 0]], [[2, 1], [0, 0], [1, 1], [2, 2]]]),
          ((2, 3), 0, numpy.zeros((0, 3), dtype=numpy.int64))]


@pytest.mark.parametrize("shape,dim,index", GATHER)
def test_gather(shape, dim, index, device):
    a = rand_array(shape)
    idx = ag.tensor(numpy.asarray(index), device=device)
    check_grads(lambda x: ag.gather(x, dim, idx), a, device=device)
    torch_or_skip()
    tidx = torch.tensor(numpy.asarray(index))
    compare_with_torch(lambda x: x.gather(dim, idx), lambda x: torch.gather(x, dim, tidx), a, device=device)


def test_gather_values_0d_and_errors(device):
    x = T([[1.0, 2.0], [3.0, 4.0]], device, requires_grad=True)
    y = ag.gather(x, 1, ag.tensor([[0, 0], [1, 0]], device=device))
    assert host(y).tolist() == [[1, 1], [4, 3]]
    y.sum().backward()
    assert host(x.grad).tolist() == [[2, 0], [1, 1]]
    s = T(5.0, device, requires_grad=True)
    assert float(ag.gather(s, 0, ag.tensor(0, device=device))) == 5.0
    with pytest.raises(ValueError, match=r"index \(shape \(2,\)\) must have as many dimensions as the input"):
        ag.gather(x, 0, ag.tensor([0, 1], device=device))
    with pytest.raises(ValueError, match="may not be larger than the input in dimension 1"):
        ag.gather(x, 0, ag.tensor([[0, 0, 0]], device=device))
    with pytest.raises(IndexError, match="gather: index 2 is out of bounds for dimension 1 with size 2"):
        ag.gather(x, 1, ag.tensor([[2]], device=device))
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        ag.gather(x, 1, ag.tensor([[-1]], device=device))


# --- masked_fill --------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,mask_shape", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1)), ((), ()),
                                              ((2, 3), ())])
def test_masked_fill(shape, mask_shape, device):
    a = rand_array(shape)
    mask = numpy.random.default_rng(5).random(mask_shape) > 0.5
    m = ag.tensor(mask, device=device)
    check_grads(lambda x: ag.masked_fill(x, m, 2.5), a, device=device)
    torch_or_skip()
    compare_with_torch(lambda x: x.masked_fill(m, -1.0), lambda x: x.masked_fill(torch.tensor(mask), -1.0), a,
                       device=device)


def test_masked_fill_values_grad_and_broadcast(device):
    x = T([[1.0, 2.0], [3.0, 4.0]], device, requires_grad=True)
    y = x.masked_fill(ag.tensor([True, False], device=device), 9.0)
    assert host(y).tolist() == [[9, 2], [9, 4]]
    y.sum().backward()
    assert host(x.grad).tolist() == [[0, 1], [0, 1]]
    big = x.masked_fill(ag.ones(2, 2, 2, dtype=ag.bool, device=device), 0.0)  # as torch: broadcasts both
    assert big.shape == (2, 2, 2)


def test_masked_fill_tensor_value_gets_grad(device):
    a = rand_array((3, 4))
    mask = numpy.array([True, False, True, True])
    m = ag.tensor(mask, device=device)
    check_grads(lambda x, v: ag.masked_fill(x, m, v), a, numpy.array(0.7), device=device)
    torch_or_skip()
    compare_with_torch(lambda x, v: x.masked_fill(m, v), lambda x, v: x.masked_fill(torch.tensor(mask), v),
                       a, numpy.array(0.7), device=device)


def test_masked_fill_dtypes_and_errors(device):
    xi = ag.tensor([1, 2, 3], device=device)
    y = xi.masked_fill(ag.tensor([True, False, False], device=device), 1.7)
    assert y.dtype == ag.int64 and host(y).tolist() == [1, 2, 3]
    x = ag.zeros(2, 3, dtype=ag.float32, device=device)
    assert x.masked_fill(x == 0, 1.0).dtype == ag.float32
    with pytest.raises(TypeError, match="bool tensor, got dtype int64"):
        x.masked_fill(ag.tensor([1, 0, 1], device=device), 1.0)
    with pytest.raises(ValueError, match=r"mask of shape \(2,\) can't be broadcast against the tensor of shape"):
        x.masked_fill(ag.tensor([True, False], device=device), 1.0)
    with pytest.raises(ValueError, match="0-dimensional"):
        x.masked_fill(x == 0, ag.tensor([1.0, 2.0], device=device))


# --- generated indices ----------------------------------------------------------------------------------
def check_generated(index, shape, device, wrap=lambda i: i):
    a = rand_array(shape)
    x = T(a, device, requires_grad=True)
    y = x[wrap(index)]
    numpy.testing.assert_array_equal(host(y), a[index])
    g = numpy.random.default_rng(0).standard_normal(numpy.shape(a[index]))
    y.backward(T(g, device))
    numpy.testing.assert_allclose(host(x.grad), reference_grad(shape, index, g), rtol=1e-12, atol=1e-12)


if given is not None:
    FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

    @FIXTURE_OK
    @given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    def test_generated_basic_indices(device, data, shape):
        index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
        check_generated(index, shape, device)

    @FIXTURE_OK
    @given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    def test_generated_integer_array_indices(device, data, shape):
        index = data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2,
                                                                                          max_side=5)))
        check_generated(index, shape, device, wrap=lambda ix: tuple(ag.tensor(i, device=device) for i in ix))
else:  # pragma: no cover
    def test_generated_indices():
        pytest.skip("hypothesis is not installed")
