"""Recurrent layers with PyTorch's names, signatures, parameters and semantics: RNN, LSTM, GRU and
the cells RNNCell, LSTMCell, GRUCell.

The formulas (gate order LSTM: i, f, g, o; GRU: r, z, n, the reset gate applied to W_hn h + b_hn),
their gradients and the cost of the loop over time are in nn/functional/rnn.py. In short:

    RNN    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)          (or relu)
    LSTM   [i, f, g, o] = [sigma, sigma, tanh, sigma](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
           c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)           (h_t = W_hr (o * tanh(c_t)) with proj_size)
    GRU    [r, z] = sigma(W_i[rz] x_t + b_i[rz] + W_h[rz] h_{t-1} + b_h[rz])
           n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn)),   h_t = (1 - z) * n + z * h_{t-1}

Parameters (per layer k, ``_reverse`` appended for the backward direction; G gates: RNN 1, LSTM 4,
GRU 3; H_out = proj_size if proj_size > 0 else hidden_size; D = 2 if bidirectional else 1):
weight_ih_lk (G * hidden, input_size for k = 0 else D * H_out), weight_hh_lk (G * hidden, H_out),
bias_ih_lk and bias_hh_lk (G * hidden,), weight_hr_lk (proj_size, hidden) -- registered in that order,
so state_dict keys equal PyTorch's and its state_dicts load. Every parameter starts as
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as in PyTorch.

Shapes of ``forward(input, hx=None)``: input (L, N, H_in), or (N, L, H_in) with batch_first, or
unbatched (L, H_in); hx (D * num_layers, N, H_out) (without N when unbatched; zeros when None), for the
LSTM the pair (h_0, c_0) with c_0 of size hidden_size. Returns (output, h_n), for the LSTM
(output, (h_n, c_n)); output (L, N, D * H_out) (batch first if batch_first), h_n like hx.
"""

import math
import numbers
import warnings

import autograd_core as ag
from autograd_core import Tensor

from . import init
from .functional import rnn as R
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _positive(value, what, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")
    return int(value)


def _nonlinearity_mode(nonlinearity, name):
    if nonlinearity == "tanh":
        return "RNN_TANH"
    if nonlinearity == "relu":
        return "RNN_RELU"
    raise ValueError(f"{name}: unknown nonlinearity {nonlinearity!r}, expected 'tanh' or 'relu'")


def _check_input(input, input_size, dtype, name, batched_dims):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
    lo, hi = batched_dims - 1, batched_dims
    if input.ndim not in (lo, hi):
        raise ValueError(f"{name}: expected a {lo}-D (unbatched) or {hi}-D (batched) input, got a {input.ndim}-D "
                         f"input of shape {tuple(input.shape)}")
    if input.shape[-1] != input_size:
        raise ValueError(f"{name}: input has {input.shape[-1]} features (input shape {tuple(input.shape)}) but "
                         f"input_size is {input_size}")
    if input.dtype != dtype:
        raise TypeError(f"{name}: input dtype {input.dtype.name} does not match the parameters' dtype {dtype.name}")
    return input.ndim == hi


def _check_state(t, expected, what, name, dtype):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(t).__name__}")
    if tuple(t.shape) != tuple(expected):
        raise ValueError(f"{name}: expected {what} of shape {tuple(expected)}, got {tuple(t.shape)}")
    if t.dtype != dtype:
        raise TypeError(f"{name}: {what} dtype {t.dtype.name} does not match the parameters' dtype {dtype.name}")


class RNNBase(Module):
    """Shared by RNN, LSTM and GRU: the parameters, their initialisation and the forward's checks."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{name}: unknown mode {mode!r}, expected one of {tuple(_GATES)}")
        self.mode = mode
        self.input_size = _positive(input_size, "input_size", name)
        self.hidden_size = _positive(hidden_size, "hidden_size", name)
        self.num_layers = _positive(num_layers, "num_layers", name)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in [0, 1] (the probability of an element being "
                             f"zeroed), got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout={dropout} acts between recurrent layers only, so with num_layers=1 "
                          f"it does nothing", UserWarning, stacklevel=3)
        if isinstance(proj_size, bool) or not isinstance(proj_size, numbers.Integral) or proj_size < 0:
            raise ValueError(f"{name}: proj_size must be a non-negative integer, got {proj_size!r}")
        if proj_size >= hidden_size and proj_size > 0:
            raise ValueError(f"{name}: proj_size ({proj_size}) has to be smaller than hidden_size ({hidden_size})")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size is supported by LSTM only, got proj_size={proj_size}")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = int(proj_size)
        dirs = 2 if self.bidirectional else 1
        gate = _GATES[mode] * self.hidden_size
        out = self.proj_size or self.hidden_size
        self._flat_weights_names = []
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else dirs * out
            for d in range(dirs):
                suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
                shapes = [("weight_ih", (gate, width)), ("weight_hh", (gate, out))]
                if self.bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
                for pname, shape in shapes:
                    setattr(self, pname + suffix, Parameter(ag.empty(*shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(pname + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        """Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    @property
    def all_weights(self):
        """The parameters grouped per layer and direction, each group in registration order (as PyTorch)."""
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    def _weights(self):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) per layer and direction, None where absent."""
        groups = []
        for group in self.all_weights:
            w_ih, w_hh = group[0], group[1]
            b_ih, b_hh = (group[2], group[3]) if self.bias else (None, None)
            groups.append((w_ih, w_hh, b_ih, b_hh, group[-1] if self.proj_size else None))
        return groups

    def forward(self, input, hx=None):
        name = type(self).__name__
        dtype = self.weight_ih_l0.dtype
        batched = _check_input(input, self.input_size, dtype, name, 3)
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        length, batch = input.shape[0], input.shape[1]
        if length == 0:
            raise ValueError(f"{name}: the input sequence is empty (input shape {tuple(input.shape)})")
        dirs = 2 if self.bidirectional else 1
        out_size = self.proj_size or self.hidden_size
        h_shape = (self.num_layers * dirs, batch, out_size)
        c_shape = (self.num_layers * dirs, batch, self.hidden_size)
        shapes = [h_shape, c_shape] if self.mode == "LSTM" else [h_shape]
        what = ["h_0", "c_0"] if self.mode == "LSTM" else ["hx"]
        if hx is None:
            hx = [input.new_zeros(s) for s in shapes]
        else:
            if self.mode == "LSTM":
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(f"{name}: hx must be a pair (h_0, c_0), got {type(hx).__name__}")
                hx = list(hx)
            else:
                hx = [hx]
            for i, t in enumerate(hx):
                expected = shapes[i] if batched else shapes[i][:1] + shapes[i][2:]
                _check_state(t, expected, what[i], name, dtype)
            if not batched:
                hx = [t.unsqueeze(1) for t in hx]
        per_layer = [ag.unbind(t, 0) for t in hx]
        states = list(zip(*per_layer)) if self.mode == "LSTM" else list(per_layer[0])
        output, finals = R.recurrent(self.mode, input, states, self._weights(), self.num_layers,
                                     self.bidirectional, self.dropout, self.training)
        parts = list(zip(*finals)) if self.mode == "LSTM" else [finals]
        final = [ag.stack(list(p), 0) for p in parts]
        if not batched:
            output = output.squeeze(1)
            final = [t.squeeze(1) for t in final]
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (tuple(final) if self.mode == "LSTM" else final[0])

    def extra_repr(self):
        """As PyTorch's (the nonlinearity is not shown for RNN)."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (relu with nonlinearity='relu'),
    stacked ``num_layers`` deep. Returns (output, h_n); see the module docstring for shapes."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__(_nonlinearity_mode(nonlinearity, "RNN"), input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o), optionally with a projection W_hr of the hidden state to
    ``proj_size``. Returns (output, (h_n, c_n)); see the module docstring for shapes."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n; the reset gate scales W_hn h + b_hn). Returns (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)


# --- cells: one time step -----------------------------------------------------------------------------
class RNNCellBase(Module):
    """Shared by the cells: weight_ih (G * hidden, input_size), weight_hh (G * hidden, hidden), bias_ih,
    bias_hh (G * hidden,), all ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). Input (N, H_in) or (H_in,);
    state (N, hidden) or (hidden,), zeros when None."""

    def __init__(self, mode, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = _positive(input_size, "input_size", name)
        self.hidden_size = _positive(hidden_size, "hidden_size", name)
        self.bias = bool(bias)
        gate = _GATES[mode] * self.hidden_size
        self.weight_ih = Parameter(ag.empty(gate, self.input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(ag.empty(gate, self.hidden_size, device=device, dtype=dtype))
        if self.bias:
            self.bias_ih = Parameter(ag.empty(gate, device=device, dtype=dtype))
            self.bias_hh = Parameter(ag.empty(gate, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def forward(self, input, hx=None):
        name = type(self).__name__
        dtype = self.weight_ih.dtype
        batched = _check_input(input, self.input_size, dtype, name, 2)
        if not batched:
            input = input.unsqueeze(0)
        shape = (input.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        lstm = self.mode == "LSTM"
        if hx is None:
            state = [input.new_zeros((input.shape[0], self.hidden_size)) for _ in range(2 if lstm else 1)]
        else:
            if lstm and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
                raise TypeError(f"{name}: hx must be a pair (h_0, c_0), got {type(hx).__name__}")
            state = list(hx) if lstm else [hx]
            for t, what in zip(state, ["h_0", "c_0"] if lstm else ["hx"]):
                _check_state(t, shape, what, name, dtype)
            if not batched:
                state = [t.unsqueeze(0) for t in state]
        new = R.cell(self.mode, input, tuple(state) if lstm else state[0], self.weight_ih, self.weight_hh,
                     self.bias_ih, self.bias_hh)
        new = list(new) if lstm else [new]
        if not batched:
            new = [t.squeeze(0) for t in new]
        return tuple(new) if lstm else new[0]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (relu with nonlinearity='relu')."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(_nonlinearity_mode(nonlinearity, "RNNCell"), input_size, hidden_size, bias, device,
                         dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    """(h', c') from (h, c) by the LSTM gates i, f, g, o; forward returns the pair (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)


class GRUCell(RNNCellBase):
    """h' from h by the GRU gates r, z, n (the reset gate scales W_hn h + b_hn)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)
