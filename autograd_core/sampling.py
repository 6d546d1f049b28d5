"""Sampling, as PyTorch's: ``multinomial``, ``bernoulli`` and ``normal``, from the device's seeded generator
(or a CPU ``Generator`` given as ``generator=``). Draws carry no gradient.

    multinomial(w, k, replacement=True)   k draws per row of the weights w (C,) or (N, C): the index j
                                          with probability w_j / sum w, by the inverse of the running sum
    multinomial(w, k)                     k distinct indices per row, as drawing one at a time and removing
                                          it: the k largest keys log(u_j) / w_j, u_j ~ U(0, 1) (Efraimidis
                                          and Spirakis' weighted sampling without replacement)
    bernoulli(p)                          1 with probability p, else 0, in p's dtype
    normal(mean, std)                     mean + std N(0, 1), the two broadcast (numbers take ``size``)
"""

import numpy

from backends import get_backend

from . import dtypes
from .factories import _source
from .tensor import Tensor, make_tensor


def _host_check(backend, flag):
    return bool(backend.to_host(flag))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """``num_samples`` category indices (int64) per row of the non-negative weights ``input`` (C,) or (N, C)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial: input must be a Tensor of weights, got {type(input).__name__}")
    if input.ndim not in (1, 2) or input.dtype.kind != "f":
        raise ValueError(f"multinomial: input must be floating weights of shape (C,) or (N, C), got shape "
                         f"{tuple(input.shape)} and dtype {input.dtype.name}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be a positive int, got {num_samples!r}")
    backend = input._backend
    xp = backend.xp
    w = input._data.reshape(-1, input.shape[-1]).astype(dtypes.float64, copy=False)
    n, c = w.shape
    if c == 0:
        raise ValueError("multinomial: input has no categories (its last dimension is 0)")
    if _host_check(backend, xp.any(~xp.isfinite(w)) | xp.any(w < 0)):
        raise ValueError("multinomial: the weights must be finite and non-negative (got inf, NaN or a negative)")
    positive = (w > 0).sum(axis=1)
    if _host_check(backend, xp.any(positive == 0)):
        raise ValueError("multinomial: a row of weights sums to 0: nothing to draw from")
    if not replacement and _host_check(backend, xp.any(positive < num_samples)):
        raise ValueError(f"multinomial: cannot draw {num_samples} distinct categories without replacement from a "
                         f"row with only {int(backend.to_host(positive.min()))} nonzero weight(s); pass "
                         f"replacement=True or fewer samples")
    rng = _source(backend, generator, "multinomial")
    u = backend.asarray(rng.random((n, num_samples if replacement else c), dtypes.float64))
    if replacement:
        running = xp.cumsum(w, axis=1)
        target = u * running[:, -1:]
        index = (running[:, None, :] <= target[:, :, None]).sum(axis=2)
        # the last category with a weight: where u * total rounds up to the total, not past it
        last = c - 1 - xp.argmax((w > 0)[:, ::-1], axis=1)
        index = xp.minimum(index, last[:, None])
    else:
        with numpy.errstate(divide="ignore"):
            keys = xp.log(u) / w  # (a zero weight gives -inf: drawn after every positive one)
        index = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    index = index.astype(dtypes.int64, copy=False)
    return make_tensor(index if input.ndim == 2 else index.reshape(num_samples), backend)


def bernoulli(input, p=None, *, generator=None):
    """1 where a uniform draw is below the probability (``input``'s entries, or ``p``), else 0; in ``input``'s
    dtype and shape."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: input must be a Tensor, got {type(input).__name__}")
    backend = input._backend
    xp = backend.xp
    dt = input.dtype if input.dtype.kind == "f" else dtypes.DEFAULT_FLOAT
    prob = input._data if p is None else p
    if p is not None and (isinstance(p, Tensor) or not 0.0 <= float(p) <= 1.0):
        raise ValueError(f"bernoulli: p must be a number in [0, 1], got {p!r}")
    if p is None and _host_check(backend, xp.any((prob < 0) | (prob > 1) | (prob != prob))):
        raise ValueError("bernoulli: the probabilities must be in [0, 1] (got a value outside, or NaN)")
    u = _source(backend, generator, "bernoulli").random(tuple(input.shape), dt)
    return make_tensor((backend.asarray(u) < prob).astype(dt), backend)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None):
    """Samples of N(mean, std^2): ``mean`` and ``std`` Tensors (broadcast) or numbers (then ``size`` is the shape)."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        backend = tensors[0]._backend
        if size is not None:
            raise TypeError("normal: size is taken from mean and std when either is a Tensor; leave it out")
        xp = backend.xp
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        dt = numpy.result_type(*(a.dtype for a in (m, s) if not isinstance(a, (int, float))))
        if dt.kind != "f":
            raise TypeError(f"normal: mean and std must be floating, got dtype {dt.name}")
        if _host_check(backend, xp.any(xp.asarray(s) < 0)) if isinstance(std, Tensor) else float(s) < 0:
            raise ValueError("normal: std must be non-negative")
        shape = numpy.broadcast_shapes(getattr(m, "shape", ()), getattr(s, "shape", ()))
        z = backend.asarray(_source(backend, generator, "normal").normal(tuple(shape), dt))
        return make_tensor((z * s + m).astype(dt, copy=False), backend)
    if size is None:
        raise TypeError("normal: with numbers for mean and std, give size, e.g. normal(0.0, 1.0, size=(2, 3))")
    if float(std) < 0:
        raise ValueError(f"normal: std must be non-negative, got {std}")
    backend = get_backend("cpu" if device is None else device)
    dt = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
    shape = (size,) if isinstance(size, int) else tuple(size)
    z = _source(backend, generator, "normal").normal(shape, dt)
    return make_tensor(backend.asarray(z * dt.type(std) + dt.type(mean)).astype(dt, copy=False), backend)
