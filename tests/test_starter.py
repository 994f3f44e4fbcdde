"""`wellby init`'s library half: a starter study config guessed from wave files."""

import copy

import pandas as pd
import pyreadstat
import pytest
import yaml

from wellby.config import load_yaml, validate_config
from wellby.demo import write_demo_study
from wellby.prepare.study import prepare_study
from wellby.starter import normalise_name, starter_config, starter_yaml

from .conftest import ROOT

SMALL = {"n_programme_areas": 12, "n_comparison_areas": 12, "residents_per_area": 15}
ONS4 = ("life_satisfaction", "worthwhile", "happy", "anxiety")
SWEMWBS = tuple(f"swemwbs_{k}" for k in range(1, 8))
# The canonical names whose guesses must agree with the hand-written demo config.
MUST_MATCH = {*ONS4, *SWEMWBS, "person_id", "area_id", "cohort", "member"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo study's raw wave files, the demo config (the truth) and the starter."""
    out = tmp_path_factory.mktemp("demo_files")
    written = write_demo_study(out, seed=7, **SMALL)
    paths = [str(written[wave]) for wave in sorted(k for k in written
                                                   if k not in ("truth", "areas"))]
    truth = load_yaml(ROOT / "config" / "config.yaml")
    return truth, starter_config(paths), out


def by_label(config):
    return {wave["wave"]: wave for wave in config["data"]["waves"]}


def test_demo_renames_are_guessed_as_the_demo_config_writes_them(demo):
    truth, starter, _ = demo
    guessed = by_label(starter.config)
    assert set(guessed) == set(by_label(truth))  # wave labels from the file names
    wrong = []
    for label, wave in by_label(truth).items():
        rename = guessed[label]["rename"]
        for source, canonical in wave["rename"].items():
            if canonical in MUST_MATCH and rename.get(source) != canonical:
                wrong.append(f"{label}: {source} -> {rename.get(source)} (truth {canonical})")
    assert not wrong, "\n".join(wrong)


def test_demo_starter_equals_the_demo_config_where_both_speak(demo):
    truth, starter, _ = demo
    config = starter.config
    # Every rename, not only the required ones (wave, gender, qualification, age too).
    assert {k: w["rename"] for k, w in by_label(config).items()} == \
        {k: w["rename"] for k, w in by_label(truth).items()}
    assert set(config["data"]["identifiers"]) == set(truth["data"]["identifiers"])
    assert config["data"]["missing_codes"] == truth["data"]["missing_codes"]
    assert config["columns"] == truth["columns"]
    assert config["design"] == truth["design"] == "panel"
    assert config["scales"]["swemwbs"]["items"] == truth["scales"]["swemwbs"]["items"]
    assert config["scales"]["ons4"] == truth["scales"]["ons4"]
    # The starter reads columns: the demo's derived shares are the evaluator's choice.
    assert set(truth["outcomes"]) - set(truth["derived"]) <= set(config["outcomes"])
    # Gender: the usual codes only (the demo's 3/X "other" is left to the evaluator).
    assert config["subgroups"] == {"gender": {"column": "gender", "levels": {
        "male": [1, "M"], "female": [2, "F"]}}}
    assert "qualification" not in config["subgroups"]
    assert any("qualification" in note and "2017" in note for note in starter.notes)
    # Nothing is left over in the demo files but their identifiers.
    assert all(not columns for columns in starter.unmapped.values())
    assert any("SWEMWBS" in note and "wemwbs_1" in note for note in starter.notes)


def test_demo_starter_validates_and_runs_through_the_data_gate(demo, tmp_path):
    _, starter, out = demo
    assert not [n for n in starter.notes if n.startswith("TODO")]
    validated = validate_config(starter.config)
    config = copy.deepcopy(validated)
    config["data"]["pseudonym_key"] = str(tmp_path / "pseudonym.key")
    prepared = prepare_study(config, base_dir=out)
    assert set(prepared.panel["wave"]) == {2016, 2017, 2018, 2019, 2020}
    assert prepared.panel["swemwbs_metric"].notna().any()
    assert set(prepared.panel["gender"].astype(str)) <= {"male", "female", "unknown"}


def test_starter_yaml_round_trips_and_comments_what_it_guessed(demo):
    _, starter, _ = demo
    text = starter_yaml(starter)
    assert yaml.safe_load(text) == starter.config
    lines = text.splitlines()
    assert lines[0].startswith("# Starter study config")
    assert "STARTER TO REVIEW" in text
    assert any(line.startswith("design: panel  # check") for line in lines)
    assert any(line.startswith("  cohort: cohort  # check") for line in lines)
    assert "# direct identifiers (see data.identifiers): Name, postcode" in text
    assert "    - wave: 2016  # from the file name" in lines


def write_csv(path, frame):
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


EMAILS = [f"resident.{k}@example{k % 3}.org" for k in range(12)]
POSTCODES = ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB",
             "W1A 0AX", "LS1 4AP", "NE1 7RU", "BS1 5TR", "CF10 1EP", "G2 1DY"]


def test_identifiers_under_innocuous_names_go_to_data_identifiers_unquoted(tmp_path):
    frame = pd.DataFrame({
        "RespID": range(1, 13),
        "contact": EMAILS,
        "site": [1, 2, 3] * 4,
        "field7": POSTCODES,
        "Q1 Life Sat": [7, 8, 6, 5, 9, 10, 7, 8, 6, 5, 4, 3],
        "extra_score": range(12),
    })
    path = write_csv(tmp_path / "residents_2021.csv", frame)
    starter = starter_config([path])
    config = starter.config
    assert config["data"]["identifiers"] == ["contact", "field7"]
    rename = config["data"]["waves"][0]["rename"]
    assert rename == {"RespID": "person_id", "site": "area_id",
                      "Q1 Life Sat": "life_satisfaction"}
    assert starter.unmapped[str(path)] == ("extra_score",)
    text = starter_yaml(starter)
    notes = "\n".join(starter.notes)
    for value in EMAILS + POSTCODES:
        for shown in (value, value.replace(" ", ""), value.split("@")[0]):
            assert shown not in text and shown not in notes
    assert "# not used: extra_score: add them to rename to use them" in text
    # No cohort column: a placeholder with a TODO, and the config still validates.
    assert config["columns"]["cohort"] == "cohort"
    assert any(line.startswith("  cohort: cohort  # TODO") for line in text.splitlines())
    assert any(note.startswith("TODO columns.cohort") for note in starter.notes)
    assert config["design"] == "repeated_cross_section"  # one wave: no id seen twice
    validate_config(config)


def test_a_header_row_of_data_has_none_of_its_names_written(tmp_path):
    path = tmp_path / "wave_2019.csv"
    path.write_text("17,jo.bloggs@example.com,NE1 7RU,7\n18,al.b@example.net,M1 1AE,8\n")
    starter = starter_config([path])
    text = starter_yaml(starter)
    assert yaml.safe_load(text) == starter.config
    for value in ("jo.bloggs", "example.com", "NE1 7RU", "NE17RU"):
        assert value not in text and all(value not in note for note in starter.notes)
    assert starter.config["data"]["waves"][0]["rename"] == {}
    assert starter.unmapped[str(path)] == ()
    assert any(note.startswith("TODO") and "header row" in note for note in starter.notes)


AWKWARD = ["Full stop.", "yes", "null", "1", "a: b", "hash #tag", "quote'd", 'dq"', "ünï",
           "tab\tin", "1_000", "- dash", "[x]", "@at", "~", "% pct", "2016-01-01", "line\u2028sep"]


def test_starter_yaml_round_trips_awkward_names_and_paths(tmp_path):
    folder = tmp_path / "a folder #1: 'x'"
    folder.mkdir()
    frame = pd.DataFrame({name: [1, 2, 3] for name in AWKWARD})
    frame["ls"] = [5, 6, 7]
    path = write_csv(folder / "wave 2018.csv", frame)
    starter = starter_config([path])
    text = starter_yaml(starter)
    assert yaml.safe_load(text) == starter.config
    assert starter.config["data"]["waves"][0]["path"] == str(path)
    assert set(starter.unmapped[str(path)]) == set(AWKWARD)
    comment = next(line for line in text.splitlines() if "# not used:" in line)
    shown = yaml.safe_load("[" + comment.split("# not used: ", 1)[1].rsplit(": add", 1)[0] + "]")
    assert shown == AWKWARD  # every unmapped column is listed, in file order, readably


def small_wave(n=6, **columns):
    frame = {"pid": range(1, n + 1), "area": [1, 2] * (n // 2), "cohort": [0, 3] * (n // 2),
             "ls": [5, 6, 7, 8, 9, 10][:n]}
    frame.update(columns)
    return pd.DataFrame(frame)


def test_files_without_a_year_are_numbered_in_the_order_given(tmp_path):
    first = tmp_path / "south.xlsx"
    small_wave().to_excel(first, index=False)
    second = tmp_path / "north.parquet"
    small_wave().to_parquet(second, index=False)
    starter = starter_config([first, second])
    waves = starter.config["data"]["waves"]
    assert [(w["wave"], w["path"]) for w in waves] == [(1, str(first)), (2, str(second))]
    assert waves[0]["rename"] == {"pid": "person_id", "area": "area_id", "cohort": "cohort",
                                  "ls": "life_satisfaction"}
    assert starter.comments["data.waves[0].wave"].startswith("check")
    assert sum(note.startswith("TODO") and "no year in its name" in note
               for note in starter.notes) == 2
    assert starter.config["design"] == "panel"
    validate_config(starter.config)


def test_a_wave_column_labels_a_file_without_a_year(tmp_path):
    path = write_csv(tmp_path / "followup.csv", small_wave(sweep=[3] * 6))
    starter = starter_config([path])
    wave = starter.config["data"]["waves"][0]
    assert wave["wave"] == 3
    assert wave["rename"]["sweep"] == "wave"
    assert starter.comments["data.waves[0].wave"] == "from the file's wave column"


def test_two_files_with_the_same_year_are_numbered_with_a_note(tmp_path):
    a = write_csv(tmp_path / "north_2016.csv", small_wave(wave=[2016] * 6))
    b = write_csv(tmp_path / "south_2016.csv", small_wave(wave=[2016] * 6))
    starter = starter_config([a, b])
    waves = starter.config["data"]["waves"]
    assert [w["wave"] for w in waves] == [1, 2]
    assert any(note.startswith("TODO") and "same wave label (2016)" in note
               for note in starter.notes)
    # Their wave columns no longer hold the label: renamed away, so ingest does not check them.
    assert all(w["rename"]["wave"] == "wave_not_used" for w in waves)
    validate_config(starter.config)


@pytest.mark.parametrize(("names", "scale"), [
    ([f"wemwbs{k}" for k in range(1, 8)], "swemwbs"),
    ([f"WEMWBS_{k}" for k in range(1, 15)], "wemwbs"),
    ([f"q5_swemwbs_{k}" for k in range(1, 8)], "swemwbs"),
    ([f"GHQ_{k}" for k in range(1, 13)], "ghq12"),
    ([f"ghq12_{k}" for k in range(1, 13)], "ghq12"),
])
def test_scale_items_are_told_apart_by_their_count(tmp_path, names, scale):
    frame = small_wave(**{name: [1, 2, 3, 1, 2, 3] for name in names})
    path = write_csv(tmp_path / "wave_2020.csv", frame)
    starter = starter_config([path])
    rename = starter.config["data"]["waves"][0]["rename"]
    assert [rename[name] for name in names] == [f"{scale}_{k}" for k in range(1, len(names) + 1)]
    assert len(starter.config["scales"][scale]["items"]) == len(names)
    score = {"swemwbs": "swemwbs_metric", "wemwbs": "wemwbs", "ghq12": "ghq12_likert"}[scale]
    assert score in starter.config["outcomes"]
    validate_config(starter.config)


def test_an_incomplete_scale_is_not_mapped(tmp_path):
    frame = small_wave(**{f"swemwbs{k}": [1] * 6 for k in (1, 2, 3, 5, 6, 7)})
    starter = starter_config([write_csv(tmp_path / "wave_2020.csv", frame)])
    assert "scales" not in starter.config or "swemwbs" not in starter.config["scales"]
    assert any("not numbered as a complete" in note for note in starter.notes)


def test_two_columns_never_get_one_canonical_name(tmp_path):
    frame = small_wave(lifesat=[1] * 6, LS_2=[2] * 6)
    starter = starter_config([write_csv(tmp_path / "wave_2020.csv", frame)])
    rename = starter.config["data"]["waves"][0]["rename"]
    targets = list(rename.values())
    assert len(targets) == len(set(targets))
    assert rename["ls"] == "life_satisfaction"  # exact names first, then the first in the file
    assert any("also look like it" in note and "lifesat" in note for note in starter.notes)


def test_gender_levels_only_when_value_labels_agree(tmp_path):
    frame = small_wave(sex=[1, 2, 1, 2, 1, 2])
    agree = tmp_path / "wave_2016.sav"
    pyreadstat.write_sav(frame, agree, variable_value_labels={"sex": {1: "Male", 2: "Female"}})
    flipped = tmp_path / "wave_2017.sav"
    pyreadstat.write_sav(frame, flipped, variable_value_labels={"sex": {1: "Female", 2: "Male"}})
    assert "gender" in starter_config([agree]).config["subgroups"]
    starter = starter_config([agree, flipped])
    assert "subgroups" not in starter.config
    assert any(note.startswith("subgroups.gender") and "by hand" in note
               for note in starter.notes)


def test_normalise_name_drops_question_numbers_case_and_separators():
    assert normalise_name("Q1_LifeSat") == "lifesat"
    assert normalise_name("q5_swemwbs_3") == "swemwbs3"
    assert normalise_name("Q1a. Life sat") == "lifesat"
    assert normalise_name("w2_ls") == "ls"
    assert normalise_name("q12") == "q12"
    assert normalise_name("qual") == "qual"
    assert normalise_name("wemwbs1") == "wemwbs1"


def test_an_unused_column_named_like_a_used_one_is_renamed_away(tmp_path):
    # "happy" and "HAPPY" both name the happy item exactly: the first is taken, and the
    # other (named as the canonical column) must not reach ingest beside it.
    frame = small_wave(HAPPY=[1] * 6, happy=[2] * 6)
    starter = starter_config([write_csv(tmp_path / "wave_2020.csv", frame)])
    rename = starter.config["data"]["waves"][0]["rename"]
    assert rename["HAPPY"] == "happy"
    assert rename["happy"] == "happy_not_used"
    assert any("happy_not_used" in note for note in starter.notes)


def test_the_r_did_example_names_are_guessed(tmp_path):
    """mpdta as an analyst would export it from R's did: one file per year, county ids as
    text, the cohort in first.treat (written first_treat), the outcome lemp."""
    source = pd.read_csv(ROOT / "tests" / "results" / "mpdta.csv", comment="#")
    source["county"] = "C" + source["countyreal"].astype(str).str.zfill(5)
    paths = []
    for year, rows in source.groupby("year"):
        path = tmp_path / f"county_{year}.xlsx"
        rows[["county", "first.treat", "lemp"]].rename(
            columns={"first.treat": "first_treat"}).to_excel(path, index=False)
        paths.append(path)
    starter = starter_config(paths)
    for wave in starter.config["data"]["waves"]:
        assert wave["rename"] == {"county": "area_id", "first_treat": "cohort"}
