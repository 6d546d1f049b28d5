"""One flat vector from many parameters and back, as ``torch.nn.utils``'s functions of the same names."""

import autograd_core as ag
from autograd_core import Tensor


def _tensors(parameters, what):
    if isinstance(parameters, Tensor):
        raise TypeError(f"{what}: expected an iterable of Tensors (e.g. model.parameters()), got one Tensor")
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{what}: item {i} is a {type(p).__name__}, not a Tensor")
    for i, p in enumerate(params[1:], 1):
        if p.device != params[0].device:
            raise RuntimeError(f"{what}: parameter {i} is on {p.device} but parameter 0 is on {params[0].device}; "
                               f"all must be on one device")
    return params


def parameters_to_vector(parameters):
    """The parameters flattened and joined into one 1-d tensor (differentiable: a cat of views)."""
    params = _tensors(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return ag.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d ``vec`` into ``parameters`` (in place, no graph), the inverse
    of ``parameters_to_vector``."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-d tensor, got shape {tuple(vec.shape)}")
    params = _tensors(parameters, "vector_to_parameters")
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise ValueError(f"vector_to_parameters: the vector has {vec.numel()} elements but the parameters have "
                         f"{total}")
    start = 0
    with ag.no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[start:start + n].reshape(p.shape).to(device=p.device, dtype=p.dtype))
            start += n
