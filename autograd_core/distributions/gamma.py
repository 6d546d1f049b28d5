"""The Gamma family, as ``torch.distributions``: Gamma, Chi2, Beta, Dirichlet, and StudentT (a normal over
the square root of a Chi2).

Draws come from Marsaglia and Tsang's method (2000), vectorized over every element on the device:
for alpha >= 1, with d = alpha - 1/3 and c = 1 / sqrt(9 d), draw x ~ N(0, 1), u ~ U(0, 1),
v = (1 + c x)^3 and accept d v when v > 0 and log u < x^2 / 2 + d - d v + d log v (acceptance > 95%;
rejected elements draw again). For alpha < 1, draw G ~ Gamma(alpha + 1) and return G u^(1 / alpha).
Beta and Dirichlet normalize independent Gamma draws: X_i = G_i / sum_j G_j.

These draws are not reparameterized (PyTorch differentiates them implicitly); ``has_rsample`` is False and
``sample`` carries no gradient. log_prob, entropy and the moments are differentiable.
"""

import math

import autograd_core as ag

from ..tensor import make_tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, standard_normal

__all__ = ["Beta", "Chi2", "Dirichlet", "Gamma", "StudentT"]


def _standard_gamma(concentration, shape):
    """Gamma(alpha, 1) draws of ``shape`` (alpha = ``concentration`` broadcast to it), as a Tensor, no grad."""
    backend = concentration._backend
    xp = backend.xp
    dt = concentration.dtype
    shape = tuple(shape)
    a = xp.broadcast_to(concentration.detach()._data, shape)
    boost = a < 1
    d = xp.where(boost, a + 1, a) - 1.0 / 3.0
    c = 1.0 / xp.sqrt(9.0 * d)
    out = xp.zeros(shape, dtype=dt)
    pending = xp.ones(shape, dtype=bool)
    while bool(backend.to_host(xp.any(pending))):
        x = backend.normal(shape, dt)
        u = 1 - backend.random(shape, dt)  # in (0, 1]
        v = (1 + c * x) ** 3
        positive = v > 0
        v = xp.where(positive, v, 1.0)
        accept = pending & positive & (xp.log(u) < 0.5 * x * x + d - d * v + d * xp.log(v))
        out = xp.where(accept, d * v, out)
        pending = pending & ~accept
    u = 1 - backend.random(shape, dt)
    out = xp.where(boost, out * u ** (1.0 / a), out)
    tiny = ag.finfo(dt).tiny
    return make_tensor(xp.maximum(out, tiny).astype(dt, copy=False), backend)


class Gamma(Distribution):
    """Gamma(concentration, rate): p(x) = beta^alpha x^(alpha - 1) exp(-beta x) / Gamma(alpha), x >= 0.

        log p(x) = alpha log beta + (alpha - 1) log x - beta x - lgamma(alpha)
        mean = alpha / beta     mode = max((alpha - 1) / beta, 0)     variance = alpha / beta^2
        H = alpha - log beta + lgamma(alpha) + (1 - alpha) digamma(alpha)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = False

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(tuple(self.concentration.shape), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = tuple(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with ag.no_grad():
            g = _standard_gamma(self.concentration, shape) / self.rate.detach()
            return g.clamp(min=ag.finfo(g.dtype).tiny)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return ag.xlogy(c, r) + ag.xlogy(c - 1, value) - r * value - ag.lgamma(c)

    def entropy(self):
        c = self.concentration
        return c - ag.log(self.rate) + ag.lgamma(c) + (1.0 - c) * ag.digamma(c)


class Chi2(Gamma):
    """Chi2(df): Gamma(df / 2, 1/2), the sum of df squared standard normals (mean df, variance 2 df)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self):
        return self.concentration * 2


class Dirichlet(Distribution):
    """Dirichlet(concentration): p(x) = prod_i x_i^(alpha_i - 1) / B(alpha) on the simplex, event_shape (K,).

        log p(x) = sum_i (alpha_i - 1) log x_i + lgamma(alpha_0) - sum_i lgamma(alpha_i),  alpha_0 = sum_i alpha_i
        mean = alpha / alpha_0     variance = alpha (alpha_0 - alpha) / (alpha_0^2 (alpha_0 + 1))
        mode = (alpha - 1)^+ / sum (alpha - 1)^+ (where every alpha_i < 1: the corner of the largest alpha_i)
        H = sum lgamma(alpha_i) - lgamma(alpha_0) - (K - alpha_0) digamma(alpha_0) - sum (alpha_i - 1) digamma(alpha_i)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = False

    def __init__(self, concentration, validate_args=None):
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = tuple(concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with ag.no_grad():
            g = _standard_gamma(self.concentration, shape)
            x = g / g.sum(-1, keepdim=True)
            return x.clamp(min=ag.finfo(x.dtype).tiny, max=1 - ag.finfo(x.dtype).eps)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return ag.xlogy(c - 1.0, value).sum(-1) + ag.lgamma(c.sum(-1)) - ag.lgamma(c).sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        c = self.concentration
        cm1 = (c - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        corner = (ag.arange(c.shape[-1], device=c.device) == c.argmax(-1, keepdim=True)).type_as(c)
        return ag.where((c < 1).all(-1, keepdim=True), corner, mode)

    @property
    def variance(self):
        c = self.concentration
        con0 = c.sum(-1, keepdim=True)
        return c * (con0 - c) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        a0 = c.sum(-1)
        return ag.lgamma(c).sum(-1) - ag.lgamma(a0) - (k - a0) * ag.digamma(a0) - ((c - 1.0) * ag.digamma(c)).sum(-1)


class Beta(Distribution):
    """Beta(concentration1, concentration0): p(x) = x^(a - 1) (1 - x)^(b - 1) / B(a, b) on [0, 1]; the Dirichlet
    of (a, b) at (x, 1 - x).

        log p(x) = (a - 1) log x + (b - 1) log(1 - x) + lgamma(a + b) - lgamma(a) - lgamma(b)
        mean = a / (a + b)     mode = (a - 1) / (a + b - 2)     variance = a b / ((a + b)^2 (a + b + 1))
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = False

    def __init__(self, concentration1, concentration0, validate_args=None):
        c1, c0 = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(ag.stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, tuple(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def sample(self, sample_shape=()):
        return self._dirichlet.sample(sample_shape)[..., 0]

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = ag.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self):
        return self._dirichlet.entropy()


class StudentT(Distribution):
    """StudentT(df, loc=0., scale=1.): Student's t with nu degrees of freedom, location mu, scale s.

        log p(x) = -(nu + 1)/2 log(1 + y^2 / nu) - Z,  y = (x - mu) / s,
        Z = log s + 1/2 log nu + 1/2 log pi + lgamma(nu / 2) - lgamma((nu + 1) / 2)
        mean = mu (nu > 1, else nan)    variance = s^2 nu / (nu - 2) (nu > 2; inf for 1 < nu <= 2; else nan)
        H = log s + (nu + 1)/2 (digamma((nu + 1)/2) - digamma(nu/2)) + 1/2 log nu + log B(nu/2, 1/2)
        sample: mu + s X / sqrt(V / nu), X ~ N(0, 1), V ~ Chi2(nu). No rsample here (the Chi2 draw is not
        reparameterized in this package).
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(tuple(self.df.shape), validate_args=validate_args)

    @property
    def mean(self):
        return ag.where(self.df > 1, self.loc, float("nan"))

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        v = self.scale.pow(2) * self.df / (self.df - 2)
        v = ag.where(self.df > 2, v, float("inf"))
        return ag.where(self.df > 1, v, float("nan"))

    def sample(self, sample_shape=()):
        with ag.no_grad():
            shape = self._extended_shape(sample_shape)
            x = standard_normal(shape, self.df)
            z = Chi2(self.df, validate_args=False).sample(sample_shape)
            return self.loc + self.scale * x * ag.rsqrt(z / self.df)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (ag.log(self.scale) + 0.5 * ag.log(self.df) + 0.5 * math.log(math.pi) + ag.lgamma(0.5 * self.df)
             - ag.lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * ag.log1p(y**2.0 / self.df) - z

    def entropy(self):
        lbeta = ag.lgamma(0.5 * self.df) + math.lgamma(0.5) - ag.lgamma(0.5 * (self.df + 1))
        return (ag.log(self.scale) + 0.5 * (self.df + 1) * (ag.digamma(0.5 * (self.df + 1))
                                                             - ag.digamma(0.5 * self.df))
                + 0.5 * ag.log(self.df) + lbeta)
