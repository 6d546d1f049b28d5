"""The Backend abstraction: one object per device.

A backend carries ``xp`` (``numpy`` or ``cupy``) for every NumPy-compatible call, plus a short,
explicit list of named kernels for what differs between devices:

========================  ===========================================================
``asarray``               make an array of this device from host data
``to_host`` / ``from_host``  copy to / from a NumPy array
``scatter_add``           ``target[index] += values`` with repeated indices accumulating
``manual_seed``, ``get_rng_state``, ``set_rng_state``, ``random``, ``normal``,
``integers``, ``permutation``          the device's random generator
``erf``                   the error function (NumPy has none)
``map_coordinates``       interpolate an array at given coordinates (scipy.ndimage / cupyx.scipy.ndimage)
``im2col``                the sliding windows of an (N, C, H, W) batch, one column per output position
``synchronize``           wait for queued work (a no-op on the CPU)
``memory_stats``          bytes in use / peak, for benchmarks
``from_dlpack``           zero-copy import of another library's array
========================  ===========================================================

A backend knows nothing of Tensor: it speaks arrays only.
"""

DEFAULT_SEED = 67280421310721


class Backend:
    """Interface every device backend implements. See the module docstring for the kernel list."""

    name = "abstract"  # "cpu" or "cuda"
    xp = None  # the array namespace
    array_type = None  # the concrete array class of this device
    device = None  # a backends.Device

    def __repr__(self):
        return f"<{type(self).__name__} {self.device}>"

    # --- arrays -----------------------------------------------------------------------------
    def asarray(self, data, dtype=None):
        raise NotImplementedError

    def to_host(self, array):
        raise NotImplementedError

    def from_host(self, array):
        raise NotImplementedError

    def scatter_add(self, target, index, values):
        raise NotImplementedError

    def erf(self, array):
        raise NotImplementedError

    def map_coordinates(self, array, coordinates, order=1, mode="constant", cval=0.0):
        raise NotImplementedError

    def im2col(self, x, kernel, stride, padding, dilation, value=0.0):
        """The windows of ``x`` (N, C, H, W) as a new C-contiguous array (N, C, kh, kw, OH, OW):

            cols[n, c, i, j, oh, ow] = xpad[n, c, oh * sh + i * dh, ow * sw + j * dw]

        ``xpad`` is ``x`` padded with ``value`` by ``padding = ((top, bottom), (left, right))`` (a
        negative width crops); ``kernel``, ``stride``, ``dilation`` are (h, w) pairs. The output size
        is OH = (H + top + bottom - dh (kh - 1) - 1) // sh + 1, likewise OW; the caller checks it is
        positive. Reshaped to (N, C kh kw, OH OW) it is the right operand of a convolution's GEMM.
        """
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

    # --- device control and interop ---------------------------------------------------------
    def synchronize(self):
        raise NotImplementedError

    def memory_stats(self):
        raise NotImplementedError

    def from_dlpack(self, obj):
        raise NotImplementedError
