"""Difference-in-differences for a study: run the configured estimators on one outcome.

Estimators (config ``models.estimators``):

- ``twfe``: two-way fixed effects (unit and wave), term ``att``;
- ``event_study``: leads and lags around each area's start (reference -1), with the joint
  pre-trend test as term ``pretrend_wald``;
- ``callaway_santanna``: group-time ATTs aggregated as ``att_simple``, ``att_group``,
  ``att_dynamic`` and ``att_calendar``, with R did's pre-test as ``pretrend_wald``;
- ``mixed_cohort``: a random-intercept mixed model of a followed cohort (rows flagged by
  ``columns.member``, e.g. partnership members): the change from its first wave, terms
  ``change_<wave>_vs_<first>``. Cohort rows are left out of every other estimator.

The unit is the respondent in a panel and the area in repeated cross-sections; clustered
standard errors are clustered on the area.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from wellby.analysis.designs import check_design
from wellby.analysis.tables import DID_COLUMNS, TEST_COLUMNS
from wellby.config.typed import EventWindow, Models
from wellby.errors import DataError
from wellby.estimators.callaway_santanna import fit_callaway_santanna
from wellby.estimators.distributions import t_quantile, t_sf
from wellby.estimators.event_study import fit_event_study, relative_time
from wellby.estimators.mixed import fit_mixed_cohort
from wellby.estimators.twfe import fit_twfe
from wellby.estimators.wild_bootstrap import wild_cluster_bootstrap, wild_cluster_bootstrap_terms
from wellby.prepare.panel import (
    TREATED,
    attach_treatment,
    cohort_members,
    resident_rows,
    residents,
)
from wellby.prepare.variables import DID_ESTIMATORS

WILD_COLUMNS = ["wild_p_value", "wild_ci_low", "wild_ci_high", "wild_bootstrap"]
INFERENCE_COLUMNS = ["inference", "headline_ci_low", "headline_ci_high", "headline_p_value",
                     "note"]
EVENT_STUDY_COLUMNS = ["outcome", "estimator", "rel_time", "estimate", "std_error", "ci_low",
                       "ci_high", "p_value", "n_obs", "n_clusters", "binned", "inference",
                       "headline_ci_low", "headline_ci_high", "headline_p_value"]
FEW_TREATED_CLUSTERS = 10
"""Fewer treated clusters than this make the wild cluster bootstrap the headline inference."""
CS_AGGREGATIONS = ["att_simple", "att_group", "att_dynamic", "att_calendar"]
GROUP_TIME_COLUMNS = ["outcome", "estimator", "term", "group", "period", "rel_time", "estimate",
                      "std_error", "ci_low", "ci_high", "p_value", "n_obs", "n_clusters"]


@dataclass(frozen=True)
class OutcomeEstimates:
    """Every estimate of one outcome.

    Attributes
    ----------
    did : pandas.DataFrame
        Rows of ``did.csv``: headline effects and pre-trend tests of every estimator.
    event_study : pandas.DataFrame
        Rows of ``event_study.csv``: effects by time relative to the start (the TWFE event
        study and Callaway-Sant'Anna's dynamic aggregation).
    group_time : pandas.DataFrame
        Callaway-Sant'Anna's group-time ATTs and the components of its aggregations.
    event_study_result : object or None
        The fitted event study (for its figure and sensitivity), when that estimator ran.
    callaway_santanna_result : object or None
        Callaway-Sant'Anna with a universal base period (the fit itself when so configured,
        else a second fit), for the sensitivity to parallel trends, which needs it; None
        when the estimator did not run or ``models.sensitivity`` is off.
    """

    did: pd.DataFrame
    event_study: pd.DataFrame
    group_time: pd.DataFrame
    event_study_result: Any = None
    callaway_santanna_result: Any = None


def model_units(columns: Mapping[str, Any], design: str) -> str:
    """Return the fixed-effect unit: the respondent in a panel, the area otherwise."""
    return columns["id"] if design == "panel" else columns["area"]


def _check_inputs(data: pd.DataFrame, outcome: str, models: Mapping[str, Any]) -> None:
    if outcome not in data.columns:
        raise DataError(f"outcome '{outcome}' is not in the analysis file", column=outcome,
                        config_key="outcomes")
    if data[outcome].notna().sum() == 0:
        raise DataError(f"outcome '{outcome}' is missing in every row", column=outcome,
                        config_key="outcomes")
    missing = [c for c in models.covariates if c not in data.columns]
    if missing:
        raise DataError(f"covariates {missing} are not in the analysis file", column=missing[0],
                        config_key="models.covariates")


def cluster_column(columns: Mapping[str, Any], models: Models | Mapping[str, Any]) -> str:
    """Return the column standard errors are clustered on: ``models.cluster`` or the area."""
    return Models.coerce(models).cluster or columns["area"]


def _twfe(data, outcome, columns, design, models) -> pd.DataFrame:
    result = fit_twfe(
        data, outcome, TREATED, model_units(columns, design), columns["wave"],
        cluster=cluster_column(columns, models) if models.vcov == "cluster" else None,
        covariates=models.covariates, weights=columns.get("weight"),
        vcov=models.vcov, alpha=models.alpha)
    tidy = result.tidy()
    tidy["vcov"] = result.vcov_description
    return _add_wild_bootstrap(tidy, data, outcome, columns, design, models, result)


def event_window_rows(data: pd.DataFrame, columns: Mapping[str, Any],
                      window: EventWindow | Mapping[str, Any]) -> pd.DataFrame:
    """Leave out programme-area rows beyond the event window (``bin_endpoints: false``).

    Rows of never-treated areas are kept; a programme area's row is kept when its relative
    time (observed waves since the start) lies within ``[-leads, lags]``.
    """
    window = EventWindow.coerce(window)
    if window.bin_endpoints or (window.leads is None and window.lags is None):
        return data
    rel = relative_time(data, columns["wave"], columns["cohort"])
    inside = rel.isna()
    low = -window.leads if window.leads is not None else None
    high = window.lags
    within = pd.Series(True, index=data.index)
    if low is not None:
        within &= rel >= low
    if high is not None:
        within &= rel <= high
    return data[(inside | within.fillna(False)).to_numpy()]


def last_cohort_as_comparison(data: pd.DataFrame, columns: Mapping[str, Any]
                              ) -> tuple[pd.DataFrame, str]:
    """Without never-treated areas, compare with the last cohort before it starts.

    Relative-time dummies for every cohort are collinear with unit and wave effects when
    no area is untreated throughout. As Sun and Abraham (2021) do, the last cohort to
    start serves as the comparison group and the waves from its start on are left out.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The rows for the event study (unchanged when never-treated areas exist) and a note
        ("" when nothing changed).
    """
    cohort, wave = columns["cohort"], columns["wave"]
    if (data[cohort] == 0).any():
        return data, ""
    last = int(data[cohort].max())
    rows = data[data[wave] < last].copy()
    rows[cohort] = rows[cohort].where(rows[cohort] != last, 0)
    rows = attach_treatment(rows.drop(columns=["treated", "ever_treated", "rel_time"],
                                      errors="ignore"), wave, cohort)
    note = (f"no never-treated areas: the event study compares with the last cohort "
            f"({last}) and leaves out the waves from {last} on (Sun and Abraham 2021)")
    return rows, note


def _event_study(data, outcome, columns, design, models):
    window = models.event_window
    binned = window.bin_endpoints
    cluster = cluster_column(columns, models)
    bootstrap = (models.vcov == "cluster" and "ever_treated" in data
                 and _few_clusters(data, cluster, models)
                 and not lone_cohorts(data, columns["cohort"], cluster))
    data, comparison_note = last_cohort_as_comparison(data, columns)
    result = fit_event_study(
        event_window_rows(data, columns, window), outcome, model_units(columns, design),
        columns["wave"], columns["cohort"],
        cluster=cluster if models.vcov == "cluster" else None,
        covariates=models.covariates, weights=columns.get("weight"),
        vcov=models.vcov, alpha=models.alpha,
        leads=window.leads if binned else None,
        lags=window.lags if binned else None, keep_design=bootstrap)
    pretrend = result.pretrend().tidy()
    pretrend["vcov"] = (f"joint test that all leads are zero: F({pretrend['df1'].iloc[0]}, "
                        f"{pretrend['df2'].iloc[0]:g}) with the {models['vcov']} covariance")
    pretrend["note"] = comparison_note
    rows = result.tidy()
    rows["binned"] = ""
    if result.lead_bin is not None:
        rows.loc[rows["rel_time"] == result.lead_bin, "binned"] = f"<= {result.lead_bin}"
    if result.lag_bin is not None:
        rows.loc[rows["rel_time"] == result.lag_bin, "binned"] = f">= {result.lag_bin}"
    if bootstrap:
        rows, reason = _event_wild_bootstrap(rows, result, columns, models)
        pretrend["note"] = "; ".join(filter(None, [reason, comparison_note]))
    return pretrend, rows, replace(result, design=None)


def _event_wild_bootstrap(rows: pd.DataFrame, result: Any, columns: Mapping[str, Any],
                          models: Mapping[str, Any]) -> tuple[pd.DataFrame, str]:
    """Give each estimated event-study coefficient its wild cluster bootstrap interval.

    Each relative-time coefficient is tested on its own in the event-study regression
    (restricted WCR11, the other coefficients free), as ``wildboottest`` tests one
    parameter of a pyfixest event study.
    """
    settings = models.bootstrap
    wild = wild_cluster_bootstrap_terms(
        result.design, result.outcome, list(result.design_terms.values()), "__unit",
        "__time", "__cluster", covariates=models.covariates,
        weights=columns.get("weight"), reps=settings.reps,
        seed=settings.seed, alpha=models.alpha,
        weights_type=settings.weights)
    rows = rows.copy()
    for column in ("wild_p_value", "wild_ci_low", "wild_ci_high"):
        rows[column] = np.nan
    for rel_time, term in result.design_terms.items():
        at = rows["rel_time"] == rel_time
        rows.loc[at, "wild_p_value"] = wild[term].p_value
        rows.loc[at, "wild_ci_low"] = wild[term].ci_low
        rows.loc[at, "wild_ci_high"] = wild[term].ci_high
    first = next(iter(wild.values()))
    reason = (f"event_study.csv headline: wild cluster bootstrap of each coefficient (WCR11, "
              f"{first.weights_type} weights, {first.reps} replications, seed {first.seed}, "
              f"G={first.n_clusters}), as clusters or treated clusters are few")
    return rows, reason


def _cs_weights(settings: Mapping[str, Any]) -> str:
    chosen = settings.weights
    return "mammen" if chosen == "auto" else chosen


def _callaway_santanna(data, outcome, columns, design, models):
    settings = models.bootstrap
    method = models.cs_method
    # Influence functions are summed within clusters; hc1 leaves them at the unit (R did
    # without clustervars). Classical has no meaning here and is refused at validation.
    cluster = cluster_column(columns, models) if models.vcov == "cluster" else None
    balanced = bool(models.balanced_panel) and design == "panel"
    options = dict(
        design=design, control_group=models.control_group, cluster=cluster,
        weights=columns.get("weight"), covariates=models.covariates, alpha=models.alpha,
        method=method, anticipation=models.anticipation, balanced_panel=balanced,
        **_dynamic_window(models))
    arguments = (data, outcome, model_units(columns, design), columns["wave"],
                 columns["cohort"])
    result = fit_callaway_santanna(
        *arguments, base_period=models.base_period, bootstrap=settings.multiplier,
        n_bootstrap=settings.reps, bootstrap_weights=_cs_weights(settings),
        seed=settings.seed, **options)
    universal = None
    if models.sensitivity.enabled:
        # The sensitivity to parallel trends needs a universal base period (R HonestDiD).
        universal = (result if models.base_period == "universal"
                     else fit_callaway_santanna(*arguments, base_period="universal", **options))
    tidy = result.tidy()
    headline = tidy[tidy["term"].isin(CS_AGGREGATIONS)].copy()
    clustered = (f"clustered by {cluster}" if cluster
                 else f"at the unit ({model_units(columns, design)})")
    headline["vcov"] = (
        f"influence-function SEs {clustered} (R did), "
        f"{models['control_group'].replace('_', '-')} controls, {_CS_METHODS[method]}"
        + (f", anticipation {models.get('anticipation', 0)} wave(s)"
           if models.anticipation else "")
        + f", {models.get('base_period', 'varying')} base period"
        + (", panel balanced first (respondents seen in every wave)" if balanced else ""))
    pretrend = result.pretrend().tidy()
    pretrend["vcov"] = "R did pre-test: all pre-treatment ATT(g,t) zero, chi-squared"
    dynamic = tidy[tidy["term"] == "att_e"].copy()
    dynamic["binned"] = ""
    group_time = tidy[~tidy["term"].isin(CS_AGGREGATIONS)].copy()
    return (pd.concat([headline, pretrend], ignore_index=True), dynamic, group_time,
            universal)


_CS_METHODS = {"dr": "doubly robust", "ipw": "inverse probability weighting",
               "reg": "outcome regression"}


def _dynamic_window(models: Mapping[str, Any]) -> dict[str, Any]:
    dynamic = models.dynamic
    return {f"dynamic_{key}": getattr(dynamic, key) for key in ("min_e", "max_e", "balance_e")
            if getattr(dynamic, key) is not None}


def _mixed_cohort(members, outcome, columns, models) -> pd.DataFrame:
    if members.empty:
        raise ValueError(f"no rows are flagged as cohort members in '{columns['member']}'")
    method = models.mixed_method
    result = fit_mixed_cohort(members, outcome, columns["id"], columns["wave"],
                              covariates=models.covariates, alpha=models.alpha,
                              reml=method == "reml")
    tidy = result.tidy()
    tidy = tidy[tidy["term"].str.startswith("change_")].copy()
    tidy["vcov"] = (f"random-intercept mixed model ({method.upper()}) of the cohort flagged by "
                    f"{columns['member']}: change from the first wave, model-based SEs (the "
                    "random intercept models each person's repeated answers; models.vcov "
                    f"applies to the DiD estimators), normal intervals; ICC {result.icc:.2f}"
                    + ("" if result.converged else "; WARNING: the fit did not converge"))
    return tidy


def estimate_outcome(data: pd.DataFrame, outcome: str, *, columns: Mapping[str, Any],
                     design: str, models: Models | Mapping[str, Any]) -> OutcomeEstimates:
    """Estimate the programme's effect on one outcome with every configured estimator.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file from :func:`wellby.prepare.panel.build_panel`.
    outcome : str
        The outcome column.
    columns : mapping
        The config's ``columns`` section.
    design : {"panel", "repeated_cross_section"}
        The survey design.
    models : Models or mapping
        The study's ``models`` section: typed (:class:`wellby.config.typed.Models`), or as
        :func:`wellby.config.validate_config` returns it (every default filled in).

    Returns
    -------
    OutcomeEstimates
    """
    models = Models.coerce(models)
    _check_inputs(data, outcome, models)
    members = cohort_members(data, columns)
    notes: list[str] = []
    if any(e in DID_ESTIMATORS for e in models.estimators):
        # the residents who answered, in one copy of the rows (the design check keeps them)
        keep = data[outcome].notna().to_numpy()
        resident = resident_rows(data, columns)
        keep = keep if resident is None else keep & resident
        data = data if keep.all() else data[keep]
        checked = check_design(data, outcome, columns=columns, design=design, models=models)
        data, notes = checked.data, checked.notes
    else:
        data = residents(data, columns)
    did_rows, event_rows, group_time = [], [], []
    event_result = cs_result = None
    for estimator in models.estimators:
        try:
            if estimator == "mixed_cohort":
                did_rows.append(_mixed_cohort(members, outcome, columns, models))
            elif estimator == "twfe":
                did_rows.append(_twfe(data, outcome, columns, design, models))
            elif estimator == "event_study":
                pretrend, leads_lags, event_result = _event_study(data, outcome, columns,
                                                                  design, models)
                did_rows.append(pretrend)
                event_rows.append(leads_lags)
            elif estimator == "callaway_santanna":
                headline, dynamic, detail, cs_result = _callaway_santanna(
                    data, outcome, columns, design, models)
                did_rows.append(headline)
                event_rows.append(dynamic)
                group_time.append(detail)
        except ValueError as err:
            column, key = estimator_error_source(str(err), outcome, columns, models)
            raise DataError(f"the {estimator} model of '{outcome}' cannot be estimated: {err}",
                            column=column, config_key=key) from None
    did = pd.concat(did_rows, ignore_index=True)
    for column in [*WILD_COLUMNS, *TEST_COLUMNS]:
        if column not in did:
            did[column] = np.nan
    did = _label_inference(did, data, columns, models)
    did = _headline(did, data, columns, models)
    if notes:
        did_rows = did["estimator"].isin(DID_ESTIMATORS)
        did.loc[did_rows, "note"] = [
            "; ".join(filter(None, [existing, *notes])) for existing in did.loc[did_rows, "note"]]
    did = did[[*DID_COLUMNS, *TEST_COLUMNS, "vcov", *WILD_COLUMNS, *INFERENCE_COLUMNS]]
    event_study = (_event_headline(pd.concat(event_rows, ignore_index=True), data, columns,
                                   models)[EVENT_STUDY_COLUMNS]
                   if event_rows else pd.DataFrame(columns=EVENT_STUDY_COLUMNS))
    if (event_study["inference"] == "none_reliable").any():
        lone = lone_cohorts(data, columns["cohort"], cluster_column(columns, models))
        rows = did["estimator"] == "event_study"
        warning = (f"WARNING: cohort(s) {lone} have a single treated cluster: the event "
                   "study's standard errors understate the uncertainty and event_study.csv "
                   "gives no headline interval")
        did.loc[rows, "note"] = ["; ".join(filter(None, [warning, note]))
                                 for note in did.loc[rows, "note"]]
    detail = (pd.concat(group_time, ignore_index=True)[GROUP_TIME_COLUMNS] if group_time
              else pd.DataFrame(columns=GROUP_TIME_COLUMNS))
    return OutcomeEstimates(did, event_study, detail, event_result, cs_result)


def estimator_error_source(message: str, outcome: str, columns: Mapping[str, Any],
                           models: Models | Mapping[str, Any]) -> tuple[str, str]:
    """Return the column and config key an estimator's own error points at.

    The estimators are config-free and say what is wrong in their own terms; this maps
    their message to the study's column and key (cohort timing, weights, covariates, the
    cluster, the comparison group), with the outcome and ``models`` as the fallback.
    """
    models = Models.coerce(models)
    text = message.lower()
    if "cluster" in text:
        return models.cluster or columns["area"], (
            "models.cluster" if models.cluster else "models.vcov")
    if "weight" in text and columns.get("weight"):
        return columns["weight"], "columns.weight"
    if "covariate" in text or (("collinear" in text or "singular" in text)
                               and models.covariates):
        return (models.covariates[0] if models.covariates else outcome,
                "models.covariates")
    if "never-treated" in text or "never treated" in text or "comparison" in text:
        return columns["cohort"], "models.control_group"
    if "cohort" in text or "treated" in text:
        return columns["cohort"], "columns.cohort"
    return outcome, "models"


def _label_inference(did: pd.DataFrame, data: pd.DataFrame, columns: Mapping[str, Any],
                     models: Mapping[str, Any]) -> pd.DataFrame:
    """Say for every row which inference is the headline, and warn of few treated clusters."""
    for column in INFERENCE_COLUMNS:
        did[column] = did[column].astype(object) if column in did else None
    unlabelled = did["inference"].isna()
    did.loc[unlabelled, "inference"] = np.where(
        did.loc[unlabelled, "term"].astype(str).str.endswith("_wald"), "test", "analytic")
    did["note"] = did["note"].fillna("").astype(object)
    cluster = cluster_column(columns, models)
    if TREATED in data and cluster in data:
        note = _inference_note(treated_clusters(data, cluster))
        # The TWFE att row already carries it with its bootstrap reason.
        pending = did["estimator"].isin(DID_ESTIMATORS) & ~did["note"].str.contains(
            "treated cluster", regex=False)
        did.loc[pending, "note"] = ["; ".join(filter(None, [existing, note]))
                                    for existing in did.loc[pending, "note"]]
    return did


def few_cluster_df(data: pd.DataFrame, cluster: str) -> int:
    """Degrees of freedom for few-cluster inference: min(treated, comparison clusters) - 1.

    With few treated clusters the clustered variance rests on them alone, so the t
    reference distribution takes its degrees of freedom from the smaller of the two groups
    of clusters, not from all of them (in simulation, :mod:`tests.test_few_clusters`).
    When every cluster is eventually treated (not-yet-treated comparisons), all clusters
    are both, and the degrees of freedom are the number of clusters less one.
    """
    ever = data.groupby(cluster, observed=True)["ever_treated"].max()
    if not (ever == 0).any():
        # Every cluster is treated in the end: each is a not-yet-treated comparison before
        # its start, so all of them carry the variance.
        return max(len(ever) - 1, 1)
    return max(int(min(ever.sum(), (ever == 0).sum())) - 1, 1)


def _few_clusters(data: pd.DataFrame, cluster: str, models: Mapping[str, Any]) -> bool:
    below = models.bootstrap.wild_cluster_below
    return (data[cluster].nunique() < below
            or treated_clusters(data, cluster) < FEW_TREATED_CLUSTERS)


def _event_headline(rows: pd.DataFrame, data: pd.DataFrame, columns: Mapping[str, Any],
                    models: Mapping[str, Any]) -> pd.DataFrame:
    """Give the event-study rows their headline intervals.

    When clusters or treated clusters are few: the wild cluster bootstrap for the TWFE
    event study's coefficients (computed by :func:`_event_wild_bootstrap`), few-cluster t
    intervals for Callaway-Sant'Anna's event-time aggregation, and none when a cohort has
    one treated cluster; the analytic intervals otherwise.
    """
    rows = rows.copy()
    rows["inference"] = "analytic"
    rows["headline_ci_low"] = rows["ci_low"]
    rows["headline_ci_high"] = rows["ci_high"]
    rows["headline_p_value"] = rows["p_value"]
    cluster = cluster_column(columns, models)
    if (models.vcov != "cluster" or "ever_treated" not in data
            or not _few_clusters(data, cluster, models)):
        return rows
    estimated = rows["std_error"].notna()
    headline = ["headline_ci_low", "headline_ci_high", "headline_p_value"]
    lone = lone_cohorts(data, columns["cohort"], cluster)
    if lone:
        rows.loc[estimated, "inference"] = "none_reliable"
        rows.loc[estimated, headline] = np.nan
        return rows
    for column in ("wild_p_value", "wild_ci_low", "wild_ci_high"):
        if column not in rows:
            rows[column] = np.nan
    wild = estimated & rows["wild_ci_low"].notna()
    rows.loc[wild, "inference"] = "wild_bootstrap"
    rows.loc[wild, headline] = rows.loc[wild, ["wild_ci_low", "wild_ci_high",
                                               "wild_p_value"]].to_numpy()
    few = estimated & ~wild
    _set_few_cluster_t(rows, few, few_cluster_df(data, cluster), models.alpha)
    return rows


def _set_few_cluster_t(rows: pd.DataFrame, where: pd.Series, df: int, alpha: float) -> None:
    """Make t(df) intervals and p-values the headline of the rows ``where`` selects."""
    critical = t_quantile(1 - alpha / 2, df)
    estimate, se = rows.loc[where, "estimate"], rows.loc[where, "std_error"]
    rows.loc[where, "inference"] = "t_few_clusters"
    rows.loc[where, "headline_ci_low"] = estimate - critical * se
    rows.loc[where, "headline_ci_high"] = estimate + critical * se
    rows.loc[where, "headline_p_value"] = 2 * t_sf(np.abs(estimate / se), df)


def lone_cohorts(data: pd.DataFrame, cohort: str, cluster: str) -> list[int]:
    """Return the cohorts whose treated rows lie in a single cluster."""
    treated = data[data[cohort] > 0]
    counts = treated.groupby(cohort)[cluster].nunique()
    return [int(c) for c, n in counts.items() if n == 1]


def _headline(did: pd.DataFrame, data: pd.DataFrame, columns: Mapping[str, Any],
              models: Mapping[str, Any]) -> pd.DataFrame:
    """Fill the headline interval and p-value of every row, as its ``inference`` says."""
    did["headline_ci_low"] = did["ci_low"]
    did["headline_ci_high"] = did["ci_high"]
    did["headline_p_value"] = did["p_value"]
    wild = did["inference"] == "wild_bootstrap"
    did.loc[wild, "headline_ci_low"] = did.loc[wild, "wild_ci_low"]
    did.loc[wild, "headline_ci_high"] = did.loc[wild, "wild_ci_high"]
    did.loc[wild, "headline_p_value"] = did.loc[wild, "wild_p_value"]
    cluster = cluster_column(columns, models)
    cs = (did["estimator"] == "callaway_santanna") & did["term"].isin(CS_AGGREGATIONS)
    if not cs.any() or models.vcov != "cluster" or "ever_treated" not in data:
        return did
    lone = lone_cohorts(data, columns["cohort"], cluster)
    if lone:
        did.loc[cs, "inference"] = "none_reliable"
        did.loc[cs, ["headline_ci_low", "headline_ci_high", "headline_p_value"]] = np.nan
        warning = (f"WARNING: cohort(s) {lone} have a single treated cluster, whose clustered "
                   "influence function sums to zero, so the standard error understates the "
                   "uncertainty and no interval is given; std_error is R did's")
        did.loc[cs, "note"] = ["; ".join(filter(None, [warning, note]))
                               for note in did.loc[cs, "note"]]
        return did
    if not _few_clusters(data, cluster, models):
        return did
    n_clusters = data[cluster].nunique()
    n_treated = treated_clusters(data, cluster)
    df = few_cluster_df(data, cluster)
    _set_few_cluster_t(did, cs, df, models.alpha)
    reason = (f"headline inference: t({df}) intervals (degrees of freedom from the smaller "
              f"of the treated and comparison clusters), as there are {n_clusters} clusters, "
              f"{n_treated} treated; std_error is R did's")
    did.loc[cs, "note"] = ["; ".join(filter(None, [reason, note]))
                           for note in did.loc[cs, "note"]]
    return did


def estimate_did(data: pd.DataFrame, outcome: str, *, columns: Mapping[str, Any], design: str,
                 models: Mapping[str, Any]) -> pd.DataFrame:
    """Return the ``did.csv`` rows of :func:`estimate_outcome`."""
    return estimate_outcome(data, outcome, columns=columns, design=design, models=models).did


def treated_clusters(data: pd.DataFrame, cluster: str) -> int:
    """Return the number of clusters with at least one treated row."""
    return int(data.loc[data[TREATED] == 1, cluster].nunique())


def _inference_note(n_treated: int) -> str:
    if n_treated == 1:
        return ("WARNING: one treated cluster: no standard error or bootstrap is reliable "
                "with a single treated cluster; read the estimate as descriptive")
    if n_treated < FEW_TREATED_CLUSTERS:
        return (f"only {n_treated} treated clusters: analytic intervals are too narrow with "
                "so few; the wild cluster bootstrap (where given) is the headline")
    return ""


def _add_wild_bootstrap(tidy: pd.DataFrame, data: pd.DataFrame, outcome: str,
                        columns: Mapping[str, Any], design: str, models: Mapping[str, Any],
                        result: Any) -> pd.DataFrame:
    """Add wild cluster bootstrap inference to the ``att`` row when clusters are few.

    The bootstrap runs when clustering and there are fewer clusters than
    ``models.bootstrap.wild_cluster_below`` or fewer treated clusters than
    :data:`FEW_TREATED_CLUSTERS`; it then becomes the headline inference (column
    ``inference``), with the reason in ``note``.
    """
    settings = models.bootstrap
    below = settings.wild_cluster_below
    tidy["inference"] = "analytic"
    tidy["note"] = ""
    if models.vcov != "cluster" or result.n_clusters is None:
        return tidy
    cluster = cluster_column(columns, models)
    n_treated = treated_clusters(data, cluster)
    att = tidy["term"] == "att"
    tidy.loc[att, "note"] = _inference_note(n_treated)
    if result.n_clusters >= below and n_treated >= FEW_TREATED_CLUSTERS:
        return tidy
    wild = wild_cluster_bootstrap(
        data, outcome, TREATED, model_units(columns, design), columns["wave"], cluster,
        covariates=models.covariates, weights=columns.get("weight"),
        reps=settings.reps, seed=settings.seed,
        alpha=models.alpha, weights_type=settings.weights)
    tidy.loc[att, "wild_p_value"] = wild.p_value
    tidy.loc[att, "wild_ci_low"] = wild.ci_low
    tidy.loc[att, "wild_ci_high"] = wild.ci_high
    tidy.loc[att, "wild_bootstrap"] = (
        f"WCR11, {wild.weights_type} weights, {wild.reps} replications, seed {wild.seed}, "
        f"G={wild.n_clusters}")
    tidy.loc[att, "inference"] = "wild_bootstrap"
    reason = (f"{result.n_clusters} clusters (fewer than models.bootstrap.wild_cluster_below"
              f" = {below})" if result.n_clusters < below
              else f"{n_treated} treated clusters")
    tidy.loc[att, "note"] = ("; ".join(filter(None, [
        f"headline inference: wild cluster bootstrap, as there are {reason}",
        _inference_note(n_treated)])))
    return tidy
