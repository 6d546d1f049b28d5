"""gradcheck / gradgradcheck catch wrong gradients and say where."""

import warnings

import pytest

import autograd_core as ag
from autograd_core import Function, GradcheckError, gradcheck, gradgradcheck


class WrongSquare(Function):
    """y = x^2 with a deliberately wrong gradient at element 1."""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, gy):
        (x,) = self.inputs
        bump = ag.zeros(x.shape, dtype=x.dtype)
        bump[1] = 1.0
        return gy * (2.0 * x + bump)


class ConstantBackward(Function):
    """y = x^3 whose backward uses raw arrays: right first derivative, no second derivative."""

    saves_inputs = True

    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        x = self.inputs[0].detach()
        return gy * (3.0 * x * x)


def x64(*values):
    return ag.tensor(list(values), dtype=ag.float64, requires_grad=True)


def test_passes_on_correct_gradients():
    assert gradcheck(lambda x: (x * x).sin(), (x64(0.1, 0.2, 0.3),))
    assert gradcheck(lambda x, y: x * y + y.exp(), (x64(0.5, 1.0), x64(2.0, -1.0)))
    assert gradcheck(lambda x: x.tanh(), x64(0.1, 0.7), fast_mode=True)


def test_names_input_and_element():
    with pytest.raises(GradcheckError, match="input 0.*input element \\(1,\\).*numerical.*analytical"):
        gradcheck(lambda x: WrongSquare.apply(x), (x64(1.0, 2.0, 3.0),))
    assert gradcheck(lambda x: WrongSquare.apply(x), (x64(1.0, 2.0, 3.0),), raise_exception=False) is False


def test_names_second_input():
    a = x64(1.0, 2.0, 3.0)
    b = x64(0.5, 0.5, 0.5)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: a + WrongSquare.apply(b), (a, b))


def test_fast_mode_catches_and_locates():
    with pytest.raises(GradcheckError, match="fast mode.*input 0.*input element \\(1,\\)"):
        gradcheck(lambda x: WrongSquare.apply(x), (x64(1.0, 2.0, 3.0),), fast_mode=True)


def test_gradgradcheck_catches_missing_second_derivative():
    x = x64(0.5, -1.0)
    assert gradcheck(lambda t: ConstantBackward.apply(t), (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda t: ConstantBackward.apply(t), (x,))


def test_warns_on_float32():
    x = ag.tensor([0.5, 1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="float32.*float64"):
        gradcheck(lambda t: t * 2.0, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_no_float64_warning_for_float64():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(lambda t: t * 2.0, (x64(1.0),))


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires grad"):
        gradcheck(lambda t: t * 2.0, (ag.tensor([1.0], dtype=ag.float64),))


def test_non_tensor_arguments_pass_through():
    assert gradcheck(lambda t, k: t * k, (x64(1.0, 2.0), 3.0))


def test_large_input_fast_mode():
    x = ag.randn(64, 64, dtype=ag.float64, requires_grad=True)
    assert gradcheck(lambda t: (t.sin() * t).sum(dim=0), (x,), fast_mode=True)
