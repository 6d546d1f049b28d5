"""The backward engine: an iterative walk over the graph, deepest node first.

Nodes wait in a heap ordered by generation (a node's generation is one past its deepest input's),
so a node runs only after every consumer of its outputs has sent its gradient; each node's
backward runs exactly once. Gradients accumulate out of place (``g = g + gx``), so ``y = x + x``
is safe. Nothing recurses: a graph of any depth backpropagates at the default recursion limit.
Unless ``retain_graph=True``, each node drops what it saved as soon as its backward has run.

In the lecture's notation, for ``h_l = W_l x_{l-1} + b_l``, ``x_l = g_l(h_l)``, the walk computes
``e_L = g_L'(h_L) (y_hat - y)`` first, then ``e_l = g_l'(h_l) * (W_{l+1}^T e_{l+1})`` layer by
layer, each node turning the gradient of its output into the gradients of its inputs
(``dL/dW_l = e_l x_{l-1}^T``, ``dL/db_l = e_l``).
"""

from heapq import heappop, heappush

from .grad_mode import STATE
from .tensor import Tensor, make_tensor


def _accumulate(a, b, create_graph):
    if create_graph:
        return a + b
    return make_tensor(a._data + b._data, a._backend)


def _owned(g, shared):
    """``g``, or a copy of it when its memory may be shared (a view, a read-only broadcast, an array
    handed to another tensor in this pass): a leaf's ``.grad`` must be safe to change in place."""
    arr = g._data
    flags = arr.flags
    if id(arr) in shared or not flags.owndata or not getattr(flags, "writeable", True):
        arr = arr.copy()
        g = make_tensor(arr, g._backend)
    shared.add(id(arr))
    return g


def _seed_grads(tensors, grad_tensors, what):
    """The starting gradients: ones for scalars, or the user's, checked against each output."""
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, Tensor) or not isinstance(grad_tensors, (list, tuple)):
        grad_tensors = [grad_tensors]
    if len(grad_tensors) != len(tensors):
        raise ValueError(f"{what}: got {len(tensors)} output(s) but {len(grad_tensors)} gradient(s)")
    seeds = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: output {i} is a {type(t).__name__}, not a Tensor")
        if not t._rg:
            raise RuntimeError(f"{what}: element {i} of tensors does not require grad and does not have a "
                               f"grad_fn (was it computed under no_grad, or from tensors without requires_grad?)")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(f"{what}: grad can be implicitly created only for scalar outputs; output {i} "
                                   f"has shape {tuple(t.shape)}, so pass a gradient of that shape")
            g = make_tensor(t._backend.xp.ones(t._data.shape, t._data.dtype), t._backend)
        else:
            if not isinstance(g, Tensor):
                g = Tensor(g, dtype=t.dtype, device=t.device)
            if g._data.shape != t._data.shape:
                raise ValueError(f"{what}: gradient {i} has shape {tuple(g.shape)} but output {i} has shape "
                                 f"{tuple(t.shape)}")
            if g._backend is not t._backend:
                raise RuntimeError(f"{what}: gradient {i} is on {g.device} but output {i} is on {t.device}")
            if g._data.dtype != t._data.dtype:
                g = g.to(dtype=t.dtype)
        seeds.append(g)
    return seeds


def _run_output_hooks(fn, gys, create_graph, capture, shared):
    """Tensor hooks, then retain_grad, then capture for ``grad()``, on each output's gradient."""
    hooks = fn._pre_hooks
    if hooks:
        for i, table in hooks.items():
            for hook in list(table.values()):
                if gys[i] is None:
                    continue
                new = hook(gys[i])
                if new is not None:
                    gys[i] = new
    retain = fn._retain
    if retain:
        for i, ref in retain.items():
            t = ref()
            if t is not None and gys[i] is not None:
                g = gys[i] if create_graph else _owned(gys[i], shared)
                t._grad = g if t._grad is None else _accumulate(t._grad, g, create_graph)
    if capture is not None:
        for i, pos in capture.get(fn, {}).items():
            capture["result"][pos] = gys[i]


def _check_finite(fn, gxs):
    for i, g in enumerate(gxs):
        if g is not None and g._data.dtype.kind == "f" and not bool(g._backend.xp.isfinite(g._data).all()):
            where = fn._trace or "(the op was created before detect_anomaly was enabled)\n"
            raise RuntimeError(f"Function '{fn.name}Backward' returned nan or inf values in its gradient for "
                               f"input {i}. The forward op '{fn.name}' was created at:\n{where}")


def run_backward(roots, seeds, retain_graph, create_graph, targets=None, accumulate=True):
    """Backpropagate ``seeds`` from ``roots``. Returns the gradients of ``targets`` (if given).

    With ``accumulate`` the leaves' ``.grad`` are updated (``Tensor.backward``); without it only
    the targets' gradients are returned (``autograd_core.grad``).
    """
    node_grads = {}
    leaf_grads = {}
    shared = {id(g._data) for g in seeds}  # arrays others hold: never stored as a leaf's .grad as they are
    heap = []
    counter = 0
    capture = None
    leaf_targets = None
    if targets is not None:
        capture = {"result": [None] * len(targets)}
        leaf_targets = {}
        for pos, t in enumerate(targets):
            if t.grad_fn is None:
                leaf_targets[id(t)] = pos
            else:
                capture.setdefault(t.grad_fn, {})[t._idx] = pos

    def add_leaf(leaf, gx):
        slot = leaf_grads.get(id(leaf))
        if slot is None:
            leaf_grads[id(leaf)] = [leaf, gx]
        else:
            slot[1] = _accumulate(slot[1], gx, create_graph)

    for t, g in zip(roots, seeds):
        fn = t.grad_fn
        if fn is None:
            add_leaf(t, g)
            continue
        slot = node_grads.get(fn)
        if slot is None:
            slot = node_grads[fn] = [None] * fn.n_outputs
            counter += 1
            heappush(heap, (-fn.generation, counter, fn))
        slot[t._idx] = g if slot[t._idx] is None else _accumulate(slot[t._idx], g, create_graph)

    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    anomaly = STATE.anomaly
    try:
        while heap:
            fn = heappop(heap)[2]
            gys = node_grads.pop(fn)
            if fn._released:
                raise RuntimeError(
                    f"Trying to backward through the graph a second time (through {fn.name}), but the saved "
                    f"intermediate values have already been freed. Specify retain_graph=True on the first "
                    f"backward() or autograd_core.grad() call if you need to backward twice.")
            if fn._pre_hooks or fn._retain or capture is not None:
                _run_output_hooks(fn, gys, create_graph, capture, shared)
            if fn.n_outputs == 1:
                gxs = fn.backward(gys[0])
            else:
                for i, g in enumerate(gys):
                    if g is None and fn.materialize_grads:
                        shape, dtype = fn._out_meta[i]
                        gys[i] = make_tensor(fn.backend.xp.zeros(shape, dtype), fn.backend)
                gxs = fn.backward(*gys)
            if gxs.__class__ is not tuple:
                gxs = (gxs,)
            nxt_list = fn._next
            if len(gxs) != len(nxt_list):
                raise RuntimeError(f"{fn.name}.backward returned {len(gxs)} gradient(s) for {len(nxt_list)} input(s)")
            if anomaly:
                _check_finite(fn, gxs)
            for nxt, idx, gx in zip(nxt_list, fn._nidx, gxs):
                if nxt is None or gx is None:
                    continue
                if isinstance(nxt, Tensor):
                    add_leaf(nxt, gx)
                    continue
                slot = node_grads.get(nxt)
                if slot is None:
                    slot = node_grads[nxt] = [None] * nxt.n_outputs
                    counter += 1
                    heappush(heap, (-nxt.generation, counter, nxt))
                g = slot[idx]
                slot[idx] = gx if g is None else _accumulate(g, gx, create_graph)
            if not retain_graph:
                fn.release()
    finally:
        STATE.grad_enabled = previous_mode

    for leaf, g in leaf_grads.values():
        if leaf._hooks:
            for hook in list(leaf._hooks.values()):
                new = hook(g)
                if new is not None:
                    g = new
        if g._data.shape != leaf._data.shape:
            raise RuntimeError(f"backward produced a gradient of shape {tuple(g.shape)} for a leaf of shape "
                               f"{tuple(leaf.shape)}")
        if g._data.dtype != leaf._data.dtype:
            g = g.to(dtype=leaf.dtype)
        if leaf_targets is not None:
            pos = leaf_targets.get(id(leaf))
            if pos is not None:
                capture["result"][pos] = g
            if not accumulate or pos is None:
                continue
        if leaf._grad is not None:
            leaf._grad = _accumulate(leaf._grad, g, create_graph)
        else:
            leaf._grad = g if create_graph else _owned(g, shared)
    return None if capture is None else capture["result"]


def _as_tensor_list(obj, what):
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return list(obj)
    raise TypeError(f"{what}: expected a Tensor or a sequence of Tensors, got {type(obj).__name__}")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs``)."""
    tensors = _as_tensor_list(tensors, "backward")
    seeds = _seed_grads(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tensor_list(inputs, "backward")
        grads = run_backward(tensors, seeds, retain_graph, create_graph, targets=inputs, accumulate=False)
        for t, g in zip(inputs, grads):
            if g is not None:
                if t._grad is not None:
                    t._grad = _accumulate(t._grad, g, create_graph)
                else:
                    t._grad = g if create_graph else make_tensor(g._data.copy(), g._backend)
        return
    run_backward(tensors, seeds, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated.

    ``grad_outputs`` weights non-scalar outputs; ``create_graph=True`` records the computation of
    the gradients so they can be differentiated again; ``allow_unused=True`` returns None for an
    input the outputs do not depend on (otherwise that raises).
    """
    outputs = _as_tensor_list(outputs, "grad")
    inputs = _as_tensor_list(inputs, "grad")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t._rg:
            raise RuntimeError(f"grad: input {i} does not require grad")
    seeds = _seed_grads(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outputs, seeds, retain_graph, create_graph, targets=inputs, accumulate=False)
    for i, g in enumerate(result):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(inputs[i].shape)}) was not used to compute the "
                                   f"outputs; pass allow_unused=True to get None for it")
        elif not create_graph:
            result[i] = g.detach()
    return tuple(result)
