"""The data gate lets good-but-messy input through correctly, and records what it found.

test_bad_input.py holds the corpus of inputs that must stop the run; these tests are the
other side: everyday faults that must be handled (and counted) without stopping, and the
gate's own functions checked against hand calculations.
"""

import copy

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from wellby.config import load_yaml, validate_config
from wellby.demo import write_demo_study
from wellby.errors import ConfigError
from wellby.prepare.panel import distribution_checks, linkage_rates, shifted_wave
from wellby.prepare.study import prepare_study
from wellby.prepare.variables import KNOWN_MEASURES, ValidRange, column_roles, valid_range

from .conftest import ROOT, SCHEMA, copy_demo_study, minimal_config


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("gate_demo")
    write_demo_study(out, seed=9, n_programme_areas=6, n_comparison_areas=6,
                     residents_per_area=12)
    return out


@pytest.fixture
def study(demo_files, tmp_path):
    """A copy of the small demo's files and a config pointing at them."""
    return copy_demo_study(demo_files, tmp_path)


def prepare(config):
    return prepare_study(validate_config(copy.deepcopy(config), SCHEMA))


def test_life_satisfaction_is_range_checked_without_the_ons4_scale(study):
    # The trial that gave a benefit-cost ratio of 140: 99 and 11 in life satisfaction,
    # modelled without declaring the ONS4 scale.
    config, data_dir = study
    del config["scales"]["ons4"]
    frame = pd.read_csv(data_dir / "wave_2016.csv")
    frame.loc[:19, "ls"] = 99
    frame.loc[20:22, "ls"] = 11
    frame.to_csv(data_dir / "wave_2016.csv", index=False)
    prepared = prepare(config)
    assert prepared.panel["life_satisfaction"].max() <= 10
    fixed = prepared.corrections[(prepared.corrections["wave"] == 2016)
                                 & (prepared.corrections["column"] == "life_satisfaction")]
    planted = fixed[fixed["row"] <= 23]
    assert sorted(planted["row"]) == list(range(1, 24))
    assert set(planted["value"]) == {99, 11}
    warning = prepared.checks[prepared.checks["check"] == "many_out_of_range"]
    assert warning["column"].tolist() == ["life_satisfaction"]
    assert warning["count"].iloc[0] == len(fixed)


def test_exclude_row_rule_excludes_and_reconciles(study):
    config, data_dir = study
    config["data"]["out_of_range"] = "exclude_row"
    frame = pd.read_csv(data_dir / "wave_2020.csv")
    frame.loc[[4, 9], "LS"] = 42
    frame.to_csv(data_dir / "wave_2020.csv", index=False)
    prepared = prepare(config)
    dropped = prepared.exclusions[(prepared.exclusions["wave"] == 2020)
                                  & (prepared.exclusions["rule"] == "out_of_range")]
    assert {5, 10} <= set(dropped["row"])
    summary = prepared.summary
    assert (summary["rows_in"] == summary["rows_out"] + summary["rows_excluded"]).all()


def test_text_missing_codes_are_missing_not_errors(study):
    config, data_dir = study
    config["data"]["missing_codes"] = [-9, -8, "Refused", "don't know"]
    frame = pd.read_csv(data_dir / "wave_2016.csv")
    frame["ls"] = frame["ls"].astype(object)
    frame.loc[2, "ls"] = " refused "
    frame.loc[3, "ls"] = "Don't know"
    frame.to_csv(data_dir / "wave_2016.csv", index=False)
    prepared = prepare(config)
    wave = prepared.panel[prepared.panel["wave"] == 2016].set_index("_row")
    assert np.isnan(wave.loc[3, "life_satisfaction"]) and np.isnan(wave.loc[4,
                                                                       "life_satisfaction"])


def test_spss_value_labels_of_missing_codes_are_missing_when_declared(study):
    config, _ = study
    config["data"]["waves"][1]["value_labels"] = True
    config["data"]["missing_codes"] = [-9, -8, "Refused", "Don't know"]
    config["subgroups"]["gender"]["levels"] = {"male": [1, "M", "Male"],
                                               "female": [2, "F", "Female"],
                                               "other": [3, "X", "Other / prefer not to say"]}
    config["subgroups"]["qualification"]["levels"] = {
        "none": [0, "No qualifications"], "below_degree": [1, "Below degree"],
        "degree": [2, "Degree or above"]}
    config["subgroups"]["income_quintile"]["levels"] = {
        "q1_lowest": [1, "Lowest 20%"], "q2": [2, "Second 20%"], "q3": [3, "Middle 20%"],
        "q4": [4, "Fourth 20%"], "q5_highest": [5, "Highest 20%"]}
    config["data"]["waves"][1]["recode"] = {}
    prepared = prepare(config)
    wave = prepared.panel[prepared.panel["wave"] == 2017]
    assert wave["life_satisfaction"].between(0, 10).sum() > 0.9 * len(wave)
    assert (wave["gender"] != "unknown").mean() > 0.95


def test_ids_written_with_a_prefix_link_after_id_transform(study):
    config, data_dir = study
    frame, _ = pyreadstat.read_sav(data_dir / "wave_2017.sav")
    frame["RespID"] = [f"R{int(v):07d}" for v in frame["RespID"]]
    pyreadstat.write_sav(frame, data_dir / "wave_2017.sav")
    config["data"]["waves"][1]["id_transform"] = {"strip_prefix": "R",
                                                  "strip_leading_zeros": True}
    prepared = prepare(config)
    rates = linkage_rates(prepared.panel, "person_id", "wave").set_index("wave")["rate"]
    assert rates.loc[2017] > 0.8


def test_long_ids_are_text_and_link_exactly(study):
    # 17-digit ids lose their last digits as floats: 90% of rows became duplicates.
    config, data_dir = study
    for name, column in [("wave_2016.csv", "resp_id"), ("wave_2020.csv", "pid")]:
        frame = pd.read_csv(data_dir / name, dtype={column: str})
        frame[column] = "12345678901" + frame[column].str.zfill(6)
        frame.to_csv(data_dir / name, index=False)
    for name, column, reader, writer in [
            ("wave_2017.sav", "RespID", pyreadstat.read_sav, pyreadstat.write_sav),
            ("wave_2019.sav", "id", pyreadstat.read_sav, pyreadstat.write_sav),
            ("wave_2018.dta", "serial", pyreadstat.read_dta, pyreadstat.write_dta)]:
        frame, _ = reader(data_dir / name)
        frame[column] = ["12345678901" + f"{int(v):06d}" for v in frame[column]]
        writer(frame, data_dir / name)
    prepared = prepare(config)
    assert "duplicate_id" not in set(prepared.exclusions["rule"])
    rates = linkage_rates(prepared.panel, "person_id", "wave")["rate"]
    assert rates.min() > 0.7


def test_empty_ids_are_missing_and_excluded_with_a_reason(study):
    config, data_dir = study
    text = (data_dir / "wave_2016.csv").read_text().splitlines()
    fields = text[3].split(",")
    fields[0] = "  "
    text[3] = ",".join(fields)
    (data_dir / "wave_2016.csv").write_text("\n".join(text) + "\n")
    prepared = prepare(config)
    missing = prepared.exclusions[prepared.exclusions["rule"] == "missing_id"]
    assert missing[["wave", "row"]].values.tolist() == [[2016, 3]]


def test_area_names_in_other_unicode_forms_are_the_same_area(study):
    config, data_dir = study
    frame = pd.read_csv(data_dir / "wave_2020.csv")
    first = frame["Area"].iloc[0]
    frame.loc[0, "Area"] = " " + first.replace("0", "\uff10") + "  "  # full-width zero
    frame.to_csv(data_dir / "wave_2020.csv", index=False)
    prepared = prepare(config)
    assert prepared.panel["area_id"].nunique() == 12


def test_area_file_gives_cohorts_and_attributes(study):
    config, data_dir = study
    waves = pd.read_csv(data_dir / "wave_2016.csv")
    areas = waves[["area_code", "start_year"]].drop_duplicates("area_code").rename(
        columns={"area_code": "Area code", "start_year": "First wave"})
    areas["IMD score"] = np.arange(len(areas)) * 1.5
    areas.to_csv(data_dir / "areas.csv", index=False)
    config["data"]["areas"] = {"path": str(data_dir / "areas.csv"),
                               "rename": {"Area code": "area_id", "First wave": "cohort",
                                          "IMD score": "imd_score"}}
    expected = prepare(copy.deepcopy({**config, "data": {
        k: v for k, v in config["data"].items() if k != "areas"}})).panel
    for wave in config["data"]["waves"]:
        source = {v: k for k, v in wave["rename"].items()}["cohort"]
        del wave["rename"][source]
    prepared = prepare(config)
    assert prepared.panel["cohort"].tolist() == expected["cohort"].tolist()
    by_area = prepared.panel.groupby("area_id")["imd_score"].nunique()
    assert (by_area == 1).all() and prepared.panel["imd_score"].notna().all()


def test_excel_wave_with_title_rows_and_named_sheet(study):
    config, data_dir = study
    frame = pd.read_csv(data_dir / "wave_2016.csv")
    target = data_dir / "wave_2016.xlsx"
    with pd.ExcelWriter(target) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame([["Resident survey 2016"], ["Weighted: no"]]).to_excel(
            writer, sheet_name="Data", header=False, index=False)
        frame.to_excel(writer, sheet_name="Data", index=False, startrow=3)
    config["data"]["waves"][0].update(path=str(target), sheet="Data", header_row=4)
    prepared = prepare(config)
    assert prepared.summary.set_index("wave").loc[2016, "rows_in"] == len(frame)


def test_semicolon_csv_with_its_delimiter(study):
    config, data_dir = study
    pd.read_csv(data_dir / "wave_2016.csv").to_csv(data_dir / "wave_2016.csv", sep=";",
                                                   index=False)
    config["data"]["waves"][0]["delimiter"] = ";"
    assert len(prepare(config).panel) > 0


def test_partly_unmapped_codes_are_a_data_check_not_silence(study):
    config, data_dir = study
    frame = pd.read_csv(data_dir / "wave_2016.csv")
    frame.loc[[1, 2], "sex"] = 7
    frame.to_csv(data_dir / "wave_2016.csv", index=False)
    prepared = prepare(config)
    check = prepared.checks[prepared.checks["check"] == "unmapped_codes"]
    assert check[["wave", "column", "count"]].values.tolist() == [[2016, "gender", 2]]
    assert "'7'" in check["message"].iloc[0]
    assert check["severity"].iloc[0] == "warning"


def test_unused_columns_never_reach_the_analysis_file(study):
    config, data_dir = study
    frame = pd.read_csv(data_dir / "wave_2016.csv")
    frame["interviewer_notes"] = "called back"
    frame.to_csv(data_dir / "wave_2016.csv", index=False)
    prepared = prepare(config)
    assert "interviewer_notes" not in prepared.panel.columns
    assert {"Name", "postcode", "name"}.isdisjoint(prepared.panel.columns)


def test_declared_identifiers_match_whatever_their_case_and_separators(study):
    config, data_dir = study
    frame = pd.read_csv(data_dir / "wave_2016.csv")
    frame["NHS-No."] = "x"
    frame.to_csv(data_dir / "wave_2016.csv", index=False)
    config["data"]["identifiers"] = [*config["data"]["identifiers"], "nhs_no"]
    config["data"]["waves"][0]["rename"]["NHS-No."] = "nhs_number"
    config["models"]["covariates"] = []
    prepared = prepare(config)
    assert "nhs_number" not in prepared.panel.columns and "NHS-No." not in prepared.panel


def test_duplicated_yaml_key_is_refused(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("design: panel\noutcomes: [a]\ndesign: repeated_cross_section\n")
    with pytest.raises(ConfigError, match=r"'design' is given twice .*lines 1 and 3"):
        load_yaml(path)


def test_known_measures_know_their_ranges():
    assert KNOWN_MEASURES["life_satisfaction"] == ValidRange(0, 10, True, "ONS4 item")
    assert (KNOWN_MEASURES["swemwbs_7"].low, KNOWN_MEASURES["swemwbs_7"].high) == (1, 5)
    assert (KNOWN_MEASURES["wemwbs_14"].low, KNOWN_MEASURES["wemwbs_14"].high) == (1, 5)
    assert (KNOWN_MEASURES["ghq12_12"].low, KNOWN_MEASURES["ghq12_12"].high) == (0, 3)
    config = minimal_config()
    config["data"]["ranges"] = {"income": {"min": 0, "max": 1e6}}
    config = validate_config(config, SCHEMA)
    assert valid_range("income", config).integer is False
    assert valid_range("wellbeing_index", config) is None


def test_column_roles_name_the_key_that_uses_each_column():
    config = validate_config(yaml.safe_load((ROOT / "config" / "config.yaml").read_text()),
                             SCHEMA)
    roles = column_roles(config)
    assert roles["area_id"] == "columns.area" and roles["swemwbs_3"] == "scales.swemwbs.items"
    assert roles["gender"] == "columns.member" or roles["gender"].startswith("subgroups.")
    assert "swemwbs_metric" not in roles  # a score, computed, not read


def test_linkage_rates_by_hand():
    data = pd.DataFrame({"p": [1, 2, 3, 1, 2, 4, 1], "w": [1, 1, 1, 2, 2, 2, 3]})
    rates = linkage_rates(data, "p", "w").set_index("wave")
    # wave 1: persons 1, 2 seen again, 3 not -> 2/3; wave 2: 1, 2 linked, 4 not; wave 3: 1.
    assert rates["linked"].tolist() == [2, 2, 1]
    assert rates["rate"].round(4).tolist() == [0.6667, 0.6667, 1.0]


def test_shifted_wave_against_hand_built_distributions():
    rng = np.random.default_rng(1)
    others = pd.Series(rng.choice([1, 2, 3, 4, 5], size=2000, p=[.02, .13, .40, .35, .10]))
    genuine = pd.Series(rng.choice([1, 2, 3, 4, 5], size=300, p=[.02, .10, .38, .38, .12]))
    coded_low = pd.Series(rng.choice([1, 2, 3, 4, 5], size=300,
                                     p=[.02, .13, .40, .35, .10])) - 1
    coded_low = coded_low[coded_low >= 1]  # the 0s were set aside as out of range
    bounds = ValidRange(1, 5, True, "SWEMWBS item")
    assert shifted_wave(genuine, others, bounds) == 0
    assert shifted_wave(coded_low, others, bounds) == -1
    assert shifted_wave(coded_low + 2, others, bounds) == 1


def test_shift_of_a_widely_answered_0_to_10_item_is_found_and_an_effect_is_not():
    # Life satisfaction as ONS waves answer it (SD about 1.9): a one-step shift moves the
    # distribution by a total variation of only about 0.14, which the old 0.2 missed.
    rng = np.random.default_rng(3)
    p = np.array([.001, .002, .009, .024, .054, .106, .156, .185, .179, .138, .146])
    others = pd.Series(rng.choice(np.arange(11), size=4000, p=p))
    wave = pd.Series(rng.choice(np.arange(11), size=800, p=p))
    bounds = ValidRange(0, 10, True, "ONS4 item")
    assert shifted_wave((wave + 1)[wave + 1 <= 10], others, bounds) == 1
    assert shifted_wave((wave - 1)[wave >= 1], others, bounds) == -1
    # a programme that lifts a tenth of respondents by one point is not a recoding
    lifted = wave + (rng.random(len(wave)) < 0.1)
    assert shifted_wave(lifted[lifted <= 10], others, bounds) == 0
    assert shifted_wave(wave, others, bounds) == 0


def test_distribution_check_flags_only_the_odd_wave():
    rng = np.random.default_rng(2)
    frames = [pd.DataFrame({"w": w, "y": rng.normal(22 if w != 3 else 17, 2, 400)})
              for w in (1, 2, 3, 4)]
    checks = distribution_checks(pd.concat(frames), ["y"], "w")
    assert [c["wave"] for c in checks] == [3]
    assert checks[0]["message"].startswith("wave 3: the mean of y is 16.")


def test_linkage_health_thresholds_by_hand():
    from wellby.errors import DataError
    from wellby.prepare.panel import check_linkage_health

    # 100 persons a wave; waves 1 and 3 link 90 persons to another wave, wave 2 only 40.
    rows = []
    for person in range(100):
        rows.append((f"a{person}", 1))
        rows.append((f"a{person}" if person < 40 else f"b{person}", 2))
        rows.append((f"a{person}" if person < 90 else f"c{person}", 3))
    data = pd.DataFrame(rows, columns=["pid", "wave"])
    rates = linkage_rates(data, "pid", "wave").set_index("wave")["rate"]
    assert rates.round(2).tolist() == [0.9, 0.4, 0.9]
    args = dict(person="pid", wave="wave", min_rate=0.05, wave_keys={2: "data.waves[1]"},
                sources={2: "w2.csv"})
    # 0.4 / median(0.9, 0.9) = 0.44: below 0.5 stops, above 0.4 passes with a warning.
    with pytest.raises(DataError, match=r"wave 2 links far less") as stopped:
        check_linkage_health(data, min_relative_rate=0.5, **args)
    assert "data.waves[1].id_transform" in str(stopped.value)
    checks = check_linkage_health(data, min_relative_rate=0.4, **args)
    assert [(c["wave"], c["severity"]) for c in checks] == [
        (1, "info"), (2, "warning"), (3, "info")]
    with pytest.raises(DataError, match="links almost no respondent"):
        check_linkage_health(data, min_relative_rate=0.4, **{**args, "min_rate": 0.95})
