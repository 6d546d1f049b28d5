"""Ops whose first-order backward runs on arrays (no graph nodes when nobody will differentiate the
gradient) give exactly the gradient their differentiable backward gives under create_graph=True."""

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F


def _both(fn, *inputs):
    """(grads by backward(), grads by backward(create_graph=True)) of fn(*inputs) for every input."""
    out = []
    for create_graph in (False, True):
        xs = [ag.tensor(a, requires_grad=True) for a in inputs]
        fn(*xs).backward(create_graph=create_graph)
        out.append([x.grad.detach().numpy() for x in xs])
    return out


def _weighted(y):
    """sum(y * w) for fixed weights w of both signs, so that every entry's gradient differs."""
    w = np.linspace(-1, 2, y.numel()).reshape(y.shape).astype(y.dtype)
    return (y * ag.tensor(w)).sum()


CASES = {
    "relu": lambda x: _weighted(ag.relu(x)),
    "sigmoid": lambda x: _weighted(ag.sigmoid(x * 3)),
    "leaky_relu": lambda x: _weighted(ag.leaky_relu(x, 0.1)),
    "hardtanh (strict mask)": lambda x: _weighted(F.hardtanh(x, -0.5, 0.5)),
    "clamp": lambda x: _weighted(ag.clamp(x, -0.5, 0.0)),
    "softplus": lambda x: _weighted(F.softplus(x * 4, beta=2.0, threshold=3.0)),
    "silu": lambda x: _weighted(F.silu(x * 3)),
    "elu": lambda x: _weighted(F.elu(x * 3, alpha=0.7)),
    "gelu tanh": lambda x: _weighted(F.gelu(x * 3, approximate="tanh")),
    "log_softmax": lambda x: _weighted(ag.log_softmax(x, 1)),
    "cross_entropy": lambda x: F.cross_entropy(x, ag.tensor([0, 3, 1])),
    "cross_entropy sum": lambda x: F.cross_entropy(x, ag.tensor([2, 2, 1]), reduction="sum"),
    "nll_loss none": lambda x: _weighted(F.nll_loss(x, ag.tensor([1, 0, 3]), reduction="none")),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_array_backward_equals_graph_backward(name, dtype):
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(dtype)
    x[0, 1] = 0.0  # a kink of relu
    plain, graph = _both(CASES[name], x)
    for a, b in zip(plain, graph):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b)
