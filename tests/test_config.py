import pytest

from wellby.config import load_config, load_yaml, validate_config
from wellby.errors import ConfigError

from .conftest import ROOT, SCHEMA, minimal_config


def test_minimal_config_gets_defaults():
    config = validate_config(minimal_config(), SCHEMA)
    assert config["models"] == {"estimators": ["twfe"], "vcov": "cluster",
                                "control_group": "never_treated", "covariates": [],
                                "cs_method": "dr", "anticipation": 0,
                                "base_period": "varying", "balanced_panel": False,
                                "dynamic": {}, "event_window": {"bin_endpoints": True},
                                "mixed_method": "reml", "alpha": 0.05,
                                "bootstrap": {"wild_cluster_below": 50, "reps": 9999,
                                              "weights": "auto", "seed": 20101,
                                              "multiplier": False},
                                "subgroups": {"adjust": "holm", "min_obs": 30,
                                              "min_clusters": 5, "cross": True},
                                "sensitivity": {"enabled": True, "mbar": [], "m": [],
                                                "periods": False}}
    assert config["report"] == {"min_cell": 10, "bcr_flag_above": 10}
    assert config["power"] == {"enabled": True, "target": 0.8, "areas": [], "persons": []}
    assert config["data"]["waves"][0]["rename"] == {}
    assert config["data"]["out_of_range"] == "set_missing"
    assert config["subgroups"] == {}
    assert "cba" not in config


def test_demo_config_is_valid():
    config = load_config(ROOT / "config" / "config.yaml", SCHEMA)
    assert config["design"] == "panel"
    assert len(config["data"]["waves"]) == 5


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c["models"].update(vcov="robust"), "models.vcov"),
        (lambda c: c.update(colour="blue"), "unknown key ('colour' was unexpected)"),
        (lambda c: c["columns"].update(aera="x"), "columns: unknown key"),
        (lambda c: c["data"]["waves"][0].update(wave="first"), "data.waves[0].wave"),
        (lambda c: c.pop("outcomes"), "'outcomes' is a required property"),
        (lambda c: c["report"].update(min_cell=0), "report.min_cell"),
        (lambda c: c["data"].update(path="long.csv"), "exactly one of data.waves"),
    ],
)
def test_invalid_config_names_the_key(change, expected):
    config = minimal_config(models={}, report={})
    change(config)
    with pytest.raises(ConfigError) as err:
        validate_config(config, SCHEMA)
    assert expected in str(err.value)


def test_panel_without_id_is_refused():
    config = minimal_config()
    del config["columns"]["id"]
    with pytest.raises(ConfigError, match="columns.id"):
        validate_config(config, SCHEMA)
    config["design"] = "repeated_cross_section"
    assert validate_config(config, SCHEMA)["design"] == "repeated_cross_section"


def test_duplicate_waves_are_refused():
    config = minimal_config()
    config["data"]["waves"].append({"wave": 2016, "path": "w2.csv"})
    with pytest.raises(ConfigError, match="wave \\[2016\\] is listed more than once"):
        validate_config(config, SCHEMA)


def test_cba_outcome_must_be_modelled():
    config = minimal_config(cba={"outcome": "happy", "population": 10, "duration_years": 1,
                                 "costs": {"0": 1}})
    with pytest.raises(ConfigError, match="cba.outcome"):
        validate_config(config, SCHEMA)


def test_missing_and_broken_config_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml", SCHEMA)
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad, SCHEMA)


def test_one_long_file_gets_its_defaults():
    config = minimal_config()
    config["data"] = {"path": "all_waves.csv"}
    data = validate_config(config, SCHEMA)["data"]
    assert (data["rename"], data["encoding"], data["value_labels"]) == ({}, "utf-8", False)


@pytest.mark.parametrize(("change", "key"), [
    ({"cost_prices": "nominal"}, "cba.start_year"),
    ({"outcome": "swemwbs_metric"}, "cba.mapping"),
    ({"population": {"2": 1000}}, "cba.population"),
])
def test_the_appraisals_own_rules_stop_the_config_at_the_start(change, key):
    """Rules the schema cannot state fail at validation, not at the value step."""
    import copy

    config = copy.deepcopy(load_yaml(ROOT / "config" / "config.yaml"))
    config["cba"].pop("start_year", None)
    config["cba"].update(change)
    with pytest.raises(ConfigError, match=rf"{key}\b"):
        validate_config(config)


def test_one_section_is_validated_and_filled_as_in_the_whole_config():
    from wellby.config import validate_section

    cba = {"population": 10, "duration_years": 1, "costs": {"0": 1}}
    whole = validate_config(minimal_config(cba=cba), SCHEMA)
    assert validate_section("cba", cba, SCHEMA) == whole["cba"]
    assert validate_section("models", {}, SCHEMA) == whole["models"]
    assert cba == {"population": 10, "duration_years": 1, "costs": {"0": 1}}  # not changed
    with pytest.raises(ConfigError,
                       match=r"(?s)cba: 'costs' is a required.*cba.drop_off: 2 is greater"):
        validate_section("cba", {"population": 10, "duration_years": 1, "drop_off": 2})
    with pytest.raises(KeyError, match="no section 'cbaa'"):
        validate_section("cbaa", cba)


def test_a_setting_given_as_an_argument_is_checked_against_its_key():
    from wellby.config import check_setting

    assert check_setting("cba.monte_carlo.draws", 20_000) == 20_000
    with pytest.raises(ConfigError, match="cba.monte_carlo.draws: 99 is less than the minimum"):
        check_setting("cba.monte_carlo.draws", 99)
    with pytest.raises(ConfigError, match="models.subgroups.adjust: 'bonferroni' is not one"):
        check_setting("models.subgroups.adjust", "bonferroni")
    with pytest.raises(ConfigError, match="columns.id: '' should be non-empty"):
        check_setting("columns.id", "")  # through its $ref
    with pytest.raises(KeyError, match="no key 'cba.monte_carlo.draw'"):
        check_setting("cba.monte_carlo.draw", 1)
