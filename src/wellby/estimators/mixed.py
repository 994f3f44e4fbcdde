r"""Random-intercept mixed model for a cohort followed over waves.

The Big Local evaluation surveyed a cohort of partnership members in 2016, 2018 and 2020
and reported how their wellbeing changed from the first wave. :func:`fit_mixed_cohort`
estimates those changes with a linear mixed model with a random intercept per person,

.. math::

    y_{it} = \alpha + \sum_{w \neq r} \beta_w [t = w] + x_{it}'\gamma + u_i
    + \varepsilon_{it}, \quad u_i \sim N(0, \sigma_u^2),
    \quad \varepsilon_{it} \sim N(0, \sigma_e^2),

that is ``outcome ~ C(wave, Treatment(reference)) + covariates`` with groups = person,
fitted by REML with :func:`wellby.estimators.random_intercept.fit_random_intercept`. Each
``beta_w`` is the change from the reference wave ``r`` (term ``change_<w>_vs_<r>``). The
random intercept uses every person's answers, including people seen in only some waves,
and gives the within-person precision of a paired comparison when the cohort is complete.

The fit itself is :func:`_fit_random_intercept` (any design matrix), which the reference
tests also call directly with lme4's ``Weight ~ Time + (1 | Pig)`` example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellby.estimators._results import (
    TIDY_COLUMNS,
    Coefficient,
    EstimatorResult,
    coefficient_table,
)
from wellby.estimators.distributions import normal_quantile, normal_sf

__all__ = ["MixedCohortResult", "fit_mixed_cohort"]

ESTIMATOR = "mixed_cohort"


@dataclass(frozen=True, eq=False)
class _MixedFit:
    """Raw output of :func:`_fit_random_intercept` (fixed effects in design order)."""

    params: pd.Series
    std_errors: pd.Series
    cov_params: pd.DataFrame
    re_variance: float
    residual_variance: float
    log_likelihood: float
    converged: bool
    warnings: tuple[str, ...]
    n_obs: int
    n_groups: int


def _fit_random_intercept(
    endog: np.ndarray | pd.Series,
    exog: pd.DataFrame,
    groups: np.ndarray | pd.Series,
    *,
    reml: bool = True,
) -> _MixedFit:
    """:func:`wellby.estimators.random_intercept.fit_random_intercept`, labelled.

    The same fit (its parameters are the same), with the fixed effects, their standard
    errors and covariance labelled by ``exog``'s columns, as :func:`fit_mixed_cohort` and
    the lme4 reference tests read them.
    """
    from wellby.estimators.random_intercept import fit_random_intercept

    fit = fit_random_intercept(endog, exog, groups, reml=reml)
    names = list(exog.columns)
    return _MixedFit(
        params=pd.Series(fit.params, index=names),
        std_errors=pd.Series(np.sqrt(np.diag(fit.cov)), index=names),
        cov_params=pd.DataFrame(fit.cov, index=names, columns=names),
        re_variance=fit.re_variance,
        residual_variance=fit.residual_variance,
        log_likelihood=fit.log_likelihood,
        converged=fit.converged,
        warnings=fit.warnings,
        n_obs=fit.n_obs,
        n_groups=fit.n_groups,
    )


@dataclass(frozen=True, eq=False)
class MixedCohortResult(EstimatorResult):
    """Results of :func:`fit_mixed_cohort`.

    Attributes
    ----------
    outcome, person, wave : str
        Columns used.
    estimator : str
        ``"mixed_cohort"``.
    reference : object
        The reference wave (the changes are from it).
    waves : tuple
        The waves in the estimation sample, sorted.
    changes : tuple of Coefficient
        One per non-reference wave, term ``change_<wave>_vs_<reference>``: the mean change
        in the outcome from the reference wave, with normal-based inference.
    covariates : tuple of Coefficient
        Coefficients of the covariates (a categorical covariate gives one per non-base
        level, ``<name>[T.<level>]``).
    intercept : float
        Expected outcome at the reference wave with every covariate at 0.
    re_variance : float
        Variance of the random intercept (between-person variance).
    residual_variance : float
        Residual (within-person) variance.
    icc : float
        Intra-class correlation, ``re_variance / (re_variance + residual_variance)``.
    log_likelihood : float
        The (REML or ML) log-likelihood at the estimate.
    reml : bool
        Whether REML was used.
    alpha : float
        Significance level of the confidence intervals.
    n_obs : int
        Observations used.
    n_clusters : int
        Persons used (the groups of the random intercept).
    n_dropped_missing : int
        Rows dropped for a missing outcome, covariate, person or wave.
    converged : bool
        Whether the likelihood's optimiser converged.
    warnings : tuple of str
        What the fit found worth saying (``"The MLE may be on the boundary of the
        parameter space."`` when the between-person variance is estimated at zero).
    """

    outcome: str
    person: str
    wave: str
    estimator: str
    reference: object
    waves: tuple
    changes: tuple[Coefficient, ...]
    covariates: tuple[Coefficient, ...]
    intercept: float
    re_variance: float
    residual_variance: float
    icc: float
    log_likelihood: float
    reml: bool
    alpha: float
    n_obs: int
    n_clusters: int
    n_dropped_missing: int
    converged: bool
    warnings: tuple[str, ...]

    @property
    def coefficients(self) -> tuple[Coefficient, ...]:
        """The wave changes followed by the covariates."""
        return (*self.changes, *self.covariates)

    def tidy(self) -> pd.DataFrame:
        """Return one row per wave change and per covariate.

        Returns
        -------
        pandas.DataFrame
            Columns ``outcome, estimator, term, estimate, std_error, ci_low, ci_high,
            p_value, n_obs, n_clusters`` (the ``did.csv`` layout), where ``n_clusters``
            is the number of persons.
        """
        rows = [
            {
                "outcome": self.outcome,
                "estimator": self.estimator,
                "term": c.term,
                "estimate": c.estimate,
                "std_error": c.std_error,
                "ci_low": c.ci_low,
                "ci_high": c.ci_high,
                "p_value": c.p_value,
                "n_obs": self.n_obs,
                "n_clusters": self.n_clusters,
            }
            for c in self.coefficients
        ]
        return pd.DataFrame(rows, columns=TIDY_COLUMNS)

    def summary(self) -> str:
        """Return a readable multi-line summary."""
        method = "REML" if self.reml else "ML"
        lines = [
            f"Random-intercept mixed model ({method}): {self.outcome} by {self.wave}, "
            f"reference {self.reference}",
            f"  N = {self.n_obs:,} observations of {self.n_clusters:,} persons ({self.person}); "
            f"dropped {self.n_dropped_missing:,} with missing values",
            f"  random-intercept variance {self.re_variance:.6g}, residual variance "
            f"{self.residual_variance:.6g}, ICC {self.icc:.3f}",
            f"  converged: {'yes' if self.converged else 'NO'}",
            *(f"  warning: {w}" for w in self.warnings),
            "",
            *coefficient_table(self.coefficients, self.alpha, statistic="z"),
            "",
            "  Inference: model-based standard errors, normal (z) intervals.",
        ]
        return "\n".join(lines)


def _coefficient(term: str, estimate: float, std_error: float, alpha: float) -> Coefficient:
    """Build a coefficient with normal-based p-value and confidence interval."""
    z = estimate / std_error if std_error > 0 else np.nan
    crit = normal_quantile(1 - alpha / 2)
    return Coefficient(
        term=term,
        estimate=float(estimate),
        std_error=float(std_error),
        statistic=float(z),
        p_value=float(2 * normal_sf(abs(z))),
        ci_low=float(estimate - crit * std_error),
        ci_high=float(estimate + crit * std_error),
    )


def _label(value) -> str:
    """Format a wave or level for a term name (2018.0 -> "2018")."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _covariate_design(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Numeric covariates as they are; others as treatment dummies (first level base)."""
    parts = []
    for name in covariates:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column):
            parts.append(column.astype(float).rename(name))
        elif pd.api.types.is_numeric_dtype(column):
            parts.append(column.astype(float).rename(name))
        else:
            levels = sorted(pd.unique(column), key=str)
            for level in levels[1:]:
                parts.append((column == level).astype(float).rename(f"{name}[T.{level}]"))
    if not parts:
        return pd.DataFrame(index=frame.index)
    return pd.concat(parts, axis=1)


def fit_mixed_cohort(
    data: pd.DataFrame,
    outcome: str,
    person: str,
    wave: str,
    *,
    covariates: Sequence[str] = (),
    reference=None,
    alpha: float = 0.05,
    reml: bool = True,
) -> MixedCohortResult:
    """Estimate a cohort's change over waves with a random-intercept mixed model.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data, one row per person and wave.
    outcome : str
        Numeric outcome column.
    person : str
        Person identifier (the random-intercept groups).
    wave : str
        Wave column, treated as categorical (one dummy per non-reference wave).
    covariates : sequence of str, default ()
        Further fixed-effect columns: numeric ones enter linearly, others as treatment
        dummies with the first sorted level as base.
    reference : optional
        The wave the changes are measured from; the first (smallest) wave by default.
    alpha : float, default 0.05
        Significance level of the ``1 - alpha`` confidence intervals.
    reml : bool, default True
        Fit by restricted maximum likelihood (``lme4::lmer``'s default); ML if false.

    Returns
    -------
    MixedCohortResult
        The wave changes (terms ``change_<wave>_vs_<reference>``) and covariates, the
        variance components and ICC, the sample sizes and convergence diagnostics.

    Raises
    ------
    ValueError
        If a column is missing (the message names it), the outcome or a covariate is
        not numeric where required, fewer than two waves or two persons remain after
        dropping missing rows, the reference wave is not in the data, or ``alpha`` is
        not in (0, 1).

    Notes
    -----
    The model is ``outcome ~ C(wave, Treatment(reference)) + covariates`` with a random
    intercept per person, fitted by REML by default (:func:`_fit_random_intercept`). Rows
    with a missing outcome, covariate, person or wave are dropped; persons seen in
    only some waves still contribute. ``n_clusters`` in the tidy output is the number
    of persons.

    Standard errors are lme4's (``vcov``: :math:`(X'V^{-1}X)^{-1}` at the estimated
    variances), and the p-values and confidence intervals are normal-based (z), as
    statsmodels reports for mixed models; no small-sample (Satterthwaite or
    Kenward-Roger) degrees of freedom are used, which matters little with hundreds of
    persons.

    When the cohort is balanced (every person answers in every wave) and there are no
    covariates, each change estimate equals the difference of the wave means exactly,
    whatever the variance components.

    Nothing is printed: ``warnings`` holds ``"The MLE may be on the boundary of the
    parameter space."`` when the random-intercept variance is estimated at or near zero
    (below 0.1% of the residual variance), and a failed search sets ``converged`` to
    False.
    """
    covariates = list(covariates)
    roles = {"outcome": [outcome], "person": [person], "wave": [wave], "covariate": covariates}
    for role, columns in roles.items():
        for column in columns:
            if column not in data.columns:
                raise ValueError(f"{role} column '{column}' is not in the data")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if not pd.api.types.is_numeric_dtype(data[outcome]) or pd.api.types.is_bool_dtype(
        data[outcome]
    ):
        raise ValueError(f"outcome column '{outcome}' is not numeric")

    used = list(dict.fromkeys([outcome, person, wave, *covariates]))
    frame = data[used].dropna()
    n_dropped = len(data) - len(frame)
    waves = sorted(w.item() if isinstance(w, np.generic) else w for w in pd.unique(frame[wave]))
    if len(waves) < 2:
        found = ", ".join(_label(w) for w in waves) or "none"
        raise ValueError(
            f"wave column '{wave}' has fewer than 2 waves with a non-missing outcome "
            f"and covariates (found: {found})"
        )
    n_persons = frame[person].nunique()
    if n_persons < 2:
        raise ValueError(
            f"person column '{person}' has {n_persons} person(s) with a non-missing "
            "outcome and covariates; need at least 2"
        )
    if reference is None:
        reference = waves[0]
    elif reference not in waves:
        raise ValueError(
            f"reference wave {reference!r} is not in wave column '{wave}' (waves: "
            f"{', '.join(_label(w) for w in waves)})"
        )

    others = [w for w in waves if w != reference]
    terms = [f"change_{_label(w)}_vs_{_label(reference)}" for w in others]
    design = pd.concat(
        [
            pd.DataFrame({"const": 1.0}, index=frame.index),
            pd.DataFrame(
                {t: (frame[wave] == w).astype(float) for t, w in zip(terms, others, strict=True)},
                index=frame.index,
            ),
            _covariate_design(frame, covariates),
        ],
        axis=1,
    )
    rank = np.linalg.matrix_rank(design.to_numpy())
    if rank < design.shape[1]:
        raise ValueError(
            "the waves and covariates are collinear (a covariate is constant or is "
            f"determined by the waves): {list(design.columns[len(terms) + 1 :])}"
        )
    fit = _fit_random_intercept(frame[outcome], design, frame[person], reml=reml)

    coefs = [
        _coefficient(name, fit.params[name], fit.std_errors[name], alpha)
        for name in design.columns[1:]
    ]
    total = fit.re_variance + fit.residual_variance
    return MixedCohortResult(
        outcome=outcome,
        person=person,
        wave=wave,
        estimator=ESTIMATOR,
        reference=reference,
        waves=tuple(waves),
        changes=tuple(coefs[: len(terms)]),
        covariates=tuple(coefs[len(terms) :]),
        intercept=float(fit.params["const"]),
        re_variance=fit.re_variance,
        residual_variance=fit.residual_variance,
        icc=float(fit.re_variance / total) if total > 0 else float("nan"),
        log_likelihood=fit.log_likelihood,
        reml=reml,
        alpha=alpha,
        n_obs=fit.n_obs,
        n_clusters=fit.n_groups,
        n_dropped_missing=n_dropped,
        converged=fit.converged,
        warnings=fit.warnings,
    )
