"""Weighting of comparison areas: entropy balancing and inverse probability (config-free).

- :func:`entropy_balance`: Hainmueller (2012) entropy balancing, by minimising its convex
  dual with ``scipy.optimize`` (trust-region Newton with exact gradient and Hessian, then
  MINPACK's ``hybrd`` on the gradient to reach balance to rounding). The Python
  implementations on PyPI were judged and not used at run time: ``ebal`` 1.0.0 (one
  author, beta) prints to standard output by default, rotates the covariates by PCA by
  default and stops at a balance tolerance of 1e-4; Google's ``empirical-calibration``
  0.12 (last release May 2024) adds ``absl-py``, ``six`` and ``patsy`` for a 30-line
  problem; Meta's ``balance`` has no entropy balancing. The tests check these weights
  against ``ebal`` (a test-only dependency) and against the defining properties (exact
  balance, positive weights, minimum KL divergence).
- :func:`inverse_probability_weights`: ATT odds weights from
  :func:`wellby.analysis.comparison_methods.propensity_scores`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special

from wellby.analysis.comparison_methods import TREATED, _design, propensity_scores
from wellby.errors import ConfigError, DataError

__all__ = ["entropy_balance", "inverse_probability_weights"]

_BALANCE_TOL = 1e-10
"""Largest remaining imbalance of a standardised covariate that counts as balanced."""


def _moment_matrix(features: pd.DataFrame, covariates: Sequence[str], moments: int
                   ) -> tuple[np.ndarray, list[str]]:
    """Covariates and, for moments=2, the squares of the non-binary ones."""
    columns, names = [], []
    for name in covariates:
        values = features[name].to_numpy(dtype=float)
        columns.append(values)
        names.append(name)
        binary = np.isin(values, (0.0, 1.0)).all()
        if moments == 2 and not binary:
            columns.append(values**2)
            names.append(f"{name}^2")
    return np.column_stack(columns), names


def entropy_balance(features: pd.DataFrame, covariates: Sequence[str], *, moments: int = 1
                    ) -> pd.Series:
    """Entropy balancing weights for the comparison areas (Hainmueller 2012).

    Parameters
    ----------
    features : pandas.DataFrame
        One row per area with a boolean ``treated`` column and the covariates.
    covariates : sequence of str
        Covariates to balance.
    moments : {1, 2}
        Balance means (1), or means and variances (2: the squares of the non-binary
        covariates are balanced too).

    Returns
    -------
    pandas.Series
        Weight per area named ``weight``: 1 for programme areas; for comparison areas the
        weights closest to uniform (minimum Kullback-Leibler divergence) whose weighted
        means equal the programme areas' means, scaled to sum to the number of
        comparison areas.

    Raises
    ------
    DataError
        When the programme areas' mean of a covariate lies outside the comparison areas'
        range (no positive weights can balance it), or the balance cannot be reached.

    Notes
    -----
    The weights are ``w_j ∝ exp(λ'x_j)``, with ``λ`` minimising the convex dual
    ``log Σ_j exp(λ'(x_j - m))``, ``m`` the programme areas' means; the covariates are
    standardised first for a well-conditioned problem.
    """
    if moments not in (1, 2):
        raise ConfigError(f"moments must be 1 or 2, not {moments}")
    treat, _ = _design(features, covariates)
    x, names = _moment_matrix(features, covariates, moments)
    target = x[treat].mean(axis=0)
    xc = x[~treat]
    for j, name in enumerate(names):
        low, high = xc[:, j].min(), xc[:, j].max()
        if low == high == target[j]:
            continue
        if not low < target[j] < high:
            raise DataError(
                f"entropy balancing is impossible: the programme areas' mean of {name} "
                f"({target[j]:.6g}) is not strictly inside the comparison areas' range "
                f"({low:.6g} to {high:.6g}), so no positive weights reach it; drop the "
                "covariate or use matching", column=name)
    spread = xc.std(axis=0)
    varied = spread > 0
    z = (xc[:, varied] - target[varied]) / spread[varied]

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray]:
        eta = z @ lam
        p = np.exp(eta - special.logsumexp(eta))
        return special.logsumexp(eta), z.T @ p

    def hessian(lam: np.ndarray) -> np.ndarray:
        eta = z @ lam
        p = np.exp(eta - special.logsumexp(eta))
        mean = z.T @ p
        return (z * p[:, None]).T @ z - np.outer(mean, mean)

    fit = optimize.minimize(dual, np.zeros(z.shape[1]), jac=True, hess=hessian,
                            method="trust-exact", options={"gtol": 1e-12, "maxiter": 500})
    lam = fit.x
    if np.abs(dual(lam)[1]).max() > _BALANCE_TOL * 1e-2:
        # Near the optimum the dual is flat to rounding and trust regions stall: solve
        # gradient = 0 by Newton's method (MINPACK hybrd with the exact Jacobian).
        polished = optimize.root(lambda v: dual(v)[1], lam, jac=hessian, method="hybr",
                                 options={"xtol": 1e-15})
        if np.abs(polished.fun).max() < np.abs(dual(lam)[1]).max():
            lam = polished.x
    eta = z @ lam
    w = np.exp(eta - special.logsumexp(eta))
    gap = np.abs(z.T @ w)
    if not np.isfinite(gap).all() or gap.max() > _BALANCE_TOL:
        worst = [str(n) for n, g in zip(np.array(names)[varied], gap, strict=True)
                 if not g <= _BALANCE_TOL]
        raise DataError(
            f"entropy balancing did not converge: {worst} stay unbalanced (the programme "
            "areas' means lie outside what the comparison areas can reach together); drop "
            "covariates or use matching", column=worst[0] if worst else None)
    weights = np.ones(len(treat))
    weights[~treat] = w * len(w)
    return pd.Series(weights, index=features.index, name="weight")


def inverse_probability_weights(features: pd.DataFrame, covariates: Sequence[str]
                                ) -> pd.Series:
    """ATT inverse-probability (odds) weights.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per area with a boolean ``treated`` column and the covariates.
    covariates : sequence of str
        Covariates of the propensity model (:func:`propensity_scores`).

    Returns
    -------
    pandas.Series
        Weight per area named ``weight``: 1 for programme areas, ``p/(1-p)`` for
        comparison areas, scaled so the comparison weights sum to their number.
    """
    p = propensity_scores(features, covariates).to_numpy()
    treat = features[TREATED].to_numpy(dtype=bool)
    odds = p[~treat] / (1 - p[~treat])
    weights = np.ones(len(p))
    weights[~treat] = odds * len(odds) / odds.sum()
    return pd.Series(weights, index=features.index, name="weight")
