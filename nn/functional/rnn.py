"""The maths of PyTorch's recurrent layers (nn/rnn.py): one time step of each cell, and the loop over time.

Notation as in the lecture, for one example (a batch stacks examples as rows, so W x is computed as
x W^T): x_t is the input at step t, h_{t-1} the previous hidden state, W_ih / W_hh the input-to-hidden
and hidden-to-hidden weights with biases b_ih / b_hh, sigma the logistic sigmoid, * the elementwise
product. A cell's weights stack its gates' rows in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n).

    RNN    h_t = g(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),   g = tanh or relu

    LSTM   i_t = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)          input gate
           f_t = sigma(W_if x_t + b_if + W_hf h_{t-1} + b_hf)          forget gate
           g_t = tanh (W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)          candidate cell
           o_t = sigma(W_io x_t + b_io + W_ho h_{t-1} + b_ho)          output gate
           c_t = f_t * c_{t-1} + i_t * g_t
           h_t = o_t * tanh(c_t)                  (with proj_size > 0: h_t = W_hr (o_t * tanh(c_t)))

    GRU    r_t = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
           z_t = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
           n_t = tanh (W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))  candidate (reset inside the bracket)
           h_t = (1 - z_t) * n_t + z_t * h_{t-1}   (computed as n_t + z_t * (h_{t-1} - n_t))

The gradient is backpropagation through time, taken by the engine through the ops below (so it is
differentiable again: create_graph=True works). For the RNN, with a_t the pre-activation and
e_t = dL/da_t (the lecture's error):

    e_t = g'(a_t) * (dL/dh_t + W_hh^T e_{t+1}),   dL/dW_hh = sum_t e_t h_{t-1}^T,
    dL/dW_ih = sum_t e_t x_t^T,   dL/db_ih = dL/db_hh = sum_t e_t,   dL/dx_t = W_ih^T e_t

where dL/dh_t is what the layer's output at t receives from above; the LSTM and GRU follow the same
chain rule through their gates.

Cost: the loop over time steps is a Python loop (step t needs h_{t-1}). The input projection
W_ih x_t + b_ih of the whole sequence is one matmul before the loop; each step then makes one
hidden-to-hidden matmul (plus one W_hr matmul with a projection) and a few elementwise ops.
"""

from autograd_core.ops import add, cat, chunk, mul, relu, sigmoid, split, stack, sub, tanh, unbind

from .dropout import dropout as _dropout
from .linear import Linear

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


def _affine(x, w, b):
    """x W^T + b (b may be None): one GEMM node, the shapes already checked by the caller."""
    return Linear.apply(x, w) if b is None else Linear.apply(x, w, b)


# --- one time step, given the input projection xw = W_ih x_t + b_ih ---------------------------------
def _rnn_step(xw, h, w_hh, b_hh, act):
    """h_t = act(xw + W_hh h_{t-1} + b_hh)."""
    return act(add(xw, _affine(h, w_hh, b_hh)))


def _lstm_step(xw, state, w_hh, b_hh, w_hr=None):
    """(h_t, c_t) from (h_{t-1}, c_{t-1}): the gates i, f, g, o as in the module docstring."""
    h, c = state
    i, f, g, o = chunk(add(xw, _affine(h, w_hh, b_hh)), 4, dim=-1)
    c = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)))
    h = mul(sigmoid(o), tanh(c))
    if w_hr is not None:
        h = _affine(h, w_hr, None)
    return h, c


def _gru_step(xw, h, w_hh, b_hh):
    """h_t from h_{t-1}; ``xw`` is the pair (W_i[rz] x_t + b_i[rz], W_in x_t + b_in)."""
    x_rz, x_n = xw
    hidden = h.shape[-1]
    h_rz, h_n = split(_affine(h, w_hh, b_hh), [2 * hidden, hidden], dim=-1)
    r, z = chunk(sigmoid(add(x_rz, h_rz)), 2, dim=-1)
    n = tanh(add(x_n, mul(r, h_n)))
    return add(n, mul(z, sub(h, n)))


def _act(mode):
    return relu if mode == "RNN_RELU" else tanh


def _project(mode, x, w_ih, b_ih):
    """The input projection of every step at once (one matmul), in the form the step takes:
    a tensor of shape (..., gates * hidden), or for the GRU the pair (r and z part, n part)."""
    xw = _affine(x, w_ih, b_ih)
    if mode == "GRU":
        hidden = w_ih.shape[0] // 3
        return tuple(split(xw, [2 * hidden, hidden], dim=-1))
    return xw


def _step(mode, xw, state, w_hh, b_hh, w_hr):
    if mode == "LSTM":
        return _lstm_step(xw, state, w_hh, b_hh, w_hr)
    if mode == "GRU":
        return _gru_step(xw, state, w_hh, b_hh)
    return _rnn_step(xw, state, w_hh, b_hh, _act(mode))


def cell(mode, input, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of a cell (RNNCell, LSTMCell, GRUCell) on a batch: input (N, H_in), state h (N, H) or,
    for the LSTM, the pair (h, c). Returns the new state in the same form."""
    return _step(mode, _project(mode, input, w_ih, b_ih), state, w_hh, b_hh, None)


# --- the loop over time -------------------------------------------------------------------------
def _direction(mode, x, state, weights, reverse):
    """Run one layer in one direction over x (L, N, H_in); returns (outputs (L, N, H_out), final state)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    xw = _project(mode, x, w_ih, b_ih)
    steps = list(zip(*(unbind(part, 0) for part in xw))) if mode == "GRU" else list(unbind(xw, 0))
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    outs = [None] * len(steps)
    for t in order:
        state = _step(mode, steps[t], state, w_hh, b_hh, w_hr)
        outs[t] = state[0] if mode == "LSTM" else state
    return stack(outs, 0), state


def recurrent(mode, input, states, weights, num_layers=1, bidirectional=False, dropout=0.0, training=False):
    """A stack of ``num_layers`` recurrent layers (each forward, and backward in time when
    ``bidirectional``) over a time-major batch.

    input    (L, N, H_in)
    states   the initial state of each layer and direction, index ``layer * D + direction``
             (D = 2 if bidirectional else 1): h (N, H_out), or (h, c) for the LSTM
    weights  (w_ih, w_hh, b_ih, b_hh, w_hr) per layer and direction, in the same order (None where absent)

    Layer l > 0 reads the concatenated outputs [forward, backward] of layer l - 1, after dropout with
    probability ``dropout`` when ``training`` (never after the last layer). Returns the last layer's
    output (L, N, D * H_out) and the list of final states (same order as ``states``).
    """
    if mode not in MODES:
        raise ValueError(f"recurrent: unknown mode {mode!r}, expected one of {MODES}")
    dirs = 2 if bidirectional else 1
    x, finals = input, []
    for layer in range(num_layers):
        if layer > 0 and dropout > 0 and training:
            x = _dropout(x, dropout, True)
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            out, final = _direction(mode, x, states[k], weights[k], reverse=d == 1)
            outs.append(out)
            finals.append(final)
        x = cat(outs, -1) if dirs == 2 else outs[0]
    return x, finals
