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

PyTorch's form runs too: ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as static methods, on
Tensors, with ``ctx.save_for_backward`` / ``ctx.saved_tensors``, ``ctx.needs_input_grad``,
``ctx.mark_non_differentiable`` and non-Tensor arguments (``FunctionCtx``, ``_apply_ctx``), or its
``forward(*args)`` with ``setup_context(ctx, inputs, output)``.

``apply`` is the only entry point. It checks the inputs share one device, runs ``forward``,
and, when grad mode is on and an input requires grad, records the node: edges to each input's
producer (or the leaf itself) and a generation one past the deepest input, for the engine's heap.
Outputs are not referenced from the node (no reference cycles); a function that needs its own
output in backward keeps the output array and rebuilds the Tensor with ``self.output(array)``.
"""

import inspect
import traceback

from .grad_mode import STATE
from .tensor import Tensor, make_tensor

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
      ``materialize_grads``  False: backward gets None, not zeros, for an output no gradient reached (default
                         True; for ops whose backward would divide zeros by zero, such as an SVD's vectors)
    """

    __slots__ = ("_next", "_nidx", "generation", "backend", "__dict__")

    saves_inputs = False
    differentiable = True
    materialize_grads = True
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

    _ctx_style = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # PyTorch's form: forward is a static method (forward(ctx, ...) or forward(...) with setup_context)
        cls._ctx_style = isinstance(inspect.getattr_static(cls, "forward"), staticmethod)

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors ``inputs`` (keyword ``params`` go to ``forward``) and record it."""
        if cls._ctx_style:
            return _apply_ctx(cls, inputs, params)
        fn = _new(cls)
        try:
            x0 = inputs[0]
            backend = fn.backend = x0._backend
            if len(inputs) == 1:
                rg = x0._rg
                x0 = x0._data
            else:
                rg = False
                arrays = []
                for x in inputs:
                    if x._backend is not backend:
                        raise _device_mismatch(cls.__name__.lower(), inputs)
                    arrays.append(x._data)
                    if x._rg:
                        rg = True
        except (AttributeError, IndexError):
            raise _bad_inputs(cls, inputs) from None
        out = fn.forward(x0, **params) if len(inputs) == 1 else fn.forward(*arrays, **params)
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


def _bad_inputs(cls, inputs):
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            return TypeError(f"{cls.__name__}.apply: argument {i} is a {type(x).__name__}, not a Tensor; give "
                             f"non-Tensor arguments by keyword (apply(x, scale=3.0) calls forward(x_array, "
                             f"scale=3.0)), or write forward and backward as PyTorch's static methods with ctx")
    return TypeError(f"{cls.__name__}.apply: needs at least one Tensor argument")


class FunctionCtx:
    """The ``ctx`` of a PyTorch-style Function: what forward leaves for backward.

    ``save_for_backward(*tensors)`` / ``saved_tensors``; ``needs_input_grad`` (one bool per forward argument);
    ``mark_non_differentiable(*outputs)``; ``set_materialize_grads`` (False: the gradient of an output that
    no gradient reached comes as None, not zeros); ``mark_dirty`` (accepted: outputs are new Tensors here).
    Any other attribute may be set.
    """

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._non_diff = ()
        self._node = None
        self._outputs = ()

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: argument {i} is a {type(t).__name__}; only Tensors (or None) "
                                f"are saved this way, keep other values as attributes of ctx")
        self._saved = tensors

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError("saved_tensors: the saved tensors were freed after the backward pass; pass "
                               "retain_graph=True to backward twice")
        node, outputs = self._node, self._outputs
        if node is None or not outputs:
            return tuple(self._saved)
        # a saved output comes back as that output of this node, so that create_graph reaches through it
        index = {id(o): i for i, o in enumerate(outputs)}
        return tuple(node.output(t._data, index[id(t)]) if t is not None and id(t) in index else t
                     for t in self._saved)

    def mark_non_differentiable(self, *outputs):
        self._non_diff = self._non_diff + outputs

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        pass


class _CtxNode(Function):
    """The graph node of a PyTorch-style Function: backward calls the user's ``backward(ctx, *grads)`` and
    hands on the gradients of its Tensor arguments."""

    @property
    def name(self):
        return self.cls.__name__

    def backward(self, *grads):
        got = self.cls.backward(self.ctx, *grads)
        got = got if isinstance(got, tuple) else (got,)
        n = len(self.arg_is_tensor)
        if len(got) < n or any(g is not None for g in got[n:]):
            raise RuntimeError(f"{self.name}.backward returned {len(got)} gradient(s), but forward took {n} "
                               f"argument(s): return one per forward argument (None for non-Tensors)")
        out = []
        for i, (is_tensor, g) in enumerate(zip(self.arg_is_tensor, got)):
            if not is_tensor:
                continue
            if g is not None:
                if not isinstance(g, Tensor):
                    raise TypeError(f"{self.name}.backward: gradient {i} is a {type(g).__name__}, not a Tensor")
                shape = self.shapes[len(out)]
                if tuple(g.shape) != shape:
                    raise RuntimeError(f"{self.name}.backward: gradient {i} has shape {tuple(g.shape)}, but "
                                       f"forward's argument {i} has shape {shape}")
            out.append(g)
        return tuple(out)

    def release(self):
        ctx = self.__dict__.get("ctx")
        super().release()
        if ctx is not None:
            ctx._saved = None

    def __repr__(self):
        return f"<{self.name}Backward>"


def _apply_ctx(cls, args, kwargs):
    """``cls.apply(*args)`` for a PyTorch-style Function: forward runs on the Tensors with grad mode off;
    the outputs get a node whose backward is ``cls.backward(ctx, *grads)``."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    if not tensors:
        raise TypeError(f"{cls.__name__}.apply: needs at least one Tensor argument")
    backend = tensors[0]._backend
    if any(t._backend is not backend for t in tensors):
        raise _device_mismatch(cls.__name__.lower(), tensors)
    ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a._rg for a in args))
    setup = inspect.getattr_static(cls, "setup_context", None)
    previous = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        if setup is not None:
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    finally:
        STATE.grad_enabled = previous
    outs = out if isinstance(out, tuple) else (out,)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"{cls.__name__}.forward returned a {type(o).__name__} (output {i}); it must return "
                            f"Tensors")
    if not (previous and any(t._rg for t in tensors)):
        return out
    node = _new(_CtxNode)
    node.backend = backend
    node.cls, node.ctx = cls, ctx
    node.arg_is_tensor = [isinstance(a, Tensor) for a in args]
    node.shapes = [tuple(t.shape) for t in tensors]
    gen, nxt, nidx = 0, [], []
    for x in tensors:
        nidx.append(x._idx)
        if x._rg:
            f = x.grad_fn
            nxt.append(x if f is None else f)
            if f is not None and f.generation > gen:
                gen = f.generation
        else:
            nxt.append(None)
    node._next, node._nidx, node.generation = nxt, nidx, gen + 1
    node.n_outputs = len(outs)
    node._out_meta = [(o._data.shape, o._data.dtype) for o in outs]
    if not getattr(ctx, "materialize_grads", True):  # ctx.set_materialize_grads(False): None for unused outputs
        node.materialize_grads = False
    if STATE.anomaly:
        node._trace = "".join(traceback.format_stack()[:-2])
    non_diff = ctx._non_diff
    new = tuple(make_tensor(o._data, backend, True, node, i)
                if o._data.dtype.kind == "f" and not any(o is m for m in non_diff) else
                make_tensor(o._data, backend, False, None, i)
                for i, o in enumerate(outs))
    ctx._node, ctx._outputs = node, outs
    return new if isinstance(out, tuple) else new[0]


class _DelayedError(Function):
    """The output of a once-differentiable backward, when the graph of that backward is being recorded: the
    values pass through; differentiating through them raises."""

    def forward(self, value, *grad_outputs):
        return value

    def backward(self, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(backward):
    """PyTorch's ``@once_differentiable`` for the ``backward(ctx, *grads)`` of a PyTorch-style Function: the
    backward runs with grad mode off (its own operations are not recorded), and under ``create_graph=True``
    its results are marked so that differentiating through them again raises, rather than silently giving
    a wrong (zero) second derivative."""
    import functools

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        previous = STATE.grad_enabled
        STATE.grad_enabled = False
        try:
            out = backward(ctx, *grads)
        finally:
            STATE.grad_enabled = previous
        needing = [g for g in grads if isinstance(g, Tensor) and g.requires_grad]
        if not previous or not needing:
            return out
        single = not isinstance(out, tuple)
        marked = tuple(_DelayedError.apply(o, *needing) if isinstance(o, Tensor) and o.dtype.kind == "f" else o
                       for o in ((out,) if single else out))
        return marked[0] if single else marked

    return wrapper
