"""Resampling: interpolate (nearest, nearest-exact, linear, bilinear, area), pixel_shuffle, pixel_unshuffle.

Every mode is a gather at precomputed source positions, so the gradients of every order are those of
indexing (a scatter-add, whose own gradient is the gather again):

    nearest / nearest-exact:  y[..., i] = x[..., src(i)]
    linear (per spatial dim): y[..., i] = w0(i) x[..., i0(i)] + w1(i) x[..., i1(i)],  w0 + w1 = 1
                              dL/dx[..., j] = sum over i with i0(i) = j of w0(i) dL/dy[..., i] (+ the w1 term)

Bilinear is linear along W, then along H (the product of the two 1-D weights, as PyTorch's kernel).
The source positions follow PyTorch's CPU kernel to the rounding: the scale is 1/scale_factor when a
scale factor is given (and not recomputed), else in/out; align_corners maps the corner pixels onto each
other, scale = (in - 1)/(out - 1); the position is computed in the input's dtype and floored in float32.
Indices and weights are built with the backend's ``xp``, on the input's device.

pixel_shuffle moves r*r channels into an r x r block: (*, C r^2, H, W) -> (*, C, H r, W r), a reshape
and a permute (pixel_unshuffle is its inverse).
"""

import math
import numbers

from autograd_core import Tensor, dtypes
from autograd_core.ops.index import GetItem, IndexSelect
from autograd_core.ops.shape import permute, reshape
from autograd_core.tensor import make_tensor

from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")
_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}


# --- source positions (PyTorch's rules) -------------------------------------------------------------
def _ratio(in_size, out_size, align_corners, scale, dt):
    """The step between source positions of consecutive outputs, rounded to ``dt`` as PyTorch does."""
    if align_corners:
        return float(dt.type(in_size - 1) / dt.type(out_size - 1)) if out_size > 1 else 0.0
    if scale is not None and scale > 0:
        return float(dt.type(1.0 / scale))
    return float(dt.type(in_size) / dt.type(out_size))


def _centre(xp, ratio, out_size, calc, fused):
    """ratio (i + 1/2) - 1/2 in ``calc``; ``fused``: in float32 with one rounding, as the fused
    multiply-add of PyTorch's compiled kernels (a product of two float32 numbers is exact in float64)."""
    if fused and calc == dtypes.float32:
        return (ratio * (xp.arange(out_size, dtype=dtypes.float64) + 0.5) - 0.5).astype(calc)
    return ratio * (xp.arange(out_size, dtype=calc) + 0.5) - 0.5


def _floor32(xp, src):
    """floorf(src): the position is rounded to float32 before the floor, as PyTorch's kernel does."""
    return xp.floor(src.astype(dtypes.float32)).astype(dtypes.int64)


def _nearest_index(xp, in_size, out_size, scale, dt, exact, two_d):
    """nearest: src(i) = min(floor(i * ratio), in - 1); nearest-exact: floor((i + 1/2) ratio) instead.
    PyTorch's 2-D and 3-D kernels (``two_d``) copy an output of the input's size, or takes i // 2 for twice
    it, whatever the scale factor, and rounds (i + 1/2) ratio - 1/2 without a fused multiply-add."""
    if two_d and not exact and out_size in (in_size, 2 * in_size):
        return xp.arange(out_size, dtype=dtypes.int64) // (out_size // in_size)
    ratio = _ratio(in_size, out_size, False, scale, dt)
    if exact:
        src = xp.maximum(_centre(xp, ratio, out_size, dt, fused=not two_d), 0.0) + 0.5
    else:
        src = ratio * xp.arange(out_size, dtype=dt)
    return xp.minimum(_floor32(xp, src), in_size - 1)


def _opmath(dt):
    """The dtype PyTorch computes positions in: the input's, float32 for half and integer inputs."""
    return dt if dt in (dtypes.float32, dtypes.float64) else dtypes.float32


def _linear_weights(xp, in_size, out_size, align_corners, scale, dt):
    """(i0, i1, w0, w1) for each output position: src = ratio * i with align_corners, else
    max(ratio (i + 1/2) - 1/2, 0); i0 = floor(src), i1 = i0 + 1 (i0 at the last pixel), w1 = src - i0."""
    calc = _opmath(dt)
    ratio = _ratio(in_size, out_size, align_corners, scale, calc)
    if align_corners:
        src = ratio * xp.arange(out_size, dtype=calc)
    else:
        src = xp.maximum(_centre(xp, ratio, out_size, calc, fused=True), 0.0)
    i0 = xp.minimum(_floor32(xp, src), in_size - 1)
    w1 = xp.clip(src - i0.astype(calc), 0.0, 1.0)
    i1 = i0 + (i0 < in_size - 1).astype(dtypes.int64)
    return i0, i1, (1.0 - w1).astype(dt), w1.astype(dt)


def _along(x, axis, idx):
    """x with its dim ``axis`` gathered at ``idx`` (differentiable: the gradient scatter-adds back)."""
    return IndexSelect.apply(x, idx=(slice(None),) * axis + (idx,), scatter=True)


def _lerp(x, axis, in_size, out_size, align_corners, scale):
    """Linear interpolation of x's dim ``axis`` (a negative dim) from in_size to out_size points."""
    if in_size == out_size:  # PyTorch copies (whatever the scale factor)
        return x
    xp, backend, dt = x._backend.xp, x._backend, x._data.dtype
    i0, i1, w0, w1 = _linear_weights(xp, in_size, out_size, align_corners, scale, dt)
    ax = x.ndim + axis
    shape = (out_size,) + (1,) * (-axis - 1)
    return (_along(x, ax, i0) * make_tensor(w0.reshape(shape), backend)
            + _along(x, ax, i1) * make_tensor(w1.reshape(shape), backend))


# --- argument handling ------------------------------------------------------------------------------
def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _per_dim(value, nd, name, input, check):
    what = "interpolate"
    if isinstance(value, (tuple, list)):
        if len(value) != nd:
            raise ValueError(f"{what}: the input has {nd} spatial dimension{'s' if nd > 1 else ''} (shape "
                             f"{tuple(input.shape)}) but {name}={value!r} has {len(value)} entries")
        values = tuple(value)
    else:
        values = (value,) * nd
    if not all(check(v) for v in values):
        kind = "positive ints" if name == "size" else "positive numbers"
        raise ValueError(f"{what}: {name} must be {kind} (one, or one per spatial dimension), got {value!r}")
    return values


def _output_size(input, size, scale_factor, recompute_scale_factor):
    """(output sizes, the scale factors the kernel uses: None where the sizes alone decide)."""
    what = "interpolate"
    nd = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"{what}: only one of size or scale_factor should be defined, got size={size!r} and "
                         f"scale_factor={scale_factor!r}")
    if size is None and scale_factor is None:
        raise ValueError(f"{what}: either size or scale_factor should be defined (both are None)")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(f"{what}: recompute_scale_factor=True is not meaningful with an explicit size "
                             f"(size={size!r})")
        return _per_dim(size, nd, "size", input, lambda v: _is_int(v) and v > 0), (None,) * nd
    scales = tuple(float(s) for s in _per_dim(scale_factor, nd, "scale_factor", input,
                                              lambda v: _is_real(v) and math.isfinite(v) and v > 0))
    out = tuple(int(math.floor(float(n) * s)) for n, s in zip(input.shape[2:], scales))
    if any(o < 1 for o in out):
        raise ValueError(f"{what}: scale_factor={scale_factor!r} gives an empty output {out} for the input of "
                         f"shape {tuple(input.shape)}")
    return out, ((None,) * nd if recompute_scale_factor else scales)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, L), (N, C, H, W) or (N, C, D, H, W) to ``size`` (an int, or one per spatial dim) or by
    ``scale_factor`` (out = floor(in * scale_factor)), as ``torch.nn.functional.interpolate``.

    Modes: "nearest" (src = floor(i * in / out)), "nearest-exact" (src = floor((i + 1/2) in / out)),
    "linear" (3-D), "bilinear" (4-D) and "trilinear" (5-D: linear along W, then H, then D), with
    ``align_corners`` (default False: pixel centres align, src = (i + 1/2) in / out - 1/2; True: the corner
    pixels align, src = i (in - 1)/(out - 1)), and "area" (adaptive average pooling). A given scale factor
    sets the step to 1/scale_factor unless ``recompute_scale_factor=True`` (then in/out). dL/dx: dL/dy
    scatter-added back to the source pixels, times their weights.
    """
    what = "interpolate"
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise ValueError(f"{what}: unknown mode {mode!r}; expected one of {', '.join(map(repr, _MODES))}")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"{what}: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, got "
                         f"shape {tuple(input.shape)} ({input.ndim}-D)")
    if mode in _LINEAR and input.ndim != _LINEAR[mode]:
        raise NotImplementedError(f"{what}: mode {mode!r} needs a {_LINEAR[mode]}-D input, got shape "
                                  f"{tuple(input.shape)} ({input.ndim}-D)")
    if mode in _LINEAR:
        align_corners = bool(align_corners) if align_corners is not None else False
    elif align_corners is not None:
        raise ValueError(f"{what}: align_corners can only be set with the interpolating modes (linear, bilinear, "
                         f"trilinear), got align_corners={align_corners!r} with mode={mode!r}")
    if antialias:
        raise NotImplementedError(f"{what}: antialias=True is not supported (mode={mode!r})")
    if any(n == 0 for n in input.shape[2:]):
        raise ValueError(f"{what}: the input must have a non-empty spatial size, got shape {tuple(input.shape)}")
    if mode in _LINEAR and input.dtype.kind != "f":
        raise TypeError(f"{what}: mode {mode!r} needs a floating-point input, got dtype {input.dtype.name}")
    if mode == "area" and recompute_scale_factor is None and size is None:
        recompute_scale_factor = True  # as PyTorch: area mode pools to the computed size
    out, scales = _output_size(input, size, scale_factor, recompute_scale_factor)
    spatial = tuple(input.shape[2:])
    if mode == "area":
        if input.ndim == 5:
            from .pooling3d import adaptive_avg_pool3d

            return adaptive_avg_pool3d(input, out)
        return adaptive_avg_pool2d(input, out) if input.ndim == 4 else adaptive_avg_pool1d(input, out[0])
    xp, dt = input._backend.xp, input._data.dtype
    if mode in _LINEAR:
        y = input
        for k in reversed(range(len(out))):  # W first, then H (then D)
            y = _lerp(y, k - len(out), spatial[k], out[k], align_corners, scales[k])
        return input.clone() if y is input else y
    exact = mode == "nearest-exact"
    idx = [_nearest_index(xp, n, o, s, _opmath(dt), exact, len(out) > 1) for n, o, s in zip(spatial, out, scales)]
    if len(idx) == 1:
        return _along(input, 2, idx[0])
    if len(idx) == 2:
        return GetItem.apply(input, idx=(slice(None), slice(None), idx[0][:, None], idx[1][None, :]), scatter=True)
    d, h, w = idx
    return GetItem.apply(input, idx=(slice(None), slice(None), d[:, None, None], h[None, :, None], w[None, None, :]),
                         scatter=True)


# --- pixel shuffle ----------------------------------------------------------------------------------
def _factor(value, name, what):
    if not _is_int(value) or value < 1:
        raise ValueError(f"{what}: {name} must be a positive int, got {value!r}")
    return int(value)


def _image(input, what):
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(f"{what}: expected an input of at least 3 dimensions (*, C, H, W), got shape "
                         f"{tuple(input.shape)}")
    return tuple(input.shape[:-3]), tuple(input.shape[-3:])


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r):  y[..., c, h r + i, w r + j] = x[..., c r^2 + i r + j, h, w].
    A reshape and a permute, so dL/dx = pixel_unshuffle(dL/dy, r)."""
    what = "pixel_shuffle"
    r = _factor(upscale_factor, "upscale_factor", what)
    lead, (c, h, w) = _image(input, what)
    if c % (r * r):
        raise ValueError(f"{what}: the input's channels ({c}, shape {tuple(input.shape)}) must be divisible by "
                         f"upscale_factor squared ({r}^2 = {r * r})")
    k = len(lead)
    y = reshape(input, lead + (c // (r * r), r, r, h, w))
    y = permute(y, tuple(range(k)) + tuple(k + d for d in (0, 3, 1, 4, 2)))
    return reshape(y, lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``pixel_shuffle``:
    y[..., c r^2 + i r + j, h, w] = x[..., c, h r + i, w r + j];  dL/dx = pixel_shuffle(dL/dy, r)."""
    what = "pixel_unshuffle"
    r = _factor(downscale_factor, "downscale_factor", what)
    lead, (c, h, w) = _image(input, what)
    if h % r or w % r:
        raise ValueError(f"{what}: the input's height and width ({h}, {w}; shape {tuple(input.shape)}) must be "
                         f"divisible by downscale_factor ({r})")
    k = len(lead)
    y = reshape(input, lead + (c, h // r, r, w // r, r))
    y = permute(y, tuple(range(k)) + tuple(k + d for d in (0, 2, 4, 1, 3)))
    return reshape(y, lead + (c * r * r, h // r, w // r))
