"""Device names: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, parsed once into a small value object."""


class Device:
    """A device, as PyTorch spells it: ``Device("cuda:1").type == "cuda"``, ``.index == 1``.

    Compares equal to its string form, so ``x.device == "cpu"`` reads naturally.
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        self.type = type
        self.index = index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device({str(self)!r})"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = parse_device(other)
            except (ValueError, TypeError):
                return False
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


KNOWN_TYPES = ("cpu", "cuda")


def parse_device(spec):
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:1"``, a ``Device`` or a GPU ordinal into a canonical Device.

    ``"cuda"`` means the current GPU, index 0; ``"cpu"`` has no index.
    """
    if isinstance(spec, Device):
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool):
        if spec < 0:
            raise ValueError(f"device ordinal must be >= 0, got {spec}")
        return Device("cuda", spec)
    if not isinstance(spec, str):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda:0', got {type(spec).__name__} {spec!r}")
    text = spec.strip().lower()
    kind, sep, index = text.partition(":")
    if kind not in KNOWN_TYPES:
        raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'cuda' or 'cuda:N'")
    if not sep:
        return Device(kind, 0 if kind == "cuda" else None)
    if kind == "cpu":
        if index in ("0", ""):
            return Device("cpu")
        raise ValueError(f"unknown device {spec!r}: the CPU has no index other than 0")
    if not index.isdigit():
        raise ValueError(f"unknown device {spec!r}: the index after 'cuda:' must be a whole number")
    return Device("cuda", int(index))
