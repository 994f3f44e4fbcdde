"""tables.xlsx: formats by unit, filters, the README sheet, withheld cells, the live case.

The workbook is written from tables built with wellby's own functions on a small
hand-written study (a mapped outcome, attribution and displacement, fading benefits, two
discount schedules); its cost-benefit formulas are recalculated with the ``formulas``
engine and compared with ``cba.csv`` and ``cba_schedule.csv``, and, after an input cell is
changed, with a hand calculation that does not use wellby.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from wellby.report.workbook import (
    MARK_FILLS,
    README,
    read_tables_workbook,
    write_tables_workbook,
)
from wellby.valuation.appraisal import benefit_schedule, cost_benefit
from wellby.valuation.inputs import cba_inputs


def engine():
    """The formula engine (``formulas``, in the test extra): missing, the test fails."""
    try:
        import formulas
    except ImportError:  # pragma: no cover
        pytest.fail("the formula engine 'formulas' (pip install formulas) is not installed")
    return formulas


MIN_CELL = 10
ESTIMATE = 0.8
CBA = {"outcome": "swemwbs_metric", "estimator": "twfe",
       "mapping": {"factor": 0.25, "source": "a test conversion"},
       "price_year": 2019, "start_year": 2018, "discounting": "health",
       "cost_discounting": "standard", "population": 2000, "first_benefit_year": 1,
       "duration_years": 2, "persistence_years": 2, "drop_off": 0.5, "attribution": 0.8,
       "displacement": 0.1, "costs": {"0": 400000, "1": 100000}, "cost_prices": "real"}
NOMINAL = {**CBA, "cost_prices": "nominal", "population": {"1": 1500, "2": 2500, "3": 2500,
                                                            "4": 1000, "9": 7},
           "costs": {"0": 300000, "2": 150000, "5": 20000}}
NUMERIC_FORMATS = {("did", "estimate"): "0.000", ("did", "std_error"): "0.000",
                   ("did", "p_value"): "0.000", ("did", "n_obs"): "#,##0",
                   ("did", "n_clusters"): "#,##0", ("subgroups", "p_adjusted"): "0.000",
                   ("subgroups", "n_persons"): "#,##0", ("descriptives", "n"): "#,##0",
                   ("cleaning_summary", "rows_in"): "#,##0", ("cba", "benefits_pv"): "£#,##0",
                   ("cba", "costs_pv"): "£#,##0", ("cba", "npv"): "£#,##0",
                   ("cba", "wellby_value"): "£#,##0", ("cba", "roi"): "0.0%",
                   ("cba", "bcr"): "0.00", ("cba_schedule", "cost_pv"): "£#,##0",
                   ("cba_schedule", "persistence"): "0.0%",
                   ("cba_schedule", "discount_rate"): "0.00%",
                   ("cba_schedule", "persons"): "#,##0", ("cba_subgroups", "share"): "0.0%"}
LIVE = {"cba_inputs", "cba", "cba_schedule"}


def study_tables(cba: dict) -> dict[str, pd.DataFrame]:
    """The study's tables as results/tables holds them, the case from wellby's functions."""
    settings = cba_inputs(cba)
    did = pd.DataFrame({
        "outcome": ["swemwbs_metric", "swemwbs_metric"], "estimator": ["twfe", "event_study"],
        "term": ["att", "pretrend_wald"], "estimate": [ESTIMATE, 1.3],
        "std_error": [0.3, np.nan], "ci_low": [0.2, np.nan], "ci_high": [1.4, np.nan],
        "p_value": [0.008, 0.27], "n_obs": [5400, 5400], "n_clusters": [40, 40],
        "vcov": ["CRV1", "F(2, 39)"], "note": [np.nan, np.nan]})
    subgroups = pd.DataFrame({
        "outcome": ["swemwbs_metric"] * 3, "subgroup": ["gender"] * 3,
        "level": ["female", "male", "other"], "estimate": [0.9, 0.7, np.nan],
        "std_error": [0.4, 0.35, np.nan], "ci_low": [0.1, 0.0, np.nan],
        "ci_high": [1.7, 1.4, np.nan], "p_value": [0.03, 0.05, np.nan],
        "p_adjusted": [0.06, 0.06, np.nan], "n_obs": [2800, 2580, np.nan],
        "n_persons": [700, 645, np.nan], "estimator": ["twfe"] * 3, "term": ["att"] * 3,
        "note": [np.nan, np.nan, "suppressed: fewer than 10 persons (report.min_cell)"],
        "suppressed": [np.nan, np.nan, "primary"]})
    descriptives = pd.DataFrame({
        "outcome": ["swemwbs_metric"] * 2, "wave": [2016, 2016],
        "group": ["comparison", "programme"], "n": [680.0, 672.0], "mean": [23.1, 22.8],
        "sd": [3.9, 4.1], "suppressed": [np.nan, np.nan], "note": [np.nan, np.nan]})
    cleaning = pd.DataFrame({"wave": [2016, 2018], "rows_in": [1355, 1300],
                             "rows_excluded": [3, 0], "rows_out": [1352, 1300]})
    exclusions = pd.DataFrame({"wave": [2016] * 3, "row": [4, 9, 12],
                               "rule": ["no_outcome"] * 3, "detail": ["all missing"] * 3})
    who = pd.DataFrame({"subgroup": ["gender", "gender"], "level": ["female", "male"],
                        "share": [0.52, 0.48], "persons": [1040.0, 960.0],
                        "benefits_pv": [250000.0, 180000.0], "note": [np.nan, np.nan]})
    return {"cleaning_summary": cleaning, "exclusions": exclusions,
            "descriptives": descriptives, "did": did, "subgroups": subgroups,
            "cba": cost_benefit(settings, ESTIMATE),
            "cba_schedule": benefit_schedule(settings, ESTIMATE), "cba_subgroups": who}


def write(directory: Path, cba: dict = CBA) -> tuple[Path, dict[str, pd.DataFrame]]:
    tables = study_tables(cba)
    path = directory / "tables.xlsx"
    write_tables_workbook(tables, path, min_cell=MIN_CELL, cba=cba)
    return path, tables


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write(tmp_path_factory.mktemp("workbook"))


@pytest.fixture(scope="module")
def model(written):
    path, _ = written
    return engine().ExcelModel().loads(str(path)).finish()


def header(sheet) -> dict[str, str]:
    """Column name -> column letter."""
    return {cell.value: cell.column_letter for cell in sheet[1]}


def dictionary(book) -> pd.DataFrame:
    """The README's table of sheets and columns."""
    rows = list(book[README].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[:2] == ("sheet", "column"))
    return pd.DataFrame(rows[start + 1:], columns=list(rows[start]))


def value(solution, sheet: str, ref: str) -> float:
    return float(np.asarray(solution[f"'[tables.xlsx]{sheet.upper()}'!{ref}"].value)[0, 0])


def recalculated(path: Path, solution, sheet_name: str, table: pd.DataFrame) -> pd.DataFrame:
    """The sheet's numeric cells as the formula engine computed them, for table's columns."""
    sheet = load_workbook(path)[sheet_name]
    letters = header(sheet)
    out = {}
    for column in table.columns:
        if not pd.api.types.is_numeric_dtype(table[column]):
            continue
        cells = []
        for row in range(2, len(table) + 2):
            raw = sheet[f"{letters[column]}{row}"].value
            if isinstance(raw, str) and raw.startswith("="):
                cells.append(value(solution, sheet_name, f"{letters[column]}{row}"))
            else:
                cells.append(np.nan if raw is None else float(raw))
        out[column] = cells
    return pd.DataFrame(out)


def test_every_data_sheet_has_a_frozen_header_and_a_filter(written):
    path, tables = written
    book = load_workbook(path)
    assert book.sheetnames[0] == README
    assert book.sheetnames[1:] == ["cleaning_summary", "exclusions", "descriptives", "did",
                                   "subgroups", "cba_inputs", "cba", "cba_schedule",
                                   "cba_subgroups"]
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2", sheet.title
        last = get_column_letter(sheet.max_column)
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title


def test_numbers_are_formatted_by_unit(written):
    path, _ = written
    book = load_workbook(path)
    for (name, column), number_format in NUMERIC_FORMATS.items():
        sheet = book[name]
        letter = header(sheet)[column]
        cells = [sheet[f"{letter}{row}"] for row in range(2, sheet.max_row + 1)]
        assert cells, (name, column)
        assert {cell.number_format for cell in cells} == {number_format}, (name, column)
    inputs = book["cba_inputs"]
    by_parameter = {row[0].value: row[1] for row in inputs.iter_rows(min_row=2)}
    assert by_parameter["wellby_value_central"].number_format == "£#,##0"
    assert by_parameter["attribution"].number_format == "0.0%"


def test_readme_explains_every_sheet_and_column_with_a_unit(written):
    path, _ = written
    book = load_workbook(path)
    table = dictionary(book)
    sheets = table[table["column"].isna()]
    assert set(book.sheetnames) <= set(sheets["sheet"])
    assert sheets["description"].notna().all()
    columns = table[table["column"].notna()]
    for sheet in book.worksheets[1:]:
        for name in (cell.value for cell in sheet[1]):
            row = columns[(columns["sheet"] == sheet.title) & (columns["column"] == name)]
            assert len(row) == 1, (sheet.title, name)
            assert row["description"].iloc[0] and row["unit"].iloc[0], (sheet.title, name)
    assert book[README].auto_filter.ref is not None
    text = " ".join(str(c) for row in book[README].iter_rows(values_only=True) for c in row
                    if c is not None)
    assert "<10" in text and "suppressed" in text and "input" in text
    assert "bcr = benefits_pv / costs_pv" in text
    unit = columns.set_index(["sheet", "column"])["unit"]
    assert "£" in unit[("cba", "npv")] and "persons" in unit[("descriptives", "n")]


def test_numeric_columns_hold_only_numbers_or_empty_cells(written):
    path, _ = written
    book = load_workbook(path)
    table = dictionary(book)
    kinds = table[table["column"].notna()].set_index(["sheet", "column"])["number format"]
    numeric = 0
    for sheet in book.worksheets[1:]:
        for column in sheet.iter_cols(min_row=1):
            if kinds[(sheet.title, column[0].value)] == "@":
                continue
            numeric += 1
            for cell in column[1:]:
                if isinstance(cell.value, str):
                    assert sheet.title in LIVE and cell.value.startswith("="), (
                        sheet.title, cell.coordinate, cell.value)
                else:
                    assert cell.value is None or isinstance(cell.value, (int, float))
    assert numeric > 40


def test_withheld_cells_are_empty_shaded_and_explained(written):
    path, _ = written
    book = load_workbook(path)
    summary = book["cleaning_summary"]
    letters = header(summary)
    small = summary[f"{letters['rows_excluded']}2"]
    hidden = summary[f"{letters['rows_in']}2"]
    assert small.value is None and small.comment.text.startswith("<10:")
    assert small.fill.fgColor.rgb.endswith(MARK_FILLS["small"])
    assert hidden.value is None and hidden.comment.text.startswith("suppressed:")
    assert hidden.fill.fgColor.rgb.endswith(MARK_FILLS["suppressed"])
    assert summary[f"{letters['rows_out']}2"].value == 1352
    assert summary[f"{letters['rows_excluded']}3"].value == 0  # zero is published
    assert summary[f"{letters['rows_excluded']}3"].comment is None
    rules = book["exclusions"]
    assert rules[f"{header(rules)['rows']}2"].value is None
    subgroups = book["subgroups"]
    letters = header(subgroups)
    for column in ("n_persons", "n_obs", "estimate", "p_value"):
        cell = subgroups[f"{letters[column]}4"]  # the 'other' level: 3 persons
        assert cell.value is None and cell.comment is not None, column
    assert subgroups[f"{letters['n_persons']}4"].comment.text.startswith("<10:")
    assert subgroups[f"{letters['estimate']}2"].value == 0.9
    assert subgroups[f"{letters['estimate']}2"].comment is None
    legend = {row[0].value: row[0].fill.fgColor.rgb for row in book[README].iter_rows(max_col=1)
              if row[0].value in ("<10", "suppressed")}
    assert legend["<10"].endswith(MARK_FILLS["small"])
    assert legend["suppressed"].endswith(MARK_FILLS["suppressed"])
    published = read_tables_workbook(path)
    assert published["cleaning_summary"]["rows_in"].tolist() == ["suppressed", 1300]
    assert published["cleaning_summary"]["rows_excluded"].tolist() == ["<10", 0]


def test_cost_benefit_formulas_recalculate_to_cba_csv(written, model):
    path, tables = written
    solution = model.calculate()
    for name in ("cba", "cba_schedule"):
        sheet = recalculated(path, solution, name, tables[name])
        expected = tables[name][sheet.columns].astype(float)
        np.testing.assert_allclose(sheet.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=0,
                                   err_msg=name)
    book = load_workbook(path)
    letters = header(book["cba"])
    for column in ("benefits_pv", "costs_pv", "npv", "bcr", "roi"):
        assert str(book["cba"][f"{letters[column]}3"].value).startswith("="), column


def test_nominal_costs_and_population_by_year_recalculate_too(tmp_path):
    path, tables = write(tmp_path, NOMINAL)
    solution = engine().ExcelModel().loads(str(path)).finish().calculate()
    for name in ("cba", "cba_schedule"):
        sheet = recalculated(path, solution, name, tables[name])
        expected = tables[name][sheet.columns].astype(float)
        np.testing.assert_allclose(sheet.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=0,
                                   err_msg=name)
    assert not np.allclose(tables["cba_schedule"]["cost_real"], tables["cba_schedule"]["cost"])


def hand_bcr(estimate: float, value: float) -> float:
    """BCR of CBA by hand: 1.5% on WELLBYs, 3.5% on costs (years 1-30), effect fading."""
    net = estimate * 0.25 * 0.8 * (1 - 0.1)
    persistence = {1: 1.0, 2: 1.0, 3: 0.5, 4: 0.25}
    wellbys_pv = sum(2000 * net * share / 1.015 ** year
                     for year, share in persistence.items())
    costs_pv = 400000 + 100000 / 1.035
    return value * wellbys_pv / costs_pv


def test_changing_an_input_cell_changes_bcr_as_by_hand(written, model):
    path, tables = written
    book = load_workbook(path)
    rows = {row[0].value: row[1].coordinate for row in book["cba_inputs"].iter_rows(min_row=2)}
    bcr = f"{header(book['cba'])['bcr']}3"  # the central scenario
    assert book["cba"]["A3"].value == "central"
    assert math.isclose(hand_bcr(ESTIMATE, 13000), tables["cba"]["bcr"].iloc[1], rel_tol=1e-9)

    def cell(sheet: str, ref: str) -> str:
        return f"'[tables.xlsx]{sheet.upper()}'!{ref}"

    changed = model.calculate(inputs={cell("cba_inputs", rows["estimate"]): 1.5},
                              outputs=[cell("cba", bcr)])
    assert math.isclose(value(changed, "cba", bcr), hand_bcr(1.5, 13000), rel_tol=1e-9)
    changed = model.calculate(inputs={cell("cba_inputs", rows["wellby_value_central"]): 20000},
                              outputs=[cell("cba", bcr)])
    assert math.isclose(value(changed, "cba", bcr), hand_bcr(ESTIMATE, 20000), rel_tol=1e-9)


def test_tables_from_other_settings_are_refused(tmp_path):
    tables = study_tables(CBA)
    with pytest.raises(ValueError, match="cba.csv"):
        write_tables_workbook(tables, tmp_path / "tables.xlsx", min_cell=MIN_CELL,
                              cba={**CBA, "attribution": 0.5})


def test_without_cba_settings_the_case_is_values(tmp_path):
    tables = study_tables(CBA)
    path = tmp_path / "tables.xlsx"
    write_tables_workbook(tables, path, min_cell=MIN_CELL)
    book = load_workbook(path)
    assert "cba_inputs" not in book.sheetnames
    letters = header(book["cba"])
    assert book["cba"][f"{letters['bcr']}3"].value == pytest.approx(tables["cba"]["bcr"][1])


def test_published_cells_split_markers_from_numbers():
    from wellby.report.workbook import published_cells

    view = pd.DataFrame({"n_obs": ["<10", 12.0, "suppressed"], "estimate": [np.nan, 1.5, np.inf],
                         "vcov": ["a", 3, None], "suppressed": ["primary", None, "secondary"],
                         "odd": [1, "text", 2.5]})
    values, marks, columns = published_cells(view, "did", MIN_CELL)
    assert values["n_obs"].tolist() == [None, 12, None]
    assert marks["n_obs"].tolist() == ["small", "", "suppressed"]
    # a statistic left blank in a primary row is withheld; infinity is not written
    assert values["estimate"].tolist() == [None, 1.5, None]
    assert marks["estimate"].tolist() == ["small", "", ""]
    assert columns["odd"].kind.name == "text" and values["odd"].tolist() == [1, "text", 2.5]
    assert columns["n_obs"].number_format == "#,##0"
