"""Augmentation (the lecture's zoom, flips, rotations, crops, contrast) on whole batches, on any device.

Each transform takes a float tensor of images, ``(N, C, H, W)`` or a single ``(C, H, W)``, and
returns a new tensor (no graph). Random transforms draw one set of parameters per image from a
Generator (``generator=``, default: the global one seeded by ``manual_seed``), so the same seed
gives the same augmentation. Geometric warps use SciPy's ``ndimage.map_coordinates`` on the CPU
and CuPy's on a GPU (bilinear, zero fill), called once per batch. The per-image parameters are drawn
on the host and copied to the images' device with ``backend.from_host`` (a few numbers per image).
"""

import numpy

from ..random import default_generator
from ..tensor import Tensor, make_tensor


def _batch(x, what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{what}: expected a Tensor of images, got {type(x).__name__}")
    if x.ndim not in (3, 4):
        raise ValueError(f"{what}: expected images (N, C, H, W) or (C, H, W), got shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{what}: expected floating-point images, got dtype {x.dtype.name} (convert with .float() "
                        f"and scale to [0, 1] first)")
    single = x.ndim == 3
    return (x._data[None] if single else x._data), x._backend, single


def _out(array, backend, single):
    return make_tensor(array[0] if single else array, backend)


def _pair(size, what):
    if isinstance(size, int):
        return size, size
    if len(size) != 2:
        raise ValueError(f"{what}: size must be an int or a pair, got {size!r}")
    return int(size[0]), int(size[1])


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t!r},\n" for t in self.transforms) + ")"


class Normalize:
    """x_c <- (x_c - mean_c) / std_c per channel."""

    def __init__(self, mean, std):
        self.mean = [float(m) for m in numpy.atleast_1d(mean)]
        self.std = [float(s) for s in numpy.atleast_1d(std)]
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std must be nonzero, got {self.std}")

    def __call__(self, x):
        a, backend, single = _batch(x, "Normalize")
        c = a.shape[1]
        if len(self.mean) not in (1, c) or len(self.std) not in (1, c):
            raise ValueError(f"Normalize: {len(self.mean)} means / {len(self.std)} stds for {c} channels")
        xp = backend.xp
        mean = xp.asarray(self.mean, dtype=a.dtype).reshape(1, -1, 1, 1)
        std = xp.asarray(self.std, dtype=a.dtype).reshape(1, -1, 1, 1)
        return _out((a - mean) / std, backend, single)

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class RandomHorizontalFlip:
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p=0.5, generator=None):
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def __call__(self, x):
        a, backend, single = _batch(x, "RandomHorizontalFlip")
        flip = (self.generator or default_generator()).random(a.shape[0]) < self.p
        mask = backend.from_host(flip).reshape(-1, 1, 1, 1)
        return _out(backend.xp.where(mask, a[..., ::-1], a), backend, single)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Pad each image by ``padding`` (zeros, or ``fill``), then cut a ``size`` window at a random place."""

    def __init__(self, size, padding=0, fill=0.0, generator=None):
        self.size = _pair(size, "RandomCrop")
        self.padding = padding
        self.fill = fill
        self.generator = generator

    def __call__(self, x):
        a, backend, single = _batch(x, "RandomCrop")
        xp = backend.xp
        pl, pt, pr, pb = _padding(self.padding)
        if any((pl, pt, pr, pb)):
            a = xp.pad(a, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=self.fill)
        n, c, hp, wp = a.shape
        h, w = self.size
        if h > hp or w > wp:
            raise ValueError(f"RandomCrop: crop size {(h, w)} is larger than the padded image {(hp, wp)}")
        gen = self.generator or default_generator()
        oy = backend.from_host(gen.integers(0, hp - h + 1, n))
        ox = backend.from_host(gen.integers(0, wp - w + 1, n))
        rows = oy[:, None] + xp.arange(h)[None, :]
        cols = ox[:, None] + xp.arange(w)[None, :]
        out = a[xp.arange(n)[:, None, None], :, rows[:, :, None], cols[:, None, :]]  # (n, h, w, c)
        return _out(xp.ascontiguousarray(out.transpose(0, 3, 1, 2)), backend, single)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


def _padding(padding):
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(padding)
    raise ValueError(f"padding must be an int, (left/right, top/bottom) or (left, top, right, bottom), got {padding}")


def _warp(a, backend, src_y, src_x, fill, mode="constant"):
    """Sample every image of ``a`` (n, c, h, w) at source coordinates (n, H, W): one bilinear call."""
    xp = backend.xp
    n, c = a.shape[:2]
    oh, ow = src_y.shape[1:]
    nn_ = xp.broadcast_to(xp.arange(n, dtype=a.dtype).reshape(n, 1, 1, 1), (n, c, oh, ow))
    cc = xp.broadcast_to(xp.arange(c, dtype=a.dtype).reshape(1, c, 1, 1), (n, c, oh, ow))
    yy = xp.broadcast_to(src_y[:, None].astype(a.dtype), (n, c, oh, ow))
    xx = xp.broadcast_to(src_x[:, None].astype(a.dtype), (n, c, oh, ow))
    coords = xp.stack([nn_, cc, yy, xx])
    return backend.map_coordinates(a, coords, order=1, mode=mode, cval=fill)


class RandomRotation:
    """Rotate each image by an angle uniform in [-degrees, degrees] (or the given range) about its
    centre, bilinear, filling outside with ``fill``."""

    def __init__(self, degrees, fill=0.0, generator=None):
        if isinstance(degrees, (int, float)):
            if degrees < 0:
                raise ValueError(f"RandomRotation: degrees must be non-negative, got {degrees}")
            degrees = (-degrees, degrees)
        self.degrees = (float(degrees[0]), float(degrees[1]))
        self.fill = fill
        self.generator = generator

    def __call__(self, x):
        a, backend, single = _batch(x, "RandomRotation")
        xp = backend.xp
        n, _, h, w = a.shape
        lo, hi = self.degrees
        angles = (self.generator or default_generator()).random(n) * (hi - lo) + lo
        if not numpy.any(angles):
            return _out(a.copy(), backend, single)
        theta = backend.from_host(numpy.deg2rad(angles)).reshape(n, 1, 1)
        cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
        y = xp.arange(h, dtype=xp.float64).reshape(1, h, 1) - cy
        x_ = xp.arange(w, dtype=xp.float64).reshape(1, 1, w) - cx
        cos, sin = xp.cos(theta), xp.sin(theta)
        src_y = cos * y - sin * x_ + cy  # inverse rotation of each output pixel
        src_x = sin * y + cos * x_ + cx
        return _out(_warp(a, backend, src_y, src_x, self.fill), backend, single)

    def __repr__(self):
        return f"RandomRotation(degrees={self.degrees})"


class Resize:
    """Resize every image to ``size`` (bilinear, pixel centres aligned as torchvision's resize)."""

    def __init__(self, size):
        self.size = _pair(size, "Resize")

    def __call__(self, x):
        a, backend, single = _batch(x, "Resize")
        xp = backend.xp
        n, _, h, w = a.shape
        oh, ow = self.size
        gy = (xp.arange(oh) + 0.5) * (h / oh) - 0.5
        gx = (xp.arange(ow) + 0.5) * (w / ow) - 0.5
        src_y = xp.broadcast_to(gy.reshape(1, oh, 1), (n, oh, ow))
        src_x = xp.broadcast_to(gx.reshape(1, 1, ow), (n, oh, ow))
        return _out(_warp(a, backend, src_y, src_x, 0.0, mode="nearest"), backend, single)

    def __repr__(self):
        return f"Resize(size={self.size})"


class RandomResizedCrop:
    """Zoom: cut a random box (area a fraction ``scale`` of the image, aspect ratio in ``ratio``) and
    resize it to ``size`` (bilinear), per image; torchvision's sampling (10 tries, then the centre)."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), generator=None):
        self.size = _pair(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"RandomResizedCrop: scale and ratio must be (min, max), got {scale}, {ratio}")
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.generator = generator

    def _boxes(self, n, h, w, gen):
        area = h * w
        tries = 10
        target = area * (gen.random((n, tries)) * (self.scale[1] - self.scale[0]) + self.scale[0])
        logr = numpy.log(self.ratio)
        aspect = numpy.exp(gen.random((n, tries)) * (logr[1] - logr[0]) + logr[0])
        bw = numpy.round(numpy.sqrt(target * aspect))
        bh = numpy.round(numpy.sqrt(target / aspect))
        ok = (bw > 0) & (bh > 0) & (bw <= w) & (bh <= h)
        first = numpy.where(ok.any(1), ok.argmax(1), -1)
        rows = numpy.arange(n)
        bh = numpy.where(first >= 0, bh[rows, first], min(h, w))
        bw = numpy.where(first >= 0, bw[rows, first], min(h, w))
        top = numpy.floor(gen.random(n) * (h - bh + 1))
        left = numpy.floor(gen.random(n) * (w - bw + 1))
        return top, left, bh, bw

    def __call__(self, x):
        a, backend, single = _batch(x, "RandomResizedCrop")
        xp = backend.xp
        n, _, h, w = a.shape
        top, left, bh, bw = self._boxes(n, h, w, self.generator or default_generator())
        oh, ow = self.size
        # output pixel centres mapped into the box (align_corners=False, as torchvision's resize)
        gy = (numpy.arange(oh) + 0.5)[None, :] * (bh[:, None] / oh) - 0.5 + top[:, None]  # (n, oh), on the host
        gx = (numpy.arange(ow) + 0.5)[None, :] * (bw[:, None] / ow) - 0.5 + left[:, None]
        src_y = xp.broadcast_to(backend.from_host(gy).reshape(n, oh, 1), (n, oh, ow))
        src_x = xp.broadcast_to(backend.from_host(gx).reshape(n, 1, ow), (n, oh, ow))
        return _out(_warp(a, backend, src_y, src_x, 0.0), backend, single)

    def __repr__(self):
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class ColorJitter:
    """Random brightness (x * f) then contrast ((x - mean) * f + mean, mean of the grey image), factors
    uniform in [max(0, 1 - b), 1 + b]; the result is clipped to [0, 1]."""

    def __init__(self, brightness=0.0, contrast=0.0, generator=None):
        for name, v in (("brightness", brightness), ("contrast", contrast)):
            if v < 0:
                raise ValueError(f"ColorJitter: {name} must be non-negative, got {v}")
        self.brightness, self.contrast = float(brightness), float(contrast)
        self.generator = generator

    def _factors(self, n, amount, gen):
        lo, hi = max(0.0, 1 - amount), 1 + amount
        return gen.random(n) * (hi - lo) + lo

    def __call__(self, x):
        a, backend, single = _batch(x, "ColorJitter")
        xp = backend.xp
        n, c = a.shape[:2]
        gen = self.generator or default_generator()
        out = a
        if self.brightness:
            f = backend.from_host(self._factors(n, self.brightness, gen).astype(a.dtype)).reshape(n, 1, 1, 1)
            out = xp.clip(out * f, 0, 1)
        if self.contrast:
            f = backend.from_host(self._factors(n, self.contrast, gen).astype(a.dtype)).reshape(n, 1, 1, 1)
            if c == 3:
                weights = xp.asarray([0.299, 0.587, 0.114], dtype=a.dtype).reshape(1, 3, 1, 1)
                grey = (out * weights).sum(axis=1, keepdims=True)
            else:
                grey = out.mean(axis=1, keepdims=True)
            mean = grey.mean(axis=(2, 3), keepdims=True)
            out = xp.clip((out - mean) * f + mean, 0, 1)
        return _out(out.astype(a.dtype, copy=False) if out is not a else a.copy(), backend, single)

    def __repr__(self):
        return f"ColorJitter(brightness={self.brightness}, contrast={self.contrast})"

