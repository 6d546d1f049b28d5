"""Per-op overhead: a chain of 100 statements ``x = x * 1.0001 + 0.0001`` on a 16-element float32
tensor, then ``x.sum().backward()``. Reported per primitive op: (forward + backward) / 200 ops.

This is pure framework overhead (the arrays are tiny): graph recording, dispatch, the backward walk.
"""

STATEMENTS = 100
OPS = 2 * STATEMENTS


def _chain(lib, device):
    """The step, written once for both frameworks (``lib`` is autograd_core or torch: same API)."""
    x0 = lib.ones(16, device=device, requires_grad=True)

    def step():
        x = x0
        for _ in range(STATEMENTS):
            x = x * 1.0001 + 0.0001
        x.sum().backward()
        x0.grad = None

    return step


def ours_step(device, batch_size=None):
    import autograd_core

    return _chain(autograd_core, device)


def torch_step(device, batch_size=None):
    import torch

    return _chain(torch, device)


WORKLOAD = {
    "name": "overhead",
    "description": "chain of 100 x = x * 1.0001 + 0.0001 on 16 floats, forward + backward",
    "unit": "us/op",
    "scale": 1e6 / OPS,  # seconds per step -> microseconds per primitive op
    "ours": ours_step,
    "torch": torch_step,
    "batch_size": {"cpu": None, "cuda": None},
    "repeats": 200,
    "warmup": 20,
}
