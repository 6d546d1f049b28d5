"""``interpolate`` for volumes too: the modes of ``upsampling.interpolate`` on 5-D (N, C, D, H, W) inputs, and
"trilinear". 3-D and 4-D inputs go to ``upsampling.interpolate`` unchanged, so this function is a drop-in
for it.

Every mode is a gather at precomputed source positions (PyTorch's rules, from ``upsampling``), so the
gradients of every order are those of indexing:

    nearest / nearest-exact:  y[..., i, j, l] = x[..., src_d(i), src_h(j), src_w(l)]   (one gather)
    trilinear:                linear along W, then H, then D: per dim
                              y[..., i] = w0(i) x[..., i0(i)] + w1(i) x[..., i1(i)],  w0 + w1 = 1,
                              so y = sum over the 8 corners of w_d w_h w_w x (PyTorch's kernel)
    area:                     adaptive_avg_pool3d to the output size

dL/dx: dL/dy scatter-added back to the source voxels, times their weights.
"""

from autograd_core import Tensor
from autograd_core.ops.index import GetItem

from . import upsampling
from .pooling3d import adaptive_avg_pool3d
from .upsampling import _MODES, _lerp, _nearest_index, _opmath, _output_size

_MODES_3D = _MODES + ("trilinear",)
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, L), (N, C, H, W) or (N, C, D, H, W) to ``size`` (an int, or one per spatial dim) or by
    ``scale_factor`` (out = floor(in * scale_factor)), as ``torch.nn.functional.interpolate``.

    Modes: "nearest" (src = floor(i * in / out)), "nearest-exact" (src = floor((i + 1/2) in / out)),
    "linear" (3-D), "bilinear" (4-D) and "trilinear" (5-D), with ``align_corners`` (default False: voxel
    centres align, src = (i + 1/2) in / out - 1/2; True: the corner voxels align, src = i (in - 1)/(out - 1)),
    and "area" (adaptive average pooling). A given scale factor sets the step to 1/scale_factor unless
    ``recompute_scale_factor=True`` (then in/out). dL/dx: dL/dy scatter-added back to the source voxels,
    times their weights.
    """
    what = "interpolate"
    if mode != "trilinear" and not (isinstance(input, Tensor) and input.ndim == 5):
        return upsampling.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                                      antialias)
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")
    if mode not in _MODES_3D:
        raise ValueError(f"{what}: unknown mode {mode!r}; expected one of {', '.join(map(repr, _MODES_3D))}")
    if mode in _NEEDS and input.ndim != _NEEDS[mode]:
        raise NotImplementedError(f"{what}: mode {mode!r} needs a {_NEEDS[mode]}-D input, got shape "
                                  f"{tuple(input.shape)} ({input.ndim}-D)")
    if mode in _NEEDS:
        align_corners = bool(align_corners) if align_corners is not None else False
    elif align_corners is not None:
        raise ValueError(f"{what}: align_corners can only be set with the interpolating modes (linear, bilinear, "
                         f"trilinear), got align_corners={align_corners!r} with mode={mode!r}")
    if antialias:
        raise NotImplementedError(f"{what}: antialias=True is not supported (mode={mode!r})")
    if any(n == 0 for n in input.shape[2:]):
        raise ValueError(f"{what}: the input must have a non-empty spatial size, got shape {tuple(input.shape)}")
    if mode == "trilinear" and input.dtype.kind != "f":
        raise TypeError(f"{what}: mode 'trilinear' needs a floating-point input, got dtype {input.dtype.name}")
    if mode == "area" and recompute_scale_factor is None and size is None:
        recompute_scale_factor = True  # as PyTorch: area mode pools to the computed size
    out, scales = _output_size(input, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        return adaptive_avg_pool3d(input, out)
    spatial = tuple(input.shape[2:])
    if mode == "trilinear":
        y = input
        for k in reversed(range(3)):  # W, then H, then D
            y = _lerp(y, k - 3, spatial[k], out[k], align_corners, scales[k])
        return input.clone() if y is input else y
    xp, dt = input._backend.xp, input._data.dtype
    exact = mode == "nearest-exact"
    d, h, w = (_nearest_index(xp, n, o, s, _opmath(dt), exact, True) for n, o, s in zip(spatial, out, scales))
    return GetItem.apply(input, idx=(slice(None), slice(None), d[:, None, None], h[None, :, None], w[None, None, :]),
                         scatter=True)
