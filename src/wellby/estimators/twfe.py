"""Two-way fixed effects difference-in-differences.

:func:`fit_twfe` regresses an outcome on a 0/1 treatment indicator (and optional
covariates) with unit and period fixed effects absorbed, the canonical DiD estimator for a
panel or for repeated cross-sections with area (unit) and wave (period) effects. It is a
thin layer over :func:`wellby.estimators.ols.fit_ols`, weighted least squares with any
number of absorbed factors, and returns a :class:`TwfeResult` (its table and summary
lines are the shared ones of :mod:`wellby.estimators._results`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.estimators._results import (
    Coefficient,
    EstimatorResult,
    coefficient_lines,
    sample_lines,
    tidy_coefficients,
)
from wellby.estimators.covariance import VcovType
from wellby.estimators.ols import Design, fit_ols
from wellby.estimators.validation import check_frame, numeric_column, require_columns

__all__ = ["TwfeResult", "fit_twfe"]


@dataclass(frozen=True)
class TwfeResult(EstimatorResult):
    """Results of :func:`fit_twfe`.

    Attributes
    ----------
    outcome : str
        Outcome column.
    estimator : str
        ``"twfe"``.
    term : str
        ``"att"``.
    estimate, std_error, statistic, ci_low, ci_high, p_value : float
        The treatment effect with its standard error, t statistic, ``1 - alpha``
        confidence interval and two-sided p-value.
    n_obs : int
        Observations used.
    n_clusters : int or None
        Clusters used (``None`` unless ``vcov_type == "cluster"``).
    df_resid : int
        Degrees of freedom of the t distribution used for inference (``G - 1`` when
        clustered, ``N - K`` otherwise).
    vcov_type : str
        ``"cluster"``, ``"hc1"`` or ``"classical"``.
    vcov_description : str
        One line describing the variance estimator and its small-sample convention.
    alpha : float
        Significance level.
    covariates : tuple of Coefficient
        Coefficients of the covariates, in the order given.
    treatment, unit, time : str
        Columns used.
    cluster, weights : str or None
        Columns used for clustering and weights.
    n_units, n_periods : int
        Levels of the unit and period fixed effects in the estimation sample.
    n_dropped_missing, n_dropped_singletons : int
        Rows dropped for missing values (or zero weights) and as singletons.
    design : Design or None
        The demeaned design of the fit, when :func:`fit_twfe` was asked to keep it.

    """

    outcome: str
    estimator: str
    term: str
    estimate: float
    std_error: float
    statistic: float
    ci_low: float
    ci_high: float
    p_value: float
    n_obs: int
    n_clusters: int | None
    df_resid: int
    vcov_type: str
    vcov_description: str
    alpha: float
    covariates: tuple[Coefficient, ...]
    treatment: str
    unit: str
    time: str
    cluster: str | None
    weights: str | None
    n_units: int
    n_periods: int
    n_dropped_missing: int
    n_dropped_singletons: int
    design: Design | None = field(default=None, repr=False)

    @property
    def coefficients(self) -> tuple[Coefficient, ...]:
        """The treatment effect (term ``"att"``) followed by the covariates."""
        att = Coefficient(
            term=self.term,
            estimate=self.estimate,
            std_error=self.std_error,
            statistic=self.statistic,
            p_value=self.p_value,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
        )
        return (att, *self.covariates)

    def tidy(self) -> pd.DataFrame:
        """Return one row for ``att`` and one per covariate.

        Returns
        -------
        DataFrame
            Columns ``outcome, estimator, term, estimate, std_error, ci_low, ci_high,
            p_value, n_obs, n_clusters``, the layout of ``results/tables/did.csv``.

        """
        return tidy_coefficients(
            self.outcome, self.estimator, self.coefficients, self.n_obs, self.n_clusters
        )

    def summary(self) -> str:
        """Return a readable multi-line summary."""
        head = [
            f"Two-way fixed effects DiD: {self.outcome} on {self.treatment}",
            f"  fixed effects: {self.unit} ({self.n_units:,} levels), "
            f"{self.time} ({self.n_periods:,} levels)",
            *sample_lines(self),
        ]
        lines = coefficient_lines(self.coefficients, self.alpha, self.vcov_description)
        return "\n".join(head + lines)


def fit_twfe(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    unit: str,
    time: str,
    *,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    vcov: VcovType = "cluster",
    alpha: float = 0.05,
    drop_singletons: bool = True,
    keep_design: bool = False,
) -> TwfeResult:
    """Two-way fixed effects difference-in-differences estimate of a treatment effect.

    Fits ``outcome ~ treatment + covariates | unit + time`` by (weighted) least squares
    with the unit and time fixed effects absorbed, and reports the treatment coefficient
    as term ``"att"``.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per unit (respondent or area) and period.
    outcome : str
        Numeric outcome.
    treatment : str
        Treatment indicator, 0/1 or boolean (1 = unit treated in that period).
    unit : str
        Unit identifier (respondent in a panel; area for repeated cross-sections).
    time : str
        Period identifier (wave).
    cluster : str, optional
        Cluster variable for ``vcov="cluster"``; defaults to ``unit``. Ignored (and its
        missing values do not drop rows) for the other ``vcov`` types.
    covariates : sequence of str, default ()
        Numeric time-varying covariates.
    weights : str, optional
        Analytic (survey) weights; zero-weight rows are dropped, negative ones rejected.
    vcov : {"cluster", "hc1", "classical"}, default "cluster"
        Variance estimator (see Notes).
    alpha : float, default 0.05
        Confidence intervals have level ``1 - alpha``.
    drop_singletons : bool, default True
        Drop units or periods observed once (pyfixest's and reghdfe's default).
    keep_design : bool, default False
        Keep the demeaned design in the result (``design``; its rows are positions in
        ``data``), for a pooled model over samples
        (:func:`wellby.estimators.ols.fit_nested_blocks`).

    Returns
    -------
    TwfeResult

    Raises
    ------
    ValueError
        For a missing column, a non-numeric outcome or covariate, a treatment that is not
        0/1, no variation in treatment after absorbing the fixed effects, a covariate
        collinear with the fixed effects, negative weights or fewer than 2 clusters.

    Notes
    -----
    Rows with a missing outcome, treatment, covariate, weight, unit, period or (when
    clustering) cluster are dropped; ``n_obs`` reports the rows used. Observations that
    are alone in their unit or period are dropped too (``drop_singletons``); they are
    fitted exactly by their own fixed effect, so the estimate does not change, only
    ``N`` and the degrees of freedom. R's fixest keeps them by default, pyfixest and
    reghdfe drop them; wellby follows pyfixest.

    The variance options, with the fixest/reghdfe small-sample conventions as pyfixest
    0.60 applies them by default (``ssc(k_adj=True, k_fixef="nonnested", G_adj=True,
    G_df="min")``):

    ``"cluster"``
        One-way cluster-robust CRV1: ``G/(G-1) x (N-1)/(N-K) x`` sandwich, where ``K``
        counts the regressors and the fixed effects *not* nested in the cluster variable
        (units nested in areas cost no degrees of freedom), and t inference with
        ``G - 1`` degrees of freedom. Cluster at the level treatment is assigned (the
        area), or at least the unit (Bertrand, Duflo and Mullainathan 2004).
    ``"hc1"``
        Heteroskedasticity-robust: ``N/(N-K) x`` sandwich, ``K`` counting all fixed
        effects; t(N-K). Ignores serial correlation within units; rarely right for DiD.
    ``"classical"``
        iid errors: ``RSS/(N-K) (X'WX)^-1``, all fixed effects in ``K``; t(N-K).

    With ``F`` factors of ``L_f`` levels, "all fixed effects" means ``sum(L_f) - (F-1)``;
    see :func:`wellby.estimators.covariance.fixef_dof`. The TWFE coefficient is a valid DiD effect
    under parallel trends when treatment starts at the same time for all treated units;
    with staggered adoption and heterogeneous effects use a staggered-robust estimator.

    """
    check_frame(data)
    covariates = list(covariates)
    require_columns(
        data,
        {
            "outcome": [outcome],
            "treatment": [treatment],
            "unit": [unit],
            "time": [time],
            "covariate": covariates,
            "cluster": [cluster] if cluster else [],
            "weights": [weights] if weights else [],
        },
    )
    if unit == time:
        raise ValueError(f"unit and time must be different columns, both are '{unit}'")
    if treatment in covariates or outcome in covariates:
        raise ValueError("the outcome and the treatment must not be listed as covariates")
    d = numeric_column(data, treatment, "treatment")
    observed = d[~np.isnan(d)]
    if not np.isin(observed, (0.0, 1.0)).all():
        bad = np.unique(observed[~np.isin(observed, (0.0, 1.0))])[:5]
        raise ValueError(
            f"treatment column '{treatment}' must be 0/1 or boolean; found values {bad.tolist()}"
        )
    if vcov == "cluster" and cluster is None:
        cluster = unit
    res = fit_ols(
        data,
        outcome,
        [treatment, *covariates],
        absorb=[unit, time],
        cluster=cluster if vcov == "cluster" else None,
        weights=weights,
        vcov=vcov,
        alpha=alpha,
        intercept=False,
        drop_singletons=drop_singletons,
        tol=1e-10,
        roles={treatment: "treatment", **dict.fromkeys(covariates, "covariate")},
        keep_design=keep_design,
    )
    att = res.coefficients[0]
    covs = tuple(res.coefficients[1:])
    return TwfeResult(
        outcome=outcome,
        estimator="twfe",
        term="att",
        estimate=att.estimate,
        std_error=att.std_error,
        statistic=att.statistic,
        ci_low=att.ci_low,
        ci_high=att.ci_high,
        p_value=att.p_value,
        n_obs=res.n_obs,
        n_clusters=res.n_clusters,
        df_resid=res.df_resid,
        vcov_type=res.vcov_type,
        vcov_description=res.vcov_description,
        alpha=alpha,
        covariates=covs,
        treatment=treatment,
        unit=unit,
        time=time,
        cluster=res.cluster,
        weights=weights,
        n_units=res.fixed_effects[0].n_levels,
        n_periods=res.fixed_effects[1].n_levels,
        n_dropped_missing=res.n_dropped_missing,
        n_dropped_singletons=res.n_dropped_singletons,
        design=res.design,
    )
