"""Matched or reweighted comparison areas: area features, weights and balance.

Big Local compared its programme areas with *matched* comparison areas. This module builds
one row per area from the area file and the baseline survey waves
(:func:`area_features`), chooses or reweights the comparison areas with one of the methods
of :mod:`wellby.analysis.comparison_methods` (matching) and
:mod:`wellby.analysis.comparison_weighting` (weighting) (:func:`compare_areas`), reports covariate
balance before and after as MatchIt's ``summary()`` does (:func:`balance_table`), and turns
the area weights into observation weights that every estimator already accepts
(:func:`observation_weights`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.analysis.comparison_methods import (
    TREATED,
    MatchResult,
    match_nearest,
    propensity_scores,
)
from wellby.analysis.comparison_weighting import entropy_balance, inverse_probability_weights
from wellby.errors import ConfigError, DataError

__all__ = ["METHODS", "ComparisonResult", "MatchResult", "area_features", "balance_table",
           "compare_areas", "entropy_balance", "inverse_probability_weights",
           "match_nearest", "observation_weights", "propensity_scores"]

METHODS = ("nearest", "mahalanobis", "entropy", "ipw")
"""``nearest``: nearest neighbour on the propensity score; ``mahalanobis``: nearest
neighbour on the Mahalanobis distance; ``entropy``: entropy balancing; ``ipw``: ATT odds
weights."""

DROPPED = "dropped_areas"
"""Key of ``area_features(...).attrs``: areas left out because they have no survey rows."""

_EPS = np.sqrt(np.finfo(float).eps)


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"the {what} has no column(s) {missing}; it has {list(frame.columns)}",
                        column=missing[0])


def _encode(areas: pd.DataFrame, attributes: Sequence[str]) -> pd.DataFrame:
    """Numeric attributes as floats; categorical ones one-hot, first level dropped."""
    parts = []
    for name in attributes:
        column = areas[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            parts.append(column.astype(float).rename(name))
            continue
        text = column.astype("string").str.strip().replace("", pd.NA)
        levels = sorted(text.dropna().unique())
        for level in levels[1:]:
            dummy = (text == level).astype("Float64").astype(float)
            dummy[text.isna()] = np.nan
            parts.append(dummy.rename(f"{name}_{level}"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=areas.index)


def area_features(data: pd.DataFrame, areas: pd.DataFrame, *, area: str, cohort: str,
                  wave: str, attributes: Sequence[str],
                  baseline_outcomes: Sequence[str] = (),
                  baseline_waves: Sequence | None = None) -> pd.DataFrame:
    """One row per area: whether it is a programme area, its attributes, baseline outcomes.

    Parameters
    ----------
    data : pandas.DataFrame
        Long survey rows with the area, wave and outcome columns.
    areas : pandas.DataFrame
        The area table (:func:`wellby.prepare.areas.read_area_file`): one row per area with
        the area id, the first treated wave (0 or missing = never treated) and attributes.
    area, cohort, wave : str
        Canonical column names.
    attributes : sequence of str
        Columns of ``areas`` to match on. Numeric ones are kept; categorical ones (e.g.
        urban/rural, region) become 0/1 columns ``<name>_<level>``, the first level in
        sorted order being the base that is left out.
    baseline_outcomes : sequence of str, optional
        Outcomes of ``data`` whose area mean over the baseline waves becomes
        ``baseline_<outcome>``.
    baseline_waves : sequence, optional
        Waves averaged for the baseline; by default the first wave in ``data`` (a study
        would take the waves before any area starts).

    Returns
    -------
    pandas.DataFrame
        Indexed by area id (index name ``area``): ``treated`` (bool: first treated wave
        above 0), the encoded attributes and the baseline outcomes, as floats. Areas with
        no survey rows at all are left out and listed in ``.attrs["dropped_areas"]``.

    Raises
    ------
    DataError
        When a column is missing, an area is listed twice, survey rows name an area the
        area table lacks, or an area with survey rows lacks a feature (the message gives
        how many areas and which column).
    """
    _check_columns(areas, [area, cohort, *attributes], "area table")
    _check_columns(data, [area, wave, *baseline_outcomes], "survey data")
    if areas[area].duplicated().any():
        twice = areas.loc[areas[area].duplicated(), area].tolist()
        raise DataError(f"areas listed more than once in the area table: {twice[:10]}",
                        column=area)
    unknown = sorted(set(data[area].dropna().unique()) - set(areas[area]))
    if unknown:
        raise DataError(f"{len(unknown)} area(s) in the survey are not in the area table, "
                        f"e.g. {unknown[:5]}", column=area)
    table = areas.set_index(area)
    cohorts = pd.to_numeric(table[cohort], errors="coerce").fillna(0)
    features = pd.concat([(cohorts > 0).rename(TREATED),
                          _encode(table, attributes)], axis=1)
    waves = list(baseline_waves) if baseline_waves is not None else [data[wave].min()]
    base = data[data[wave].isin(waves)]
    for outcome in baseline_outcomes:
        means = pd.to_numeric(base[outcome], errors="coerce").groupby(base[area]).mean()
        features[f"baseline_{outcome}"] = means.reindex(features.index).astype(float)
    surveyed = features.index.isin(data[area].dropna().unique())
    dropped = features.index[~surveyed].tolist()
    features = features[surveyed]
    for column in features.columns.drop(TREATED):
        missing = features[column].isna()
        if missing.any():
            where = (f"no survey rows with {column.removeprefix('baseline_')} in the "
                     f"baseline wave(s) {waves}" if column.startswith("baseline_")
                     else "no value in the area table")
            raise DataError(f"{int(missing.sum())} area(s) have {where}, e.g. "
                            f"{features.index[missing].tolist()[:5]}; fill them in or leave "
                            "the feature out of the matching", column=column)
    features.index.name = area
    features.attrs[DROPPED] = dropped
    return features


def _wvar(x: np.ndarray, w: np.ndarray, binary: bool) -> float:
    """Weighted variance as MatchIt's ``wvar``.

    p(1-p) for a binary variable, else the reliability-weighted unbiased variance
    ``Σw(x-m)²/(1-Σw²)`` with weights scaled to sum to 1.
    """
    w = w / w.sum()
    mean = float(w @ x)
    if binary:
        return mean * (1 - mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(w @ (x - mean) ** 2 / (1 - (w**2).sum()))


def _pooled_sd(x: np.ndarray, treat: np.ndarray, binary: bool) -> float:
    """Pooled SD as MatchIt's ``pooled_sd`` (proportional contribution).

    The fallback denominator when the programme areas' SD is 0.
    """
    n = len(x)
    if binary:
        total = 0.0
        for group in (True, False):
            s, k = x[treat == group].sum(), (treat == group).sum()
            total += s * (1 - s / k) / n
        return float(np.sqrt(total))
    centred = x.copy()
    for group in (True, False):
        centred[treat == group] -= x[treat == group].mean()
    return float(np.sqrt((centred**2).sum() / (n - 2)))


def _balance_row(x: np.ndarray, treat: np.ndarray, w: np.ndarray) -> dict[str, float]:
    binary = bool(np.isin(x, (0.0, 1.0)).all())
    ones = np.ones(len(x))
    sd = np.sqrt(_wvar(x[treat], ones[treat], binary))
    if not np.isfinite(sd) or sd < _EPS:
        sd = _pooled_sd(x, treat, binary)
    row = {"binary": binary}
    for label, weights in (("before", ones), ("after", w)):
        wt, wc = weights[treat], weights[~treat]
        mean_t = float(wt @ x[treat] / wt.sum())
        mean_c = float(wc @ x[~treat] / wc.sum())
        too_small = (wt != 0).sum() < 2 and (wc != 0).sum() < 2
        diff = mean_t - mean_c
        smd = diff if abs(diff) <= _EPS else (np.nan if too_small else diff / sd)
        ratio = (np.nan if binary or too_small
                 else _wvar(x[treat], wt, False) / _wvar(x[~treat], wc, False))
        row.update({f"mean_treated_{label}": mean_t, f"mean_comparison_{label}": mean_c,
                    f"smd_{label}": smd, f"variance_ratio_{label}": ratio})
    return row


def balance_table(features: pd.DataFrame, covariates: Sequence[str],
                  weights: pd.Series) -> pd.DataFrame:
    """Covariate balance of programme and comparison areas before and after weighting.

    Parameters
    ----------
    features : pandas.DataFrame
        From :func:`area_features` (``treated`` and the covariates).
    covariates : sequence of str
        Columns to report.
    weights : pandas.Series
        Weight of every area (index = area id): matching, entropy or IPW weights.

    Returns
    -------
    pandas.DataFrame
        One row per covariate: ``covariate, mean_treated, mean_comparison_before,
        mean_comparison_after, smd_before, smd_after, variance_ratio_before,
        variance_ratio_after``, then ``mean_treated_after`` (the programme areas' weighted
        mean, which differs from ``mean_treated`` when a caliper drops programme areas) and
        ``binary``.

    Notes
    -----
    As MatchIt 4.5.1's ``summary()`` for the ATT (and cobalt's default):

    - standardised mean difference = (programme mean - comparison mean) / SD of the
      programme areas *before* weighting, the same denominator before and after; the SD is
      ``sqrt(p(1-p))`` for a binary (0/1) covariate, else the sample SD (n-1); a
      difference below ``sqrt(machine eps)`` is reported unstandardised (it is 0);
    - means after are weighted; variance ratio = programme / comparison weighted variance,
      ``Σw(x-m)²/(1-Σw²)`` with weights scaled to sum to 1; NaN for binary covariates.
    """
    _check_columns(features, [TREATED, *covariates], "area table")
    w = weights.reindex(features.index)
    if w.isna().any():
        raise DataError(f"{int(w.isna().sum())} area(s) have no weight, e.g. "
                        f"{features.index[w.isna()].tolist()[:5]}", column="weight")
    treat = features[TREATED].to_numpy(dtype=bool)
    w = w.to_numpy(dtype=float)
    rows = [{"covariate": c, **_balance_row(features[c].to_numpy(dtype=float), treat, w)}
            for c in covariates]
    table = pd.DataFrame(rows).rename(columns={"mean_treated_before": "mean_treated"})
    return table[["covariate", "mean_treated", "mean_comparison_before",
                  "mean_comparison_after", "smd_before", "smd_after", "variance_ratio_before",
                  "variance_ratio_after", "mean_treated_after", "binary"]]


@dataclass
class ComparisonResult:
    """Comparison areas chosen or reweighted, with their balance.

    Attributes
    ----------
    method : str
        One of :data:`METHODS`.
    weights : pandas.DataFrame
        One row per area: ``area, treated, weight, matched`` (weight above 0).
    balance : pandas.DataFrame
        :func:`balance_table` of the covariates.
    dropped_treated : list
        Programme areas left without a match (weight 0).
    notes : list of str
        What was done and dropped, for the report.
    """

    method: str
    weights: pd.DataFrame
    balance: pd.DataFrame
    dropped_treated: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """Return the weights table: ``area, treated, weight, matched``."""
        return self.weights.copy()


def compare_areas(features: pd.DataFrame, covariates: Sequence[str], *,
                  method: str = "nearest", ratio: int = 1, replace: bool = True,
                  caliper: float | None = None, caliper_scale: str = "sd",
                  moments: int = 1, balance_covariates: Sequence[str] | None = None
                  ) -> ComparisonResult:
    """Choose or reweight the comparison areas and report balance.

    Parameters
    ----------
    features : pandas.DataFrame
        From :func:`area_features`.
    covariates : sequence of str
        Features to match or weight on.
    method : {"nearest", "mahalanobis", "entropy", "ipw"}
        See :data:`METHODS`.
    ratio, replace, caliper, caliper_scale
        Matching options (:func:`match_nearest`); ignored by the weighting methods.
    moments : {1, 2}
        Entropy balancing: balance means, or means and variances.
    balance_covariates : sequence of str, optional
        Columns of the balance table; by default ``covariates``.

    Returns
    -------
    ComparisonResult
    """
    if method not in METHODS:
        raise ConfigError(f"comparison method must be one of {list(METHODS)}, not {method!r}")
    notes = []
    dropped_areas = features.attrs.get(DROPPED, [])
    if dropped_areas:
        notes.append(f"{len(dropped_areas)} area(s) without survey rows were left out: "
                     f"{dropped_areas[:10]}")
    dropped: list = []
    if method in ("nearest", "mahalanobis"):
        match: MatchResult = match_nearest(
            features, covariates, distance="propensity" if method == "nearest"
            else "mahalanobis", ratio=ratio, replace=replace, caliper=caliper,
            caliper_scale=caliper_scale)
        weights, dropped = match.weights, match.dropped_treated
        notes += match.notes
        notes.append(f"{method} matching, ratio {ratio}, "
                     f"{'with' if replace else 'without'} replacement"
                     + (f", caliper {caliper} ({caliper_scale})" if caliper else ""))
    elif method == "entropy":
        weights = entropy_balance(features, covariates, moments=moments)
        notes.append(f"entropy balancing of {'means' if moments == 1 else 'means and variances'}")
    else:
        weights = inverse_probability_weights(features, covariates)
        notes.append("inverse probability (odds) weights for the ATT")
    table = pd.DataFrame({
        "area": features.index.to_numpy(),
        "treated": features[TREATED].to_numpy(dtype=bool),
        "weight": weights.to_numpy(dtype=float),
    })
    table["matched"] = table["weight"] > 0
    balance = balance_table(features, list(balance_covariates or covariates), weights)
    return ComparisonResult(method, table, balance, list(dropped), notes)


def observation_weights(data: pd.DataFrame, result: ComparisonResult, *, area: str,
                        weight: str | None = None) -> pd.Series:
    """Each survey row's weight: its area's weight times the row's own weight.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey rows with the area column (and ``weight`` if given).
    result : ComparisonResult
        From :func:`compare_areas`.
    area : str
        The area column.
    weight : str, optional
        The rows' own weight column (``columns.weight``).

    Returns
    -------
    pandas.Series
        Indexed like ``data``, named ``weight``; 0 for rows of unmatched areas.

    Raises
    ------
    DataError
        When rows belong to an area the comparison did not weigh.
    """
    lookup = result.weights.set_index("area")["weight"]
    area_weight = data[area].map(lookup)
    if area_weight.isna().any():
        missing = sorted(data.loc[area_weight.isna(), area].astype(str).unique())
        raise DataError(f"{len(missing)} area(s) in the survey have no comparison weight, "
                        f"e.g. {missing[:5]}", column=area)
    if weight is not None:
        _check_columns(data, [weight], "survey data")
        area_weight = area_weight * pd.to_numeric(data[weight], errors="coerce")
    return area_weight.astype(float).rename("weight")
