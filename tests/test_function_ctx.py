"""Custom Functions in PyTorch's form: static ``forward(ctx, ...)`` / ``backward(ctx, ...)`` on Tensors, with
``save_for_backward``, ``saved_tensors``, ``needs_input_grad``, non-Tensor arguments, ``setup_context``,
several outputs and ``mark_non_differentiable``; gradients of two orders by finite differences, and the errors
a user can cause. The engine's own form (forward on arrays) keeps working and says what to do with a non-Tensor
positional argument."""

import numpy
import pytest

import autograd_core as ag
from checks import host, torch_or_skip


class MyExp(ag.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class MulConstant(ag.autograd.Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


class LinearFunction(ag.autograd.Function):
    """PyTorch's documented example, in its setup_context form."""

    @staticmethod
    def forward(input, weight, bias=None):
        output = input @ weight.t()
        return output if bias is None else output + bias

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output @ weight
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t() @ input
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class SortWithIndex(ag.autograd.Function):
    """Two outputs, one of them integer indices marked non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        values, index = ag.sort(x)
        ctx.mark_non_differentiable(index)
        ctx.save_for_backward(index)
        ctx.n = x.shape[0]
        return values, index

    @staticmethod
    def backward(ctx, grad_values, grad_index):
        (index,) = ctx.saved_tensors
        return ag.zeros(ctx.n, dtype=grad_values.dtype, device=grad_values.device).scatter(0, index, grad_values)


def f64(values, device, requires_grad=True):
    return ag.tensor(numpy.asarray(values, dtype=numpy.float64), dtype=ag.float64, device=device,
                     requires_grad=requires_grad)


def test_ctx_function_first_and_second_order(device):
    x = f64([0.5, -1.0, 2.0], device)
    y = MyExp.apply(x)
    assert repr(y.grad_fn) == "<MyExpBackward>" and y.requires_grad
    numpy.testing.assert_allclose(host(y.detach()), numpy.exp([0.5, -1.0, 2.0]), rtol=1e-15)
    y.sum().backward()
    numpy.testing.assert_allclose(host(x.grad), numpy.exp([0.5, -1.0, 2.0]), rtol=1e-15)
    # the saved output comes back as this node's output, so create_graph reaches through it
    (g,) = ag.grad(MyExp.apply(x).sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    numpy.testing.assert_allclose(host(gg), numpy.exp([0.5, -1.0, 2.0]), rtol=1e-15)
    assert ag.gradcheck(MyExp.apply, (x,)) and ag.gradgradcheck(MyExp.apply, (x,))


def test_ctx_function_with_a_number_argument(device):
    x = f64([1.0, 2.0], device)
    assert ag.gradcheck(lambda t: MulConstant.apply(t, 3.0), (x,))
    MulConstant.apply(x, 3.0).sum().backward()
    assert host(x.grad).tolist() == [3.0, 3.0]


@pytest.mark.parametrize("with_bias", [True, False])
def test_setup_context_form_and_needs_input_grad(with_bias, device):
    rng = numpy.random.default_rng(0)
    a, w = f64(rng.standard_normal((4, 3)), device), f64(rng.standard_normal((2, 3)), device)
    if with_bias:
        fn, args = LinearFunction.apply, (a, w, f64(rng.standard_normal(2), device))
    else:  # (as in PyTorch, setup_context's inputs are the arguments given: pass the None)
        fn, args = (lambda p, q: LinearFunction.apply(p, q, None)), (a, w)
    assert ag.gradcheck(fn, args) and ag.gradgradcheck(fn, args)
    frozen = f64(rng.standard_normal((2, 3)), device, requires_grad=False)
    LinearFunction.apply(a, frozen, None).sum().backward()  # needs_input_grad[1] False: no grad_weight
    assert frozen.grad is None and a.grad is not None


def test_several_outputs_and_a_non_differentiable_one(device):
    x = f64([3.0, 1.0, 2.0], device)
    values, index = SortWithIndex.apply(x)
    assert values.requires_grad and not index.requires_grad and index.grad_fn is None
    assert host(values.detach()).tolist() == [1.0, 2.0, 3.0] and host(index).tolist() == [1, 2, 0]
    (values * f64([1.0, 10.0, 100.0], device, requires_grad=False)).sum().backward()
    assert host(x.grad).tolist() == [100.0, 1.0, 10.0]


def test_ctx_function_without_grad_records_nothing(device):
    x = f64([1.0], device)
    with ag.no_grad():
        y = MyExp.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    assert MyExp.apply(f64([1.0], device, requires_grad=False)).grad_fn is None


def test_ctx_function_errors(device):
    x = f64([1.0, 2.0], device)

    class TooFew(ag.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="returned 1 gradient.*forward took 2"):
        TooFew.apply(x, x).sum().backward()

    class WrongShape(ag.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a.sum()

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=r"gradient 0 has shape \(\), but forward's argument 0 has shape \(2,\)"):
        WrongShape.apply(x).backward()

    class NotATensor(ag.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return 3.0

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="returned a float"):
        NotATensor.apply(x)
    with pytest.raises(TypeError, match="at least one Tensor"):
        MulConstant.apply(2.0, 3.0)
    y = MyExp.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_engine_form_names_a_non_tensor_positional_argument():
    class Scale(ag.Function):
        def forward(self, x, c=1.0):
            self.c = c
            return x * c

        def backward(self, g):
            return g * self.c

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"argument 1 is a float, not a Tensor; give non-Tensor arguments by keyword"):
        Scale.apply(x, 3.0)
    Scale.apply(x, c=3.0).sum().backward()
    assert host(x.grad).tolist() == [3.0, 3.0]


def test_ctx_function_matches_torch():
    torch = torch_or_skip()

    class TorchExp(torch.autograd.Function):
        forward = MyExp.forward
        backward = MyExp.backward

    v = numpy.array([0.25, -2.0, 1.5])
    ours = f64(v, "cpu")
    theirs = torch.tensor(v, requires_grad=True)
    MyExp.apply(ours).pow(2).sum().backward()
    TorchExp.apply(theirs).pow(2).sum().backward()
    numpy.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), rtol=1e-15)


# --- once_differentiable ------------------------------------------------------------------------------
from autograd_core.autograd.function import once_differentiable  # noqa: E402  (PyTorch's import path)


class OnceSquare(ag.autograd.Function):
    calls = []

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        OnceSquare.calls.append(ag.is_grad_enabled())
        return g * 2 * x


def test_once_differentiable_first_order_and_grad_mode_off_inside():
    x = ag.tensor([1.5, -2.0], dtype=ag.float64, requires_grad=True)
    OnceSquare.calls.clear()
    OnceSquare.apply(x).sum().backward()
    assert host(x.grad).tolist() == [3.0, -4.0]
    g, = ag.autograd.grad(OnceSquare.apply(x).sum(), x, create_graph=True)
    assert OnceSquare.calls == [False, False]  # its own operations are not recorded, even under create_graph
    assert host(g).tolist() == [3.0, -4.0] and not g.requires_grad
    assert ag.autograd.once_differentiable is once_differentiable


def test_once_differentiable_raises_when_differentiated_again_as_torch():
    x = ag.tensor([1.5, -2.0], dtype=ag.float64, requires_grad=True)
    g, = ag.autograd.grad((OnceSquare.apply(x) * x).sum(), x, create_graph=True)  # the upstream grad needs x
    assert host(g).tolist() == [6.75, 12.0] and g.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with @once_differentiable"):
        g.sum().backward()
    torch = torch_or_skip()

    class TorchOnce(torch.autograd.Function):
        forward = OnceSquare.forward

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    tx = torch.tensor([1.5, -2.0], dtype=torch.float64, requires_grad=True)
    tg, = torch.autograd.grad((TorchOnce.apply(tx) * tx).sum(), tx, create_graph=True)
    numpy.testing.assert_array_equal(host(g), tg.detach().numpy())
    with pytest.raises(RuntimeError, match="differentiate twice"):
        tg.sum().backward()
