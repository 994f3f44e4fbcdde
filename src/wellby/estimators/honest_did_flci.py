"""Robust confidence intervals under smoothness bounds ``Delta^SD(M)`` (Rambachan and Roth 2023).

- :func:`flci`, the optimal fixed-length confidence interval (R HonestDiD's
  ``findOptimalFLCI``): the worst-case bias given the estimator's standard deviation is a
  small second-order-cone programme in R (CVXR/ECOS); here it is written in the cumulative
  weights ``c`` (``bias = const + |sum(w)| + ||c||_1``) and solved by SLSQP, and the
  folded-normal quantile is computed exactly rather than from 10^6 draws;
- :func:`sd_upper_bound_m`, R's ``DeltaSD_upperBound_Mpre``, the default top of the ``M``
  grid.

The relative-magnitude sets, the original interval and the identified sets are in
:mod:`wellby.estimators.honest_did_inference`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from wellby.estimators.distributions import normal_quantile
from wellby.estimators.honest_did_inference import sd_matrix

__all__ = ["FlciProblem", "FlciResult", "flci", "sd_upper_bound_m"]

# --------------------------------------------------------------------------- Delta^SD


def sd_upper_bound_m(
    betahat: np.ndarray, sigma: np.ndarray, n_pre: int, alpha: float = 0.05
) -> float:
    """Return an upper confidence bound on the largest pre-period second difference.

    R's ``DeltaSD_upperBound_Mpre``, the default top of the ``M`` grid; needs ``n_pre >= 2``.
    """
    if n_pre < 2:
        raise ValueError("the upper bound on M needs at least two pre-period coefficients")
    a = sd_matrix(n_pre, 0)
    b = betahat[:n_pre]
    s = sigma[:n_pre, :n_pre]
    se = np.sqrt(np.clip(np.diag(a @ s @ a.T), 0.0, None))
    return float(np.max(a @ b + normal_quantile(1 - alpha) * se))


def _folded_normal_quantile(p: float, mu: float) -> float:
    """``p``-quantile of ``|N(mu, 1)|`` (R's ``.qfoldednormal``, there by 10^6 draws)."""
    mu = abs(mu)

    def f(c: float) -> float:  # ndtr is stats.norm.cdf without its per-call checks
        return special.ndtr(c - mu) - special.ndtr(-c - mu) - p

    return float(optimize.brentq(f, 0.0, mu + 10.0, xtol=1e-14, rtol=1e-14))


@dataclass(frozen=True)
class FlciResult:
    """An optimal fixed-length confidence interval and its estimator."""

    lb: float
    ub: float
    estimate: float  # the affine estimator v' betahat, centre of the interval
    half_length: float
    weights: np.ndarray  # v: pre-period weights, then l_vec
    h: float  # standard deviation of the estimator
    max_bias: float  # its worst-case bias over Delta^SD(M)


class FlciProblem:
    """The bias-variance frontier of the affine estimators of one target (R's ``flci.R``).

    An estimator ``v' betahat`` with ``v = (lpre, l_vec)`` has a bounded worst-case bias over
    ``Delta^SD(M)`` only if it is unbiased under linear trends. R writes ``lpre_k = w_k -
    w_{k-1}`` with ``sum(w) = sum_t t l_t``; here ``w = diff(c)`` with ``c`` the cumulative sums
    of ``w`` (``c_K = sum_t t l_t`` fixed), so that the worst-case bias is
    ``M (const + |c_K| + ||c_{1:K-1}||_1)`` and the variance a quadratic in ``c``.
    """

    def __init__(self, sigma: np.ndarray, n_pre: int, n_post: int, l_vec: np.ndarray) -> None:
        k = n_pre
        self.n_pre = n_pre
        self.l_vec = l_vec
        t = np.arange(1, n_post + 1)
        s_w = float(t @ l_vec)
        const = sum(abs(float(np.arange(1, s + 1) @ l_vec[n_post - s :])) for s in t) - s_w
        self.bias0 = const + abs(s_w)  # bias per unit M at c_{1:K-1} = 0
        # lpre = D w, w = diff((0, c_1..c_{K-1}, s_w)): lpre = E c + f
        d = np.eye(k) - np.eye(k, k=-1)
        diff = np.zeros((k, k - 1))
        for j in range(k - 1):
            diff[j, j] = 1.0
            diff[j + 1, j] = -1.0
        w_const = np.zeros(k)
        w_const[-1] = s_w
        self.e = d @ diff
        self.f = d @ w_const
        s_pre = sigma[:n_pre, :n_pre]
        s_pp = sigma[:n_pre, n_pre:] @ l_vec
        s_post = float(l_vec @ sigma[n_pre:, n_pre:] @ l_vec)
        # var(c) = c'Qc + 2 q'c + q0
        self.q = self.e.T @ s_pre @ self.e
        self.qv = self.e.T @ (s_pre @ self.f + s_pp)
        self.q0 = float(self.f @ s_pre @ self.f + 2 * self.f @ s_pp + s_post)
        self.m = k - 1
        if self.m:
            self.c_min = -np.linalg.lstsq(self.q, self.qv, rcond=None)[0]
        else:
            self.c_min = np.zeros(0)
        self.h_min = math.sqrt(max(self.var(self.c_min), 0.0))
        self.h0 = math.sqrt(max(self.q0, 0.0))
        self._cache: dict[float, np.ndarray] = {}

    def var(self, c: np.ndarray) -> float:
        """Return the variance of the estimator with cumulative weights ``c``."""
        return float(c @ self.q @ c + 2 * self.qv @ c + self.q0)

    def bias(self, c: np.ndarray) -> float:
        """Return the worst-case bias of the estimator with cumulative weights ``c``."""
        return self.bias0 + float(np.sum(np.abs(c)))

    def weights(self, c: np.ndarray) -> np.ndarray:
        """Return the estimator's weights ``(lpre, l_vec)`` on ``betahat``."""
        return np.concatenate([self.e @ c + self.f, self.l_vec])

    def min_bias_given_h(self, h: float) -> np.ndarray:
        """``c`` minimising ``||c||_1`` subject to ``var(c) <= h^2`` (SLSQP, cached)."""
        if h in self._cache:
            return self._cache[h]
        m = self.m
        if m == 0 or h >= self.h0:
            c = np.zeros(m)
        elif h <= self.h_min:
            c = self.c_min.copy()
        else:
            scale = max(self.h0**2, 1e-300)
            # variables x = (c, u), u >= |c|
            def obj(x):
                return float(np.sum(x[m:]))

            def obj_grad(x):
                return np.concatenate([np.zeros(m), np.ones(m)])

            def var_con(x):
                return (h**2 - self.var(x[:m])) / scale

            def var_jac(x):
                return np.concatenate([-(2 * self.q @ x[:m] + 2 * self.qv), np.zeros(m)]) / scale

            eye = np.eye(m)
            lin = np.vstack([np.hstack([-eye, eye]), np.hstack([eye, eye])])  # u - c, u + c >= 0
            # start on the segment from c_min (feasible) towards 0 (least bias)
            frac = (h - self.h_min) / max(self.h0 - self.h_min, 1e-300)
            c0 = self.c_min * (1 - frac) ** 2
            if self.var(c0) > h**2:
                c0 = self.c_min.copy()
            x0 = np.concatenate([c0, np.abs(c0) + 1e-12])
            res = optimize.minimize(
                obj,
                x0,
                jac=obj_grad,
                method="SLSQP",
                constraints=[
                    {"type": "ineq", "fun": var_con, "jac": var_jac},
                    {"type": "ineq", "fun": lambda x: lin @ x, "jac": lambda x: lin},
                ],
                options={"ftol": 1e-15, "maxiter": 500},
            )
            c = res.x[:m]
            if self.var(c) > h**2 * (1 + 1e-6) or not np.all(np.isfinite(c)):
                c = self.c_min.copy()
        self._cache[h] = c
        return c

    def half_length(self, h: float, m_bound: float, alpha: float) -> float:
        """Half-length of the FLCI of the least-biased estimator with standard deviation h."""
        return self.interval(self.min_bias_given_h(h), m_bound, alpha)[0]

    def interval(self, c: np.ndarray, m_bound: float, alpha: float) -> tuple[float, float]:
        """``(half_length, max_bias)`` of the FLCI of the estimator ``c`` (its own sd)."""
        sd = math.sqrt(max(self.var(c), 0.0))
        bias = m_bound * self.bias(c)
        if sd == 0:
            return bias, bias
        return _folded_normal_quantile(1 - alpha, bias / sd) * sd, bias


def flci(
    betahat: np.ndarray,
    sigma: np.ndarray,
    n_pre: int,
    n_post: int,
    l_vec: np.ndarray,
    m_bound: float,
    alpha: float = 0.05,
    *,
    problem: FlciProblem | None = None,
) -> FlciResult:
    """Optimal FLCI for ``l_vec' tau_post`` under ``Delta^SD(M)`` (R's ``findOptimalFLCI``).

    Among affine estimators ``v' betahat``, choose the standard deviation ``h`` (between that of
    the minimum-variance and that of the minimum-bias estimator) and, given ``h``, the
    estimator of least worst-case bias ``b(h)``, to minimise the half-length ``h cv(M b(h) /
    h)``, ``cv(t)`` the ``1 - alpha`` quantile of ``|N(t, 1)|``.
    """
    prob = problem if problem is not None else FlciProblem(sigma, n_pre, n_post, l_vec)
    h_lo, h_hi = prob.h_min, prob.h0
    if m_bound == 0 or h_hi - h_lo <= 1e-12 * max(h_hi, 1e-300):
        h_star = h_lo if m_bound == 0 else h_hi
    else:
        res = optimize.minimize_scalar(
            lambda h: prob.half_length(h, m_bound, alpha),
            bounds=(h_lo, h_hi),
            method="bounded",
            options={"xatol": 1e-10 * h_hi},
        )
        cands = [(float(res.fun), float(res.x))] if res.success else []
        cands += [(prob.half_length(h, m_bound, alpha), h) for h in (h_lo, h_hi)]
        h_star = min(cands)[1]
    c = prob.min_bias_given_h(h_star)
    half, bias = prob.interval(c, m_bound, alpha)
    v = prob.weights(c)
    est = float(v @ betahat)
    return FlciResult(est - half, est + half, est, half, v, math.sqrt(max(prob.var(c), 0.0)), bias)
