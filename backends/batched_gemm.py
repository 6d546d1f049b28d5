"""Stacks of matrix products on the CPU, with whole products handed to the BLAS threads.

``numpy.matmul`` on a stack, (B, m, k) @ (B, k, n), makes one multi-threaded GEMM call per product:
the BLAS threads split every product between them, share its packed panels and meet at its end, B
times over. Recent OpenBLAS (0.3.31 in numpy 2.4's wheels) also has ``cblas_?gemm_batch_strided``,
which gives each thread whole products instead: no panels shared between threads, one meeting per
round of products. Measured on a 2-core machine, sixteen 256^3 float32 products: numpy.matmul 3.1-3.4
ms, the batched call 2.8-3.2 ms, torch.bmm 2.9-3.2 ms; in the machine's slow spells (when its cores'
two-thread GEMMs lose their gain for a while) numpy.matmul takes 4.7-5.0 ms and the batched call
still 2.8-3.0. The ResNet-18 training step (B=16) with its Winograd and per-sample convolution GEMMs
on the batched call, in one process, switched on and off: 443 -> 387 ms in a slow spell, and a few
per cent less in fast ones (benchmarks/results/2026-11-25-cpu-4.md).

``matmul(a, b, out=None)`` is numpy.matmul for everything; it takes the batched call for stacks of
float32 or float64 matrices (either of a and b may be a single matrix, broadcast over the stack)
whose matrices each have one unit stride, where numpy's BLAS is an OpenBLAS that has the call, on
Linux x86-64. The call is checked against numpy.matmul once, on first use; any mismatch, or
``AUTOGRAD_CORE_BATCHED_GEMM=0`` in the environment, leaves numpy.matmul doing all of it.
"""

import ctypes
import os
import platform
import sys

import numpy

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_UNSET = object()
# products of at most 100^3 multiply-adds take OpenBLAS's small-matrix path inside the batched call, which
# crashed when tried (0.3.31, SkylakeX kernels): they stay with numpy.matmul
_SMALL = 100 ** 3
_state = {"funcs": _UNSET}
# OpenBLAS's thread-count query under the names its builds export (SciPy's 64-bit-integer build, other
# 64-bit-integer builds, the plain one); each has a setter named with set_ for get_ (backends.blas_threads)
THREAD_COUNT_QUERIES = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads")


def _openblas_path():
    """The path of the OpenBLAS library numpy calls, from the process's memory map (Linux), or None."""
    try:
        blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # an older numpy, or a build without the dict form
        return None
    if "openblas" not in str(blas.get("name", "")).lower():
        return None
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6}
    except OSError:
        return None
    found = sorted(p for p in paths if "openblas" in os.path.basename(p).lower() and ".so" in p)
    own = [p for p in found if "numpy" in p]  # numpy's wheel keeps its copy in numpy.libs
    if own:
        return own[0]
    return found[0] if len(found) == 1 else None


def _load():
    """(float32 call, float64 call, thread count query, bound on its integer arguments) of the batched GEMM,
    or None where it cannot be used."""
    if os.environ.get("AUTOGRAD_CORE_BATCHED_GEMM", "1") == "0":
        return None
    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "AMD64"):
        return None  # (the integer arguments are passed as 64-bit values: safe on x86-64 either way)
    path = _openblas_path()
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    integer = ctypes.c_int64 if "64" in os.path.basename(path) else ctypes.c_int32
    funcs = []
    for letter, real in (("s", ctypes.c_float), ("d", ctypes.c_double)):
        for name in (f"scipy_cblas_{letter}gemm_batch_strided64_", f"cblas_{letter}gemm_batch_strided64_",
                     f"cblas_{letter}gemm_batch_strided"):
            f = getattr(lib, name, None)
            if f is not None:
                break
        else:
            return None
        i, p = integer, ctypes.c_void_p
        f.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i, i, i, real, p, i, i, p, i, i, real, p, i, i, i]
        f.restype = None
        funcs.append(f)
    for name in THREAD_COUNT_QUERIES:
        threads = getattr(lib, name, None)
        if threads is not None:
            threads.argtypes, threads.restype = [], ctypes.c_int
            return funcs[0], funcs[1], threads, 1 << (8 * ctypes.sizeof(integer) - 2)
    return None


def _matrix(a, itemsize):
    """(transpose flag, leading dimension) of the matrices in the last two axes of a, or None."""
    rows, cols = a.shape[-2:]
    rs, cs = a.strides[-2:]
    if cs == itemsize or cols == 1:  # row-major: rows of ``cols`` values, ``ld`` apart
        ld = rs // itemsize if rows > 1 else cols
        return (_NO_TRANS, ld) if ld >= cols else None
    if rs == itemsize or rows == 1:  # column-major: the transpose of a row-major (cols, rows) matrix
        ld = cs // itemsize if cols > 1 else rows
        return (_TRANS, ld) if ld >= rows else None
    return None


def _batch_stride(a, count, itemsize):
    """The element stride between a's matrices for a stack of ``count`` (0 for a single matrix)."""
    if a.ndim == 2 or a.shape[0] == 1:
        return 0
    return a.strides[0] // itemsize if a.shape[0] == count else None


def _fast(a, b, out, threads, limit=1 << 62):
    """The batched call for numpy.matmul(a, b, out), or None where it does not apply: besides the
    layouts (aligned, native byte order, one unit stride per matrix), a stack of products that the
    ``threads`` BLAS threads share out evenly (a multiple of them, or at least four rounds), each
    product over 100^3 multiply-adds, and every size and stride under ``limit`` (the BLAS's integers)."""
    if a.__class__ is not numpy.ndarray or b.__class__ is not numpy.ndarray or a.dtype != b.dtype:
        return None
    if not (a.flags.aligned and b.flags.aligned):
        return None
    if a.dtype not in (numpy.float32, numpy.float64) or not (2 <= a.ndim <= 3 and 2 <= b.ndim <= 3):
        return None
    count = max(a.shape[0] if a.ndim == 3 else 1, b.shape[0] if b.ndim == 3 else 1)
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if count < 2 or b.shape[-2] != k or m * n * k <= _SMALL or (count % threads and count < 4 * threads):
        return None
    itemsize = a.itemsize
    if min(a.strides) < 0 or min(b.strides) < 0 or any(s % itemsize for s in a.strides + b.strides):
        return None
    ta, tb = _matrix(a, itemsize), _matrix(b, itemsize)
    sa, sb = _batch_stride(a, count, itemsize), _batch_stride(b, count, itemsize)
    if ta is None or tb is None or sa is None or sb is None:
        return None
    if out is None:
        out = numpy.empty((count, m, n), dtype=a.dtype)
    elif not _writable_stack(out, a.dtype, (count, m, n)) or numpy.may_share_memory(out, a) \
            or numpy.may_share_memory(out, b):
        return None
    ldc, sc = out.strides[1] // itemsize, out.strides[0] // itemsize
    plan = (ta[0], tb[0], m, n, k, ta[1], sa, tb[1], sb, ldc, sc, count)
    if max(plan[2:]) >= limit or max(a.size, b.size, out.size) >= limit:
        return None
    return out, plan


def _writable_stack(out, dtype, shape):
    """Whether ``out`` can take a stack of ``shape`` row-major products: rows with unit stride, and its
    matrices not overlapping one another."""
    if out.__class__ is not numpy.ndarray or out.dtype != dtype or out.shape != shape or not out.flags.writeable \
            or not out.flags.aligned:
        return False
    count, m, n = shape
    itemsize = out.itemsize
    s0, s1, s2 = out.strides
    if s2 != itemsize or min(s0, s1) < 0 or s0 % itemsize or s1 % itemsize:
        return False
    ldc, sc = (s1 // itemsize if m > 1 else n), s0 // itemsize
    if ldc < n:
        return False
    return sc >= (m - 1) * ldc + n or (sc >= n and (count - 1) * sc + n <= ldc)


def _check(funcs):
    """Whether the batched call agrees with numpy.matmul on a few small stacks (every transpose pair)."""
    rng = numpy.random.default_rng(0)
    for dtype in (numpy.float32, numpy.float64):
        a = rng.standard_normal((4, 101, 103)).astype(dtype)
        b = rng.standard_normal((4, 103, 107)).astype(dtype)
        for x, y in ((a, b), (a.transpose(0, 2, 1).copy().transpose(0, 2, 1), b),
                     (a, b.transpose(0, 2, 1).copy().transpose(0, 2, 1)), (a, b[0])):
            want = numpy.matmul(x, y)
            got = _call(funcs, x, y, None)
            if got is None or not numpy.allclose(got, want, rtol=1e-4, atol=1e-4):
                return False
    return True


def _call(funcs, a, b, out):
    """numpy.matmul(a, b, out) by the batched call, or None (nothing done) where it does not apply."""
    plan = _fast(a, b, out, funcs[2](), funcs[3])
    if plan is None:
        return None
    out, (ta, tb, m, n, k, lda, sa, ldb, sb, ldc, sc, count) = plan
    f = funcs[0] if a.dtype == numpy.float32 else funcs[1]
    f(_ROW_MAJOR, ta, tb, m, n, k, 1.0, a.ctypes.data, lda, sa, b.ctypes.data, ldb, sb, 0.0, out.ctypes.data, ldc, sc,
      count)
    return out


def available():
    """Whether ``matmul`` hands stacks to the batched BLAS call (loaded and checked on first use)."""
    funcs = _state["funcs"]
    if funcs is _UNSET:
        funcs = _load()
        if funcs is not None and not _check(funcs):
            funcs = None
        _state["funcs"] = funcs
    return funcs is not None


def matmul(a, b, out=None):
    """numpy.matmul(a, b, out=out); stacks of float32/float64 matrices go to the batched BLAS call."""
    if available():
        result = _call(_state["funcs"], a, b, out)
        if result is not None:
            return result
    return numpy.matmul(a, b, out=out)
