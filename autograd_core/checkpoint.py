"""Training checkpoints: every stateful object, the epoch and every RNG state in one safe file.

    ag.save_checkpoint("run.safetensors", epoch=5, model=model, optimizer=opt, scheduler=sched)
    ...                                   # a fresh process, the same objects built again
    info = ag.load_checkpoint("run.safetensors", model=model, optimizer=opt, scheduler=sched)
    start = info["epoch"] + 1

Any object with ``state_dict()`` / ``load_state_dict()`` can be passed (models, optimizers,
schedulers, early stopping). The random generators of every device are saved and restored too,
so dropout masks, shuffling and augmentation continue exactly where they stopped: resuming gives
the same numbers, bit for bit on the CPU, as never stopping. The file is written atomically through
``autograd_core.save`` (no pickle).
"""

from .random import get_all_rng_states, set_all_rng_states
from .serialization import load, save


def _check(name, obj, method):
    if not callable(getattr(obj, method, None)):
        raise TypeError(f"checkpoint: {name} is a {type(obj).__name__}, which has no {method}()")


def save_checkpoint(path, epoch=None, extra=None, **stateful):
    """Write the ``state_dict()`` of each keyword argument, ``epoch``, ``extra`` (a dict of numbers,
    strings, tensors...) and the RNG states of every device to ``path``, atomically."""
    states = {}
    for name, obj in stateful.items():
        _check(name, obj, "state_dict")
        states[name] = obj.state_dict()
    save({"format": "autograd-core-checkpoint", "epoch": epoch, "extra": extra or {}, "states": states,
          "rng": get_all_rng_states()}, path)


def load_checkpoint(path, map_location=None, restore_rng=True, strict=True, **stateful):
    """Load ``path`` into each keyword argument (by the same names it was saved with) and restore
    the RNG states. Returns the whole checkpoint dict (``epoch``, ``extra``, ``states``, ``rng``).

    With ``strict=True`` every object passed must be in the file (an error names the missing ones).
    """
    ckpt = load(path, map_location=map_location)
    if not isinstance(ckpt, dict) or ckpt.get("format") != "autograd-core-checkpoint":
        raise ValueError(f"{path}: not a checkpoint written by save_checkpoint (use autograd_core.load for a "
                         f"plain saved object)")
    states = ckpt["states"]
    missing = [name for name in stateful if name not in states]
    if missing and strict:
        raise KeyError(f"{path}: the checkpoint has no state for {missing}; it holds {sorted(states)}")
    for name, obj in stateful.items():
        if name in states:
            _check(name, obj, "load_state_dict")
            obj.load_state_dict(states[name])
    if restore_rng:
        set_all_rng_states({d: s for d, s in ckpt["rng"].items() if d == "cpu" or map_location is None})
    return ckpt
