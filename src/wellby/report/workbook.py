"""``tables.xlsx``: every published table, formatted by unit, explained, with a live case.

:func:`write_tables_workbook` writes the workbook an evaluator hands to a colleague:

- a first sheet, ``README``, that says how to read the workbook, what its markers mean, and
  lists every sheet and every column with its description and unit (from the column
  dictionary, :mod:`wellby.report.columns`);
- one sheet per table, in the order given, from the publishable views of
  :func:`wellby.report.disclosure.published_tables` (the same views as the HTML report):
  a bold, frozen header row, a filter on every column, and each column's number format by
  its kind (pounds ``£#,##0``, percentages ``0.0%``, counts ``#,##0``, estimates and
  p-values ``0.000``, ...);
- disclosure control without text in numbers: a count the views replace by a marker
  (``<10``, ``suppressed``) is written as an empty cell, shaded, with the marker in a
  comment (:func:`published_cells`), and so is a statistic left blank in a row suppressed
  for fewer than ``min_cell`` persons; the ``README`` explains both shadings;
- given the study's ``cba`` settings, the cost-benefit case as live formulas
  (:mod:`wellby.report.workbook_cba`): ``cba_inputs`` (assumptions), ``cba_schedule``
  (year by year) and ``cba`` (PV benefits, PV costs, NPV, BCR, ROI per scenario), which
  recalculate when an assumption changes and equal ``cba.csv`` as written.

A program that reads the file without recalculating (pandas, openpyxl with
``data_only=True``) sees the formula cells empty (openpyxl cannot store their results; Excel
and LibreOffice compute them on opening): such readers should use the CSV files, or
:func:`read_tables_workbook` for the other sheets with their markers restored.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from wellby.config.typed import Cba
from wellby.report.columns import SHEETS, TEXT, Column, describe_column
from wellby.report.disclosure import (
    PRIMARY,
    SECONDARY_MARKER,
    disclosure_notes,
    published_tables,
    small_count_marker,
    suppression_status,
)
from wellby.report.workbook_cba import (
    CBA_SHEET,
    INPUTS_SHEET,
    SCHEDULE_SHEET,
    Grid,
    live_cba_grids,
)
from wellby.valuation.appraisal import headline_effect
from wellby.valuation.inputs import CbaInputs, cba_inputs

README = "README"
SMALL = "small"
SUPPRESSED = "suppressed"
MARK_FILLS = {SMALL: "FCE4D6", SUPPRESSED: "D9D9D9"}
INPUT_FILL = "FFF2CC"
INPUT_FONT = "0000FF"
HEADER_FILL = "DDEBF7"
COMMENT_AUTHOR = "wellby"
DICTIONARY_HEADER = ["sheet", "column", "description", "unit", "number format"]


def marker_text(kind: str, min_cell: int) -> str:
    """Return the marker of a withheld cell (``<10`` or ``suppressed``)."""
    return small_count_marker(min_cell) if kind == SMALL else SECONDARY_MARKER


def marker_meaning(kind: str, min_cell: int) -> str:
    """Return what a withheld cell of the kind means (its comment and README line)."""
    if kind == SMALL:
        return (f"{small_count_marker(min_cell)}: not published, fewer than {min_cell} "
                "persons (report.min_cell); a statistic of such a cell is withheld too")
    return (f"{SECONDARY_MARKER}: not published, so that a small count cannot be worked out "
            "by subtraction from totals or other cells (secondary suppression), or a "
            "person-wave count of a suppressed cell")


# ------------------------------------------------------------------ published views

def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any, whole: bool) -> float | int:
    number = float(value)
    if whole and number.is_integer():
        return int(number)
    return number


def _is_number(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _text(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, bool) or _is_number(value):
        return value.item() if hasattr(value, "item") else value
    return str(value)


def published_cells(view: pd.DataFrame, table: str, min_cell: int
                    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Column]]:
    """Split a published view into numbers, the marks of withheld cells, and column kinds.

    Parameters
    ----------
    view : pandas.DataFrame
        One table of :func:`wellby.report.disclosure.published_tables`, whose withheld
        counts are text markers (``<10``, ``suppressed``).
    table : str
        Its name (for the column dictionary).
    min_cell : int
        Smallest count of persons that may be shown (gives the ``<10`` marker).

    Returns
    -------
    values : pandas.DataFrame
        Same shape, object dtype: numbers (int where whole in a count, year or integer
        column) or None in numeric columns, text or None in text columns.
    marks : pandas.DataFrame
        Same shape: ``"small"`` (a ``<10`` marker, or a statistic left blank in a row
        suppressed as primary), ``"suppressed"`` (a ``suppressed`` marker) or ``""``.
    columns : dict of str to Column
        Each column's description, unit and kind.

    Notes
    -----
    A numeric column (by the column dictionary) that holds text other than the markers is
    treated as text, so no value is lost.
    """
    small, secondary = small_count_marker(min_cell), SECONDARY_MARKER
    markers = frozenset({small, secondary})
    status = suppression_status(view).to_numpy()
    values: dict[Any, list[Any]] = {}
    marks: dict[Any, list[str]] = {}
    kinds: dict[str, Column] = {}
    for column in view.columns:
        series = view[column]
        info = describe_column(table, column, series, ignore=markers)
        raw = list(series)
        stray = [v for v in raw if isinstance(v, str) and v not in markers and v.strip()]
        if info.kind.numeric and stray:
            info = Column(info.description, info.unit, TEXT)
        kinds[column] = info
        if not info.kind.numeric:
            values[column] = [_text(v) for v in raw]
            marks[column] = [""] * len(raw)
            continue
        whole = info.kind.number_format in ("0", "#,##0")
        cells: list[Any] = []
        flags: list[str] = []
        for value in raw:
            if isinstance(value, str) and value in markers:
                cells.append(None)
                flags.append(SMALL if value == small else SUPPRESSED)
            elif (_missing(value) or (isinstance(value, str) and not value.strip())
                  or not math.isfinite(float(value))):
                cells.append(None)  # Excel has no NaN or infinity
                flags.append("")
            else:
                cells.append(_number(value, whole))
                flags.append("")
        published = [c is not None and s != PRIMARY for c, s in zip(cells, status, strict=True)]
        if any(published) and info.kind.name not in ("year", "integer"):
            for i, cell in enumerate(cells):
                if cell is None and not flags[i] and status[i] == PRIMARY:
                    flags[i] = SMALL
        values[column] = cells
        marks[column] = flags
    return (pd.DataFrame(values, index=view.index, columns=view.columns, dtype=object),
            pd.DataFrame(marks, index=view.index, columns=view.columns, dtype=object), kinds)


def table_grid(name: str, view: pd.DataFrame, min_cell: int) -> Grid:
    """Build the sheet of one published view (see :func:`published_cells`)."""
    values, marks, kinds = published_cells(view, name, min_cell)
    grid = Grid(name, [str(c) for c in view.columns],
                [list(row) for row in values.itertuples(index=False, name=None)],
                described={str(c): kinds[c] for c in view.columns})
    for r, row in enumerate(marks.itertuples(index=False, name=None)):
        for c, flag in enumerate(row):
            if flag:
                grid.marks[(r, c)] = flag
    return grid


# ------------------------------------------------------------------ the cost-benefit case

def _settings(cba: Cba | Mapping[str, Any] | CbaInputs) -> CbaInputs:
    return cba if isinstance(cba, CbaInputs) else cba_inputs(cba)


def _valued(settings: CbaInputs, cba: pd.DataFrame | None) -> CbaInputs:
    """Return the settings with the estimator cba.csv valued (``auto`` settled)."""
    if cba is None or "estimator" not in cba or not len(cba):
        return settings
    return replace(settings, estimator=str(cba["estimator"].iloc[0]))


def _estimate(settings: CbaInputs, tables: Mapping[str, pd.DataFrame]) -> float:
    if "did" in tables:
        return headline_effect(tables["did"], settings.outcome, settings.estimator)[0]
    if "cba" in tables and settings.net_factor != 0:
        return float(tables["cba"]["effect"].iloc[0]) / settings.net_factor
    raise ValueError("the estimate valued is needed for the live cost-benefit sheets: give "
                     "estimate=, or the did (or cba) table")


def _with_live_case(grids: dict[str, Grid], live: Mapping[str, Grid]) -> dict[str, Grid]:
    out: dict[str, Grid] = {}
    for name, grid in grids.items():
        if name == CBA_SHEET:
            out[INPUTS_SHEET] = live[INPUTS_SHEET]
            out[name] = live[CBA_SHEET]
            if SCHEDULE_SHEET not in grids:
                out[SCHEDULE_SHEET] = live[SCHEDULE_SHEET]
        elif name == SCHEDULE_SHEET:
            out[name] = live[SCHEDULE_SHEET]
        else:
            out[name] = grid
    return out


# ------------------------------------------------------------------ writing

def _readme_rows(grids: Mapping[str, Grid], min_cell: int, live: CbaInputs | None
                 ) -> list[tuple[list[Any], str]]:
    """Rows of the README above the dictionary, each with its style."""
    rows: list[tuple[list[Any], str]] = [
        (["tables.xlsx: the study's published tables"], "title"),
        (["Each sheet after this one is one table: its header in row 1 (frozen) and a filter "
          "on every column. The list below gives every sheet and column with its meaning "
          "and unit; numbers are formatted by unit (£, %, counts, estimates, p-values)."],
         "text"),
        (["Numeric columns hold only numbers or empty cells. An empty cell is not "
          "applicable (see the row's note) or withheld by disclosure control: a withheld "
          "cell is shaded and its comment gives the marker:"], "text"),
        ([marker_text(SMALL, min_cell), marker_meaning(SMALL, min_cell)], SMALL),
        ([marker_text(SUPPRESSED, min_cell), marker_meaning(SUPPRESSED, min_cell)],
         SUPPRESSED),
        ([f"Disclosure control (report.min_cell = {min_cell}); where a line says a count "
          "reads a marker, in this workbook the cell is empty, shaded and commented with "
          "it:"], "bold"),
        *[([line], "text") for line in disclosure_notes(min_cell)],
    ]
    if live is not None:
        horizon = live.horizon
        rows += [
            (["The cost-benefit case is live: cba_inputs holds its assumptions, cba_schedule "
              "the appraisal year by year, cba the case per WELLBY value scenario."], "bold"),
            (["input", "An input: change it (e.g. the estimate or a WELLBY value) and the "
                       "schedule, PV benefits, PV costs, NPV, BCR and ROI recalculate."],
             "input"),
            (["Every other figure on these three sheets is a formula: benefits_pv = "
              "wellby_value x wellbys_pv; npv = benefits_pv - costs_pv; bcr = benefits_pv / "
              "costs_pv; roi = npv / costs_pv; WELLBYs are discounted on the Green Book "
              f"{live.discounting} schedule, costs on the {live.cost_discounting} schedule; "
              f"all £ in {live.price_year} prices."], "text"),
            ([f"The schedule covers appraisal years 0-{horizon - 1}: benefits moved past "
              "them are not counted (copy the last row down and extend the SUM ranges of "
              "the cba sheet to add years)."], "text"),
            (["As written, the figures equal cba.csv and cba_schedule.csv. Excel and "
              "LibreOffice calculate them on opening; a program reading the file without "
              "calculating (e.g. pandas) sees these cells empty: read the CSV files."],
             "text"),
        ]
    elif CBA_SHEET in grids:
        rows.append((["The cost-benefit sheets hold values as in cba.csv (the study's cba "
                      "settings were not given, so there are no live formulas)."], "text"))
    return rows


def _dictionary(grids: Mapping[str, Grid]) -> list[list[str]]:
    rows = [[README, "", SHEETS[README], "", ""]]
    for name, grid in grids.items():
        rows.append([name[:31], "", SHEETS.get(name, "Table (not in the column dictionary)"),
                     "", ""])
        for column in grid.columns:
            info = grid.described.get(column) or describe_column(name, column)
            rows.append([name[:31], column, info.description, info.unit,
                         info.number_format])
    return rows


def _width(values: list[Any]) -> float:
    longest = 0
    for value in values[:300]:
        if value is None:
            continue
        text = f"{value:,.3f}" if isinstance(value, float) else str(value)
        if text.startswith("="):
            text = "0" * 14
        longest = max(longest, len(text))
    return float(min(max(longest + 2, 10), 60))


def _write_readme(sheet: Any, grids: Mapping[str, Grid], min_cell: int,
                  live: CbaInputs | None, styles: Mapping[str, Any]) -> None:
    from openpyxl.styles import Alignment, Font

    row_number = 1
    for values, style in _readme_rows(grids, min_cell, live):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            if style == "title":
                cell.font = Font(bold=True, size=14)
            elif style == "bold":
                cell.font = Font(bold=True)
        first = sheet.cell(row=row_number, column=1)
        if style in (SMALL, SUPPRESSED):
            first.fill = styles[style]
        elif style == "input":
            first.fill = styles["input_fill"]
            first.font = styles["input_font"]
        row_number += 1
    row_number += 1
    header = row_number
    for column, value in enumerate(DICTIONARY_HEADER, start=1):
        cell = sheet.cell(row=header, column=column, value=value)
        cell.font = Font(bold=True)
        cell.fill = styles["header"]
    for values in _dictionary(grids):
        row_number += 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            cell.number_format = "@"
            if not values[1]:
                cell.font = Font(bold=True)
            if column == 3:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.auto_filter.ref = f"A{header}:E{row_number}"
    for letter, width in zip("ABCDE", (18, 24, 90, 34, 14), strict=True):
        sheet.column_dimensions[letter].width = width


def _write_grid(sheet: Any, grid: Grid, min_cell: int, styles: Mapping[str, Any]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for column, name in enumerate(grid.columns, start=1):
        cell = sheet.cell(row=1, column=column, value=name)
        cell.font = Font(bold=True)
        cell.fill = styles["header"]
    formats = [(grid.described.get(name) or describe_column(grid.name, name)).number_format
               for name in grid.columns]
    for r, row in enumerate(grid.rows):
        for c, value in enumerate(row):
            cell = sheet.cell(row=r + 2, column=c + 1, value=value)
            cell.number_format = grid.formats.get((r, c), formats[c])
            if (r, c) in grid.inputs:
                cell.fill = styles["input_fill"]
                cell.font = styles["input_font"]
            mark = grid.marks.get((r, c))
            if mark:
                cell.fill = styles[mark]
                comment = Comment(marker_meaning(mark, min_cell), COMMENT_AUTHOR)
                comment.width, comment.height = 260, 80
                cell.comment = comment
    last_column = get_column_letter(max(len(grid.columns), 1))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last_column}{len(grid.rows) + 1}"
    for c, name in enumerate(grid.columns):
        values = [name, *(row[c] for row in grid.rows)]
        sheet.column_dimensions[get_column_letter(c + 1)].width = _width(values)


def write_tables_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path, *,
                          min_cell: int,
                          cba: Cba | Mapping[str, Any] | CbaInputs | None = None,
                          estimate: float | None = None) -> None:
    """Write ``tables.xlsx``: README, one formatted sheet per table, a live cost-benefit case.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The study's tables as written under ``results/tables`` (read from the CSV files),
        by sheet name, in the workbook's order. They are made publishable here with
        :func:`wellby.report.disclosure.published_tables`, as in the HTML report.
    path : str or Path
        The workbook to write.
    min_cell : int
        Smallest count of persons that may be shown (``report.min_cell``).
    cba : Cba, mapping or CbaInputs, optional
        The study's ``cba`` settings. With them, and a ``cba`` table, the ``cba`` and
        ``cba_schedule`` sheets are live formulas over a ``cba_inputs`` sheet inserted
        before ``cba``; without them they hold the tables' values.
    estimate : float, optional
        The DiD estimate valued; by default the headline estimate of the ``did`` table
        (:func:`wellby.valuation.appraisal.headline_effect`).

    Raises
    ------
    ValueError
        The ``cba`` or ``cba_schedule`` table differs from the case recomputed from
        ``cba`` and the estimate (:func:`wellby.report.workbook_cba.live_cba_grids`).

    Notes
    -----
    Sheet names are cut to Excel's 31 characters. Every data sheet has its header frozen
    and a filter over all its columns; number formats come from
    :mod:`wellby.report.columns`.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    views = published_tables(tables, min_cell)
    grids = {name: table_grid(name, view, min_cell) for name, view in views.items()}
    settings = None
    if cba is not None and CBA_SHEET in tables:
        settings = _valued(_settings(cba), tables.get(CBA_SHEET))
        value = _estimate(settings, tables) if estimate is None else float(estimate)
        live = live_cba_grids(settings, value, cba=tables.get(CBA_SHEET),
                              schedule=tables.get(SCHEDULE_SHEET))
        grids = _with_live_case(grids, live)

    def fill(color: str) -> PatternFill:
        return PatternFill(fill_type="solid", start_color=color, end_color=color)

    styles = {SMALL: fill(MARK_FILLS[SMALL]), SUPPRESSED: fill(MARK_FILLS[SUPPRESSED]),
              "input_fill": fill(INPUT_FILL), "input_font": Font(color=INPUT_FONT),
              "header": fill(HEADER_FILL)}
    book = Workbook()
    readme = book.active
    readme.title = README
    _write_readme(readme, grids, min_cell, settings, styles)
    for name, grid in grids.items():
        _write_grid(book.create_sheet(name[:31]), grid, min_cell, styles)
    book.calculation.fullCalcOnLoad = True
    book.save(path)


def read_tables_workbook(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read the data sheets of ``tables.xlsx`` with the markers of withheld cells restored.

    Parameters
    ----------
    path : str or Path
        A workbook written by :func:`write_tables_workbook`.

    Returns
    -------
    dict of str to pandas.DataFrame
        Every sheet but ``README``, as published: a withheld cell reads its marker
        (``<10``, ``suppressed``, from its comment), a formula cell reads None (the file
        holds no calculated values).
    """
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    out: dict[str, pd.DataFrame] = {}
    for sheet in book.worksheets:
        if sheet.title == README:
            continue
        rows = list(sheet.iter_rows())
        if not rows:
            out[sheet.title] = pd.DataFrame()
            continue
        header = [cell.value for cell in rows[0]]
        data = []
        for row in rows[1:]:
            values = []
            for cell in row:
                value = cell.value
                if value is None and cell.comment is not None:
                    value = cell.comment.text.split(":", 1)[0]
                values.append(value)
            data.append(values)
        out[sheet.title] = pd.DataFrame(data, columns=header)
    return out
