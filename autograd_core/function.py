"""Function: one differentiable operation, and the node that records it in the graph.

A Function's ``forward`` runs on raw backend arrays; its ``backward`` is written with Tensor
operations, so the backward pass is itself recorded when ``create_graph=True`` and every op has
higher-order gradients (Chainer's FunctionNode, DeZero).

Writing one::

    class Exp(Function):
        '''y = exp(x);  dL/dx = dL/dy * y'''

        def forward(self, x):
            self.y = self.backend.xp.exp(x)     # keep what backward needs, as arrays or Tensors
            return self.y

        def backward(self, gy):                 # gy: Tensor, dL/dy
            return gy * self.output(self.y)     # one gradient per input (None: no gradient)

    y = Exp.apply(x)

``apply`` is the only entry point. It checks the inputs share one device, runs ``forward``,
and, when grad mode is on and an input requires grad, records the node: edges to each input's
producer (or the leaf itself) and a generation one past the deepest input, for the engine's heap.
Outputs are not referenced from the node (no reference cycles); a function that needs its own
output in backward keeps the output array and rebuilds the Tensor with ``self.output(array)``.
"""

import traceback

from .grad_mode import STATE
from .tensor import make_tensor

_new = object.__new__


def _device_mismatch(name, inputs):
    devices = ", ".join(f"{x.device} {tuple(x.shape)}" for x in inputs)
    return RuntimeError(f"{name}: expected all tensors on the same device, got tensors on {devices}; "
                        f"move them with .to(device) first")


class Function:
    """Base class of every operation. Subclasses define ``forward`` and ``backward``.

    Class attributes a subclass may set:
      ``saves_inputs``   keep the input Tensors as ``self.inputs`` for backward (default False)
      ``differentiable`` False for ops whose outputs never require grad (comparisons, argmax)
    """

    __slots__ = ("_next", "_nidx", "generation", "backend", "__dict__")

    saves_inputs = False
    differentiable = True
    n_outputs = 1
    # engine bookkeeping, set on the instance only when used
    _released = False
    _pre_hooks = None
    _retain = None
    _trace = None

    @property
    def name(self):
        return type(self).__name__

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grad_outputs):
        raise NotImplementedError

    def output(self, array, index=0):
        """Rebuild output ``index`` of this node as a Tensor (for a backward that needs its output).

        The rebuilt Tensor's grad_fn is this node, so under ``create_graph=True`` gradients that
        flow through it reach this node's inputs exactly as through the original output.
        """
        return make_tensor(array, self.backend, True, self, index)

    @property
    def next_functions(self):
        """``((node_or_leaf, output_index), ...)`` per input, as PyTorch's ``grad_fn.next_functions``."""
        return tuple(zip(self._next, self._nidx))

    def release(self):
        """Drop everything saved for backward; a second backward through this node then raises.
        Hooks and retain_grad registrations stay (they belong to the tensors, not the saved values)."""
        d = self.__dict__
        keep = {k: d[k] for k in ("_pre_hooks", "_retain") if k in d} if len(d) > 1 else None
        d.clear()
        if keep:
            d.update(keep)
        self._released = True

    def __repr__(self):
        return f"<{self.name}Backward>"

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors ``inputs`` (keyword ``params`` go to ``forward``) and record it."""
        fn = _new(cls)
        x0 = inputs[0]
        backend = fn.backend = x0._backend
        if len(inputs) == 1:
            rg = x0._rg
            out = fn.forward(x0._data, **params)
        else:
            rg = False
            arrays = []
            for x in inputs:
                if x._backend is not backend:
                    raise _device_mismatch(cls.__name__.lower(), inputs)
                arrays.append(x._data)
                if x._rg:
                    rg = True
            out = fn.forward(*arrays, **params)
        record = rg and STATE.grad_enabled and cls.differentiable
        if record:
            gen = 0
            nxt = []
            nidx = []
            for x in inputs:
                nidx.append(x._idx)
                if x._rg:
                    f = x.grad_fn
                    if f is None:
                        nxt.append(x)
                    else:
                        nxt.append(f)
                        if f.generation > gen:
                            gen = f.generation
                else:
                    nxt.append(None)
            fn._next = nxt
            fn._nidx = nidx
            fn.generation = gen + 1
            if cls.saves_inputs:
                fn.inputs = inputs
            if STATE.anomaly:
                fn._trace = "".join(traceback.format_stack()[:-2])
        backend = fn.backend  # a transfer op sets its output's device here
        if not record:
            fn = None
        array_type = backend.array_type
        if out.__class__ is tuple:
            if record:
                fn.n_outputs = len(out)
                fn._out_meta = [(o.shape, o.dtype) for o in out]
            return tuple(
                make_tensor(o if o.__class__ is array_type else backend.xp.asarray(o), backend,
                            record and o.dtype.kind == "f", fn if record and o.dtype.kind == "f" else None, i)
                for i, o in enumerate(out))
        if out.__class__ is not array_type:
            out = backend.xp.asarray(out)
        if record:
            return make_tensor(out, backend, True, fn, 0)
        return make_tensor(out, backend, False, None, 0)
