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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wellby.bootstrap import wild_cluster_bootstrap
from wellby.cohort import fit_mixed_cohort
from wellby.errors import DataError
from wellby.estimation import fit_twfe
from wellby.event_study import fit_event_study
from wellby.panel import TREATED, cohort_members, residents
from wellby.staggered import fit_callaway_santanna
from wellby.tables import DID_COLUMNS

WILD_COLUMNS = ["wild_p_value", "wild_ci_low", "wild_ci_high", "wild_bootstrap"]
EVENT_STUDY_COLUMNS = ["outcome", "estimator", "rel_time", "estimate", "std_error", "ci_low",
                       "ci_high", "p_value", "n_obs", "n_clusters"]
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
        The fitted event study (for its figure), when that estimator ran.
    """

    did: pd.DataFrame
    event_study: pd.DataFrame
    group_time: pd.DataFrame
    event_study_result: Any = None


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
    missing = [c for c in models["covariates"] if c not in data.columns]
    if missing:
        raise DataError(f"covariates {missing} are not in the analysis file", column=missing[0],
                        config_key="models.covariates")


def _twfe(data, outcome, columns, design, models) -> pd.DataFrame:
    result = fit_twfe(
        data, outcome, TREATED, model_units(columns, design), columns["wave"],
        cluster=columns["area"] if models["vcov"] == "cluster" else None,
        covariates=models["covariates"], weights=columns.get("weight"),
        vcov=models["vcov"], alpha=models["alpha"])
    tidy = result.tidy()
    tidy["vcov"] = result.vcov_description
    return _add_wild_bootstrap(tidy, data, outcome, columns, design, models, result)


def _event_study(data, outcome, columns, design, models):
    result = fit_event_study(
        data, outcome, model_units(columns, design), columns["wave"], columns["cohort"],
        cluster=columns["area"] if models["vcov"] == "cluster" else None,
        covariates=models["covariates"], weights=columns.get("weight"),
        vcov=models["vcov"], alpha=models["alpha"])
    pretrend = result.pretrend().tidy()
    pretrend["vcov"] = (f"joint test that all leads are zero: F({pretrend['df1'].iloc[0]}, "
                        f"{pretrend['df2'].iloc[0]:g}) with the {models['vcov']} covariance")
    return pretrend, result.tidy(), result


def _callaway_santanna(data, outcome, columns, design, models):
    settings = models.get("bootstrap", {})
    result = fit_callaway_santanna(
        data, outcome, model_units(columns, design), columns["wave"], columns["cohort"],
        design=design, control_group=models["control_group"], cluster=columns["area"],
        weights=columns.get("weight"), covariates=models["covariates"], alpha=models["alpha"],
        bootstrap=settings.get("multiplier", False), n_bootstrap=settings.get("reps", 999),
        seed=settings.get("seed", 20101))
    tidy = result.tidy()
    headline = tidy[tidy["term"].isin(CS_AGGREGATIONS)].copy()
    headline["vcov"] = (f"influence-function SEs clustered by {columns['area']} (R did), "
                        f"{models['control_group'].replace('_', '-')} controls, doubly robust")
    pretrend = result.pretrend().tidy()
    pretrend["vcov"] = "R did pre-test: all pre-treatment ATT(g,t) zero, chi-squared"
    dynamic = tidy[tidy["term"] == "att_e"].copy()
    group_time = tidy[~tidy["term"].isin(CS_AGGREGATIONS)].copy()
    return pd.concat([headline, pretrend], ignore_index=True), dynamic, group_time


def _mixed_cohort(members, outcome, columns, models) -> pd.DataFrame:
    if members.empty:
        raise ValueError(f"no rows are flagged as cohort members in '{columns['member']}'")
    result = fit_mixed_cohort(members, outcome, columns["id"], columns["wave"],
                              covariates=models["covariates"], alpha=models["alpha"])
    tidy = result.tidy()
    tidy = tidy[tidy["term"].str.startswith("change_")].copy()
    tidy["vcov"] = (f"random-intercept mixed model (REML) of the cohort flagged by "
                    f"{columns['member']}: change from the first wave, model-based SEs, normal "
                    f"intervals; ICC {result.icc:.2f}"
                    + ("" if result.converged else "; WARNING: the fit did not converge"))
    return tidy


def estimate_outcome(data: pd.DataFrame, outcome: str, *, columns: Mapping[str, Any],
                     design: str, models: Mapping[str, Any]) -> OutcomeEstimates:
    """Estimate the programme's effect on one outcome with every configured estimator.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file from :func:`wellby.panel.build_panel`.
    outcome : str
        The outcome column.
    columns : mapping
        The config's ``columns`` section.
    design : {"panel", "repeated_cross_section"}
        The survey design.
    models : mapping
        The config's ``models`` section (with defaults).

    Returns
    -------
    OutcomeEstimates
    """
    _check_inputs(data, outcome, models)
    members = cohort_members(data, columns)
    data = residents(data, columns)
    did_rows, event_rows, group_time = [], [], []
    event_result = None
    for estimator in models["estimators"]:
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
                headline, dynamic, detail = _callaway_santanna(data, outcome, columns, design,
                                                               models)
                did_rows.append(headline)
                event_rows.append(dynamic)
                group_time.append(detail)
        except ValueError as err:
            raise DataError(f"the {estimator} model of '{outcome}' cannot be estimated: {err}",
                            column=outcome, config_key="models") from None
    did = pd.concat(did_rows, ignore_index=True)
    for column in WILD_COLUMNS:
        if column not in did:
            did[column] = np.nan
    did = did[[*DID_COLUMNS, "vcov", *WILD_COLUMNS]]
    event_study = (pd.concat(event_rows, ignore_index=True)[EVENT_STUDY_COLUMNS]
                   if event_rows else pd.DataFrame(columns=EVENT_STUDY_COLUMNS))
    detail = (pd.concat(group_time, ignore_index=True)[GROUP_TIME_COLUMNS] if group_time
              else pd.DataFrame(columns=GROUP_TIME_COLUMNS))
    return OutcomeEstimates(did, event_study, detail, event_result)


def estimate_did(data: pd.DataFrame, outcome: str, *, columns: Mapping[str, Any], design: str,
                 models: Mapping[str, Any]) -> pd.DataFrame:
    """Return the ``did.csv`` rows of :func:`estimate_outcome`."""
    return estimate_outcome(data, outcome, columns=columns, design=design, models=models).did


def _add_wild_bootstrap(tidy: pd.DataFrame, data: pd.DataFrame, outcome: str,
                        columns: Mapping[str, Any], design: str, models: Mapping[str, Any],
                        result: Any) -> pd.DataFrame:
    """Add wild cluster bootstrap inference to the ``att`` row when clusters are few."""
    settings = models.get("bootstrap", {})
    below = settings.get("wild_cluster_below", 50)
    if models["vcov"] != "cluster" or result.n_clusters is None or result.n_clusters >= below:
        return tidy
    wild = wild_cluster_bootstrap(
        data, outcome, TREATED, model_units(columns, design), columns["wave"], columns["area"],
        covariates=models["covariates"], weights=columns.get("weight"),
        reps=settings.get("reps", 9999), seed=settings.get("seed", 20101),
        alpha=models["alpha"])
    att = tidy["term"] == "att"
    tidy.loc[att, "wild_p_value"] = wild.p_value
    tidy.loc[att, "wild_ci_low"] = wild.ci_low
    tidy.loc[att, "wild_ci_high"] = wild.ci_high
    tidy.loc[att, "wild_bootstrap"] = (
        f"WCR11, {wild.weights_type} weights, {wild.reps} replications, seed {wild.seed}, "
        f"G={wild.n_clusters}")
    return tidy
