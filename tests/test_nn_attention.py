"""scaled_dot_product_attention, MultiheadAttention and the Transformer encoder/decoder: PyTorch as the oracle
(outputs, attention weights and the gradients of inputs and parameters, after copying torch's state_dict into
ours), gradcheck/gradgradcheck in float64, state_dict keys, initialisation statistics, errors that name what
was passed, and a forward and backward on the strict stand-in for a GPU (tests/strict_device.py)."""

import copy
import math
import warnings

import numpy
import pytest
import strict_device as sd

import autograd_core as ag
import backends
import nn
import nn.functional as F
from autograd_core.tensor import make_tensor
from checks import check_grads, compare_with_torch, host, rand_array, to_torch, torch_or_skip

TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=2e-4, atol=2e-5)}
DTYPES = ["float64", "float32"]


def TF():
    return torch_or_skip().nn.functional


def rng(seed):
    return numpy.random.default_rng(seed)


def randn(*shape, seed=0):
    return rng(seed).standard_normal(shape)


def ours_tensor(a, dt=None, device="cpu"):
    a = numpy.asarray(a)
    if a.dtype.kind == "b":
        return ag.tensor(a, device=device)
    return ag.tensor(a, dtype=dt, device=device)


def torch_tensor(a, dt=None):
    torch = torch_or_skip()
    a = numpy.asarray(a)
    if a.dtype.kind == "b":
        return torch.tensor(a)
    return torch.tensor(a, dtype=getattr(torch, dt))


def copy_state(ours, theirs):
    """Load torch's parameters into ours (keys must agree exactly)."""
    ours.load_state_dict({k: ag.tensor(v.detach().cpu().numpy()) for k, v in theirs.state_dict().items()})


def run_both(ours, theirs, arrays, dt, call, masks=None, seed=5):
    """``call(module, inputs, masks)`` on both sides (masks: name -> numpy array, converted per framework);
    compare every output (NaN where torch has NaN), then the gradients of the inputs and of every parameter
    for one random upstream gradient per output."""
    torch = torch_or_skip()
    masks = masks or {}
    xs = [ag.tensor(a, dtype=dt, requires_grad=True) for a in arrays]
    ts = [to_torch(a, dt) for a in arrays]
    outs = call(ours, xs, {k: ours_tensor(v, dt) for k, v in masks.items()})
    touts = call(theirs, ts, {k: torch_tensor(v, dt) for k, v in masks.items()})
    outs = outs if isinstance(outs, tuple) else (outs,)
    touts = touts if isinstance(touts, tuple) else (touts,)
    assert len(outs) == len(touts)
    r = rng(seed)
    loss = tloss = None
    for i, (o, t) in enumerate(zip(outs, touts)):
        if t is None:
            assert o is None, f"output {i}: torch gives None, we give {type(o).__name__}"
            continue
        assert o.dtype == ag.tensor(0.0, dtype=dt).dtype, f"output {i}: {o.dtype} for {dt} inputs"
        assert tuple(o.shape) == tuple(t.shape), f"output {i}: shape {tuple(o.shape)} != torch {tuple(t.shape)}"
        numpy.testing.assert_allclose(host(o), host(t), **TOL[dt], err_msg=f"output {i}, {dt}")
        g = r.standard_normal(tuple(t.shape))
        term, tterm = (o * ag.tensor(g, dtype=dt)).sum(), (t * torch.tensor(g, dtype=t.dtype)).sum()
        loss, tloss = (term, tterm) if loss is None else (loss + term, tloss + tterm)
    loss.backward()
    tloss.backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        numpy.testing.assert_allclose(host(x.grad), host(t.grad), **TOL[dt], err_msg=f"grad of input {i}, {dt}")
    theirs_p = dict(theirs.named_parameters())
    ours_p = dict(ours.named_parameters())
    assert list(ours_p) == list(theirs_p)
    for name, p in ours_p.items():
        tp = theirs_p[name]
        if tp.grad is None:
            assert p.grad is None or not host(p.grad).any(), f"{name}: torch has no gradient"
            continue
        numpy.testing.assert_allclose(host(p.grad), host(tp.grad), **TOL[dt], err_msg=f"grad of {name}, {dt}")
    return outs


def pair(our_cls, torch_cls, dt, *args, torch_kwargs=None, **kwargs):
    """(ours, torch's) built with the same arguments, torch's weights copied into ours."""
    torch = torch_or_skip()
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch_cls(*args, **(torch_kwargs or kwargs), dtype=getattr(torch, dt))
    ours = our_cls(*args, **kwargs, dtype=getattr(ag, dt))
    copy_state(ours, theirs)
    return ours, theirs


# --- scaled_dot_product_attention -------------------------------------------------------------------------
def _keep_mask(shape, seed):
    """A bool mask (True = attend) with key 0 always allowed, so no row is fully masked."""
    m = rng(seed).random(shape) < 0.6
    m[..., 0] = True
    return m


SDPA_CASES = {
    "2d": ([(4, 3), (5, 3), (5, 2)], {}),
    "batched": ([(2, 4, 3), (2, 5, 3), (2, 5, 6)], {}),
    "heads_broadcast": ([(2, 3, 4, 5), (1, 3, 6, 5), (2, 1, 6, 4)], {}),
    "bool_mask": ([(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5)], {"bool": (4, 6)}),
    "bool_mask_per_batch": ([(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5)], {"bool": (2, 1, 4, 6)}),
    "float_mask": ([(2, 4, 3), (2, 5, 3), (2, 5, 3)], {"float": (2, 4, 5)}),
    "causal_square": ([(2, 2, 5, 3), (2, 2, 5, 3), (2, 2, 5, 3)], {"is_causal": True}),
    "causal_rect": ([(2, 4, 3), (2, 6, 3), (2, 6, 3)], {"is_causal": True}),
    "scale": ([(2, 4, 3), (2, 5, 3), (2, 5, 3)], {"scale": 0.37}),
    "causal_scale": ([(3, 4, 3), (3, 4, 3), (3, 4, 2)], {"is_causal": True, "scale": 1.5}),
}


@pytest.mark.parametrize("name", list(SDPA_CASES))
def test_sdpa_matches_torch(name, device):
    shapes, opts = SDPA_CASES[name]
    arrays = [rand_array(s, seed=i + 1) for i, s in enumerate(shapes)]
    kw = {k: opts[k] for k in ("is_causal", "scale") if k in opts}
    bool_mask = _keep_mask(opts["bool"], 9) if "bool" in opts else None
    torch = torch_or_skip()
    if "float" in opts:  # the float mask is an input too: its gradient is dL/dH
        arrays.append(rand_array(opts["float"], seed=8))
        compare_with_torch(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw),
                           lambda q, k, v, m: TF().scaled_dot_product_attention(q, k, v, attn_mask=m, **kw),
                           *arrays, device=device)
        return

    def ours(q, k, v):
        m = None if bool_mask is None else ag.tensor(bool_mask, device=device)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)

    def theirs(q, k, v):
        m = None if bool_mask is None else torch.tensor(bool_mask)
        return TF().scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)

    compare_with_torch(ours, theirs, *arrays, device=device)


def test_sdpa_fully_masked_row_gives_zeros_as_torch(device):
    """A query that may attend to no key: torch (2.5+) gives a zero row and zero gradients, not NaN."""
    q, k, v = rand_array((2, 3, 4), 1), rand_array((2, 5, 4), 2), rand_array((2, 5, 3), 3)
    keep = _keep_mask((2, 3, 5), 4)
    keep[0, 1] = False
    neg = numpy.where(keep, 0.0, -numpy.inf)
    torch = torch_or_skip()
    for mask_ours, mask_theirs in ((ag.tensor(keep, device=device), torch.tensor(keep)),
                                   (ag.tensor(neg, device=device), torch.tensor(neg))):
        qs = [ag.tensor(a, device=device, dtype=ag.float64, requires_grad=True) for a in (q, k, v)]
        ts = [to_torch(a, "float64") for a in (q, k, v)]
        y = F.scaled_dot_product_attention(*qs, attn_mask=mask_ours)
        ty = TF().scaled_dot_product_attention(*ts, attn_mask=mask_theirs)
        assert numpy.isfinite(host(y)).all()
        assert not host(y)[0, 1].any()
        numpy.testing.assert_allclose(host(y), host(ty), rtol=1e-12, atol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        for a, b in zip(qs, ts):
            assert numpy.isfinite(host(a.grad)).all()
            numpy.testing.assert_allclose(host(a.grad), host(b.grad), rtol=1e-12, atol=1e-12)
        assert not host(qs[0].grad)[0, 1].any()


def test_sdpa_is_stable_for_large_scores(device):
    q = ag.tensor(numpy.full((1, 2, 3), 300.0), device=device)
    k = ag.tensor(rand_array((1, 4, 3), 1) * 300.0, device=device)
    v = ag.tensor(rand_array((1, 4, 2), 2), device=device)
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert numpy.isfinite(host(y)).all()


@pytest.mark.parametrize("kind", ["plain", "bool", "causal", "float"])
def test_sdpa_gradcheck(kind, device):
    q, k, v = rand_array((2, 3, 4), 1), rand_array((2, 4, 4), 2), rand_array((2, 4, 2), 3)
    keep = _keep_mask((3, 4), 5)
    if kind == "float":
        check_grads(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), q, k, v,
                    rand_array((3, 4), 6), device=device)
        return
    kw = {"attn_mask": ag.tensor(keep, device=device)} if kind == "bool" else {"is_causal": kind == "causal"}
    check_grads(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.7, **kw), q, k, v, device=device)


def test_sdpa_dropout(device):
    q, k, v = (ag.tensor(rand_array(s, i), device=device) for i, s in enumerate([(2, 4, 3), (2, 5, 3), (2, 5, 3)]))
    plain = host(F.scaled_dot_product_attention(q, k, v))
    ag.manual_seed(1)
    a = host(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5))
    ag.manual_seed(1)
    b = host(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5))
    numpy.testing.assert_array_equal(a, b)
    assert not numpy.allclose(a, plain)
    assert not host(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)).any()


def test_sdpa_errors(device):
    def t(*shape, dtype=ag.float32):
        return ag.zeros(*shape, dtype=dtype, device=device)

    q, k, v = t(2, 4, 3), t(2, 5, 3), t(2, 5, 6)
    with pytest.raises(ValueError, match=r"query shape \(2, 4, 3\) and key shape \(2, 5, 7\)"):
        F.scaled_dot_product_attention(q, t(2, 5, 7), v)
    with pytest.raises(ValueError, match=r"key shape \(2, 5, 3\) and value shape \(2, 6, 6\)"):
        F.scaled_dot_product_attention(q, k, t(2, 6, 6))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 4\) can't be broadcast to .*\(2, 4, 5\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=t(4, 4))
    with pytest.raises(TypeError, match="bool or the query's dtype float32, got int64"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=ag.zeros(4, 5, dtype=ag.int64, device=device))
    with pytest.raises(TypeError, match="float32, float64 and float32"):
        F.scaled_dot_product_attention(q, t(2, 5, 3, dtype=ag.float64), v)
    with pytest.raises(ValueError, match=r"not both \(attn_mask shape \(4, 5\)\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=ag.ones(4, 5, dtype=ag.bool, device=device),
                                       is_causal=True)
    with pytest.raises(ValueError, match=r"at least 2 dimensions .* got shape \(3,\)"):
        F.scaled_dot_product_attention(t(3), k, v)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    with pytest.raises(TypeError, match="scale must be a number or None, got str"):
        F.scaled_dot_product_attention(q, k, v, scale="0.5")


# --- MultiheadAttention ---------------------------------------------------------------------------------
E, H, L, S, N = 6, 2, 4, 5, 3


def _mha_case(ctor=None, self_attn=False, unbatched=False, masks=None, call=None):
    return dict(ctor=ctor or {}, self_attn=self_attn, unbatched=unbatched, masks=masks or {}, call=call or {})


def _kpm(n, s, seed, bool_=True):
    m = numpy.zeros((n, s), dtype=bool)
    m[-1, -2:] = True
    m[0, 1] = True
    if bool_:
        return m
    return numpy.where(m, -numpy.inf, rng(seed).uniform(-1, 1, (n, s)))


def _attn_bool(shape, seed):
    """A bool attn_mask (True = NOT attended) that leaves key 0 open to every query."""
    m = rng(seed).random(shape) < 0.4
    m[..., 0] = False
    return m


CAUSAL = numpy.triu(numpy.ones((L, L), dtype=bool), 1)
MHA_CASES = {
    "self": _mha_case(self_attn=True),
    "cross": _mha_case(),
    "batch_first": _mha_case(ctor={"batch_first": True}),
    "kdim_vdim": _mha_case(ctor={"kdim": 3, "vdim": 5}),
    "no_bias": _mha_case(ctor={"bias": False}, masks={"key_padding_mask": _kpm(N, S, 1)}),
    "kpm_bool": _mha_case(masks={"key_padding_mask": _kpm(N, S, 1)}),
    "kpm_float": _mha_case(masks={"key_padding_mask": _kpm(N, S, 2, bool_=False)}),
    "attn_mask_bool": _mha_case(masks={"attn_mask": _attn_bool((L, S), 3)}),
    "attn_mask_float_3d": _mha_case(masks={"attn_mask": rand_array((N * H, L, S), 4)}),
    "both_masks": _mha_case(masks={"attn_mask": _attn_bool((L, S), 5), "key_padding_mask": _kpm(N, S, 1)}),
    "causal": _mha_case(self_attn=True, masks={"attn_mask": CAUSAL}, call={"is_causal": True}),
    "no_weights": _mha_case(masks={"key_padding_mask": _kpm(N, S, 1)}, call={"need_weights": False}),
    "causal_no_weights": _mha_case(self_attn=True, masks={"attn_mask": CAUSAL},
                                   call={"is_causal": True, "need_weights": False}),
    "per_head_weights": _mha_case(masks={"attn_mask": _attn_bool((L, S), 6)}, call={"average_attn_weights": False}),
    "unbatched": _mha_case(unbatched=True, masks={"key_padding_mask": _kpm(1, S, 1)[0],
                                                  "attn_mask": _attn_bool((H, L, S), 7)}),
    "unbatched_per_head": _mha_case(unbatched=True, ctor={"kdim": 4}, call={"average_attn_weights": False}),
    "bias_kv": _mha_case(ctor={"add_bias_kv": True}, masks={"key_padding_mask": _kpm(N, S, 1),
                                                           "attn_mask": _attn_bool((L, S), 8)}),
    "zero_attn": _mha_case(ctor={"add_zero_attn": True, "batch_first": True},
                           masks={"attn_mask": _attn_bool((N * H, L, S), 9)}),
    "bias_kv_zero_attn_unbatched": _mha_case(unbatched=True, ctor={"add_bias_kv": True, "add_zero_attn": True},
                                             masks={"key_padding_mask": _kpm(1, S, 1)[0]}),
}


def _mha_inputs(case):
    ctor = case["ctor"]
    kd, vd = ctor.get("kdim", E), ctor.get("vdim", E)
    if case["self_attn"]:
        shapes = [(L, E)]
    else:
        shapes = [(L, E), (S, kd), (S, vd)]
    batch = [] if case["unbatched"] else [N]
    out = []
    for i, s in enumerate(shapes):
        full = (batch + [s[0], s[1]]) if ctor.get("batch_first") else ([s[0]] + batch + [s[1]])
        out.append(randn(*full, seed=20 + i))
    return out


def _mha_call(case):
    def call(m, xs, masks):
        q, k, v = (xs[0], xs[0], xs[0]) if len(xs) == 1 else xs
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(m(q, k, v, **masks, **case["call"]))
    return call


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", list(MHA_CASES))
def test_mha_matches_torch(name, dt):
    case = MHA_CASES[name]
    torch = torch_or_skip()
    ours, theirs = pair(nn.MultiheadAttention, torch.nn.MultiheadAttention, dt, E, H, **case["ctor"])
    outs = run_both(ours, theirs, _mha_inputs(case), dt, _mha_call(case), masks=case["masks"])
    if case["call"].get("need_weights", True):
        assert outs[1] is not None
        if case["call"].get("average_attn_weights", True):  # rows of the averaged weights sum to one
            numpy.testing.assert_allclose(host(outs[1]).sum(-1), 1.0, rtol=1e-5)


def test_mha_fully_masked_query_as_torch():
    """A batch element whose keys are all padded: NaN with need_weights=True, zeros without (as torch)."""
    torch = torch_or_skip()
    ours, theirs = pair(nn.MultiheadAttention, torch.nn.MultiheadAttention, "float64", E, H)
    kpm = numpy.zeros((N, L), dtype=bool)
    kpm[1] = True
    x = randn(L, N, E, seed=3)
    for need in (True, False):
        with warnings.catch_warnings():  # the NaN row: NumPy warns of -inf - -inf, as intended here
            warnings.simplefilter("ignore")
            o, w = ours(*(ag.tensor(x),) * 3, key_padding_mask=ag.tensor(kpm), need_weights=need)
        to, tw = theirs(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(kpm), need_weights=need)
        numpy.testing.assert_allclose(host(o), host(to), rtol=1e-10, atol=1e-12)
        assert numpy.isnan(host(o)[:, 1]).all() == need
        assert numpy.isfinite(host(o)[:, [0, 2]]).all()
        if need:
            numpy.testing.assert_allclose(host(w), host(tw), rtol=1e-10, atol=1e-12)


def test_mha_gradcheck(device):
    m = nn.MultiheadAttention(4, 2, kdim=3, dtype=ag.float64, device=device)
    kpm = ag.tensor(numpy.array([[False, False, True], [False, False, False]]), device=device)
    am = ag.tensor(numpy.array([[0.0, 0.5, -1.0], [0.2, 0.0, 0.1]]), device=device)

    def fn(q, k, v):
        out, w = m(q, k, v, key_padding_mask=kpm, attn_mask=am)
        return out.sum(-1) + w.sum(-1) * 0.5 + (w * w).sum(-1)

    check_grads(fn, rand_array((2, 2, 4), 1), rand_array((3, 2, 3), 2), rand_array((3, 2, 4), 3), device=device)


def test_mha_dropout_applies_to_returned_weights():
    m = nn.MultiheadAttention(8, 2, dropout=0.5, dtype=ag.float64)
    x = ag.tensor(randn(5, 3, 8, seed=1))
    m.eval()
    _, w = m(x, x, x, average_attn_weights=False)
    m.train()
    ag.manual_seed(3)
    _, wd = m(x, x, x, average_attn_weights=False)
    w, wd = host(w), host(wd)
    kept = wd != 0
    assert 0.3 < kept.mean() < 0.7
    numpy.testing.assert_allclose(wd[kept], 2.0 * w[kept], rtol=1e-12)


def test_mha_state_dict_keys_match_torch():
    torch = torch_or_skip()
    for kw in ({}, {"kdim": 3, "vdim": 5}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True}):
        ours, theirs = nn.MultiheadAttention(E, H, **kw), torch.nn.MultiheadAttention(E, H, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict()), kw
        for key, value in theirs.state_dict().items():
            assert tuple(ours.state_dict()[key].shape) == tuple(value.shape), key
    m = nn.MultiheadAttention(E, H, kdim=3)
    assert m.in_proj_weight is None and tuple(m.k_proj_weight.shape) == (E, 3)


def test_mha_initialisation_statistics():
    e = 64
    m = nn.MultiheadAttention(e, 4, add_bias_kv=True)
    w = host(m.in_proj_weight)
    bound = math.sqrt(6.0 / (e + 3 * e))  # xavier_uniform_ on (3E, E)
    assert w.shape == (3 * e, e) and numpy.abs(w).max() <= bound
    assert abs(w.std() / (bound / math.sqrt(3)) - 1) < 0.03 and abs(w.mean()) < 0.01 * bound
    assert not host(m.in_proj_bias).any() and not host(m.out_proj.bias).any()
    ow = host(m.out_proj.weight)
    assert numpy.abs(ow).max() <= 1 / math.sqrt(e) and ow.std() > 0.5 / math.sqrt(3 * e)
    bk = numpy.concatenate([host(m.bias_k).ravel(), host(m.bias_v).ravel()])
    assert abs(bk.std() / math.sqrt(2.0 / (2 * e)) - 1) < 0.25  # xavier_normal_ on (1, 1, E)
    m2 = nn.MultiheadAttention(e, 4, kdim=32, vdim=16)
    for name, fan_in in (("q_proj_weight", e), ("k_proj_weight", 32), ("v_proj_weight", 16)):
        assert numpy.abs(host(getattr(m2, name))).max() <= math.sqrt(6.0 / (e + fan_in)), name
    ag.manual_seed(7)
    a = host(nn.MultiheadAttention(8, 2).in_proj_weight)
    ag.manual_seed(7)
    numpy.testing.assert_array_equal(a, host(nn.MultiheadAttention(8, 2).in_proj_weight))


def test_mha_errors():
    with pytest.raises(ValueError, match=r"embed_dim \(10\) must be divisible by num_heads \(3\)"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="num_heads must be a positive int, got 0"):
        nn.MultiheadAttention(10, 0)
    with pytest.raises(ValueError, match="between 0 and 1, but got 2"):
        nn.MultiheadAttention(8, 2, dropout=2)
    m = nn.MultiheadAttention(8, 2)
    x = ag.zeros(4, 3, 8)
    with pytest.raises(ValueError, match=r"3-D \(batched\) or 2-D \(unbatched\), got query \(2, 4, 3, 8\)"):
        m(ag.zeros(2, 4, 3, 8), x, x)
    with pytest.raises(ValueError, match=r"must all be 3-D, got query \(4, 3, 8\), key \(4, 8\)"):
        m(x, ag.zeros(4, 8), x)
    with pytest.raises(ValueError, match=r"embed_dim=8, kdim=8, vdim=8; got query \(4, 3, 7\)"):
        m(ag.zeros(4, 3, 7), x, x)
    with pytest.raises(ValueError, match=r"same batch size \(dim 1, batch_first=False\)"):
        m(x, ag.zeros(4, 2, 8), ag.zeros(4, 2, 8))
    with pytest.raises(ValueError, match=r"same length S, got .*key \(4, 3, 8\), value \(5, 3, 8\)"):
        m(x, x, ag.zeros(5, 3, 8))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(3, 4\) .* got \(4, 3\)"):
        m(x, x, x, key_padding_mask=ag.zeros(4, 3, dtype=ag.bool))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(4, 4\) or \(6, 4, 4\), got \(3, 4, 4\)"):
        m(x, x, x, attn_mask=ag.zeros(3, 4, 4, dtype=ag.bool))
    with pytest.raises(TypeError, match="attn_mask must be a bool or floating-point tensor, got dtype int64"):
        m(x, x, x, attn_mask=ag.zeros(4, 4, dtype=ag.int64))
    with pytest.raises(TypeError, match="key_padding_mask must be a Tensor, got list"):
        m(x, x, x, key_padding_mask=[[True] * 4] * 3)
    with pytest.raises(RuntimeError, match="is_causal=True is a hint .* pass the mask too"):
        m(x, x, x, is_causal=True)


# --- Transformer encoder and decoder --------------------------------------------------------------------
D, NHEAD, FF = 8, 2, 12

ENC_CASES = {
    "relu_post_norm": dict(ctor={}, masks={}),
    "gelu_pre_norm": dict(ctor={"activation": "gelu", "norm_first": True}, masks={}),
    "relu_pre_norm_masks": dict(ctor={"norm_first": True},
                                masks={"src_mask": CAUSAL[:4, :4], "src_key_padding_mask": _kpm(N, 4, 1)}),
    "gelu_post_norm_batch_first_masks": dict(ctor={"activation": "gelu", "batch_first": True},
                                             masks={"src_key_padding_mask": _kpm(N, 4, 1)}),
    "no_bias_eps": dict(ctor={"bias": False, "layer_norm_eps": 1e-3}, masks={}),
    "unbatched": dict(ctor={"norm_first": True}, masks={"src_mask": _attn_bool((4, 4), 2)}, unbatched=True),
    "callable_activation": dict(ctor={"activation": "silu"}, masks={}),
}


def _enc_ctor(opts, dt, torch):
    ours_kw, theirs_kw = dict(opts["ctor"]), dict(opts["ctor"])
    if ours_kw.get("activation") == "silu":
        ours_kw["activation"], theirs_kw["activation"] = F.silu, torch.nn.functional.silu
    return ours_kw, theirs_kw


def _seq(opts, length=4, width=D, seed=1):
    if opts.get("unbatched"):
        return randn(length, width, seed=seed)
    if opts["ctor"].get("batch_first"):
        return randn(N, length, width, seed=seed)
    return randn(length, N, width, seed=seed)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", list(ENC_CASES))
def test_encoder_layer_matches_torch(name, dt):
    torch = torch_or_skip()
    opts = ENC_CASES[name]
    ours_kw, theirs_kw = _enc_ctor(opts, dt, torch)
    ours, theirs = pair(nn.TransformerEncoderLayer, torch.nn.TransformerEncoderLayer, dt, D, NHEAD, FF, 0.0,
                        torch_kwargs=theirs_kw, **ours_kw)
    run_both(ours, theirs, [_seq(opts)], dt, lambda m, xs, masks: m(xs[0], **masks), masks=opts["masks"])


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_two_layers_matches_torch(norm_first, dt):
    """Two layers with dropout 0.1 in evaluation mode, a final LayerNorm, a causal mask and padding."""
    torch = torch_or_skip()
    kw = dict(activation="gelu", norm_first=norm_first, dim_feedforward=FF)

    def build(lib, dtype):
        layer = lib.TransformerEncoderLayer(D, NHEAD, dtype=dtype, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.TransformerEncoder(layer, 2, norm=lib.LayerNorm(D, dtype=dtype))

    torch.manual_seed(0)
    theirs = build(torch.nn, getattr(torch, dt)).eval()
    ours = build(nn, getattr(ag, dt)).eval()
    copy_state(ours, theirs)
    masks = {"mask": numpy.where(CAUSAL[:4, :4], -numpy.inf, 0.0), "src_key_padding_mask": _kpm(N, 4, 1, False)}
    run_both(ours, theirs, [randn(4, N, D, seed=2)], dt, lambda m, xs, ms: m(xs[0], **ms), masks=masks)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_matches_torch(norm_first, dt):
    torch = torch_or_skip()

    def build(lib, dtype):
        layer = lib.TransformerDecoderLayer(D, NHEAD, FF, 0.0, norm_first=norm_first, dtype=dtype)
        return lib.TransformerDecoder(layer, 2, norm=lib.LayerNorm(D, dtype=dtype))

    torch.manual_seed(0)
    theirs = build(torch.nn, getattr(torch, dt))
    ours = build(nn, getattr(ag, dt))
    copy_state(ours, theirs)
    masks = {"tgt_mask": CAUSAL[:4, :4], "memory_key_padding_mask": _kpm(N, S, 1)}
    run_both(ours, theirs, [randn(4, N, D, seed=2), randn(S, N, D, seed=3)], dt,
             lambda m, xs, ms: m(xs[0], xs[1], **ms), masks=masks)


def test_encoder_gradcheck(device):
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu", dtype=ag.float64, device=device)
    kpm = ag.tensor(numpy.array([[False, False, True], [False, False, False]]), device=device)
    check_grads(lambda x: layer(x, src_key_padding_mask=kpm), rand_array((3, 2, 4), 1), device=device)
    pre = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True, dtype=ag.float64, device=device)
    check_grads(lambda x: pre(x, src_mask=ag.tensor(CAUSAL[:3, :3], device=device)), rand_array((3, 4), 2),
                device=device, second=False)


def test_transformer_state_dict_keys_match_torch():
    torch = torch_or_skip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [
            (nn.TransformerEncoderLayer(D, NHEAD, FF), torch.nn.TransformerEncoderLayer(D, NHEAD, FF)),
            (nn.TransformerEncoderLayer(D, NHEAD, FF, bias=False), torch.nn.TransformerEncoderLayer(D, NHEAD, FF,
                                                                                                   bias=False)),
            (nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NHEAD, FF), 2, norm=nn.LayerNorm(D)),
             torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, NHEAD, FF), 2,
                                         norm=torch.nn.LayerNorm(D))),
            (nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NHEAD, FF), 2),
             torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, NHEAD, FF), 2)),
        ]
    for ours, theirs in pairs:
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for key, value in theirs.state_dict().items():
            assert tuple(ours.state_dict()[key].shape) == tuple(value.shape), key
    assert "layers.1.self_attn.in_proj_weight" in pairs[2][0].state_dict()


def test_encoder_layers_are_independent_copies():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NHEAD, FF), 3)
    a, b = enc.layers[0], enc.layers[2]
    assert a is not b and a.linear1.weight is not b.linear1.weight
    numpy.testing.assert_array_equal(host(a.linear1.weight), host(b.linear1.weight))  # as torch: deep copies
    assert len(list(enc.parameters())) == 3 * len(list(a.parameters()))


def test_encoder_layer_dropout_train_and_eval():
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.3, dtype=ag.float64)
    x = ag.tensor(randn(4, 2, D, seed=1))
    layer.eval()
    e1, e2 = host(layer(x)), host(layer(x))
    numpy.testing.assert_array_equal(e1, e2)
    layer.train()
    assert not numpy.allclose(host(layer(x)), e1)


def test_transformer_errors():
    with pytest.raises(ValueError, match=r"d_model \(10\) must be divisible by nhead \(4\)"):
        nn.TransformerEncoderLayer(10, 4)
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu' or a callable, got 'tanhh'"):
        nn.TransformerEncoderLayer(8, 2, activation="tanhh")
    with pytest.raises(ValueError, match="num_layers must be a non-negative int, got 2.5"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 2.5)
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(ValueError, match=r"src must be 3-D \(batched\) or 2-D \(unbatched\), got shape \(8,\)"):
        layer(ag.zeros(8))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(2, 4\)"):
        layer(ag.zeros(4, 2, 8), src_key_padding_mask=ag.zeros(2, 5, dtype=ag.bool))


def test_generate_square_subsequent_mask_matches_torch():
    torch = torch_or_skip()
    ours = host(nn.transformer.generate_square_subsequent_mask(5))
    numpy.testing.assert_array_equal(ours, torch.nn.Transformer.generate_square_subsequent_mask(5).numpy())


# --- the strict stand-in for a GPU ----------------------------------------------------------------------
def _strict_mha_run(backend, module, arrays, kpm, attn_mask):
    def on(a, grad):
        t = make_tensor(backend.from_host(numpy.array(a, copy=True)), backend)
        t.requires_grad = grad
        return t

    m = copy.deepcopy(module).to(backend.device)
    q, k, v = (on(a, True) for a in arrays)
    with sd.record_syncs() as syncs:
        out, w = m(q, k, v, key_padding_mask=on(kpm, False), attn_mask=on(attn_mask, False),
                   average_attn_weights=False)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        r = rng(4)
        loss = sum((t * on(r.standard_normal(tuple(t.shape)), False)).sum() for t in (out, w, y))
        loss.backward()
    assert not syncs, f"unexpected device synchronisations: {syncs}"
    return [out, w, y, q.grad, k.grad, v.grad] + [p.grad for _, p in m.named_parameters()]


def test_mha_forward_backward_on_the_strict_device():
    """The same outputs and gradients on the strict device (NumPy-only calls and hidden host copies fail
    there, as on a GPU) as on the CPU, with no device synchronisation."""
    module = nn.MultiheadAttention(E, H, batch_first=True, add_bias_kv=True, dtype=ag.float64)
    arrays = [randn(N, L, E, seed=1), randn(N, L, E, seed=2), randn(N, L, E, seed=3)]
    kpm = _kpm(N, L, 1)
    attn_mask = _attn_bool((L, L), 2)
    with sd.registered():
        cpu = _strict_mha_run(backends.CPU, module, arrays, kpm, attn_mask)
        dev = _strict_mha_run(sd.STRICT, module, arrays, kpm, attn_mask)
    assert len(cpu) == len(dev)
    for i, (c, d) in enumerate(zip(cpu, dev)):
        assert d._backend is sd.STRICT and type(d._data) is sd.STRICT.array_type, i
        assert d.dtype == c.dtype and tuple(d.shape) == tuple(c.shape), i
        numpy.testing.assert_allclose(sd.STRICT.to_host(d._data), host(c), rtol=1e-12, atol=1e-12, err_msg=str(i))
