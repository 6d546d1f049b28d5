"""Fully connected models: the multi-layer perceptron and the lecture's random-features model."""

import math

import autograd_core as ag

from .. import functional as F
from ..activation import ReLU
from ..containers import Sequential
from ..dropout import Dropout
from ..linear import Flatten, Linear
from ..module import Module


class MLP(Sequential):
    """x_0 -> x_l = g(W_l x_{l-1} + b_l) for each hidden size -> W_L x_{L-1} + b_L (logits).

    ``MLP(784, [512, 512], 10)`` is the 784-512-512-10 network of the benchmarks. Inputs of any
    shape are flattened after the batch dimension.
    """

    def __init__(self, in_features, hidden_sizes, out_features, activation=ReLU, dropout=0.0):
        layers = [Flatten()]
        sizes = [in_features] + list(hidden_sizes)
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [Linear(a, b), activation()]
            if dropout:
                layers.append(Dropout(dropout))
        layers.append(Linear(sizes[-1], out_features))
        super().__init__(*layers)


class RandomFeatures(Module):
    """The lecture's random-features model: y_hat = W2 g(W1 x + b1) / sqrt(n) + b2 with W1, b1 drawn
    once at random and FIXED (buffers, saved in the state_dict but never trained); only the readout
    W2, b2 learns. With ``activation="cos"`` and b1 ~ U(0, 2 pi), W1 ~ N(0, 1/bandwidth^2) this is the
    random Fourier features approximation of a Gaussian kernel (the lecture's Example 1 and 2).
    """

    _ACTIVATIONS = {"cos": ag.cos, "relu": ag.relu, "tanh": ag.tanh, "sigmoid": ag.sigmoid}

    def __init__(self, in_features, num_features, out_features=1, activation="cos", bandwidth=1.0):
        super().__init__()
        if callable(activation):
            self.activation = activation
        elif activation in self._ACTIVATIONS:
            self.activation = self._ACTIVATIONS[activation]
        else:
            raise ValueError(f"RandomFeatures: activation must be a callable or one of {list(self._ACTIVATIONS)}, "
                             f"got {activation!r}")
        self.in_features, self.num_features = in_features, num_features
        self.register_buffer("W1", ag.randn(num_features, in_features) / bandwidth)
        if activation == "cos":
            self.register_buffer("b1", ag.rand(num_features) * (2 * math.pi))
        else:
            self.register_buffer("b1", ag.zeros(num_features))
        self.readout = Linear(num_features, out_features)

    def features(self, x):
        """Phi(x) = g(W1 x + b1) / sqrt(n): the fixed random feature map."""
        return self.activation(F.linear(x.flatten(1) if x.ndim > 2 else x, self.W1, self.b1)) * (
            1.0 / math.sqrt(self.num_features))

    def forward(self, x):
        return self.readout(self.features(x))

    def extra_repr(self):
        return f"in_features={self.in_features}, num_features={self.num_features}"
