"""The joint pre-trend test: a Wald test that all pre-programme effects are zero.

:class:`PretrendTest` holds the test and its row of ``did.csv``; :func:`wald` computes the
quadratic form. The event study refers it to an F distribution
(:meth:`wellby.estimators.event_study_results.EventStudyResult.pretrend`), Callaway-Sant'Anna to a
chi-squared one (:meth:`wellby.estimators.callaway_santanna.CallawaySantAnnaResult.pretrend`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PRETREND_COLUMNS", "PretrendTest", "wald"]

PRETREND_COLUMNS = [
    "outcome",
    "estimator",
    "term",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
    "statistic",
    "df1",
    "df2",
    "distribution",
]


def _fmt(v: float) -> str:
    return f"{v:g}" if np.isfinite(v) else "NaN"


@dataclass(frozen=True)
class PretrendTest:
    """Joint Wald test that all pre-programme effects (leads) are zero.

    Attributes
    ----------
    outcome : str
        Outcome column.
    estimator : str
        ``"event_study"`` or ``"callaway_santanna"``.
    statistic : float
        ``F = W / q`` for ``distribution == "F"``, the Wald statistic ``W`` for
        ``"chi2"``; NaN when there is no lead to test.
    df1 : int
        Number of restrictions ``q`` (leads tested).
    df2 : float or None
        Denominator degrees of freedom of the F distribution (``G - 1`` when clustered);
        ``None`` for chi2.
    p_value : float
        Upper-tail probability of ``statistic``.
    distribution : {"F", "chi2"}
        Reference distribution.
    terms : tuple of str
        The coefficients tested.
    n_obs : int
        Observations used by the model.
    n_clusters : int or None
        Clusters used by the model's covariance.
    note : str
        How the statistic was computed.

    """

    outcome: str
    estimator: str
    statistic: float
    df1: int
    df2: float | None
    p_value: float
    distribution: str
    terms: tuple[str, ...]
    n_obs: int
    n_clusters: int | None
    note: str

    @property
    def wald_statistic(self) -> float:
        """The chi-squared form ``W`` (equal to ``df1 * statistic`` for the F form)."""
        return self.statistic * self.df1 if self.distribution == "F" else self.statistic

    def tidy(self) -> pd.DataFrame:
        """Return one row in the ``did.csv`` layout, term ``"pretrend_wald"``.

        Returns
        -------
        DataFrame
            Columns ``outcome, estimator, term, estimate, std_error, ci_low, ci_high,
            p_value, n_obs, n_clusters`` (``estimate``, the standard error and the interval
            are empty: a test has no effect size) plus ``statistic, df1, df2,
            distribution``.

        """
        row = {
            "outcome": self.outcome,
            "estimator": self.estimator,
            "term": "pretrend_wald",
            "estimate": np.nan,
            "std_error": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": self.p_value,
            "n_obs": self.n_obs,
            "n_clusters": self.n_clusters,
            "statistic": self.statistic,
            "df1": self.df1,
            "df2": np.nan if self.df2 is None else self.df2,
            "distribution": self.distribution,
        }
        out = pd.DataFrame([row], columns=PRETREND_COLUMNS)
        out["n_clusters"] = out["n_clusters"].astype("Int64")
        return out

    def summary(self) -> str:
        """Return a one-line summary."""
        if self.df1 == 0:
            return f"Pre-trend test ({self.estimator}, {self.outcome}): no leads to test"
        dist = (
            f"F({self.df1}, {_fmt(self.df2 or np.nan)})"
            if self.distribution == "F"
            else (f"chi2({self.df1})")
        )
        return (
            f"Pre-trend test ({self.estimator}, {self.outcome}): all {self.df1} leads = 0, "
            f"{dist} = {self.statistic:.4g}, p = {self.p_value:.4g}"
        )


def wald(beta: np.ndarray, cov: np.ndarray) -> float:
    """Return ``beta' cov^-1 beta`` (pseudo-inverse when ``cov`` is singular, as pyfixest)."""
    try:
        sol = np.linalg.solve(cov, beta)
    except np.linalg.LinAlgError:
        sol = np.linalg.pinv(cov) @ beta
    return float(beta @ sol)
