"""The GPU backend: CuPy arrays on ``cuda:N``, cuBLAS through ``cupy.matmul``, and this project's CUDA
kernels (``backends/cuda_kernels.py``) for what CuPy has no routine for.

This is the only module that imports CuPy at its top; ``backends.get_backend("cuda")`` imports it
once a GPU is known to be visible. Importing it needs no GPU: the kernel objects below are built
here, once, and CuPy compiles each with NVRTC at its first launch on each device (cached per device
and on disk).

Named kernels (see backends/base.py for their contracts):

* ``sgd_update``, ``adam_update``: the optimizers' fused updates, one kernel per parameter (float32
  and float64, contiguous arrays; anything else takes the optimizer's generic ops).
* ``im2col``, ``col2im``, ``max_pool2d``, ``max_pool2d_backward``: CUDA kernels for float32 and
  float64 (im2col also int64); other dtypes, or planes too large for 32-bit indexing, fall back to
  the NumPy backend's algorithms run on CuPy arrays. col2im and the max-pool backward are gathers
  (one thread per input pixel, a fixed summation order): deterministic, no atomics.
* random numbers: a counter-based Philox4x32-10 generator whose whole state is (seed, offset), like
  PyTorch's CUDA generator: each draw of B Philox blocks reads counters offset .. offset + B - 1 and
  advances offset by B. ``get_rng_state`` is 16 bytes (uint8): seed then offset, little-endian.
  uniform: top 24 (float32) or 53 (float64) bits; normal: Box-Muller; integers: bits mod range;
  permutation: argsort of random 64-bit keys.
* ``scatter_add``: ``cupyx.scatter_add`` (atomic adds: the order of accumulation is not fixed).
* ``erf``, ``ndtr``, ``lgamma``, ``digamma``, ``polygamma``, ``erfinv``, ``map_coordinates``: ``cupyx.scipy``.
* ``synchronize``, ``memory_stats``, ``from_dlpack``, ``to_host``/``from_host``.

Every method runs inside ``with cupy.cuda.Device(index)``, so a backend for ``cuda:1`` allocates and
launches on GPU 1 whatever the current device is.
"""

import cupy
import cupyx
import numpy

from . import cuda_kernels as ck
from .base import DEFAULT_SEED, Backend, check_integer_range
from .device import Device
from .numpy_backend import col2im_sliced, im2col_strided, max_pool2d_backward_scatter, max_pool2d_windows

KERNELS = ck.build_kernels(cupy)
"""Kernel name -> cupy.RawKernel, built once at import (compiled lazily, per device)."""

_MASK64 = (1 << 64) - 1
_STATE_BYTES = 16  # seed, offset
_ATOMIC_DTYPES = tuple(numpy.dtype(t) for t in (numpy.float16, numpy.float32, numpy.float64, numpy.int32,
                                                 numpy.uint32, numpy.uint64))


class CupyBackend(Backend):
    """The backend of ``cuda:index``."""

    name = "cuda"
    xp = cupy
    array_type = cupy.ndarray
    native_col2im = True  # col2im is a gather kernel: conv's input gradient is GEMM + col2im
    fused_optimizer_updates = True  # sgd_update / adam_update: one kernel per parameter

    def __init__(self, index=0):
        self.index = int(index)
        self.device = Device("cuda", self.index)
        self._peak = 0
        self.manual_seed(DEFAULT_SEED)

    # --- plumbing (the tests replace these two to run the kernels' host build) ------------------
    def _on_device(self):
        """A context manager making this backend's GPU the current device (a new one per use: CuPy's
        Device keeps the device to restore in a per-object stack, which threads must not share)."""
        return cupy.cuda.Device(self.index)

    def _launch(self, name, threads, args):
        grid, block = ck.launch_size(threads)
        KERNELS[name]((grid,), (block,), args)

    # --- arrays -----------------------------------------------------------------------------
    def asarray(self, data, dtype=None):
        with self._on_device():
            if isinstance(data, cupy.ndarray) and data.device.id != self.index:
                data = data.copy()  # a peer copy onto this device
            return cupy.asarray(data, dtype=dtype)

    def to_host(self, array):
        return cupy.asnumpy(array)

    def from_host(self, array):
        with self._on_device():
            return cupy.asarray(array)

    def scatter_add(self, target, index, values):
        """``target[index] += values``, repeated indices accumulating (CUDA atomics). int64 is added as
        uint64 (the same two's-complement sum)."""
        dt = target.dtype
        with self._on_device():
            if dt == numpy.int64:
                values = cupy.asarray(values, dtype=numpy.int64).view(numpy.uint64)
                cupyx.scatter_add(target.view(numpy.uint64), index, values)
            elif dt in _ATOMIC_DTYPES:
                cupyx.scatter_add(target, index, cupy.asarray(values, dtype=dt))
            else:
                raise TypeError(f"scatter_add on the GPU supports float16/32/64, int32, int64, uint32 and uint64 "
                                f"targets, got dtype {dt.name}")

    def erf(self, array):
        from cupyx.scipy.special import erf

        with self._on_device():
            return erf(array).astype(array.dtype, copy=False)

    def ndtr(self, array):
        from cupyx.scipy.special import ndtr

        with self._on_device():
            return ndtr(array).astype(array.dtype, copy=False)

    def lgamma(self, array):
        from cupyx.scipy.special import gammaln

        with self._on_device():
            return gammaln(array).astype(array.dtype, copy=False)

    def digamma(self, array):
        from cupyx.scipy.special import digamma

        with self._on_device():
            return digamma(array).astype(array.dtype, copy=False)

    def polygamma(self, n, array):
        from cupyx.scipy.special import polygamma

        if n == 0:
            return self.digamma(array)
        with self._on_device():
            return polygamma(cupy.asarray(n, dtype=array.dtype), array).astype(array.dtype, copy=False)

    def erfinv(self, array):
        from cupyx.scipy.special import erfinv

        with self._on_device():
            return erfinv(array).astype(array.dtype, copy=False)

    def data_ptr(self, array):
        return int(array.data.ptr)

    def map_coordinates(self, array, coordinates, order=1, mode="constant", cval=0.0):
        from cupyx.scipy.ndimage import map_coordinates

        with self._on_device():
            out = map_coordinates(array, coordinates, order=order, mode=mode, cval=cval)
            return out.astype(array.dtype, copy=False)

    # --- window kernels -----------------------------------------------------------------------
    def im2col(self, x, kernel, stride, padding, dilation, value=0.0):
        xp = self.xp
        n, c, h, w = x.shape
        oh, ow = (ck.out_size(s, k, p, st, d) for s, k, p, st, d in zip((h, w), kernel, padding, stride, dilation))
        with self._on_device():
            if ck.suffix(x.dtype, ("f32", "f64", "i64")) is None or not ck.fits_int32(
                    kernel[0] * kernel[1] * oh * ow, h * w, h + abs(padding[0][0]), w + abs(padding[1][0])):
                return im2col_strided(xp, x, kernel, stride, padding, dilation, value)
            x = xp.ascontiguousarray(x)
            cols = xp.empty((n, c, kernel[0], kernel[1], oh, ow), dtype=x.dtype)
            if cols.size:
                self._launch(*ck.im2col_call(x, cols, kernel, stride, padding, dilation, value))
            return cols

    def col2im(self, cols, in_size, stride, padding, dilation):
        xp = self.xp
        n, c, kh, kw, oh, ow = cols.shape
        h, w = in_size
        with self._on_device():
            if ck.suffix(cols.dtype) is None or not ck.fits_int32(kh * kw * oh * ow, h * w):
                return col2im_sliced(xp, cols, in_size, stride, padding, dilation)
            cols = xp.ascontiguousarray(cols)
            out = xp.empty((n, c, h, w), dtype=cols.dtype)
            if out.size:
                self._launch(*ck.col2im_call(cols, out, stride, padding, dilation))
            return out

    def max_pool2d(self, x, kernel, stride, padding, dilation):
        xp = self.xp
        n, c, h, w = x.shape
        oh, ow = (ck.out_size(s, k, p, st, d) for s, k, p, st, d in zip((h, w), kernel, padding, stride, dilation))
        with self._on_device():
            if ck.suffix(x.dtype) is None or not ck.fits_int32(h * w, oh * ow):
                return max_pool2d_windows(xp, x, kernel, stride, padding, dilation)
            x = xp.ascontiguousarray(x)
            y = xp.empty((n, c, oh, ow), dtype=x.dtype)
            idx = xp.empty((n, c, oh, ow), dtype=numpy.int64)
            if y.size:
                self._launch(*ck.maxpool_fwd_call(x, y, idx, kernel, stride, padding, dilation))
            return y, idx

    def max_pool2d_backward(self, gy, idx, in_shape, kernel, stride, padding, dilation):
        xp = self.xp
        with self._on_device():
            if ck.suffix(gy.dtype) is None or not ck.fits_int32(in_shape[2] * in_shape[3], gy.shape[2] * gy.shape[3]):
                return max_pool2d_backward_scatter(self, gy, idx, in_shape, kernel, stride, padding, dilation)
            gy = xp.ascontiguousarray(gy)
            idx = xp.ascontiguousarray(idx, dtype=numpy.int64)
            gx = xp.empty(tuple(in_shape), dtype=gy.dtype)
            if gx.size:
                self._launch(*ck.maxpool_bwd_call(gy, idx, gx, kernel, stride, padding, dilation))
            return gx

    # --- randomness: Philox4x32-10, state (seed, offset) -------------------------------------------
    def manual_seed(self, seed):
        self._seed = int(seed) & _MASK64
        self._offset = 0

    def initial_seed(self):
        return self._seed

    def get_rng_state(self):
        """The generator state as 16 bytes (uint8 array): the seed, then the Philox offset (little-endian)."""
        raw = self._seed.to_bytes(8, "little") + self._offset.to_bytes(8, "little")
        return numpy.frombuffer(raw, dtype=numpy.uint8).copy()

    def set_rng_state(self, state):
        raw = numpy.asarray(state, dtype=numpy.uint8).tobytes()
        if len(raw) != _STATE_BYTES:
            raise ValueError(f"CUDA RNG state must be {_STATE_BYTES} bytes (seed and offset), got {len(raw)}")
        self._seed = int.from_bytes(raw[:8], "little")
        self._offset = int.from_bytes(raw[8:], "little")

    def _draw(self, name, shape, dtype, *extra):
        with self._on_device():
            out = self.xp.empty(shape, dtype=dtype)
            if out.size:
                kernel, threads, args, blocks = ck.philox_call(name, self._seed, self._offset, out, *extra)
                self._launch(kernel, threads, args)
                self._offset = (self._offset + blocks) & _MASK64
            return out

    def _draw_float(self, kind, shape, dtype):
        """float32 and float64 draws come straight from their kernel; other dtypes are cast from float64."""
        dt = numpy.dtype(dtype)
        if dt == numpy.float32:
            return self._draw(f"philox_{kind}_f32", shape, dt)
        out = self._draw(f"philox_{kind}_f64", shape, numpy.float64)
        return out if dt == numpy.float64 else out.astype(dt)

    def random(self, shape, dtype):
        return self._draw_float("uniform", shape, dtype)

    def normal(self, shape, dtype):
        return self._draw_float("normal", shape, dtype)

    def integers(self, low, high, shape, dtype):
        """Uniform integers in [low, high): (random bits) mod (high - low) from one 32-bit word per value
        when the range fits 32 bits, else from 64 bits (the modulo bias is below 2^-32 relative)."""
        dt = numpy.dtype(dtype)
        low, high = int(low), int(high)
        check_integer_range(low, high, dt if dt.kind in "iub" else numpy.dtype(numpy.int64))
        if high <= low:
            raise ValueError(f"randint: low ({low}) must be less than high ({high})")
        span = high - low
        out = self._draw("philox_randint", shape, numpy.int64, low, span & _MASK64, int(span > 1 << 32))
        return out if dt == numpy.int64 else out.astype(dt)

    def permutation(self, n):
        """A uniformly random permutation of range(n) (int64): the stable argsort of n random 64-bit
        keys (a tie, of probability about n^2 / 2^65, keeps index order)."""
        with self._on_device():
            keys = self._draw("philox_randint", (int(n),), numpy.int64, 0, 0, 1)  # range 0 = all 2^64 values
            return self.xp.argsort(keys)

    # --- fused optimizer updates: one kernel per parameter and step ----------------------------------
    @staticmethod
    def _fusable(*arrays):
        first = arrays[0]
        return ck.suffix(first.dtype) is not None and all(
            a is None or (a.dtype == first.dtype and a.shape == first.shape and a.flags.c_contiguous) for a in arrays)

    def sgd_update(self, param, grad, buf, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
        if not self._fusable(param, grad, buf):
            return False, None
        first = momentum != 0 and buf is None
        with self._on_device():
            if first:
                buf = self.xp.empty_like(param)
            if param.size:
                self._launch(*ck.sgd_call(param, grad, buf, lr=lr, momentum=momentum, dampening=dampening,
                                          weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                                          first=first))
        return True, buf

    def adam_update(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                    weight_decay, decoupled, amsgrad, maximize, step):
        if not self._fusable(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq) or (amsgrad and max_exp_avg_sq is None):
            return False
        if param.size:
            with self._on_device():
                self._launch(*ck.adam_call(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr=lr, beta1=beta1,
                                           beta2=beta2, eps=eps, weight_decay=weight_decay, decoupled=decoupled,
                                           amsgrad=amsgrad, maximize=maximize, step=step))
        return True

    # --- device control and interop ---------------------------------------------------------
    def synchronize(self):
        """Wait for all work queued on this GPU; also samples the memory peak (see memory_stats)."""
        cupy.cuda.Device(self.index).synchronize()
        self._sample_peak()

    def _sample_peak(self):
        with self._on_device():
            used = cupy.get_default_memory_pool().used_bytes()
        self._peak = max(self._peak, used)
        return used

    def memory_stats(self):
        """Bytes of CuPy's default memory pool on this GPU: ``allocated_bytes`` in live arrays,
        ``reserved_bytes`` held by the pool (freed blocks are kept for reuse), and ``peak_bytes``, the
        largest ``allocated_bytes`` seen at a ``synchronize()`` or ``memory_stats()`` call since the
        backend was created or ``reset_peak_memory_stats()``. (The pool keeps no high-water mark, and
        hooking every allocation would cost microseconds per op; ``reserved_bytes`` bounds the true
        peak from above.)"""
        used = self._sample_peak()
        with self._on_device():
            total = cupy.get_default_memory_pool().total_bytes()
        return {"allocated_bytes": used, "reserved_bytes": total, "peak_bytes": self._peak}

    def reset_peak_memory_stats(self):
        self._peak = 0
        self._sample_peak()

    def empty_cache(self):
        """Free the memory pool's unused blocks on this GPU (live arrays stay)."""
        with self._on_device():
            cupy.get_default_memory_pool().free_all_blocks()

    def device_name(self):
        name = cupy.cuda.runtime.getDeviceProperties(self.index)["name"]
        return name.decode() if isinstance(name, bytes) else str(name)

    def from_dlpack(self, obj):
        with self._on_device():
            return cupy.from_dlpack(obj)
