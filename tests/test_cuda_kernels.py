"""The CUDA kernels, checked without a GPU.

1. Every kernel source compiles with ``nvcc -ptx`` (skips without nvcc).
2. The kernels' logic: the same sources are compiled with the host C++ compiler behind a prelude that
   turns ``__global__``/``__device__`` into plain C++ and ``threadIdx``/``blockIdx``/``blockDim``/
   ``gridDim`` into globals, which a generated launcher sets while it loops over the grid and the
   block (the kernels share nothing between threads, so running them one after another is exact).
   The launches are the backend's own ``(name, threads, args)`` calls from ``backends.cuda_kernels``,
   and each argument's NumPy type is checked against the C parameter it feeds. Results are compared
   with the NumPy backend: im2col, col2im, max-pool forward/backward; Philox against the published
   Philox4x32-10 known answers and a Python reference, and the distributions it produces.
3. With CuPy installed, ``CupyBackend`` itself runs on the host build (NumPy arrays in place of CuPy
   ones): its window kernels, its generator's draws, seeding and state.
"""

import contextlib
import ctypes
import itertools
import math
import re
import shutil
import subprocess

import numpy
import pytest

import backends
from backends import cuda_kernels as ck

CPU = backends.CPU
NVCC = shutil.which("nvcc")
CXX = shutil.which("g++")
needs_cxx = pytest.mark.skipif(CXX is None, reason="g++ is not installed: the host build of the CUDA kernels "
                                                   "(their logic checked on the CPU) is skipped")

# --- nvcc ------------------------------------------------------------------------------------------
@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed: the CUDA kernel sources were not compiled")
@pytest.mark.parametrize("group", sorted(ck.SOURCES))
def test_sources_compile_with_nvcc(group, tmp_path):
    src = tmp_path / f"{group}.cu"
    src.write_text(ck.SOURCES[group])
    ptx = tmp_path / f"{group}.ptx"
    run = subprocess.run([NVCC, "-ptx", "-arch=compute_80", *ck.COMPILE_OPTIONS, "-Werror", "all-warnings",
                          str(src), "-o", str(ptx)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    text = ptx.read_text()
    names = [n for n, g in ck.KERNEL_SOURCE.items() if g == group]
    for name in names:  # the float and double (and int64) variants all made it into the module
        assert f".entry {name}(" in text, f"{name} missing from the PTX of {group}"


def test_sources_are_self_contained():
    """NVRTC (CuPy's compiler) sees no system headers, and the host build runs threads one by one:
    so no includes, host macros, shared memory, barriers or atomics."""
    for group, src in ck.SOURCES.items():
        code = re.sub(r"//[^\n]*", "", src)  # comments may say what the code does not do
        for word in ("#include", "INFINITY", "NAN", "std::", "printf", "__shared__", "__syncthreads", "atomic"):
            assert word not in code, f"{group} uses {word}"


def test_kernel_table_covers_every_dtype_variant():
    names = set(ck.KERNEL_SOURCE)
    for base in ("col2im", "maxpool_fwd", "maxpool_bwd", "philox_uniform", "philox_normal", "sgd", "adam"):
        assert {f"{base}_f32", f"{base}_f64"} <= names
    assert {"im2col_f32", "im2col_f64", "im2col_i64", "philox_randint", "philox_raw"} <= names


# --- the host build ----------------------------------------------------------------------------------
PRELUDE = r"""
#include <math.h>
#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict
struct EmulatedDim3 { unsigned int x, y, z; };
static EmulatedDim3 threadIdx, blockIdx, blockDim, gridDim;
// CUDA's correctly rounded arithmetic intrinsics: plain IEEE operations on the host (built with
// -ffp-contract=off, so none is fused into a multiply-add)
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline double __dsub_rn(double a, double b) { return a - b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline double __ddiv_rn(double a, double b) { return a / b; }
static inline float __fsqrt_rn(float a) { return sqrtf(a); }
static inline double __dsqrt_rn(double a) { return sqrt(a); }
"""

_C_SCALARS = {"float": (ctypes.c_float, numpy.float32), "double": (ctypes.c_double, numpy.float64),
              "int": (ctypes.c_int, numpy.int32), "unsigned int": (ctypes.c_uint, numpy.uint32),
              "long long": (ctypes.c_longlong, numpy.int64),
              "unsigned long long": (ctypes.c_ulonglong, numpy.uint64)}


def _launchers(source):
    """A ``launch_<name>(grid, block, params...)`` per kernel: every (block, thread) of the grid in turn."""
    out = []
    for name, params in ck.kernel_signatures(source).items():
        decl = ", ".join(f"{t} {p}" for t, p in params)
        args = ", ".join(p for _, p in params)
        out.append(f'extern "C" void launch_{name}(unsigned int grid, unsigned int block, {decl}) {{\n'
                   "  gridDim.x = grid; blockDim.x = block; gridDim.y = gridDim.z = blockDim.y = blockDim.z = 1;\n"
                   "  threadIdx.y = threadIdx.z = blockIdx.y = blockIdx.z = 0;\n"
                   "  for (unsigned int b = 0; b < grid; ++b)\n"
                   "    for (unsigned int t = 0; t < block; ++t) {\n"
                   f"      blockIdx.x = b; threadIdx.x = t; {name}({args});\n"
                   "    }\n}\n")
    return "".join(out)


class HostKernels:
    """The kernels built for the CPU; ``launch`` takes the backend's (name, threads, args)."""

    def __init__(self, folder):
        self.sigs, self.funcs = {}, {}
        builds = []
        for group, source in ck.SOURCES.items():
            cpp, lib = folder / f"{group}.cpp", folder / f"{group}.so"
            cpp.write_text(PRELUDE + source + _launchers(source))
            builds.append((lib, source, subprocess.Popen(
                [CXX, "-O2", "-std=c++14", "-ffp-contract=off", "-shared", "-fPIC", "-Wall", "-Werror", str(cpp), "-o",
                 str(lib)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        for lib, source, proc in builds:
            _, err = proc.communicate()
            assert proc.returncode == 0, err
            dll = ctypes.CDLL(str(lib))
            for name, params in ck.kernel_signatures(source).items():
                fn = getattr(dll, f"launch_{name}")
                fn.argtypes = [ctypes.c_uint, ctypes.c_uint] + [
                    ctypes.c_void_p if t.endswith("*") else _C_SCALARS[t][0] for t, _ in params]
                fn.restype = None
                self.sigs[name], self.funcs[name] = params, fn

    def launch(self, name, threads, args, block=32, max_grid=3):
        """A small grid (at most ``max_grid`` blocks of ``block`` threads), so the grid-stride loops turn."""
        params = self.sigs[name]
        assert len(args) == len(params), f"{name}: {len(args)} arguments for {len(params)} parameters"
        c_args = []
        for (ctype, pname), a in zip(params, args):
            if ctype.endswith("*"):
                assert isinstance(a, numpy.ndarray) and a.flags.c_contiguous, f"{name}.{pname}: not a contiguous array"
                assert a.dtype == _C_SCALARS[ctype[:-1]][1], f"{name}.{pname}: {a.dtype} array for a {ctype}"
                c_args.append(a.ctypes.data)
            else:
                assert type(a) is _C_SCALARS[ctype][1], f"{name}.{pname}: {type(a).__name__} passed for a {ctype}"
                c_args.append(a.item())
        grid = max(1, min(-(-threads // block), max_grid))
        self.funcs[name](grid, block, *c_args)


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    if CXX is None:
        pytest.skip("g++ is not installed: the host build of the CUDA kernels is skipped")
    return HostKernels(tmp_path_factory.mktemp("cuda_host_build"))


# --- window kernels -------------------------------------------------------------------------------
def _im2col(host, x, kernel, stride, padding, dilation, value=0.0):
    n, c, h, w = x.shape
    oh, ow = (ck.out_size(s, k, p, st, d) for s, k, p, st, d in zip((h, w), kernel, padding, stride, dilation))
    cols = numpy.empty((n, c) + tuple(kernel) + (oh, ow), x.dtype)
    host.launch(*ck.im2col_call(x, cols, kernel, stride, padding, dilation, value))
    return cols


def _col2im(host, cols, in_size, stride, padding, dilation):
    out = numpy.empty(cols.shape[:2] + tuple(in_size), cols.dtype)
    host.launch(*ck.col2im_call(cols, out, stride, padding, dilation))
    return out


# (kernel, stride, padding ((top, bottom), (left, right)), dilation, (H, W)); negative widths crop
GEOMETRIES = [
    ((1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), (4, 5)),
    ((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), (6, 5)),
    ((3, 2), (2, 3), ((1, 2), (0, 1)), (1, 1), (7, 9)),
    ((2, 3), (1, 2), ((0, 0), (2, 2)), (2, 1), (8, 6)),
    ((3, 3), (3, 2), ((2, 0), (1, 1)), (2, 2), (11, 10)),
    ((5, 5), (2, 2), ((2, 2), (2, 2)), (1, 1), (9, 9)),
    ((2, 2), (1, 1), ((-1, 0), (0, -2)), (1, 1), (6, 7)),
    ((3, 2), (2, 1), ((-2, 1), (1, -1)), (1, 2), (9, 8)),
    ((4, 1), (1, 3), ((3, -1), (-2, 0)), (1, 1), (7, 11)),
    ((1, 4), (2, 2), ((0, 0), (0, 0)), (1, 2), (5, 12)),
]


@needs_cxx
@pytest.mark.parametrize("kernel,stride,padding,dilation,size", GEOMETRIES)
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64, numpy.int64])
def test_im2col_matches_numpy(host, kernel, stride, padding, dilation, size, dtype):
    x = (numpy.random.default_rng(0).normal(size=(2, 3) + size) * 100).astype(dtype)
    for value in ([0.0, -7.0, -math.inf] if dtype != numpy.int64 else [0, -7]):
        expected = CPU.im2col(x, kernel, stride, padding, dilation, value=value)
        got = _im2col(host, x, kernel, stride, padding, dilation, value)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        numpy.testing.assert_array_equal(got, expected)


@needs_cxx
@pytest.mark.parametrize("kernel,stride,padding,dilation,size", GEOMETRIES)
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_col2im_matches_numpy_and_is_im2col_adjoint(host, kernel, stride, padding, dilation, size, dtype):
    rng = numpy.random.default_rng(1)
    x = rng.normal(size=(2, 3) + size)
    shape = CPU.im2col(x, kernel, stride, padding, dilation).shape
    cols = rng.normal(size=shape).astype(dtype)
    expected = CPU.col2im(cols, size, stride, padding, dilation)
    got = _col2im(host, cols, size, stride, padding, dilation)
    assert got.dtype == numpy.dtype(dtype) and got.shape == (2, 3) + size
    tol = 1e-5 if dtype == numpy.float32 else 1e-12
    numpy.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    # <im2col(x), cols> = <x, col2im(cols)>, and pixels no window reads (cropped away) get exactly 0
    lhs = (CPU.im2col(x, kernel, stride, padding, dilation) * cols.astype(numpy.float64)).sum()
    numpy.testing.assert_allclose((x * got.astype(numpy.float64)).sum(), lhs, rtol=1e-5 if dtype == numpy.float32
                                  else 1e-12)
    unread = CPU.col2im(numpy.ones(shape), size, stride, padding, dilation) == 0
    assert (got[unread] == 0).all()


@needs_cxx
def test_col2im_many_random_geometries(host):
    """col2im against NumPy on 60 random geometries (sizes, strides, dilations, paddings of either sign)."""
    rng = numpy.random.default_rng(2)
    done = 0
    while done < 60:
        kernel, stride, dilation = (tuple(int(v) for v in rng.integers(1, m, 2)) for m in (5, 4, 3))
        size = tuple(int(v) for v in rng.integers(3, 13, 2))
        padding = tuple(tuple(int(v) for v in rng.integers(-2, 4, 2)) for _ in range(2))
        oh, ow = (ck.out_size(s, k, p, st, d) for s, k, p, st, d in zip(size, kernel, padding, stride, dilation))
        if oh < 1 or ow < 1 or any(size[i] + min(padding[i][0], 0) + min(padding[i][1], 0) < 1 for i in range(2)):
            continue
        cols = rng.normal(size=(1, 2) + kernel + (oh, ow))
        numpy.testing.assert_allclose(_col2im(host, cols, size, stride, padding, dilation),
                                      CPU.col2im(cols, size, stride, padding, dilation), rtol=1e-12, atol=1e-12)
        done += 1


POOLS = [  # (kernel, stride, padding, dilation, size)
    ((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1), (6, 8)),
    ((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), (5, 6)),
    ((3, 3), (2, 2), ((1, 2), (1, 1)), (2, 2), (7, 6)),
    ((5, 3), (3, 2), ((2, 2), (1, 2)), (1, 1), (9, 10)),
    ((2, 3), (1, 2), ((1, 1), (1, 1)), (2, 1), (5, 7)),
    ((3, 3), (3, 3), ((0, 2), (0, 1)), (1, 1), (8, 7)),  # ceil_mode's grown bottom/right padding
]


def _pool_input(dtype, size, seed):
    """Small integers (many ties inside a window), a NaN, an infinity, and a plane of -inf (ties with
    the padding: the first entry inside x wins, as in PyTorch)."""
    x = numpy.random.default_rng(seed).integers(-3, 4, size=(2, 3) + size).astype(dtype)
    x[0, 1, 1, 2] = numpy.nan
    x[1, 2, 0, 0] = numpy.inf
    x[1, 0] = -numpy.inf
    x[1, 0, -1, -1] = 1.0
    return x


@needs_cxx
@pytest.mark.parametrize("kernel,stride,padding,dilation,size", POOLS)
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_max_pool_forward_and_backward_match_numpy(host, kernel, stride, padding, dilation, size, dtype):
    x = _pool_input(dtype, size, seed=3)
    y0, idx0 = CPU.max_pool2d(x, kernel, stride, padding, dilation)
    y = numpy.empty(y0.shape, dtype)
    idx = numpy.empty(y0.shape, numpy.int64)
    host.launch(*ck.maxpool_fwd_call(x, y, idx, kernel, stride, padding, dilation))
    numpy.testing.assert_array_equal(y, y0)  # NaN where NumPy has NaN
    numpy.testing.assert_array_equal(idx, idx0)  # the first maximum on ties, the first NaN
    gy = numpy.random.default_rng(4).normal(size=y.shape).astype(dtype)
    expected = CPU.max_pool2d_backward(gy, idx0, x.shape, kernel, stride, padding, dilation)
    gx = numpy.empty(x.shape, dtype)
    host.launch(*ck.maxpool_bwd_call(gy, idx, gx, kernel, stride, padding, dilation))
    tol = 1e-6 if dtype == numpy.float32 else 1e-13
    numpy.testing.assert_allclose(gx, expected, rtol=tol, atol=tol)


# --- Philox4x32-10 -------------------------------------------------------------------------------------
# Random123's published known-answer vectors: (counter, key, output)
PHILOX_KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def philox_reference(ctr, key):
    """Philox4x32-10 in Python, vectorised over rows: ctr (m, 4), key (m, 2) uint32 -> (m, 4) uint32."""
    c = [numpy.asarray(ctr, numpy.uint64)[:, i] for i in range(4)]
    k0, k1 = (numpy.asarray(key, numpy.uint64)[:, i] for i in range(2))
    m32 = numpy.uint64(0xFFFFFFFF)
    for r in range(10):
        if r:
            k0, k1 = (k0 + numpy.uint64(0x9E3779B9)) & m32, (k1 + numpy.uint64(0xBB67AE85)) & m32
        p0, p1 = numpy.uint64(0xD2511F53) * c[0], numpy.uint64(0xCD9E8D57) * c[2]
        c = [(p1 >> numpy.uint64(32)) ^ c[1] ^ k0, p1 & m32, (p0 >> numpy.uint64(32)) ^ c[3] ^ k1, p0 & m32]
    return numpy.stack(c, axis=1).astype(numpy.uint32)


def test_philox_reference_matches_known_answers():
    for ctr, key, out in PHILOX_KAT:
        assert tuple(philox_reference([ctr], [key])[0]) == out


@needs_cxx
def test_philox_kernel_matches_known_answers(host):
    io = numpy.array([list(c) + list(k) for c, k, _ in PHILOX_KAT], dtype=numpy.uint32)
    out = numpy.zeros((len(PHILOX_KAT), 4), numpy.uint32)
    host.launch("philox_raw", len(PHILOX_KAT), (io, out, numpy.int64(len(PHILOX_KAT))), block=2, max_grid=1)
    assert [tuple(int(v) for v in row) for row in out] == [o for _, _, o in PHILOX_KAT]


def _stream_words(seed, offset, blocks):
    """The 32-bit words of blocks offset .. offset + blocks - 1 of stream ``seed``, from the Python reference."""
    counters = numpy.arange(offset, offset + blocks, dtype=numpy.uint64)
    ctr = numpy.stack([counters & numpy.uint64(0xFFFFFFFF), counters >> numpy.uint64(32),
                       numpy.zeros_like(counters), numpy.zeros_like(counters)], axis=1)
    key = numpy.tile(numpy.array([[seed & 0xFFFFFFFF, seed >> 32]], numpy.uint64), (blocks, 1))
    return philox_reference(ctr, key).astype(numpy.uint64)


def _draw(host, name, seed, offset, n, dtype, *extra):
    out = numpy.empty(n, dtype)
    kernel, threads, args, blocks = ck.philox_call(name, seed, offset, out, *extra)
    host.launch(kernel, threads, args, block=8, max_grid=5)
    return out, blocks


SEED = 0x0123456789ABCDEF
OFFSET = (1 << 32) - 3  # the counter's low word wraps inside the draw


@needs_cxx
def test_philox_draws_follow_the_counter_layout(host):
    """Block b of a draw is Philox of the counter (offset + b, 0) under the key seed; values are NumPy's
    24- and 53-bit conversions; integers are bits mod range."""
    n = 37
    words = _stream_words(SEED, OFFSET, 19)
    u32, blocks = _draw(host, "philox_uniform_f32", SEED, OFFSET, n, numpy.float32)
    assert blocks == 10
    numpy.testing.assert_array_equal(u32, ((words.reshape(-1)[:n] >> 8) * 2.0 ** -24).astype(numpy.float32))
    u64, blocks = _draw(host, "philox_uniform_f64", SEED, OFFSET, n, numpy.float64)
    assert blocks == 19
    pairs = words.reshape(-1, 2)[:n]
    numpy.testing.assert_array_equal(u64, ((pairs[:, 0] >> 5) * 67108864.0 + (pairs[:, 1] >> 6)) * 2.0 ** -53)
    ints, blocks = _draw(host, "philox_randint", SEED, OFFSET, n, numpy.int64, -5, 1000, 0)
    assert blocks == 10
    numpy.testing.assert_array_equal(ints, words.reshape(-1)[:n].astype(numpy.int64) % 1000 - 5)
    wide, blocks = _draw(host, "philox_randint", SEED, OFFSET, n, numpy.int64, -(1 << 62), 3 << 61, 1)
    bits = (pairs[:, 1] << numpy.uint64(32)) | pairs[:, 0]
    numpy.testing.assert_array_equal(wide, [int(b) % (3 << 61) - (1 << 62) for b in bits])
    full, _ = _draw(host, "philox_randint", SEED, OFFSET, n, numpy.int64, -(1 << 63), 0, 1)  # range 2^64
    numpy.testing.assert_array_equal(full.view(numpy.uint64), bits ^ numpy.uint64(1 << 63))
    keys, _ = _draw(host, "philox_randint", SEED, OFFSET, n, numpy.int64, 0, 0, 1)  # the permutation's keys
    numpy.testing.assert_array_equal(keys.view(numpy.uint64), bits)


@needs_cxx
def test_philox_normal_is_box_muller_of_the_stream(host):
    words = _stream_words(SEED, 7, 8)
    z, blocks = _draw(host, "philox_normal_f64", SEED, 7, 15, numpy.float64)
    assert blocks == 8
    u1 = ((words[:, 0] >> 5) * 67108864.0 + (words[:, 1] >> 6) + 1.0) * 2.0 ** -53
    u2 = ((words[:, 2] >> 5) * 67108864.0 + (words[:, 3] >> 6)) * 2.0 ** -53
    r, t = numpy.sqrt(-2 * numpy.log(u1)), 2 * numpy.pi * u2
    numpy.testing.assert_allclose(z, numpy.stack([r * numpy.cos(t), r * numpy.sin(t)], 1).reshape(-1)[:15],
                                  rtol=1e-13, atol=1e-13)
    z32, _ = _draw(host, "philox_normal_f32", SEED, 7, 32, numpy.float32)
    a, b = words[:, 0::2].reshape(-1), words[:, 1::2].reshape(-1)
    r, t = numpy.sqrt(-2 * numpy.log(((a >> 8) + 1) * 2.0 ** -24)), 2 * numpy.pi * (b >> 8) * 2.0 ** -24
    ref = numpy.stack([r * numpy.cos(t), r * numpy.sin(t)], 1).reshape(8, 2, 2).reshape(-1)
    numpy.testing.assert_allclose(z32, ref, rtol=1e-5, atol=1e-5)


@needs_cxx
def test_philox_distributions(host):
    stats = pytest.importorskip("scipy.stats", reason="SciPy is not installed (the distribution tests use it)")
    n = 200_000
    for dtype in (numpy.float32, numpy.float64):
        suffix = "f32" if dtype == numpy.float32 else "f64"
        u, _ = _draw(host, f"philox_uniform_{suffix}", 42, 0, n, dtype)
        assert u.min() >= 0 and u.max() < 1
        assert stats.kstest(u, "uniform").pvalue > 1e-4
        assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
        z, _ = _draw(host, f"philox_normal_{suffix}", 42, 0, n, dtype)
        assert numpy.isfinite(z).all()
        assert stats.kstest(z.astype(numpy.float64), "norm").pvalue > 1e-4
        assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
        assert abs(stats.kurtosis(z)) < 0.05 and abs(stats.skew(z)) < 0.03
        # the two values of each Box-Muller pair are uncorrelated
        pairs = z[: n // 2 * 2].reshape(-1, 2)
        assert abs(numpy.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1]) < 0.01
    ints, _ = _draw(host, "philox_randint", 42, 0, n, numpy.int64, 3, 10, 0)
    counts = numpy.bincount(ints - 3, minlength=10)
    assert counts.sum() == n and counts.nonzero()[0].tolist() == list(range(10))
    assert stats.chisquare(counts).pvalue > 1e-4
    # neighbouring seeds give unrelated streams; an offset of one block continues the same stream
    a, _ = _draw(host, "philox_uniform_f64", 1, 0, 10_000, numpy.float64)
    b, _ = _draw(host, "philox_uniform_f64", 2, 0, 10_000, numpy.float64)
    c, _ = _draw(host, "philox_uniform_f64", 1, 1, 10_000, numpy.float64)
    assert abs(numpy.corrcoef(a, b)[0, 1]) < 0.05
    numpy.testing.assert_array_equal(c[:-2], a[2:])


# --- CupyBackend itself, on the host build ----------------------------------------------------------------
@pytest.fixture(scope="module")
def emulated(host):
    """A CupyBackend whose arrays are NumPy arrays and whose launches run the host build."""
    cupy_backend = pytest.importorskip("backends.cupy_backend", reason="CuPy is not installed: CupyBackend "
                                                                        "is not exercised on the host build")

    class Emulated(cupy_backend.CupyBackend):
        xp = numpy
        array_type = numpy.ndarray

        def _on_device(self):
            return contextlib.nullcontext()

        def _launch(self, name, threads, args):
            host.launch(name, threads, args, block=16, max_grid=4)

    return Emulated(3)


def test_emulated_backend_window_kernels(emulated):
    rng = numpy.random.default_rng(5)
    for (kernel, stride, padding, dilation, size), dt in itertools.product(GEOMETRIES[:6],
                                                                          (numpy.float32, numpy.float64)):
        x = rng.normal(size=(2, 2) + size).astype(dt)
        cols = emulated.im2col(x[:, :, ::-1], kernel, stride, padding, dilation)  # a non-contiguous input
        numpy.testing.assert_array_equal(cols, CPU.im2col(x[:, :, ::-1], kernel, stride, padding, dilation))
        numpy.testing.assert_allclose(emulated.col2im(cols, size, stride, padding, dilation),
                                      CPU.col2im(cols, size, stride, padding, dilation), rtol=1e-5, atol=1e-5)
        pool = ((max(padding[0][0], 0),) * 2, (max(padding[1][0], 0),) * 2)
        if all(p <= k // 2 for p, k in zip((pool[0][0], pool[1][0]), kernel)):
            y, idx = emulated.max_pool2d(x, kernel, stride, pool, dilation)
            y0, idx0 = CPU.max_pool2d(x, kernel, stride, pool, dilation)
            numpy.testing.assert_array_equal(y, y0)
            numpy.testing.assert_array_equal(idx, idx0)
            gy = numpy.broadcast_to(numpy.ones((), dt), y.shape)  # a broadcast gradient, as sum() gives
            geom = (kernel, stride, pool, dilation)
            numpy.testing.assert_allclose(emulated.max_pool2d_backward(gy, idx, x.shape, *geom),
                                          CPU.max_pool2d_backward(gy, idx0, x.shape, *geom))
    # dtypes without a kernel variant take the NumPy algorithms on the backend's arrays
    x16 = rng.normal(size=(1, 2, 5, 5)).astype(numpy.float16)
    numpy.testing.assert_array_equal(emulated.im2col(x16, (2, 2), (1, 1), ((1, 1), (0, 0)), (1, 1)),
                                     CPU.im2col(x16, (2, 2), (1, 1), ((1, 1), (0, 0)), (1, 1)))


def test_emulated_backend_conv_input_gradient(emulated):
    """The GPU's ConvTranspose (one GEMM into columns + the col2im kernel) equals the CPU's algorithms."""
    from nn.functional.conv_arrays import _conv_arrays, _conv_transpose_arrays

    assert emulated.native_col2im and not CPU.native_col2im
    rng = numpy.random.default_rng(6)
    cases = [(3, 1, 1, 1, 1), (3, 2, 1, 1, 1), (5, 2, 2, 1, 1), (3, 2, 2, 2, 2), (2, 3, 0, 1, 3), (1, 1, 0, 1, 1)]
    for k, s, p, d, g in cases:
        x, w = rng.normal(size=(2, 6, 11, 10)), rng.normal(size=(6, 6 // g, k, k))
        geom = ((s, s), ((p, p), (p, p)), (d, d), g)
        y, _ = _conv_arrays(CPU, x, w, geom)
        numpy.testing.assert_allclose(_conv_transpose_arrays(emulated, y, w, (11, 10), geom),
                                      _conv_transpose_arrays(CPU, y, w, (11, 10), geom), rtol=1e-10, atol=1e-10)


def test_emulated_backend_generator(emulated):
    emulated.manual_seed(123)
    assert emulated.initial_seed() == 123
    state = emulated.get_rng_state()
    assert state.dtype == numpy.uint8 and state.shape == (16,)
    assert int.from_bytes(state[:8].tobytes(), "little") == 123 and not state[8:].any()
    a = emulated.random((4, 5), numpy.float32)
    assert a.dtype == numpy.float32 and a.shape == (4, 5)
    assert int.from_bytes(emulated.get_rng_state()[8:].tobytes(), "little") == 5  # 20 values, 4 per block
    b = emulated.normal((3,), numpy.float64)
    c = emulated.integers(-3, 9, (7,), numpy.int32)
    p = emulated.permutation(50)
    assert c.dtype == numpy.int32 and c.min() >= -3 and c.max() < 9
    assert p.dtype == numpy.int64 and sorted(p.tolist()) == list(range(50))
    emulated.manual_seed(123)
    numpy.testing.assert_array_equal(emulated.random((4, 5), numpy.float32), a)
    numpy.testing.assert_array_equal(emulated.normal((3,), numpy.float64), b)
    numpy.testing.assert_array_equal(emulated.integers(-3, 9, (7,), numpy.int32), c)
    numpy.testing.assert_array_equal(emulated.permutation(50), p)
    # the state round trip replays exactly; a draw in between is undone
    state = emulated.get_rng_state()
    d = emulated.normal((6,), numpy.float32)
    emulated.random((9,), numpy.float64)
    emulated.set_rng_state(state)
    numpy.testing.assert_array_equal(emulated.normal((6,), numpy.float32), d)
    # draws of whole blocks are contiguous pieces of one stream
    emulated.manual_seed(9)
    whole = emulated.random((16,), numpy.float32)
    emulated.manual_seed(9)
    numpy.testing.assert_array_equal(numpy.concatenate([emulated.random((8,), numpy.float32),
                                                        emulated.random((8,), numpy.float32)]), whole)
    # other dtypes, empty draws (no offset change), the errors
    assert emulated.random((2,), numpy.float16).dtype == numpy.float16
    assert emulated.integers(0, 2, (5,), numpy.bool_).dtype == numpy.bool_
    before = emulated.get_rng_state()
    assert emulated.normal((0, 3), numpy.float32).shape == (0, 3)
    numpy.testing.assert_array_equal(emulated.get_rng_state(), before)
    big = emulated.integers(0, 1 << 63, (1000,), numpy.int64)
    assert big.min() >= 0 and big.max() > 1 << 60
    u = emulated.integers(0, 1 << 64, (100,), numpy.uint64)
    assert u.dtype == numpy.uint64 and u.max() > 1 << 63
    with pytest.raises(ValueError, match="does not fit dtype int8"):
        emulated.integers(0, 300, (2,), numpy.int8)
    with pytest.raises(ValueError, match="less than high"):
        emulated.integers(5, 5, (2,), numpy.int64)
    with pytest.raises(ValueError, match="16 bytes"):
        emulated.set_rng_state(numpy.zeros(37, numpy.uint8))


def test_numpy_backend_col2im_reference_is_exact():
    """The NumPy col2im (the reference above) against a direct sum over every column entry."""
    rng = numpy.random.default_rng(7)
    for kernel, stride, padding, dilation, size in GEOMETRIES:
        x_shape = (1, 2) + size
        cols_shape = CPU.im2col(numpy.zeros(x_shape), kernel, stride, padding, dilation).shape
        cols = rng.normal(size=cols_shape)
        ref = numpy.zeros(x_shape)
        for c, i, j, oy, ox in itertools.product(*(range(v) for v in cols_shape[1:])):
            y = oy * stride[0] + i * dilation[0] - padding[0][0]  # entries in the padding are dropped
            xx = ox * stride[1] + j * dilation[1] - padding[1][0]
            if 0 <= y < size[0] and 0 <= xx < size[1]:
                ref[0, c, y, xx] += cols[0, c, i, j, oy, ox]
        numpy.testing.assert_allclose(CPU.col2im(cols, size, stride, padding, dilation), ref, atol=1e-12)


# (optimizer, hyperparameters): every branch of the fused updates (momentum's first and later steps,
# dampening, Nesterov, weight decay, maximize; Adam's two lerp forms, AMSGrad, AdamW's decoupled decay)
FUSED_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.02, betas=(0.3, 0.99), maximize=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
]


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("name,kwargs", FUSED_CASES)
def test_emulated_backend_fused_optimizer_updates(emulated, monkeypatch, name, kwargs, dtype):
    """Five steps of each optimizer through the GPU backend's fused kernels (host build) equal the
    generic update on the CPU bit for bit: parameters and every state buffer, a NaN gradient included."""
    import optim
    from autograd_core.tensor import make_tensor

    launched = []
    plain = emulated._launch
    monkeypatch.setattr(emulated, "_launch", lambda name_, threads, args: (launched.append(name_),
                                                                           plain(name_, threads, args)))
    rng = numpy.random.default_rng(7)
    shapes = [(7, 5), (13,), (), (0,)]
    start = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads = [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(5)]
    grads[3][1][4] = numpy.nan
    runs = []
    for backend in (CPU, emulated):
        params = [make_tensor(a.copy(), backend, requires_grad=True) for a in start]
        opt = getattr(optim, name)(params, **kwargs)
        for step in grads:
            for p, g in zip(params, step):
                p.grad = make_tensor(g.copy(), backend)
            opt.step()
        state = [{k: v._data for k, v in opt.state[p].items() if k != "step"} for p in params if p in opt.state]
        runs.append(([p._data for p in params], state))
    (cpu_params, cpu_state), (gpu_params, gpu_state) = runs
    for a, b in zip(cpu_params, gpu_params):
        numpy.testing.assert_array_equal(b, a)
    for sa, sb in zip(cpu_state, gpu_state):
        assert sa.keys() == sb.keys()
        for k in sa:
            numpy.testing.assert_array_equal(sb[k], sa[k], err_msg=k)
    kernel = ("sgd_" if name == "SGD" else "adam_") + ck.suffix(dtype)
    assert launched.count(kernel) == 5 * 3  # every non-empty parameter, every step, one launch each
