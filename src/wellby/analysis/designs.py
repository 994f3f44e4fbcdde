"""The one design check every difference-in-differences estimator shares.

Before any estimator runs, the analysis rows of one outcome are checked against what a
comparison of programme and comparison areas needs, so that the same design gets the same
verdict from TWFE, the event study and Callaway-Sant'Anna (R ``did``'s rules where they
differ from a plain regression):

- weights, where given, are finite and not negative, and no wave's weights are all zero;
- every cohort (first treated wave) is 0 (never treated), a wave with values of the
  outcome, or later than the last wave: areas that start after the last wave are
  comparison areas in the data (as R ``did`` treats them), and a cohort whose wave has no
  values of the outcome counts from the next wave that has them;
- areas treated from the first wave have no pre-period and identify nothing: they are left
  out of every estimator, with a note (R ``did`` drops them with a warning); a cohort before
  the first wave breaks the contract (the cohort is the first treated *wave*) and stops;
- in a panel, one row per person and wave;
- some area starts within the observed waves, and there is a comparison: never-treated
  areas, or, with ``models.control_group: not_yet_treated`` and staggered starts, areas
  not yet treated;
- with covariates, every comparison group (the never-treated areas, or the areas not yet
  treated in a wave) has more rows in each wave than the covariate adjustment has
  parameters (the intercept and one per covariate): fewer, and Callaway-Sant'Anna's outcome
  regression is singular while a regression would fit the covariate through a handful of
  areas, so every estimator stops. Between that and R ``did``'s small-group rule (fewer
  than the covariates plus 5 units) a note says the adjustment rests on few rows;
- with clustered standard errors, the fixed-effect unit is nested in the cluster, and
  there are treated and comparison clusters.

Each stop is a :class:`~wellby.errors.DataError` naming the outcome, the column and the
config key to change; what need not stop is returned as notes for ``did.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.typed import Models
from wellby.errors import DataError
from wellby.prepare.grouping import dense_codes, groups_with_several_values
from wellby.prepare.panel import attach_treatment


@dataclass(frozen=True)
class CheckedDesign:
    """The rows every estimator gets, and what the check found.

    Attributes
    ----------
    data : pandas.DataFrame
        The analysis rows with cohorts after the last wave set to 0 and areas treated from
        the first wave left out (treatment columns recomputed).
    notes : list of str
        What the evaluator should know (written to ``did.csv``'s ``note``).
    """

    data: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _stop(outcome: str, message: str, column: str, key: str) -> DataError:
    return DataError(f"'{outcome}' cannot be estimated: {message}", column=column,
                     config_key=key)


def _check_weights(data: pd.DataFrame, outcome: str, weight: str | None, wave: str) -> None:
    if not weight:
        return
    values = pd.to_numeric(data[weight], errors="coerce")
    bad = values.isna() | ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise _stop(outcome, f"{int(bad.sum())} rows have missing, infinite or negative "
                    "weights", weight, "columns.weight")
    totals = values.groupby(data[wave]).sum()
    empty = [int(w) for w, total in totals.items() if total == 0]
    if empty:
        raise _stop(outcome, f"every weight is zero in wave(s) {empty}", weight,
                    "columns.weight")


def _check_one_row_per_wave(data: pd.DataFrame, outcome: str, person: str, wave: str
                            ) -> None:
    repeated = _repeated_person_waves(data[person].to_numpy(), data[wave].to_numpy())
    if repeated:
        raise _stop(outcome, f"{repeated} persons of '{person}' have more than "
                    "one row in a wave: a panel has one row per person and wave (check that "
                    "the id column identifies persons, not areas or households)", person,
                    "columns.id")


def _repeated_person_waves(persons: np.ndarray, waves: np.ndarray) -> int:
    """Count the rows repeating an earlier row's person and wave.

    The modelling steps code persons as integers 0, 1, ...: then a count per person and
    wave is one bincount (a tenth of the time of pandas' duplicated at millions of rows).
    """
    codes = dense_codes(persons)
    if codes is None:
        return int(pd.DataFrame({"p": persons, "w": waves}).duplicated().sum())
    wave_codes, wave_values = pd.factorize(waves, use_na_sentinel=False)
    counts = np.bincount(codes * len(wave_values) + wave_codes)
    return int((counts[counts > 1] - 1).sum())


def _check_cohorts(data: pd.DataFrame, outcome: str, wave: str, cohort: str,
                   area: str) -> tuple[pd.DataFrame, list[str]]:
    notes = []
    waves = np.sort(data[wave].unique())
    first, last = waves[0], waves[-1]
    cohorts = pd.to_numeric(data[cohort], errors="coerce").fillna(0)
    started = cohorts > 0
    before = started & (cohorts < first)
    if before.any():
        odd = sorted({int(c) for c in cohorts[before]})
        raise _stop(outcome, f"cohorts {odd} are before the first wave ({int(first)}); the "
                    "cohort is the first treated wave: give areas treated before the survey "
                    f"began the first wave, {int(first)} (they are then left out, having no "
                    "wave before the programme)", cohort, "columns.cohort")
    late = started & (cohorts > last)
    if late.any():
        notes.append(f"{data.loc[late, area].nunique()} area(s) start after the last wave "
                     f"({int(last)}) and are comparison areas here")
    # A cohort that is not a wave with values of this outcome (a wave between surveys, or a
    # wave that did not ask the question) counts from the next wave that has them: the
    # first treated wave the data can show.
    between = started & ~late & ~cohorts.isin(waves)
    if between.any():
        moved = {int(c): int(waves[np.searchsorted(waves, c)])
                 for c in sorted(set(cohorts[between]))}
        notes.append("cohorts without values of the outcome in their first wave count from "
                     "the next wave that has them: " + ", ".join(
                         f"{a} -> {b}" for a, b in moved.items()))
    always = started & (cohorts <= first)
    if always.any():
        notes.append(f"{data.loc[always, area].nunique()} area(s) treated from the first "
                     f"wave ({int(first)}) have no pre-period and are left out")
    if late.any() or between.any() or always.any():
        recoded = cohorts.mask(late, 0)
        if between.any():
            recoded = recoded.mask(between, recoded[between].map(moved))
        data = data.loc[~always.to_numpy()].copy()
        data[cohort] = recoded[~always].astype("int64").to_numpy()
        data = attach_treatment(data.drop(columns=["treated", "ever_treated", "rel_time"],
                                          errors="ignore"), wave, cohort)
    return data, notes


def _check_groups(data: pd.DataFrame, outcome: str, cohort: str, control_group: str
                  ) -> None:
    cohorts = data[cohort]
    starts = [int(c) for c in np.unique(cohorts[cohorts > 0])]
    if not starts:
        raise _stop(outcome, "no area starts within the observed waves, so nothing is "
                    "treated", cohort, "columns.cohort")
    if (cohorts == 0).any():
        return
    if len(starts) == 1:
        raise _stop(outcome, "every area starts in the same wave, so there is no comparison "
                    "group (no never-treated or not-yet-treated areas)", cohort,
                    "columns.cohort")
    if control_group == "never_treated":
        raise _stop(outcome, "every area is eventually treated, so there are no "
                    "never-treated comparison areas; with staggered starts, compare with "
                    "areas not yet treated (models.control_group: not_yet_treated)", cohort,
                    "models.control_group")


def _check_clusters(data: pd.DataFrame, outcome: str, unit: str, cluster: str,
                    key: str) -> list[str]:
    if cluster not in data.columns:
        raise _stop(outcome, f"the cluster column '{cluster}' is not in the analysis file",
                    cluster, key)
    split = groups_with_several_values(data[unit], data[cluster])
    if len(split):
        raise _stop(outcome, f"{len(split)} unit(s) of '{unit}' lie in more "
                    f"than one cluster of '{cluster}': the fixed-effect unit must be nested "
                    "in the cluster", cluster, key)
    clusters = data[cluster].nunique()
    if clusters < 2:
        raise _stop(outcome, f"there is {clusters} cluster of '{cluster}'; clustered "
                    "standard errors need at least two (or set models.vcov: hc1)", cluster,
                    key)
    return []


def comparison_rows(data: pd.DataFrame, wave: str, cohort: str, control_group: str,
                    anticipation: int = 0) -> pd.DataFrame:
    """Count the comparison rows each estimated wave's comparison group has in every wave.

    The comparison group of wave ``t`` is the never-treated areas (cohort 0) or, with
    ``not_yet_treated`` controls, also the areas whose cohort is later than
    ``t + anticipation`` (R ``did``'s rule). A wave is estimated when some area is treated
    in it and its comparison group is not empty.

    Returns
    -------
    pandas.DataFrame
        Columns ``wave`` (the estimated wave), ``in_wave`` (the wave counted, up to the
        estimated one) and ``rows``.
    """
    waves = np.sort(data[wave].unique())
    cohorts = data[cohort].to_numpy()
    by_wave = data[wave].to_numpy()
    counts = []
    for t in waves:
        if not ((cohorts > 0) & (cohorts <= t)).any():
            continue
        pool = cohorts == 0
        if control_group == "not_yet_treated":
            pool |= cohorts > t + anticipation
        if not pool.any():
            continue
        for w in waves[waves <= t]:
            counts.append((t, w, int((pool & (by_wave == w)).sum())))
    return pd.DataFrame(counts, columns=["wave", "in_wave", "rows"])


SMALL_GROUP_EXTRA = 5
"""R ``did`` warns of groups with fewer units than the covariates plus this number."""


def _check_covariate_groups(data: pd.DataFrame, outcome: str, wave: str, cohort: str,
                            covariates: list[str], models: Models) -> list[str]:
    if not covariates:
        return []
    rows = data.dropna(subset=covariates)
    counts = comparison_rows(rows, wave, cohort, models.control_group, models.anticipation)
    if counts.empty:
        return []
    parameters = len(covariates) + 1
    fewest = counts.loc[counts["rows"].idxmin()]
    if fewest["rows"] <= parameters:
        raise _stop(outcome, (
            f"adjusting for {len(covariates)} covariate(s) ({', '.join(covariates)}) fits "
            f"{parameters} parameters within the comparison group, but the comparison "
            f"group for wave {int(fewest['wave'])} has {int(fewest['rows'])} row(s) with "
            f"values in wave {int(fewest['in_wave'])}: remove the covariates "
            "(models.covariates) or compare with more areas"), covariates[0],
            "models.covariates")
    if fewest["rows"] < len(covariates) + SMALL_GROUP_EXTRA:
        return [f"covariate adjustment rests on few comparison rows: {int(fewest['rows'])} "
                f"in wave {int(fewest['in_wave'])} for wave {int(fewest['wave'])} (R did "
                f"warns below {len(covariates) + SMALL_GROUP_EXTRA})"]
    return []


def check_design(data: pd.DataFrame, outcome: str, *, columns: Mapping[str, Any],
                 design: str, models: Models | Mapping[str, Any]) -> CheckedDesign:
    """Check that the programme can be compared with comparison areas, for every estimator.

    Parameters
    ----------
    data : pandas.DataFrame
        The area-level survey rows (the followed cohort left out) with treatment columns.
    outcome : str
        The outcome column (named in every message).
    columns : mapping
        The config's ``columns``.
    design : {"panel", "repeated_cross_section"}
        The survey design.
    models : Models or mapping
        The study's ``models`` (typed, or as validation returns it).

    Returns
    -------
    CheckedDesign

    Raises
    ------
    DataError
        When no estimator could compare the programme with a comparison group; the
        message names the outcome, the column and the config key.
    """
    models = Models.coerce(models)
    wave, cohort, area = columns["wave"], columns["cohort"], columns["area"]
    answered = data[outcome].notna()
    rows = data if answered.all() else data[answered]
    if rows.empty:
        raise _stop(outcome, "it has no value in any row", outcome, "outcomes")
    _check_weights(rows, outcome, columns.get("weight"), wave)
    if design == "panel":
        _check_one_row_per_wave(rows, outcome, columns["id"], wave)
    rows, notes = _check_cohorts(rows, outcome, wave, cohort, area)
    _check_groups(rows, outcome, cohort, models.control_group)
    notes += _check_covariate_groups(rows, outcome, wave, cohort,
                                     list(models.covariates), models)
    if models.vcov == "cluster":
        cluster = models.cluster or area
        unit = columns["id"] if design == "panel" else area
        notes += _check_clusters(rows, outcome, unit, cluster,
                                 "models.cluster" if models.cluster else "columns.area")
    return CheckedDesign(rows, notes)
