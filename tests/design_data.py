"""Small generated studies with a known effect, shaped like wellby's analysis file.

:func:`make_study` draws one study of a given evaluation design (panel or repeated
cross-sections; respondents nested in areas or the area as the unit; any number of waves,
cohorts and areas; balanced or not; with or without weights and a covariate) and returns
the frame that :func:`wellby.prepare.panel.assemble_panel` would write, the config's ``columns``
section for it and the true effect.

The effect is homogeneous and constant (the same in every area, cohort and wave since the
start) and trends are parallel, so the target of every estimator (the TWFE coefficient,
each post-start event-study coefficient and every Callaway-Sant'Anna aggregation) is the
true effect, whatever the weights or the comparison group. Studies are kept small, so a fit
takes milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.prepare.panel import attach_treatment

FIRST_WAVE = 2016
OUTCOME = "life_satisfaction"
COVARIATE = "health"
WEIGHT = "survey_weight"

# Standard deviations of the outcome's parts and the covariate's slope.
AREA_SD = 0.5
PERSON_SD = 0.7
AREA_WAVE_SD = 0.15
NOISE_SD = 1.0
COVARIATE_SLOPE = 0.4


def wave_labels(n_waves: int) -> list[int]:
    """Return the wave labels of a study with ``n_waves`` annual waves.

    Parameters
    ----------
    n_waves : int
        Number of waves.

    Returns
    -------
    list of int
        ``FIRST_WAVE, FIRST_WAVE + 1, ...``.
    """
    return list(range(FIRST_WAVE, FIRST_WAVE + n_waves))


def default_per_cluster(n_clusters: int) -> int:
    """Return respondents per area (panel) or per area and wave (repeated cross-sections).

    Fewer respondents per area when there are many areas, so every study stays near a
    few hundred to a few thousand rows.

    Parameters
    ----------
    n_clusters : int
        Number of areas.

    Returns
    -------
    int
    """
    return int(min(20, max(3, 240 // n_clusters)))


def _area_cohorts(n_clusters: int, cohorts: Sequence[int], never_treated: bool,
                  n_treated: int | None) -> np.ndarray:
    """First treated wave of each area (0 = never treated); treated areas come first."""
    if n_treated is None:
        n_treated = math.ceil(n_clusters / 2) if never_treated else n_clusters
    if not 1 <= n_treated <= n_clusters:
        raise ValueError(f"n_treated must be between 1 and n_clusters, got {n_treated}")
    if never_treated and n_treated == n_clusters:
        raise ValueError("never_treated needs at least one area without a cohort: raise "
                         "n_clusters or lower n_treated")
    if not never_treated and n_treated < n_clusters:
        raise ValueError("without never-treated areas every area is treated: leave n_treated "
                         "unset")
    if not cohorts:
        raise ValueError("give at least one cohort")
    out = np.zeros(n_clusters, dtype=np.int64)
    out[:n_treated] = [cohorts[i % len(cohorts)] for i in range(n_treated)]
    return out


def make_study(design: str = "panel", n_clusters: int = 30, n_waves: int = 4,
               cohorts: Sequence[int] = (FIRST_WAVE + 2,), never_treated: bool = True,
               balanced: bool = True, weights: bool = False, covariates: bool = False,
               unit_is_cluster: bool = False, effect: float = 0.5, seed: int = 0, *,
               n_treated: int | None = None, per_cluster: int | None = None,
               ) -> tuple[pd.DataFrame, dict[str, Any], float]:
    """Draw a study with a known, homogeneous programme effect.

    Parameters
    ----------
    design : {"panel", "repeated_cross_section"}
        Respondents followed over the waves, or new respondents in every wave.
    n_clusters : int
        Number of areas (the clusters; treatment is assigned to areas).
    n_waves : int
        Number of annual waves, labelled from :data:`FIRST_WAVE`.
    cohorts : sequence of int
        First treated waves (wave labels); treated areas are spread over them in turn.
        A cohort may lie outside the observed waves (before the first or after the last).
    never_treated : bool
        Keep some areas untreated (cohort 0); otherwise every area has a cohort.
    balanced : bool
        Every unit in every wave (panel), or the same number of respondents in every area
        and wave (repeated cross-sections). Unbalanced: every third unit misses one wave
        and, in repeated cross-sections, the number of respondents varies.
    weights : bool
        Add a survey weight column (constant within a respondent in a panel).
    covariates : bool
        Add a time-varying covariate that moves the outcome (its level differs between
        treated and untreated areas, its trend does not).
    unit_is_cluster : bool
        The area is the unit: one row per area and wave (a panel of areas, or repeated
        cross-sections of area means); otherwise respondents are nested in areas.
    effect : float
        The programme's effect on the outcome in every treated area and wave.
    seed : int
        Seed of the random draws.
    n_treated : int, optional
        Number of treated areas (default: half the areas, rounded up, with never-treated
        areas; all of them without).
    per_cluster : int, optional
        Respondents per area (panel) or per area and wave (repeated cross-sections); default
        :func:`default_per_cluster`. Ignored with ``unit_is_cluster``.

    Returns
    -------
    frame : pandas.DataFrame
        The analysis file: ``person_id`` (panel only), ``area_id``, ``wave``, ``cohort``,
        ``treated``, ``ever_treated``, ``rel_time``, the outcome :data:`OUTCOME` and, when
        asked for, :data:`WEIGHT` and :data:`COVARIATE`.
    columns : dict
        The config's ``columns`` section for the frame.
    true_att : float
        The effect every estimator targets (``effect``).
    """
    if design not in ("panel", "repeated_cross_section"):
        raise ValueError(f"unknown design {design!r}")
    if n_clusters < 1 or n_waves < 1:
        raise ValueError("a study needs at least one area and one wave")
    rng = np.random.default_rng(seed)
    labels = np.array(wave_labels(n_waves))
    area_cohort = _area_cohorts(n_clusters, list(cohorts), never_treated, n_treated)
    area_names = np.array([f"A{i:03d}" for i in range(n_clusters)], dtype=object)
    per = 1 if unit_is_cluster else (per_cluster or default_per_cluster(n_clusters))

    if design == "panel":
        # one unit per area (the area itself) or `per` respondents per area, in every wave
        unit_area = np.repeat(np.arange(n_clusters), per)
        n_units = unit_area.size
        unit = np.repeat(np.arange(n_units), n_waves)
        area = unit_area[unit]
        wave_pos = np.tile(np.arange(n_waves), n_units)
        keep = np.ones(unit.size, dtype=bool)
        if not balanced:
            # every third unit misses one wave (so a unit of two waves is left with one)
            missing = rng.integers(0, n_waves, size=n_units)
            keep = ~((unit % 3 == 1) & (wave_pos == missing[unit]))
        unit, area, wave_pos = unit[keep], area[keep], wave_pos[keep]
        unit_level = rng.normal(0.0, PERSON_SD, size=n_units)[unit]
        row_unit = unit
    else:
        counts = np.full((n_clusters, n_waves), per)
        if not balanced:
            counts = rng.integers(max(1, per // 2), 2 * per + 1, size=(n_clusters, n_waves))
            missing = rng.integers(0, n_waves, size=n_clusters)
            thinned = np.arange(n_clusters) % 3 == 1
            counts[thinned, missing[thinned]] = 0
        area = np.repeat(np.repeat(np.arange(n_clusters), n_waves), counts.ravel())
        wave_pos = np.repeat(np.tile(np.arange(n_waves), n_clusters), counts.ravel())
        unit_level = (0.0 if unit_is_cluster
                      else rng.normal(0.0, PERSON_SD, size=area.size))
        row_unit = np.arange(area.size)

    n = area.size
    frame = pd.DataFrame({"area_id": area_names[area], "wave": labels[wave_pos],
                          "cohort": area_cohort[area]})
    if design == "panel":
        frame.insert(0, "person_id", (area_names[area] if unit_is_cluster else
                                      np.array([f"P{u:05d}" for u in row_unit], dtype=object)))
    frame = attach_treatment(frame, "wave", "cohort")

    area_level = rng.normal(0.0, AREA_SD, size=n_clusters)[area]
    wave_level = (0.1 * np.arange(n_waves) + rng.normal(0.0, 0.1, size=n_waves))[wave_pos]
    shock = rng.normal(0.0, AREA_WAVE_SD, size=(n_clusters, n_waves))[area, wave_pos]
    outcome = (7.0 + area_level + unit_level + wave_level + shock
               + effect * frame["treated"].to_numpy() + rng.normal(0.0, NOISE_SD, size=n))
    if covariates:
        ever = (area_cohort > 0)[area]
        base = rng.normal(0.0, 1.0, size=int(row_unit.max()) + 1)[row_unit]
        value = 0.5 * ever + base + rng.normal(0.0, 0.5, size=n)
        frame[COVARIATE] = value
        outcome = outcome + COVARIATE_SLOPE * value
    frame[OUTCOME] = outcome
    if weights:
        drawn = rng.uniform(0.5, 2.0, size=int(row_unit.max()) + 1)
        frame[WEIGHT] = drawn[row_unit]

    columns: dict[str, Any] = {"wave": "wave", "area": "area_id", "cohort": "cohort"}
    if design == "panel":
        columns["id"] = "person_id"
    if weights:
        columns["weight"] = WEIGHT
    return frame, columns, float(effect)
