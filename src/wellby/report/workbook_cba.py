"""The live cost-benefit sheets of ``tables.xlsx``: the case as Excel formulas.

Three sheets reproduce ``cba.csv`` and ``cba_schedule.csv`` from the case's assumptions, so
that an Excel user can change an assumption and see the result:

- ``cba_inputs``: one row per assumption (``parameter``, ``value``, ``unit``,
  ``description``): the DiD estimate, the mapping factor, attribution, displacement, the
  benefit years, the drop-off, the low / central / high WELLBY values and, for one
  population every year, the population. Two rows are formulas: ``net_factor`` and
  ``net_effect``.
- ``cba_schedule``: one row per appraisal year with the columns of
  ``cba_schedule.csv`` and the inputs behind them (``population``, ``discount_rate``,
  ``price_factor``, ``cost_discount_rate``): persons, persistence, effect, WELLBYs,
  discount factors and present values are formulas.
- ``cba``: the columns of ``cba.csv``, one row per scenario, formulas over the schedule's
  sums: ``benefits_pv = wellby_value x wellbys_pv``, ``npv = benefits_pv - costs_pv``,
  ``bcr = benefits_pv / costs_pv``, ``roi = npv / costs_pv``.

The formulas follow :mod:`wellby.valuation.appraisal` step by step (the same operations in
the same order), so recalculated they equal its figures to rounding. This module builds the
sheets as :class:`Grid` objects (values and formula strings); the workbook writer
(:mod:`wellby.report.workbook`) formats and writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from wellby.report.columns import (
    ESTIMATE,
    FACTOR,
    INTEGER,
    PERCENT,
    POUNDS,
    YEAR,
    Column,
    Kind,
)
from wellby.valuation.appraisal import CBA_COLUMNS, benefit_schedule, cost_benefit
from wellby.valuation.greenbook import (
    SCENARIOS,
    discount_rates,
    gdp_deflator,
    wellby_value,
)
from wellby.valuation.inputs import HEADLINE_TERM, CbaInputs

INPUTS_SHEET = "cba_inputs"
SCHEDULE_SHEET = "cba_schedule"
CBA_SHEET = "cba"
INPUT_COLUMNS = ["parameter", "value", "unit", "description"]
SCHEDULE_LIVE_COLUMNS = ["year", "calendar_year", "population", "persons", "persistence",
                         "effect", "wellbys", "discount_rate", "discount_factor", "wellbys_pv",
                         "cost", "price_factor", "cost_real", "cost_discount_rate",
                         "cost_discount_factor", "cost_pv"]
TOLERANCE = 1e-9


@dataclass
class Grid:
    """A sheet to write: a header row and data rows of values or formulas.

    Parameters
    ----------
    name : str
        Sheet name.
    columns : list of str
        Header row.
    rows : list of list
        Data rows; a string starting with ``=`` is a formula, ``None`` an empty cell.
    inputs : set of (int, int)
        Cells (data row, column; 0-based) that are assumptions a user may change.
    formats : dict of (int, int) to str
        Number formats of single cells, over the column's format.
    marks : dict of (int, int) to str
        Cells withheld by disclosure control, with their marker kind.
    described : dict of str to Column
        Descriptions of columns that differ from the column dictionary.
    """

    name: str
    columns: list[str]
    rows: list[list[Any]]
    inputs: set[tuple[int, int]] = field(default_factory=set)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    marks: dict[tuple[int, int], str] = field(default_factory=dict)
    described: dict[str, Column] = field(default_factory=dict)


def cell_ref(column: int, row: int, sheet: str | None = None, absolute: bool = True) -> str:
    """Return an A1 reference to a grid cell (0-based data row and column)."""
    letter = get_column_letter(column + 1)
    number = row + 2
    ref = f"${letter}${number}" if absolute else f"{letter}{number}"
    return f"{sheet}!{ref}" if sheet else ref


@dataclass(frozen=True)
class _Input:
    key: str
    value: Any
    unit: str
    description: str
    kind: Kind
    editable: bool = True


def _input_rows(inputs: CbaInputs, estimate: float) -> list[_Input]:
    term = HEADLINE_TERM.get(inputs.estimator, "att")
    mapping = (f"life-satisfaction points per point of {inputs.outcome} "
               f"({inputs.mapping_source})" if inputs.mapping_source
               else "1: the outcome is life satisfaction")
    rows = [
        _Input("estimate", estimate, f"points of {inputs.outcome}",
               f"DiD estimate valued: {inputs.estimator} '{term}' of {inputs.outcome} "
               "(did sheet)", ESTIMATE),
        _Input("mapping_factor", inputs.mapping_factor, "life-satisfaction points per unit",
               f"Mapping to life satisfaction (cba.mapping): {mapping}", FACTOR),
        _Input("attribution", inputs.attribution, "share (0-1)",
               "Share of the measured change attributable to the programme "
               "(cba.attribution)", PERCENT),
        _Input("displacement", inputs.displacement, "share (0-1)",
               "Share of the benefit offset elsewhere (cba.displacement)", PERCENT),
        _Input("net_factor", "={mapping_factor}*{attribution}*(1-{displacement})",
               "life-satisfaction points per unit",
               "Formula: mapping_factor x attribution x (1 - displacement)", FACTOR, False),
        _Input("net_effect", "={estimate}*{net_factor}",
               "life-satisfaction points per person per benefit year",
               "Formula: estimate x net_factor (the effect valued; cba sheet, effect)",
               ESTIMATE, False),
        _Input("first_benefit_year", inputs.first_benefit_year, "appraisal year",
               "First appraisal year with benefits (0 = first year of the programme)",
               INTEGER),
        _Input("duration_years", inputs.duration_years, "years",
               "Years of full effect from first_benefit_year", INTEGER),
        _Input("persistence_years", inputs.persistence_years, "years",
               "Years after the full effect in which it fades", INTEGER),
        _Input("drop_off", inputs.drop_off, "share per year (0-1)",
               "Share of the effect lost each persistence year: the k-th keeps "
               "(1 - drop_off)^k", PERCENT),
    ]
    if not isinstance(inputs.population, Mapping):
        rows.append(_Input("population", float(inputs.population), "persons",
                           "Persons the effect reaches in each benefit year "
                           "(cba.population; cba_schedule, population)", INTEGER))
    for scenario in SCENARIOS:
        rows.append(_Input(f"wellby_value_{scenario}",
                           wellby_value(scenario, inputs.price_year),
                           f"£ per WELLBY, {inputs.price_year} prices",
                           f"Green Book {scenario} value of one WELLBY, in price-year prices",
                           POUNDS))
    rows.append(_Input("price_year", inputs.price_year, "year",
                       "Prices of every £ figure (a label here: values and costs are "
                       "given in these prices)", YEAR, False))
    rows.append(_Input("start_year", inputs.start_year, "year",
                       "Calendar year of appraisal year 0 (cba.start_year)", YEAR, False))
    return rows


def inputs_grid(inputs: CbaInputs, estimate: float) -> tuple[Grid, dict[str, str]]:
    """Build the ``cba_inputs`` sheet.

    Parameters
    ----------
    inputs : CbaInputs
        The case's settings.
    estimate : float
        The DiD estimate valued, in the outcome's units.

    Returns
    -------
    grid : Grid
        The sheet.
    refs : dict of str to str
        Each parameter's value cell as an absolute reference from another sheet
        (``cba_inputs!$B$2``).
    """
    rows = _input_rows(inputs, estimate)
    local = {row.key: cell_ref(1, i) for i, row in enumerate(rows)}
    grid = Grid(INPUTS_SHEET, list(INPUT_COLUMNS), [])
    for i, row in enumerate(rows):
        value = row.value
        if isinstance(value, str) and value.startswith("="):
            value = value.format(**local)
        grid.rows.append([row.key, value, row.unit, row.description])
        grid.formats[(i, 1)] = row.kind.number_format
        if row.editable:
            grid.inputs.add((i, 1))
    refs = {key: f"{INPUTS_SHEET}!{ref}" for key, ref in local.items()}
    return grid, refs


def _price_factors(inputs: CbaInputs, years: Sequence[int]) -> list[float]:
    if inputs.cost_prices == "real" or inputs.start_year is None:
        return [1.0] * len(years)
    deflator = gdp_deflator()
    return [float(deflator[inputs.price_year] / deflator[inputs.start_year + year])
            if inputs.start_year + year in deflator.index else 1.0 for year in years]


def schedule_grid(inputs: CbaInputs, refs: Mapping[str, str]) -> Grid:
    """Build the ``cba_schedule`` sheet: one row per appraisal year, formulas over the inputs.

    Parameters
    ----------
    inputs : CbaInputs
        The case's settings (years, population, costs, discount schedules).
    refs : mapping of str to str
        The ``cba_inputs`` cells by parameter (from :func:`inputs_grid`).

    Returns
    -------
    Grid
        Columns :data:`SCHEDULE_LIVE_COLUMNS`; the population (when it varies by year),
        the costs, the price factors and the discount rates are inputs.

    Notes
    -----
    Row formulas, with ``first``, ``dur``, ``pers`` the benefit years' parameters:
    ``persons = IF(AND(year >= first, year < first + dur + pers), population, 0)``;
    ``persistence = 1`` in the full-effect years, ``(1 - drop_off)^(year - first - dur +
    1)`` in the persistence years, else 0; ``effect = net_effect x persistence``;
    ``wellbys = persons x effect``; ``discount_factor = previous / (1 + discount_rate)``
    (1 in year 0); ``wellbys_pv = wellbys x discount_factor``; ``cost_real = cost x
    price_factor``; ``cost_pv = cost_real x cost_discount_factor``.
    """
    horizon = inputs.horizon
    years = list(range(horizon))
    at = {name: i for i, name in enumerate(SCHEDULE_LIVE_COLUMNS)}
    rates = discount_rates(horizon, inputs.discounting)
    cost_rates = discount_rates(horizon, inputs.cost_discounting)
    factors = _price_factors(inputs, years)
    first, dur = refs["first_benefit_year"], refs["duration_years"]
    pers, drop = refs["persistence_years"], refs["drop_off"]
    grid = Grid(SCHEDULE_SHEET, list(SCHEDULE_LIVE_COLUMNS), [])
    for r, year in enumerate(years):
        def c(name: str, row: int = r) -> str:
            return cell_ref(at[name], row, absolute=False)

        y = c("year")
        if isinstance(inputs.population, Mapping):
            population: Any = float(inputs.population.get(year, 0.0))
            grid.inputs.add((r, at["population"]))
        else:
            population = f"={refs['population']}"
        persistence = (f"=IF({y}<{first},0,IF({y}<{first}+{dur},1,IF({y}<{first}+{dur}+{pers},"
                       f"(1-{drop})^({y}-{first}-{dur}+1),0)))")
        row = {
            "year": year,
            "calendar_year": inputs.calendar_year(year),
            "population": population,
            "persons": f"=IF(AND({y}>={first},{y}<{first}+{dur}+{pers}),{c('population')},0)",
            "persistence": persistence,
            "effect": f"={refs['net_effect']}*{c('persistence')}",
            "wellbys": f"={c('persons')}*{c('effect')}",
            "discount_rate": None if r == 0 else float(rates[r]),
            "discount_factor": 1.0 if r == 0 else
            f"={c('discount_factor', r - 1)}/(1+{c('discount_rate')})",
            "wellbys_pv": f"={c('wellbys')}*{c('discount_factor')}",
            "cost": float(inputs.costs.get(year, 0.0)),
            "price_factor": factors[r],
            "cost_real": f"={c('cost')}*{c('price_factor')}",
            "cost_discount_rate": None if r == 0 else float(cost_rates[r]),
            "cost_discount_factor": 1.0 if r == 0 else
            f"={c('cost_discount_factor', r - 1)}/(1+{c('cost_discount_rate')})",
            "cost_pv": f"={c('cost_real')}*{c('cost_discount_factor')}",
        }
        grid.rows.append([row[name] for name in SCHEDULE_LIVE_COLUMNS])
        editable = ["cost", "price_factor"] + ([] if r == 0 else ["discount_rate",
                                                                   "cost_discount_rate"])
        grid.inputs.update((r, at[name]) for name in editable)
    return grid


def cba_grid(inputs: CbaInputs, refs: Mapping[str, str], horizon: int,
             table: pd.DataFrame | None = None) -> Grid:
    """Build the ``cba`` sheet: one row per scenario, formulas over the schedule's sums.

    Parameters
    ----------
    inputs : CbaInputs
        The case's settings.
    refs : mapping of str to str
        The ``cba_inputs`` cells by parameter.
    horizon : int
        Rows of the ``cba_schedule`` sheet.
    table : pandas.DataFrame, optional
        ``cba.csv``: its scenarios, in its order; columns it has beyond those of the case
        are copied as values.

    Returns
    -------
    Grid
        The columns of ``cba.csv`` (:data:`wellby.valuation.appraisal.CBA_COLUMNS` first).
    """
    scenarios = list(table["scenario"]) if table is not None else list(SCENARIOS)
    extra = [c for c in table.columns if c not in CBA_COLUMNS] if table is not None else []
    columns = [*CBA_COLUMNS, *extra]
    at = {name: i for i, name in enumerate(columns)}
    sched = {name: i for i, name in enumerate(SCHEDULE_LIVE_COLUMNS)}

    def total(name: str) -> str:
        top = cell_ref(sched[name], 0)
        bottom = cell_ref(sched[name], horizon - 1)
        return f"=SUM({SCHEDULE_SHEET}!{top}:{bottom})"

    grid = Grid(CBA_SHEET, columns, [])
    for r, scenario in enumerate(scenarios):
        def c(name: str, row: int = r) -> str:
            return cell_ref(at[name], row, absolute=False)

        value_key = f"wellby_value_{scenario}"
        row = {
            "scenario": scenario,
            "wellby_value": (f"={refs[value_key]}" if value_key in refs
                             else wellby_value(scenario, inputs.price_year)),
            "wellbys": total("wellbys"),
            "benefits_pv": f"={c('wellby_value')}*{c('wellbys_pv')}",
            "costs_pv": total("cost_pv"),
            "npv": f"={c('benefits_pv')}-{c('costs_pv')}",
            "bcr": f"={c('benefits_pv')}/{c('costs_pv')}",
            "roi": f"={c('npv')}/{c('costs_pv')}",
            "effect": f"={refs['net_effect']}",
            "wellbys_pv": total("wellbys_pv"),
            "price_year": f"={refs['price_year']}",
            "discounting": inputs.discounting,
            "estimator": inputs.estimator,
        }
        for name in extra:
            row[name] = table[name].iloc[r]
        grid.rows.append([row[name] for name in columns])
    return grid


def _check_against(expected: pd.DataFrame, given: pd.DataFrame | None, name: str) -> None:
    if given is None:
        return
    if len(given) != len(expected):
        raise ValueError(f"{name}.csv has {len(given)} rows, the study's cba settings give "
                         f"{len(expected)}: the tables are not from this study's settings")
    for column in expected.columns:
        if column not in given.columns or not pd.api.types.is_numeric_dtype(expected[column]):
            continue
        want = pd.to_numeric(expected[column], errors="coerce").astype("float64").to_numpy()
        have = pd.to_numeric(given[column], errors="coerce").astype("float64").to_numpy()
        if not np.allclose(have, want, rtol=TOLERANCE, atol=0.0, equal_nan=True):
            raise ValueError(f"{name}.csv's '{column}' differs from the case recomputed from "
                             "the study's cba settings: the live cost-benefit sheets would "
                             "not reproduce it (were the tables made with other settings?)")


def live_cba_grids(inputs: CbaInputs, estimate: float, *, cba: pd.DataFrame | None = None,
                   schedule: pd.DataFrame | None = None) -> dict[str, Grid]:
    """Build the live ``cba_inputs``, ``cba_schedule`` and ``cba`` sheets.

    Parameters
    ----------
    inputs : CbaInputs
        The study's cost-benefit settings (:func:`wellby.valuation.inputs.cba_inputs`).
    estimate : float
        The DiD estimate valued, in the outcome's units.
    cba, schedule : pandas.DataFrame, optional
        ``cba.csv`` and ``cba_schedule.csv``; when given, they must equal the case
        recomputed from ``inputs`` and ``estimate`` (to 1e-9 relative), so that the sheets'
        formulas reproduce them.

    Returns
    -------
    dict of str to Grid
        ``cba_inputs``, ``cba_schedule`` and ``cba``.

    Raises
    ------
    ValueError
        The tables differ from the recomputed case.
    """
    _check_against(cost_benefit(inputs, estimate), cba, "cba")
    _check_against(benefit_schedule(inputs, estimate), schedule, "cba_schedule")
    inputs_sheet, refs = inputs_grid(inputs, estimate)
    return {INPUTS_SHEET: inputs_sheet,
            SCHEDULE_SHEET: schedule_grid(inputs, refs),
            CBA_SHEET: cba_grid(inputs, refs, inputs.horizon, cba)}
