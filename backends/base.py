"""The Backend abstraction: one object per device.

A backend carries ``xp`` (``numpy`` or ``cupy``) for every NumPy-compatible call, plus a short,
explicit list of named kernels for what differs between devices:

========================  ===========================================================
``asarray``               make an array of this device from host data
``to_host`` / ``from_host``  copy to / from a NumPy array
``scatter_add``           ``target[index] += values`` with repeated indices accumulating
``manual_seed``, ``get_rng_state``, ``set_rng_state``, ``random``, ``normal``,
``integers``, ``permutation``          the device's random generator
``keep_mask`` / ``keep``  g where a mask is on, +0 where it is off, even for an infinite or NaN g
                          (the gradients of relu, clamp, maximum: bit masks on the CPU)
``erf``                   the error function (NumPy has none)
``ndtr``                  the standard normal CDF, precise in both tails (GELU)
``lgamma``, ``digamma``, ``polygamma``, ``erfinv``  log|Gamma(x)|, its derivatives psi^(n)(x), the inverse
                          error function (SciPy / cupyx.scipy.special; generic fallbacks here)
``data_ptr``, ``storage_offset``  an array's address, and its first element's offset in elements from the start
                          of the array that owns its memory (PyTorch's ``data_ptr()`` / ``storage_offset()``)
``map_coordinates``       interpolate an array at given coordinates (scipy.ndimage / cupyx.scipy.ndimage)
``im2col``                the sliding windows of an (N, C, H, W) batch, one column per output position
``col2im``                im2col's adjoint: each pixel gets the sum of the column entries copied from it
``max_pool2d``            window maxima and the flat index of each window's first maximum
``max_pool2d_backward``   the gradient sent back to those indices (overlapping windows accumulate)
``sgd_update``, ``adam_update``  a whole optimizer update in one fused kernel, where the device has one
                          (returns False elsewhere: the optimizer then runs its generic ops)
``synchronize``           wait for queued work (a no-op on the CPU)
``memory_stats``          {"allocated_bytes", "reserved_bytes", "peak_bytes"} (None where not tracked)
``from_dlpack``           zero-copy import of another library's array
========================  ===========================================================

A backend knows nothing of Tensor: it speaks arrays only.

Capability flags let op code pick the algorithm that suits a device without naming it:
``native_col2im`` is True where ``col2im`` is a fused kernel (the GPU's gather), so a convolution's
input gradient is best one GEMM into columns plus ``col2im``; on the CPU other forms are faster.
"""

import math

import numpy

DEFAULT_SEED = 67280421310721

# Lanczos' coefficients (g = 7, n = 9) for the generic lgamma
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7)
# B_2k / (2k) for the asymptotic series of digamma, k = 1..7
_DIGAMMA_ASYMPTOTIC = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
# the Bernoulli numbers B_2, B_4, ..., B_16 (for the Euler-Maclaurin tail of the Hurwitz zeta)
_BERNOULLI_2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def check_integer_range(low, high, dtype):
    """Raise ValueError when [low, high) does not fit the integer/bool ``dtype`` (a numpy dtype)."""
    if dtype.kind in "iub":
        info = numpy.iinfo(dtype) if dtype.kind != "b" else None
        lo, hi = (0, 2) if info is None else (info.min, info.max + 1)
        if low < lo or high > hi:
            raise ValueError(f"randint: the range [{low}, {high}) does not fit dtype {dtype.name} ([{lo}, {hi}))")


def channels_innermost(a):
    """Whether a 4-D (N, C, H, W) array is laid out (H, W, N, C) in memory, channels innermost: the
    layout of the CPU's wide convolution layers (any other layout, NHWC included, answers False)."""
    if a.ndim != 4 or a.shape[1] < 2 or a.strides[1] != a.itemsize:
        return False
    return a.strides[0] == a.shape[1] * a.itemsize and a.strides[2] >= a.strides[3] >= a.strides[0] * a.shape[0]


def channel_sums(a):
    """sum over every axis but 1 of a 4-D (N, C, H, W) array: shape (C,). For a channels-innermost
    array (``channels_innermost``), seen as rows (H W N, C), the rows are first summed in blocks of k
    (rows (H W N / k, k C), k C about 1024 values), then the k partial sums: the library's reduction over
    the outer axis of a 2-D array costs one short pass per row, so with C = 64 this is 4x faster
    (measured on a 16x64x32x32 float32 batch: 0.28 -> 0.07 ms), and with k partial sums more accurate."""
    if not channels_innermost(a):
        return a.sum(axis=(0, 2, 3))
    c = a.shape[1]
    rows = a.transpose(2, 3, 0, 1).reshape(-1, c)
    k = max(1, 1024 // c)
    q = rows.shape[0] // k
    total = rows[:q * k].reshape(q, k * c).sum(axis=0).reshape(k, c).sum(axis=0)
    if q * k < rows.shape[0]:
        total += rows[q * k:].sum(axis=0)
    return total


class Backend:
    """Interface every device backend implements. See the module docstring for the kernel list."""

    name = "abstract"  # "cpu" or "cuda"
    xp = None  # the array namespace
    array_type = None  # the concrete array class of this device
    device = None  # a backends.Device
    native_col2im = False  # col2im is one fused kernel (see the module docstring)
    fused_optimizer_updates = False  # sgd_update / adam_update may run (they still return False to decline)

    def __repr__(self):
        return f"<{type(self).__name__} {self.device}>"

    # --- arrays -----------------------------------------------------------------------------
    def asarray(self, data, dtype=None):
        raise NotImplementedError

    def to_host(self, array):
        raise NotImplementedError

    def from_host(self, array):
        raise NotImplementedError

    def matmul(self, a, b, out=None):
        """``xp.matmul(a, b, out=out)``: the products of matrices in the last two axes, the leading axes
        broadcast. A backend may hand stacks of products to its BLAS in a faster way (the CPU does,
        see ``backends.batched_gemm``); the result is the same."""
        return self.xp.matmul(a, b, out=out)

    def linear_transposed(self, x, w):
        """Whether a fully connected layer's product x @ w.T (x (rows, in), w (out, in)) is better
        computed as (w @ x.T).T, the same products laid out column-major in memory. The CPU says so
        where its BLAS is faster that way (see ``numpy_backend.linear_transposed``); here, never."""
        return False

    def linear_input_grad_transposed(self, g, w, x):
        """Whether the input gradient g @ w of that layer is better computed as (w.T @ g.T).T, column-major
        like x (so that it meets x's column-major neighbours, e.g. ReLU's mask, without a transposed read)."""
        return False

    def relu(self, x):
        """max(x, 0) elementwise (NaN stays NaN), in x's memory layout."""
        return self.xp.maximum(x, 0)

    def where(self, cond, a, b):
        """``xp.where(cond, a, b)``: a where cond holds, b elsewhere, the three broadcast together."""
        return self.xp.where(cond, a, b)

    def clamp(self, x, lo, hi):
        """min(max(x, lo), hi) elementwise for scalar bounds, either of which may be None (NaN stays NaN)."""
        return self.xp.clip(x, lo, hi)

    def keep_mask(self, cond, invert=False):
        """The mask ``keep`` takes: on where the fresh boolean array ``cond`` holds (where it does not, with
        ``invert``). ``cond`` is the caller's to give away: a backend may build the mask in its memory."""
        return self.xp.logical_not(cond) if invert else cond

    def keep(self, g, mask):
        """g where ``mask`` (from ``keep_mask``) is on, +0 where it is off, whatever g holds there: an
        infinite or NaN g becomes 0 where g * mask would give NaN (PyTorch's relu, clamp and hardtanh
        gradients drop it so)."""
        return self.xp.where(mask, g, self.xp.zeros((), dtype=g.dtype))

    def channel_op(self, op, x, v, out=None):
        """``xp.<op>(x, v)`` with the (C,) vector v broadcast along axis 1 of x (N, C, ...): op is "add",
        "subtract" or "multiply" (batch norm's per-channel shifts and scales)."""
        return getattr(self.xp, op)(x, v.reshape((1, v.shape[0]) + (1,) * (x.ndim - 2)), out=out)

    def sigmoid(self, x):
        """1 / (1 + exp(-x)) elementwise for a floating x, without overflow: from e = exp(-|x|),
        1 / (1 + e) where x >= 0 and e / (1 + e) where x < 0."""
        xp = self.xp
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def scatter_add(self, target, index, values):
        raise NotImplementedError

    def erf(self, array):
        raise NotImplementedError

    def ndtr(self, array):
        """Phi(x), the standard normal CDF, elementwise, in the array's dtype. A backend's own (the CPU's
        and the GPU's: SciPy's and CuPy's ndtr) keeps full relative precision in both tails; this
        fallback, 0.5 (1 + erf(x / sqrt 2)), rounds to 0 below x = -8.3 in float64."""
        xp = self.xp
        half = xp.asarray(0.5, dtype=array.dtype)
        return half * (1.0 + self.erf(array * (1.0 / math.sqrt(2.0))))

    def map_coordinates(self, array, coordinates, order=1, mode="constant", cval=0.0):
        raise NotImplementedError

    def lgamma(self, array):
        """log|Gamma(x)| elementwise, in the array's dtype. This generic fallback: Lanczos' approximation
        (g = 7, 9 terms) for x >= 1/2 and the reflection log(pi / |sin(pi x)|) - lgamma(1 - x) below;
        about 1e-15 absolute error in float64 (a backend's own, SciPy's gammaln, is more precise near 1 and 2)."""
        xp = self.xp
        x = array.astype(xp.float64)
        small = x < 0.5
        y = xp.where(small, 1.0 - x, x) - 1.0
        acc = xp.full(y.shape, _LANCZOS[0])
        for k, c in enumerate(_LANCZOS[1:], 1):
            acc = acc + c / (y + k)
        t = y + 7.5
        with numpy.errstate(divide="ignore", invalid="ignore", over="ignore"):
            big = 0.5 * math.log(2.0 * math.pi) + (y + 0.5) * xp.log(t) - t + xp.log(acc)
            # sin(pi x) from the distance to the nearest integer: exact there, not pi x rounded
            refl = xp.log(math.pi / xp.abs(xp.sin(math.pi * (x - xp.round(x))))) - big
        out = xp.where(small, refl, big)
        out = xp.where(xp.isinf(x) | ((x <= 0) & (x == xp.floor(x))), xp.inf, out)
        return out.astype(array.dtype, copy=False)

    def digamma(self, array):
        """psi(x) = d/dx log Gamma(x) elementwise. This generic fallback: the reflection psi(1 - x) - pi / tan(pi x)
        below 1/2, the recurrence psi(x) = psi(x + 10) - sum_{k<10} 1 / (x + k) and the asymptotic series
        log z - 1/(2z) - sum B_2k / (2k z^2k) at z = x + 10 (about 1e-15 relative error in float64)."""
        xp = self.xp
        x = array.astype(xp.float64)
        small = x < 0.5
        y = xp.where(small, 1.0 - x, x)
        z = y + 10.0
        out = xp.log(z) - 0.5 / z
        z2 = 1.0 / (z * z)
        series = xp.zeros(z.shape)
        for c in reversed(_DIGAMMA_ASYMPTOTIC):
            series = (series + c) * z2
        out = out - series
        for k in range(10):
            out = out - 1.0 / (y + k)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            refl = out - math.pi / xp.tan(math.pi * (x - xp.round(x)))
        out = xp.where(small, refl, out)
        out = xp.where(x == 0, -xp.inf, out)
        out = xp.where((x < 0) & (x == xp.floor(x)), xp.nan, out)
        return out.astype(array.dtype, copy=False)

    def polygamma(self, n, array):
        """psi^(n)(x), the n-th derivative of digamma, elementwise (n >= 0 an int). This generic fallback, for
        n >= 1: (-1)^(n+1) n! (sum_{k<m} (x + k)^-(n+1) + zeta(n + 1, x + m)) with the Euler-Maclaurin series of
        the Hurwitz zeta; m is 10 past the most negative x (read back from the device once)."""
        if n == 0:
            return self.digamma(array)
        xp = self.xp
        x = array.astype(xp.float64)
        m = 10
        if x.size:
            lo = float(xp.min(xp.where(xp.isnan(x), 0.0, x)))
            m += max(0, int(math.ceil(-lo))) if math.isfinite(lo) else 0
        s = n + 1
        total = xp.zeros(x.shape)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            for k in range(m):
                total = total + (x + k) ** (-s)
            z = x + m
            tail = z ** (1 - s) / (s - 1) + 0.5 * z ** (-s)
            rising = float(s)  # s (s + 1) ... (s + 2j - 2)
            for j, b in enumerate(_BERNOULLI_2K, 1):
                tail = tail + b / math.factorial(2 * j) * rising * z ** (-s - 2 * j + 1)
                rising *= (s + 2 * j - 1) * (s + 2 * j)
            out = (-1.0) ** (n + 1) * math.factorial(n) * (total + tail)
        return out.astype(array.dtype, copy=False)

    def erfinv(self, array):
        """The inverse of erf on [-1, 1] elementwise (+-inf at +-1, NaN outside). This generic fallback: Giles'
        single-precision approximation refined by three Newton steps on ``erf``."""
        xp = self.xp
        x = array.astype(xp.float64)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            w = -xp.log((1.0 - x) * (1.0 + x))
            wc = w - 2.5
            p = xp.full(x.shape, 2.81022636e-08)
            for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                      -0.00417768164, 0.246640727, 1.50140941):
                p = c + p * wc
            wt = xp.sqrt(xp.maximum(w, 5.0)) - 3.0
            q = xp.full(x.shape, -0.000200214257)
            for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                      0.00943887047, 1.00167406, 2.83297682):
                q = c + q * wt
            y = xp.where(w < 5.0, p, q) * x
            inside = xp.abs(x) < 1.0
            y = xp.where(inside, y, 0.0)
            for _ in range(3):
                y = y - (self.erf(y) - x) / (1.1283791670955126 * xp.exp(-y * y))
            y = xp.where(inside, y, xp.where(xp.abs(x) == 1.0, x * xp.inf, xp.nan))
        return y.astype(array.dtype, copy=False)

    def data_ptr(self, array):
        """The address (an int) of the array's first element in its device's memory."""
        raise NotImplementedError

    def storage_offset(self, array):
        """How many elements the array's first element lies past the start of the array that owns its
        memory (0 for an array that owns it): the ``.base`` chain is followed to its root array."""
        root = array
        while getattr(root, "base", None) is not None and isinstance(root.base, type(array)):
            root = root.base
        if root is array:
            return 0
        return (self.data_ptr(array) - self.data_ptr(root)) // array.itemsize

    def im2col(self, x, kernel, stride, padding, dilation, value=0.0):
        """The windows of ``x`` (N, C, H, W) as a new C-contiguous array (N, C, kh, kw, OH, OW):

            cols[n, c, i, j, oh, ow] = xpad[n, c, oh * sh + i * dh, ow * sw + j * dw]

        ``xpad`` is ``x`` padded with ``value`` by ``padding = ((top, bottom), (left, right))`` (a
        negative width crops); ``kernel``, ``stride``, ``dilation`` are (h, w) pairs. The output size
        is OH = (H + top + bottom - dh (kh - 1) - 1) // sh + 1, likewise OW; the caller checks it is
        positive. Reshaped to (N, C kh kw, OH OW) it is the right operand of a convolution's GEMM.
        """
        raise NotImplementedError

    def col2im(self, cols, in_size, stride, padding, dilation):
        """The adjoint of ``im2col`` (value 0): ``cols`` (N, C, kh, kw, OH, OW) summed back into a new
        (N, C, H, W) array, ``(H, W) = in_size``:

            out[n, c, y, x] = sum of cols[n, c, i, j, oh, ow] over oh sh + i dh - top = y, ow sw + j dw - left = x

        with ``stride``, ``padding`` and ``dilation`` as in ``im2col`` (entries that fall in the padding
        are dropped; pixels that a negative padding cropped get 0). So <im2col(x), cols> = <x, col2im(cols)>.
        """
        raise NotImplementedError

    def max_pool2d(self, x, kernel, stride, padding, dilation):
        """(y, idx) for x (N, C, H, W): y[n, c, oh, ow] = the maximum of x over the window at
        (oh sh - top, ow sw - left) (``padding`` as in ``im2col``, non-negative, counting as -inf),
        idx = its flat index y * W + x in the H*W plane (int64), the first maximum in row-major window
        order on ties; NaN counts as the maximum. (A window whose entries inside x are all -inf: the GPU
        kernel, like PyTorch, gives the first entry inside x; the CPU's may give a padded position.)"""
        raise NotImplementedError

    def max_pool2d_backward(self, gy, idx, in_shape, kernel, stride, padding, dilation):
        """gx (``in_shape``) = zeros with gy[n, c, p] added at (n, c, idx[n, c, p]): the gradient of
        ``max_pool2d``; where windows overlap, one pixel may receive several terms."""
        raise NotImplementedError

    # --- randomness -------------------------------------------------------------------------
    def manual_seed(self, seed):
        raise NotImplementedError

    def initial_seed(self):
        raise NotImplementedError

    def get_rng_state(self):
        raise NotImplementedError

    def set_rng_state(self, state):
        raise NotImplementedError

    def random(self, shape, dtype):
        raise NotImplementedError

    def normal(self, shape, dtype):
        raise NotImplementedError

    def integers(self, low, high, shape, dtype):
        raise NotImplementedError

    def permutation(self, n):
        raise NotImplementedError

    # --- fused optimizer updates (optional) ---------------------------------------------------
    def sgd_update(self, param, grad, buf, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
        """SGD's update of ``param`` and of the momentum buffer ``buf`` in place, exactly as ``optim.SGD``'s
        generic ops compute it; ``buf`` None with a momentum is the first step, which makes the buffer.
        Returns (done, buffer): (False, None) where there is no fused kernel for these arrays (the
        default), else (True, the momentum buffer or None without momentum)."""
        return False, None

    def adam_update(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                    weight_decay, decoupled, amsgrad, maximize, step):
        """Adam's (AdamW's, with ``decoupled``) update of ``param`` and its moments in place at ``step``
        (counted from 1), exactly as ``optim.Adam``'s generic ops compute it; False where not fused."""
        return False

    # --- device control and interop ---------------------------------------------------------
    def synchronize(self):
        raise NotImplementedError

    def memory_stats(self):
        raise NotImplementedError

    def reset_peak_memory_stats(self):
        raise NotImplementedError

    def empty_cache(self):
        """Return cached device memory to the driver (the CPU keeps no cache: nothing to do)."""

    def device_name(self):
        raise NotImplementedError

    def from_dlpack(self, obj):
        raise NotImplementedError
