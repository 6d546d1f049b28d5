"""The Tensor data model: attributes, conversions, .to(), in-place rules, printing."""

import numpy
import pytest

import autograd_core as ag
from checks import host


def test_attributes(device):
    x = ag.zeros(2, 3, device=device)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2
    assert x.dtype == ag.float32 and x.dtype == "float32"
    assert x.device == device and str(x.device) in (device, device + ":0")
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.numel() == 6 and len(x) == 2 and x.element_size() == 4
    assert x.is_leaf and not x.requires_grad and x.grad is None and x.grad_fn is None
    with pytest.raises(IndexError, match="dimension 2"):
        x.size(2)


def test_grad_fn_and_leaf_flags(device):
    x = ag.ones(2, device=device, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.grad_fn is not None
    assert "MulScalar" in repr(y.grad_fn)
    assert y.grad_fn.next_functions[0][0] is x
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_numpy_item_tolist_array():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert isinstance(x.numpy(), numpy.ndarray) and x.numpy().dtype == numpy.float32
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ag.tensor(2.5).item() == 2.5 and isinstance(ag.tensor(3).item(), int)
    assert numpy.asarray(x).shape == (2, 2)
    assert numpy.asarray(x, dtype=numpy.float64).dtype == numpy.float64
    assert float(ag.tensor([1.5])) == 1.5 and int(ag.tensor(7)) == 7
    with pytest.raises(ValueError, match="one element.*\\(2, 2\\)"):
        x.item()
    with pytest.raises(RuntimeError, match="requires grad.*detach"):
        ag.ones(2, requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ag.ones(2))
    assert bool(ag.tensor([1.0])) is True


def test_numpy_shares_memory_and_detach_shares_memory():
    x = ag.zeros(3)
    x.numpy()[0] = 5.0
    assert x.tolist()[0] == 5.0
    y = ag.ones(3, requires_grad=True)
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    with ag.no_grad():
        d[1] = 7.0
    assert y.tolist()[1] == 7.0


def test_to_dtype_and_device(device):
    x = ag.tensor([1.5, -2.5], device=device, requires_grad=True)
    assert x.to(device) is x and x.to(ag.float32) is x
    d = x.double()
    assert d.dtype == ag.float64 and d.requires_grad
    d.sum().backward()
    assert x.grad.dtype == ag.float32 and host(x.grad).tolist() == [1.0, 1.0]
    i = x.to(dtype=ag.int64)
    assert i.dtype == ag.int64 and not i.requires_grad
    assert x.float() is x and x.half().dtype == ag.float16 and x.long().tolist() == [1, -2]
    assert x.to("cpu").device == "cpu" and x.cpu().device == "cpu"
    assert x.to(x.to(ag.float64)).dtype == ag.float64
    assert x.to(device, ag.float64).dtype == ag.float64
    c = x.to(device, copy=True)
    assert c is not x and c.requires_grad


def test_to_unknown_device_or_dtype_raises():
    x = ag.ones(2)
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        x.to(device="tpu")
    with pytest.raises(TypeError, match="complex128"):
        x.to(numpy.complex128)


def test_inplace_rules(device):
    x = ag.ones(3, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x[0] = 2.0
    y = x * 2
    with pytest.raises(RuntimeError, match="records a graph"):
        y.zero_()
    with ag.no_grad():
        x.mul_(3.0).add_(1.0).sub_(ag.ones(3, device=device), alpha=2.0)
    assert host(x).tolist() == [2.0, 2.0, 2.0]
    z = ag.zeros(4, device=device)
    z.fill_(2.0).div_(4.0)
    z.clamp_(max=0.25)
    assert host(z).tolist() == [0.25] * 4
    z.copy_(ag.arange(4, device=device))
    assert host(z).tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="\\(3,\\).*\\(4,\\)"):
        z.copy_(ag.ones(3, device=device))


def test_random_inplace_draws_from_seeded_generator(device):
    ag.manual_seed(3)
    a = ag.empty(5, device=device).uniform_(-1, 1)
    ag.manual_seed(3)
    b = ag.empty(5, device=device).uniform_(-1, 1)
    assert host(a).tolist() == host(b).tolist()
    assert (host(a) >= -1).all() and (host(a) < 1).all()
    n = ag.empty(2000, device=device).normal_(3.0, 0.5)
    assert abs(float(host(n).mean()) - 3.0) < 0.05


def test_grad_setter_validates(device):
    x = ag.ones(2, device=device, requires_grad=True)
    x.grad = ag.zeros(2, device=device)
    with pytest.raises(ValueError, match="shape \\(3,\\)"):
        x.grad = ag.zeros(3, device=device)
    with pytest.raises(TypeError):
        x.grad = [1.0, 2.0]
    x.grad = None


def test_data_property(device):
    x = ag.ones(2, device=device, requires_grad=True)
    d = x.data
    assert not d.requires_grad
    x.data = ag.zeros(2, device=device)
    assert host(x).tolist() == [0.0, 0.0] and x.requires_grad


def test_repr():
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(ag.ones(1, requires_grad=True))
    assert "dtype=float64" in repr(ag.ones(1, dtype=ag.float64))
    assert "grad_fn=<MulScalarBackward>" in repr(ag.ones(1, requires_grad=True) * 2)


def test_numpy_operands_on_either_side(device):
    x = ag.tensor([1.0, 2.0], device=device)
    a = numpy.array([10.0, 20.0], dtype=numpy.float32)
    for y in (a * x, x * a, a + x, a - x, x / a, a / x):
        assert isinstance(y, ag.Tensor) and y.dtype == ag.float32
    assert host(a - x).tolist() == [9.0, 18.0]


def test_hash_is_identity():
    x, y = ag.ones(1), ag.ones(1)
    assert len({x, y}) == 2 and {x: 1}[x] == 1


def test_float64_stays_float64_and_float32_stays_float32(device):
    for dt in (ag.float32, ag.float64):
        x = ag.tensor([0.5, 1.5], dtype=dt, device=device, requires_grad=True)
        y = ((x * 2.0 + 1.0) / 3.0 - 0.5) ** 2.0
        y = y.exp().log().sqrt().sin().cos().tanh().sigmoid().relu().softplus()
        y.sum().backward()
        assert y.dtype == dt and x.grad.dtype == dt


def test_augmented_assignment(device):
    w = ag.ones(3, device=device, requires_grad=True)
    ref = w
    (w * w).sum().backward()
    with ag.no_grad():
        w -= 0.5 * w.grad          # in place: the optimizer idiom
    assert ref is w and host(w).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w += 1.0
    x = ag.ones(2, device=device, requires_grad=True)
    out = x * 2
    before = out
    out += x                        # part of a graph: rebinds to out + x (a residual connection)
    assert out is not before
    out.sum().backward()
    assert host(x.grad).tolist() == [3.0, 3.0]
    i = ag.tensor([1, 2], device=device)
    with pytest.raises(TypeError, match="int64"):
        i += 0.5
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        i += ag.tensor([1, 2, 3], device=device)
    i *= 3
    assert host(i).tolist() == [3, 6]


def test_new_factories_and_where_method(device):
    x = ag.tensor([1.0, -2.0], dtype=ag.float64, device=device)
    z = x.new_zeros(3)
    assert z.dtype == ag.float64 and z.device == x.device and host(z).tolist() == [0.0, 0.0, 0.0]
    assert x.new_ones((2, 2)).shape == (2, 2) and x.new_full((2,), 7.0).tolist() == [7.0, 7.0]
    assert x.new_tensor([1, 2]).dtype == ag.float64 and x.new_empty(4).shape == (4,)
    assert host(x.where(x > 0, ag.zeros_like(x))).tolist() == [1.0, 0.0]
