"""Power of the event study's pre-trend test against a linear violation (Roth 2022).

A pre-trend test that does not reject is reassuring only if it could have detected the
violations of parallel trends that matter. Following Roth, J. (2022), "Pretest with
caution: event-study estimates after testing for parallel trends", *American Economic
Review: Insights* 4(3), 305-322, and his R package ``pretrends``
(github.com/jonathandroth/pretrends, version 0.1.0), this module computes, from the
event-study coefficients' covariance alone:

- the power of a pre-test against a hypothesised trend ``delta`` (the expected lead
  coefficients if parallel trends fail that way), :func:`rejection_probability_nis` and
  :func:`rejection_probability_wald`;
- the slope of a linear trend ``delta_t = slope x (t - reference)`` that the test detects
  with a given probability, :func:`slope_for_power` (``pretrends::slope_for_power``);
- ``pretrends::pretrends``'s power, Bayes factor, likelihood ratio and the expected
  coefficients after passing the pre-test, :func:`pretrends`;
- both tests' power for a wellby event study, :func:`event_study_pretrend_power`.

Two pre-tests are covered. ``pretrends`` (and Roth 2022) reject when *any* lead
coefficient is individually significant (``|b_t / se_t| > 1.96``; "NIS": passing means no
individually significant lead), with power ``1 - P(-c se < b < c se)`` for ``b ~ N(delta,
Sigma)``, a rectangle probability of the multivariate normal. wellby's event study reports
the *joint* Wald test (:meth:`~wellby.estimators.event_study_results.EventStudyResult.pretrend`,
``F = b' V^-1 b / q`` referred to ``F(q, df)``), whose power against ``delta`` is that of a
noncentral F with noncentrality ``lambda = delta' V^-1 delta`` (noncentral chi-squared
``chi2(q, lambda)`` when ``df`` is infinite), treating ``V`` as known, as the power of any
Wald test is computed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = [
    "PretrendsResult",
    "event_study_pretrend_power",
    "pretrends",
    "rejection_probability_nis",
    "rejection_probability_wald",
    "slope_for_power",
    "truncated_normal_mean",
]

Test = Literal["nis", "wald"]
PRETREND_POWER_COLUMNS = ["outcome", "test", "slope", "power", "target_power", "n_leads", "df",
                          "alpha"]
"""The columns of ``pretrend_power.csv``."""
_SEED = 20220601  # the quasi-Monte Carlo of scipy's multivariate normal CDF, made repeatable


def _box_probability(mean: np.ndarray, cov: np.ndarray, lower: np.ndarray,
                     upper: np.ndarray) -> float:
    """``P(lower <= X <= upper)`` for ``X ~ N(mean, cov)``."""
    if mean.size == 1:
        sd = math.sqrt(cov[0, 0])
        return float(stats.norm.cdf((upper[0] - mean[0]) / sd)
                     - stats.norm.cdf((lower[0] - mean[0]) / sd))
    return float(stats.multivariate_normal.cdf(
        upper, mean=mean, cov=cov, lower_limit=lower, abseps=1e-6, releps=0,
        maxpts=2_000_000 * mean.size, rng=np.random.default_rng(_SEED)))


def _pre(beta, sigma) -> tuple[np.ndarray, np.ndarray]:
    b = np.atleast_1d(np.asarray(beta, dtype=np.float64))
    s = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
    if s.shape != (b.size, b.size):
        raise ValueError(f"sigma must be {b.size} x {b.size}, not {s.shape}")
    if not np.allclose(s, s.T):
        raise ValueError("sigma must be symmetric")
    return b, s


def rejection_probability_nis(beta_pre, sigma_pre, threshold: float = 1.96) -> float:
    """Probability that some lead coefficient is individually significant.

    Parameters
    ----------
    beta_pre : array_like
        True (hypothesised) lead coefficients ``delta``.
    sigma_pre : array_like
        Their covariance.
    threshold : float, default 1.96
        Critical ``|t|`` of the individual tests (``pretrends``'s 1.96).

    Returns
    -------
    float
        ``1 - P(|b_t| <= threshold x se_t for all t)`` with ``b ~ N(beta_pre, sigma_pre)``:
        ``pretrends``'s ``rejectionProbability_NIS`` (``mvtnorm::pmvnorm`` there; scipy's
        Genz quasi-Monte Carlo here, absolute error 1e-6, fixed seed).
    """
    b, s = _pre(beta_pre, sigma_pre)
    ub = threshold * np.sqrt(np.diag(s))
    return 1.0 - _box_probability(b, s, -ub, ub)


def rejection_probability_wald(beta_pre, sigma_pre, *, alpha: float = 0.05,
                               df: float | None = None) -> float:
    """Power of the joint Wald test that every lead is zero.

    Parameters
    ----------
    beta_pre, sigma_pre : array_like
        True lead coefficients and their covariance.
    alpha : float, default 0.05
        Level of the test.
    df : float, optional
        Denominator degrees of freedom of the F test (the event study's ``df_resid``,
        ``G - 1`` when clustered); ``None`` or ``inf``: the chi-squared test.

    Returns
    -------
    float
        ``P(F > F_{1-alpha}(q, df))`` for ``F ~ F(q, df, lambda)``, ``lambda = beta'
        Sigma^-1 beta`` (chi-squared: ``P(W > chi2_{1-alpha}(q))``, ``W ~ chi2(q, lambda)``).
    """
    b, s = _pre(beta_pre, sigma_pre)
    lam = float(b @ np.linalg.solve(s, b))
    return _wald_power(lam, b.size, alpha, df)


def _wald_power(lam: float, q: int, alpha: float, df: float | None) -> float:
    if df is None or math.isinf(df):
        crit = stats.chi2.ppf(1 - alpha, q)
        return float(stats.ncx2.sf(crit, q, lam)) if lam > 0 else alpha
    crit = stats.f.ppf(1 - alpha, q, df)
    return float(stats.ncf.sf(crit, q, df, lam)) if lam > 0 else alpha


def slope_for_power(
    sigma,
    t: Sequence[float],
    *,
    target_power: float = 0.5,
    reference: float = 0,
    pre: Sequence[int] | None = None,
    test: Test = "nis",
    threshold: float = 1.96,
    alpha: float = 0.05,
    df: float | None = None,
) -> float:
    """Slope of the linear trend that the pre-test detects with ``target_power``.

    Parameters
    ----------
    sigma : array_like
        Covariance of the event-study coefficients (all, or the leads only).
    t : sequence of float
        Relative time of each coefficient (the reference period excluded).
    target_power : float, default 0.5
    reference : float, default 0
        The omitted period: the trend is ``slope x (t - reference)``.
    pre : sequence of int, optional
        Positions of the lead coefficients; default those with ``t < reference``.
    test : {"nis", "wald"}, default "nis"
        ``"nis"``: some lead individually significant at ``threshold``, as
        ``pretrends::slope_for_power``; ``"wald"``: the joint test at ``alpha`` with
        ``df``.
    threshold, alpha, df
        See :func:`rejection_probability_nis` and :func:`rejection_probability_wald`.

    Returns
    -------
    float
        The slope's magnitude (positive). NIS: the root of ``power(slope) = target``
        (``pretrends`` uses R's ``uniroot`` on ``[0, 8 max se]``; here Brent's method to
        1e-10). Wald: closed form, ``slope = sqrt(lambda* / (d' Sigma^-1 d))`` with
        ``d = t - reference`` and ``lambda*`` the noncentrality of power ``target``.
    """
    tt = np.asarray(t, dtype=np.float64)
    s = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
    if s.shape != (tt.size, tt.size):
        raise ValueError(f"sigma must be {tt.size} x {tt.size} to match t")
    idx = np.flatnonzero(tt < reference) if pre is None else np.asarray(pre, dtype=np.intp)
    if idx.size == 0:
        raise ValueError("no lead coefficients (t < reference) to test")
    s_pre = s[np.ix_(idx, idx)]
    d = tt[idx] - reference
    size = (rejection_probability_nis(0 * d, s_pre, threshold) if test == "nis" else alpha)
    if not size < target_power < 1:
        raise ValueError(f"target_power must be between the test's size ({size:.3g}) and 1")
    if test == "wald":
        q = idx.size
        lam = optimize.brentq(lambda v: _wald_power(v, q, alpha, df) - target_power,
                              1e-12, 1e4, xtol=1e-12)
        return math.sqrt(lam / float(d @ np.linalg.solve(s_pre, d)))
    if test != "nis":
        raise ValueError(f"test must be 'nis' or 'wald', not {test!r}")

    def gap(slope: float) -> float:
        return rejection_probability_nis(slope * d, s_pre, threshold) - target_power

    hi = 8 * float(np.sqrt(np.diag(s_pre)).max())
    while gap(hi) < 0:
        hi *= 2
    return float(optimize.brentq(gap, 0.0, hi, xtol=1e-10))


def truncated_normal_mean(mean, cov, lower, upper) -> np.ndarray:
    """Mean of ``N(mean, cov)`` truncated to the box ``[lower, upper]``.

    The first-moment formula of Tallis (1961) as Manjunath and Wilhelm give it ("Moments
    calculation for the doubly truncated multivariate normal density", 2012; *Journal of
    Behavioral Data Science*, 2021), which R's ``tmvtnorm::mtmvnorm`` (used by
    ``pretrends``) computes: ``E[X] = mean + cov F / P`` with ``P`` the box's probability
    and ``F_k = f_k(lower_k) - f_k(upper_k)``, ``f_k(x)`` the density of ``X_k`` at ``x``
    times the probability of the other coordinates' box given ``X_k = x``.
    """
    mu = np.atleast_1d(np.asarray(mean, dtype=np.float64))
    s = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    a = np.asarray(lower, dtype=np.float64) - mu
    b = np.asarray(upper, dtype=np.float64) - mu
    k = mu.size
    prob = _box_probability(np.zeros(k), s, a, b)
    f = np.zeros(k)
    for j in range(k):
        sd = math.sqrt(s[j, j])
        rest = [i for i in range(k) if i != j]
        for x, sign in ((a[j], 1.0), (b[j], -1.0)):
            if not math.isfinite(x):
                continue
            dens = stats.norm.pdf(x / sd) / sd
            if rest:
                c = s[rest, j] / s[j, j]
                cond = s[np.ix_(rest, rest)] - np.outer(c, s[j, rest])
                shift = c * x
                dens *= _box_probability(np.zeros(len(rest)), cond, a[rest] - shift,
                                         b[rest] - shift)
            f[j] += sign * dens
    return mu + s @ f / prob


@dataclass(frozen=True)
class PretrendsResult:
    """What ``pretrends::pretrends`` reports (see :func:`pretrends`).

    Attributes
    ----------
    power : float
        Probability that the NIS pre-test rejects under ``deltatrue``.
    bayes_factor : float
        ``(1 - power) / (1 - size)``: the probability of passing the pre-test under
        ``deltatrue`` relative to under parallel trends.
    likelihood_ratio : float
        Density of the estimated leads under ``deltatrue`` relative to under zero.
    size : float
        Rejection probability under parallel trends.
    event_plot : pandas.DataFrame
        ``t, betahat, deltatrue, se, mean_after_pretesting`` with the reference period
        added (``pretrends``'s ``df_eventplot``).
    """

    power: float
    bayes_factor: float
    likelihood_ratio: float
    size: float
    event_plot: pd.DataFrame


def pretrends(
    betahat,
    sigma,
    deltatrue,
    t: Sequence[float],
    *,
    reference: float = 0,
    pre: Sequence[int] | None = None,
    post: Sequence[int] | None = None,
    threshold: float = 1.96,
) -> PretrendsResult:
    """Power of the NIS pre-test against ``deltatrue`` and what passing it implies.

    The computations of ``pretrends::pretrends(betahat, sigma, deltatrue, tVec,
    referencePeriod)`` without its plots: power, Bayes factor and likelihood ratio
    (``df_power``) and the event-plot table with the expected coefficients conditional on
    passing the pre-test (``meanAfterPretesting``: the truncated-normal mean of the leads,
    and for the lags ``delta_post + Sigma_21 Sigma_11^-1 (E[b_pre | pass] - delta_pre)``).

    Parameters
    ----------
    betahat, sigma, deltatrue : array_like
        Estimated coefficients, their covariance and the hypothesised trend, in the
        order of ``t``.
    t : sequence of float
        Relative times (the reference period excluded).
    reference : float, default 0
    pre, post : sequence of int, optional
        Positions of the leads and lags; default ``t < reference`` and ``t > reference``.
    threshold : float, default 1.96

    Returns
    -------
    PretrendsResult
    """
    tt = np.asarray(t, dtype=np.float64)
    beta, s = _pre(betahat, sigma)
    delta = np.asarray(deltatrue, dtype=np.float64)
    if not (beta.size == delta.size == tt.size):
        raise ValueError("betahat, deltatrue and t must have the same length as sigma")
    pre_i = np.flatnonzero(tt < reference) if pre is None else np.asarray(pre, np.intp)
    post_i = np.flatnonzero(tt > reference) if post is None else np.asarray(post, np.intp)
    s_pre = s[np.ix_(pre_i, pre_i)]
    power = rejection_probability_nis(delta[pre_i], s_pre, threshold)
    size = rejection_probability_nis(0 * delta[pre_i], s_pre, threshold)
    dist = stats.multivariate_normal
    lr = float(dist.pdf(beta[pre_i], mean=delta[pre_i], cov=s_pre)
               / dist.pdf(beta[pre_i], mean=0 * delta[pre_i], cov=s_pre))
    ub = threshold * np.sqrt(np.diag(s_pre))
    mean_pre = truncated_normal_mean(delta[pre_i], s_pre, -ub, ub)
    s21 = s[np.ix_(post_i, pre_i)]
    mean_post = delta[post_i] + s21 @ np.linalg.solve(s_pre, mean_pre - delta[pre_i])
    after = np.full(tt.size, np.nan)
    after[pre_i], after[post_i] = mean_pre, mean_post
    plot = pd.DataFrame({"t": tt, "betahat": beta, "deltatrue": delta,
                         "se": np.sqrt(np.diag(s)), "mean_after_pretesting": after})
    if reference not in set(tt.tolist()):
        ref = pd.DataFrame([{"t": float(reference), "betahat": 0.0, "deltatrue": 0.0,
                             "se": 0.0, "mean_after_pretesting": 0.0}])
        plot = pd.concat([plot, ref]).sort_values("t", kind="stable").reset_index(drop=True)
    return PretrendsResult(power=power, bayes_factor=(1 - power) / (1 - size),
                           likelihood_ratio=lr, size=size, event_plot=plot)


def event_study_pretrend_power(
    result,
    *,
    target_powers: Sequence[float] = (0.5, 0.8),
    slopes: Sequence[float] = (),
    alpha: float | None = None,
) -> pd.DataFrame:
    """Power of an event study's pre-trend tests against linear violations.

    Parameters
    ----------
    result : wellby.estimators.event_study_results.EventStudyResult
        A fitted event study (its ``cov``, ``rel_times``, ``reference``, ``df_resid``).
    target_powers : sequence of float, default (0.5, 0.8)
        Powers for which the slope is found.
    slopes : sequence of float, default ()
        Slopes (outcome units per wave) at which the power is reported.
    alpha : float, optional
        Level of the tests (default: the event study's).

    Returns
    -------
    pandas.DataFrame
        Rows for each test, ``"joint_wald"`` (the event study's reported pre-trend test:
        F on ``q`` leads and ``df_resid`` degrees of freedom, noncentral F power) and
        ``"any_significant"`` (Roth's and ``pretrends``'s NIS test, each lead's ``|t|``
        against ``t_{1-alpha/2, df_resid}``), and each target power (``slope`` solved)
        or slope (``power`` computed): columns ``outcome, test, slope, power,
        target_power, n_leads, df, alpha``. The linear trend is ``slope x (e -
        reference)`` at each lead's relative time ``e`` (a binned end point counts at its
        bin's time). Empty when the event study has no leads.
    """
    alpha = result.alpha if alpha is None else alpha
    est = [e for e in result.rel_times if e != result.reference]
    pos = [i for i, e in enumerate(est) if e < 0]
    cols = PRETREND_POWER_COLUMNS
    if not pos:
        return pd.DataFrame(columns=cols)
    s_pre = np.asarray(result.cov)[np.ix_(pos, pos)]
    d = np.array([est[i] for i in pos], dtype=np.float64) - result.reference
    df = float(result.df_resid)
    threshold = float(stats.t.ppf(1 - alpha / 2, df))
    rows = []
    for test in ("joint_wald", "any_significant"):
        kind: Test = "wald" if test == "joint_wald" else "nis"
        for target in target_powers:
            slope = slope_for_power(s_pre, d, target_power=target, reference=0,
                                    pre=range(d.size), test=kind, threshold=threshold,
                                    alpha=alpha, df=df)
            rows.append((test, slope, target, target))
        for slope in slopes:
            power = (rejection_probability_wald(slope * d, s_pre, alpha=alpha, df=df)
                     if kind == "wald"
                     else rejection_probability_nis(slope * d, s_pre, threshold))
            rows.append((test, float(slope), power, math.nan))
    return pd.DataFrame(
        [{"outcome": result.outcome, "test": test, "slope": slope, "power": power,
          "target_power": target, "n_leads": len(pos), "df": df, "alpha": alpha}
         for test, slope, power, target in rows], columns=cols)


def pretrend_power(result: Any | None) -> pd.DataFrame:
    """Return :func:`event_study_pretrend_power` of a fitted event study, or its empty table.

    The estimate step writes this table for every outcome; without an event study (not
    configured, or no leads) it has the columns and no rows.
    """
    if result is None:
        return pd.DataFrame(columns=PRETREND_POWER_COLUMNS)
    return event_study_pretrend_power(result)
