"""backends.batched_gemm: numpy.matmul's results, with stacks of products handed to the BLAS's batched
call where it is there (numpy's OpenBLAS on Linux x86-64), and numpy.matmul itself everywhere else."""

import os
import subprocess
import sys

import numpy as np
import pytest

from backends import NumpyBackend, batched_gemm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

needs_batched = pytest.mark.skipif(not batched_gemm.available(),
                                   reason="numpy's BLAS here has no batched GEMM call (numpy.matmul does it all)")


def _rng():
    return np.random.default_rng(7)


def _tol(dtype, k):
    return (1e-4 * np.sqrt(k), 1e-4) if dtype == np.float32 else (1e-11 * np.sqrt(k), 1e-11)


def _f_order(a):
    """The same matrices with each one stored column-major (a transposed view of a copy)."""
    return np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)


def _plan(a, b, out=None):
    funcs = batched_gemm._state["funcs"]
    return batched_gemm._fast(a, b, out, funcs[2](), funcs[3])


def _cases(dtype):
    rng = _rng()
    a = rng.standard_normal((6, 120, 130)).astype(dtype)
    b = rng.standard_normal((6, 130, 110)).astype(dtype)
    return {
        "stacks": (a, b),
        "a column-major": (_f_order(a), b),
        "b column-major": (a, _f_order(b)),
        "both column-major": (_f_order(a), _f_order(b)),
        "b one matrix": (a, b[0]),
        "a one matrix": (a[0], b),
        "b a transposed matrix": (a, b[0].T.copy().T),
        "a stack of one, broadcast": (a[:1], b),
        "rows with a gap (a slice)": (a[:, :, :125], b[:, :125]),
        "a transposed view of a stack": (b.swapaxes(1, 2), a.swapaxes(1, 2)),
    }


@needs_batched
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_layout_agrees_with_numpy_and_takes_the_batched_call(dtype):
    for name, (a, b) in _cases(dtype).items():
        assert _plan(a, b) is not None, name  # the case really runs on the batched call
        want = np.matmul(a, b)
        got = batched_gemm.matmul(a, b)
        assert got.shape == want.shape and got.dtype == want.dtype, name
        rtol, atol = _tol(dtype, a.shape[-1])
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=name)


@needs_batched
def test_the_batched_call_is_not_numpy_matmul_in_disguise():
    """The comparison above could not fail if matmul fell back to numpy.matmul: the call itself gives
    the product here (a BLAS, not numpy's loop), so a wrong transpose flag or leading dimension shows."""
    a, b = _cases(np.float64)["both column-major"]
    funcs = batched_gemm._state["funcs"]
    got = batched_gemm._call(funcs, a, b, None)
    assert got is not None
    np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-11, atol=1e-11)


@needs_batched
def test_out_is_written_in_place_including_an_interleaved_view():
    rng = _rng()
    a = rng.standard_normal((4, 110, 120)).astype(np.float32)
    b = rng.standard_normal((4, 120, 100)).astype(np.float32)
    out = np.empty((4, 110, 100), np.float32)
    assert batched_gemm.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-3)
    # the products side by side in one wider array, (110, 4 * 100 + 7): the blocks share rows
    wide = np.full((110, 4 * 100 + 7), 5.0, np.float32)
    view = wide[:, :400].reshape(110, 4, 100).transpose(1, 0, 2)
    assert _plan(a, b, view) is not None
    batched_gemm.matmul(a, b, out=view)
    np.testing.assert_allclose(view, a @ b, rtol=1e-4, atol=1e-3)
    assert (wide[:, 400:] == 5.0).all()  # nothing written past the blocks


def _unaligned(a):
    """A copy of a whose data starts one byte past an aligned address."""
    buf = np.zeros(a.nbytes + 1, np.uint8)
    out = np.frombuffer(buf.data, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    assert not out.flags.aligned
    out[...] = a
    return out


def _r(*shape, dtype=np.float64):
    return _rng().standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("why, make", [
    ("small products", lambda: (_r(4, 20, 30), _r(4, 30, 10))),
    ("integers", lambda: (np.arange(4 * 120 * 130).reshape(4, 120, 130) % 7, np.ones((4, 130, 110), np.int64))),
    ("mixed dtypes", lambda: (_r(4, 120, 130, dtype=np.float32), _r(4, 130, 110))),
    ("four dimensions", lambda: (_r(2, 2, 120, 130), _r(2, 2, 130, 110))),
    ("an odd stack, under four rounds", lambda: (_r(3, 120, 130), _r(3, 130, 110))),
    ("no unit stride", lambda: (_r(4, 240, 260)[:, ::2, ::2], _r(4, 130, 110))),
    ("a reversed axis", lambda: (_r(4, 120, 130)[:, ::-1], _r(4, 130, 110))),
    ("a single product", lambda: (_r(120, 130), _r(130, 110))),
    ("big-endian", lambda: (_r(4, 120, 130).astype(">f8"), _r(4, 130, 110).astype(">f8"))),
    ("unaligned", lambda: (_unaligned(_r(4, 120, 130, dtype=np.float32)), _r(4, 130, 110, dtype=np.float32))),
    ("a broadcast row", lambda: (np.broadcast_to(_r(4, 1, 130), (4, 120, 130)), _r(4, 130, 110))),
])
def test_what_the_batched_call_declines_numpy_matmul_does(why, make):
    a, b = make()
    if batched_gemm.available():
        assert _plan(a, b) is None, why
    np.testing.assert_array_equal(batched_gemm.matmul(a, b), np.matmul(a, b))


@needs_batched
def test_sizes_past_the_blas_integers_go_to_numpy():
    a, b = _cases(np.float32)["stacks"]
    funcs = batched_gemm._state["funcs"]
    assert batched_gemm._fast(a, b, None, funcs[2](), funcs[3]) is not None
    assert batched_gemm._fast(a, b, None, funcs[2](), 120) is None  # as if the BLAS's integers ended at 120


def test_shape_errors_are_numpys():
    with pytest.raises(ValueError, match="matmul"):
        batched_gemm.matmul(np.ones((4, 120, 130)), np.ones((4, 120, 110)))


@needs_batched
def test_an_out_that_overlaps_an_input_goes_to_numpy():
    rng = _rng()
    buf = rng.standard_normal((4, 128, 128)).astype(np.float64)
    a, b = buf.copy(), rng.standard_normal((4, 128, 128))
    want = np.matmul(a, b)
    assert _plan(buf, b, buf) is None
    batched_gemm.matmul(buf, b, out=buf)  # numpy copies what it must
    np.testing.assert_allclose(buf, want, rtol=1e-11, atol=1e-11)


def test_the_numpy_backend_uses_it():
    rng = _rng()
    a = rng.standard_normal((8, 128, 128)).astype(np.float32)
    np.testing.assert_allclose(NumpyBackend().matmul(a, a), a @ a, rtol=1e-4, atol=1e-3)


def test_a_failed_first_check_leaves_numpy_matmul_in_charge(monkeypatch):
    monkeypatch.setitem(batched_gemm._state, "funcs", batched_gemm._UNSET)
    monkeypatch.setattr(batched_gemm, "_check", lambda funcs: False)
    assert not batched_gemm.available()
    a = np.ones((4, 120, 130), np.float32)
    np.testing.assert_array_equal(batched_gemm.matmul(a, a.swapaxes(1, 2)), a @ a.swapaxes(1, 2))


def test_the_environment_switch_turns_it_off():
    code = "from backends import batched_gemm; print(batched_gemm.available())"
    env = dict(os.environ, AUTOGRAD_CORE_BATCHED_GEMM="0")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_batched_call_that_is_found_passes_its_check():
    """Where numpy's BLAS has the call, it must agree with numpy.matmul (else every test above that
    needs it would be skipped, and a broken layout rule would go unseen)."""
    funcs = batched_gemm._load()
    if funcs is None:
        pytest.skip("numpy's BLAS here has no batched GEMM call")
    assert batched_gemm._check(funcs)
    assert batched_gemm.available()


@needs_batched
def test_the_winograd_layers_run_their_gemms_on_it(monkeypatch):
    """A ResNet-sized 3x3 layer's forward, dL/dx and dL/dW each hand their stacks of products to the
    batched call (the stacks of 16 or 36 products that make a Winograd layer's GEMM work)."""
    import autograd_core as ag
    import nn.functional as F

    taken = []
    call = batched_gemm._call

    def spy(funcs, a, b, out):
        result = call(funcs, a, b, out)
        taken.append(result is not None and a.shape[0] in (16, 36))
        return result

    monkeypatch.setattr(batched_gemm, "_call", spy)
    for size, channels in ((32, 64), (8, 128)):  # F(4x4, 3x3) and F(2x2, 3x3)
        taken.clear()
        x = ag.randn(16, channels, size, size, requires_grad=True)
        w = ag.randn(channels, channels, 3, 3, requires_grad=True)
        F.conv2d(x, w, padding=1).sum().backward()
        assert sum(taken) >= 3, (size, taken)


@needs_batched
def test_threads_calling_at_once_get_their_own_products():
    """Two Python threads on the batched call at the same time (a data-loading thread and the training
    loop, say) each get numpy.matmul's products."""
    import threading

    rng = _rng()
    stacks = [(rng.standard_normal((8, 128, 120)), rng.standard_normal((8, 120, 136))) for _ in range(2)]
    wants = [np.matmul(a, b) for a, b in stacks]
    errors = []

    def work(i):
        a, b = stacks[i]
        for _ in range(30):
            got = batched_gemm.matmul(a, b)
            if not np.allclose(got, wants[i], rtol=1e-12, atol=1e-12):
                errors.append(i)
                return

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _plan(*stacks[0]) is not None and not errors
