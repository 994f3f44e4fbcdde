"""Results of :func:`wellby.estimators.mixed_interaction.fit_mixed_by_level`.

One concern: the records of the pooled interaction mixed model (a level's change, a Wald
test, the whole result with its tidy table and summary), apart from the fit itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellby.estimators._results import Coefficient, EstimatorResult, coefficient_table

__all__ = ["HETEROGENEITY", "TIDY_COLUMNS", "LevelChange", "MixedByLevelResult", "WaldTest",
           "wave_label"]

HETEROGENEITY = "heterogeneity_wald"
"""Term of the joint test (as :data:`wellby.analysis.subgroups.HETEROGENEITY`)."""
TIDY_COLUMNS = ["outcome", "estimator", "level", "term", "estimate", "std_error", "ci_low",
                "ci_high", "p_value", "statistic", "df1", "distribution", "n_obs",
                "n_persons", "n_clusters", "note"]


@dataclass(frozen=True)
class LevelChange:
    """One level's change from the reference wave.

    Attributes
    ----------
    level, wave : object
        The level and the wave the change is to.
    coefficient : Coefficient
        Term ``change_<wave>_vs_<reference>``; every number NaN when not estimable.
    n_obs, n_persons : int
        The level's rows and distinct persons in the pooled fit.
    note : str
        Why the change is not estimable (empty when it is).
    """

    level: object
    wave: object
    coefficient: Coefficient
    n_obs: int
    n_persons: int
    note: str


@dataclass(frozen=True)
class WaldTest:
    """A Wald chi-square test that the changes are equal across levels.

    Attributes
    ----------
    term : str
        ``"heterogeneity_wald"`` for the joint test over every wave, else the change term
        (``change_<wave>_vs_<reference>``) whose equality across levels is tested.
    wave : object or None
        The wave of a per-wave test (None for the joint test).
    statistic, p_value : float
        Chi-square statistic and its upper-tail p-value (NaN when nothing is tested).
    df : int
        Degrees of freedom (the contrasts tested).
    levels : tuple
        The levels compared.
    note : str
        What is tested, or why not.
    """

    term: str
    wave: object | None
    statistic: float
    df: int
    p_value: float
    levels: tuple
    note: str


@dataclass(frozen=True, eq=False)
class MixedByLevelResult(EstimatorResult):
    """Results of :func:`fit_mixed_by_level`.

    Attributes
    ----------
    outcome, person, wave, level : str
        Columns used.
    estimator : str
        ``"mixed_cohort_interaction"``.
    reference : object
        The reference wave.
    waves, levels : tuple
        Waves (sorted) and levels (category or sorted order; the first is R's base level)
        in the estimation sample.
    changes : tuple of LevelChange
        Level by level, one per non-reference wave.
    tests : tuple of WaldTest
        The joint test first, then one per non-reference wave.
    fixed_effects : pandas.Series
        Treatment-coded coefficients as R names them after ``lmer(y ~ factor(wave) *
        level + ...)`` (``(Intercept)``, ``wave[w]``, ``level[l]``, ``wave[w]:level[l]``,
        then covariates); NaN where a cell they need is not observed.
    cov_params : pandas.DataFrame
        Their model-based covariance.
    re_variance, residual_variance : float
        Between-person and residual variances.
    log_likelihood : float
        The (REML or ML) log-likelihood.
    reml : bool
        Whether REML was used.
    alpha : float
        Significance level of the intervals.
    n_obs, n_clusters, n_dropped_missing : int
        Rows used, persons used, rows dropped for a missing value.
    converged : bool
        statsmodels' convergence flag.
    warnings : tuple of str
        Warnings raised during the fit, captured.
    """

    outcome: str
    person: str
    wave: str
    level: str
    estimator: str
    reference: object
    waves: tuple
    levels: tuple
    changes: tuple[LevelChange, ...]
    tests: tuple[WaldTest, ...]
    fixed_effects: pd.Series
    cov_params: pd.DataFrame
    re_variance: float
    residual_variance: float
    log_likelihood: float
    reml: bool
    alpha: float
    n_obs: int
    n_clusters: int
    n_dropped_missing: int
    converged: bool
    warnings: tuple[str, ...]

    def change(self, level, wave) -> LevelChange:
        """Return ``level``'s change to ``wave`` (KeyError if it is not in the result)."""
        for item in self.changes:
            if item.level == level and item.wave == wave:
                return item
        raise KeyError((level, wave))

    def test(self, term: str = HETEROGENEITY) -> WaldTest:
        """Return the joint test, or the per-wave test of ``term``."""
        for item in self.tests:
            if item.term == term:
                return item
        raise KeyError(term)

    def tidy(self) -> pd.DataFrame:
        """Return one row per level and change, then one per test.

        Returns
        -------
        pandas.DataFrame
            :data:`TIDY_COLUMNS`. A test row has ``level`` ``"heterogeneity_wald"``, its
            statistic, ``df1`` and ``distribution`` ``"chi2"``, and no estimate.
        """
        rows = [{"level": c.level, "term": c.coefficient.term,
                 "estimate": c.coefficient.estimate, "std_error": c.coefficient.std_error,
                 "ci_low": c.coefficient.ci_low, "ci_high": c.coefficient.ci_high,
                 "p_value": c.coefficient.p_value, "n_obs": c.n_obs,
                 "n_persons": c.n_persons, "note": c.note} for c in self.changes]
        rows += [{"level": HETEROGENEITY, "term": t.term, "statistic": t.statistic,
                  "df1": t.df, "distribution": "chi2", "p_value": t.p_value,
                  "n_obs": self.n_obs, "n_persons": self.n_clusters, "note": t.note}
                 for t in self.tests]
        table = pd.DataFrame(rows).reindex(columns=TIDY_COLUMNS)
        table["outcome"], table["estimator"] = self.outcome, self.estimator
        table["n_clusters"] = self.n_clusters
        return table

    def summary(self) -> str:
        """Return a readable multi-line summary."""
        method = "REML" if self.reml else "ML"
        lines = [f"Random-intercept mixed model by level ({method}): {self.outcome} ~ "
                 f"{self.wave} x {self.level}, reference wave {wave_label(self.reference)}",
                 f"  N = {self.n_obs:,} observations of {self.n_clusters:,} persons; dropped "
                 f"{self.n_dropped_missing:,} with missing values",
                 f"  random-intercept variance {self.re_variance:.6g}, residual variance "
                 f"{self.residual_variance:.6g}",
                 f"  converged: {'yes' if self.converged else 'NO'}",
                 *(f"  warning: {w}" for w in self.warnings)]
        for level in self.levels:
            own = [c for c in self.changes if c.level == level]
            lines += ["", f"  level {level}:",
                      *coefficient_table([c.coefficient for c in own], self.alpha, "z")]
        lines.append("")
        for t in self.tests:
            lines.append(f"  {t.term}: chi2({t.df}) = {t.statistic:.4g}, p = {t.p_value:.4g}"
                         f" ({t.note})")
        return "\n".join(lines)


def wave_label(value) -> str:
    """Format a wave or level for a term name: 2018.0 gives "2018"."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
