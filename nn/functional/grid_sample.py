"""Spatial transformers: affine_grid and grid_sample (PyTorch's F.affine_grid / F.grid_sample, 2-D).

affine_grid maps the output pixel (h, w) through theta:  grid[n, h, w] = theta[n] (x_w, y_h, 1)^T, with the
pixel centres in [-1, 1] coordinates

    align_corners=True:   x_w = -1 + 2 w / (W - 1)          (the corner pixels' centres at -1 and 1)
    align_corners=False:  x_w = (-1 + 2 w / (W - 1)) (W - 1) / W   (the corner pixels' outer edges at -1 and 1)

(and likewise y_h). It is linear in theta: one matmul with a constant base grid, differentiable for free.

grid_sample reads the input at the points of the grid (x then y, in [-1, 1]). Along each axis of size S a
grid coordinate g becomes a source index i (PyTorch's grid_sampler_compute_source_index):

    unnormalize   i = (g + 1) (S - 1) / 2  (align_corners)   or   i = (g + 1) S / 2 - 1/2
    'zeros'       i as it is; taps outside the input read 0
    'border'      i = clip(i, 0, S - 1)
    'reflection'  i reflected about lo and lo + P / 2 (lo = 0, P = 2 (S - 1) with align_corners; lo = -1/2,
                  P = 2 S without):  d = |i - lo| mod P,  i = lo + min(d, P - d);  then clipped as 'border'

and di/dg (the ``slope``) is S'/2 (S' = S - 1 or S) times -1 for each reflection, and 0 where the clip
holds (the borders themselves count as outside, as PyTorch's gradient). The output is a weighted sum of
input taps around (ix, iy), the weights separable in tx = ix - floor(ix), ty = iy - floor(iy):

    nearest   y = x[n, c, rint(iy), rint(ix)]                (half to even; dL/dgrid = 0)
    bilinear  y = sum_{a, b in {0, 1}} u_a(tx) u_b(ty) x[n, c, floor(iy) + b, floor(ix) + a],
              u_0(t) = 1 - t,  u_1(t) = t
    bicubic   y = sum_{a, b in {-1, 0, 1, 2}} k_a(tx) k_b(ty) x[n, c, pad(floor(iy) + b), pad(floor(ix) + a)],
              Keys' cubic convolution with A = -0.75; here i is only unnormalized and the padding is applied to
              each tap's (integer) coordinate

Taps outside the input (only possible with 'zeros') get weight 0. With w_ab = m_ab u_a(tx) u_b(ty) (m_ab the
in-range mask) and e = dL/dy:

    dL/dx[n, c, tap_ab] += w_ab e[n, c]                                  (a scatter-add)
    dL/dgrid_x = slope_x sum_{a, b} m_ab u_a'(tx) u_b(ty) sum_c e[n, c] x[n, c, tap_ab]   (and likewise for y)

``GridSample`` computes y on arrays; its backward is the two formulas written with Tensor ops (the weights
are Tensor expressions of the grid through ``SourceIndex``, the taps are read with the differentiable gather
``GetItem``, and the scatter-add is ``GetItemGrad``), so gradients of every order follow.
"""

import numbers

from autograd_core import Function, Tensor, dtypes
from autograd_core.ops.index import GetItem, GetItemGrad
from autograd_core.ops.join import stack
from autograd_core.ops.linalg import matmul
from autograd_core.ops.shape import reshape
from autograd_core.tensor import make_tensor

_MODES = ("bilinear", "nearest", "bicubic")
_PADDING = ("zeros", "border", "reflection")
_A = -0.75  # the cubic convolution's free parameter, as PyTorch's


# --- source indices ----------------------------------------------------------------------------------
def _pad(xp, i, slope, size, padding_mode, align_corners):
    """(i, di/dg) after 'border' or 'reflection' padding (PyTorch's reflect_coordinates, then clip_coordinates);
    'zeros' leaves them as they are."""
    if padding_mode == "zeros":
        return i, slope
    if padding_mode == "reflection":
        lo, period = (0.0, 2 * (size - 1)) if align_corners else (-0.5, 2 * size)
        if period == 0:  # a single pixel with align_corners: every point is that pixel's centre
            return xp.zeros_like(i), xp.zeros_like(slope)
        d = i - lo
        negative = d < 0
        d = xp.abs(d)
        d = d - xp.trunc(d / period) * period
        flip = d > period - d
        i = xp.where(flip, period - d, d) + lo
        slope = xp.where(flip != negative, -slope, slope)
    inside = (i > 0) & (i < size - 1)
    return xp.minimum(xp.maximum(i, 0), size - 1), slope * inside


def _source_index(xp, g, size, padding_mode, align_corners):
    """Grid coordinates g in [-1, 1] -> (source index i, di/dg), both of g's shape and dtype."""
    scale = (size - 1) / 2 if align_corners else size / 2
    i = (g + 1) * scale
    if not align_corners:
        i = i - 0.5
    return _pad(xp, i, xp.full_like(g, scale), size, padding_mode, align_corners)


class SourceIndex(Function):
    """i = pad(unnormalize(g)) (see the module docstring);  dL/dg = dL/di * slope, slope = di/dg piecewise
    constant (so the second derivative is 0)."""

    def forward(self, g, size, padding_mode, align_corners):
        i, self.slope = _source_index(self.backend.xp, g, size, padding_mode, align_corners)
        return i

    def backward(self, gi):
        return gi * make_tensor(self.slope, self.backend)


# --- taps and their weights ----------------------------------------------------------------------------
def _cubic1(x):  # Keys' kernel for |x| <= 1
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _cubic2(x):  # Keys' kernel for 1 < |x| < 2
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _cubic1_grad(x):
    return (3 * (_A + 2) * x - 2 * (_A + 3)) * x


def _cubic2_grad(x):
    return (3 * _A * x - 10 * _A) * x + 8 * _A


def _tap_weights(mode, t):
    """The weights of the taps along one axis at the fractional offset t (an array or a Tensor)."""
    if mode == "bilinear":
        return [1 - t, t]
    return [_cubic2(t + 1), _cubic1(t), _cubic1(1 - t), _cubic2(2 - t)]


def _tap_slopes(mode, t):
    """d/dt of ``_tap_weights`` (bicubic; bilinear's are the constants -1 and 1)."""
    return [_cubic2_grad(t + 1), _cubic1_grad(t), -_cubic1_grad(1 - t), -_cubic2_grad(2 - t)]


def _axis(xp, g, size, mode, padding_mode, align_corners):
    """Along one axis, for grid coordinates g (N, H_out, W_out): (source index i, its floor (or rint), di/dg,
    the tap indices (..., K) int64 clamped into [0, size), the taps' in-range mask (..., K) in g's dtype)."""
    i, slope = _source_index(xp, g, size, "zeros" if mode == "bicubic" else padding_mode, align_corners)
    if mode == "nearest":
        base = xp.rint(i)
        taps = base[..., None]
    else:
        base = xp.floor(i)
        offsets = xp.arange(-1, 3, dtype=g.dtype) if mode == "bicubic" else xp.arange(2, dtype=g.dtype)
        taps = base[..., None] + offsets
        if mode == "bicubic":
            taps, _ = _pad(xp, taps, taps, size, padding_mode, align_corners)
    inside = (taps >= 0) & (taps <= size - 1)
    index = xp.where(inside, taps, 0).astype(dtypes.int64)
    return i, base, slope, index, inside.astype(g.dtype)


class GridSample(Function):
    """y[n, c, p] = sum_{a, b} w_ab(grid[n, p]) x[n, c, tap_ab(grid[n, p])] (the module docstring).

    dL/dx = scatter-add of w_ab dL/dy at the taps;  dL/dgrid = slope * sum_{a, b} (dw_ab/di) sum_c dL/dy x[tap_ab]
    (0 for nearest). Both are Tensor expressions of (dL/dy, x, grid), differentiable again.
    """

    saves_inputs = True

    def forward(self, x, grid, mode, padding_mode, align_corners):
        xp = self.backend.xp
        n, c, h, w = x.shape
        _, ho, wo, _ = grid.shape
        self.mode, self.padding_mode, self.align_corners = mode, padding_mode, align_corners
        ix, bx, sx, tx, mx = _axis(xp, grid[..., 0], w, mode, padding_mode, align_corners)
        iy, by, sy, ty, my = _axis(xp, grid[..., 1], h, mode, padding_mode, align_corners)
        self.base, self.slope, self.mask = (bx, by), (sx, sy), (mx, my)
        if mode == "nearest":
            wx, wy = mx, my
        else:
            wx = xp.stack(_tap_weights(mode, ix - bx), -1) * mx
            wy = xp.stack(_tap_weights(mode, iy - by), -1) * my
        kx, ky = tx.shape[-1], ty.shape[-1]
        batch = xp.arange(n, dtype=dtypes.int64)
        channel = xp.arange(c, dtype=dtypes.int64)
        # every tap at once, (N, C, H_out, W_out, K_y, K_x), for the backward
        self.idx = (batch.reshape(n, 1, 1, 1, 1, 1), channel.reshape(1, c, 1, 1, 1, 1),
                    ty.reshape(n, 1, ho, wo, ky, 1), tx.reshape(n, 1, ho, wo, 1, kx))
        y = xp.zeros((n, c, ho, wo), dtype=x.dtype)
        batch, channel = batch.reshape(n, 1, 1, 1), channel.reshape(1, c, 1, 1)
        for b in range(ky):  # one tap at a time: no (K_y K_x)-times larger temporary
            for a in range(kx):
                tap = x[batch, channel, ty[:, None, :, :, b], tx[:, None, :, :, a]]
                y += (wx[..., a] * wy[..., b])[:, None] * tap
        return y

    def _weights(self, grid, axis):
        """(w, dw/di), (N, H_out, W_out, K) Tensors of the grid along ``axis`` (0: x, 1: y), masked."""
        backend, mode = self.backend, self.mode
        i = SourceIndex.apply(grid[..., axis], size=self.inputs[0].shape[3 - axis],
                              padding_mode="zeros" if mode == "bicubic" else self.padding_mode,
                              align_corners=self.align_corners)
        t = i - make_tensor(self.base[axis], backend)
        mask = self.mask[axis]
        w = stack(_tap_weights(mode, t), -1) * make_tensor(mask, backend)
        if mode == "bilinear":  # d(1 - t)/dt = -1, dt/dt = 1
            return w, make_tensor(mask * (backend.xp.arange(2, dtype=mask.dtype) * 2 - 1), backend)
        return w, stack(_tap_slopes(mode, t), -1) * make_tensor(mask, backend)

    def backward(self, gy):
        x, grid = self.inputs
        backend = self.backend
        n, c, ho, wo = gy.shape
        want_x, want_grid = self._next[0] is not None, self._next[1] is not None
        e = reshape(gy, (n, c, ho, wo, 1, 1))
        if self.mode == "nearest":
            gx = None
            if want_x:
                w = make_tensor((self.mask[1][..., :, None] * self.mask[0][..., None, :])[:, None], backend)
                gx = GetItemGrad.apply(e * w, idx=self.idx, in_shape=x.shape, scatter=True)
            ggrid = make_tensor(backend.xp.zeros(grid.shape, dtype=grid.dtype), backend) if want_grid else None
            return gx, ggrid
        (wx, dwx), (wy, dwy) = self._weights(grid, 0), self._weights(grid, 1)
        kx, ky = wx.shape[-1], wy.shape[-1]
        wx, dwx = reshape(wx, (n, ho, wo, 1, kx)), reshape(dwx, (n, ho, wo, 1, kx))
        wy, dwy = reshape(wy, (n, ho, wo, ky, 1)), reshape(dwy, (n, ho, wo, ky, 1))
        gx = ggrid = None
        if want_x:
            w = reshape(wy * wx, (n, 1, ho, wo, ky, kx))
            gx = GetItemGrad.apply(e * w, idx=self.idx, in_shape=x.shape, scatter=True)
        if want_grid:
            s = (e * GetItem.apply(x, idx=self.idx, scatter=True)).sum(1)  # (N, H_out, W_out, K_y, K_x)
            gix = (s * (wy * dwx)).sum((-2, -1)) * make_tensor(self.slope[0], backend)
            giy = (s * (dwy * wx)).sum((-2, -1)) * make_tensor(self.slope[1], backend)
            ggrid = stack([gix, giy], -1)
        return gx, ggrid


# --- argument checks ---------------------------------------------------------------------------------
def _check_float(t, name, what):
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {name} must be a Tensor, got {type(t).__name__}")
    if t.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point {name}, got dtype {t.dtype.name}")


def _align(align_corners, what):
    if align_corners is None:  # PyTorch's default (it warns that the default changed in 1.3.0)
        return False
    if not isinstance(align_corners, (bool, numbers.Integral)):
        raise TypeError(f"{what}: align_corners must be a bool or None, got {align_corners!r}")
    return bool(align_corners)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H_in, W_in) at the points of ``grid`` (N, H_out, W_out, 2), x then y in
    [-1, 1] (-1: the left/top edge, 1: the right/bottom one; with ``align_corners`` the corner pixels'
    centres): output (N, C, H_out, W_out).

    ``mode``: 'bilinear' | 'nearest' | 'bicubic'; ``padding_mode``: 'zeros' | 'border' | 'reflection' for
    points outside the input; ``align_corners``: None means False. The source index along an axis of size S
    is i = (g + 1) (S - 1) / 2 (align_corners) or ((g + 1) S - 1) / 2; bilinear reads
    y = sum_{a, b in {0, 1}} u_a(ix - floor ix) u_b(iy - floor iy) x[floor iy + b, floor ix + a],
    u_0(t) = 1 - t, u_1(t) = t. Gradients of every order w.r.t. input and grid (the grid's is 0 for
    nearest); the formulas are in the module docstring.
    """
    what = "grid_sample"
    _check_float(input, "input", what)
    _check_float(grid, "grid", what)
    if input.ndim != 4 or grid.ndim != 4:
        raise ValueError(f"{what}: expected a 4-D input (N, C, H_in, W_in) and a 4-D grid (N, H_out, W_out, 2) "
                         f"(only 2-D sampling is supported), got input of shape {tuple(input.shape)} and grid of "
                         f"shape {tuple(grid.shape)}")
    if grid.shape[-1] != 2:
        raise ValueError(f"{what}: expected grid to have size 2 (x, y) in its last dimension, got grid of shape "
                         f"{tuple(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise ValueError(f"{what}: expected grid and input to have the same batch size, got input of shape "
                         f"{tuple(input.shape)} and grid of shape {tuple(grid.shape)}")
    if input.shape[2] == 0 or input.shape[3] == 0:
        raise ValueError(f"{what}: expected input to have non-empty spatial dimensions, got input of shape "
                         f"{tuple(input.shape)}")
    if input.dtype != grid.dtype:
        raise TypeError(f"{what}: expected input and grid to have the same dtype, got input of dtype "
                        f"{input.dtype.name} and grid of dtype {grid.dtype.name}")
    if mode not in _MODES:
        raise ValueError(f"{what}: mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
    if padding_mode not in _PADDING:
        raise ValueError(f"{what}: padding_mode must be one of {', '.join(map(repr, _PADDING))}, got "
                         f"{padding_mode!r}")
    return GridSample.apply(input, grid, mode=mode, padding_mode=padding_mode,
                            align_corners=_align(align_corners, what))


def _linspace(xp, steps, align_corners, dtype):
    """The pixel centres along an axis of ``steps`` pixels in [-1, 1] coordinates (PyTorch's
    linspace_from_neg_one): -1 + 2 k / (steps - 1), times (steps - 1) / steps without align_corners."""
    if steps <= 1:
        return xp.zeros(steps, dtype=dtype)
    r = xp.linspace(-1, 1, steps, dtype=dtype)
    return r if align_corners else r * (steps - 1) / steps


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of a batch of 2-D affine maps ``theta`` (N, 2, 3), for an output of
    ``size`` (N, C, H, W): grid[n, h, w] = theta[n] (x_w, y_h, 1)^T, x_w = -1 + 2 w / (W - 1) with
    ``align_corners``, times (W - 1) / W without (None means False); likewise y_h. Linear in theta:
    grid = B theta^T with the constant base grid B (H W, 3), so dL/dtheta = sum_{h, w} (dL/dgrid)^T B.
    """
    what = "affine_grid"
    _check_float(theta, "theta", what)
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{what}: size must be a sequence of ints (N, C, H, W), got {size!r}") from None
    if len(size) != 4:
        raise ValueError(f"{what}: only 2-D affine transforms are supported, with a size (N, C, H, W) of length "
                         f"4, got size {size}")
    if min(size) <= 0:
        raise ValueError(f"{what}: expected a positive output size, got size {size}")
    n, _, h, w = size
    if tuple(theta.shape) != (n, 2, 3):
        raise ValueError(f"{what}: expected a batch of 2-D affine matrices of shape ({n}, 2, 3) for size {size}, "
                         f"got theta of shape {tuple(theta.shape)}")
    xp, backend, dt = theta._backend.xp, theta._backend, theta.dtype
    xs = _linspace(xp, w, _align(align_corners, what), dt)
    ys = _linspace(xp, h, _align(align_corners, what), dt)
    base = xp.stack([xp.broadcast_to(xs[None, :], (h, w)), xp.broadcast_to(ys[:, None], (h, w)),
                     xp.ones((h, w), dtype=dt)], -1)
    grid = matmul(make_tensor(base.reshape(1, h * w, 3), backend), theta.mT)
    return reshape(grid, (n, h, w, 2))
