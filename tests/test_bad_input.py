"""The bad-input corpus: each malformed input gives one clear, actionable message.

Every case names what the user must fix: the file, the column, the rows (where rows are
the problem) and the config key. The cases run through :func:`wellby.study.prepare_study`
(the same library calls the workflow's rules make); ``test_workflow.py`` checks through
Snakemake that such an error stops the run with the message and no results.
"""

import copy
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml

from wellby.config import load_yaml, validate_config
from wellby.demo import write_demo_study
from wellby.did import estimate_did
from wellby.errors import ConfigError, DataError
from wellby.study import missing_wave_files, prepare_study

from .conftest import ROOT, SCHEMA


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("small_demo")
    write_demo_study(out, seed=7, n_programme_areas=6, n_comparison_areas=6,
                     residents_per_area=12)
    return out


@pytest.fixture
def study(demo_files, tmp_path):
    """A copy of the small demo's files and a config pointing at them."""
    data_dir = tmp_path / "data"
    shutil.copytree(demo_files, data_dir)
    config = load_yaml(ROOT / "config" / "config.yaml")
    del config["demo"]
    for wave in config["data"]["waves"]:
        wave["path"] = str(data_dir / Path(wave["path"]).name)
    return config, data_dir


@dataclass
class Expect:
    """What the error must say."""

    message: str
    config_key: str | None = None
    file: str | None = None
    column: str | None = None
    rows: list = field(default_factory=list)
    kind: type = DataError


def run(config):
    validated = validate_config(config, SCHEMA)
    problems = missing_wave_files(validated)
    if problems:
        raise ConfigError("\n".join(problems))
    prepared = prepare_study(validated)
    for outcome in validated["outcomes"]:
        estimate_did(prepared.panel, outcome, columns=validated["columns"],
                     design=validated["design"], models=validated["models"])
    return prepared


def edit_csv(path, change):
    frame = pd.read_csv(path)
    frame = change(frame)
    frame.to_csv(path, index=False)


def edit_sav(path, change):
    frame, _ = pyreadstat.read_sav(path)
    pyreadstat.write_sav(change(frame), path)


def edit_all_waves(config, canonical, change):
    """Apply ``change`` to one canonical column in every wave's file, whatever its format."""
    for wave in config["data"]["waves"]:
        path = Path(wave["path"])
        source = {v: k for k, v in wave["rename"].items()}[canonical]
        reader, writer = {".csv": (pd.read_csv, lambda f, p: f.to_csv(p, index=False)),
                          ".sav": (lambda p: pyreadstat.read_sav(p)[0], pyreadstat.write_sav),
                          ".dta": (lambda p: pyreadstat.read_dta(p)[0],
                                   pyreadstat.write_dta)}[path.suffix]
        frame = reader(path)
        frame[source] = change(frame[source])
        writer(frame, path)


def set_cell(column, row, value):
    def change(frame):
        frame[column] = frame[column].astype(object)
        frame.loc[row - 1, column] = value
        return frame
    return change


# Each case: (id, function(config, data_dir) that breaks the study, Expect).
CASES = [
    ("missing_file",
     lambda c, d: (d / "wave_2017.sav").unlink(),
     Expect("wave_2017.sav does not exist", "data.waves[1].path", kind=ConfigError)),
    ("unreadable_file",
     lambda c, d: (d / "wave_2018.dta").write_bytes(b"\x00garbage, not Stata"),
     Expect("could not be read as .dta", "data.waves[2].path", file="wave_2018.dta")),
    ("unsupported_extension",
     lambda c, d: (shutil.copy(d / "wave_2016.csv", d / "wave_2016.txt"),
                   c["data"]["waves"][0].update(path=str(d / "wave_2016.txt"))),
     Expect("unsupported file type '.txt'", "data.waves[0].path", file="wave_2016.txt")),
    ("mis_encoded_csv",
     lambda c, d: (d / "wave_2020.csv").write_bytes(
         (d / "wave_2020.csv").read_bytes().replace(b"Full Name", b"Full N\xe4me", 1)),
     Expect("not valid utf-8 text", "data.waves[4].encoding", file="wave_2020.csv")),
    ("empty_file",
     lambda c, d: (d / "wave_2016.csv").write_bytes(b""),
     Expect("could not be read as .csv", "data.waves[0].path", file="wave_2016.csv")),
    ("wave_with_no_rows",
     lambda c, d: edit_csv(d / "wave_2016.csv", lambda f: f.iloc[0:0]),
     Expect("has no rows", "data.waves[0].path", file="wave_2016.csv")),
    ("renamed_column_absent",
     lambda c, d: edit_csv(d / "wave_2020.csv", lambda f: f.drop(columns="LS")),
     Expect("not in the file", "data.waves[4].rename", file="wave_2020.csv", column="LS")),
    ("two_columns_same_name",
     lambda c, d: c["data"]["waves"][0]["rename"].update(worth="happy"),
     Expect("renamed to the same canonical name", "data.waves[0].rename",
            file="wave_2016.csv", column="happy")),
    ("wave_column_disagrees",
     lambda c, d: edit_csv(d / "wave_2016.csv", set_cell("year", 3, 2015)),
     Expect("does not match the configured wave", "data.waves[0].wave",
            file="wave_2016.csv", column="wave", rows=[3])),
    ("missing_area_column",
     lambda c, d: c["data"]["waves"][0]["rename"].pop("area_code"),
     Expect("required column is missing", "data.waves[0].rename", file="wave_2016.csv",
            column="area_id")),
    ("missing_cohort_column",
     lambda c, d: c["data"]["waves"][3]["rename"].pop("first_year"),
     Expect("required column is missing", "data.waves[3].rename", file="wave_2019.sav",
            column="cohort")),
    ("panel_without_id_in_config",
     lambda c, d: c["columns"].pop("id"),
     Expect("a panel design needs the respondent id column", "columns.id", kind=ConfigError)),
    ("panel_without_id_in_data",
     lambda c, d: c["data"]["waves"][2]["rename"].pop("serial"),
     Expect("required column is missing", "data.waves[2].rename", file="wave_2018.dta",
            column="person_id")),
    ("junk_text_in_item",
     lambda c, d: edit_csv(d / "wave_2016.csv", set_cell("happy", 5, "very happy")),
     Expect("non-numeric values ['very happy']", "data.waves[0].recode",
            file="wave_2016.csv", column="happy", rows=[5])),
    ("junk_text_in_cohort",
     lambda c, d: edit_csv(d / "wave_2020.csv", set_cell("bl_cohort", 2, "soon")),
     Expect("non-numeric values ['soon']", "data.waves[4].recode", file="wave_2020.csv",
            column="cohort", rows=[2])),
    ("outcome_not_in_data",
     lambda c, d: c.update(outcomes=["life_satisfaction", "wellbeing_index"]),
     Expect("outcomes ['wellbeing_index'] are neither columns", "outcomes",
            file="wave_2016.csv", column="wellbeing_index")),
    ("all_missing_outcome",
     lambda c, d: ([edit_csv(p, lambda f, col=col: f.assign(**{col: -9}))
                    for p, col in [(d / "wave_2016.csv", "ls"), (d / "wave_2020.csv", "LS")]],
                   [edit_sav(p, lambda f, col=col: f.assign(**{col: -9}))
                    for p, col in [(d / "wave_2017.sav", "q1_lifesat"),
                                   (d / "wave_2019.sav", "lifesat")]],
                   pyreadstat.write_dta(
                       pyreadstat.read_dta(d / "wave_2018.dta")[0].assign(LIFESAT=-9),
                       d / "wave_2018.dta")),
     Expect("'life_satisfaction' is missing in every row", "outcomes",
            column="life_satisfaction")),
    ("duplicate_ids_error_rule",
     lambda c, d: (c["data"].update(duplicate_ids="error"),
                   edit_csv(d / "wave_2016.csv", lambda f: pd.concat([f, f.iloc[[3]]]))),
     Expect("ids occur more than once", "data.duplicate_ids", file="wave_2016.csv",
            column="person_id")),
    ("duplicate_wave_ids",
     lambda c, d: c["data"]["waves"][1].update(wave=2016),
     Expect("wave [2016] is listed more than once", "data.waves", kind=ConfigError)),
    ("unknown_config_key",
     lambda c, d: c["models"].update(cluster_on="area_id"),
     Expect("models: unknown key ('cluster_on' was unexpected)", "models", kind=ConfigError)),
    ("wrong_type_in_config",
     lambda c, d: c["report"].update(min_cell="ten"),
     Expect("report.min_cell: 'ten' is not of type 'integer'", "report.min_cell",
            kind=ConfigError)),
    ("cohort_differs_within_area",
     lambda c, d: edit_csv(d / "wave_2016.csv", lambda f: f.assign(
         start_year=f["start_year"].where(f["area_code"] != f["area_code"].iloc[0], 2017))),
     Expect("cohort (first treated wave) differs", "columns.cohort", column="cohort")),
    ("person_in_two_areas",
     lambda c, d: edit_csv(d / "wave_2020.csv", lambda f: f.assign(
         Area=f["Area"].where(f.index != 0, f["Area"].iloc[-1]),
         bl_cohort=f["bl_cohort"].where(f.index != 0, f["bl_cohort"].iloc[-1]))),
     Expect("appear in more than one area", "columns.id", column="person_id")),
    ("cohort_points_at_wrong_column",
     lambda c, d: c["columns"].update(cohort="age"),
     Expect("the cohort (first treated wave) differs", "columns.cohort", column="age")),
    ("no_area_ever_treated",
     lambda c, d: edit_all_waves(c, "cohort", lambda v: v.where(v.isna(), 0)),
     Expect("no row is treated", "columns.cohort", column="cohort")),
    ("weight_column_absent",
     lambda c, d: c["columns"].update(weight="wt"),
     Expect("required column is missing", "data.waves[0].rename", file="wave_2016.csv",
            column="wt")),
    ("negative_weights",
     lambda c, d: (c["columns"].update(weight="age"),
                   edit_csv(d / "wave_2016.csv", set_cell("age", 2, -40))),
     Expect("survey weights must be present and not negative", "columns.weight",
            file="wave_2016.csv", column="age", rows=[2])),
    ("recode_column_absent",
     lambda c, d: c["data"]["waves"][1].update(recode={"education": {1: 0}}),
     Expect("recoded column is not in the wave", "data.waves[1].recode",
            file="wave_2017.sav", column="education")),
    ("subgroup_column_absent",
     lambda c, d: c["subgroups"]["gender"].update(column="sex"),
     Expect("subgroup's source column is missing", "subgroups.gender.column",
            file="wave_2016.csv", column="sex")),
    ("scale_item_absent",
     lambda c, d: c["data"]["waves"][2]["rename"].pop("SWEMWBS7"),
     Expect("scale item is missing", "data.waves[2].rename", file="wave_2018.dta",
            column="swemwbs_7")),
    ("covariate_absent",
     lambda c, d: c["models"].update(covariates=["income"]),
     Expect("covariates ['income'] are not in the analysis file", "models.covariates",
            column="income")),
    ("linkage_column_absent",
     lambda c, d: c["data"]["linkage"].update(stable=["ethnicity"]),
     Expect("linkage check columns ['ethnicity']", "data.linkage", column="ethnicity")),
    ("excel_file_that_is_csv",
     lambda c, d: (shutil.copy(d / "wave_2016.csv", d / "wave_2016.xlsx"),
                   c["data"]["waves"][0].update(path=str(d / "wave_2016.xlsx"))),
     Expect("could not be read as .xlsx", "data.waves[0].path", file="wave_2016.xlsx")),
    ("member_flag_not_binary",
     lambda c, d: edit_csv(d / "wave_2016.csv", set_cell("bl_member", 6, 2)),
     Expect("member flag must be 1 (member), 0 or empty", "columns.member",
            file="wave_2016.csv", column="member", rows=[6])),
    ("mixed_cohort_without_member_column",
     lambda c, d: c["columns"].pop("member"),
     Expect("mixed_cohort models a followed cohort", "models.estimators", kind=ConfigError)),
    ("cba_outcome_not_modelled",
     lambda c, d: c["cba"].update(outcome="happy"),
     Expect("cba.outcome: 'happy' is not one of the outcomes", "cba.outcome",
            kind=ConfigError)),
]


@pytest.mark.parametrize(("case", "breaks", "expect"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_clear_message(study, case, breaks, expect):
    config, data_dir = study
    config = copy.deepcopy(config)
    breaks(config, data_dir)
    with pytest.raises(expect.kind) as caught:
        run(config)
    error = caught.value
    message = str(error)
    assert expect.message in message
    if expect.config_key:
        assert expect.config_key in message
    if expect.kind is DataError:
        assert f"config key to fix: {error.config_key}" in message
        if expect.file:
            assert error.file is not None and expect.file in error.file
            assert f"file: {error.file}" in message
        if expect.column:
            assert error.column == expect.column
            assert f"column: {expect.column}" in message
        if expect.rows:
            assert error.rows == expect.rows
            assert "rows: " + ", ".join(map(str, expect.rows)) in message


def test_corpus_is_large_enough():
    assert len(CASES) >= 25


def test_the_unbroken_study_runs(study):
    config, _ = study
    prepared = run(copy.deepcopy(config))
    summary = prepared.summary
    assert (summary["rows_in"] == summary["rows_out"] + summary["rows_excluded"]).all()
    assert len(prepared.exclusions) == summary["rows_excluded"].sum()


def test_codes_that_map_to_no_level_become_unknown_not_dropped(study):
    config, data_dir = study
    config = copy.deepcopy(config)
    edit_csv(data_dir / "wave_2016.csv", set_cell("sex", 4, 9))
    prepared = run(config)
    wave = prepared.panel[prepared.panel["wave"] == 2016].set_index("_row")
    assert wave.loc[4, "gender"] == "unknown"


def test_config_yaml_round_trip_of_the_corpus_base(study, tmp_path):
    config, _ = study
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config))
    assert validate_config(load_yaml(path), SCHEMA)["design"] == "panel"
