"""The affine map of a fully connected layer: h = W x + b, for a batch of rows x."""

from autograd_core import Function, Tensor, is_grad_enabled
from autograd_core.ops.reduce import sum as _sum
from autograd_core.ops.shape import reshape
from autograd_core.tensor import make_tensor


class Linear(Function):
    """h = x W^T + b for x of shape (..., in), W (out, in), b (out,).

    With e = dL/dh (the lecture's error):  dL/dx = e W,  dL/dW = e^T x (summed over the batch),
    dL/db = sum of e over the batch. One GEMM forward, two backward. The backend may lay h out
    column-major (the CPU does where out >= rows: ``Backend.linear_transposed``), and dL/dx like x.
    """

    saves_inputs = True

    def forward(self, x, w, b=None):
        if self.backend.linear_transposed(x, w):  # the same products, column-major (faster on the CPU)
            y = self.backend.xp.matmul(w, x.T).T
        else:
            y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        if not is_grad_enabled():  # a first-order backward (no create_graph): the same GEMMs on arrays
            return self._backward_arrays(gy)
        x, w = self.inputs[0], self.inputs[1]
        gx = gw = gb = None
        if self._next[0] is not None:
            if self.backend.linear_input_grad_transposed(gy._data, w._data, x._data):
                gx = (w.T @ gy.T).T  # column-major like x, the same call as on arrays below
            else:
                gx = gy @ w
        if self._next[1] is not None:
            g2 = reshape(gy, (-1, gy.shape[-1])) if gy.ndim != 2 else gy
            x2 = reshape(x, (-1, x.shape[-1])) if x.ndim != 2 else x
            gw = g2.T @ x2
        if len(self.inputs) == 3 and self._next[2] is not None:
            gb = _sum(gy, dim=tuple(range(gy.ndim - 1))) if gy.ndim > 1 else gy
        return (gx, gw, gb) if len(self.inputs) == 3 else (gx, gw)

    def _backward_arrays(self, gy):
        """The backward above, call for call (the same values), on raw arrays: no transpose, matmul or
        sum nodes are made for a graph nobody will differentiate (about 10 us each)."""
        xp, backend = self.backend.xp, self.backend
        x, w, g = self.inputs[0]._data, self.inputs[1]._data, gy._data
        gx = gw = gb = None
        if self._next[0] is not None:
            if g.ndim != 2:  # as matmul: a row vector, or one GEMM over the folded rows
                gx = make_tensor(xp.matmul(g.reshape(-1, g.shape[-1]), w).reshape(g.shape[:-1] + w.shape[1:]), backend)
            elif backend.linear_input_grad_transposed(g, w, x):
                gx = make_tensor(xp.matmul(w.T, g.T).T, backend)
            else:
                gx = make_tensor(xp.matmul(g, w), backend)
        if self._next[1] is not None:
            g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = make_tensor(xp.matmul(g2.T, x2), backend)
        if len(self.inputs) == 3 and self._next[2] is not None:
            gb = make_tensor(g.sum(axis=tuple(range(g.ndim - 1))), backend) if g.ndim > 1 else gy
        return (gx, gw, gb) if len(self.inputs) == 3 else (gx, gw)


def linear(input, weight, bias=None):
    """h = input @ weight^T + bias (PyTorch's F.linear)."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"linear: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {tuple(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input has {input.shape[-1] if input.ndim else 0} features (shape "
                         f"{tuple(input.shape)}) but the weight expects {weight.shape[1]} (weight shape "
                         f"{tuple(weight.shape)})")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"linear: bias has shape {tuple(bias.shape)}, expected ({weight.shape[0]},)")
    if input.dtype != weight.dtype:
        raise TypeError(f"linear: input dtype {input.dtype.name} does not match weight dtype {weight.dtype.name}")
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)
