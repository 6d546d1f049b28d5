"""RNN, LSTM, GRU and their cells: PyTorch as the oracle (outputs, final states, every parameter's and
the input's gradient, float64 tight and float32), gradcheck/gradgradcheck, state_dict keys, initialisation,
errors, inter-layer dropout, and a run on the strict stand-in for a GPU (tests/strict_device.py)."""

import re
import warnings

import numpy
import pytest
import strict_device as sd

import autograd_core as ag
import nn
import nn.functional.rnn as R
from checks import check_grads, host, torch_or_skip

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported:UserWarning")  # torch's

TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=2e-4, atol=2e-5)}

# name -> (our class, torch class name, constructor keywords)
KINDS = {
    "rnn_tanh": ("RNN", {}),
    "rnn_relu": ("RNN", {"nonlinearity": "relu"}),
    "lstm": ("LSTM", {}),
    "lstm_proj": ("LSTM", {"proj_size": 3}),
    "gru": ("GRU", {}),
}
CELLS = {
    "rnn_tanh": ("RNNCell", {}),
    "rnn_relu": ("RNNCell", {"nonlinearity": "relu"}),
    "lstm": ("LSTMCell", {}),
    "gru": ("GRUCell", {}),
}
H_IN, HIDDEN, L, N = 4, 5, 4, 3


def tdt(dt):
    torch = torch_or_skip()
    return {"float32": torch.float32, "float64": torch.float64}[dt]


def pair(cls, kwargs, dt, device, seed=0):
    """Our module and torch's, with torch's parameters copied into ours through load_state_dict."""
    torch = torch_or_skip()
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, cls)(H_IN, HIDDEN, dtype=tdt(dt), **kwargs)
    ours = getattr(nn, cls)(H_IN, HIDDEN, dtype=dt, device=device, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: ag.tensor(v.detach().numpy(), device=device) for k, v in theirs.state_dict().items()})
    return ours, theirs


def flat(out):
    """The tensors of (output, h_n) / (output, (h_n, c_n)) / h' / (h', c'), in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def compare(ours, theirs, arrays, dt, device, call=lambda m, x, *hx: m(x, *hx)):
    """Forward both modules on ``arrays`` (input, then the initial state, if any), backward one random
    upstream gradient per output, and compare outputs, final states and every gradient."""
    torch = torch_or_skip()
    ins = [ag.tensor(a, dtype=dt, device=device, requires_grad=True) for a in arrays]
    tins = [torch.tensor(a, dtype=tdt(dt), requires_grad=True) for a in arrays]
    outs, touts = flat(call(ours, *ins)), flat(call(theirs, *tins))
    assert len(outs) == len(touts)
    rng = numpy.random.default_rng(5)
    loss, tloss = 0, 0
    for i, (o, t) in enumerate(zip(outs, touts)):
        assert tuple(o.shape) == tuple(t.shape), f"output {i}: shape {tuple(o.shape)} != torch {tuple(t.shape)}"
        assert o.dtype == ag.tensor(0.0, dtype=dt).dtype
        numpy.testing.assert_allclose(host(o), host(t), **TOL[dt], err_msg=f"output {i}, {dt}")
        g = rng.standard_normal(tuple(t.shape))
        loss = loss + (o * ag.tensor(g, dtype=dt, device=device)).sum()
        tloss = tloss + (t * torch.tensor(g, dtype=t.dtype)).sum()
    loss.backward()
    tloss.backward()
    for i, (a, b) in enumerate(zip(ins, tins)):
        assert a.grad is not None, f"input {i}: no gradient"
        numpy.testing.assert_allclose(host(a.grad), host(b.grad), **TOL[dt], err_msg=f"grad of input {i}, {dt}")
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad is not None, f"{name}: no gradient"
        assert p.grad.dtype == p.dtype
        numpy.testing.assert_allclose(host(p.grad), host(tparams[name].grad), **TOL[dt], err_msg=f"grad {name}, {dt}")


def states(cls, kwargs, lead, batch, seed):
    """Random initial state arrays: [h_0] or [h_0, c_0] with leading shape ``lead``."""
    rng = numpy.random.default_rng(seed)
    h = kwargs.get("proj_size") or HIDDEN
    shapes = [lead + batch + (h,)] + ([lead + batch + (HIDDEN,)] if cls.startswith("LSTM") else [])
    return [rng.uniform(-1, 1, s) for s in shapes]


def call_with_state(m, x, *hx):
    if not hx:
        return m(x)
    return m(x, tuple(hx) if len(hx) == 2 else hx[0])


# --- against torch ---------------------------------------------------------------------------------
@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind", KINDS)
def test_matches_torch(kind, num_layers, bidirectional, batch_first, given_hx, device):
    cls, kw = KINDS[kind]
    kwargs = dict(kw, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    rng = numpy.random.default_rng(1)
    x = rng.uniform(-2, 2, (N, L, H_IN) if batch_first else (L, N, H_IN))
    lead = (num_layers * (2 if bidirectional else 1),)
    hx = states(cls, kw, lead, (N,), 2) if given_hx else []
    for dt in ("float64", "float32"):
        ours, theirs = pair(cls, kwargs, dt, device)
        compare(ours, theirs, [x] + hx, dt, device, call_with_state)


@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("kind", KINDS)
def test_unbatched_matches_torch(kind, bidirectional, given_hx, device):
    cls, kw = KINDS[kind]
    kwargs = dict(kw, num_layers=2, bidirectional=bidirectional)
    x = numpy.random.default_rng(3).uniform(-2, 2, (L, H_IN))
    hx = states(cls, kw, (2 * (2 if bidirectional else 1),), (), 4) if given_hx else []
    for dt in ("float64", "float32"):
        ours, theirs = pair(cls, kwargs, dt, device)
        compare(ours, theirs, [x] + hx, dt, device, call_with_state)


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("kind", KINDS)
def test_without_bias_matches_torch(kind, bias, device):
    cls, kw = KINDS[kind]
    x = numpy.random.default_rng(6).uniform(-2, 2, (L, N, H_IN))
    ours, theirs = pair(cls, dict(kw, bias=bias, bidirectional=True), "float64", device)
    compare(ours, theirs, [x], "float64", device)


@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("kind", CELLS)
def test_cells_match_torch(kind, batched, given_hx, device):
    cls, kw = CELLS[kind]
    batch = (N,) if batched else ()
    x = numpy.random.default_rng(7).uniform(-2, 2, batch + (H_IN,))
    hx = states(cls, kw, (), batch, 8) if given_hx else []
    for dt in ("float64", "float32"):
        ours, theirs = pair(cls, kw, dt, device)
        compare(ours, theirs, [x] + hx, dt, device, call_with_state)


def test_chained_calls_match_torch(device):
    """The returned (h_n, c_n) fed back in: backpropagation through both calls."""
    torch = torch_or_skip()
    ours, theirs = pair("LSTM", {"num_layers": 2}, "float64", device)
    x = numpy.random.default_rng(9).uniform(-1, 1, (2 * L, N, H_IN))
    a, b = ag.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    o1, s1 = ours(a[:L])
    o2, (h, c) = ours(a[L:], s1)
    t1, u1 = theirs(b[:L])
    t2, (th, tc) = theirs(b[L:], u1)
    ((o1 * o1).sum() + o2.sum() + (h * c).sum()).backward()
    ((t1 * t1).sum() + t2.sum() + (th * tc).sum()).backward()
    numpy.testing.assert_allclose(host(o2), host(t2), **TOL["float64"])
    numpy.testing.assert_allclose(host(a.grad), host(b.grad), **TOL["float64"])
    numpy.testing.assert_allclose(host(ours.weight_hh_l1.grad), host(theirs.weight_hh_l1.grad), **TOL["float64"])


# --- gradcheck --------------------------------------------------------------------------------------
def _module_fn(m, has_c):
    """f(x, h0[, c0], *parameters) = m(x, hx): the parameters are the module's own (gradcheck perturbs them in
    place), so their gradients are checked too."""
    def fn(x, h0, *rest):
        hx = (h0, rest[0]) if has_c else h0
        out, state = m(x, hx)
        return (out,) + tuple(flat(state))
    return fn


@pytest.mark.parametrize("kind", ["rnn_tanh", "rnn_relu", "lstm", "lstm_proj", "gru"])
def test_gradcheck(kind, device):
    cls, kw = KINDS[kind]
    kw = dict(kw, proj_size=2) if "proj_size" in kw else kw
    m = getattr(nn, cls)(3, 3, num_layers=2, bidirectional=True, dtype=ag.float64, device=device, **kw)
    rng = numpy.random.default_rng(11)
    x = ag.tensor(rng.uniform(-1, 1, (3, 2, 3)), device=device, requires_grad=True)
    h = kw.get("proj_size", 3)
    ins = [x, ag.tensor(rng.uniform(-1, 1, (4, 2, h)), device=device, requires_grad=True)]
    if cls == "LSTM":
        ins.append(ag.tensor(rng.uniform(-1, 1, (4, 2, 3)), device=device, requires_grad=True))
    ins += list(m.parameters())
    # two layers, both directions: the random-direction mode (v^T J u both ways); the tiny cases below are exact
    check_grads(_module_fn(m, cls == "LSTM"), *ins, device=device, second=False, fast_mode=True)


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_gradgradcheck_tiny(cls, device):
    kwargs = {"proj_size": 1} if cls == "LSTM" else {}
    m = getattr(nn, cls)(2, 2, dtype=ag.float64, device=device, **kwargs)
    rng = numpy.random.default_rng(12)
    ins = [ag.tensor(rng.uniform(-1, 1, (2, 1, 2)), device=device, requires_grad=True),
           ag.tensor(rng.uniform(-1, 1, (1, 1, 1 if cls == "LSTM" else 2)), device=device, requires_grad=True)]
    if cls == "LSTM":
        ins.append(ag.tensor(rng.uniform(-1, 1, (1, 1, 2)), device=device, requires_grad=True))
    check_grads(_module_fn(m, cls == "LSTM"), *ins, *m.parameters(), device=device)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_gradcheck(cls, device):
    m = getattr(nn, cls)(3, 2, dtype=ag.float64, device=device)
    rng = numpy.random.default_rng(13)
    ins = [ag.tensor(rng.uniform(-1, 1, s), device=device, requires_grad=True)
           for s in [(2, 3), (2, 2)] + ([(2, 2)] if cls == "LSTMCell" else [])]

    def fn(x, h, *rest):
        return m(x, (h, rest[0]) if cls == "LSTMCell" else h)
    check_grads(fn, *ins, *m.parameters(), device=device)


# --- parameters: names, shapes, initialisation --------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bias", [True, False])
def test_state_dict_keys_and_shapes_equal_torch(kind, bias):
    torch = torch_or_skip()
    cls, kw = KINDS[kind]
    for layers, bi in [(1, False), (3, True)]:
        kwargs = dict(kw, num_layers=layers, bidirectional=bi, bias=bias)
        theirs = getattr(torch.nn, cls)(H_IN, HIDDEN, **kwargs).state_dict()
        ours = getattr(nn, cls)(H_IN, HIDDEN, **kwargs).state_dict()
        assert list(ours) == list(theirs)
        assert [tuple(v.shape) for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]
        if kind == "lstm_proj" and bi:
            assert "weight_hr_l2_reverse" in ours
    for cls, kw in CELLS.values():
        for b in (True, False):
            theirs = getattr(torch.nn, cls)(H_IN, HIDDEN, bias=b, **kw).state_dict()
            ours = getattr(nn, cls)(H_IN, HIDDEN, bias=b, **kw).state_dict()
            assert list(ours) == list(theirs)
            assert [tuple(v.shape) for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]


def test_repr_equals_torch():
    torch = torch_or_skip()
    cases = [("RNN", dict(num_layers=2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5,
                          bidirectional=True)),
             ("LSTM", dict(proj_size=2)), ("GRU", {}), ("RNNCell", dict(bias=False, nonlinearity="relu")),
             ("LSTMCell", {}), ("GRUCell", {})]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cls, kw in cases:
            assert repr(getattr(nn, cls)(3, 4, **kw)) == repr(getattr(torch.nn, cls)(3, 4, **kw))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_default_init(cls):
    """Every parameter ~ U(-1/sqrt(hidden), 1/sqrt(hidden)), float32 by default, reproducible by seed."""
    kwargs = {"num_layers": 2, "bidirectional": True} if not cls.endswith("Cell") else {}
    m = getattr(nn, cls)(200, 16, **kwargs)  # thousands of values: the extremes lie within 1% of the bound
    bound = 1 / 4.0
    values = []
    for name, p in m.named_parameters():
        assert p.dtype == ag.float32, name
        a = host(p)
        assert numpy.all(numpy.abs(a) <= bound), f"{name} exceeds {bound}"
        values.append(a.ravel())
    v = numpy.concatenate(values)
    assert v.max() > 0.99 * bound and v.min() < -0.99 * bound  # the whole range, not a narrower one
    assert abs(v.mean()) < 0.02 and abs(v.std() - bound / numpy.sqrt(3)) < 0.01  # uniform's moments
    ag.manual_seed(0)
    again = getattr(nn, cls)(6, 16, **kwargs)
    ag.manual_seed(0)
    same = getattr(nn, cls)(6, 16, **kwargs)
    for (n, a), b in zip(again.named_parameters(), same.parameters()):
        numpy.testing.assert_array_equal(host(a), host(b), err_msg=n)
    assert all(p.dtype == ag.float64 for p in getattr(nn, cls)(6, 16, dtype=ag.float64, **kwargs).parameters())


def test_loads_a_torch_state_dict_of_arrays():
    """A torch state_dict (as arrays) loads, and wrong shapes are named."""
    torch = torch_or_skip()
    theirs = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    ours = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for k, v in theirs.state_dict().items():
        numpy.testing.assert_array_equal(host(ours.state_dict()[k]), v.numpy())
    wrong = nn.GRU(3, 5, num_layers=2, bidirectional=True)
    with pytest.raises(RuntimeError, match=re.escape("size mismatch for weight_hh_l0")):
        wrong.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


def test_one_input_matmul_and_one_hidden_matmul_per_step(monkeypatch):
    """The input projection of the whole sequence is one GEMM; each step adds one (two with a projection)."""
    calls = []
    real = R._affine

    def counting(x, w, b):
        calls.append(tuple(x.shape))
        return real(x, w, b)
    monkeypatch.setattr(R, "_affine", counting)
    for cls, kw, per_step in [("LSTM", {}, 1), ("GRU", {}, 1), ("RNN", {}, 1), ("LSTM", {"proj_size": 2}, 2)]:
        calls.clear()
        getattr(nn, cls)(3, 4, **kw)(ag.randn(7, 2, 3))
        assert calls[0] == (7, 2, 3) and len(calls) == 1 + 7 * per_step, (cls, kw, calls)


# --- errors ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, match", [
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), "unknown nonlinearity 'sigmoid'"),
    (lambda: nn.RNNCell(3, 4, nonlinearity="gelu"), "unknown nonlinearity 'gelu'"),
    (lambda: nn.LSTM(3, 4, dropout=1.5), "dropout should be a number in [0, 1]", ),
    (lambda: nn.GRU(3, 4, dropout=-0.1), "got -0.1"),
    (lambda: nn.GRU(3, 4, num_layers=2, dropout="0.5"), "got '0.5'"),
    (lambda: nn.LSTM(3, 0), "hidden_size must be a positive integer, got 0"),
    (lambda: nn.RNN(-2, 4), "input_size must be a positive integer, got -2"),
    (lambda: nn.GRU(3, 4, num_layers=0), "num_layers must be a positive integer, got 0"),
    (lambda: nn.LSTM(3, 4.5), "hidden_size must be a positive integer, got 4.5"),
    (lambda: nn.GRUCell(3, 0), "hidden_size must be a positive integer, got 0"),
    (lambda: nn.LSTM(3, 4, proj_size=4), "proj_size (4) has to be smaller than hidden_size (4)"),
    (lambda: nn.LSTM(3, 4, proj_size=-1), "proj_size must be a non-negative integer, got -1"),
])
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        make()


def test_forward_errors_name_what_was_passed():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=re.escape("input has 7 features (input shape (5, 2, 7)) but input_size "
                                                   "is 3")):
        lstm(ag.randn(5, 2, 7))
    with pytest.raises(ValueError, match=re.escape("expected a 2-D (unbatched) or 3-D (batched) input, got a 4-D "
                                                   "input of shape (1, 5, 2, 3)")):
        lstm(ag.randn(1, 5, 2, 3))
    with pytest.raises(ValueError, match=re.escape("expected h_0 of shape (2, 2, 4), got (1, 2, 4)")):
        lstm(ag.randn(5, 2, 3), (ag.zeros(1, 2, 4), ag.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=re.escape("expected c_0 of shape (2, 2, 4), got (2, 3, 4)")):
        lstm(ag.randn(5, 2, 3), (ag.zeros(2, 2, 4), ag.zeros(2, 3, 4)))
    with pytest.raises(TypeError, match="hx must be a pair"):
        lstm(ag.randn(5, 2, 3), ag.zeros(2, 2, 4))
    with pytest.raises(ValueError, match=re.escape("expected h_0 of shape (2, 4), got (2, 1, 4)")):
        lstm(ag.randn(5, 3), (ag.zeros(2, 1, 4), ag.zeros(2, 4)))
    with pytest.raises(TypeError, match="input dtype float64 does not match the parameters' dtype float32"):
        lstm(ag.randn(5, 2, 3, dtype=ag.float64))
    proj = nn.LSTM(3, 4, proj_size=2, bidirectional=True)
    with pytest.raises(ValueError, match=re.escape("expected h_0 of shape (2, 2, 2), got (2, 2, 4)")):
        proj(ag.randn(5, 2, 3), (ag.zeros(2, 2, 4), ag.zeros(2, 2, 4)))
    gru = nn.GRU(3, 4, batch_first=True)
    with pytest.raises(ValueError, match=re.escape("GRU: expected hx of shape (1, 6, 4), got (1, 5, 4)")):
        gru(ag.randn(6, 5, 3), ag.zeros(1, 5, 4))
    with pytest.raises(TypeError, match="expected input to be a Tensor, got ndarray"):
        gru(numpy.zeros((6, 5, 3)))
    cell = nn.GRUCell(3, 4)
    with pytest.raises(ValueError, match=re.escape("GRUCell: input has 2 features (input shape (5, 2)) but "
                                                   "input_size is 3")):
        cell(ag.randn(5, 2))
    with pytest.raises(ValueError, match=re.escape("GRUCell: expected hx of shape (5, 4), got (4,)")):
        cell(ag.randn(5, 3), ag.zeros(4))
    with pytest.raises(ValueError, match=re.escape("LSTMCell: expected c_0 of shape (4,), got (5,)")):
        nn.LSTMCell(3, 4)(ag.randn(3), (ag.zeros(4), ag.zeros(5)))


# --- dropout between layers ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_dropout_between_layers_only_in_training(kind, device):
    torch = torch_or_skip()
    cls, kw = KINDS[kind]
    x = numpy.random.default_rng(14).uniform(-1, 1, (L, N, H_IN))
    ours, theirs = pair(cls, dict(kw, num_layers=3, bidirectional=True, dropout=0.5), "float64", device)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, [x], "float64", device)  # evaluation: no dropout, as torch's eval

    ours.train()
    a = ag.tensor(x, device=device)
    out_t, state_t = ours(a)
    out_e, state_e = ours.eval()(a)
    h_t, h_e = flat(state_t)[0], flat(state_e)[0]
    # the first layer (both directions) reads the raw input: unchanged; later layers and the output see dropout
    numpy.testing.assert_allclose(host(h_t[:2]), host(h_e[:2]), rtol=1e-12, atol=1e-12)
    assert not numpy.allclose(host(h_t[2:]), host(h_e[2:]))
    assert not numpy.allclose(host(out_t), host(out_e))

    # p = 1 is deterministic: layers past the first see zeros, in torch too
    ours, theirs = pair(cls, dict(kw, num_layers=2, dropout=1.0), "float64", device)
    with torch.no_grad():
        t_out = theirs.train()(torch.tensor(x))
    o_out = ours.train()(ag.tensor(x, device=device))
    for o, t in zip(flat(o_out), flat(t_out)):
        numpy.testing.assert_allclose(host(o), host(t), **TOL["float64"])


def test_dropout_with_one_layer_warns_and_does_nothing():
    with pytest.warns(UserWarning, match="num_layers=1"):
        m = nn.GRU(3, 4, dropout=0.5)
    x = ag.randn(5, 2, 3)
    numpy.testing.assert_array_equal(host(m.train()(x)[0]), host(m.eval()(x)[0]))


# --- device-generic code: the strict stand-in for a GPU ------------------------------------------------
@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_runs_on_the_strict_device(cls):
    """Forward and backward (first and second order) on the strict device give the CPU's values and gradients;
    a NumPy-only call or a hidden copy to the host fails there."""
    from test_device_generic import mirror

    rng = numpy.random.default_rng(15)
    kwargs = dict(num_layers=2, bidirectional=True, batch_first=True)
    kwargs.update({"proj_size": 2} if cls == "LSTM" else {})
    template = getattr(nn, cls)(3, 4, dtype=ag.float64, **kwargs)
    names = [n for n, _ in template.named_parameters()]
    weights = [host(p) for p in template.parameters()]
    h = 2 if cls == "LSTM" else 4
    arrays = [rng.uniform(-1, 1, (2, 3, 3)), rng.uniform(-1, 1, (4, 2, h))]
    arrays += [rng.uniform(-1, 1, (4, 2, 4))] if cls == "LSTM" else []
    k = len(arrays)

    def fn(x, *rest):
        m = getattr(nn, cls)(3, 4, dtype=ag.float64, device=x.device, **kwargs)
        for name, w in zip(names, rest[k - 1:]):
            m._parameters[name] = w  # the mirrored input itself, so its gradient is compared too
        hx = tuple(rest[:2]) if cls == "LSTM" else rest[0]
        return m(x, hx)

    with sd.registered():
        out = mirror(fn, *arrays, *weights, dut=sd.STRICT)
    assert out[0]._backend is sd.STRICT and tuple(out[0].shape) == (2, 3, 2 * h)
