"""Seeding: one ``manual_seed(s)`` seeds the generator of every device.

Parameter initialisation, dropout masks, data shuffling and augmentation all draw from these
generators, so a seeded run is reproducible. CPU states are uint8 tensors (as in PyTorch).
"""

import numpy

import backends

from .tensor import Tensor, make_tensor

_seeded = {"seed": backends.DEFAULT_SEED}


def manual_seed(seed):
    """Seed the generators of the CPU and of every GPU (those created later too)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, numpy.integer)):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if seed < 0:
        seed &= (1 << 64) - 1  # as PyTorch does, a negative seed wraps around
    _seeded["seed"] = seed
    backends.set_default_seed(seed)
    for backend in backends.initialized_backends():
        backend.manual_seed(seed)
    return seed


def seed():
    """Seed every generator from OS entropy; returns the seed used."""
    s = int(numpy.random.SeedSequence().entropy) & ((1 << 63) - 1)
    return manual_seed(s)


def initial_seed():
    """The seed last given to ``manual_seed`` (or the default one)."""
    return _seeded["seed"]


def get_rng_state(device="cpu"):
    """The state of ``device``'s generator as a uint8 tensor on the CPU."""
    backend = backends.get_backend(device)
    return make_tensor(backend.get_rng_state(), backends.CPU)


def set_rng_state(state, device="cpu"):
    """Restore a state from ``get_rng_state`` (the same device kind)."""
    backend = backends.get_backend(device)
    if isinstance(state, Tensor):
        state = state._backend.to_host(state._data)
    state = numpy.asarray(state)
    if state.dtype != numpy.uint8:
        raise TypeError(f"set_rng_state expects a uint8 tensor from get_rng_state, got dtype {state.dtype}")
    backend.set_rng_state(state)


def get_all_rng_states():
    """Every created device's generator state: ``{"cpu": tensor, "cuda:0": tensor, ...}``."""
    return {str(b.device): make_tensor(b.get_rng_state(), backends.CPU) for b in backends.initialized_backends()}


def set_all_rng_states(states):
    for device, state in states.items():
        set_rng_state(state, device)
