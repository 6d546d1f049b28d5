"""Grad modes: ``no_grad`` (and ``inference_mode``), ``enable_grad``, ``set_grad_enabled``, and
``detect_anomaly``.

Each works as a context manager and as a decorator, as in PyTorch. The state is per thread.
"""

import functools
import threading


class _State(threading.local):
    grad_enabled = True
    anomaly = False


STATE = _State()


def is_grad_enabled():
    """True when operations record a graph for backward."""
    return STATE.grad_enabled


def is_anomaly_enabled():
    return STATE.anomaly


class _Mode:
    """Base of the mode switches: a context manager that restores the previous state on exit."""

    attr = "grad_enabled"

    def __init__(self, value):
        self.value = value
        self.prev = []

    def __enter__(self):
        self.prev.append(getattr(STATE, self.attr))
        setattr(STATE, self.attr, self.value)
        return self

    def __exit__(self, *exc):
        setattr(STATE, self.attr, self.prev.pop())
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)._again(self):
                return func(*args, **kwargs)

        return wrapper

    def _again(self):
        return type(self)(self.value)


class no_grad(_Mode):
    """Disable graph recording: results have no grad_fn and ``requires_grad=False``.

    >>> with no_grad():
    ...     y = x * 2          # y.requires_grad is False
    """

    def __init__(self):
        super().__init__(False)

    def _again(self):
        return no_grad()


class inference_mode(_Mode):
    """``no_grad`` under PyTorch's other name: ``with inference_mode():`` records no graph (and
    ``inference_mode(False)`` leaves the mode as it is). Also a decorator."""

    def __init__(self, mode=True):
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode expects a bool, got {type(mode).__name__} {mode!r}")
        super().__init__(False)
        self.mode = mode

    def __enter__(self):
        self.value = False if self.mode else STATE.grad_enabled  # inference_mode(False): no change
        return super().__enter__()

    def _again(self):
        return inference_mode(self.mode)


class enable_grad(_Mode):
    """Re-enable graph recording inside a ``no_grad`` block (or as a decorator)."""

    def __init__(self):
        super().__init__(True)

    def _again(self):
        return enable_grad()


class set_grad_enabled(_Mode):
    """Set graph recording on or off: ``with set_grad_enabled(is_train): ...``.

    Like PyTorch, calling it as a plain function sets the mode at once; as a context manager or a
    decorator it restores the previous mode afterwards.
    """

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled expects a bool, got {type(mode).__name__} {mode!r}")
        super().__init__(mode)
        self._before = STATE.grad_enabled
        STATE.grad_enabled = mode

    def __enter__(self):
        self.prev.append(self._before)
        STATE.grad_enabled = self.value
        return self

    def __call__(self, func):
        STATE.grad_enabled = self._before  # used as a decorator: only calls of func change the mode
        return super().__call__(func)

    def _again(self):
        return set_grad_enabled(self.value)


class detect_anomaly(_Mode):
    """Check every gradient computed in backward for NaN or Inf.

    While enabled, each recorded op remembers where it was created; when its backward produces
    a NaN or Inf, backward raises a RuntimeError naming the op and the line of forward code
    that made it. Slow: use it to debug, not to train.
    """

    attr = "anomaly"

    def __init__(self, mode=True):
        super().__init__(bool(mode))

    def _again(self):
        return detect_anomaly(self.value)
