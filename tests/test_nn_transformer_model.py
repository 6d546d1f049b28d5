"""nn.Transformer, the full encoder-decoder model: state_dict keys and shapes, forward and gradients against
PyTorch (its weights copied in, float64, dropout 0, with causal and padding masks), PyTorch's xavier
initialisation, the static generate_square_subsequent_mask, and the errors (which name the shapes passed).
PyTorch comparisons skip when torch is not installed."""

import math
import warnings

import numpy
import pytest

import autograd_core as ag
import nn
from checks import check_grads, host, rand_array, torch_or_skip

D, NHEAD, FF, LAYERS = 16, 4, 32, 2
S, T, N = 5, 4, 2
TOL = dict(rtol=1e-10, atol=1e-10)


def small_kwargs(**kw):
    return dict(d_model=D, nhead=NHEAD, num_encoder_layers=LAYERS, num_decoder_layers=LAYERS,
                dim_feedforward=FF, **kw)


def torch_model(torch, **kw):
    torch.manual_seed(0)
    with warnings.catch_warnings():  # torch warns that its nested-tensor fast path is off
        warnings.simplefilter("ignore")
        return torch.nn.Transformer(**kw, dtype=torch.float64)


def pair(device, **kw):
    """(ours, torch's), both float64 in eval mode with dropout 0, torch's weights copied into ours."""
    torch = torch_or_skip()
    kw = small_kwargs(dropout=0.0, **kw)
    theirs = torch_model(torch, **kw).eval()
    ours = nn.Transformer(**kw, dtype=ag.float64, device=device).eval()
    ours.load_state_dict({k: ag.tensor(v.detach().numpy(), device=device) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _kpm(batch, length, pad, unbatched):
    """Key padding (True = padding): the last ``pad`` keys of the last batch item (never key 0)."""
    m = numpy.zeros((batch, length), dtype=bool)
    m[-1, length - pad:] = True
    return m[0] if unbatched else m


def _masks(unbatched):
    r = numpy.random.default_rng(7)
    src_mask = r.random((S, S)) < 0.3
    numpy.fill_diagonal(src_mask, False)  # every query keeps at least itself
    causal = numpy.triu(numpy.full((T, T), -numpy.inf), 1)
    return {"src_mask": src_mask, "tgt_mask": causal, "memory_mask": 0.5 * r.standard_normal((T, S)),
            "src_key_padding_mask": _kpm(N, S, 2, unbatched), "tgt_key_padding_mask": _kpm(N, T, 1, unbatched),
            "memory_key_padding_mask": _kpm(N, S, 2, unbatched)}


CASES = {
    "post_norm": dict(ctor={}),
    "batch_first": dict(ctor={"batch_first": True}),
    "norm_first_gelu": dict(ctor={"norm_first": True, "activation": "gelu"}),
    "batch_first_norm_first_no_bias_eps": dict(ctor={"batch_first": True, "norm_first": True, "bias": False,
                                                     "layer_norm_eps": 1e-3}),
    "unbatched_norm_first": dict(ctor={"norm_first": True}, unbatched=True),
}


def _seq(length, opts, seed):
    if opts.get("unbatched"):
        return rand_array((length, D), seed)
    if opts["ctor"].get("batch_first"):
        return rand_array((N, length, D), seed)
    return rand_array((length, N, D), seed)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_state_dict_keys_and_shapes_match_torch(batch_first, bias):
    torch = torch_or_skip()
    kw = small_kwargs(batch_first=batch_first, bias=bias)
    ours, theirs = nn.Transformer(**kw), torch_model(torch, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert tuple(ours.state_dict()[key].shape) == tuple(value.shape), key
    keys = ours.state_dict()
    for key in ("encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.1.linear2.weight", "encoder.norm.weight",
                "decoder.layers.0.multihead_attn.in_proj_weight", "decoder.layers.1.norm3.weight",
                "decoder.norm.weight"):
        assert key in keys, key
    assert ("decoder.norm.bias" in keys) == bias
    assert (ours.d_model, ours.nhead, ours.batch_first) == (D, NHEAD, batch_first)
    assert isinstance(ours.encoder, nn.TransformerEncoder) and isinstance(ours.decoder, nn.TransformerDecoder)


@pytest.mark.parametrize("name", list(CASES))
def test_forward_and_gradients_match_torch(name, device):
    """Output, and the gradients of a random linear loss w.r.t. src, tgt and every parameter, equal torch's
    (causal tgt_mask, bool src_mask, float memory_mask and all three key padding masks)."""
    torch = torch_or_skip()
    opts = CASES[name]
    ours, theirs = pair(device, **opts["ctor"])
    unbatched = opts.get("unbatched", False)
    src, tgt = _seq(S, opts, 1), _seq(T, opts, 2)
    masks = _masks(unbatched)
    xs = [ag.tensor(a, dtype=ag.float64, device=device, requires_grad=True) for a in (src, tgt)]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (src, tgt)]
    y = ours(*xs, **{k: ag.tensor(v, device=device) for k, v in masks.items()})
    with warnings.catch_warnings():  # torch warns about mixing bool and float masks
        warnings.simplefilter("ignore")
        ty = theirs(*ts, **{k: torch.tensor(v) for k, v in masks.items()})
    assert y.dtype == ag.float64 and tuple(y.shape) == tuple(ty.shape) == tgt.shape
    numpy.testing.assert_allclose(host(y), host(ty), **TOL, err_msg="forward")
    g = numpy.random.default_rng(3).standard_normal(tgt.shape)
    (y * ag.tensor(g, device=device)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        numpy.testing.assert_allclose(host(x.grad), host(t.grad), **TOL, err_msg=f"grad of input {i}")
    theirs_p, ours_p = dict(theirs.named_parameters()), dict(ours.named_parameters())
    assert list(ours_p) == list(theirs_p)
    for key, p in ours_p.items():
        assert p.grad is not None, key
        numpy.testing.assert_allclose(host(p.grad), host(theirs_p[key].grad), **TOL, err_msg=f"grad of {key}")


def test_is_causal_hints_match_torch(device):
    """src_is_causal / tgt_is_causal with the causal masks from Transformer.generate_square_subsequent_mask."""
    torch = torch_or_skip()
    ours, theirs = pair(device)
    src, tgt = rand_array((S, N, D), 4), rand_array((T, N, D), 5)
    y = ours(ag.tensor(src, device=device), ag.tensor(tgt, device=device),
             src_mask=nn.Transformer.generate_square_subsequent_mask(S, device=device, dtype=ag.float64),
             tgt_mask=nn.Transformer.generate_square_subsequent_mask(T, device=device, dtype=ag.float64),
             src_is_causal=True, tgt_is_causal=True)
    ty = theirs(torch.tensor(src), torch.tensor(tgt),
                src_mask=torch.nn.Transformer.generate_square_subsequent_mask(S, dtype=torch.float64),
                tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64),
                src_is_causal=True, tgt_is_causal=True)
    numpy.testing.assert_allclose(host(y), host(ty), **TOL)


def test_custom_encoder_and_decoder(device):
    """custom_encoder / custom_decoder take the places of ``encoder`` / ``decoder`` (torch's keys) and are
    reinitialised by _reset_parameters too."""
    torch = torch_or_skip()

    def build(lib, **factory):
        enc = lib.TransformerEncoder(lib.TransformerEncoderLayer(D, NHEAD, FF, 0.0, **factory), 1)
        return lib.Transformer(D, NHEAD, dim_feedforward=FF, dropout=0.0, custom_encoder=enc, num_decoder_layers=1,
                               **factory)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = build(torch.nn, dtype=torch.float64)
    ours = build(nn, dtype=ag.float64, device=device)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "encoder.norm.weight" not in ours.state_dict()
    ours.load_state_dict({k: ag.tensor(v.detach().numpy(), device=device) for k, v in theirs.state_dict().items()})
    src, tgt = rand_array((S, N, D), 1), rand_array((T, N, D), 2)
    numpy.testing.assert_allclose(host(ours(ag.tensor(src, device=device), ag.tensor(tgt, device=device))),
                                  host(theirs(torch.tensor(src), torch.tensor(tgt))), **TOL)


def test_initialisation_is_xavier_uniform(device):
    """Every parameter with more than one dimension is U(-a, a), a = sqrt(6 / (fan_in + fan_out)); the 1-D
    ones keep their layers' initialisation (attention biases and LayerNorm biases 0, LayerNorm weights 1);
    the stacked layers start from different weights (unlike deep copies)."""
    model = nn.Transformer(**small_kwargs(), dtype=ag.float64, device=device)
    for key, p in model.named_parameters():
        w = host(p)
        if p.ndim > 1:
            a = math.sqrt(6.0 / (w.shape[0] + w.shape[1]))
            assert numpy.abs(w).max() <= a, key
            assert abs(w.std() - a / math.sqrt(3.0)) < 0.15 * a / math.sqrt(3.0), key
        elif "norm" in key and key.endswith("weight"):
            numpy.testing.assert_array_equal(w, 1.0, err_msg=key)
        elif "norm" in key or "attn" in key:
            numpy.testing.assert_array_equal(w, 0.0, err_msg=key)
        else:  # Linear biases keep Linear's U(-1/sqrt(in_features), 1/sqrt(in_features))
            assert numpy.abs(w).max() <= 1.0 / math.sqrt(D if "linear1" in key else FF), key
    for stack in (model.encoder, model.decoder):
        assert not numpy.allclose(host(stack.layers[0].linear1.weight), host(stack.layers[1].linear1.weight))
        assert not numpy.allclose(host(stack.layers[0].self_attn.in_proj_weight),
                                  host(stack.layers[1].self_attn.in_proj_weight))
    ag.manual_seed(3)
    a = host(nn.Transformer(**small_kwargs()).encoder.layers[0].linear1.weight)
    ag.manual_seed(3)
    b = host(nn.Transformer(**small_kwargs()).encoder.layers[0].linear1.weight)
    numpy.testing.assert_array_equal(a, b)  # seeded: reproducible


def test_gradcheck_tiny_model(device):
    model = nn.Transformer(4, 2, 1, 1, 6, dropout=0.0, dtype=ag.float64, device=device)
    mask = nn.Transformer.generate_square_subsequent_mask(2, device=device, dtype=ag.float64)
    check_grads(lambda s, t: model(s, t, tgt_mask=mask), rand_array((3, 2, 4), 1), rand_array((2, 2, 4), 2),
                device=device, second=False)


def test_dropout_train_and_eval(device):
    model = nn.Transformer(**small_kwargs(dropout=0.3), dtype=ag.float64, device=device)
    src, tgt = ag.tensor(rand_array((S, N, D), 1), device=device), ag.tensor(rand_array((T, N, D), 2), device=device)
    model.eval()
    e = host(model(src, tgt))
    numpy.testing.assert_array_equal(e, host(model(src, tgt)))
    model.train()
    assert not numpy.allclose(host(model(src, tgt)), e)


@pytest.mark.parametrize("sz", [0, 1, 5])
def test_generate_square_subsequent_mask_matches_torch(sz, device):
    torch = torch_or_skip()
    expected = torch.nn.Transformer.generate_square_subsequent_mask(sz).numpy()
    ours = nn.Transformer.generate_square_subsequent_mask(sz, device=device)
    assert ours.dtype == ag.float32 and tuple(ours.shape) == (sz, sz)
    numpy.testing.assert_array_equal(host(ours), expected)
    numpy.testing.assert_array_equal(host(nn.transformer.generate_square_subsequent_mask(sz)), expected)
    assert nn.Transformer.generate_square_subsequent_mask(sz, dtype=ag.float64).dtype == ag.float64


def test_signature_defaults_match_torch():
    import inspect

    torch = torch_or_skip()
    ours = inspect.signature(nn.Transformer.__init__).parameters
    theirs = inspect.signature(torch.nn.Transformer.__init__).parameters
    assert list(ours) == list(theirs)
    for name in ours:
        if name not in ("self", "activation"):
            assert ours[name].default == theirs[name].default, name
    assert list(inspect.signature(nn.Transformer.forward).parameters) == \
        list(inspect.signature(torch.nn.Transformer.forward).parameters)


def test_errors():
    model = nn.Transformer(**small_kwargs())
    z = ag.zeros
    with pytest.raises(RuntimeError, match=r"batch number of src and tgt must be equal, got 2 and 3 "
                                           r"\(src shape \(5, 2, 16\), tgt shape \(4, 3, 16\), batch_first=False\)"):
        model(z(S, 2, D), z(T, 3, D))
    bf = nn.Transformer(**small_kwargs(batch_first=True))
    with pytest.raises(RuntimeError, match=r"got 2 and 3 \(src shape \(2, 5, 16\), tgt shape \(3, 4, 16\), "
                                           r"batch_first=True\)"):
        bf(z(2, S, D), z(3, T, D))
    with pytest.raises(RuntimeError, match=r"feature number of src and tgt must be equal to d_model \(16\), "
                                           r"got src shape \(5, 2, 8\), tgt shape \(4, 2, 16\)"):
        model(z(S, N, 8), z(T, N, D))
    with pytest.raises(RuntimeError, match=r"equal to d_model \(16\), got src shape \(5, 16\), tgt shape \(4, 12\)"):
        model(z(S, D), z(T, 12))
    with pytest.raises(RuntimeError, match=r"must both be batched \(3-D\) or both unbatched \(2-D\), got src shape "
                                           r"\(5, 2, 16\), tgt shape \(4, 16\)"):
        model(z(S, N, D), z(T, D))
    with pytest.raises(ValueError, match=r"tgt must be 3-D \(batched\) or 2-D \(unbatched\), got shape \(16,\)"):
        model(z(S, D), z(D))
    with pytest.raises(TypeError, match="src must be a Tensor, got ndarray"):
        model(numpy.zeros((S, N, D)), z(T, N, D))
    with pytest.raises(ValueError, match=r"Transformer: d_model \(10\) must be divisible by nhead \(4\)"):
        nn.Transformer(10, 4)
    with pytest.raises(ValueError, match="Transformer: d_model must be a positive int, got 0"):
        nn.Transformer(0, 4)
    with pytest.raises(ValueError, match="Transformer: num_encoder_layers must be a non-negative int, got 1.5"):
        nn.Transformer(8, 2, num_encoder_layers=1.5)
    with pytest.raises(ValueError, match="Transformer: num_decoder_layers must be a non-negative int, got -1"):
        nn.Transformer(8, 2, num_decoder_layers=-1)
    with pytest.raises(ValueError, match="Transformer: activation should be 'relu', 'gelu' or a callable, got 'tanh'"):
        nn.Transformer(8, 2, activation="tanh")
    with pytest.raises(TypeError, match="Transformer: custom_encoder must be a Module"):
        nn.Transformer(8, 2, custom_encoder=3)
    with pytest.raises(TypeError, match="generate_square_subsequent_mask: sz must be an int, got float 2.5"):
        nn.Transformer.generate_square_subsequent_mask(2.5)
    with pytest.raises(ValueError, match="generate_square_subsequent_mask: sz must be non-negative, got -1"):
        nn.Transformer.generate_square_subsequent_mask(-1)
