"""The entry point of Callaway-Sant'Anna: :func:`fit_callaway_santanna`.

It checks the options, then runs the steps of :mod:`wellby.estimators.callaway_santanna`
in order: the sample (:mod:`.preprocess`), the group-time ATTs (:mod:`.att_gt`, with the
2x2 estimators of :mod:`.drdid`), their aggregations (:mod:`.aggregate`), the standard
errors (:mod:`.bootstrap`) and the pre-trend test, and assembles the
:class:`~wellby.estimators.callaway_santanna.results.CallawaySantAnnaResult`. The method
and its references are described in the package's docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from wellby.estimators._results import Coefficient
from wellby.estimators.callaway_santanna.aggregate import aggregate, covariance, influence_basis
from wellby.estimators.callaway_santanna.att_gt import BASE_PERIODS, group_time_effects
from wellby.estimators.callaway_santanna.bootstrap import (
    BOOTSTRAP_WEIGHTS,
    SE_FLOOR,
    multiplier_bootstrap,
    uniform_critical_value,
)
from wellby.estimators.callaway_santanna.drdid import METHODS
from wellby.estimators.callaway_santanna.preprocess import CONTROL_GROUPS, DESIGNS, prepare
from wellby.estimators.callaway_santanna.results import (
    CS_TIDY_COLUMNS,
    CallawaySantAnnaResult,
    pretrend_test,
)
from wellby.estimators.distributions import normal_quantile, normal_sf
from wellby.estimators.validation import check_did_columns, check_frame

__all__ = ["fit_callaway_santanna"]


def _maybe_int(values: list[float]) -> pd.Series:
    arr = np.asarray(values, dtype=float)
    fin = arr[np.isfinite(arr)]
    if fin.size == 0 or np.all(fin == np.round(fin)):
        out = pd.array(np.where(np.isfinite(arr), arr, 0).astype(np.int64), dtype="Int64")
        out[~np.isfinite(arr)] = pd.NA
        return pd.Series(out)
    return pd.Series(arr)


# --------------------------------------------------------------------------- entry point


def fit_callaway_santanna(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    design: Literal["panel", "repeated_cross_section"] = "panel",
    control_group: Literal["never_treated", "not_yet_treated"] = "never_treated",
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] = (),
    method: Literal["dr", "ipw", "reg"] = "dr",
    alpha: float = 0.05,
    bootstrap: bool = False,
    n_bootstrap: int = 999,
    seed: int | np.random.Generator | None = None,
    anticipation: int = 0,
    base_period: Literal["varying", "universal"] = "varying",
    bootstrap_weights: Literal["mammen", "rademacher"] = "mammen",
    balanced_panel: bool = False,
    dynamic_min_e: int | None = None,
    dynamic_max_e: int | None = None,
    dynamic_balance_e: int | None = None,
) -> CallawaySantAnnaResult:
    """Group-time average treatment effects and their aggregations (Callaway-Sant'Anna).

    Parameters
    ----------
    data : DataFrame
        Long data, one row per unit and period (panel) or per respondent (repeated
        cross-sections).
    outcome : str
        Numeric outcome.
    unit : str
        Panel: the unit followed over time (respondent). Repeated cross-sections: the
        area (the level at which treatment is assigned); its only roles are the default
        cluster and the check that ``cohort`` is constant within it.
    time : str
        Numeric period (wave).
    cohort : str
        First treated period, one of the observed periods; 0 or missing for never-treated
        units. Constant within ``unit``.
    design : {"panel", "repeated_cross_section"}, default "panel"
        Same units followed over time, or different respondents each period.
    control_group : {"never_treated", "not_yet_treated"}, default "never_treated"
        Compare each cohort with the never-treated units, or with the units not yet
        treated (less anticipation) in both periods of the comparison, never-treated
        included.
    cluster : str, optional
        Cluster variable; the influence functions are summed within its levels. Default:
        ``unit`` (the respondent in a panel, the area in repeated cross-sections). In a
        panel it must be constant within a unit.
    weights : str, optional
        Sampling weights (constant within a unit in a panel).
    covariates : sequence of str, default ()
        Numeric covariates for the conditional parallel-trends assumption (in a panel,
        their values in the comparison's base period are used).
    method : {"dr", "ipw", "reg"}, default "dr"
        Doubly robust, inverse probability weighting (normalised weights) or outcome
        regression 2x2 estimator.
    alpha : float, default 0.05
        Confidence intervals have level ``1 - alpha``.
    bootstrap : bool, default False
        Replace the analytic standard errors with the multiplier bootstrap's.
    n_bootstrap : int, default 999
        Bootstrap draws.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap.
    anticipation : int, default 0
        Periods before the start in which units may already react; the base period of a
        cohort is then ``anticipation + 1`` periods before its start.
    base_period : {"varying", "universal"}, default "varying"
        Pre-treatment cells compare consecutive periods ("varying") or every period with
        the cohort's last untreated period ("universal", where that cell is 0).
    bootstrap_weights : {"mammen", "rademacher"}, default "mammen"
        Multiplier distribution of the bootstrap.
    balanced_panel : bool, default False
        Panel only: keep only units observed in every period (R did's default). By
        default every 2x2 comparison uses the units observed in both of its periods.
    dynamic_min_e, dynamic_max_e : int, optional
        Dynamic aggregation only (R did's ``aggte(type = "dynamic", min_e, max_e)``):
        report ``att_e`` only for event times ``dynamic_min_e <= e <= dynamic_max_e``, and
        average ``att_dynamic`` over the event times ``e >= 0`` of that window. Default:
        every event time.
    dynamic_balance_e : int, optional
        Dynamic aggregation only (R did's ``balance_e``): use only the cohorts observed for
        at least ``dynamic_balance_e`` periods after their start (``g + dynamic_balance_e
        <= T``, ``T`` the latest period of an estimated ``ATT(g, t)``), so that every
        event time from 0 to ``dynamic_balance_e`` averages the same cohorts, and report
        the event times up to ``dynamic_balance_e`` only. Non-negative. Default: every
        cohort.

    Returns
    -------
    CallawaySantAnnaResult

    Raises
    ------
    ValueError
        For a missing or non-numeric column (named in the message), a negative cohort, a
        cohort that is not an observed period, a cohort (or, in a panel, a weight or
        cluster) varying within a unit, several rows for a unit in a period of a panel,
        ``control_group="never_treated"`` without never-treated units, no cohort with a
        pre-treatment period, singular covariate models, a ``dynamic_*`` option that is
        not an integer (or a negative ``dynamic_balance_e``), or a dynamic window that
        leaves no event time.

    Notes
    -----
    *Group-time effects.* For cohort ``g`` and period ``t``, ``ATT(g, t)`` compares the
    change in the outcome from the base period to ``t`` between units of the cohort and
    control units. In post-treatment periods (``t >= g``) the base period is
    ``g - anticipation - 1``; in pre-treatment periods it is ``t - 1`` ("varying", short
    placebo differences) or ``g - anticipation - 1`` ("universal"). Periods count positions
    among the observed periods. Cohorts starting in the first period have no base period
    and are dropped with a warning. With ``control_group="not_yet_treated"`` and no
    never-treated units, periods from the last cohort's start on are dropped and that
    cohort serves only as a control (as R did).

    *2x2 estimators* (Sant'Anna and Zhao 2020, as in R's ``DRDID``): for a panel, the
    estimators on the outcome change of units observed in both periods (``drdid_panel``,
    ``std_ipw_did_panel``, ``reg_did_panel``); for repeated cross-sections, those on the
    rows of both periods (``drdid_rc``, the locally efficient doubly robust estimator;
    ``std_ipw_did_rc``; ``reg_did_rc``). The propensity score is a logit on the
    covariates, capped at ``1 - 1e-6``, with control units whose score is at least 0.995
    trimmed. Without covariates all three methods give the same point estimate.

    *Unbalanced panels.* By default each comparison uses the units observed in both of
    its periods, and each unit's influence function enters the aggregations, so units that
    miss some waves still contribute; this assumes attrition is unrelated to outcome
    trends (given the covariates). ``balanced_panel=True`` keeps only units observed in
    every period, as R did does by default. On a balanced panel the two coincide.

    *Aggregations* (R did's ``aggte``): ``att_simple`` averages all post-treatment
    ``ATT(g, t)`` weighted by cohort size; ``att_group`` averages, across cohorts weighted by
    size, each cohort's average effect over its post-treatment periods (``att_g``);
    ``att_dynamic`` averages over ``e >= 0`` the effects ``att_e`` at ``e`` periods since the
    start (cohort-size weighted; ``e < 0`` are placebo estimates); ``att_calendar`` averages
    over periods the effects ``att_t`` of the cohorts treated by then. Estimated weights
    enter the influence functions. ``dynamic_min_e``, ``dynamic_max_e`` and
    ``dynamic_balance_e`` restrict ``att_e`` and ``att_dynamic`` exactly as R did's
    ``min_e``, ``max_e`` and ``balance_e`` do ``aggte(type = "dynamic")`` (the event
    times ``e >= 0`` left by ``dynamic_min_e > 0`` are averaged; with ``dynamic_max_e <
    0``, ``att_dynamic`` is NaN, as R's); they leave ``att_simple``, ``att_group`` and
    ``att_calendar`` unrestricted (R did's ``max_e`` also truncates ``aggte(type =
    "simple")`` and ``"group"`` when passed there). Event times, like ``rel_time``, count
    positions among the observed periods: with consecutive integer periods these are R
    did's event times; with gaps between periods R counts time units instead.

    *Standard errors.* The influence function of every estimate, one value per unit
    (panel) or row (repeated cross-section), is summed within clusters ``c``:
    ``se = sqrt(sum_c S_c^2) / n``. With the default cluster this is R did's analytic
    standard error (``bstrap=FALSE``); with a cluster variable it is R did's analytic
    clustered standard error (did >= 2.4) -- no small-sample factor. Confidence intervals
    and p-values use the normal distribution. With ``bootstrap=True`` the standard errors
    are the multiplier bootstrap's: each draw is ``sum_c v_c S_c / n`` with Mammen (or
    Rademacher) multipliers ``v_c``, and the standard error is the draws' interquartile
    range divided by that of the standard normal (R did's robust scale);
    ``critical_values`` holds the uniform-band critical values for each family. Cluster at
    the level treatment is assigned (the area) when units are respondents in areas.

    """
    check_frame(data)
    covariates = list(covariates)
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, got {design!r}")
    if control_group not in CONTROL_GROUPS:
        raise ValueError(f"control_group must be one of {CONTROL_GROUPS}, got {control_group!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if base_period not in BASE_PERIODS:
        raise ValueError(f"base_period must be one of {BASE_PERIODS}, got {base_period!r}")
    if bootstrap_weights not in BOOTSTRAP_WEIGHTS:
        raise ValueError(
            f"bootstrap_weights must be one of {BOOTSTRAP_WEIGHTS}, got {bootstrap_weights!r}"
        )
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if (
        isinstance(anticipation, bool)
        or not isinstance(anticipation, (int, np.integer))
        or (anticipation < 0)
    ):
        raise ValueError(f"anticipation must be a non-negative integer, got {anticipation!r}")
    anticipation = int(anticipation)
    dyn = {}
    for name, value in (
        ("dynamic_min_e", dynamic_min_e),
        ("dynamic_max_e", dynamic_max_e),
        ("dynamic_balance_e", dynamic_balance_e),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, np.integer))
        ):
            raise ValueError(f"{name} must be an integer or None, got {value!r}")
        dyn[name] = None if value is None else int(value)
    if dyn["dynamic_balance_e"] is not None and dyn["dynamic_balance_e"] < 0:
        raise ValueError(
            f"dynamic_balance_e must be a non-negative integer, got {dynamic_balance_e!r}"
        )
    if bootstrap and (not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 10):
        raise ValueError(f"n_bootstrap must be an integer >= 10, got {n_bootstrap!r}")
    check_did_columns(data, outcome=outcome, unit=unit, time=time, cohort=cohort,
                      covariates=covariates, cluster=cluster, weights=weights)

    dat = prepare(
        data,
        outcome,
        unit,
        time,
        cohort,
        design=design,
        control_group=control_group,
        cluster=cluster,
        weights=weights,
        covariates=covariates,
        anticipation=anticipation,
        balanced_panel=balanced_panel and design == "panel",
    )
    cells = group_time_effects(dat, method, control_group, base_period, anticipation)
    agg = aggregate(
        dat, cells, dyn["dynamic_min_e"], dyn["dynamic_max_e"], dyn["dynamic_balance_e"]
    )
    basis = influence_basis(dat, cells)
    coef = agg.matrix()
    n = dat.n
    cov = covariance(basis, coef, n)
    analytic_se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    se = analytic_se.copy()
    se[se <= SE_FLOOR] = np.nan
    terms = np.array(agg.term)
    crit_vals: dict = {}
    if bootstrap:
        sums = basis @ coef
        se, draws = multiplier_bootstrap(sums, n, int(n_bootstrap), bootstrap_weights, seed, alpha)
        for fam in ("att_gt", "att_g", "att_e", "att_t"):
            m = terms == fam
            if m.any():
                crit_vals[fam] = uniform_critical_value(draws[:, m], se[m], alpha)
    est = np.array(agg.est)
    z = normal_quantile(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = est / se
    pval = 2 * normal_sf(np.abs(stat))
    table = pd.DataFrame(
        {
            "outcome": outcome,
            "estimator": "callaway_santanna",
            "term": terms,
            "group": _maybe_int(agg.group),
            "period": _maybe_int(agg.period),
            "rel_time": _maybe_int(agg.rel),
            "estimate": est,
            "std_error": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "p_value": pval,
            "n_obs": np.array(agg.n_obs, dtype=np.int64),
            "n_clusters": pd.array([dat.n_clusters] * est.size, dtype="Int64"),
        },
        columns=CS_TIDY_COLUMNS,
    )
    gt = table[table["term"] == "att_gt"].reset_index(drop=True)
    att_gt = pd.DataFrame(
        {
            "group": gt["group"],
            "period": gt["period"],
            "base_period": _maybe_int([dat.periods[b] for b in cells.base]),
            "rel_time": gt["rel_time"],
            "post": cells.period >= cells.group,
            "estimate": gt["estimate"],
            "std_error": gt["std_error"],
            "ci_low": gt["ci_low"],
            "ci_high": gt["ci_high"],
            "p_value": gt["p_value"],
            "n_obs": gt["n_obs"],
        }
    )

    def coef(term: str) -> Coefficient:
        j = int(np.flatnonzero(terms == term)[0])
        return Coefficient(
            term,
            float(est[j]),
            float(se[j]),
            float(stat[j]),
            float(pval[j]),
            float(est[j] - z * se[j]),
            float(est[j] + z * se[j]),
        )

    # Wald pre-test on the pre-treatment cells with the analytic covariance
    pre = np.flatnonzero((cells.period < cells.group) & ~np.isnan(cells.att))
    pre = pre[np.isfinite(analytic_se[pre]) & (analytic_se[pre] > SE_FLOOR)]
    pretrend = pretrend_test(dat, cells, cov[np.ix_(pre, pre)], pre, outcome)

    cl_name = cluster or unit
    inference = (
        f"influence-function standard errors summed within {dat.n_clusters:,} clusters "
        f"({cl_name}): se = sqrt(sum_c S_c^2)/n [R did analytic, no small-sample factor]"
    )
    if bootstrap:
        inference = (
            f"multiplier bootstrap ({int(n_bootstrap):,} draws, {bootstrap_weights} weights) "
            f"over {dat.n_clusters:,} clusters ({cl_name}); se = IQR/1.349 [R did mboot]"
        )
    inference += f"; normal critical values (z = {z:.4g})"
    return CallawaySantAnnaResult(
        outcome=outcome,
        estimator="callaway_santanna",
        design=design,
        control_group=control_group,
        method=method,
        base_period=base_period,
        anticipation=anticipation,
        alpha=alpha,
        estimates=table,
        att_gt=att_gt,
        simple=coef("att_simple"),
        group=coef("att_group"),
        dynamic=coef("att_dynamic"),
        calendar=coef("att_calendar"),
        n_obs=dat.n_rows,
        n_units=n,
        n_clusters=dat.n_clusters,
        unit=unit,
        time=time,
        cohort=cohort,
        cluster=cluster,
        weights=weights,
        covariates=tuple(covariates),
        bootstrap=bool(bootstrap),
        n_bootstrap=int(n_bootstrap) if bootstrap else 0,
        bootstrap_weights=bootstrap_weights if bootstrap else None,
        critical_values=crit_vals,
        dropped_cohorts=dat.dropped_cohorts,
        n_dropped_missing=dat.n_dropped_missing,
        inference=inference,
        notes=tuple(dat.notes),
        _pretrend=pretrend,
        dynamic_min_e=dyn["dynamic_min_e"],
        dynamic_max_e=dyn["dynamic_max_e"],
        dynamic_balance_e=dyn["dynamic_balance_e"],
        dynamic_cov=_event_time_cov(cov, terms == "att_e"),
    )


def _event_time_cov(cov: np.ndarray, dynamic: np.ndarray) -> np.ndarray | None:
    """Return the analytic covariance of the event-time effects (``att_e``)."""
    if not dynamic.any():
        return None
    return cov[np.ix_(dynamic, dynamic)]
