"""Difference-in-differences for a study: run the configured estimators on one outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from wellby.bootstrap import wild_cluster_bootstrap
from wellby.errors import DataError
from wellby.estimation import fit_twfe
from wellby.panel import TREATED
from wellby.tables import DID_COLUMNS

WILD_COLUMNS = ["wild_p_value", "wild_ci_low", "wild_ci_high", "wild_bootstrap"]


def model_units(columns: Mapping[str, Any], design: str) -> str:
    """Return the fixed-effect unit: the respondent in a panel, the area otherwise."""
    return columns["id"] if design == "panel" else columns["area"]


def estimate_did(data: pd.DataFrame, outcome: str, *, columns: Mapping[str, Any], design: str,
                 models: Mapping[str, Any]) -> pd.DataFrame:
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
    pandas.DataFrame
        Tidy rows in the ``did.csv`` contract, plus ``vcov`` (the convention used).
    """
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
    rows = []
    for estimator in models["estimators"]:
        if estimator == "twfe":
            try:
                result = fit_twfe(
                    data, outcome, TREATED, model_units(columns, design), columns["wave"],
                    cluster=columns["area"] if models["vcov"] == "cluster" else None,
                    covariates=models["covariates"], weights=columns.get("weight"),
                    vcov=models["vcov"], alpha=models["alpha"])
            except ValueError as err:
                raise DataError(f"the {estimator} model of '{outcome}' cannot be estimated: "
                                f"{err}", column=outcome, config_key="models") from None
            tidy = result.tidy()
            tidy["vcov"] = result.vcov_description
            tidy = _add_wild_bootstrap(tidy, data, outcome, columns, design, models, result)
            rows.append(tidy)
    table = pd.concat(rows, ignore_index=True)
    for column in WILD_COLUMNS:
        if column not in table:
            table[column] = np.nan
    return table[[*DID_COLUMNS, "vcov", *WILD_COLUMNS]]


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
