"""The counting distributions, as PyTorch's ``torch.distributions``; p = probs, l = logits, n = total_count.

    Binomial(n, p | l)          P(k) = C(n, k) p^k (1 - p)^(n - k), k in {0..n}
    Poisson(rate)               P(k) = rate^k e^-rate / k!, k in {0, 1, ...}
    Geometric(p | l)            P(k) = (1 - p)^k p: k failures before the first success, k in {0, 1, ...}
    Multinomial(n, p | l)       P(x) = n! / prod_i x_i! prod_i p_i^x_i, x_i >= 0, sum_i x_i = n

As in discrete.py: log_prob and entropy differentiable w.r.t. the parameters, samples from the device's
generator without gradient, and the KL rules within a family registered with ``register_kl``.
"""

import math

import numpy

import autograd_core as ag

from . import constraints
from .discrete import Categorical, _Binary, _enumerate, _expanded, _multinomial, _softplus
from .distribution import Distribution
from .kl import register_kl
from .utils import broadcast_all, standard_uniform

__all__ = ["Binomial", "Geometric", "Multinomial", "Poisson"]


class Binomial(_Binary):
    """Binomial(total_count=1, probs=None, logits=None, validate_args=None): successes in n Bernoulli(p) trials.

    log P(k) = k l - n softplus(l) + lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
    H = -sum_{k=0}^{n} P(k) log P(k) (one n for the whole batch);  mean n p, variance n p (1 - p),
    mode min(floor((n + 1) p), n)."""

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        count, param = broadcast_all(total_count, probs if probs is not None else logits)
        self.total_count = count.type_as(param)  # set before the parameters are validated
        self._set_param(param if probs is not None else None, param if logits is not None else None, validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand(Binomial, tuple(batch_shape), _instance, ("total_count", "probs", "logits"))

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    mean = property(lambda self: self.total_count * self.probs)
    mode = property(lambda self: ag.clamp(((self.total_count + 1) * self.probs).floor(), max=self.total_count))
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with ag.no_grad():
            return ag.binomial(self.total_count.expand(*shape), self.probs.expand(*shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_binom = ag.lgamma(n + 1) - ag.lgamma(value + 1) - ag.lgamma(n - value + 1)
        return value * logits - n * _softplus(logits) + log_binom

    def _homogeneous_count(self, what):
        """The one total_count of the batch (entropy and enumerate_support need a single n)."""
        n = int(self.total_count.max())
        if not bool(self.total_count.min() == n):
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return n

    def entropy(self):
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(ag.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        n = self._homogeneous_count("enumerate_support")
        return _enumerate(ag.arange(1 + n, dtype=self._param.dtype, device=self._param.device), self._batch_shape,
                          expand)


class Poisson(Distribution):
    """Poisson(rate, validate_args=None): log P(k) = k log(rate) - rate - lgamma(k + 1) (0 log 0 = 0);
    mean = variance = rate, mode floor(rate). (PyTorch has no Poisson entropy; neither is there one here.)"""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(tuple(self.rate.shape), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Poisson, _instance)
        new.rate = self.rate.expand(*batch_shape)
        return _expanded(self, new, batch_shape)

    mean = property(lambda self: self.rate)
    mode = property(lambda self: self.rate.floor())
    variance = mean

    def sample(self, sample_shape=()):
        with ag.no_grad():
            return ag.poisson(self.rate.expand(*self._extended_shape(sample_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return ag.xlogy(value, rate) - rate - ag.lgamma(value + 1)


class Geometric(_Binary):
    """Geometric(probs=None, logits=None, validate_args=None): the number k of failures before the first
    success of Bernoulli(p) trials, p in (0, 1].

    log P(k) = k log(1 - p) + log p;  H = (softplus(l) - p l) / p;  mean 1/p - 1, variance (1/p - 1)/p,
    mode 0. A draw is floor(log(u) / log(1 - p)), u ~ U(tiny, 1)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_param(probs, logits, validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                raise ValueError(f"Expected parameter probs ({type(value).__name__} of shape {tuple(value.shape)}) "
                                 f"of distribution {self!r} to be positive but found invalid values:\n"
                                 f"{value.detach()[~valid]}")

    def expand(self, batch_shape, _instance=None):
        return self._expand(Geometric, tuple(batch_shape), _instance)

    mean = property(lambda self: 1.0 / self.probs - 1.0)
    mode = property(lambda self: ag.zeros_like(self.probs))
    variance = property(lambda self: (1.0 / self.probs - 1.0) / self.probs)

    def sample(self, sample_shape=()):
        probs = self.probs.detach()
        u = ag.clamp(standard_uniform(self._extended_shape(sample_shape), probs), min=ag.finfo(probs.dtype).tiny)
        with numpy.errstate(divide="ignore"):  # log(1 - p) = -inf at p = 1: every draw is 0
            return (ag.log(u) / ag.log1p(-probs)).floor()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = ag.where((probs == 1) & (value == 0), 0.0, probs)  # 0 log(1 - 1) = 0 at k = 0, p = 1
        with numpy.errstate(divide="ignore"):  # P(k > 0) = 0 at p = 1
            return value * ag.log1p(-probs) + ag.log(self.probs)

    def entropy(self):
        return (_softplus(self.logits) - self.probs * self.logits) / self.probs


class Multinomial(Distribution):
    """Multinomial(total_count=1, probs=None, logits=None, validate_args=None): counts x of n Categorical(p)
    draws over the last dimension.

    log P(x) = lgamma(sum_i x_i + 1) - sum_i lgamma(x_i + 1) + sum_i x_i l_i (0 * -inf = 0);
    H = n H_cat - lgamma(n + 1) + sum_i sum_{k=1}^{n} Binomial(n, p_i)(k) lgamma(k + 1);
    mean n p, variance n p (1 - p)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int) or isinstance(total_count, bool):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        return _expanded(self, new, batch_shape, self.event_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return _multinomial(self.total_count)

    probs = property(lambda self: self._categorical.probs)
    logits = property(lambda self: self._categorical.logits)
    param_shape = property(lambda self: self._categorical.param_shape)
    mean = property(lambda self: self.probs * self.total_count)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))

    def sample(self, sample_shape=()):
        sample_shape = (sample_shape,) if isinstance(sample_shape, int) else tuple(sample_shape)
        with ag.no_grad():
            counts = ag.zeros(self._extended_shape(sample_shape), dtype=ag.int64, device=self.probs.device)
            if self.total_count > 0:
                draws = self._categorical.sample((self.total_count,) + sample_shape)
                draws = draws.permute(*range(1, draws.ndim), 0)  # the n draws last: counts[..., k] += 1 per draw
                counts = counts.scatter_add(-1, draws, draws.new_ones(tuple(draws.shape)))
            return counts.to(dtype=self.probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = ag.where((value == 0) & (logits == -math.inf), 0.0, logits)
        return ag.lgamma(value.sum(-1) + 1) - ag.lgamma(value + 1).sum(-1) + (logits * value).sum(-1)

    def entropy(self):
        n = self.total_count
        binom = Binomial(n, probs=self.probs, validate_args=False)
        support = binom.enumerate_support(expand=False)[1:]
        weights = ag.lgamma(support + 1)
        term2 = (ag.exp(binom.log_prob(support)) * weights).sum(0).sum(-1)
        return n * self._categorical.entropy() - math.lgamma(n + 1) + term2


# --- KL divergences, as PyTorch's ------------------------------------------------------------------------------
@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    """KL = r_p (log r_p - log r_q) - (r_p - r_q)."""
    return p.rate * (ag.log(p.rate) - ag.log(q.rate)) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    """KL = -H(p) - log(1 - q) / p - l_q  (p, q the success probabilities, l_q q's logit)."""
    return -p.entropy() - ag.log1p(-q.probs) / p.probs - q.logits
