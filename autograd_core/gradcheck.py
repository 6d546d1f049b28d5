"""gradcheck and gradgradcheck: compare backward's gradients with central finite differences.

    from autograd_core import gradcheck, gradgradcheck
    x = ag.randn(3, 4, dtype=ag.float64, requires_grad=True)
    assert gradcheck(lambda x: (x * x.sin()).sum(dim=1), (x,))
    assert gradgradcheck(lambda x: (x * x.sin()).sum(dim=1), (x,))

For every input that requires grad, the numerical Jacobian column for element j is
``(f(x + eps e_j) - f(x - eps e_j)) / (2 eps)``; the analytical row for output element k is the
backward of a one-hot ``grad_output``. They must agree to ``atol + rtol * |numerical|``.
``fast_mode=True`` checks one random direction instead: ``v^T J u`` both ways, for random unit
``u`` (inputs) and ``v`` (outputs), so large inputs cost two forward passes per input and one
backward. Run it in float64: float32 finite differences are too coarse (a warning says so).

It works on every device: inputs are perturbed in place on their device, and the outputs and
gradients are copied to the host (``backend.to_host``, deliberately: one copy per evaluation) to be
compared there; the random directions and weights go the other way through ``backend.from_host``.
"""

import warnings

import numpy

from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, make_tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck / gradgradcheck when the gradients disagree."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _float_outputs(out):
    return [o for o in _as_tuple(out) if isinstance(o, Tensor) and o.dtype.kind == "f"]


def _host(t):
    return t._backend.to_host(t._data).astype(numpy.float64)


def _evaluate(func, inputs):
    with enable_grad():  # func may itself differentiate (gradgradcheck); its graph is dropped after
        return [_host(o).ravel() for o in _float_outputs(func(*inputs))]


def _fail(message, raise_exception):
    if raise_exception:
        raise GradcheckError(message)
    return False


def _element(shape, flat):
    return tuple(int(i) for i in numpy.unravel_index(flat, shape)) if shape else ()


def _perturbed(func, inputs, x, flat_index, direction, eps):
    """Outputs at x + eps * direction and x - eps * direction (direction: one element, or an array)."""
    arr = x._data
    original = arr.copy()
    try:
        if direction is None:
            at = _element(arr.shape, flat_index)
            arr[at] = original[at] + eps
            plus = _evaluate(func, inputs)
            arr[at] = original[at] - eps
            minus = _evaluate(func, inputs)
        else:
            d = x._backend.from_host(direction.reshape(arr.shape).astype(arr.dtype))
            arr[...] = original + eps * d
            plus = _evaluate(func, inputs)
            arr[...] = original - eps * d
            minus = _evaluate(func, inputs)
    finally:
        arr[...] = original
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _analytical_vjp(outputs, diff_inputs, weights):
    """sum_k weights_k . output_k, differentiated w.r.t. each input (zeros where unused)."""
    used = [(o, w) for o, w in zip(outputs, weights) if o.requires_grad]
    if not used:
        return [numpy.zeros(x.shape) for x in diff_inputs]
    grads = grad([o for o, _ in used],
                 diff_inputs,
                 grad_outputs=[make_tensor(o._backend.from_host(w.reshape(o.shape).astype(o.dtype)), o._backend)
                               for o, w in used],
                 retain_graph=True, allow_unused=True)
    result = []
    for x, g in zip(diff_inputs, grads):
        if g is None:
            result.append(numpy.zeros(x.shape))
            continue
        if tuple(g.shape) != tuple(x.shape) or g.dtype != x.dtype:
            raise GradcheckError(f"gradcheck: the gradient for an input of shape {tuple(x.shape)} and dtype "
                                 f"{x.dtype.name} has shape {tuple(g.shape)} and dtype {g.dtype.name}")
        result.append(_host(g))
    return result


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, fast_mode=False,
              seed=0):
    """Check the gradients of ``func(*inputs)`` against central finite differences.

    Returns True, or raises GradcheckError naming the input, the output and the element that
    disagreed (returns False instead with ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    diff = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad; pass tensors created with requires_grad=True")
    for i, x in diff:
        if x.dtype != numpy.float64:
            warnings.warn(f"gradcheck: input {i} has dtype {x.dtype.name}; finite differences need float64 to be "
                          f"reliable, so this check may fail (or pass) spuriously", UserWarning, stacklevel=2)
    with enable_grad():
        outputs = _float_outputs(func(*inputs))
    if not outputs:
        raise ValueError("gradcheck: func returned no floating-point tensor")
    diff_inputs = [x for _, x in diff]
    sizes = [o._data.size for o in outputs]
    if fast_mode:
        return _fast(func, inputs, diff, outputs, sizes, eps, atol, rtol, raise_exception, seed)
    for pos, (i, x) in enumerate(diff):
        n = x._data.size
        numerical = [numpy.empty((n, s)) for s in sizes]
        for j in range(n):
            for k, col in enumerate(_perturbed(func, inputs, x, j, None, eps)):
                numerical[k][j] = col
        for k, o in enumerate(outputs):
            analytical = numpy.empty((n, sizes[k]))
            for m in range(sizes[k]):
                weights = [numpy.zeros(s) for s in sizes]
                weights[k][m] = 1.0
                analytical[:, m] = _analytical_vjp(outputs, diff_inputs, weights)[pos].ravel()
            bad = numpy.abs(analytical - numerical[k]) > atol + rtol * numpy.abs(numerical[k])
            bad |= numpy.isnan(analytical) != numpy.isnan(numerical[k])
            if bad.any():
                j, m = (int(v) for v in numpy.argwhere(bad)[0])
                return _fail(
                    f"gradcheck: Jacobian mismatch for output {k} with respect to input {i} (shape "
                    f"{tuple(x.shape)}), at input element {_element(x.shape, j)} and output element "
                    f"{_element(o.shape, m)}: numerical {float(numerical[k][j, m])!r}, "
                    f"analytical {float(analytical[j, m])!r} "
                    f"({int(bad.sum())} of {bad.size} entries disagree; atol={atol}, rtol={rtol})",
                    raise_exception)
    return True


def _fast(func, inputs, diff, outputs, sizes, eps, atol, rtol, raise_exception, seed):
    rng = numpy.random.default_rng(seed)
    weights = [rng.standard_normal(s) for s in sizes]
    weights = [w / max(numpy.linalg.norm(w), 1e-12) for w in weights]
    analytical = _analytical_vjp(outputs, [x for _, x in diff], weights)
    for pos, (i, x) in enumerate(diff):
        u = rng.standard_normal(x._data.size)
        u /= max(numpy.linalg.norm(u), 1e-12)
        cols = _perturbed(func, inputs, x, None, u, eps)
        num = float(sum(numpy.dot(c, w) for c, w in zip(cols, weights)))
        ana = float(numpy.dot(analytical[pos].ravel(), u))
        if not abs(ana - num) <= atol + rtol * abs(num):
            message = (f"gradcheck (fast mode): for input {i} (shape {tuple(x.shape)}) the directional derivative "
                       f"v^T J u is {num!r} by finite differences but {ana!r} by backward (atol={atol}, rtol={rtol})")
            if x._data.size <= 4096:  # small enough to find the element with the exact check
                try:
                    gradcheck(func, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=True)
                except GradcheckError as exc:
                    message += f"; the element-wise check says: {exc}"
            return _fail(message, raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  fast_mode=False, seed=0):
    """Check second derivatives: gradcheck of ``(inputs, v) -> grad(func(inputs), inputs, v)``.

    ``grad_outputs`` (the v) are random float64 tensors by default; they are inputs of the checked
    function too, so the gradient's dependence on them is checked as well.
    """
    inputs = _as_tuple(inputs)
    with enable_grad():
        outputs = _float_outputs(func(*inputs))
    if grad_outputs is None:
        rng = numpy.random.default_rng(seed + 1)
        grad_outputs = tuple(make_tensor(o._backend.from_host(rng.standard_normal(o.shape).astype(o.dtype)),
                                         o._backend).requires_grad_() for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    diff_pos = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_derivative(*args):
        ins, vs = args[:n], args[n:]
        pairs = [(o, v) for o, v in zip(_float_outputs(func(*ins)), vs) if o.requires_grad]

        def zeros(i):
            return make_tensor(ins[i]._backend.xp.zeros(ins[i].shape, ins[i].dtype), ins[i]._backend)

        if not pairs:
            return tuple(zeros(i) for i in diff_pos)
        grads = grad([o for o, _ in pairs], [ins[i] for i in diff_pos], grad_outputs=[v for _, v in pairs],
                     create_graph=True, allow_unused=True)
        return tuple(zeros(i) if g is None else g for g, i in zip(grads, diff_pos))

    return gradcheck(first_derivative, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
