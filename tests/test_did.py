import numpy as np
import pandas as pd
import pytest

from wellby.analysis.effects import INFERENCE_COLUMNS, WILD_COLUMNS, estimate_did, model_units
from wellby.analysis.tables import DID_COLUMNS, TEST_COLUMNS
from wellby.errors import DataError

from .test_subgroups import COLUMNS, MODELS, simulated


def test_panel_uses_person_effects_and_reports_the_convention():
    data = simulated(effects={"male": 0.5, "female": 0.5})
    table = estimate_did(data, "y", columns=COLUMNS, design="panel", models=MODELS)
    assert list(table.columns) == [*DID_COLUMNS, *TEST_COLUMNS, "vcov", *WILD_COLUMNS,
                                   *INFERENCE_COLUMNS]
    row = table.iloc[0]
    assert (row["estimator"], row["term"], row["n_clusters"]) == ("twfe", "att", 60)
    assert row["ci_low"] <= 0.5 <= row["ci_high"]
    assert "G/(G-1)" in row["vcov"]


def test_repeated_cross_section_uses_area_effects():
    assert model_units(COLUMNS, "repeated_cross_section") == "area"
    data = simulated(effects={"male": 0.5, "female": 0.5})
    table = estimate_did(data, "y", columns=COLUMNS, design="repeated_cross_section",
                         models={**MODELS, "vcov": "hc1"})
    assert table.iloc[0]["ci_low"] <= 0.5 <= table.iloc[0]["ci_high"]
    assert pd.isna(table.iloc[0]["n_clusters"])


@pytest.mark.parametrize(("change", "key"), [
    (lambda d: d.drop(columns="y"), "outcomes"),
    (lambda d: d.assign(y=np.nan), "outcomes"),
])
def test_bad_outcome_names_the_key(change, key):
    with pytest.raises(DataError, match=key):
        estimate_did(change(simulated()), "y", columns=COLUMNS, design="panel", models=MODELS)


def test_missing_covariate_names_the_key():
    with pytest.raises(DataError, match="models.covariates"):
        estimate_did(simulated(), "y", columns=COLUMNS, design="panel",
                     models={**MODELS, "covariates": ["age"]})


def test_few_clusters_add_wild_bootstrap_inference():
    data = simulated(effects={"male": 0.5, "female": 0.5})
    models = {**MODELS, "bootstrap": {**MODELS["bootstrap"], "wild_cluster_below": 100,
                                      "reps": 399, "seed": 1}}
    table = estimate_did(data, "y", columns=COLUMNS, design="panel", models=models)
    row = table.iloc[0]
    assert 0 <= row["wild_p_value"] <= 1
    assert row["wild_ci_low"] < row["estimate"] < row["wild_ci_high"]
    assert "WCR11, rademacher weights, 399 replications, seed 1, G=60" == row["wild_bootstrap"]
    many = estimate_did(data, "y", columns=COLUMNS, design="panel", models=MODELS)
    assert pd.isna(many.iloc[0]["wild_p_value"])


def test_all_estimators_and_their_tables():
    from wellby.analysis.effects import EVENT_STUDY_COLUMNS, GROUP_TIME_COLUMNS, estimate_outcome

    data = simulated(effects={"male": 0.5, "female": 0.5})
    models = {**MODELS, "estimators": ["twfe", "event_study", "callaway_santanna"],
              "control_group": "never_treated"}
    result = estimate_outcome(data, "y", columns=COLUMNS, design="panel", models=models)
    terms = result.did.set_index(["estimator", "term"])
    for key in [("twfe", "att"), ("callaway_santanna", "att_simple")]:
        assert terms.loc[key, "ci_low"] <= 0.5 <= terms.loc[key, "ci_high"]
    assert 0 <= terms.loc[("event_study", "pretrend_wald"), "p_value"] <= 1
    assert list(result.event_study.columns) == EVENT_STUDY_COLUMNS
    assert set(result.event_study["estimator"]) == {"event_study", "callaway_santanna"}
    assert list(result.group_time.columns) == GROUP_TIME_COLUMNS
    only_twfe = estimate_outcome(data, "y", columns=COLUMNS, design="panel", models=MODELS)
    assert only_twfe.event_study.empty and list(only_twfe.group_time.columns) == \
        GROUP_TIME_COLUMNS


@pytest.mark.parametrize(("message", "covariates", "expected"), [
    ("weights column 'w' contains infinite values", [], ("w", "columns.weight")),
    ("cluster column 'region' varies within unit", [], ("region", "models.cluster")),
    ("the outcome regression for ATT(g=2017, t=2017) is singular", ["health"],
     ("health", "models.covariates")),
    ("the outcome regression for ATT(g=2017, t=2017) is singular", [], ("y", "models")),
    ("control_group='never_treated' needs never-treated units", [],
     ("cohort", "models.control_group")),
    ("cohort column 'cohort' has first-treated periods that are never observed", [],
     ("cohort", "columns.cohort")),
    ("no observations left", [], ("y", "models")),
])
def test_estimator_errors_point_at_the_key_that_fixes_them(message, covariates, expected):
    from wellby.analysis.effects import estimator_error_source

    columns = {"wave": "wave", "area": "area", "cohort": "cohort", "weight": "w"}
    models = {"covariates": covariates, "cluster": "region" if "region" in message else None}
    assert estimator_error_source(message, "y", columns, models) == expected
