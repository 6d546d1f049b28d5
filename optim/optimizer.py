"""Optimizer: the base class of every optimizer, with PyTorch's ``torch.optim`` semantics.

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt = optim.Adam([{"params": body.parameters()}, {"params": head.parameters(), "lr": 1e-2}], lr=1e-3)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

- ``param_groups``: a list of dicts, each with its ``params`` (a list of Tensors) and its own copy of
  every hyperparameter (the constructor's values fill in what a group leaves out).
- ``state``: per-parameter state (momentum buffers, moment estimates, step counters), keyed by the
  parameter Tensor and created lazily on the first step that sees a gradient for it. A parameter whose
  ``grad`` is None is skipped: it is not changed and gets no state. State follows its parameter: when a
  parameter is moved to another device or cast (``model.to("cuda")``), its state is moved/cast at the
  next step. Scalar counters (``step``, NAdam's ``mu_product``) stay float32 tensors on the host, as in
  PyTorch, so reading them never waits for a GPU.
- ``state_dict()`` is PyTorch's format: ``{"state": {index: {...}}, "param_groups": [{..., "params":
  [indices]}]}``, indices numbering the parameters across groups in order. It is a snapshot (its tensors
  are copies), and it can be written with ``autograd_core.save``. ``load_state_dict`` checks the group
  count and sizes and the state's shapes, and copies the state onto each parameter's device and dtype.

Updates run on the raw arrays (``p._data``) with in-place array operations, in PyTorch's order of
operations, so float64 trajectories agree with ``torch.optim`` to rounding.
"""

import copy
import functools
from collections import defaultdict
from itertools import chain

from autograd_core import Tensor, dtypes, enable_grad, no_grad
from autograd_core.tensor import make_tensor
from backends import CPU

__all__ = ["Optimizer", "required"]

HOST_STATE = ("step", "mu_product")  # scalar state kept as float32 host tensors, never moved or cast


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()  # a default that every param group must specify itself


# --- the base class ---------------------------------------------------------------------------------
class Optimizer:
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs (``model.named_parameters()``), or of
            dicts each defining a parameter group (``{"params": [...], "lr": 0.1, ...}``).
        defaults: the default value of every hyperparameter, used by groups that do not set it.

    A subclass implements ``step(closure=None)`` (it runs under ``no_grad``; ``self._closure(closure)``
    evaluates the closure with grad enabled) and may define ``_validate(group)``, called on the
    defaults and on every group added, to reject bad hyperparameters with a ValueError.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is None or getattr(step, "_optim_wrapped", False):
            return

        @functools.wraps(step)
        def wrapped(self, *args, **kw):
            self._step_calls = getattr(self, "_step_calls", 0) + 1  # lr schedulers check the call order
            with no_grad():
                return step(self, *args, **kw)

        wrapped._optim_wrapped = True
        cls.step = wrapped

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self._validate(self.defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        self._step_calls = 0
        self._pool = {}
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got a Tensor; pass [tensor] or model.parameters()")
        if isinstance(params, dict):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got a dict; pass a list of param groups: [{'params': ...}]")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}") from None
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # --- groups -------------------------------------------------------------------------------
    @staticmethod
    def _validate(group):
        """Raise ValueError for a bad hyperparameter in ``group`` (subclasses override)."""

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters (fine-tuning: unfreeze a layer and
        give it its own learning rate). A parameter may belong to one group only."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"a param group needs a 'params' entry; got keys {sorted(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        param_group["params"] = params
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} of the group is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i} of the group, shape "
                                 f"{tuple(p.shape)}, was produced by an op); optimize the leaf it came from")
        seen = {}
        for i, p in enumerate(params):
            if id(p) in seen:
                raise ValueError(f"parameter {i} of the group (shape {tuple(p.shape)}) is the same tensor as "
                                 f"parameter {seen[id(p)]}; list each parameter once")
            seen[id(p)] = i
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        self._validate(param_group)
        for k, group in enumerate(self.param_groups):
            for p in group["params"]:
                if id(p) in seen:
                    raise ValueError(f"some parameters appear in more than one parameter group: parameter "
                                     f"{seen[id(p)]} of the new group (shape {tuple(p.shape)}) is already in "
                                     f"param group {k}")
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(f"all optimizer param groups should be with/without names. cannot add param "
                                 f"group {which} to the optimizer")
        self.param_groups.append(param_group)

    # --- gradients and steps --------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (default, as PyTorch 2), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    g.detach_()
                    g._data[...] = 0

    def step(self, closure=None):
        """Update the parameters once; ``closure`` re-evaluates and returns the loss."""
        raise NotImplementedError

    @staticmethod
    def _closure(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _grads(self, group):
        """(param, gradient array, state dict) for each parameter of ``group`` that has a gradient; the
        state's tensors are first moved/cast to the parameter's device and dtype if it moved."""
        state_of = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            state = state_of.get(p)
            if state is None:  # registered only if the optimizer puts something in it (SGD without momentum won't)
                state = {}
                yield p, g._data, state
                if state:
                    state_of[p] = state
                continue
            if state:
                _follow(p, state)
            yield p, g._data, state

    def _scratch(self, p, k):
        """``k`` work arrays shaped like ``p``: views into flat buffers kept per (device, dtype) and grown to
        the largest parameter (so at most k times its size), reused by every update instead of allocating
        temporaries (fresh large arrays cost page faults on the CPU)."""
        x = p._data
        pools = self.__dict__.setdefault("_pool", {})
        key = (p._backend, x.dtype)
        pool = pools.get(key)
        n = x.size
        if pool is None or len(pool) < k or pool[0].size < n:
            size = max(n, pool[0].size if pool else 0)
            pool = [p._backend.xp.empty(size, dtype=x.dtype) for _ in range(max(k, len(pool) if pool else 0))]
            pools[key] = pool
        return [b[:n].reshape(x.shape) for b in pool[:k]]

    # --- checkpoints ------------------------------------------------------------------------------
    def state_dict(self):
        """A snapshot in PyTorch's format: ``{"state": {i: {...}}, "param_groups": [{..., "params": [i...]}]}``."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for key, value in self.state.items():
            key = index[id(key)] if isinstance(key, Tensor) else key
            state[key] = {k: _snapshot(v) for k, v in value.items()} if isinstance(value, dict) else _snapshot(value)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a ``state_dict()`` (a deep copy: later steps never write into ``state_dict``).

        The number of groups and of parameters per group must match this optimizer's; tensors in the
        state are copied to their parameter's device and floating dtype.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            got = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"load_state_dict expects an optimizer state_dict, a dict with 'state' and "
                             f"'param_groups'; got {got}")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, (list, tuple)) or not all(isinstance(g, dict) and "params" in g
                                                                    for g in saved_groups):
            raise ValueError("loaded state dict's 'param_groups' must be a list of dicts with a 'params' entry")
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter group(s), but this optimizer "
                             f"has {len(groups)}")
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group: group {i} has {len(s['params'])} parameter(s) in the state "
                                 f"dict and {len(g['params'])} in the optimizer")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        saved_state = state_dict["state"]
        if not isinstance(saved_state, dict):
            raise ValueError(f"loaded state dict's 'state' must be a dict, got {type(saved_state).__name__}")
        state = defaultdict(dict)
        for key, value in saved_state.items():
            if key in id_map:
                p = id_map[key]
                if not isinstance(value, dict):
                    raise ValueError(f"loaded state for parameter {key} must be a dict, got {type(value).__name__}")
                state[p] = {k: _load_value(p, key, k, v, k in self._factored_state) for k, v in value.items()}
            else:
                state[key] = copy.deepcopy(value)
        new_groups = []
        for g, s in zip(groups, saved_groups):
            ng = {k: copy.deepcopy(v) for k, v in s.items() if k != "params"}
            for k, v in self.defaults.items():
                ng.setdefault(k, v)
            self._validate(ng)
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self._fix_loaded_groups(new_groups)
        self.state = state
        self.param_groups = new_groups

    # state keys whose tensors are not shaped like their parameter (Adafactor's row and column statistics)
    _factored_state = ()

    def _fix_loaded_groups(self, groups):
        """Hook for subclasses to force group settings after loading (AdamW's decoupled_weight_decay)."""

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k not in ("params", "param_names"))
        lines.append(")")
        return "\n".join(lines)


def _follow(p, state):
    """Move/cast the state tensors of ``p`` to its device and floating dtype when they differ."""
    backend, dt = p._backend, p._data.dtype
    for k, v in state.items():
        if isinstance(v, Tensor) and k not in HOST_STATE:
            arr = v._data
            if v._backend is not backend or (arr.dtype != dt and arr.dtype.kind == "f" and dt.kind == "f"):
                state[k] = _moved(v, backend, dt)


def _moved(v, backend, dt):
    """A copy of tensor ``v`` on ``backend``, cast to floating dtype ``dt`` if it is floating."""
    arr = v._data
    if v._backend is not backend:
        arr = backend.from_host(v._backend.to_host(arr))
    target = dt if (arr.dtype.kind == "f" and dt.kind == "f") else arr.dtype
    return make_tensor(arr.astype(target), backend)  # astype copies


def _snapshot(v):
    if isinstance(v, Tensor):
        return make_tensor(v._data.copy(), v._backend)
    return copy.deepcopy(v)


def _load_value(p, index, key, value, factored=False):
    if isinstance(value, Tensor):
        if key in HOST_STATE:
            return make_tensor(CPU.asarray(value._backend.to_host(value._data), dtype=dtypes.float32).copy(), CPU)
        if value.ndim and tuple(value.shape) != tuple(p.shape) and not factored:
            raise ValueError(f"loaded state for parameter {index} has '{key}' of shape {tuple(value.shape)}, but the "
                             f"parameter has shape {tuple(p.shape)}")
        return _moved(value, p._backend, p._data.dtype)
    return copy.deepcopy(value)
