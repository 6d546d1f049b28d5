"""Shape ops: reshape/view, transpose, permute, T, mT, t, squeeze, unsqueeze, expand, expand_as,
broadcast_to, flatten, unflatten, movedim. Shapes and values against NumPy, gradients (gradcheck +
gradgradcheck in float64), PyTorch as an oracle, and the errors a user can cause."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


A234 = numpy.arange(24.0).reshape(2, 3, 4)

# (name, fn (the same call works on our tensors and PyTorch's), input shape, NumPy reference)
CASES = [
    ("reshape_varargs", lambda x: x.reshape(4, 6), (2, 3, 4), lambda a: a.reshape(4, 6)),
    ("reshape_tuple", lambda x: x.reshape((6, 4)), (2, 3, 4), lambda a: a.reshape(6, 4)),
    ("reshape_minus1", lambda x: x.reshape(-1, 2), (2, 3, 4), lambda a: a.reshape(-1, 2)),
    ("reshape_flat", lambda x: x.reshape(-1), (2, 3, 4), lambda a: a.reshape(-1)),
    ("reshape_0d_to_1", lambda x: x.reshape(1, 1), (), lambda a: a.reshape(1, 1)),
    ("reshape_1_to_0d", lambda x: x.reshape(()), (1, 1), lambda a: a.reshape(())),
    ("view_varargs", lambda x: x.view(3, 8), (2, 3, 4), lambda a: a.reshape(3, 8)),
    ("view_tuple_minus1", lambda x: x.view((2, -1, 3)), (2, 3, 4), lambda a: a.reshape(2, -1, 3)),
    ("function_reshape", lambda x: x.reshape([12, 2]), (2, 3, 4), lambda a: a.reshape(12, 2)),
    ("transpose", lambda x: x.transpose(0, 2), (2, 3, 4), lambda a: a.swapaxes(0, 2)),
    ("transpose_neg", lambda x: x.transpose(-1, -2), (2, 3, 4), lambda a: a.swapaxes(-1, -2)),
    ("transpose_same", lambda x: x.transpose(1, 1), (2, 3, 4), lambda a: a),
    ("permute_varargs", lambda x: x.permute(2, 0, 1), (2, 3, 4), lambda a: a.transpose(2, 0, 1)),
    ("permute_tuple_neg", lambda x: x.permute((-1, 1, 0)), (2, 3, 4), lambda a: a.transpose(2, 1, 0)),
    ("T_2d", lambda x: x.T, (3, 4), lambda a: a.T),
    ("T_1d", lambda x: x.T, (4,), lambda a: a),
    ("mT", lambda x: x.mT, (2, 3, 4), lambda a: a.swapaxes(-1, -2)),
    ("t_2d", lambda x: x.t(), (3, 4), lambda a: a.T),
    ("t_1d", lambda x: x.t(), (4,), lambda a: a),
    ("t_0d", lambda x: x.t(), (), lambda a: a),
    ("squeeze_all", lambda x: x.squeeze(), (1, 3, 1, 2), lambda a: a.squeeze()),
    ("squeeze_dim", lambda x: x.squeeze(2), (1, 3, 1, 2), lambda a: a.squeeze(2)),
    ("squeeze_neg", lambda x: x.squeeze(-4), (1, 3, 1, 2), lambda a: a.squeeze(0)),
    ("squeeze_not_1", lambda x: x.squeeze(1), (1, 3, 1, 2), lambda a: a),
    ("squeeze_0d", lambda x: x.squeeze(), (), lambda a: a),
    ("unsqueeze_0", lambda x: x.unsqueeze(0), (3, 4), lambda a: a[None]),
    ("unsqueeze_end", lambda x: x.unsqueeze(2), (3, 4), lambda a: a[:, :, None]),
    ("unsqueeze_neg1", lambda x: x.unsqueeze(-1), (3, 4), lambda a: a[:, :, None]),
    ("unsqueeze_neg3", lambda x: x.unsqueeze(-3), (3, 4), lambda a: a[None]),
    ("unsqueeze_neg2", lambda x: x.unsqueeze(-2), (3, 4), lambda a: a[:, None]),
    ("unsqueeze_0d", lambda x: x.unsqueeze(-1), (), lambda a: a.reshape(1)),
    ("expand", lambda x: x.expand(2, 3, 4), (3, 1), lambda a: numpy.broadcast_to(a, (2, 3, 4))),
    ("expand_minus1", lambda x: x.expand(2, -1, 4), (3, 1), lambda a: numpy.broadcast_to(a, (2, 3, 4))),
    ("expand_tuple", lambda x: x.expand((5, 3)), (1, 3), lambda a: numpy.broadcast_to(a, (5, 3))),
    ("expand_0d", lambda x: x.expand(2, 3), (), lambda a: numpy.broadcast_to(a, (2, 3))),
    ("broadcast_to", lambda x: x.broadcast_to((2, 4, 3)), (4, 1), lambda a: numpy.broadcast_to(a, (2, 4, 3))),
    ("flatten", lambda x: x.flatten(), (2, 3, 4), lambda a: a.reshape(-1)),
    ("flatten_start", lambda x: x.flatten(1), (2, 3, 4), lambda a: a.reshape(2, 12)),
    ("flatten_range", lambda x: x.flatten(0, 1), (2, 3, 4), lambda a: a.reshape(6, 4)),
    ("flatten_neg", lambda x: x.flatten(-2, -1), (2, 3, 4), lambda a: a.reshape(2, 12)),
    ("flatten_one_dim", lambda x: x.flatten(1, 1), (2, 3, 4), lambda a: a),
    ("flatten_0d", lambda x: x.flatten(), (), lambda a: a.reshape(1)),
    ("unflatten", lambda x: x.unflatten(2, (2, 2)), (2, 3, 4), lambda a: a.reshape(2, 3, 2, 2)),
    ("unflatten_minus1", lambda x: x.unflatten(-1, (-1, 2)), (2, 3, 4), lambda a: a.reshape(2, 3, 2, 2)),
    ("unflatten_0", lambda x: x.unflatten(0, (1, 2)), (2, 3, 4), lambda a: a.reshape(1, 2, 3, 4)),
    ("movedim", lambda x: x.movedim(0, -1), (2, 3, 4), lambda a: numpy.moveaxis(a, 0, -1)),
    ("movedim_back", lambda x: x.movedim(2, 0), (2, 3, 4), lambda a: numpy.moveaxis(a, 2, 0)),
    ("movedim_tuple", lambda x: x.movedim((0, 1), (2, 0)), (2, 3, 4), lambda a: numpy.moveaxis(a, (0, 1), (2, 0))),
    ("chain", lambda x: x.permute(1, 0, 2).reshape(3, 8).T.unsqueeze(0).expand(2, 8, 3).flatten(1),
     (2, 3, 4), lambda a: numpy.broadcast_to(a.transpose(1, 0, 2).reshape(3, 8).T[None], (2, 8, 3)).reshape(2, 24)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, fn, shape, ref", CASES, ids=IDS)
def test_shape_and_values(device, name, fn, shape, ref):
    a = numpy.arange(float(numpy.prod(shape))).reshape(shape)
    y = fn(T(a, device))
    want = ref(a)
    assert y.shape == want.shape
    numpy.testing.assert_array_equal(host(y), want)


@pytest.mark.parametrize("name, fn, shape, ref", CASES, ids=IDS)
def test_grads(device, name, fn, shape, ref):
    check_grads(fn, rand_array(shape, seed=1, kinks=()), device=device)


@pytest.mark.filterwarnings("ignore:The use of `x.T`")  # PyTorch deprecates T on 1-d tensors
@pytest.mark.parametrize("name, fn, shape, ref", CASES, ids=IDS)
def test_matches_torch(device, name, fn, shape, ref):
    compare_with_torch(fn, fn, rand_array(shape, seed=2, kinks=()), device=device)


@pytest.mark.parametrize("name, fn, shape, ref", CASES, ids=IDS)
def test_keeps_dtype(device, name, fn, shape, ref):
    for dtype in (ag.float32, ag.float64):
        x = ag.tensor(rand_array(shape, seed=3), dtype=dtype, device=device, requires_grad=True)
        y = fn(x)
        assert y.dtype == dtype
        y.backward(ag.ones_like(y))
        assert x.grad.dtype == dtype and x.grad.shape == x.shape
    i = ag.tensor(numpy.arange(int(numpy.prod(shape))).reshape(shape), device=device)
    assert fn(i).dtype == ag.int64


def test_functional_forms(device):
    x = T(A234, device)
    assert ag.reshape(x, (4, 6)).shape == (4, 6) and ag.reshape(x, 4, -1).shape == (4, 6)
    assert ag.view(x, -1).shape == (24,)
    assert ag.permute(x, (2, 1, 0)).shape == (4, 3, 2) and ag.permute(x, 1, 2, 0).shape == (3, 4, 2)
    assert ag.transpose(x, 0, 1).shape == (3, 2, 4)
    assert ag.squeeze(ag.ones(1, 2, 1, device=device), (0, 2)).shape == (2,)
    assert ag.unsqueeze(x, 3).shape == (2, 3, 4, 1)
    assert ag.expand(ag.ones(3, 1, device=device), 3, 5).shape == (3, 5)
    assert ag.expand_as(ag.ones(4, device=device), x).shape == (2, 3, 4)
    assert ag.ones(4, device=device).expand_as(x).shape == (2, 3, 4)
    assert ag.broadcast_to(ag.ones(4, device=device), (3, 4)).shape == (3, 4)
    assert ag.flatten(x, 1).shape == (2, 12)
    assert ag.unflatten(x, 1, (3, 1)).shape == (2, 3, 1, 4)
    assert ag.movedim(x, 1, 0).shape == (3, 2, 4)
    assert ag.t(ag.ones(2, 3, device=device)).shape == (3, 2)
    assert ag.T(x).shape == (4, 3, 2) and ag.mT(x).shape == (2, 4, 3)


def test_expand_as_and_sum_to_gradients(device):
    a = rand_array((3, 1), seed=4)
    other = T(numpy.zeros((2, 3, 5)), device)
    check_grads(lambda x: x.expand_as(other), a, device=device)
    x = T(a, device, requires_grad=True)
    x.expand_as(other).backward(T(numpy.ones((2, 3, 5)), device))
    assert host(x.grad).tolist() == [[10.0]] * 3
    check_grads(lambda x: x.sum_to((3, 1)), rand_array((2, 3, 4), seed=5), device=device)
    assert ag.sum_to(T(numpy.ones((2, 3, 4)), device), (1, 4)).tolist() == [[6.0] * 4]


def test_view_shares_values_and_round_trips(device):
    x = T(A234, device, requires_grad=True)
    y = x.reshape(6, 4).permute(1, 0).reshape(2, 3, 4).transpose(0, 2)
    z = y.transpose(0, 2).reshape(4, 6).T.reshape(2, 3, 4)
    numpy.testing.assert_array_equal(host(z), A234)
    (z * T(A234, device)).sum().backward()
    numpy.testing.assert_array_equal(host(x.grad), A234)


# --- errors -----------------------------------------------------------------------------------------
def test_reshape_errors_name_shape_and_numel(device):
    x = ag.ones(2, 3, 4, device=device)
    with pytest.raises(ValueError, match=r"\(5, 5\).*\(2, 3, 4\).*24"):
        x.reshape(5, 5)
    with pytest.raises(ValueError, match=r"\(5, -1\).*\(2, 3, 4\).*24"):
        x.view(5, -1)
    with pytest.raises(ValueError, match=r"one dimension can be -1.*\(-1, -1\)"):
        x.reshape(-1, -1)
    with pytest.raises(ValueError, match=r"-2"):
        x.reshape(-2, 12)
    with pytest.raises(ValueError, match=r"\(3, 3\).*4"):
        x.unflatten(2, (3, 3))


@pytest.mark.parametrize("dims", [(0, 0, 1), (0, -3, 1), (2, 1, -1)], ids=str)
def test_permute_repeated_dims(device, dims):
    with pytest.raises(ValueError, match="once"):
        ag.ones(2, 3, 4, device=device).permute(*dims)


def test_permute_wrong_number_of_dims(device):
    with pytest.raises(ValueError, match=r"2 dims.*3 dimensions"):
        ag.ones(2, 3, 4, device=device).permute(0, 1)


@pytest.mark.parametrize("call, bad", [
    (lambda x: x.transpose(0, 3), "3"),
    (lambda x: x.transpose(-4, 0), "-4"),
    (lambda x: x.permute(0, 1, 3), "3"),
    (lambda x: x.squeeze(3), "3"),
    (lambda x: x.squeeze(-4), "-4"),
    (lambda x: x.unsqueeze(4), "4"),
    (lambda x: x.unsqueeze(-5), "-5"),
    (lambda x: x.flatten(0, 3), "3"),
    (lambda x: x.flatten(-4), "-4"),
    (lambda x: x.unflatten(3, (1, 1)), "3"),
    (lambda x: x.movedim(0, 3), "3"),
    (lambda x: x.movedim(-4, 0), "-4"),
    (lambda x: x.movedim((0, 5), (1, 2)), "5"),
], ids=["transpose", "transpose_neg", "permute", "squeeze", "squeeze_neg", "unsqueeze", "unsqueeze_neg",
        "flatten", "flatten_neg", "unflatten", "movedim", "movedim_neg", "movedim_tuple"])
def test_dim_out_of_range_raises_index_error_naming_it(device, call, bad):
    x = ag.ones(2, 3, 4, device=device)
    with pytest.raises(IndexError, match=rf"dim {bad}\b"):
        call(x)


def test_other_shape_errors(device):
    x = ag.ones(2, 3, 4, device=device)
    with pytest.raises(ValueError, match=r"\(2, 3, 4\)"):
        x.t()
    with pytest.raises(ValueError, match=r"\(4,\)"):
        ag.ones(4, device=device).mT
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3, 4\)"):
        ag.ones(3, 2, device=device).expand(2, 3, 4)
    with pytest.raises(ValueError, match=r"-1"):
        ag.ones(3, device=device).expand(-1, 3)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        ag.ones(2, 3, device=device).expand(3)
    with pytest.raises(ValueError, match=r"start_dim 2.*end_dim 1"):
        x.flatten(2, 1)
    with pytest.raises(ValueError, match=r"\(4,\).*\(2, 3\)"):
        ag.ones(4, device=device).broadcast_to((2, 3))
    with pytest.raises(ValueError, match=r"repeated|once"):
        x.movedim((0, 0), (1, 2))
    with pytest.raises(ValueError, match=r"source.*destination"):
        x.movedim((0, 1), (1,))
