"""Small cells, end to end: every published count and share, checked by persons.

A small study runs through the whole workflow: one gender level has 3 persons, each seen
in all 5 waves (15 person-waves), one wave has 3 excluded rows, and one wave x group cell
of SWEMWBS answers has 6 persons. Then every count and share published in the statistical
tables (subgroups, descriptives, did, cba_subgroups), the workbook and the report is
checked: none shows fewer than ``min_cell`` persons, and no suppressed count can be worked
out by subtraction within its table (each table's additive relations are written out below
and solved for every suppressed cell, independently of :mod:`wellby.report.disclosure`).
"""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from wellby.demo import simulate_demo_study
from wellby.report.workbook import read_tables_workbook

from .conftest import ROOT
from .test_workflow import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

MIN_CELL = 10
MARKERS = {f"<{MIN_CELL}", "suppressed", "—", "nan", ""}
COUNTS = {"n", "n_obs", "n_persons", "n_clusters", "n_complete", "rows_in", "rows_excluded",
          "rows_out", "rows", "values", "count"}
HET = "heterogeneity_wald"
ITEMS = [f"swemwbs_{i}" for i in range(1, 8)]


def build_study(directory: Path) -> list[int]:
    """Write the small study (one long file) and its config; return the 3 persons."""
    data = simulate_demo_study(seed=5, n_programme_areas=10, n_comparison_areas=10,
                               residents_per_area=15).data
    waves = data.groupby("person_id")["wave"].nunique()
    programme = data.groupby("person_id")["cohort"].first() > 0
    chosen = waves[(waves == 5) & programme].index[:3].tolist()
    data.loc[data["gender"] == 3, "gender"] = 1
    data.loc[data["person_id"].isin(chosen), "gender"] = 3  # "other": 3 persons, 15 rows
    late = data.index[(data["wave"] == 2020) & (data["cohort"] > 0)]
    data.loc[late[6:], ITEMS] = np.nan  # 6 programme respondents answer SWEMWBS in 2020
    repeated = data[data["wave"] == 2017].head(3)  # 3 duplicate ids excluded in 2017
    pd.concat([data, repeated], ignore_index=True).to_csv(directory / "all_waves.csv",
                                                          index=False)
    demo = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    study = {"data": {"path": str(directory / "all_waves.csv"), "missing_codes": [-9, -8],
                      "duplicate_ids": "keep_first"},
             "columns": {k: v for k, v in demo["columns"].items() if k != "member"},
             "design": "panel", "scales": demo["scales"],
             "outcomes": ["life_satisfaction", "swemwbs_metric"],
             "subgroups": {name: demo["subgroups"][name]
                           for name in ("qualification", "gender")},
             "models": {**demo["models"],
                        "estimators": ["twfe", "event_study", "callaway_santanna"]},
             "cba": {k: v for k, v in demo["cba"].items() if k != "distribution"},
             "report": {"min_cell": MIN_CELL}}
    (directory / "study.yaml").write_text(yaml.safe_dump(study))
    return chosen


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("small_cells"))
    chosen = build_study(workdir)
    run = snakemake(workdir, "--configfile", str(workdir / "study.yaml"))
    assert run.returncode == 0, run.stderr[-5000:]
    return workdir, chosen


# ------------------------------------------------------------------ the checker

def shown(value) -> float | None:
    """The published number in a cell, or None when it is hidden (blank or a marker)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).replace(",", "").strip()
    return None if text in MARKERS else float(text)


def small_counts(table: pd.DataFrame) -> list:
    """Published counts from 1 to MIN_CELL - 1."""
    return [(column, value) for column in table.columns if column in COUNTS
            for value in table[column] if (n := shown(value)) is not None and 0 < n < MIN_CELL]


def recoverable(cells: dict, relations: list[dict]) -> set:
    """Hidden cells that the relations and the published cells determine exactly.

    ``cells`` maps a key to its published value or None (hidden); a key in a relation but
    not in ``cells`` is a total the reader knows. A hidden cell is recoverable when its
    unit vector is in the row space of the relations restricted to the hidden cells
    (rank test).
    """
    hidden = [key for key, value in cells.items() if value is None]
    index = {key: i for i, key in enumerate(hidden)}
    rows = [[relation.get(key, 0.0) for key in hidden] for relation in relations
            if any(key in index for key in relation)]
    if not rows:
        return set()
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for key, i in index.items():
        unit = np.eye(len(hidden))[i]
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(key)
    return found


def subgroup_systems(table: pd.DataFrame) -> list[tuple[str, dict, list]]:
    """The additive relations of a subgroups table, per outcome and count.

    Each subgroup's levels add up to its total (the persons, or the n_obs in did.csv);
    a crossed cell's row and column add up to the two subgroups' levels; the
    heterogeneity row counts the levels of the pooled model. ``n_obs`` is checked twice:
    as the stratified TWFE counts them and as the pooled model and Callaway-Sant'Anna do
    (all rows of the level).
    """
    systems = []
    for outcome, rows in table.groupby("outcome"):
        twfe = rows[rows["estimator"] == "twfe"].set_index(["subgroup", "level"])
        pooled = rows[rows["estimator"] == "twfe_interaction"].set_index(["subgroup", "level"])
        names = list(dict.fromkeys(twfe.index.get_level_values(0)))
        crosses = {n: tuple(n.split("_x_")) for n in names if "_x_" in n}
        base = []
        for name in names:
            levels = [lvl for s, lvl in twfe.index if s == name]
            if name not in crosses:
                base.append({("total", name): 1.0, **{(name, lvl): -1.0 for lvl in levels}})
                continue
            first, second = crosses[name]
            for a in {lvl.split(":")[0] for lvl in levels}:
                base.append({(first, a): 1.0, **{(name, lvl): -1.0 for lvl in levels
                                                 if lvl.split(":")[0] == a}})
            for b in {lvl.split(":")[1] for lvl in levels}:
                base.append({(second, b): 1.0, **{(name, lvl): -1.0 for lvl in levels
                                                  if lvl.split(":")[1] == b}})
        tests = [{(s, HET): 1.0, **{(s, lvl): -1.0 for t, lvl in pooled.index
                                    if t == s and lvl != HET}}
                 for s in {s for s, lvl in pooled.index if lvl == HET}]
        persons = {key: shown(v) for key, v in twfe["n_persons"].items()}
        persons.update({key: shown(pooled.loc[key, "n_persons"]) for key in pooled.index
                        if key[1] == HET})
        systems.append((f"{outcome} n_persons", persons, base + tests))
        systems.append((f"{outcome} n_obs (twfe)",
                        {key: shown(v) for key, v in twfe["n_obs"].items()}, base))
        every_row = {key: shown(pooled.loc[key, "n_obs"] if key in pooled.index else v)
                     for key, v in twfe["n_obs"].items()}
        every_row.update({key: shown(pooled.loc[key, "n_obs"]) for key in pooled.index
                          if key[1] == HET})
        systems.append((f"{outcome} n_obs (all rows)", every_row, base + tests))
    return systems


def descriptive_systems(table: pd.DataFrame) -> list[tuple[str, dict, list]]:
    """Per outcome: programme + comparison = the wave's total; all cells = did's n_obs."""
    systems = []
    for outcome, rows in table.groupby("outcome"):
        cells = {(w, g): shown(n) for w, g, n in zip(rows["wave"], rows["group"], rows["n"],
                                                     strict=True)}
        relations = [{"total": 1.0, **{key: -1.0 for key in cells}}]
        relations += [{("wave", w): 1.0, **{key: -1.0 for key in cells if key[0] == w}}
                      for w in {key[0] for key in cells}]
        systems.append((f"descriptives {outcome}", cells, relations))
    return systems


def cleaning_system(summary: pd.DataFrame, by_rule: pd.DataFrame) -> tuple[str, dict, list]:
    """rows_in = rows_excluded + rows_out per wave; a wave's rules add up to its excluded."""
    cells, relations = {}, []
    for row in summary.itertuples(index=False):
        wave = int(row.wave)
        for column in ("rows_in", "rows_excluded", "rows_out"):
            cells[(wave, column)] = shown(getattr(row, column))
        relations.append({(wave, "rows_in"): 1.0, (wave, "rows_excluded"): -1.0,
                          (wave, "rows_out"): -1.0})
    for wave, part in by_rule.groupby("wave"):
        relation = {(int(wave), "rows_excluded"): 1.0}
        for rule, rows in zip(part["rule"], part["rows"], strict=True):
            cells[(int(wave), rule)] = shown(rows)
            relation[(int(wave), rule)] = -1.0
        relations.append(relation)
    return "cleaning", cells, relations


def assert_safe(systems):
    for name, cells, relations in systems:
        assert recoverable(cells, relations) == set(), name
        assert not [(k, v) for k, v in cells.items() if v is not None and 0 < v < MIN_CELL], name


def test_the_checker_finds_a_count_recoverable_by_subtraction():
    cells = {"a": None, "b": 50.0, "c": 60.0}
    assert recoverable(cells, [{"t": 1.0, "a": -1.0, "b": -1.0, "c": -1.0}]) == {"a"}
    cells["b"] = None
    assert recoverable(cells, [{"t": 1.0, "a": -1.0, "b": -1.0, "c": -1.0}]) == set()
    summary = pd.DataFrame({"wave": [1], "rows_in": [100], "rows_excluded": ["<10"],
                            "rows_out": [97]})
    found = recoverable(*cleaning_system(summary, pd.DataFrame(columns=["wave", "rule",
                                                                        "rows"]))[1:])
    assert found == {(1, "rows_excluded")}


# ------------------------------------------------------------------ the tables

def tables(workdir: Path) -> Path:
    return workdir / "results" / "tables"


def test_the_study_has_the_small_cells(study):
    workdir, chosen = study
    assert len(chosen) == 3
    panel = pd.read_parquet(workdir / "results" / "interim" / "panel.parquet")
    other = panel[panel["gender"] == "other"]
    assert other["person_id"].nunique() == 3
    assert len(other) == 15  # 3 persons, 15 person-waves: the trial's case
    summary = pd.read_csv(tables(workdir) / "cleaning_summary.csv").set_index("wave")
    assert summary.loc[2017, "rows_excluded"] == 3  # the audit table keeps it exact


def test_subgroups_csv_counts_persons_and_hides_the_small_level(study):
    workdir, _ = study
    table = pd.read_csv(tables(workdir) / "subgroups.csv")
    assert not small_counts(table)
    other = table[(table["subgroup"] == "gender") & (table["level"] == "other")]
    # not estimated: one row per outcome, no CS rows, no pooled-model term
    assert other["outcome"].tolist() == ["life_satisfaction", "swemwbs_metric"]
    for row in other.itertuples():
        assert row.suppressed == "primary" and "fewer than 10 persons" in row.note
        assert np.isnan(row.estimate) and np.isnan(row.n_obs) and np.isnan(row.n_persons)
    crossed = table[table["level"].astype(str).str.startswith("other:")]
    assert crossed["n_persons"].fillna(0).eq(0).all() and crossed["estimate"].isna().all()
    # other:none, other:below_degree, ...: each qualification the 3 persons hold, per outcome
    panel = pd.read_parquet(workdir / "results" / "interim" / "panel.parquet")
    held = panel.loc[panel["gender"] == "other", "qualification"].nunique()
    assert held >= 2
    assert (crossed["suppressed"] == "primary").sum() == 2 * held
    # every row of a level agrees on what is hidden
    for (_, name, level), rows in table.groupby(["outcome", "subgroup", "level"]):
        for column in ("n_obs", "n_persons"):
            assert rows[column].isna().all() or rows[column].notna().all(), (name, level)
    # published levels carry persons beside person-waves
    male = table[(table["level"] == "male") & (table["estimator"] == "twfe")]
    assert (male["n_persons"] < male["n_obs"]).all()
    assert_safe(subgroup_systems(table))


def test_descriptives_csv_counts_persons_and_protects_the_small_cell(study):
    workdir, _ = study
    table = pd.read_csv(tables(workdir) / "descriptives.csv")
    assert not small_counts(table)
    rows = table.set_index(["outcome", "wave", "group"])
    small = rows.loc[("swemwbs_metric", 2020, "programme")]
    assert small["suppressed"] == "primary" and np.isnan(small["mean"])
    assert rows.loc[("swemwbs_metric", 2020, "comparison"), "suppressed"] == "secondary"
    assert_safe(descriptive_systems(table))


def test_did_csv_publishes_no_small_count(study):
    workdir, _ = study
    for name in ("did", "event_study", "group_time", "reliability"):
        assert not small_counts(pd.read_csv(tables(workdir) / f"{name}.csv")), name


def test_cba_subgroups_values_and_shares_only_publishable_levels(study):
    workdir, _ = study
    who = pd.read_csv(tables(workdir) / "cba_subgroups.csv")
    subgroups = pd.read_csv(tables(workdir) / "subgroups.csv")
    primary = subgroups[(subgroups["outcome"] == "life_satisfaction")
                        & (subgroups["suppressed"] == "primary")]
    hidden = set(zip(primary["subgroup"], primary["level"], strict=True))
    assert ("gender", "other") in hidden
    for row in who.itertuples():
        if (row.subgroup, row.level) in hidden:
            assert np.isnan(row.share) and np.isnan(row.persons) and np.isnan(row.wellbys)
            assert "not valued" in row.note
    published = who.dropna(subset=["share"])
    assert np.allclose(published["share"] * 100, np.round(published["share"] * 100))
    # no residual: 1 - the published shares is 0, not a hidden level's share
    sums = published.groupby("subgroup")["share"].sum()
    assert np.allclose(sums, 1.0)


def test_workbook_shows_no_small_count_and_no_recoverable_one(study):
    workdir, _ = study
    book = read_tables_workbook(workdir / "results" / "tables.xlsx")  # markers restored
    for name, sheet in book.items():
        assert not small_counts(sheet), name
        assert not {"person", "detail", "source_rows", "row"} & set(sheet.columns), name
    summary = book["cleaning_summary"].set_index("wave")
    assert summary.loc[2017, "rows_excluded"] == "<10"
    # rows in - rows out would give the 3 excluded rows back
    assert summary.loc[2017, "rows_in"] == "suppressed"
    raw = pd.read_csv(workdir / "all_waves.csv")
    assert summary.loc[2017, "rows_out"] == (raw["wave"] == 2017).sum() - 3
    assert_safe([cleaning_system(book["cleaning_summary"], book["exclusions"])])
    assert_safe(subgroup_systems(book["subgroups"]))
    assert_safe(descriptive_systems(book["descriptives"]))
    shares = book["cba_subgroups"]["share"].dropna().astype(float)
    assert np.allclose(shares * 100, np.round(shares * 100))


def test_report_shows_no_small_count_and_no_recoverable_one(study):
    workdir, _ = study
    page = (workdir / "results" / "report.html").read_text()
    found = pd.read_html(io.StringIO(page), keep_default_na=False)
    by_columns = {tuple(t.columns): t.astype(str) for t in found}
    for columns, table in by_columns.items():
        assert not small_counts(table), columns
    cleaning = by_columns[("wave", "rows_in", "rows_excluded", "rows_out")]
    rules = by_columns[("wave", "rule", "rows")]
    assert_safe([cleaning_system(cleaning, rules)])
    effects = next(t for c, t in by_columns.items() if "n_persons" in c and "level" in c)
    effects = effects.assign(estimator="twfe")
    assert (effects.loc[effects["level"] == "other", "n_persons"] == "<10").all()
    assert (effects.loc[effects["level"] == "other", "n_obs"] == "suppressed").all()
    assert_safe(subgroup_systems(effects)[:2])  # the report shows TWFE rows only
    descriptives = next(t for c, t in by_columns.items()
                        if c[:6] == ("outcome", "wave", "group", "n", "mean", "sd"))
    assert_safe(descriptive_systems(descriptives))
    who = next(t for c, t in by_columns.items() if "wellby_share" in c)
    assert "other" not in set(who["level"])
    assert "already seen at row" not in page  # the exclusions audit is not shown row by row
