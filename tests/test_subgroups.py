import numpy as np
import pandas as pd
import pytest

from wellby.subgroups import (
    HETEROGENEITY,
    adjust_p_values,
    baseline_levels,
    estimate_subgroups,
    forest_plot,
    interaction_model,
    subgroup_levels,
)

COLUMNS = {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"}
MODELS = {"estimators": ["twfe"], "vcov": "cluster", "covariates": [], "alpha": 0.05,
          "control_group": "never_treated"}


def simulated(seed=1, effects=None, n_areas=60, per_area=20):
    """Panel with a known effect per gender level: areas x people x 4 waves."""
    effects = effects or {"male": 1.0, "female": 0.0}
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({"pid": np.arange(n_areas * per_area),
                           "area": np.repeat(np.arange(n_areas), per_area)})
    people["cohort"] = np.where(people["area"] < n_areas // 2, 3, 0)
    people["gender"] = rng.choice(["male", "female"], size=len(people))
    people["alpha"] = rng.normal(size=len(people))
    data = people.merge(pd.DataFrame({"wave": [1, 2, 3, 4]}), how="cross")
    data["treated"] = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).astype(int)
    effect = data["gender"].map(effects)
    data["y"] = (data["alpha"] + 0.1 * data["wave"] + effect * data["treated"]
                 + rng.normal(scale=0.5, size=len(data))
                 + rng.normal(scale=0.3, size=n_areas)[data["area"]])
    data["gender"] = pd.Categorical(data["gender"], categories=["male", "female", "unknown"])
    return data


def test_stratified_effects_recover_the_truth_and_the_pooled_model_agrees():
    table = estimate_subgroups(simulated(), "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    twfe = table[table["estimator"] == "twfe"].set_index("level")
    assert twfe.loc["male", "ci_low"] <= 1.0 <= twfe.loc["male", "ci_high"]
    assert twfe.loc["female", "ci_low"] <= 0.0 <= twfe.loc["female", "ci_high"]
    assert twfe.loc["unknown", "n_obs"] == 0
    assert "no observations" in twfe.loc["unknown", "note"]
    pooled = table[table["estimator"] == "twfe_interaction"].set_index("level")
    # Fully interacted (unit and wave-by-level effects): the same point estimates.
    assert pooled.loc["male", "estimate"] == pytest.approx(twfe.loc["male", "estimate"])
    assert pooled.loc[HETEROGENEITY, "p_value"] < 0.001
    present = table["p_value"].notna()
    assert (table.loc[present, "p_adjusted"] >= table.loc[present, "p_value"]).all()
    # Standardised by the first wave's SD of the outcome.
    sd = simulated()[lambda d: d["wave"] == 1]["y"].std()
    assert twfe.loc["male", "std_effect"] == pytest.approx(twfe.loc["male", "estimate"] / sd)


def test_callaway_santanna_by_subgroup_and_event_time():
    models = {**MODELS, "estimators": ["twfe", "callaway_santanna"]}
    table = estimate_subgroups(simulated(), "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=models, min_cell=10)
    cs = table[table["estimator"] == "callaway_santanna"]
    simple = cs[cs["term"] == "att_simple"].set_index("level")
    assert simple.loc["male", "ci_low"] <= 1.0 <= simple.loc["male", "ci_high"]
    dynamic = cs[cs["term"] == "att_e"]
    assert set(dynamic["rel_time"].astype(int)) == {0, 1}


def test_small_level_is_reported_not_fitted_and_its_count_suppressed():
    data = simulated()
    data["gender"] = data["gender"].cat.add_categories("other")
    data.loc[data["pid"] < 2, "gender"] = "other"
    table = estimate_subgroups(data, "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    other = table[table["estimator"] == "twfe"].set_index("level").loc["other"]
    assert np.isnan(other["estimate"]) and np.isnan(other["n_obs"])
    assert "fewer than 30 observations" in other["note"] and "count suppressed" in other["note"]


def test_levels_with_few_areas_are_not_estimated():
    data = simulated()
    data["gender"] = data["gender"].cat.add_categories("other")
    data.loc[data["area"].isin([0, 40]), "gender"] = "other"
    table = estimate_subgroups(data, "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10,
                               settings={"min_clusters": 5})
    other = table[table["estimator"] == "twfe"].set_index("level").loc["other"]
    assert "fewer than 5 areas" in other["note"]


def test_crossed_subgroups_and_baseline_levels():
    data = simulated()
    data["age_band"] = pd.Categorical(np.where(data["pid"] % 2 == 0, "young", "old"),
                                      categories=["young", "old"])
    levels = subgroup_levels(data, {"gender": {}, "age_band": {}}, cross=True)
    assert list(levels) == ["gender", "age_band", "gender_x_age_band"]
    assert "male:young" in levels["gender_x_age_band"].cat.categories
    # A changed answer does not move a person between strata.
    changed = data["gender"].copy()
    changed[(data["pid"] == 0) & (data["wave"] == 4)] = "female"
    fixed = baseline_levels(changed, data["pid"], data["wave"])
    assert fixed[data["pid"] == 0].nunique() == 1
    assert fixed[data["pid"] == 0].iloc[0] == data.loc[data["pid"] == 0, "gender"].iloc[0]


def test_heterogeneity_test_has_its_nominal_size_without_heterogeneity():
    """200 simulated studies with equal effects: the 5% test rejects about 5% of the time
    (binomial 99% band for 200 draws: 0.5% to 10.5%)."""
    rejections = 0
    for seed in range(200):
        data = simulated(seed=seed, effects={"male": 0.5, "female": 0.5}, n_areas=40,
                         per_area=8)
        levels = data["gender"].cat.remove_unused_categories()
        rows = interaction_model(data, "y", "gender", levels, ["male", "female"],
                                 columns=COLUMNS, design="panel", models=MODELS)
        rejections += rows[-1]["p_value"] < 0.05
    assert 0.005 <= rejections / 200 <= 0.105


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


def test_forest_plot_draws_every_estimated_level():
    table = estimate_subgroups(simulated(), "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    figure = forest_plot(table, "y", overall=0.5)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["gender: male", "gender: female"]  # top to bottom
