"""Discrete distributions, as PyTorch's ``torch.distributions``; p = probs, l = logits (the counting ones,
Binomial, Poisson, Geometric and Multinomial, are in counts.py).

    Bernoulli(p | l)            P(x) = p^x (1 - p)^(1 - x), x in {0, 1}; log P = x l - softplus(l)
    Categorical(p | l)          P(k) = p_k, k in {0..K-1}; p normalized to sum 1, l to logsumexp 0
    OneHotCategorical(p | l)    P(e_k) = p_k for the one-hot vector e_k

log_prob and entropy are built from Tensor ops, so they are differentiable w.r.t. probs, logits and rate;
samples come from the device's generator (seeded by ``manual_seed``) and carry no gradient. The KL
divergences between two members of one family are registered with ``register_kl``.
"""

import math

import autograd_core as ag

from . import constraints
from .distribution import Distribution
from .kl import register_kl
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical"]


class _OneHot(constraints.Constraint):
    """One-hot vectors: every x_i in {0, 1} and sum_i x_i = 1 (event_dim 1)."""

    is_discrete, event_dim = True, 1

    def check(self, value):
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _Multinomial(constraints.Constraint):
    """Count vectors: every x_i >= 0 and sum_i x_i <= upper_bound (event_dim 1)."""

    is_discrete, event_dim = True, 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, x):
        return (x >= 0).all(-1) & (x.sum(-1) <= self.upper_bound)

    def __repr__(self):
        return f"Multinomial(upper_bound={self.upper_bound})"


_one_hot = getattr(constraints, "one_hot", None) or _OneHot()  # PyTorch's, where constraints has them
_multinomial = getattr(constraints, "multinomial", None) or _Multinomial


def _clamp_by_zero(x):
    """max(x, 0) with derivative 1/2 at x = 0 (as PyTorch's), so softplus below has sigmoid(0) = 1/2 there."""
    return (ag.clamp(x, min=0) + x - ag.clamp(x, max=0)) / 2


def _softplus(x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact for every x, no overflow; d/dx = sigmoid(x)."""
    return _clamp_by_zero(x) + ag.log1p(ag.exp(-ag.abs(x)))


def _one_hot_of(index, num_classes, like):
    """e_index: 1 at position index[...] of a new last dimension of size num_classes, in like's dtype."""
    return (index.unsqueeze(-1) == ag.arange(num_classes, device=like.device)).to(dtype=like.dtype)


def _enumerate(values, batch_shape, expand, event=()):
    """The support ``values`` (n,) + event viewed as (n, 1, ..., 1) + event, or expanded to (n,) + batch + event."""
    n = values.shape[0]
    values = values.view(*((n,) + (1,) * len(batch_shape) + tuple(event)))
    return values.expand(*((n,) + tuple(batch_shape) + tuple(event))) if expand else values


def _expanded(self, new, batch_shape, event_shape=()):
    """Finish ``expand``: ``new`` gets ``batch_shape`` and this distribution's validate_args."""
    Distribution.__init__(new, tuple(batch_shape), event_shape, validate_args=False)
    new._validate_args = self._validate_args
    return new


class _Binary(Distribution):
    """The shared parts of a distribution given by one success probability p or its log-odds l (as PyTorch's
    ``is_binary``): p = sigmoid(l), l = log(p) - log1p(-p) with p clamped to [eps, 1 - eps]."""

    def _set_param(self, probs, logits, validate_args, *others):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name = "probs" if probs is not None else "logits"
        *others, param = broadcast_all(*others, probs if probs is not None else logits)
        self.__dict__[name] = self._param = param
        Distribution.__init__(self, tuple(param.shape), validate_args=validate_args)
        return others

    def _expand(self, cls, batch_shape, _instance, names=("probs", "logits")):
        new = self._get_checked_instance(cls, _instance)
        for name in names:
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name].expand(*batch_shape)
        new._param = new.__dict__["probs" if "probs" in self.__dict__ else "logits"]
        return _expanded(self, new, batch_shape)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    param_shape = property(lambda self: tuple(self._param.shape))


class Bernoulli(_Binary):
    """Bernoulli(probs=None, logits=None, validate_args=None): 1 with probability p = sigmoid(l), else 0.

    log P(x) = x l - softplus(l);  H = softplus(l) - p l;  mean p, variance p (1 - p), mode 1[p > 1/2]
    (NaN at p = 1/2)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_param(probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand(Bernoulli, tuple(batch_shape), _instance)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(dtype=self.probs.dtype)
        return ag.where(self.probs == 0.5, math.nan, mode).detach()

    def sample(self, sample_shape=()):
        with ag.no_grad():
            return ag.bernoulli(self.probs.expand(*self._extended_shape(sample_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return value * self.logits - _softplus(self.logits)

    def entropy(self):
        return _softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand=True):
        return _enumerate(ag.arange(2, dtype=self._param.dtype, device=self._param.device), self._batch_shape, expand)


class Categorical(Distribution):
    """Categorical(probs=None, logits=None, validate_args=None): k in {0..K-1} with probability p_k, K the last
    dimension of probs/logits (the others are the batch).

    p = probs / sum(probs) or softmax(l);  l = logits - logsumexp(logits) or log(p);
    log P(k) = l_k;  H = -sum_k p_k l_k;  mode argmax_k p_k; mean and variance are NaN. A draw inverts the
    running sum of p (``multinomial`` with replacement)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, param = ("probs", probs) if probs is not None else ("logits", logits)
        if param.ndim < 1:
            raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
        if probs is not None:
            self.probs = self._param = probs / probs.sum(-1, keepdim=True)
        else:
            self.logits = self._param = logits - logits.logsumexp(-1, keepdim=True)
        self._num_events = self._param.shape[-1]
        super().__init__(tuple(self._param.shape[:-1]), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                new.__dict__[name] = new._param = self.__dict__[name].expand(*batch_shape, self._num_events)
        new._num_events = self._num_events
        return _expanded(self, new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    param_shape = property(lambda self: tuple(self._param.shape))
    mode = property(lambda self: self.probs.argmax(-1))
    mean = property(lambda self: ag.full(self._extended_shape(), math.nan, dtype=self.probs.dtype,
                                         device=self.probs.device))
    variance = mean

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        count = math.prod(shape[:len(shape) - len(self._batch_shape)])
        with ag.no_grad():
            if count == 0 or math.prod(self._batch_shape) == 0:
                return ag.zeros(shape, dtype=ag.int64, device=self._param.device)
            return ag.multinomial(self.probs.reshape(-1, self._num_events), count, True).T.reshape(shape)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        batch = ag.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape[:-1]))
        index = value.long().expand(*batch).unsqueeze(-1)
        return self.logits.expand(*batch, self._num_events).gather(-1, index).squeeze(-1)

    def entropy(self):
        logits = ag.clamp(self.logits, min=ag.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = ag.arange(self._num_events, dtype=ag.int64, device=self._param.device)
        return _enumerate(values, self._batch_shape, expand)


class OneHotCategorical(Distribution):
    """OneHotCategorical(probs=None, logits=None, validate_args=None): the one-hot vector e_k with probability
    p_k (a Categorical's draw, one-hot coded over the last dimension).

    log P(x) = l_argmax(x);  H = -sum_k p_k l_k;  mean p, variance p (1 - p), mode e_argmax(p)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = _one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(OneHotCategorical, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        return _expanded(self, new, batch_shape, self.event_shape)

    _param = property(lambda self: self._categorical._param)
    probs = property(lambda self: self._categorical.probs)
    logits = property(lambda self: self._categorical.logits)
    param_shape = property(lambda self: self._categorical.param_shape)
    mean = probs
    variance = property(lambda self: self.probs * (1 - self.probs))
    mode = property(lambda self: _one_hot_of(self.probs.argmax(-1), self.probs.shape[-1], self.probs).detach())

    def sample(self, sample_shape=()):
        indices = self._categorical.sample(sample_shape)
        return _one_hot_of(indices, self._categorical._num_events, self.probs).detach()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        n = self.event_shape[0]
        values = ag.eye(n, dtype=self._param.dtype, device=self._param.device)
        return _enumerate(values, self._batch_shape, expand, event=(n,))


# --- KL divergences, as PyTorch's ------------------------------------------------------------------------------
@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """KL = p_p (softplus(-l_q) - softplus(-l_p)) + (1 - p_p) (softplus(l_q) - softplus(l_p)), each term inf
    where q gives its outcome probability 0 and 0 where p does."""
    t1 = p.probs * (_softplus(-q.logits) - _softplus(-p.logits))
    t1 = ag.where(p.probs == 0, 0.0, ag.where(q.probs == 0, math.inf, t1))
    t2 = (1 - p.probs) * (_softplus(q.logits) - _softplus(p.logits))
    t2 = ag.where(p.probs == 1, 0.0, ag.where(q.probs == 1, math.inf, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """KL = sum_k p_k (l_p,k - l_q,k), a term inf where q_k = 0 and 0 where p_k = 0."""
    t = p.probs * (p.logits - q.logits)
    shape = tuple(t.shape)
    t = ag.where((q.probs == 0).expand(*shape), math.inf, t)
    t = ag.where((p.probs == 0).expand(*shape), 0.0, t)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    """The KL of the underlying Categoricals."""
    return _kl_categorical_categorical(p._categorical, q._categorical)
