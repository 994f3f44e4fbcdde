"""Event-study difference-in-differences: two-way fixed effects with relative-time dummies.

:func:`fit_event_study` regresses an outcome on one dummy per period relative to each
unit's programme start ("relative time", ``rel_time``), with unit and period fixed
effects absorbed, and reports the coefficients with a joint Wald test that all leads
(pre-programme relative times) are zero. The fit is :func:`wellby.estimators.ols.fit_ols`, so
the standard errors follow the same fixest/reghdfe conventions as the TWFE estimator.

Relative time is counted in *periods* (positions in the sorted list of observed values of
the time column): for annual waves it is ``time - cohort`` in years; for waves two years
apart, one step is one wave. Never-treated units (cohort 0 or missing) get no dummy; they
pin down the period effects.

The result, :class:`~wellby.estimators.event_study_results.EventStudyResult` (its table,
summary, figure and pre-trend test), lives in :mod:`wellby.estimators.event_study_results`.
What it shares with :mod:`wellby.estimators.callaway_santanna` lives in modules of its own:
the estimation sample (the rows used and their unit, period, cohort and cluster codes) in
:func:`wellby.estimators._sample.estimation_sample`, the pre-trend test
in :mod:`wellby.estimators.pretrend` and the figure in :mod:`wellby.estimators.plots`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from wellby.estimators._results import Coefficient
from wellby.estimators._sample import (
    cohort_index,
    estimation_sample,
    n_distinct,
    never_treated,
    sorted_unique,
)
from wellby.estimators.covariance import VCOV_TYPES, VcovType
from wellby.estimators.event_study_results import EventStudyResult
from wellby.estimators.ols import fit_ols
from wellby.estimators.validation import (
    check_did_columns,
    check_frame,
    numeric_column,
    require_columns,
)

__all__ = [
    "fit_event_study",
    "relative_time",
]

# Automatic binning of the end points (leads=None / lags=None): an outermost relative time
# is merged into its inner neighbour while it holds fewer than this share of the
# ever-treated observations or fewer than this many clusters (units when not clustered).
AUTO_BIN_MIN_SHARE = 0.01
AUTO_BIN_MIN_CLUSTERS = 5


# --------------------------------------------------------------------------- relative time


def relative_time(data: pd.DataFrame, time: str, cohort: str) -> pd.Series:
    """Return each row's period relative to its unit's first treated period.

    Parameters
    ----------
    data : DataFrame
        Long data.
    time : str
        Numeric period column.
    cohort : str
        First treated period (0 or missing = never treated).

    Returns
    -------
    Series
        Nullable integers (``Int64``): the number of observed periods between the row's
        period and its cohort (``-1`` = the period before the start); missing for
        never-treated units and rows with a missing period.

    Raises
    ------
    ValueError
        For a missing or non-numeric column, a negative cohort or a cohort that is not
        one of the observed periods.

    """
    check_frame(data)
    require_columns(data, {"time": [time], "cohort": [cohort]})
    t = numeric_column(data, time, "time")
    g = numeric_column(data, cohort, "cohort")
    never = never_treated(g, cohort)
    periods = sorted_unique(t[~np.isnan(t)])
    gi = cohort_index(g, never, periods, cohort, time)
    ti = np.searchsorted(periods, t)
    rel = pd.array(ti - gi, dtype="Int64")
    rel[never | np.isnan(t)] = pd.NA
    return pd.Series(rel, index=data.index, name="rel_time")


# --------------------------------------------------------------------------- estimation


def _auto_bins(
    rel: np.ndarray, clusters: np.ndarray, reference: int
) -> tuple[int | None, int | None]:
    """Pick end-point bins: merge thin outermost relative times into their neighbours."""
    if rel.size == 0:
        return None, None
    levels = np.unique(rel)
    min_obs = AUTO_BIN_MIN_SHARE * rel.size

    def thin(mask: np.ndarray) -> bool:
        n_cl = n_distinct(clusters[mask])
        return bool(mask.sum() < min_obs or n_cl < AUTO_BIN_MIN_CLUSTERS)

    lead_bin = lag_bin = None
    lo = 0  # the lead bin is rel <= levels[lo]; its end point stays below the reference
    while lo + 1 < levels.size and levels[lo + 1] < reference and thin(rel <= levels[lo]):
        lo += 1
        lead_bin = int(levels[lo])
    hi = levels.size - 1  # the lag bin is rel >= levels[hi]; its end point stays >= 0
    while hi >= 1 and levels[hi - 1] >= 0 and thin(rel >= levels[hi]):
        hi -= 1
        lag_bin = int(levels[hi])
    return lead_bin, lag_bin


def _term(e: int, lead_bin: int | None, lag_bin: int | None) -> str:
    if lead_bin is not None and e == lead_bin:
        return f"rel_time<={e}"
    if lag_bin is not None and e == lag_bin:
        return f"rel_time>={e}"
    return f"rel_time={e}"


def _check_bin(value: int | None, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")


def fit_event_study(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    vcov: VcovType = "cluster",
    alpha: float = 0.05,
    leads: int | None = None,
    lags: int | None = None,
    reference: int = -1,
    keep_design: bool = False,
) -> EventStudyResult:
    """Event-study (dynamic) difference-in-differences by two-way fixed effects.

    Fits ``outcome ~ sum_e 1[rel_time = e] + covariates | unit + time`` by (weighted)
    least squares, omitting the reference relative time, and returns one coefficient per
    relative time with a joint pre-trend test.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per unit (respondent or area) and period.
    outcome : str
        Numeric outcome.
    unit : str
        Unit identifier (respondent in a panel; area for repeated cross-sections); its
        fixed effects are absorbed.
    time : str
        Numeric period (wave); its fixed effects are absorbed.
    cohort : str
        First treated period of the unit, one of the observed values of ``time``; 0 or
        missing for never-treated units. Must be constant within a unit.
    cluster : str, optional
        Cluster variable for ``vcov="cluster"``; defaults to ``unit``.
    covariates : sequence of str, default ()
        Numeric covariates added linearly.
    weights : str, optional
        Analytic (survey) weights.
    vcov : {"cluster", "hc1", "classical"}, default "cluster"
        Variance estimator, as in :func:`wellby.estimators.twfe.fit_twfe`.
    alpha : float, default 0.05
        Confidence intervals have level ``1 - alpha`` (t distribution).
    leads : int, optional
        Bin the leads: relative times ``<= -leads`` get one dummy, reported at
        ``rel_time = -leads``. Must be at least 2 (the bin may not contain the reference).
        Default: automatic (see Notes).
    lags : int, optional
        Bin the lags: relative times ``>= lags`` get one dummy, reported at
        ``rel_time = lags`` (``lags >= 0``). Default: automatic.
    reference : int, default -1
        The omitted relative time (negative).
    keep_design : bool, default False
        Keep the fitted rows and dummies in the result (``design``), for the wild cluster
        bootstrap of the coefficients.

    Returns
    -------
    EventStudyResult

    Raises
    ------
    ValueError
        For a missing or non-numeric column, a negative cohort or a cohort that is not an
        observed period, a cohort that varies within a unit, no ever-treated units, a
        reference period that is not observed, bins that would swallow the reference, or
        relative-time dummies that are collinear with the fixed effects (typically no
        never-treated units and no binning).

    Notes
    -----
    ``rel_time`` counts observed periods between the row's period and the unit's
    cohort (see :func:`relative_time`). Never-treated units have every dummy at 0.

    *Binning.* With ``leads``/``lags`` given, the end points are binned there. Left at
    ``None``, the data's full range is used except that an outermost relative time holding
    fewer than 1% of the ever-treated observations, or observed in fewer than 5 clusters,
    is merged into its inner neighbour, repeatedly, until the outermost bin meets both
    thresholds (never merging past ``-2`` for leads or ``0`` for lags). Thin end points are
    estimated from a handful of units and cohorts, so their estimates are noisy and their
    clustered standard errors unreliable. Binning assumes the effect is constant within
    the bin.

    *Pre-trend test.* :meth:`EventStudyResult.pretrend` tests that all lead coefficients
    (relative times below 0 other than the reference) are jointly zero: ``F = W/q`` with
    ``W = b'V^-1 b`` from the model's covariance, referred to ``F(q, G-1)`` when
    clustered (``F(q, N-K)`` otherwise), as fixest's ``wald()`` and pyfixest's
    ``wald_test()`` do. A non-rejection is weak evidence for parallel trends: the test
    has low power and conditioning on it distorts inference (Roth 2022).

    With staggered adoption and effects that vary by cohort, the TWFE event-study
    coefficients mix effects across cohorts and relative times (Sun and Abraham 2021);
    :func:`wellby.estimators.callaway_santanna.fit_callaway_santanna` does not.

    """
    check_frame(data)
    covariates = list(covariates)
    if vcov not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of {VCOV_TYPES}, got {vcov!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if (
        isinstance(reference, bool)
        or not isinstance(reference, (int, np.integer))
        or reference >= 0
    ):
        raise ValueError(f"reference must be a negative integer, got {reference!r}")
    reference = int(reference)
    _check_bin(leads, "leads")
    _check_bin(lags, "lags")
    if leads is not None and -int(leads) >= reference:
        raise ValueError(
            f"leads={leads} would put the reference period rel_time={reference} in the lead "
            f"bin; use leads >= {1 - reference}"
        )
    if lags is not None and lags < 0:
        raise ValueError(f"lags must be >= 0, got {lags}")
    use_cluster = vcov == "cluster"
    if use_cluster and cluster is None:
        cluster = unit
    check_did_columns(data, outcome=outcome, unit=unit, time=time, cohort=cohort,
                      covariates=covariates, cluster=cluster if use_cluster else None,
                      weights=weights)

    sample = estimation_sample(
        data,
        outcome,
        unit,
        time,
        cohort,
        cluster=cluster if use_cluster else None,
        weights=weights,
        covariates=covariates,
        drop_singletons=True,
    )
    never = sample.never
    if never.all():
        raise ValueError(f"cohort column '{cohort}' has no ever-treated units (all 0 or missing)")
    rel = sample.period - sample.cohort  # meaningless for never-treated rows
    treated = ~never
    clk = sample.cluster

    if leads is None or lags is None:
        auto_lead, auto_lag = _auto_bins(rel[treated], clk[treated], reference)
    lead_bin = -int(leads) if leads is not None else auto_lead
    lag_bin = int(lags) if lags is not None else auto_lag
    binned = rel.copy()
    if lead_bin is not None:
        binned = np.where(binned < lead_bin, lead_bin, binned)
    if lag_bin is not None:
        binned = np.where(binned > lag_bin, lag_bin, binned)
    levels = np.unique(binned[treated])
    # a requested bin beyond the data's range is no bin at all
    if lead_bin is not None and not np.any(rel[treated] < lead_bin):
        lead_bin = None
    if lag_bin is not None and not np.any(rel[treated] > lag_bin):
        lag_bin = None
    if reference not in levels:
        raise ValueError(
            f"reference period rel_time={reference} is not observed for any ever-treated "
            f"unit (observed relative times: {levels.tolist()})"
        )
    est_levels = [int(e) for e in levels if e != reference]
    if not est_levels:
        raise ValueError("no relative time other than the reference period is observed")

    frame = {outcome: sample.y, "__unit": sample.unit, "__time": pd.factorize(sample.period)[0]}
    names = []
    for k, e in enumerate(est_levels):
        name = f"__rel_{k}"
        frame[name] = (treated & (binned == e)).astype(np.float64)
        names.append(name)
    for j, c in enumerate(covariates):
        frame[c] = sample.x[:, j]
    if use_cluster:
        frame["__cluster"] = clk
    if weights:
        frame[weights] = sample.weights
    frame = pd.DataFrame(frame)
    try:
        res = fit_ols(
            frame,
            outcome,
            names + covariates,
            absorb=["__unit", "__time"],
            cluster="__cluster" if use_cluster else None,
            weights=weights,
            vcov=vcov,
            alpha=alpha,
            drop_singletons=False,
        )
    except ValueError as err:
        if "no variation" not in str(err):
            raise
        hint = (
            " There are no never-treated units, so a full set of relative-time dummies is "
            "collinear with the unit and period effects: bin the end points (leads=, lags=)."
            if not never.any()
            else ""
        )
        raise ValueError(
            "the relative-time dummies are collinear with the fixed effects or covariates "
            f"({err}).{hint}"
        ) from None

    coefs = {e: res.coefficients[k] for k, e in enumerate(est_levels)}
    all_levels = [int(e) for e in levels]
    nan = math.nan
    out_coefs = []
    terms = []
    for e in all_levels:
        term = _term(e, lead_bin, lag_bin)
        terms.append(term)
        if e == reference:
            out_coefs.append(Coefficient(term, 0.0, nan, nan, nan, nan, nan))
        else:
            c = coefs[e]
            out_coefs.append(
                Coefficient(
                    term, c.estimate, c.std_error, c.statistic, c.p_value, c.ci_low, c.ci_high
                )
            )
    counts = [int(np.sum(treated & (binned == e))) for e in all_levels]
    k_rel = len(est_levels)
    n_treated_units = n_distinct(sample.unit[treated])
    return EventStudyResult(
        outcome=outcome,
        estimator="event_study",
        rel_times=tuple(all_levels),
        coefficients=tuple(out_coefs),
        terms=tuple(terms),
        reference=reference,
        lead_bin=lead_bin,
        lag_bin=lag_bin,
        cov=res.cov[:k_rel, :k_rel].copy(),
        n_treated_obs=tuple(counts),
        covariates=tuple(res.coefficients[k_rel:]),
        n_obs=res.n_obs,
        n_clusters=res.n_clusters,
        df_resid=res.df_resid,
        n_units=res.fixed_effects[0].n_levels,
        n_periods=res.fixed_effects[1].n_levels,
        n_treated_units=n_treated_units,
        n_never_treated_units=sample.n_units - n_treated_units,
        vcov_type=res.vcov_type,
        vcov_description=res.vcov_description.replace("'__cluster'", f"'{cluster}'").replace(
            "by __cluster", f"by {cluster}"
        ),
        alpha=alpha,
        unit=unit,
        time=time,
        cohort=cohort,
        cluster=cluster if use_cluster else None,
        weights=weights,
        n_dropped_missing=sample.n_dropped_missing + res.n_dropped_missing,
        n_dropped_singletons=sample.n_dropped_singletons,
        design=frame if keep_design else None,
        design_terms=dict(zip(est_levels, names, strict=True)),
    )
