"""The bad-input corpus: each malformed input gives one clear, actionable message.

Every case names what the user must fix: the file, the column, the rows (where rows are
the problem) and the config key. The cases run through :func:`wellby.prepare.study.prepare_study`
(the same library calls the workflow's rules make); ``test_workflow.py`` checks through
Snakemake that such an error stops the run with the message and no results.
"""

import copy
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml

from wellby.analysis.effects import estimate_did
from wellby.cli import main
from wellby.config import load_yaml, validate_config
from wellby.demo import write_demo_study
from wellby.errors import ConfigError, DataError
from wellby.prepare.study import missing_wave_files, prepare_study

from .conftest import SCHEMA, copy_demo_study


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("small_demo")
    write_demo_study(out, seed=7, n_programme_areas=6, n_comparison_areas=6,
                     residents_per_area=12)
    return out


@pytest.fixture
def study(demo_files, tmp_path):
    """A copy of the small demo's files and a config pointing at them.

    Without the area file (and so without matching): these faults are the waves' own, and
    a wave's cohort column is the programme timing here.
    """
    config, data_dir = copy_demo_study(demo_files, tmp_path)
    del config["data"]["areas"], config["comparison"]
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
    """Run the data gate and the estimators in-process (for faults found at estimation)."""
    validated = validate_config(config, SCHEMA)
    problems = missing_wave_files(validated)
    if problems:
        raise ConfigError("\n".join(problems))
    prepared = prepare_study(validated)
    for outcome in validated["outcomes"]:
        estimate_did(prepared.panel, outcome, columns=validated["columns"],
                     design=validated["design"], models=validated["models"])
    return prepared


def check_command(config, tmp_path, capsys):
    """Run ``wellby check`` on the config as a user would; return (status, stderr, stdout)."""
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    status = main(["check", str(path)])
    captured = capsys.readouterr()
    return status, captured.err, captured.out


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


def edit_dta(path, change):
    frame, _ = pyreadstat.read_dta(path)
    pyreadstat.write_dta(change(frame), path)


def csv_to_xlsx(config, data_dir, index, *, title_rows=0, sheet="Data"):
    """Replace a CSV wave by an Excel workbook as survey agencies export it."""
    wave = config["data"]["waves"][index]
    source = Path(wave["path"])
    frame = pd.read_csv(source)
    target = data_dir / (source.stem + ".xlsx")
    with pd.ExcelWriter(target) as writer:
        if title_rows:
            pd.DataFrame([["Resident survey"], ["Wave export"]][:title_rows]).to_excel(
                writer, sheet_name=sheet, header=False, index=False)
        frame.to_excel(writer, sheet_name=sheet, index=False, startrow=title_rows)
    wave["path"] = str(target)
    return frame


def edit_xlsx(path, column, row, value):
    """Set one cell of an Excel wave (row is the 1-based data row) with openpyxl."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=row + 1, column=header.index(column) + 1, value=value)
    book.save(path)


def rename_xlsx_header(path, old, new):
    book = openpyxl.load_workbook(path)
    sheet = book.active
    for cell in sheet[1]:
        if cell.value == old:
            cell.value = new
    book.save(path)


def cut_file(path, keep=0.6):
    """Cut a file short, as an interrupted download or copy does (not on a line break)."""
    data = path.read_bytes()
    end = int(len(data) * keep)
    while data[end - 1:end] in (b"\n", b"\r"):
        end -= 1
    path.write_bytes(data[:end])


def shift_items(columns, step=-1):
    def change(frame):
        for column in columns:
            frame[column] = frame[column].where(frame[column] < 0, frame[column] + step)
        return frame
    return change


def test_a_wave_of_life_satisfaction_coded_1_to_11_is_found(tmp_path):
    # A wave of some 750 answers: with the 130 of the small demo's waves a one-step shift
    # of so widely spread an item is within sampling noise (chi-square p about 0.05).
    out = tmp_path / "demo"
    write_demo_study(out, seed=7, n_programme_areas=15, n_comparison_areas=15,
                     residents_per_area=25)
    config, data_dir = copy_demo_study(out, tmp_path / "copy")
    edit_csv(data_dir / "wave_2020.csv", shift_items(["LS"], step=+1))
    with pytest.raises(DataError, match="codes life_satisfaction from 1 to 11") as caught:
        prepare_study(validate_config(config, SCHEMA))
    assert caught.value.config_key == "data.waves[4].recode"
    assert caught.value.column == "life_satisfaction"


def csv_with_delimiter(path, sep):
    pd.read_csv(path).to_csv(path, index=False, sep=sep)


def write_area_file(config, data_dir, change=lambda f: f):
    """Write an area file from the waves' own cohorts and point data.areas at it."""
    frames = [pd.read_csv(data_dir / "wave_2016.csv").rename(
        columns={"area_code": "area", "start_year": "first_wave"})]
    areas = (frames[0][["area", "first_wave"]].drop_duplicates("area")
             .assign(imd_score=lambda f: range(len(f))))
    areas = change(areas)
    path = data_dir / "areas.csv"
    areas.to_csv(path, index=False)
    config["data"]["areas"] = {"path": str(path),
                               "rename": {"area": "area_id", "first_wave": "cohort"}}
    return areas


def prefix_ids(path, prefix="R"):
    edit_sav(path, lambda f: f.assign(RespID=[f"{prefix}{int(v):07d}" for v in f["RespID"]]))


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
     lambda c, d: (c.update(outcomes=["life_satisfaction", "wellbeing_index"]),
                   c["data"].update(ranges={"wellbeing_index": {"min": 0, "max": 100}})),
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
     Expect("survey weights must be present, finite and not negative", "columns.weight",
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
     Expect("a covariate is missing from the wave", "data.waves[0].rename",
            file="wave_2016.csv", column="income")),
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
    # --- every modelled column has a valid range, and it is checked
    ("outcome_without_known_range",
     lambda c, d: (c.update(outcomes=["life_satisfaction", "age"])),
     Expect("'age' has no known valid range", "data.ranges.age", kind=ConfigError)),
    ("declared_range_reversed",
     lambda c, d: c["data"].update(ranges={"age": {"min": 100, "max": 16}}),
     Expect("data.ranges.age: min (100) must be below max (16)", "data.ranges.age",
            kind=ConfigError)),
    ("swemwbs_wave_coded_0_to_4",
     lambda c, d: edit_dta(d / "wave_2018.dta",
                           shift_items([f"SWEMWBS{k}" for k in range(1, 8)])),
     Expect("looks coded on a shifted scale", "data.waves[2].recode", file="wave_2018.dta")),
    ("covariate_with_text",
     lambda c, d: (c["models"].update(covariates=["age"]),
                   edit_csv(d / "wave_2016.csv", set_cell("age", 7, "forty"))),
     Expect("non-numeric values ['forty']", "data.waves[0].recode", file="wave_2016.csv",
            column="age", rows=[7])),
    ("infinite_weight",
     lambda c, d: (c["columns"].update(weight="age"),
                   edit_csv(d / "wave_2016.csv", set_cell("age", 4, "inf"))),
     Expect("survey weights must be present, finite and not negative", "columns.weight",
            file="wave_2016.csv", column="age", rows=[4])),
    ("fractional_cohort",
     lambda c, d: edit_csv(d / "wave_2016.csv", set_cell("start_year", 3, 2018.5)),
     Expect("must be a whole wave label", "columns.cohort", file="wave_2016.csv",
            column="cohort", rows=[3])),
    # --- text where numbers belong, ids as text
    ("refused_written_in_item",
     lambda c, d: edit_csv(d / "wave_2016.csv", set_cell("ls", 9, "Refused")),
     Expect("non-numeric values ['Refused']", "data.waves[0].recode", file="wave_2016.csv",
            column="life_satisfaction", rows=[9])),
    ("refused_message_names_missing_codes",
     lambda c, d: edit_csv(d / "wave_2016.csv", set_cell("ls", 9, "Refused")),
     Expect("add them to data.missing_codes", "data.waves[0].recode", file="wave_2016.csv",
            column="life_satisfaction", rows=[9])),
    ("value_labels_only_on_missing_codes",
     lambda c, d: c["data"]["waves"][1].update(value_labels=True),
     Expect("'Refused'] in a numeric column", "data.waves[1].recode", file="wave_2017.sav")),
    ("excel_refused_among_numbers",
     lambda c, d: (csv_to_xlsx(c, d, 0),
                   edit_xlsx(Path(c["data"]["waves"][0]["path"]), "worth", 5, "Refused")),
     Expect("non-numeric values ['Refused']", "data.waves[0].recode", file="wave_2016.xlsx",
            column="worthwhile", rows=[5])),
    ("duplicate_header_in_csv",
     lambda c, d: (d / "wave_2016.csv").write_text(
         (d / "wave_2016.csv").read_text().replace("worth,", "happy,", 1)),
     Expect("happy", "data.waves[0].rename", file="wave_2016.csv")),
    ("duplicate_header_in_xlsx",
     lambda c, d: (csv_to_xlsx(c, d, 4),
                   rename_xlsx_header(Path(c["data"]["waves"][4]["path"]), "Happy", "LS")),
     Expect("LS", "data.waves[4]", file="wave_2020.xlsx")),
    # --- panel linkage health
    ("wave_ids_with_prefix",
     lambda c, d: prefix_ids(d / "wave_2017.sav"),
     Expect("wave 2017 links far less than the others", "data.waves[1].id_transform",
            file="wave_2017.sav", column="person_id")),
    ("linkage_message_shows_formats_not_ids",
     lambda c, d: prefix_ids(d / "wave_2017.sav"),
     Expect("A9999999", "data.waves[1].id_transform", file="wave_2017.sav")),
    ("panel_that_links_no_one",
     lambda c, d: c["data"].update(linkage={**c["data"]["linkage"], "min_rate": 0.99}),
     Expect("the panel links almost no respondent", "id_transform", column="person_id")),
    # --- programme timing from an area file
    ("area_file_disagrees_with_wave",
     lambda c, d: write_area_file(c, d, lambda f: f.assign(
         first_wave=f["first_wave"].where(f.index != f.index[0], 2017))),
     Expect("disagrees with the area file", "data.areas.path", column="cohort")),
    ("area_missing_from_area_file",
     lambda c, d: write_area_file(c, d, lambda f: f.iloc[1:]),
     Expect("not in the area file", "data.areas.path", column="area_id")),
    ("area_listed_twice_in_area_file",
     lambda c, d: write_area_file(c, d, lambda f: pd.concat([f, f.iloc[[0]]])),
     Expect("listed more than once", "data.areas.path", file="areas.csv", column="area_id")),
    ("area_file_without_cohort",
     lambda c, d: (write_area_file(c, d),
                   c["data"]["areas"]["rename"].pop("first_wave")),
     Expect("needs the area id and the first treated wave", "data.areas.rename",
            file="areas.csv", column="cohort")),
    ("area_file_cohort_text",
     lambda c, d: write_area_file(c, d, lambda f: f.assign(
         first_wave=f["first_wave"].astype(object).where(f.index != f.index[1], "late"))),
     Expect("must be a whole wave label", "data.areas.path", file="areas.csv",
            column="cohort", rows=[2])),
    ("area_file_missing",
     lambda c, d: c["data"].update(areas={"path": str(d / "no_such_areas.csv")}),
     Expect("does not exist", "data.areas.path", file="no_such_areas.csv")),
    # --- reading options
    ("excel_title_rows_without_header_row",
     lambda c, d: csv_to_xlsx(c, d, 0, title_rows=2),
     Expect("header", "data.waves[0]", file="wave_2016.xlsx")),
    ("excel_sheet_not_found",
     lambda c, d: (csv_to_xlsx(c, d, 0), c["data"]["waves"][0].update(sheet="Wave 1")),
     Expect("Wave 1", "data.waves[0].sheet", file="wave_2016.xlsx")),
    ("csv_semicolons_without_delimiter",
     lambda c, d: csv_with_delimiter(d / "wave_2016.csv", ";"),
     Expect("delimiter", "data.waves[0].delimiter", file="wave_2016.csv")),
    ("binary_file_named_csv",
     lambda c, d: shutil.copy(d / "wave_2017.sav", d / "wave_2016.csv"),
     Expect("not a text file", "data.waves[0].path", file="wave_2016.csv")),
    ("truncated_csv",
     lambda c, d: cut_file(d / "wave_2020.csv"),
     Expect("wave_2020.csv", "data.waves[4].path", file="wave_2020.csv")),
    ("row_with_too_few_fields",
     lambda c, d: (d / "wave_2016.csv").write_text(
         "\n".join(line if i != 4 else ",".join(line.split(",")[:5])
                   for i, line in enumerate((d / "wave_2016.csv").read_text().split("\n")))),
     Expect("row 4 has 5 fields", "data.waves[0].path", file="wave_2016.csv")),
    ("truncated_sav",
     lambda c, d: cut_file(d / "wave_2019.sav"),
     Expect("wave_2019.sav", "data.waves[3].path", file="wave_2019.sav")),
    ("truncated_dta",
     lambda c, d: cut_file(d / "wave_2018.dta"),
     Expect("wave_2018.dta", "data.waves[2].path", file="wave_2018.dta")),
    ("truncated_xlsx",
     lambda c, d: (csv_to_xlsx(c, d, 0), cut_file(d / "wave_2016.xlsx")),
     Expect("wave_2016.xlsx", "data.waves[0].path", file="wave_2016.xlsx")),
    ("truncated_parquet",
     lambda c, d: (pd.read_csv(d / "wave_2016.csv").to_parquet(d / "wave_2016.parquet"),
                   c["data"]["waves"][0].update(path=str(d / "wave_2016.parquet")),
                   cut_file(d / "wave_2016.parquet")),
     Expect("wave_2016.parquet", "data.waves[0].path", file="wave_2016.parquet")),
    # --- identifiers never leave ingest
    ("email_column_used_as_subgroup",
     lambda c, d: (edit_csv(d / "wave_2016.csv", lambda f: f.assign(
         contact=[f"resident{i}@example.org" for i in range(len(f))])),
         c["subgroups"].update(contact={"column": "contact", "levels": {"a": ["x"]}}),
         c["data"]["waves"][0]["rename"].update(contact="contact")),
     Expect("values look like e-mail addresses", "data.waves[0].rename",
            file="wave_2016.csv", column="contact")),
    ("postcode_column_used_as_area",
     lambda c, d: (c["data"]["waves"][0]["rename"].pop("area_code"),
                   c["data"]["waves"][0]["rename"].update(postcode="area_id"),
                   c["data"].update(identifiers=[i for i in c["data"]["identifiers"]
                                                 if "code" not in i.lower()])),
     Expect("values look like postcodes", "data.waves[0].rename", file="wave_2016.csv",
            column="postcode")),
    ("declared_identifier_used_for_analysis",
     lambda c, d: c["data"].update(identifiers=[*c["data"]["identifiers"], "AGE"]),
     Expect("declared a direct identifier", "data.identifiers", file="wave_2016.csv",
            column="age")),
    # --- no silent changes
    ("every_row_of_a_wave_excluded",
     lambda c, d: (c["data"].update(out_of_range="exclude_row"),
                   edit_csv(d / "wave_2016.csv", lambda f: f.assign(ls=11))),
     Expect("no row of wave 2016 is left after cleaning", "data.waves[0].path",
            file="wave_2016.csv")),
    ("subgroup_code_in_two_levels",
     lambda c, d: c["subgroups"]["gender"]["levels"]["female"].append(1),
     Expect("the code 1 is given to two levels", "subgroups.gender.levels", kind=ConfigError)),
    ("gender_written_in_words_in_one_wave",
     lambda c, d: edit_csv(d / "wave_2020.csv", lambda f: f.assign(
         Sex=f["Sex"].map({1: "Man", 2: "Woman", 3: "Other"}))),
     Expect("none of the wave's codes of gender maps to a level", "data.waves[4].recode",
            file="wave_2020.csv", column="gender")),
    ("duplicated_key_in_yaml",
     "duplicated_key",
     Expect("the key 'outcomes' is given twice", "outcomes", kind=ConfigError)),
    ("text_missing_code_not_numeric_everywhere",
     lambda c, d: (c["data"].update(missing_codes=[-9, -8, "Refused"]),
                   edit_csv(d / "wave_2016.csv", set_cell("ls", 9, "Not asked"))),
     Expect("non-numeric values ['Not asked']", "data.waves[0].recode", file="wave_2016.csv",
            column="life_satisfaction", rows=[9])),
    ("id_transform_unknown_key",
     lambda c, d: c["data"]["waves"][1].update(id_transform={"strip": "R"}),
     Expect("unknown key", "data.waves[1].id_transform", kind=ConfigError)),
    ("header_row_zero",
     lambda c, d: c["data"]["waves"][0].update(header_row=0),
     Expect("data.waves[0].header_row", "header_row", kind=ConfigError)),
    ("ranges_without_max",
     lambda c, d: c["data"].update(ranges={"age": {"min": 16}}),
     Expect("'max' is a required property", "data.ranges.age", kind=ConfigError)),
    ("linkage_rate_option_out_of_range",
     lambda c, d: c["data"]["linkage"].update(min_relative_rate=2),
     Expect("data.linkage.min_relative_rate", "min_relative_rate", kind=ConfigError)),
    ("area_ids_differ_only_in_unicode_still_fail_when_truly_different",
     lambda c, d: write_area_file(c, d, lambda f: f.assign(
         area=f["area"].where(f.index != f.index[0], "BL999"))),
     Expect("not in the area file", "data.areas.path", column="area_id")),
]


@pytest.mark.parametrize(("case", "breaks", "expect"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_clear_message(study, tmp_path, capsys, case, breaks, expect):
    """``wellby check`` exits 1 with one message naming file, column, rows and key."""
    config, data_dir = study
    config = copy.deepcopy(config)
    if breaks == "duplicated_key":
        path = tmp_path / "study.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False)
                        + "outcomes: [life_satisfaction]\n")
        status = main(["check", str(path)])
        captured = capsys.readouterr()
        status, err, out = status, captured.err, captured.out
    else:
        breaks(config, data_dir)
        status, err, out = check_command(config, tmp_path, capsys)
    assert status == 1, (case, out, err)
    assert "Traceback" not in err
    assert err.startswith("wellby: ")
    assert expect.message in err, err
    if expect.config_key:
        assert expect.config_key in err, err
    if expect.kind is DataError:
        assert "\n  config key to fix: " in err, err
        if expect.file:
            file_line = next(line for line in err.splitlines() if line.strip().startswith("file: "))
            assert expect.file in file_line, err
        if expect.column:
            assert f"\n  column: {expect.column}\n" in err, err
        if expect.rows:
            assert "\n  rows: " + ", ".join(map(str, expect.rows)) in err, err
    assert not list(tmp_path.glob("results*")), "a failed check must write no results"


def test_corpus_is_large_enough():
    assert len(CASES) >= 80


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
