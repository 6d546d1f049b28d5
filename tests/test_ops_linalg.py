"""matmul / mm / bmm / dot / outer / einsum: gradients (first and second order), PyTorch as oracle, errors."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import mutually_broadcastable_shapes
except ImportError:  # hypothesis is in the test extra; the generated tests skip without it
    given = None


def arrays(*shapes, seed=0):
    return [rand_array(s, seed=seed + i) for i, s in enumerate(shapes)]


def torch_fn(name):
    return lambda *ts: getattr(torch_or_skip(), name)(*ts)


# --- matmul over every combination of ranks -----------------------------------------------------
MATMUL_SHAPES = [
    ((3,), (3,)),                # 1-D @ 1-D: dot, 0-d result
    ((3,), (3, 4)),              # 1-D @ 2-D
    ((2, 3), (3,)),              # 2-D @ 1-D
    ((2, 3), (3, 4)),            # 2-D @ 2-D
    ((2, 3, 4), (2, 4, 5)),      # batched 3-D @ 3-D
    ((2, 1, 3, 4), (5, 4, 2)),   # broadcast batch dims
    ((2, 3, 4), (4,)),           # N-D @ 1-D
    ((2, 2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),           # 1-D @ N-D
    ((4,), (2, 1, 4, 3)),
    ((2, 3, 4), (4, 5)),         # N-D @ 2-D (folded into one GEMM)
    ((2, 2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),         # 2-D @ N-D
    ((1, 3, 4), (2, 4, 5)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_grads(sa, sb, device):
    check_grads(ag.matmul, *arrays(sa, sb), device=device)
    check_grads(lambda a, b: a @ b, *arrays(sa, sb, seed=5), device=device)


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_matches_torch(sa, sb, device):
    compare_with_torch(ag.matmul, torch_fn("matmul"), *arrays(sa, sb), device=device)


def test_matmul_values_and_shapes(device):
    a, b = arrays((2, 1, 3, 4), (5, 4, 2))
    y = ag.matmul(ag.tensor(a, device=device), ag.tensor(b, device=device))
    assert y.shape == (2, 5, 3, 2)
    numpy.testing.assert_allclose(host(y), numpy.matmul(a, b), rtol=1e-5)
    v, w = arrays((3,), (3,))
    d = ag.tensor(v, device=device) @ ag.tensor(w, device=device)
    assert d.shape == () and abs(d.item() - v @ w) < 1e-5
    x, m = arrays((4, 3, 2), (3, 5))  # a non-contiguous N-D operand on the folded N-D @ 2-D path
    y = ag.tensor(x, device=device).permute(2, 0, 1) @ ag.tensor(m, device=device)
    numpy.testing.assert_allclose(host(y), x.transpose(2, 0, 1) @ m, rtol=1e-5)


if given is not None:
    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(batch=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3),
           mkn=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)))
    def test_matmul_broadcast_batch_generated(batch, mkn, device):
        (ba, bb), (m, k, n) = batch.input_shapes, mkn
        a, b = arrays(ba + (m, k), bb + (k, n), seed=sum(ba) + 7 * sum(bb))
        check_grads(ag.matmul, a, b, device=device)
        compare_with_torch(ag.matmul, torch_fn("matmul"), a, b, device=device)
        assert ag.matmul(ag.tensor(a, device=device), ag.tensor(b, device=device)).shape == \
            batch.result_shape + (m, n)
else:
    @pytest.mark.skip(reason="hypothesis is not installed")
    def test_matmul_broadcast_batch_generated():
        pass


def test_matmul_2d_is_one_gemm_forward_and_two_backward(device, monkeypatch):
    a = ag.randn(4, 3, device=device, requires_grad=True)
    b = ag.randn(3, 5, device=device, requires_grad=True)
    xp = a._backend.xp
    calls = []
    real = xp.matmul

    def counting(*args, **kwargs):
        calls.append(tuple(x.shape for x in args[:2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(xp, "matmul", counting)
    y = a @ b
    assert calls == [((4, 3), (3, 5))]
    assert all(isinstance(f, ag.Tensor) for f, _ in y.grad_fn.next_functions)  # no reshape nodes in between
    y.backward(ag.ones(4, 5, device=device))
    assert len(calls) == 3


# --- mm, bmm, dot, outer --------------------------------------------------------------------------
@pytest.mark.parametrize("name,sa,sb", [
    ("mm", (2, 3), (3, 4)),
    ("bmm", (2, 3, 4), (2, 4, 5)),
    ("dot", (4,), (4,)),
    ("outer", (3,), (4,)),
])
def test_named_products(name, sa, sb, device):
    fn = getattr(ag, name)
    check_grads(fn, *arrays(sa, sb), device=device)
    compare_with_torch(fn, torch_fn(name), *arrays(sa, sb, seed=3), device=device)
    a, b = (ag.tensor(x, device=device) for x in arrays(sa, sb))
    numpy.testing.assert_allclose(host(getattr(a, name)(b)), host(fn(a, b)))  # the Tensor method


# --- einsum -------------------------------------------------------------------------------------
EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("i,i->", [(4,), (4,)]),
    ("ij->ji", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii->", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    # implicit output, broadcasting, diagonals next to other letters, three operands
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii", [(3, 3)]),
    ("ba,Ab", [(2, 3), (3, 2)]),
    ("i,i->", [(1,), (3,)]),
    ("ij,ij->i", [(2, 1), (1, 3)]),
    ("...ij->ij", [(2, 3, 4)]),
    ("...i,...i->...", [(2, 1, 3), (4, 3)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 4)]),
    ("iii->i", [(2, 2, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,k->ik", [(2, 3), (4,)]),
    (" ij , jk -> ik ", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_grads(eq, shapes, device):
    check_grads(lambda *xs: ag.einsum(eq, *xs), *arrays(*shapes), device=device)


@pytest.mark.parametrize("eq,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_matches_torch(eq, shapes, device):
    torch = torch_or_skip()
    compare_with_torch(lambda *xs: ag.einsum(eq, *xs), lambda *xs: torch.einsum(eq, *xs),
                       *arrays(*shapes, seed=2), device=device)


def test_einsum_values_and_list_operands(device):
    a, b = arrays((2, 3), (3, 4))
    ta, tb = ag.tensor(a, device=device), ag.tensor(b, device=device)
    numpy.testing.assert_allclose(host(ag.einsum("ij,jk->ik", [ta, tb])), a @ b, rtol=1e-5)
    numpy.testing.assert_allclose(host(ag.einsum("ij,jk", ta, b)), a @ b, rtol=1e-5)  # an ndarray operand
    x = rand_array((3, 3))
    assert abs(ag.einsum("ii", ag.tensor(x, dtype=ag.float64, device=device)).item() - numpy.trace(x)) < 1e-12
    numpy.testing.assert_allclose(host(ag.einsum("ii->i", ag.tensor(x, device=device))), numpy.diag(x), rtol=1e-6)


def test_einsum_of_integers(device):
    a = ag.tensor([[1, 2], [3, 4]], device=device)
    y = ag.einsum("ij,jk->ik", a, a)
    assert y.dtype == ag.int64 and host(y).tolist() == [[7, 10], [15, 22]]


# --- dtypes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda a, b: a @ b,
    lambda a, b: ag.matmul(a[0], b),
    lambda a, b: ag.einsum("bij,jk->bik", a, b),
    lambda a, b: ag.einsum("bii,ij->j", a[:, :2, :2], b[:2]),
])
def test_float32_stays_float32(fn, device):
    a = ag.randn(2, 3, 4, device=device, requires_grad=True)
    b = ag.randn(4, 5, device=device, requires_grad=True)
    y = fn(a, b)
    assert y.dtype == ag.float32
    y.sum().backward()
    assert a.grad.dtype == ag.float32 and b.grad.dtype == ag.float32


def test_integer_and_mixed_dtypes(device):
    i = ag.tensor([[1, 2], [3, 4]], device=device)
    y = i @ i
    assert y.dtype == ag.int64 and host(y).tolist() == [[7, 10], [15, 22]]
    f = ag.tensor([[1.0, 0.5], [0.0, 2.0]], device=device, requires_grad=True)
    z = i @ f
    assert z.dtype == ag.float32
    numpy.testing.assert_allclose(host(z), [[1.0, 4.5], [3.0, 9.5]])
    z.sum().backward()
    numpy.testing.assert_allclose(host(f.grad), [[4.0, 4.0], [6.0, 6.0]])


def test_ndarray_and_list_operands_give_tensors(device):
    a = rand_array((2, 3))
    w = ag.tensor(rand_array((3, 4), seed=1), dtype=ag.float64, device=device, requires_grad=True)
    left = a @ w
    right = w.T @ a.T
    assert isinstance(left, ag.Tensor) and isinstance(right, ag.Tensor)
    assert left.device == w.device and right.shape == (4, 2)
    numpy.testing.assert_allclose(host(left), a @ host(w), rtol=1e-12)
    numpy.testing.assert_allclose(host(right), host(w).T @ a.T, rtol=1e-12)
    left.sum().backward()
    numpy.testing.assert_allclose(host(w.grad), a.T @ numpy.ones((2, 4)), rtol=1e-12)
    v = [1.0, 2.0, 3.0] @ w
    assert isinstance(v, ag.Tensor) and v.shape == (4,)


# --- errors ---------------------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_both_shapes(device):
    a, b = ag.ones(2, 3, device=device), ag.ones(4, 5, device=device)
    with pytest.raises(ValueError) as info:
        a @ b
    msg = str(info.value)
    assert "(2, 3)" in msg and "(4, 5)" in msg
    assert "dim -1 of the first (3) != dim -2 of the second (4)" in msg
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\).*dim 0 of the second \(4\)"):
        ag.matmul(a, ag.ones(4, device=device))
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        ag.matmul(ag.ones(3, device=device), ag.ones(4, device=device))


def test_matmul_other_errors(device):
    with pytest.raises(ValueError, match=r"at least 1-D, got shapes \(\) and \(3,\)"):
        ag.matmul(ag.tensor(1.0, device=device), ag.ones(3, device=device))
    with pytest.raises(ValueError, match=r"batch dims \(2, 3\) and \(4,\).*dim -3 is 3 in the first and 4"):
        ag.matmul(ag.ones(2, 3, 2, 2, device=device), ag.ones(4, 2, 2, device=device))
    with pytest.raises(ValueError, match=r"mm: expects two 2-D tensors, got shapes \(2, 3, 4\) and \(4, 5\)"):
        ag.mm(ag.ones(2, 3, 4, device=device), ag.ones(4, 5, device=device))
    with pytest.raises(ValueError, match=r"bmm: expects two 3-D"):
        ag.bmm(ag.ones(3, 4, device=device), ag.ones(2, 4, 5, device=device))
    with pytest.raises(ValueError, match=r"bmm: batch sizes differ.*2 != 3"):
        ag.bmm(ag.ones(2, 3, 4, device=device), ag.ones(3, 4, 5, device=device))
    with pytest.raises(ValueError, match=r"dot: .*\(3,\) and \(4,\)"):
        ag.dot(ag.ones(3, device=device), ag.ones(4, device=device))
    with pytest.raises(ValueError, match=r"dot: .*\(3, 1\)"):
        ag.dot(ag.ones(3, 1, device=device), ag.ones(3, device=device))
    with pytest.raises(ValueError, match=r"outer: .*\(2, 2\) and \(3,\)"):
        ag.outer(ag.ones(2, 2, device=device), ag.ones(3, device=device))


@pytest.mark.parametrize("eq,shapes,pattern", [
    ("ij,jk->ik", [(2, 3)], r"2 input term\(s\) but 1 operand"),
    ("ij->ij", [(2, 3), (3,)], r"1 input term\(s\) but 2 operand"),
    ("ijk->i", [(2, 3)], r"operand 0 has 2 dimension\(s\) \(shape \(2, 3\)\).*'ijk' name 3"),
    ("...ijk->i", [(2, 3)], r"operand 0 has 2 dimension"),
    ("ij,jk->ik", [(2, 3), (4, 5)], r"subscript 'j' has size 3 in operand 0 \(shape \(2, 3\)\) but size 4 in "
                                    r"operand 1 \(shape \(4, 5\)\)"),
    ("ii->i", [(2, 3)], r"'i' is repeated in operand 0.*2 != 3"),
    ("i1->i", [(2, 3)], r"invalid subscript '1'"),
    ("i.j->i", [(2, 3)], r"invalid subscript '\.'"),
    ("ij->k", [(2, 3)], r"output subscript 'k'.*does not appear"),
    ("ij->ii", [(2, 3)], r"output subscript 'i' appears more than once"),
    ("ij->i->j", [(2, 3)], r"malformed"),
    ("...i,...i->...", [(2, 3), (4, 3)], r"'\.\.\.' dim -1 has size 2 in operand 0.*size 4 in operand 1"),
])
def test_einsum_errors(eq, shapes, pattern, device):
    ops = [ag.ones(*s, device=device) for s in shapes]
    with pytest.raises(ValueError, match=pattern):
        ag.einsum(eq, *ops)


def test_einsum_needs_operands():
    with pytest.raises(ValueError, match="at least one operand"):
        ag.einsum("ij")
    with pytest.raises(TypeError, match="equation must be a string"):
        ag.einsum(3, ag.ones(2))
