"""The study's power: could it have detected an effect worth the money.

For each outcome, the variance components of the study's own rows
(:func:`wellby.analysis.variance_components.variance_components`) give the minimum
detectable effect at the configured power (``power.target``) and ``models.alpha``; beside it
the WELLBY break-even effect of the valued outcome (``cba.outcome``, in the outcome's own
units) and the power against it. For the valued outcome, the planning table says what one
more follow-up wave needs to detect the break-even effect: the power over a grid of areas
and persons per area, the fewest areas at today's persons per area and the fewest persons at
today's areas.

Under staggered starts the formula needs one start: the earliest cohort's, so the waves
before it are the pre-period and the rest the post-period (the MDE of the earliest cohort's
comparison, a conservative reading for the later ones, which have more pre-periods).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from wellby.analysis.power import planning_table, power_table
from wellby.analysis.variance_components import VarianceComponents, variance_components
from wellby.config.typed import Study
from wellby.prepare.panel import TREATED, residents, start_waves
from wellby.prepare.variables import compares_areas

GRID = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
"""Multiples of the study's areas and persons per area in the default planning grid."""
PLANNING_SUMMARY = ("power_now", "min_areas", "min_persons", "power_limit_persons", "note")
PLANNING_COLUMNS = ["outcome", "target_effect", "areas", "n_treated_areas", "n_control_areas",
                    "persons_per_area", "n_pre", "n_post", "std_error", "mde", "power"]
POWER_COLUMNS = ["outcome", "design", "n_areas", "n_treated_areas", "n_control_areas",
                 "persons_per_area", "n_pre", "n_post", "icc_area", "icc_area_wave", "rho",
                 "std_error", "df", "mde", "mde_sd", "alpha", "power", "breakeven_effect",
                 "power_at_breakeven", *PLANNING_SUMMARY]


def _periods(data: pd.DataFrame, study: Study) -> tuple[int, int]:
    waves = sorted(pd.to_numeric(data[study.columns.wave]).dropna().unique())
    starts = start_waves(data, study.columns)
    first = starts[0] if starts else waves[-1]
    n_pre = sum(1 for wave in waves if wave < first)
    return n_pre, len(waves) - n_pre


def outcome_components(data: pd.DataFrame, outcome: str, study: Study) -> VarianceComponents:
    """Return one outcome's variance components, with the design's pre and post waves."""
    person = study.columns.id if study.design == "panel" else None
    components = variance_components(data, outcome, area=study.columns.area,
                                     wave=study.columns.wave, person=person,
                                     treated_col=TREATED)
    if components.n_pre is None:  # staggered starts: the earliest cohort's periods
        n_pre, n_post = _periods(data, study)
        components = dataclasses.replace(components, n_pre=n_pre, n_post=n_post)
    return components


def _grid(current: float, given: list[int], floor: int) -> list[int]:
    if given:
        return sorted(set(given))
    return sorted({max(floor, int(round(current * k))) for k in GRID})


def study_power(data: pd.DataFrame, study: Study,
                breakeven_effect: float | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the power table (one row per outcome) and the valued outcome's planning grid.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file (its residents; a followed cohort's rows are left out).
    study : Study
        The study, or a slice with ``columns``, ``design``, ``outcomes``, ``power``,
        ``models.alpha``, ``models.estimators`` and ``cba`` (None without a cost-benefit
        case). A study that only follows a member cohort gets the tables' columns and no
        rows.
    breakeven_effect : float or None
        The valued outcome's break-even effect in its own units
        (:func:`wellby.valuation.appraisal.breakeven_effect` with ``scale="estimate"``).

    Returns
    -------
    power : pandas.DataFrame
        :func:`wellby.analysis.power.power_table`'s columns, then for the valued outcome the
        planning summary (``power_now`` with one more wave, ``min_areas``,
        ``min_persons``, ``power_limit_persons``, ``note``).
    planning : pandas.DataFrame
        The valued outcome's grid (outcome, target_effect, then the planning table's
        columns); empty without a cost-benefit case.
    """
    if not compares_areas(study.models):  # a followed cohort only: no comparison areas
        return pd.DataFrame(columns=POWER_COLUMNS), pd.DataFrame(columns=PLANNING_COLUMNS)
    data = residents(data, study.columns)
    alpha, target = study.models.alpha, study.power.target
    components = [outcome_components(data, outcome, study) for outcome in study.outcomes]
    valued = study.cba.outcome if study.cba is not None else None
    breakeven = ({valued: breakeven_effect}
                 if valued is not None and breakeven_effect is not None else {})
    table = power_table(components, breakeven=breakeven, alpha=alpha, power=target)
    for column in PLANNING_SUMMARY:
        table[column] = np.nan if column != "note" else ""
    planning = pd.DataFrame(columns=PLANNING_COLUMNS)
    by_outcome = dict(zip(study.outcomes, components, strict=True))
    if valued in by_outcome and breakeven_effect is not None and math.isfinite(
            breakeven_effect):
        c = by_outcome[valued]
        plan = planning_table(
            c, breakeven_effect, areas_grid=_grid(c.n_areas, list(study.power.areas), 4),
            persons_grid=_grid(c.persons_per_area, list(study.power.persons), 1),
            alpha=alpha, power=target)
        row = table["outcome"] == valued
        for column in PLANNING_SUMMARY:
            value = getattr(plan, column)
            table.loc[row, column] = value if value is not None else np.nan
        planning = plan.table.assign(outcome=valued, target_effect=breakeven_effect)
        planning = planning[PLANNING_COLUMNS]
    return table[POWER_COLUMNS], planning
