"""The backward engine: accumulation, ordering, memory, retain_graph, grad(), hooks, modes, anomaly."""

import gc
import subprocess
import sys
import textwrap
import weakref

import numpy
import pytest

import autograd_core as ag
from autograd_core import Function
from autograd_core.ops.arith import Add
from checks import host


def run_python(code):
    """Run ``code`` in a fresh interpreter (default recursion limit) and return its stdout."""
    root = __file__.rsplit("/tests/", 1)[0]
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=root, timeout=600)
    assert proc.returncode == 0, f"subprocess failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_long_chain_backpropagates_at_default_recursion_limit():
    out = run_python("""
        import sys
        import autograd_core as ag
        assert sys.getrecursionlimit() <= 1000
        x = ag.tensor([1.0, 2.0], requires_grad=True, dtype=ag.float64)
        y = x
        for _ in range(100_000):
            y = y * 1.0
        y.sum().backward()
        print(x.grad.tolist())
    """)
    assert out.strip() == "[1.0, 1.0]"


def test_huge_graph_is_freed_at_default_recursion_limit():
    out = run_python("""
        import gc, sys, weakref
        import autograd_core as ag
        gc.disable()
        x = ag.ones(2, requires_grad=True)
        y = x
        for _ in range(300_000):
            y = y + 1.0
        probe = weakref.ref(y.grad_fn)
        del y                      # frees the 300,000-node graph without backward
        assert probe() is None
        y = x
        for _ in range(300_000):
            y = y * 1.0
        y.sum().backward()         # and after a backward
        probe = weakref.ref(y)
        del y
        assert probe() is None
        print("freed")
    """)
    assert out.strip() == "freed"


def test_aliased_inputs_accumulate_and_each_node_runs_once(monkeypatch, device):
    calls = []
    original = Add.backward

    def counting(self, gy):
        calls.append(self)
        return original(self, gy)

    monkeypatch.setattr(Add, "backward", counting)
    a = ag.tensor([1.0, -2.0], device=device, requires_grad=True)
    b = a + a
    c = b + b
    c.sum().backward()
    assert host(a.grad).tolist() == [4.0, 4.0]
    assert len(calls) == 2 and calls[0] is not calls[1]


def test_diamond_graph_gradient(device):
    x = ag.tensor(3.0, dtype=ag.float64, device=device, requires_grad=True)
    a = x * 2.0
    b = a.exp()
    c = a.sin()
    (b * c).backward()
    xv = 3.0
    expected = 2 * numpy.exp(2 * xv) * numpy.sin(2 * xv) + numpy.exp(2 * xv) * 2 * numpy.cos(2 * xv)
    assert abs(x.grad.item() - expected) < 1e-9 * abs(expected)


def test_intermediate_is_freed_after_backward_with_gc_disabled(device):
    gc.disable()
    try:
        x = ag.randn(4, device=device, requires_grad=True)
        y = x.exp()
        z = (y * y).sin()
        probe = weakref.ref(y)
        node_probe = weakref.ref(y.grad_fn)
        del y
        assert probe() is not None  # still saved by the graph
        z.sum().backward()
        assert probe() is None      # released with the saved values, no cycle to collect
        del z
        assert node_probe() is None
    finally:
        gc.enable()


def test_second_backward_raises_without_retain_graph(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_accumulates_exactly(device):
    x = ag.tensor([1.0, 2.0, -3.0], dtype=ag.float64, device=device, requires_grad=True)
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    first = host(x.grad).copy()
    y.backward(retain_graph=True)
    y.backward()
    numpy.testing.assert_array_equal(host(x.grad), first + first + first)
    numpy.testing.assert_allclose(first, 3 * numpy.array([1.0, 4.0, 9.0]))


def test_no_grad_outputs_have_no_grad_fn(device):
    x = ag.ones(3, device=device, requires_grad=True)
    with ag.no_grad():
        y = x * 2 + 1
        assert not ag.is_grad_enabled()
        with ag.enable_grad():
            z = x * 2
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None and z.requires_grad
    assert ag.is_grad_enabled()


def test_grad_mode_decorators_and_set_grad_enabled(device):
    x = ag.ones(2, device=device, requires_grad=True)

    @ag.no_grad()
    def f():
        return x * 2

    @ag.set_grad_enabled(False)
    def g():
        return x * 2

    assert ag.is_grad_enabled()  # decorating must not change the mode
    assert f().grad_fn is None and g().grad_fn is None
    with ag.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert ag.is_grad_enabled()
    ag.set_grad_enabled(False)
    try:
        assert (x * 2).grad_fn is None
    finally:
        ag.set_grad_enabled(True)
    with pytest.raises(TypeError):
        ag.set_grad_enabled("yes")


def test_requires_grad_on_integer_tensor_raises(device):
    with pytest.raises(TypeError, match="floating-point.*int64"):
        ag.tensor([1, 2, 3], device=device, requires_grad=True)
    t = ag.tensor([1, 2], device=device)
    with pytest.raises(TypeError, match="int64"):
        t.requires_grad_()


def test_backward_errors(device):
    x = ag.ones(3, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs.*\\(3,\\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(3, device=device).sum().backward()
    with pytest.raises(ValueError, match="shape \\(2,\\).*shape \\(3,\\)"):
        (x * 2).backward(ag.ones(2, device=device))


def test_nonscalar_backward_with_gradient(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * 3).backward(ag.tensor([1.0, 10.0], device=device))
    assert host(x.grad).tolist() == [3.0, 30.0]


def test_leaf_grad_is_its_own_writable_array(device):
    x = ag.ones(3, device=device, requires_grad=True)
    z = ag.ones(3, device=device, requires_grad=True)
    (x + z).sum().backward()
    x.grad.zero_()  # must not touch z.grad, nor fail on a read-only broadcast view
    assert host(z.grad).tolist() == [1.0, 1.0, 1.0]
    seed = ag.ones(3, device=device)
    w = ag.ones(3, device=device, requires_grad=True)
    (w + 0.0).backward(seed)
    w.grad.mul_(5.0)
    assert host(seed).tolist() == [1.0, 1.0, 1.0]


def test_autograd_grad_and_allow_unused(device):
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    unused = ag.tensor([5.0], dtype=ag.float64, device=device, requires_grad=True)
    y = (x ** 3).sum()
    (gx,) = ag.grad(y, x, retain_graph=True)
    assert host(gx).tolist() == [3.0, 12.0]
    assert x.grad is None  # grad() does not accumulate
    with pytest.raises(RuntimeError, match="input 1.*allow_unused=True"):
        ag.grad(y, [x, unused], retain_graph=True)
    gx2, gu = ag.grad(y, [x, unused], allow_unused=True)
    assert gu is None and host(gx2).tolist() == [3.0, 12.0]


def test_grad_wrt_intermediate(device):
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()
    (gh,) = ag.grad(y, h)
    assert host(gh).tolist() == [6.0, 12.0]


def test_higher_order_gradients(device):
    x = ag.tensor(1.5, dtype=ag.float64, device=device, requires_grad=True)
    y = x ** 4
    (g1,) = ag.grad(y, x, create_graph=True)
    (g2,) = ag.grad(g1, x, create_graph=True)
    (g3,) = ag.grad(g2, x)
    assert abs(g1.item() - 4 * 1.5 ** 3) < 1e-12
    assert abs(g2.item() - 12 * 1.5 ** 2) < 1e-12
    assert abs(g3.item() - 24 * 1.5) < 1e-12


def test_create_graph_backward_then_backward_again(device):
    x = ag.tensor([0.3, -0.7], dtype=ag.float64, device=device, requires_grad=True)
    y = (x.sin() * x).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    xv = numpy.array([0.3, -0.7])
    numpy.testing.assert_allclose(host(x.grad), 2 * numpy.cos(xv) - xv * numpy.sin(xv), rtol=1e-12)


def test_backward_inputs_argument(device):
    a = ag.tensor([1.0], device=device, requires_grad=True)
    b = ag.tensor([2.0], device=device, requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert host(a.grad).tolist() == [2.0] and b.grad is None


def test_hooks_on_leaf_and_intermediate(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(host(g).tolist()))
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    (y * 1.0).sum().backward()
    assert host(y.grad).tolist() == [10.0, 10.0]  # retain_grad sees the hooked gradient
    assert host(x.grad).tolist() == [20.0, 20.0]
    assert seen == [[20.0, 20.0]]
    handle.remove()
    x.grad = None
    (x * 1.0).sum().backward()
    assert seen == [[20.0, 20.0]]
    assert y.retains_grad and not x.retains_grad


def test_retain_grad_accumulates(device):
    x = ag.ones(2, device=device, requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert host(y.grad).tolist() == [8.0, 8.0]
    assert host(x.grad).tolist() == [16.0, 16.0]


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_detect_anomaly_names_the_forward_op(device):
    x = ag.tensor([0.0, 1.0], device=device, requires_grad=True)
    with ag.detect_anomaly():
        y = x.sqrt()  # d sqrt / dx is inf at 0
        with pytest.raises(RuntimeError, match="SqrtBackward.*nan or inf") as info:
            y.sum().backward()
    assert "test_engine.py" in str(info.value)  # the forward line is named
    x2 = ag.tensor([0.0, 1.0], device=device, requires_grad=True)
    x2.sqrt().sum().backward()  # outside the mode: no check
    assert numpy.isinf(host(x2.grad)[0])


class Cube(Function):
    """y = x^3; dL/dx = 3 x^2 gy (a user-defined op)"""

    saves_inputs = True

    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 3.0 * x * x


def test_user_defined_function_and_double_backward(device):
    x = ag.tensor([2.0], dtype=ag.float64, device=device, requires_grad=True)
    y = Cube.apply(x)
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    assert g.item() == 12.0 and gg.item() == 12.0
    assert ag.gradcheck(lambda t: Cube.apply(t), (x,))
    assert ag.gradgradcheck(lambda t: Cube.apply(t), (x,))


def test_device_mismatch_names_both_devices(monkeypatch):
    from backends import Device, NumpyBackend

    other = NumpyBackend()
    other.device = Device("cuda", 7)  # a stand-in second device, to test the message without a GPU
    a = ag.ones(2)
    b = ag.ones(2)
    b._backend = other
    with pytest.raises(RuntimeError, match="same device.*cpu.*cuda:7"):
        a + b


def test_lecture_two_layer_backprop_matches_the_error_formulas():
    """h1 = W1 x + b1, x1 = tanh(h1), y_hat = W2 . x1 + b2, L = (y_hat - y)^2 / 2 (lecture eq. 7.5-7.14)."""
    rng = numpy.random.default_rng(0)
    d, n = 3, 4
    W1v, b1v, W2v, b2v, xv, yv = (rng.standard_normal(s) for s in [(n, d), (n,), (n,), (), (d,), ()])
    W1, b1, W2, b2 = (ag.tensor(v, requires_grad=True) for v in (W1v, b1v, W2v, b2v))
    x = ag.tensor(xv)
    h1 = (W1 * x).sum(dim=1) + b1
    x1 = h1.tanh()
    y_hat = (W2 * x1).sum() + b2
    loss = (y_hat - yv) ** 2 / 2
    loss.backward()
    h1v = W1v @ xv + b1v
    x1v = numpy.tanh(h1v)
    e2 = (W2v @ x1v + b2v - yv) * 1.0               # e^(2) = (y_hat - y) sigma2'(h2), sigma2 = identity
    e1 = e2 * W2v * (1 - numpy.tanh(h1v) ** 2)       # e^(1)_a = e^(2) W2_a sigma1'(h1_a)
    numpy.testing.assert_allclose(host(W2.grad), e2 * x1v, rtol=1e-12)        # dL/dW2_a = e^(2) X1_a
    numpy.testing.assert_allclose(host(b2.grad), e2, rtol=1e-12)               # dL/db2 = e^(2)
    numpy.testing.assert_allclose(host(W1.grad), numpy.outer(e1, xv), rtol=1e-12)  # dL/dW1_ab = e1_a x_b
    numpy.testing.assert_allclose(host(b1.grad), e1, rtol=1e-12)               # dL/db1_a = e1_a


class Leaf(ag.Tensor):
    """A Tensor subclass, as nn.Parameter is."""

    __slots__ = ()


def test_tensor_subclasses_are_leaves_everywhere(device):
    w = Leaf(ag.tensor([[1.0, 2.0], [3.0, 4.0]], device=device), requires_grad=True)
    x = ag.tensor([[1.0], [1.0]], device=device)
    y = (w @ x).sum() + (w * 2.0).sum() + (x.T * w).sum() + ag.maximum(w, 0.0).sum() + w[0].sum()
    y.backward()
    assert isinstance(w, Leaf)
    assert host(w.grad).tolist() == [[6.0, 6.0], [5.0, 5.0]]
