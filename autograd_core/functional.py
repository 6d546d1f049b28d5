"""``autograd_core.autograd.functional``, as ``torch.autograd.functional``: whole derivatives of a Python
function of Tensors, built from the reverse-mode engine.

    vjp(f, x, v)      (f(x), v^T J)           one backward pass
    jvp(f, x, v)      (f(x), J v)             two: v^T J for a dummy v' with create_graph, then its
                                              gradient in v' weighted by v (the double-vjp trick)
    jacobian(f, x)    J, shape f(x).shape + x.shape (per output and input, for tuples): one backward
                      pass per entry of f(x)
    hessian(f, x)     the jacobian of the gradient of a scalar f, shape x.shape + x.shape
    vhp(f, x, v)      (f(x), v^T H);  hvp(f, x, v)  (f(x), H v): the same for a twice-differentiable f,
                      whose Hessian is symmetric (two backward passes)

``inputs`` is a Tensor or a tuple of them; results follow their structure as PyTorch's do. With
``create_graph=True`` the results are differentiable (also in the inputs, where they require grad);
``strict=True`` raises where an output does not depend on an input, where otherwise its block is zeros.
"""

from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(x, what, name):
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: {name} must be a Tensor or a tuple of Tensors, got {type(t).__name__}"
                            + (f" at position {i}" if is_tuple else ""))
    return is_tuple, items


def _prepare(inputs, create_graph):
    """The inputs to differentiate at: with create_graph, an input that requires grad is used as it is (so the
    result stays connected to it); every other one becomes a detached leaf that requires grad."""
    return tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in inputs)


def _grads(outputs, inputs, weights, create_graph, strict, what, out_index=None):
    """The gradients of sum(weights * outputs) with respect to ``inputs``, zeros (or an error, with ``strict``)
    for an input they do not depend on."""
    live = [o for o in outputs if o.requires_grad]
    live_w = [w for o, w in zip(outputs, weights) if o.requires_grad]
    got = grad(live, inputs, live_w, retain_graph=True, create_graph=create_graph, allow_unused=True) \
        if live else (None,) * len(inputs)
    result = []
    for j, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                which = "the output" if out_index is None else f"output {out_index}"
                raise RuntimeError(f"{what}: {which} of the function does not depend on input {j} (strict=True); "
                                   f"pass strict=False to get zeros for it")
            from .factories import zeros_like

            g = zeros_like(x)
        result.append(g)
    return tuple(result)


def _check_v(v, like, what, name="v"):
    is_tuple, vs = _as_tuple(v, what, name)
    if len(vs) != len(like):
        raise ValueError(f"{what}: {name} has {len(vs)} tensor(s), but there are {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(f"{what}: {name}[{i}] has shape {tuple(a.shape)}, but it must have shape "
                             f"{tuple(b.shape)}")
    return vs


def _default_v(outputs, what):
    for o in outputs:
        if o.numel() != 1:
            raise ValueError(f"{what}: the function's output has shape {tuple(o.shape)}; give v (one entry per "
                             f"output entry) unless the output is a single number")
    from .factories import ones_like

    return tuple(ones_like(o) for o in outputs)


def _result(items, is_tuple, create_graph):
    items = tuple(t if create_graph else t.detach() for t in items)
    return items if is_tuple else items[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the gradient of sum(v * func(inputs)); v may be left out for a one-entry output."""
    in_tuple, xs = _as_tuple(inputs, "vjp", "inputs")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _as_tuple(func(*xs), "vjp", "the function's output")
        vs = _default_v(outs, "vjp") if v is None else _check_v(v, outs, "vjp")
        g = _grads(outs, xs, vs, create_graph, strict, "vjp")
    return _result(outs, out_tuple, create_graph), _result(g, in_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the directional derivative along v (one tensor per input; may be left out for a
    one-entry input)."""
    in_tuple, xs = _as_tuple(inputs, "jvp", "inputs")
    vs = _default_v(xs, "jvp") if v is None else _check_v(v, xs, "jvp")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _as_tuple(func(*xs), "jvp", "the function's output")
        from .factories import zeros_like

        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        g = _grads(outs, xs, dummies, True, strict, "jvp")  # u -> u^T J, linear in u
        live = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
        if live:
            jv = grad([gi for gi, _ in live], dummies, [vi for _, vi in live], retain_graph=True,
                      create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(dummies)
        jv = tuple(zeros_like(o) if j is None else j for j, o in zip(jv, outs))
    return _result(outs, out_tuple, create_graph), _result(jv, out_tuple, create_graph)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs: for one output and one input a Tensor of shape out.shape + in.shape; a tuple
    per input for tuple inputs, per output for tuple outputs (then a tuple of tuples for both). One backward
    pass per output entry (``vectorize`` is accepted and changes nothing)."""
    if strategy != "reverse-mode":
        raise ValueError(f"jacobian: only strategy='reverse-mode' is available, got {strategy!r}")
    from .factories import zeros_like
    from .ops import reshape, stack

    in_tuple, xs = _as_tuple(inputs, "jacobian", "inputs")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _as_tuple(func(*xs), "jacobian", "the function's output")
        blocks = []
        for i, o in enumerate(outs):
            flat = reshape(o, (-1,))
            rows = [[] for _ in xs]
            for k in range(flat.shape[0]):
                onehot = zeros_like(flat)
                onehot._data[k] = 1
                g = _grads((flat,), xs, (onehot,), create_graph, strict, "jacobian", out_index=i)
                for j, gj in enumerate(g):
                    rows[j].append(reshape(gj, (-1,)))
            per_input = []
            for j, x in enumerate(xs):
                if rows[j]:
                    jac = reshape(stack(rows[j], 0), tuple(o.shape) + tuple(x.shape))
                else:  # an empty output
                    from .factories import zeros

                    jac = zeros(*(tuple(o.shape) + tuple(x.shape)), dtype=x.dtype, device=x.device)
                per_input.append(jac if create_graph else jac.detach())
            blocks.append(tuple(per_input) if in_tuple else per_input[0])
    return tuple(blocks) if out_tuple else blocks[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a function with a one-entry output: shape x.shape + x.shape for one input, a tuple of
    tuples (H[i][j] = d^2 f / dx_i dx_j) for tuple inputs."""
    in_tuple, xs = _as_tuple(inputs, "hessian", "inputs")

    def gradient(*args):
        out = func(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise ValueError(f"hessian: the function must return a Tensor with a single entry, got {got}")
        return _grads((out,), args, _default_v((out,), "hessian"), True, strict, "hessian")

    h = jacobian(gradient, xs, create_graph=create_graph, strict=strict, strategy=outer_jacobian_strategy)
    return h if in_tuple else h[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function with a one-entry output."""
    return _second("vhp", func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function with a one-entry output; H is symmetric for a twice-differentiable
    function, so this is v^T H, by the same two backward passes."""
    return _second("hvp", func, inputs, v, create_graph, strict)


def _second(what, func, inputs, v, create_graph, strict):
    in_tuple, xs = _as_tuple(inputs, what, "inputs")
    vs = _default_v(xs, what) if v is None else _check_v(v, xs, what)
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise ValueError(f"{what}: the function must return a Tensor with a single entry, got {got}")
        g = _grads((out,), xs, _default_v((out,), what), True, strict, what)
        live = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
        h = _grads([gi for gi, _ in live], xs, [vi for _, vi in live], create_graph, strict, what) if live else \
            _grads((), xs, (), create_graph, strict, what)
    return (out if create_graph else out.detach()), _result(h, in_tuple, create_graph)
