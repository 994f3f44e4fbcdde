"""The study's comparison: choose or reweight comparison areas, and apply the area weights.

:func:`choose_comparison` reads the ``comparison`` section and runs one method of
:mod:`wellby.analysis.comparison` on the areas of the analysis file (their attributes from
the area file, ``data.areas``, and their baseline outcome means). :func:`apply_area_weights`
gives every survey row its area's weight, so each estimator (TWFE, event study,
Callaway-Sant'Anna, subgroups) is fitted on the matched set or the reweighted areas: rows
of areas whose weight is 0 (comparison areas never matched, programme areas without a
match within the caliper) leave the estimation sample, and the weights table lists them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wellby.analysis.comparison import ComparisonResult, area_features, compare_areas
from wellby.config.typed import Columns, Comparison
from wellby.errors import DataError

COMPARISON_WEIGHT = "_comparison_weight"
"""The estimation weight column: the area weight times the survey weight (if any)."""

METHOD_NAMES = {
    "none": "every comparison area, equally weighted",
    "nearest": "nearest-neighbour matching on the propensity score",
    "mahalanobis": "nearest-neighbour matching on the Mahalanobis distance",
    "entropy": "entropy balancing of the comparison areas",
    "ipw": "inverse probability weights (odds of the propensity score)",
}


def baseline_waves(data: pd.DataFrame, columns: Columns, settings: Comparison) -> list[int]:
    """Return the waves of the baseline means: configured, else those before the first start.

    Raises
    ------
    DataError
        When no wave precedes the first programme start (nothing is a baseline).
    """
    if settings.baseline_waves:
        return [int(w) for w in settings.baseline_waves]
    cohorts = data.loc[data[columns.cohort] > 0, columns.cohort]
    first = int(cohorts.min()) if len(cohorts) else None
    waves = sorted(int(w) for w in data[columns.wave].unique()
                   if first is None or w < first)
    if not waves:
        raise DataError("no wave precedes the first programme start, so the areas have no "
                        "baseline outcome means: give comparison.baseline_waves or leave "
                        "comparison.baseline_outcomes empty",
                        config_key="comparison.baseline_waves")
    return waves


def area_table(data: pd.DataFrame, columns: Columns, attributes: list[str]) -> pd.DataFrame:
    """Return one row per area: its id, cohort and attributes (constant within an area).

    Raises
    ------
    DataError
        When an attribute is not a column of the analysis file, or differs within an area.
    """
    missing = [a for a in attributes if a not in data.columns]
    if missing:
        raise DataError(f"the comparison attribute(s) {missing} are in neither the area file "
                        "nor the waves: add them to data.areas (its rename) or correct "
                        "comparison.attributes", column=missing[0],
                        config_key="comparison.attributes")
    grouped = data.groupby(columns.area, sort=True)
    for attribute in attributes:
        varying = grouped[attribute].nunique(dropna=True)
        varying = varying[varying > 1]
        if len(varying):
            raise DataError(f"'{attribute}' differs within {len(varying)} area(s): an area "
                            "attribute must be constant within its area",
                            column=attribute, config_key="comparison.attributes")
    table = grouped[[columns.cohort, *attributes]].first().reset_index()
    return table


def choose_comparison(data: pd.DataFrame, settings: Comparison | Mapping[str, Any],
                      columns: Columns | Mapping[str, Any]) -> ComparisonResult:
    """Match or reweight the comparison areas as ``comparison`` says.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file's residents (area, wave, cohort, attributes, baseline outcomes).
    settings : Comparison or mapping
        The ``comparison`` section (typed, or validated).
    columns : Columns or mapping
        The ``columns`` section.

    Returns
    -------
    ComparisonResult
        The area weights (every area of the analysis file), the balance table before and
        after, the programme areas left without a match, and notes.
    """
    settings, columns = Comparison.coerce(settings), Columns.coerce(columns)
    attributes = list(settings.attributes)
    outcomes = list(settings.baseline_outcomes)
    if not attributes and not outcomes:
        raise DataError("comparison.method is set but there is nothing to balance: list area "
                        "attributes in comparison.attributes or outcomes in "
                        "comparison.baseline_outcomes", config_key="comparison.attributes")
    waves = baseline_waves(data, columns, settings) if outcomes else None
    features = area_features(data, area_table(data, columns, attributes),
                             area=columns.area, cohort=columns.cohort, wave=columns.wave,
                             attributes=attributes, baseline_outcomes=outcomes,
                             baseline_waves=waves)
    covariates = [c for c in features.columns if c != "treated"]
    return compare_areas(features, covariates, method=settings.method, ratio=settings.ratio,
                         replace=settings.replace, caliper=settings.caliper,
                         moments=settings.moments)


def apply_area_weights(data: pd.DataFrame, weights: pd.DataFrame,
                       columns: Columns | Mapping[str, Any], rows: np.ndarray | None = None
                       ) -> tuple[pd.DataFrame, Columns]:
    """Give each row its area's weight; drop the rows of areas weighted 0.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with the area column (and the survey weight, if ``columns.weight``).
    weights : pandas.DataFrame
        ``area`` and ``weight`` (:attr:`ComparisonResult.weights`).
    columns : Columns or mapping
    rows : ndarray of bool, optional
        The rows to keep at all (e.g. :func:`wellby.prepare.panel.resident_rows`), filtered
        with the weights in one copy; default every row.

    Returns
    -------
    (pandas.DataFrame, Columns)
        The rows of areas with a positive weight, with :data:`COMPARISON_WEIGHT` (the area
        weight times the survey weight), and ``columns`` naming it as the weight.

    Raises
    ------
    DataError
        When rows name an area the weights do not list (the comparison was computed on
        another analysis file: rerun the compare step).
    """
    columns = Columns.coerce(columns)
    area_weight = _area_weight_of_rows(data[columns.area], weights)
    if rows is not None:
        area_weight[~rows] = 0.0  # left out like an area weighted 0
    if np.isnan(area_weight).any():
        areas = data[columns.area].to_numpy()[np.isnan(area_weight)]
        unknown = sorted({str(area) for area in areas if pd.notna(area)})
        raise DataError(f"{max(len(unknown), 1)} area(s) of the analysis file have no "
                        "comparison weight: the weights are out of date, rerun the compare "
                        "step", column=columns.area, config_key="comparison")
    keep = area_weight > 0
    # (a filter copies every column; when every area keeps its rows there is nothing to drop)
    out = data.copy(deep=False) if keep.all() else data.loc[keep].copy(deep=False)
    weight = area_weight[keep]
    if columns.weight:
        weight = weight * out[columns.weight].to_numpy(dtype=float)
    out[COMPARISON_WEIGHT] = weight
    return out, dataclasses.replace(columns, weight=COMPARISON_WEIGHT)


def _area_weight_of_rows(areas: pd.Series, weights: pd.DataFrame) -> np.ndarray:
    """Each row's area weight (NaN for an area the weights do not list)."""
    listed = weights["area"].astype(str)
    weight = weights["weight"].to_numpy(dtype=float)
    values = areas.array
    if isinstance(values, pd.arrays.ArrowStringArray):  # the analysis file's area ids
        # Arrow's hash lookup of every row: a sixth of the time of factorising the rows
        text = values.__arrow_array__()
        found = pc.index_in(text, value_set=pa.array(listed.tolist(), type=text.type))
        at = found.to_numpy(zero_copy_only=False)
        return np.where(np.isnan(at), np.nan, weight[np.nan_to_num(at).astype(np.intp)])
    # Look each distinct area up once: a million rows hold a few hundred areas.
    codes, uniques = pd.factorize(areas)
    lookup = pd.Series(weight, index=listed)
    per_area = pd.Series(np.asarray(uniques).astype(str)).map(lookup).to_numpy(dtype=float)
    return np.where(codes >= 0, per_area[codes], np.nan)


def comparison_note(method: str, weights: pd.DataFrame) -> str:
    """Describe the comparison for did.csv: the method and the areas it used.

    Parameters
    ----------
    method : str
        ``comparison.method``.
    weights : pandas.DataFrame
        ``area``, ``treated``, ``weight`` (None for ``method == "none"``).
    """
    name = METHOD_NAMES[method]
    if weights is None or method == "none":
        return name
    treated = weights["treated"].astype(bool).to_numpy()
    positive = weights["weight"].to_numpy(dtype=float) > 0
    used_comparison, comparison = int((positive & ~treated).sum()), int((~treated).sum())
    used_programme, programme = int((positive & treated).sum()), int(treated.sum())
    note = (f"{name}: {used_comparison} of {comparison} comparison areas used, "
            f"{used_programme} of {programme} programme areas")
    if method in ("entropy", "ipw"):
        effective = _effective_areas(weights["weight"].to_numpy(dtype=float)[~treated])
        note += f"; the comparison weights are worth {effective:.0f} equally weighted areas"
    return note


def _effective_areas(weights: np.ndarray) -> float:
    """Kish's effective sample size of the weights."""
    total = weights.sum()
    return float(total * total / np.square(weights).sum()) if total > 0 else 0.0


__all__ = ["COMPARISON_WEIGHT", "apply_area_weights", "area_table",
           "baseline_waves", "choose_comparison", "comparison_note"]
