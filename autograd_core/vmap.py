"""``vmap`` of ``autograd_core.func`` (torch.func.vmap): ``func`` applied to every slice of its inputs along
``in_dims``, the results stacked along ``out_dims``, by a loop over the slices (so with ``func``'s semantics
exactly, as fast as that loop). ``randomness``: 'error' (the default) raises if ``func`` draws from the global
generators, 'different' lets every slice draw its own numbers, 'same' gives every slice the same. Also the
pytree helpers the transforms share (nested tuples, lists and dicts of Tensors)."""

import numbers

from . import random as _random
from .tensor import Tensor


# --- pytrees ----------------------------------------------------------------------------------------------
def _flatten(tree):
    """(leaves, spec): the Tensors (and other values) of nested tuples, lists and dicts, in order."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            sub, spec = _flatten(item)
            leaves.extend(sub)
            specs.append(spec)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for key in tree:
            sub, spec = _flatten(tree[key])
            leaves.extend(sub)
            specs.append(spec)
        return leaves, (dict, list(tree), specs)
    return [tree], None


def _unflatten(spec, leaves):
    it = iter(leaves)

    def build(s):
        if s is None:
            return next(it)
        if s[0] is dict:
            return {k: build(sub) for k, sub in zip(s[1], s[2])}
        items = [build(sub) for sub in s[1]]
        return s[0](*items) if hasattr(s[0], "_fields") else s[0](items)

    return build(spec)


# --- vmap -----------------------------------------------------------------------------------------------------
def _dims_for(in_dims, args, what):
    """One in-dim (int or None) per leaf of the flattened args."""
    if isinstance(in_dims, numbers.Integral) or in_dims is None:
        per_arg = [in_dims] * len(args)
    elif isinstance(in_dims, tuple):
        if len(in_dims) != len(args):
            raise ValueError(f"{what}: in_dims is a tuple of {len(in_dims)} entries, but the function was called "
                             f"with {len(args)} positional argument(s)")
        per_arg = list(in_dims)
    else:
        raise TypeError(f"{what}: in_dims must be an int, None or a tuple, got {in_dims!r}")
    dims = []
    for a, d in zip(args, per_arg):
        leaves, _ = _flatten(a)
        if isinstance(d, (tuple, list, dict)):
            sub, _ = _flatten(d)
            if len(sub) != len(leaves):
                raise ValueError(f"{what}: an in_dims entry {d!r} does not match its argument's structure")
            dims.extend(sub)
        else:
            dims.extend([d] * len(leaves))
    return dims


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """A function mapping ``func`` over a dim of its inputs, as torch.func.vmap (see the module docstring: a
    loop over the slices, the results stacked along ``out_dims``)."""
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}")

    def wrapper(*args, **kwargs):
        what = "vmap(f)(*args)"
        dims = _dims_for(in_dims, args, what)
        leaves, spec = _flatten(list(args))
        size = None
        for leaf, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(leaf, Tensor):
                raise ValueError(f"{what}: in_dims is {d} for a {type(leaf).__name__}; only Tensors can be mapped "
                                 f"(use None for it)")
            if not -leaf.ndim <= d < leaf.ndim:
                raise ValueError(f"{what}: in_dim {d} is out of range for a tensor of shape {tuple(leaf.shape)}")
            n = leaf.shape[d]
            if size is not None and n != size:
                raise ValueError(f"{what}: expected all mapped tensors to have the same size in the mapped dim, got "
                                 f"sizes {size} and {n}")
            size = n
        if size is None:
            raise ValueError(f"{what}: at least one argument must be a Tensor mapped over a dim (in_dims {in_dims!r})")
        states = _random.get_all_rng_states() if randomness in ("error", "same") else None
        results = []  # (vmap differentiates nothing: the transforms inside keep their own create_graph choice)
        for b in range(size):
            if randomness == "same":
                _random.set_all_rng_states(states)
            sliced = [leaf.select(d, b) if d is not None else leaf for leaf, d in zip(leaves, dims)]
            results.append(func(*_unflatten(spec, sliced), **kwargs))
            if randomness == "error" and b == 0 and _changed(states):
                _random.set_all_rng_states(states)
                raise RuntimeError("vmap: called a random operation while in randomness='error' mode; pass "
                                   "randomness='same' or 'different' to vmap, or draw the random numbers outside it")
        return _stack_results(results, out_dims, what)

    return wrapper


def _changed(states):
    now = _random.get_all_rng_states()
    return any(k not in now or not bool((now[k] == v).all()) for k, v in states.items())


def _stack_results(results, out_dims, what):
    from .ops.join import stack

    first_leaves, spec = _flatten(results[0])
    all_leaves = [_flatten(r)[0] for r in results]
    if isinstance(out_dims, (tuple, list)):
        od, _ = _flatten(out_dims)
        if len(od) != len(first_leaves):
            raise ValueError(f"{what}: out_dims {out_dims!r} does not match the {len(first_leaves)} output(s)")
    else:
        od = [out_dims] * len(first_leaves)
    stacked = []
    for j, d in enumerate(od):
        column = [leaves[j] for leaves in all_leaves]
        if not isinstance(column[0], Tensor):
            raise ValueError(f"{what}: f must return Tensors (or nested tuples/lists/dicts of them), got a "
                             f"{type(column[0]).__name__}")
        if d is None:
            stacked.append(column[0])
            continue
        ndim = column[0].ndim + 1
        if not -ndim <= d < ndim:
            raise ValueError(f"{what}: out_dim {d} is out of range for an output of {ndim - 1} dim(s)")
        stacked.append(stack(column, d))
    return _unflatten(spec, stacked)
