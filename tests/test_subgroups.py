import numpy as np
import pandas as pd
import pytest

from wellby.subgroups import adjust_p_values, estimate_subgroups

COLUMNS = {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"}
MODELS = {"estimators": ["twfe"], "vcov": "cluster", "covariates": [], "alpha": 0.05}


def simulated(seed=1, effects=None):
    """Panel with a known effect per gender level: 60 areas, 20 people each, 4 waves."""
    effects = effects or {"male": 1.0, "female": 0.0}
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({"pid": np.arange(1200), "area": np.repeat(np.arange(60), 20)})
    people["cohort"] = np.where(people["area"] < 30, 3, 0)
    people["gender"] = rng.choice(["male", "female"], size=len(people))
    people["alpha"] = rng.normal(size=len(people))
    data = people.merge(pd.DataFrame({"wave": [1, 2, 3, 4]}), how="cross")
    data["treated"] = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).astype(int)
    effect = data["gender"].map(effects)
    data["y"] = (data["alpha"] + 0.1 * data["wave"] + effect * data["treated"]
                 + rng.normal(scale=0.5, size=len(data)))
    data["gender"] = pd.Categorical(data["gender"], categories=["male", "female", "unknown"])
    return data


def test_stratified_effects_recover_the_truth():
    table = estimate_subgroups(simulated(), "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    rows = table.set_index("level")
    assert rows.loc["male", "ci_low"] <= 1.0 <= rows.loc["male", "ci_high"]
    assert rows.loc["female", "ci_low"] <= 0.0 <= rows.loc["female", "ci_high"]
    assert rows.loc["unknown", "n_obs"] == 0
    assert "no observations" in rows.loc["unknown", "note"]
    present = table["p_value"].notna()
    assert (table.loc[present, "p_adjusted"] >= table.loc[present, "p_value"]).all()


def test_small_level_is_reported_not_fitted_and_its_count_suppressed():
    data = simulated()
    data["gender"] = data["gender"].cat.add_categories("other")
    data.loc[data.index[:3], "gender"] = "other"
    table = estimate_subgroups(data, "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    other = table.set_index("level").loc["other"]
    assert np.isnan(other["estimate"]) and np.isnan(other["n_obs"])
    assert "fewer than 10" in other["note"]


def test_holm_adjustment_by_hand():
    p = pd.Series([0.01, 0.04, np.nan, 0.03])
    adjusted = adjust_p_values(p)
    # Holm: sorted 0.01, 0.03, 0.04 times 3, 2, 1, then running maximum.
    assert adjusted.tolist()[:2] == pytest.approx([0.03, 0.06])
    assert np.isnan(adjusted[2])
    assert adjusted[3] == pytest.approx(0.06)
    bh = adjust_p_values(p, method="fdr_bh")
    assert bh.tolist()[0] == pytest.approx(0.03) and bh[1] == pytest.approx(0.04)


def test_no_subgroups_gives_an_empty_table_with_the_contract_columns():
    table = estimate_subgroups(simulated(), "y", subgroups={}, columns=COLUMNS, design="panel",
                               models=MODELS, min_cell=10)
    assert table.empty
    assert list(table.columns[:10]) == ["outcome", "subgroup", "level", "estimate",
                                        "std_error", "ci_low", "ci_high", "p_value",
                                        "p_adjusted", "n_obs"]
