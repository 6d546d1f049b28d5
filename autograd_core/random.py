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


class Generator:
    """An independent CPU random stream, as ``torch.Generator``: pass it to a DataLoader, random_split
    or a transform to make their randomness reproducible without touching the global seed.

        g = ag.Generator().manual_seed(0)
        loader = DataLoader(ds, shuffle=True, generator=g)
    """

    def __init__(self, device="cpu"):
        if backends.parse_device(device).type != "cpu":
            raise ValueError(f"Generator: only CPU generators are supported (got device {device!r}); random draws "
                             f"on a GPU use that device's generator, seeded by manual_seed")
        self._rng = backends.NumpyBackend()  # its own PCG64 stream; used for nothing but random numbers

    def manual_seed(self, seed):
        if isinstance(seed, bool) or not isinstance(seed, (int, numpy.integer)):
            raise TypeError(f"manual_seed expects an int, got {type(seed).__name__} {seed!r}")
        self._rng.manual_seed(int(seed) & ((1 << 64) - 1))
        return self

    def seed(self):
        s = int(numpy.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._rng.initial_seed()

    def get_state(self):
        return make_tensor(self._rng.get_rng_state(), backends.CPU)

    def set_state(self, state):
        if isinstance(state, Tensor):
            state = state._backend.to_host(state._data)
        self._rng.set_rng_state(numpy.asarray(state, dtype=numpy.uint8))
        return self

    # draws, as host NumPy arrays (small: indices and per-sample augmentation parameters)
    def permutation(self, n):
        return self._rng.permutation(n)

    def random(self, shape, dtype=numpy.float64):
        return self._rng.random(shape, dtype)

    def normal(self, shape, dtype=numpy.float64):
        return self._rng.normal(shape, dtype)

    def integers(self, low, high, shape, dtype=numpy.int64):
        return self._rng.integers(low, high, shape, dtype)


def default_generator():
    """The global CPU stream (the one ``manual_seed`` seeds) as a Generator."""
    g = object.__new__(Generator)
    g._rng = backends.CPU
    return g
