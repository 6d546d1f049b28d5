"""``autograd_core.func``, as ``torch.func``: function transforms built on the reverse-mode engine.

    grad(f)(x)                  df/dx of a scalar f (argnums picks the arguments; has_aux passes extra outputs)
    grad_and_value(f)(x)        (df/dx, f(x))
    vjp(f, x)                   (f(x), vjp_fn) with vjp_fn(v) = v^T J
    jvp(f, (x,), (t,))          (f(x), J t)                 (by the double-vjp trick: two backward passes)
    jacrev(f)(x), jacfwd(f)(x)  J, shape f(x).shape + x.shape (one backward pass per output entry; jacfwd
                                computes the same matrix the same way: there is no forward mode here)
    hessian(f)(x)               jacfwd(jacrev(f))(x)
    vmap(f)(xs)                 f applied to every slice of xs along in_dims, results stacked along out_dims

Arguments and results may be nested tuples, lists and dicts of Tensors (pytrees). Transforms compose:
grad(grad(f)), vmap(grad(f)) (per-sample gradients), jacrev(jacrev(f)). Inside a transform, or when an
argument already requires grad, gradients are computed with create_graph, so an enclosing transform (or a
later backward) can differentiate them again.

``vmap`` (in vmap.py) runs f once per slice (a Python loop), so it has f's semantics exactly, without
batching f's operations into one. ``functional_call`` is ``nn.utils.stateless.functional_call``.
"""

import contextlib
import numbers

from .engine import grad as _autograd_grad
from .grad_mode import enable_grad
from .tensor import Tensor
from .vmap import _flatten, _unflatten, vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap"]

_depth = {"n": 0}


@contextlib.contextmanager
def _level():
    _depth["n"] += 1
    try:
        yield
    finally:
        _depth["n"] -= 1


def _argnums(argnums, n_args, what):
    single = isinstance(argnums, numbers.Integral) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, tuple) or not nums or not all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in nums):
        raise TypeError(f"{what}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    out = []
    for i in nums:
        if not -n_args <= i < n_args:
            raise ValueError(f"{what}: argnums {i} is out of range for a function called with {n_args} positional "
                             f"argument(s)")
        out.append(int(i) % n_args)
    if len(set(out)) != len(out):
        raise ValueError(f"{what}: argnums {argnums!r} names an argument twice")
    return single, tuple(out)


def _diff_leaves(tree, what, index):
    """The Tensor leaves of argument ``index`` prepared for differentiation, and whether any was already tracked."""
    leaves, spec = _flatten(tree)
    prepared, tracked = [], False
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise TypeError(f"{what}: argument {index} must be a Tensor or a nested tuple/list/dict of Tensors to be "
                            f"differentiated, found a {type(leaf).__name__}")
        if leaf.dtype.kind != "f":
            raise TypeError(f"{what}: only floating-point tensors can be differentiated, argument {index} has dtype "
                            f"{leaf.dtype.name}")
        if leaf.requires_grad:
            tracked = True
            prepared.append(leaf)
        else:
            prepared.append(leaf.detach().requires_grad_(True))
    return prepared, spec, tracked


def _prepare_args(args, nums, what):
    """(the arguments with those at ``nums`` prepared for differentiation, [(their leaves, spec)], whether any
    leaf was already tracked)."""
    new_args, groups, tracked = list(args), [], False
    for i in nums:
        prepared, spec, was = _diff_leaves(args[i], what, i)
        tracked = tracked or was
        groups.append((prepared, spec))
        new_args[i] = _unflatten(spec, prepared)
    return new_args, groups, tracked


def _regroup(groups, flat):
    """``flat`` (one value per prepared leaf) split back into one pytree per differentiated argument."""
    trees, k = [], 0
    for prepared, spec in groups:
        trees.append(_unflatten(spec, flat[k:k + len(prepared)]))
        k += len(prepared)
    return trees


def _split_aux(out, has_aux, what):
    """(output, aux) of f's result: aux is None without ``has_aux``; with it, f must return a pair."""
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{what}: with has_aux=True, f must return a (output, aux) tuple, got {type(out).__name__}")
    return out


def _zeros_for_none(grads, inputs):
    from .factories import zeros_like

    return [zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]


# --- grad --------------------------------------------------------------------------------------------------
def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient, value) of the scalar ``func`` (see ``grad``)."""

    def wrapper(*args, **kwargs):
        what = "grad_and_value(f)(*args)"
        single, nums = _argnums(argnums, len(args), what)
        outer = _depth["n"] > 0
        with enable_grad(), _level():
            new_args, groups, tracked = _prepare_args(args, nums, what)
            out, aux = _split_aux(func(*new_args, **kwargs), has_aux, what)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{what}: expected f(*args) to return a Tensor, got {type(out).__name__}")
            if out.ndim != 0:
                raise RuntimeError(f"{what}: expected f(*args) to return a scalar Tensor, got a tensor of shape "
                                   f"{tuple(out.shape)}; use vjp or jacrev for a non-scalar output")
            create = outer or tracked
            inputs = [x for prepared, _ in groups for x in prepared]
            if out.requires_grad:
                got = _autograd_grad(out, inputs, create_graph=create, retain_graph=create, allow_unused=True)
            else:
                got = (None,) * len(inputs)
            got = _zeros_for_none(got, inputs)
        trees = _regroup(groups, got)
        g = trees[0] if single else tuple(trees)
        value = out if create else out.detach()
        if has_aux and not create:
            aux = _map_tensors(aux, lambda t: t.detach())
        return (g, (value, aux)) if has_aux else (g, value)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of the scalar ``func`` with respect to its argument(s) ``argnums`` (an
    int, or a tuple of ints giving a tuple of gradients), as torch.func.grad; with ``has_aux``, func returns
    (output, aux) and the result is (gradient, aux)."""
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


# --- vjp, jvp -----------------------------------------------------------------------------------------------
def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn) as torch.func.vjp: vjp_fn(cotangents) returns v^T J, one gradient per primal
    (cotangents shaped as the output); with ``has_aux``, (output, vjp_fn, aux)."""
    what = "vjp(f, *primals)"
    outer = _depth["n"] > 0
    with enable_grad(), _level():
        new, groups, tracked = _prepare_args(primals, range(len(primals)), what)
        out, aux = _split_aux(func(*new), has_aux, what)
    outs, out_spec = _flatten(out)
    for o in outs:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{what}: f must return Tensors (or nested tuples/lists/dicts of them), got a "
                               f"{type(o).__name__}")
    create = outer or tracked
    inputs = [x for prepared, _ in groups for x in prepared]

    def vjp_fn(cotangents):
        cots, _ = _flatten(cotangents)
        if len(cots) != len(outs):
            raise RuntimeError(f"vjp_fn: expected {len(outs)} cotangent(s), one per output, got {len(cots)}")
        for o, c in zip(outs, cots):
            if tuple(o.shape) != tuple(c.shape):
                raise RuntimeError(f"vjp_fn: a cotangent has shape {tuple(c.shape)}, but its output has shape "
                                   f"{tuple(o.shape)}")
        live = [(o, c) for o, c in zip(outs, cots) if o.requires_grad]
        with enable_grad():
            got = _autograd_grad([o for o, _ in live], inputs, [c for _, c in live], retain_graph=True,
                                 create_graph=create or _depth["n"] > 0, allow_unused=True) if live \
                else (None,) * len(inputs)
        return tuple(_regroup(groups, _zeros_for_none(got, inputs)))

    value = out if create else _unflatten(out_spec, [o.detach() for o in outs])
    if has_aux and not create:
        aux = _map_tensors(aux, lambda t: t.detach())
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J t) as torch.func.jvp: ``primals`` and ``tangents`` are tuples of the same structure.
    Computed as the gradient, in a dummy cotangent u, of u^T J t (two backward passes)."""
    what = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise TypeError(f"{what}: primals and tangents must be tuples, got {type(primals).__name__} and "
                        f"{type(tangents).__name__}")
    p_leaves, _ = _flatten(primals)
    t_leaves, _ = _flatten(tangents)
    if len(p_leaves) != len(t_leaves) or any(tuple(p.shape) != tuple(t.shape) for p, t in zip(p_leaves, t_leaves)):
        raise RuntimeError(f"{what}: tangents must have the structure and shapes of the primals, got shapes "
                           f"{[tuple(t.shape) for t in t_leaves]} for {[tuple(p.shape) for p in p_leaves]}")
    from .factories import zeros_like

    with enable_grad(), _level():
        res = vjp(func, *primals, has_aux=has_aux)
        out, vjp_fn = res[0], res[1]
        outs, out_spec = _flatten(out)
        dummies = [zeros_like(o).requires_grad_(True) for o in outs]
        g = vjp_fn(_unflatten(out_spec, dummies))
        g_leaves, _ = _flatten(g)
        pairs = [(gl, t) for gl, t in zip(g_leaves, t_leaves) if gl.requires_grad]
        if pairs:
            got = _autograd_grad([gl for gl, _ in pairs], dummies, [t for _, t in pairs],
                                 create_graph=_depth["n"] > 1, allow_unused=True)
        else:
            got = (None,) * len(dummies)
        got = _zeros_for_none(got, dummies)
    tangent_out = _unflatten(out_spec, got)
    value = _unflatten(out_spec, [o.detach() for o in outs]) if _depth["n"] == 0 else out
    return (value, tangent_out, res[2]) if has_aux else (value, tangent_out)


# --- jacobians ------------------------------------------------------------------------------------------------
def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _name="jacrev"):
    """A function returning the Jacobian of ``func`` with respect to argument(s) ``argnums``, as torch.func.jacrev:
    for an output y and an argument x, a tensor of shape y.shape + x.shape (nested as the outputs, then as
    ``argnums``); one backward pass per entry of the output."""

    def wrapper(*args, **kwargs):
        what = f"{_name}(f)(*args)"
        single, nums = _argnums(argnums, len(args), what)
        outer = _depth["n"] > 0
        with enable_grad(), _level():
            new_args, groups, tracked = _prepare_args(args, nums, what)
            out, aux = _split_aux(func(*new_args, **kwargs), has_aux, what)
            outs, out_spec = _flatten(out)
            inputs = [x for prepared, _ in groups for x in prepared]
            create = outer or tracked
            blocks = []  # per output: per input, the Jacobian block
            for o in outs:
                if not isinstance(o, Tensor):
                    raise RuntimeError(f"{what}: f must return Tensors (or nested tuples/lists/dicts of them), got a "
                                       f"{type(o).__name__}")
                flat = o.reshape(-1)
                rows = []
                for k in range(flat.shape[0]):
                    if flat.requires_grad:
                        got = _autograd_grad(flat[k], inputs, retain_graph=True, create_graph=create,
                                             allow_unused=True)
                    else:
                        got = (None,) * len(inputs)
                    rows.append(_zeros_for_none(got, inputs))
                per_input = []
                for j, x in enumerate(inputs):
                    from .ops.join import stack

                    if rows:
                        block = stack([r[j] for r in rows], 0)
                    else:
                        from .factories import zeros

                        block = zeros((0,) + tuple(x.shape), dtype=x.dtype, device=x.device)
                    per_input.append(block.reshape(tuple(o.shape) + tuple(x.shape)))
                blocks.append(per_input)
        results = []
        for per_input in blocks:
            trees = _regroup(groups, per_input)
            results.append(trees[0] if single else tuple(trees))
        jac = _unflatten(out_spec, results)
        if not (outer or tracked):
            jac = _map_tensors(jac, lambda t: t.detach())
            aux = _map_tensors(aux, lambda t: t.detach()) if has_aux else aux
        return (jac, aux) if has_aux else jac

    return wrapper


def _map_tensors(tree, fn):
    leaves, spec = _flatten(tree)
    return _unflatten(spec, [fn(x) if isinstance(x, Tensor) else x for x in leaves])


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """torch.func.jacfwd's result: the same Jacobian as ``jacrev`` (computed in reverse mode: this engine has
    no forward mode)."""
    return jacrev(func, argnums, has_aux=has_aux, _name="jacfwd")


def hessian(func, argnums=0):
    """The Hessian of a scalar ``func`` with respect to argument(s) ``argnums``: jacfwd(jacrev(func)), shape
    x.shape + x.shape."""
    return jacfwd(jacrev(func, argnums), argnums)
