"""The CUDA kernels of the GPU backend: their C++ sources, how to launch them, and the cached kernel
objects built from them.

Every kernel is plain C++ (templates, integer and floating-point arithmetic, ``logf``/``sinf``-style
math functions) inside ``extern "C" __global__`` wrappers, one per dtype, so that the same source
compiles with NVRTC (CuPy, at the first launch on each device), with ``nvcc -ptx`` (the test suite)
and with a host C++ compiler behind a small prelude that runs the grid as loops (the test suite
checks the kernels' logic on the CPU that way). No shared memory, no atomics, no ``__syncthreads``:
each thread's work is independent, so running threads one after another is exact.

Every kernel walks its index space with a grid-stride loop (thread t of a launch with T threads
handles items t, t + T, t + 2T, ...), so any grid size is correct; ``launch_size`` caps the grid.

Kernels (name: one thread per ..., what it computes):

* ``im2col_{f32,f64,i64}``: output element (n, c, i, j, oh, ow); cols = the windows of x, padded
  with ``fill`` (a negative padding crops).
* ``col2im_{f32,f64}``: input pixel (n, c, y, x); the sum of the column entries im2col copied from
  that pixel, gathered in a fixed order (deterministic, no atomics).
* ``maxpool_fwd_{f32,f64}``: output (n, c, oh, ow); the window maximum and the flat index of its
  first occurrence (NaN counts as the maximum).
* ``maxpool_bwd_{f32,f64}``: input pixel; the sum of gy over the windows whose argmax is that pixel
  (a gather again).
* ``philox_uniform_{f32,f64}``, ``philox_normal_{f32,f64}`` (Box-Muller), ``philox_randint``
  (low + bits mod range; with range 2^64 the raw bits, a permutation's sort keys): one Philox block
  (4 x 32 random bits) each; ``philox_raw``: one (counter, key) pair, the bare function for known-answer tests.

* ``sgd_{f32,f64}``, ``adam_{f32,f64}``: one parameter element; a whole optimizer update (weight decay,
  momentum / Nesterov, or Adam's moments, AMSGrad and AdamW's decoupled decay) in one pass, each
  arithmetic step correctly rounded and never contracted into a fused multiply-add, so the result
  is the generic update's (separate NumPy/CuPy ops) bit for bit.

The random kernels are counter-based: value block b of a draw is Philox4x32-10 of the 128-bit
counter (offset + b, 0) under the 64-bit key ``seed``; a draw of B blocks advances ``offset`` by B.
So (seed, offset) is the whole generator state, as in PyTorch's CUDA generator, and a draw is
independent of the launch's grid.

The ``*_call`` functions below turn a backend request into ``(kernel name, threads, args)`` with
every scalar argument given an explicit NumPy type matching the C parameter (a mismatch would
silently misread the argument on the GPU); they take arrays of any array module, so the tests run
the very same calls on NumPy buffers through the host build.
"""

import re

import numpy

# --- sources ------------------------------------------------------------------------------------------
_GRID_LOOP = ("for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; "
              "i += (long long)blockDim.x * gridDim.x)")

_DIV_SRC = r"""
// i / d for a flat index: 32-bit division while i fits in 32 bits (the 64-bit one is emulated, slower).
__device__ __forceinline__ long long plane_of(long long i, int d) {
    return i <= 0xFFFFFFFFll ? (long long)((unsigned int)i / (unsigned int)d) : i / d;
}

// visit(ki, kj, oy, ox) for every window (oy, ox) of an (oh, ow) output whose kernel tap (ki, kj) reads
// pixel (y, x), i.e. oy*sh + ki*dh - top == y and ox*sw + kj*dw - left == x, in the order ki, kj
// ascending: the shared walk of the gathers (col2im, the max-pool backward), so both sum in one order.
template <typename Visit>
__device__ __forceinline__ void for_each_window_covering(int y, int x, int kh, int kw, int sh, int sw,
                                                         int top, int left, int dh, int dw, int oh, int ow,
                                                         Visit& visit) {
    for (int ki = 0; ki < kh; ++ki) {
        int ty = y + top - ki * dh;                   // = oy * sh
        if (ty < 0) break;                            // decreases with ki
        if (ty % sh != 0) continue;
        int oy = ty / sh;
        if (oy >= oh) continue;
        for (int kj = 0; kj < kw; ++kj) {
            int tx = x + left - kj * dw;
            if (tx < 0) break;
            if (tx % sw != 0) continue;
            int ox = tx / sw;
            if (ox >= ow) continue;
            visit(ki, kj, oy, ox);
        }
    }
}
"""

_WINDOWS_SRC = _DIV_SRC + r"""
// cols[n, c, ki, kj, oy, ox] = xpad[n, c, oy*sh + ki*dh, ox*sw + kj*dw]; xpad = x padded by (top, left)
// (negative: cropped) and filled with `fill` outside x. inner = kh*kw*oh*ow (< 2^31).
template <typename T>
__device__ void im2col_impl(const T* __restrict__ x, T* __restrict__ cols, long long total, int inner,
                            int h, int w, int kh, int kw, int sh, int sw, int top, int left,
                            int dh, int dw, int oh, int ow, T fill) {
    GRID_LOOP {
        long long plane = plane_of(i, inner);  // n * C + c
        int r = (int)(i - plane * inner);
        int ox = r % ow; r /= ow;
        int oy = r % oh; r /= oh;
        int kj = r % kw;
        int ki = r / kw;
        int y = oy * sh + ki * dh - top;
        int xx = ox * sw + kj * dw - left;
        cols[i] = (y >= 0 && y < h && xx >= 0 && xx < w) ? x[(plane * h + y) * w + xx] : fill;
    }
}

template <typename T>
struct ColumnSum {  // acc += cols[ki, kj, oy, ox] of one plane
    const T* src;
    int kw, oh, ow;
    T acc;
    __device__ __forceinline__ void operator()(int ki, int kj, int oy, int ox) {
        acc += src[((ki * kw + kj) * oh + oy) * ow + ox];
    }
};

// The adjoint of im2col: out[n, c, y, x] = sum of cols[n, c, ki, kj, oy, ox] over the entries with
// oy*sh + ki*dh - top == y and ox*sw + kj*dw - left == x. One thread per output pixel gathers them in a
// fixed order: deterministic, no atomics.
template <typename T>
__device__ void col2im_impl(const T* __restrict__ cols, T* __restrict__ out, long long total,
                            int h, int w, int kh, int kw, int sh, int sw, int top, int left,
                            int dh, int dw, int oh, int ow) {
    const int hw = h * w;
    const long long inner = (long long)kh * kw * oh * ow;
    GRID_LOOP {
        long long plane = plane_of(i, hw);
        int r = (int)(i - plane * hw);
        int y = r / w, xx = r - (r / w) * w;
        ColumnSum<T> sum = {cols + plane * inner, kw, oh, ow, (T)0};
        for_each_window_covering(y, xx, kh, kw, sh, sw, top, left, dh, dw, oh, ow, sum);
        out[i] = sum.acc;
    }
}
""".replace("GRID_LOOP", _GRID_LOOP)

_POOL_SRC = _DIV_SRC + r"""
// y[n, c, oy, ox] = max of x over the window at (oy*sh - top, ox*sw - left) (entries inside x only),
// idx = the flat index y*W + x of its first maximum in row-major window order; NaN counts as the
// maximum (the first NaN wins). A window without an entry inside x gives (neg_inf, -1).
template <typename T>
__device__ void maxpool_fwd_impl(const T* __restrict__ x, T* __restrict__ out, long long* __restrict__ idx,
                                 long long total, int h, int w, int kh, int kw, int sh, int sw,
                                 int top, int left, int dh, int dw, int oh, int ow, T neg_inf) {
    const int ohw = oh * ow;
    GRID_LOOP {
        long long plane = plane_of(i, ohw);
        int r = (int)(i - plane * ohw);
        int oy = r / ow, ox = r - (r / ow) * ow;
        const T* src = x + plane * h * w;
        T best = neg_inf;
        long long arg = -1;
        for (int ki = 0; ki < kh; ++ki) {
            int y = oy * sh - top + ki * dh;
            if (y < 0 || y >= h) continue;
            for (int kj = 0; kj < kw; ++kj) {
                int xx = ox * sw - left + kj * dw;
                if (xx < 0 || xx >= w) continue;
                T v = src[y * w + xx];
                if (arg < 0 || v > best || (v != v && best == best)) {
                    best = v;
                    arg = (long long)y * w + xx;
                }
            }
        }
        out[i] = best;
        idx[i] = arg;
    }
}

template <typename T>
struct ArgmaxSum {  // acc += gy[oy, ox] of one plane where that window's argmax is this pixel (flat r)
    const T* g;
    const long long* id;
    int r, ow;
    T acc;
    __device__ __forceinline__ void operator()(int, int, int oy, int ox) {
        int p = oy * ow + ox;
        if (id[p] == r) acc += g[p];
    }
};

// gx[n, c, y, x] = sum of gy[n, c, oy, ox] over the windows that contain (y, x) and whose idx is it.
// One thread per input pixel, a fixed order: deterministic, no atomics.
template <typename T>
__device__ void maxpool_bwd_impl(const T* __restrict__ gy, const long long* __restrict__ idx, T* __restrict__ gx,
                                 long long total, int h, int w, int kh, int kw, int sh, int sw,
                                 int top, int left, int dh, int dw, int oh, int ow) {
    const int hw = h * w;
    const int ohw = oh * ow;
    GRID_LOOP {
        long long plane = plane_of(i, hw);
        int r = (int)(i - plane * hw);
        int y = r / w, xx = r - (r / w) * w;
        ArgmaxSum<T> sum = {gy + plane * ohw, idx + plane * ohw, r, ow, (T)0};
        for_each_window_covering(y, xx, kh, kw, sh, sw, top, left, dh, dw, oh, ow, sum);
        gx[i] = sum.acc;
    }
}
""".replace("GRID_LOOP", _GRID_LOOP)

_PHILOX_SRC = r"""
// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, SC'11): ten rounds of two 32x32->64 multiplies,
// the key bumped by the Weyl constants between rounds. ctr is replaced by the output block.
__device__ __forceinline__ void philox4x32_10(unsigned int* ctr, unsigned int k0, unsigned int k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        unsigned long long p0 = (unsigned long long)0xD2511F53u * ctr[0];
        unsigned long long p1 = (unsigned long long)0xCD9E8D57u * ctr[2];
        unsigned int c1 = ctr[1], c3 = ctr[3];
        ctr[0] = (unsigned int)(p1 >> 32) ^ c1 ^ k0;
        ctr[1] = (unsigned int)p1;
        ctr[2] = (unsigned int)(p0 >> 32) ^ c3 ^ k1;
        ctr[3] = (unsigned int)p0;
    }
}

// Block `counter` of the stream `seed`: Philox of the counter (counter, 0) under the key seed.
__device__ __forceinline__ void philox_block(unsigned long long seed, unsigned long long counter,
                                             unsigned int* out) {
    out[0] = (unsigned int)counter;
    out[1] = (unsigned int)(counter >> 32);
    out[2] = 0u;
    out[3] = 0u;
    philox4x32_10(out, (unsigned int)seed, (unsigned int)(seed >> 32));
}

// [0, 1) from the top 24 bits of one word, or the top 53 bits of two (NumPy's conversion).
__device__ __forceinline__ float unit_f32(unsigned int a) {
    return (float)(a >> 8) * 5.9604644775390625e-8f;
}
__device__ __forceinline__ double unit_f64(unsigned int a, unsigned int b) {
    return ((double)(a >> 5) * 67108864.0 + (double)(b >> 6)) * 1.1102230246251565e-16;
}

// Box-Muller: two uniforms u1 in (0, 1], u2 in [0, 1) -> two independent N(0, 1).
__device__ __forceinline__ void box_muller_f32(unsigned int a, unsigned int b, float* z0, float* z1) {
    float u1 = (float)((a >> 8) + 1u) * 5.9604644775390625e-8f;
    float u2 = unit_f32(b);
    float r = sqrtf(-2.0f * logf(u1));
    float t = 6.2831853071795865f * u2;
    *z0 = r * cosf(t);
    *z1 = r * sinf(t);
}
__device__ __forceinline__ void box_muller_f64(unsigned int a, unsigned int b, unsigned int c, unsigned int d,
                                               double* z0, double* z1) {
    double u1 = ((double)(a >> 5) * 67108864.0 + (double)(b >> 6) + 1.0) * 1.1102230246251565e-16;
    double u2 = unit_f64(c, d);
    double r = sqrt(-2.0 * log(u1));
    double t = 6.283185307179586477 * u2;
    *z0 = r * cos(t);
    *z1 = r * sin(t);
}

// One thread per block of 4 words (total = number of blocks); value k of block b is element PER*b + k.
extern "C" __global__ void philox_uniform_f32(unsigned long long seed, unsigned long long offset, long long n,
                                              float* __restrict__ out) {
    long long total = (n + 3) / 4;
    GRID_LOOP {
        unsigned int v[4];
        philox_block(seed, offset + (unsigned long long)i, v);
        for (int k = 0; k < 4; ++k)
            if (4 * i + k < n) out[4 * i + k] = unit_f32(v[k]);
    }
}

extern "C" __global__ void philox_uniform_f64(unsigned long long seed, unsigned long long offset, long long n,
                                              double* __restrict__ out) {
    long long total = (n + 1) / 2;
    GRID_LOOP {
        unsigned int v[4];
        philox_block(seed, offset + (unsigned long long)i, v);
        out[2 * i] = unit_f64(v[0], v[1]);
        if (2 * i + 1 < n) out[2 * i + 1] = unit_f64(v[2], v[3]);
    }
}

extern "C" __global__ void philox_normal_f32(unsigned long long seed, unsigned long long offset, long long n,
                                             float* __restrict__ out) {
    long long total = (n + 3) / 4;
    GRID_LOOP {
        unsigned int v[4];
        float z[4];
        philox_block(seed, offset + (unsigned long long)i, v);
        box_muller_f32(v[0], v[1], &z[0], &z[1]);
        box_muller_f32(v[2], v[3], &z[2], &z[3]);
        for (int k = 0; k < 4; ++k)
            if (4 * i + k < n) out[4 * i + k] = z[k];
    }
}

extern "C" __global__ void philox_normal_f64(unsigned long long seed, unsigned long long offset, long long n,
                                             double* __restrict__ out) {
    long long total = (n + 1) / 2;
    GRID_LOOP {
        unsigned int v[4];
        double z0, z1;
        philox_block(seed, offset + (unsigned long long)i, v);
        box_muller_f64(v[0], v[1], v[2], v[3], &z0, &z1);
        out[2 * i] = z0;
        if (2 * i + 1 < n) out[2 * i + 1] = z1;
    }
}

// low + (random mod range), range = high - low (0 means 2^64). A range up to 2^32 takes one word per
// value (4 per block), a wider one two (2 per block). The sum wraps like int64 arithmetic.
extern "C" __global__ void philox_randint(unsigned long long seed, unsigned long long offset, long long n,
                                          unsigned long long low, unsigned long long range, int wide,
                                          long long* __restrict__ out) {
    long long total = wide ? (n + 1) / 2 : (n + 3) / 4;
    GRID_LOOP {
        unsigned int v[4];
        philox_block(seed, offset + (unsigned long long)i, v);
        if (wide) {
            for (int k = 0; k < 2; ++k) {
                unsigned long long bits = ((unsigned long long)v[2 * k + 1] << 32) | v[2 * k];
                unsigned long long r = range ? bits % range : bits;
                if (2 * i + k < n) out[2 * i + k] = (long long)(low + r);
            }
        } else {
            for (int k = 0; k < 4; ++k)
                if (4 * i + k < n) out[4 * i + k] = (long long)(low + (unsigned long long)v[k] % range);
        }
    }
}

// The bare function, for known-answer tests: io[6 i .. 6 i + 5] = (ctr0..3, key0, key1) -> out[4 i ..].
extern "C" __global__ void philox_raw(const unsigned int* __restrict__ io, unsigned int* __restrict__ out,
                                      long long total) {
    GRID_LOOP {
        unsigned int v[4] = {io[6 * i], io[6 * i + 1], io[6 * i + 2], io[6 * i + 3]};
        philox4x32_10(v, io[6 * i + 4], io[6 * i + 5]);
        for (int k = 0; k < 4; ++k) out[4 * i + k] = v[k];
    }
}
""".replace("GRID_LOOP", _GRID_LOOP)

_OPTIM_SRC = r"""
// Correctly rounded steps, never fused into multiply-adds: each rounds as the generic update's
// separate elementwise ops do.
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float div_rn(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double div_rn(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ float sqrt_rn(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double sqrt_rn(double a) { return __dsqrt_rn(a); }

// The gradient an update uses: -g if maximize, then + wd * x (NaN-exact as the generic ops).
template <typename T>
__device__ __forceinline__ T update_grad(T g, T x, T wd, int use_wd, int maximize) {
    if (use_wd) {
        T t = mul_rn(x, wd);
        return maximize ? sub_rn(t, g) : add_rn(g, t);
    }
    return maximize ? -g : g;
}

// SGD: mode 0 no momentum; 1 the first step (buf = g); 2 buf = mom * buf + alpha g. Then the step
// direction is g + mom buf (Nesterov) or buf, and x += neg_lr * direction.
template <typename T>
__device__ void sgd_impl(T* __restrict__ p, const T* __restrict__ g, T* buf, long long total, T neg_lr,
                         T wd, T mom, T alpha, int use_wd, int maximize, int mode, int nesterov) {
    GRID_LOOP {
        T x = p[i];
        T d = update_grad(g[i], x, wd, use_wd, maximize);
        if (mode) {
            T b = mode == 1 ? d : add_rn(mul_rn(buf[i], mom), mul_rn(d, alpha));
            buf[i] = b;
            d = nesterov ? add_rn(d, mul_rn(b, mom)) : b;
        }
        p[i] = add_rn(x, mul_rn(d, neg_lr));
    }
}

// Adam / AdamW: x *= decay (AdamW's decoupled weight decay, after the gradient is taken);
// m = lerp(m, g, 1 - beta1) (lw = 1 - beta1 where that is below 1/2, else beta1: PyTorch's two forms);
// v = beta2 v + (c2 g) g; with AMSGrad vmax = max(vmax, v) (NaN wins) stands in for v in
// denom = sqrt(v) / bc2_sqrt + eps; x += (neg_step m) / denom.
template <typename T>
__device__ void adam_impl(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                          T* vmax, long long total, T wd, T decay, T lw, T beta2, T c2, T bc2_sqrt, T eps,
                          T neg_step, int use_wd, int maximize, int decoupled, int lerp_small, int amsgrad) {
    GRID_LOOP {
        T x = p[i];
        T d = update_grad(g[i], x, wd, use_wd, maximize);
        if (decoupled) x = mul_rn(x, decay);
        T mi = m[i];
        T diff = sub_rn(d, mi);
        mi = lerp_small ? add_rn(mi, mul_rn(diff, lw)) : sub_rn(d, mul_rn(diff, lw));
        T vi = add_rn(mul_rn(v[i], beta2), mul_rn(mul_rn(d, c2), d));
        T s = vi;
        if (amsgrad) {
            T old = vmax[i];
            s = (old != old || vi != vi) ? add_rn(old, vi) : (old > vi ? old : vi);
            vmax[i] = s;
        }
        T denom = add_rn(div_rn(sqrt_rn(s), bc2_sqrt), eps);
        p[i] = add_rn(x, div_rn(mul_rn(mi, neg_step), denom));
        m[i] = mi;
        v[i] = vi;
    }
}
""".replace("GRID_LOOP", _GRID_LOOP)

_C_TYPES = {"f32": "float", "f64": "double", "i64": "long long"}


def _instantiate(template, name, params, suffixes):
    """``extern "C"`` wrappers ``name_<suffix>`` calling ``template<T>`` (T spelled in ``params``)."""
    args = ", ".join(p.split()[-1].lstrip("*") for p in params.split(","))
    out = []
    for suffix in suffixes:
        typed = re.sub(r"\bT\b", _C_TYPES[suffix], params)
        call = f"{template}<{_C_TYPES[suffix]}>({args});"
        out.append(f'extern "C" __global__ void {name}_{suffix}({typed}) {{ {call} }}\n')
    return "".join(out)


_GEOM = "int h, int w, int kh, int kw, int sh, int sw, int top, int left, int dh, int dw, int oh, int ow"

SOURCES = {
    "windows": _WINDOWS_SRC
    + _instantiate("im2col_impl", "im2col", "const T* x, T* cols, long long total, int inner, " + _GEOM + ", T fill",
                   ("f32", "f64", "i64"))
    + _instantiate("col2im_impl", "col2im", "const T* cols, T* out, long long total, " + _GEOM, ("f32", "f64")),
    "pool": _POOL_SRC
    + _instantiate("maxpool_fwd_impl", "maxpool_fwd",
                   "const T* x, T* out, long long* idx, long long total, " + _GEOM + ", T neg_inf", ("f32", "f64"))
    + _instantiate("maxpool_bwd_impl", "maxpool_bwd", "const T* gy, const long long* idx, T* gx, long long total, "
                   + _GEOM, ("f32", "f64")),
    "philox": _PHILOX_SRC,
    "optim": _OPTIM_SRC
    + _instantiate("sgd_impl", "sgd", "T* p, const T* g, T* buf, long long total, T neg_lr, T wd, T mom, T alpha, "
                   "int use_wd, int maximize, int mode, int nesterov", ("f32", "f64"))
    + _instantiate("adam_impl", "adam", "T* p, const T* g, T* m, T* v, T* vmax, long long total, T wd, T decay, "
                   "T lw, T beta2, T c2, T bc2_sqrt, T eps, T neg_step, int use_wd, int maximize, int decoupled, "
                   "int lerp_small, int amsgrad", ("f32", "f64")),
}
"""The CUDA C++ source of each kernel group (one compilation unit each)."""

_KERNEL_RE = re.compile(r'extern "C" __global__ void (\w+)\(([^)]*)\)')


def kernel_signatures(source):
    """``{name: [(c_type, param_name), ...]}`` of the ``extern "C" __global__`` kernels in ``source``."""
    out = {}
    for name, params in _KERNEL_RE.findall(source):
        out[name] = []
        for p in params.split(","):
            p = " ".join(p.replace("__restrict__", "").replace("const ", "").split())
            ctype, pname = p.rsplit(" ", 1)
            if pname.startswith("*"):
                ctype, pname = ctype + "*", pname.lstrip("*")
            out[name].append((ctype.replace(" *", "*"), pname))
    return out


KERNEL_SOURCE = {name: group for group, src in SOURCES.items() for name in kernel_signatures(src)}
"""Kernel name -> the name of its source group in SOURCES."""

COMPILE_OPTIONS = ("-std=c++14",)
BLOCK = 256  # threads per block
MAX_GRID = 65535  # blocks per launch; the grid-stride loops cover the rest


def launch_size(threads, block=BLOCK):
    """(grid, block) for ``threads`` work items (grid capped at MAX_GRID; the kernels loop)."""
    return max(1, min((threads + block - 1) // block, MAX_GRID)), block


def build_kernels(cupy):
    """One ``cupy.RawKernel`` per kernel name. Building them needs no GPU: CuPy compiles a kernel
    (with NVRTC) at its first launch on each device and caches the binary per device."""
    return {name: cupy.RawKernel(SOURCES[group], name, options=COMPILE_OPTIONS)
            for name, group in KERNEL_SOURCE.items()}


# --- launch plans (array-module agnostic) -------------------------------------------------------------
_SUFFIX = {numpy.dtype(numpy.float32): "f32", numpy.dtype(numpy.float64): "f64", numpy.dtype(numpy.int64): "i64"}
_I32, _I64, _U64 = numpy.int32, numpy.int64, numpy.uint64
_INT32_MAX = 2 ** 31 - 1


def suffix(dtype, allowed=("f32", "f64")):
    """The kernel-name suffix for ``dtype``, or None when no kernel variant exists for it."""
    s = _SUFFIX.get(numpy.dtype(dtype))
    return s if s in allowed else None


def out_size(size, k, pad, s, d):
    """Output length of a window sweep over ``size`` padded by ``pad`` = (before, after)."""
    return (size + pad[0] + pad[1] - d * (k - 1) - 1) // s + 1


def _geom(h, w, kernel, stride, padding, dilation, oh, ow):
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    return tuple(_I32(v) for v in (h, w, kh, kw, sh, sw, padding[0][0], padding[1][0], dh, dw, oh, ow))


def fits_int32(*sizes):
    """The kernels index within one (n, c) plane with 32-bit ints; larger planes take the fallback."""
    return all(0 <= s <= _INT32_MAX for s in sizes)


def im2col_call(x, cols, kernel, stride, padding, dilation, value):
    """x (N, C, H, W) C-contiguous, cols (N, C, kh, kw, OH, OW) -> (name, threads, args)."""
    n, c, h, w = x.shape
    oh, ow = cols.shape[4:]
    inner = kernel[0] * kernel[1] * oh * ow
    total = n * c * inner
    name = "im2col_" + suffix(x.dtype, ("f32", "f64", "i64"))
    return name, total, (x, cols, _I64(total), _I32(inner)) + _geom(h, w, kernel, stride, padding, dilation, oh, ow) \
        + (x.dtype.type(value),)


def col2im_call(cols, out, stride, padding, dilation):
    """cols (N, C, kh, kw, OH, OW), out (N, C, H, W), both C-contiguous -> (name, threads, args)."""
    n, c, kh, kw, oh, ow = cols.shape
    h, w = out.shape[2:]
    total = n * c * h * w
    return "col2im_" + suffix(cols.dtype), total, (cols, out, _I64(total)) + _geom(
        h, w, (kh, kw), stride, padding, dilation, oh, ow)


def maxpool_fwd_call(x, out, idx, kernel, stride, padding, dilation):
    """x (N, C, H, W); out (N, C, OH, OW) of x's dtype, idx the same shape int64 -> (name, threads, args)."""
    n, c, h, w = x.shape
    oh, ow = out.shape[2:]
    total = n * c * oh * ow
    return "maxpool_fwd_" + suffix(x.dtype), total, (x, out, idx, _I64(total)) + _geom(
        h, w, kernel, stride, padding, dilation, oh, ow) + (x.dtype.type(-numpy.inf),)


def maxpool_bwd_call(gy, idx, gx, kernel, stride, padding, dilation):
    """gy, idx (N, C, OH, OW); gx (N, C, H, W) -> (name, threads, args)."""
    n, c, h, w = gx.shape
    oh, ow = gy.shape[2:]
    total = n * c * h * w
    return "maxpool_bwd_" + suffix(gy.dtype), total, (gy, idx, gx, _I64(total)) + _geom(
        h, w, kernel, stride, padding, dilation, oh, ow)


PER_BLOCK = {"philox_uniform_f32": 4, "philox_uniform_f64": 2, "philox_normal_f32": 4, "philox_normal_f64": 2}
"""Values per Philox block (4 x 32 bits) of each generator kernel."""

_MASK64 = (1 << 64) - 1


def philox_call(name, seed, offset, out, *extra):
    """(name, threads, args, blocks) for a draw filling ``out`` (contiguous) from ``(seed, offset)``; the
    generator's offset then advances by ``blocks``. ``extra`` = (low, range, wide) for philox_randint."""
    n = out.size
    if name == "philox_randint":
        per = 2 if extra[2] else 4
        extra = (_U64(extra[0] & _MASK64), _U64(extra[1] & _MASK64), _I32(extra[2]))
    else:
        per = PER_BLOCK[name]
    blocks = (n + per - 1) // per
    return name, blocks, (_U64(seed & _MASK64), _U64(offset & _MASK64), _I64(n)) + extra + (out,), blocks


# --- fused optimizer updates ----------------------------------------------------------------------------
def sgd_call(p, g, buf, *, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    """(name, threads, args) for one fused SGD update; the scalars are those the generic update computes
    (in Python floats), then rounded to the parameter's dtype as NumPy and CuPy round a Python scalar."""
    t = p.dtype.type
    mode = 0 if momentum == 0 else (1 if first else 2)
    return "sgd_" + suffix(p.dtype), p.size, (
        p, g, p if buf is None else buf, _I64(p.size), t(-lr), t(weight_decay), t(momentum), t(1 - dampening),
        _I32(weight_decay != 0), _I32(bool(maximize)), _I32(mode), _I32(bool(nesterov)))


def adam_call(p, g, m, v, vmax, *, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize, step):
    """(name, threads, args) for one fused Adam/AdamW update at step ``step`` (counted from 1)."""
    t = p.dtype.type
    weight = 1 - beta1
    small = abs(weight) < 0.5
    decay = 1 - lr * weight_decay
    return "adam_" + suffix(p.dtype), p.size, (
        p, g, m, v, p if vmax is None else vmax, _I64(p.size), t(weight_decay), t(decay),
        t(weight if small else 1.0 - weight), t(beta2), t(1 - beta2), t((1 - beta2 ** step) ** 0.5), t(eps),
        t(-(lr / (1 - beta1 ** step))), _I32(weight_decay != 0 and not decoupled), _I32(bool(maximize)),
        _I32(weight_decay != 0 and bool(decoupled)), _I32(small), _I32(bool(amsgrad)))
