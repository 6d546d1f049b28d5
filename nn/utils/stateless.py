"""nn.utils.stateless.functional_call, as ``torch.func.functional_call``: call a module with some of its
parameters and buffers replaced by the given tensors (by their state_dict names), for that call only.
Gradients flow to the given tensors; the module's own are left as they were."""

import contextlib


def _owner(module, name):
    *path, leaf = name.split(".")
    for part in path:
        sub = module._modules.get(part)
        if sub is None:
            raise AttributeError(f"functional_call: {type(module).__name__} has no submodule '{part}' (in '{name}')")
        module = sub
    return module, leaf


_ABSENT = object()


@contextlib.contextmanager
def _swapped(module, tensors, strict):
    saved = []
    try:
        for name, value in tensors.items():
            owner, leaf = _owner(module, name)
            for table in ("_parameters", "_buffers"):
                if leaf in owner.__dict__[table]:
                    saved.append((owner.__dict__[table], leaf, owner.__dict__[table][leaf]))
                    owner.__dict__[table][leaf] = value
                    break
            else:
                if strict or leaf in owner.__dict__ or hasattr(type(owner), leaf):
                    raise AttributeError(f"functional_call: '{name}' is not a parameter or buffer of "
                                         f"{type(module).__name__}")
                saved.append((owner.__dict__["_buffers"], leaf, _ABSENT))  # a new name: a buffer for this call
                owner.__dict__["_buffers"][leaf] = value
        yield
    finally:
        for table, leaf, old in reversed(saved):
            if old is _ABSENT:
                table.pop(leaf, None)
            else:
                table[leaf] = old


def _tied(module, tensors):
    """``tensors`` plus, for each name given, the other names of the same tensor in the module (tied weights)."""
    names = {}
    for name, t in module.state_dict(keep_vars=True).items():
        names.setdefault(id(t), []).append(name)
    out = dict(tensors)
    current = module.state_dict(keep_vars=True)
    for name, value in tensors.items():
        if name in current:
            for other in names[id(current[name])]:
                if other in tensors and tensors[other] is not value:
                    raise ValueError(f"functional_call: '{name}' and '{other}' are tied in the module, but different "
                                     f"tensors were given for them (pass tie_weights=False to untie them)")
                out.setdefault(other, value)
    return out


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the tensors of ``parameter_and_buffer_dicts`` (a dict, or a tuple of
    dicts, name -> Tensor) in place of the module's parameters and buffers of those names, for this call."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (tuple, list)):
        merged = {}
        for d in dicts:
            overlap = set(merged) & set(d)
            if overlap:
                raise ValueError(f"functional_call: {sorted(overlap)} appear in more than one of the dicts")
            merged.update(d)
        dicts = merged
    if not isinstance(dicts, dict):
        raise TypeError(f"functional_call: expected a dict (or a tuple of dicts) of tensors, got "
                        f"{type(parameter_and_buffer_dicts).__name__}")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    if strict:
        names = set(module.state_dict(keep_vars=True))
        missing, unexpected = sorted(names - set(dicts)), sorted(set(dicts) - names)
        if missing or unexpected:
            raise RuntimeError(f"functional_call: strict=True, but missing keys {missing} and unexpected keys "
                               f"{unexpected}")
    if tie_weights:
        dicts = _tied(module, dicts)
    with _swapped(module, dicts, strict):
        return module(*args, **(kwargs or {}))
