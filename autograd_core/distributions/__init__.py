"""Probability distributions, as ``torch.distributions``: parameters are Tensors, and log_prob, entropy,
the moments and (where ``has_rsample``) rsample are differentiable w.r.t. them.

    import autograd_core as ag
    from autograd_core.distributions import Normal, kl_divergence
    mu = ag.tensor(0.0, requires_grad=True)
    d = Normal(mu, 1.0)
    d.log_prob(ag.tensor(0.5)).backward()     # mu.grad == 0.5

Files: ``constraints`` (supports), ``distribution`` (the base class), ``continuous``, ``gamma``,
``multivariate_normal``, ``discrete``, ``counts``, ``kl`` (kl_divergence and its registry), ``utils``.
"""

from . import constraints
from .continuous import Cauchy, Exponential, HalfNormal, Laplace, LogNormal, Normal, Uniform
from .counts import Binomial, Geometric, Multinomial, Poisson
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .gamma import Beta, Chi2, Dirichlet, Gamma, StudentT
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet", "Distribution", "Exponential",
           "Gamma", "Geometric", "HalfNormal", "Laplace", "LogNormal", "Multinomial", "MultivariateNormal", "Normal",
           "OneHotCategorical", "Poisson", "StudentT", "Uniform", "constraints", "kl_divergence", "register_kl"]
