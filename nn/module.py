"""Module: the base of every layer and model, with PyTorch's registration and state_dict semantics.

Assigning a Parameter as an attribute registers it; assigning a Module registers a submodule;
``register_buffer`` registers a tensor that is state but not learnable (BatchNorm's running
statistics). All three keep their registration order, so ``parameters()`` and ``state_dict()``
are deterministic and their keys equal PyTorch's for the same architecture.
"""

import collections
import itertools

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import RemovableHandle

from .parameter import Parameter


def _needs_grad(t):
    return isinstance(t, Tensor) and t.requires_grad and t.dtype.kind == "f"


class _BackwardHookGate(ag.Function):
    """y_i = x_i for k tensors;  dL/dx = on_grads(dL/dy): the place a module's backward hooks run"""

    def forward(self, *arrays, on_grads):
        self.on_grads = on_grads
        return arrays if len(arrays) > 1 else arrays[0]

    def backward(self, *gys):
        out = tuple(self.on_grads(gys))
        return out if len(out) > 1 else out[0]


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """load_state_dict's result: (missing_keys, unexpected_keys); printed as PyTorch's when both are empty."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class for layers and models: subclass it, create parameters and submodules in
    ``__init__``, and compute the output in ``forward``. Call the module, not ``forward``."""

    training: bool

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = {}
        d["_forward_pre_hooks"] = {}
        d["_backward_hooks"] = {}

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define one in the subclass")

    def __call__(self, *args, **kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            new = hook(self, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
        backward_hooks = self.__dict__.get("_backward_hooks")
        if backward_hooks and ag.is_grad_enabled():
            return self._call_with_backward_hooks(args, kwargs, list(backward_hooks.values()))
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            new = hook(self, args, out)
            if new is not None:
                out = new
        return out

    def _call_with_backward_hooks(self, args, kwargs, hooks):
        """forward between two gates: identities whose backwards see dL/d(output) and then dL/d(inputs),
        where each ``hook(module, grad_input, grad_output)`` runs (and may replace grad_input)."""
        state = {"grad_output": None}
        gated = [i for i, a in enumerate(args) if _needs_grad(a)]

        def run_hooks(grad_input):
            for hook in hooks:
                new = hook(self, grad_input, state["grad_output"])
                if new is not None:
                    new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
                    if len(new) != len(grad_input):
                        raise RuntimeError(f"backward hook of {type(self).__name__} returned {len(new)} gradient(s) "
                                           f"for {len(grad_input)} input(s)")
                    grad_input = new
            return grad_input

        if gated:
            def on_input_grads(gys):
                full = [None] * len(args)
                for i, g in zip(gated, gys):
                    full[i] = g
                full = run_hooks(tuple(full))
                return tuple(full[i] for i in gated)

            opened = _BackwardHookGate.apply(*[args[i] for i in gated], on_grads=on_input_grads)
            opened = opened if isinstance(opened, tuple) else (opened,)
            args = list(args)
            for i, t in zip(gated, opened):
                args[i] = t
            args = tuple(args)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            new = hook(self, args, out)
            if new is not None:
                out = new
        outs = out if isinstance(out, tuple) else (out,)
        oidx = [i for i, o in enumerate(outs) if _needs_grad(o)]
        if not oidx:
            return out

        def on_output_grads(gys):
            full = [None] * len(outs)
            for i, g in zip(oidx, gys):
                full[i] = g
            state["grad_output"] = tuple(full)
            if not gated:  # no input takes a gradient: the hooks run now, with grad_input all None (as PyTorch)
                run_hooks((None,) * len(args))
            return gys

        closed = _BackwardHookGate.apply(*[outs[i] for i in oidx], on_grads=on_output_grads)
        closed = closed if isinstance(closed, tuple) else (closed,)
        outs = list(outs)
        for i, t in zip(oidx, closed):
            outs[i] = t
        return tuple(outs) if isinstance(out, tuple) else outs[0]

    # --- registration --------------------------------------------------------------------------
    def _check_init(self):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign parameters or modules before {type(self).__name__}.__init__ "
                                 f"called Module.__init__() (call super().__init__() first)")

    def __setattr__(self, name, value):
        d = self.__dict__
        if isinstance(value, Parameter):
            self._check_init()
            self._forget(name)
            d["_parameters"][name] = value
        elif isinstance(value, Module):
            self._check_init()
            self._forget(name)
            d["_modules"][name] = value
        elif "_parameters" in d and name in d["_parameters"]:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' (a Parameter or None "
                                f"is required)")
            d["_parameters"][name] = None
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module '{name}' (a Module or None "
                                f"is required)")
            d["_modules"][name] = None
        elif "_buffers" in d and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' (a Tensor or None is "
                                f"required)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        for table in ("_parameters", "_modules", "_buffers"):
            self.__dict__[table].pop(name, None)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if table in d and name in d[table]:
                return d[table][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if name in d.get(table, {}):
                del d[table][name]
                d["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def _check_name(self, name, what):
        if not isinstance(name, str):
            raise TypeError(f"{what} name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{what} name can't be empty or contain '.', got {name!r}")
        if name in self.__dict__ and not any(name in self.__dict__[t] for t in ("_parameters", "_buffers",
                                                                                  "_modules")):
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add a parameter (a Parameter or None) under ``name``."""
        self._check_init()
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} object to parameter '{name}' "
                            f"(a Parameter or None is required)")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: state that is saved in the state_dict (unless ``persistent=False``) and moved by
        ``to()``, but is not a parameter."""
        self._check_init()
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign {type(tensor).__name__} object to buffer '{name}' (a Tensor or None "
                            f"is required)")
        self._forget(name)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module under ``name``."""
        self._check_init()
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no submodule '{part}' (looking up '{target}')")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        """The parameter named by a dotted path, e.g. ``"layer1.0.conv1.weight"``."""
        return self._get_named(target, "_parameters", "parameter")

    def get_buffer(self, target):
        """The buffer named by a dotted path, e.g. ``"bn1.running_mean"``."""
        return self._get_named(target, "_buffers", "buffer")

    def _get_named(self, target, table, kind):
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in getattr(module, table):
            raise AttributeError(f"{type(module).__name__} has no {kind} '{name}' (looking up '{target}')")
        return getattr(module, table)[name]

    # --- iteration -------------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and every descendant, depth first (``""`` for self)."""
        stack = [(prefix, self)]
        seen = set() if memo is None else memo
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, table, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_name, module in modules:
            for name, value in module.__dict__[table].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_name}.{name}" if mod_name else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) pairs, in registration order; shared parameters appear once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # --- state -----------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Every parameter and persistent buffer by dotted name (``0.weight``, ``1.running_mean``, ...).

        Values share memory with the module's tensors (detached unless ``keep_vars=True``).
        """
        out = {} if destination is None else destination
        for name, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            base = f"{name}." if name else ""
            for pname, p in module._parameters.items():
                if p is not None:
                    out[base + pname] = p if keep_vars else p.detach()
            for bname, b in module._buffers.items():
                if b is not None and bname not in module._non_persistent_buffers:
                    out[base + bname] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        With ``strict=True`` (default) the keys must match exactly; every missing, unexpected and
        mis-shaped key is named in one error. Returns (missing_keys, unexpected_keys).
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
        for prefix, module in self.named_modules():  # a module may prepare for its entries (lazy ones materialise)
            prepare = getattr(module, "_before_load_state_dict", None)
            if prepare is not None:
                p = prefix + "." if prefix else ""
                prepare({k[len(p):]: v for k, v in state_dict.items() if k.startswith(p) and "." not in k[len(p):]})
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                try:
                    value = ag.tensor(value)
                except Exception:
                    errors.append(f"{key}: expected a tensor, got {type(value).__name__}")
                    continue
            if tuple(value.shape) != tuple(target.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape {tuple(value.shape)} from "
                              f"checkpoint, the shape in current model is {tuple(target.shape)}")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with ag.no_grad():
            for key, target in own.items():
                if key in state_dict:
                    value = state_dict[key]
                    value = value if isinstance(value, Tensor) else ag.tensor(value)
                    target.copy_(value.to(device=target.device, dtype=target.dtype))
        return _IncompatibleKeys(missing, unexpected)

    # --- modes, devices, gradients --------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode on this module and every descendant (Dropout, BatchNorm behave differently)."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {mode!r}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def _apply_to_tensors(self, fn):
        for module in self.modules():
            for table in (module._parameters, module._buffers):
                for name, t in table.items():
                    if t is None:
                        continue
                    moved = fn(t)
                    if moved is t:
                        continue
                    t._data, t._backend = moved._data, moved._backend  # in place: optimizers keep their refs
                    if t._grad is not None:
                        t._grad = fn(t._grad)
        return self

    def to(self, *args, device=None, dtype=None):
        """Move (and/or cast, for floating tensors) every parameter and buffer in place."""
        for arg in args:
            if isinstance(arg, str) or type(arg).__name__ == "Device":
                device = arg
            else:
                dtype = arg
        if dtype is not None:
            dt = ag.dtypes.to_dtype(dtype)
            if dt.kind != "f":
                raise TypeError(f"Module.to only accepts floating-point dtypes, got {dt.name}")

        def move(t):
            with ag.no_grad():
                out = t.to(device=device) if device is not None else t
                if dtype is not None and t.dtype.kind == "f":
                    out = out.to(dtype=dtype)
            return out

        return self._apply_to_tensors(move)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)

    def float(self):
        return self.to(dtype=ag.float32)

    def double(self):
        return self.to(dtype=ag.float64)

    def half(self):
        return self.to(dtype=ag.float16)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter (to None by default, as PyTorch 2 does)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p._grad.detach_()
                    p._grad.zero_()

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule (children first) and on self, as PyTorch does."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # --- hooks -----------------------------------------------------------------------------------
    def register_forward_hook(self, hook):
        """``hook(module, inputs, output)`` after every forward; a non-None return replaces the output."""
        return RemovableHandle(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook):
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the module's
        positional tensor inputs are computed (None for inputs that take none); a non-None return replaces
        grad_input. As PyTorch's: the inputs and outputs pass through identity nodes, so a hook sees the
        gradients of the whole module, however many ops it runs."""
        return RemovableHandle(self._backward_hooks, hook)

    def register_forward_pre_hook(self, hook):
        """``hook(module, inputs)`` before every forward; a non-None return replaces the inputs."""
        return RemovableHandle(self._forward_pre_hooks, hook)

    # --- printing --------------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, module in self._modules.items():
            text = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        name = type(self).__name__
        if not lines:
            return f"{name}()"
        if len(lines) == 1 and not self._modules:
            return f"{name}({lines[0]})"
        return name + "(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(itertools.chain(super().__dir__(), self._parameters, self._buffers, self._modules)))
