import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wellby.analysis.multiple_testing import adjust_p_values
from wellby.analysis.subgroups import (
    HETEROGENEITY,
    baseline_levels,
    estimate_subgroups,
    forest_plot,
    interaction_model,
    population_shares,
    subgroup_levels,
    value_published_levels,
)
from wellby.config import validate_config

from .conftest import minimal_config

COLUMNS = {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"}


def validated_models(**settings):
    """The models section as validation fills it, TWFE unless ``settings`` say otherwise."""
    models = {"estimators": ["twfe"], **settings}
    return validate_config(minimal_config(columns=COLUMNS, models=models))["models"]


MODELS = validated_models()
"""The models section as validation fills it (TWFE, clustered on the area, alpha 0.05,
subgroup p-values adjusted by the schema's default, Holm)."""


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
    # persons beside person-waves: each person is in 4 waves
    people = simulated().drop_duplicates("pid")["gender"].value_counts()
    assert twfe.loc["male", "n_persons"] == people["male"]
    assert twfe.loc["male", "n_obs"] == 4 * people["male"]
    assert (twfe["suppressed"] == "").all()
    # Every code mapped, so the unknown level did not occur: it has no row at all.
    assert "unknown" not in set(table["level"])
    pooled = table[table["estimator"] == "twfe_interaction"].set_index("level")
    # Fully interacted (unit and wave-by-level effects): the same point estimates.
    assert pooled.loc["male", "estimate"] == pytest.approx(twfe.loc["male", "estimate"])
    test = pooled.loc[HETEROGENEITY]
    assert test["p_value"] < 0.001
    # The F test in its own columns: its p-value follows from them, and no effect size.
    assert np.isnan(test["estimate"]) and test["distribution"] == "F"
    assert (test["df1"], test["df2"]) == (1, test["n_clusters"] - 1)
    assert test["p_value"] == pytest.approx(stats.f.sf(test["statistic"], 1, test["df2"]))
    present = table["p_value"].notna()
    assert (table.loc[present, "p_adjusted"] >= table.loc[present, "p_value"]).all()
    # Standardised by the first wave's SD of the outcome.
    sd = simulated()[lambda d: d["wave"] == 1]["y"].std()
    assert twfe.loc["male", "std_effect"] == pytest.approx(twfe.loc["male", "estimate"] / sd)


def test_callaway_santanna_by_subgroup_and_event_time():
    models = validated_models(estimators=["twfe", "callaway_santanna"])
    table = estimate_subgroups(simulated(), "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=models, min_cell=10)
    cs = table[table["estimator"] == "callaway_santanna"]
    simple = cs[cs["term"] == "att_simple"].set_index("level")
    assert simple.loc["male", "ci_low"] <= 1.0 <= simple.loc["male", "ci_high"]
    dynamic = cs[cs["term"] == "att_e"]
    assert set(dynamic["rel_time"].astype(int)) == {0, 1}


def test_a_level_of_few_persons_is_suppressed_even_with_many_person_waves():
    """3 persons seen in 4 waves: 12 person-waves, but 3 persons, so not estimated."""
    data = simulated()
    data["gender"] = data["gender"].cat.add_categories("other")
    data.loc[data["pid"] < 3, "gender"] = "other"
    table = estimate_subgroups(data, "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    rows = table[table["level"] == "other"]
    assert len(rows) == 1  # no pooled-model term, no other estimator
    other = rows.iloc[0]
    assert np.isnan(other["estimate"]) and np.isnan(other["n_obs"])
    assert np.isnan(other["n_persons"]) and other["suppressed"] == "primary"
    assert other["note"].startswith("suppressed: fewer than 10 persons")
    # Secondary suppression: the smaller of the other levels hides its counts too, and so
    # does the heterogeneity test (it counts the pooled levels); male + female + other
    # would otherwise give 3 back from the total.
    twfe = table[table["estimator"] == "twfe"].set_index("level")
    persons = data.drop_duplicates("pid")["gender"].value_counts()
    smaller, larger = sorted(["male", "female"], key=lambda g: persons[g])
    assert twfe.loc[smaller, "suppressed"] == "secondary"
    assert np.isnan(twfe.loc[smaller, "n_persons"]) and np.isnan(twfe.loc[smaller, "n_obs"])
    assert not np.isnan(twfe.loc[smaller, "estimate"])  # estimates are kept
    assert twfe.loc[larger, "n_persons"] == persons[larger]
    assert twfe.loc[larger, "suppressed"] == ""
    test = table[table["level"] == HETEROGENEITY].iloc[0]
    assert test["suppressed"] == "secondary" and np.isnan(test["n_obs"])


def test_persons_not_person_waves_decide_suppression():
    """12 persons seen once each: 12 person-waves and 12 persons, published; a level of
    9 persons in 4 waves (36 person-waves) is not."""
    data = simulated()
    data["gender"] = data["gender"].cat.add_categories("other")
    data.loc[data["pid"] < 9, "gender"] = "other"
    table = estimate_subgroups(data, "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    other = table[table["level"] == "other"].iloc[0]
    assert other["suppressed"] == "primary" and np.isnan(other["estimate"])
    table = estimate_subgroups(data, "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=9)
    other = table[(table["level"] == "other") & (table["estimator"] == "twfe")].iloc[0]
    assert other["n_persons"] == 9 and other["n_obs"] == 36 and other["suppressed"] == ""
    # A repeated cross-section: every row is a person.
    rcs = estimate_subgroups(data, "y", subgroups={"gender": {}}, columns=COLUMNS,
                             design="repeated_cross_section", models=MODELS, min_cell=10)
    other = rcs[(rcs["level"] == "other") & (rcs["estimator"] == "twfe")].iloc[0]
    assert other["n_persons"] == 36 and other["suppressed"] == ""


def test_crossed_cells_are_protected_in_rows_and_columns():
    """A crossed cell below the minimum is hidden with complements in its row and column
    of the cross, so neither the one-way levels nor the cross's margins give it back."""
    data = simulated()
    data["gender"] = data["gender"].cat.add_categories("other")
    data.loc[data["pid"] < 3, "gender"] = "other"
    data["age_band"] = pd.Categorical(np.where(data["pid"] % 2 == 0, "young", "old"),
                                      categories=["young", "old"])
    table = estimate_subgroups(data, "y", subgroups={"gender": {}, "age_band": {}},
                               columns=COLUMNS, design="panel", models=MODELS, min_cell=10)
    twfe = table[table["estimator"] == "twfe"].set_index(["subgroup", "level"])
    state = twfe["suppressed"]
    assert state[("gender_x_age_band", "other:young")] == "primary"
    assert state[("gender_x_age_band", "other:old")] == "primary"
    # the smallest complements: female (not male), female's two crossed cells, not age
    assert state[("gender", "female")] == "secondary" and state[("gender", "male")] == ""
    assert state[("gender_x_age_band", "female:young")] == "secondary"
    assert state[("gender_x_age_band", "female:old")] == "secondary"
    assert (state.xs("age_band") == "").all()
    assert twfe.loc[("gender_x_age_band", "male:young"), "n_persons"] > 0


def test_levels_with_few_areas_are_not_estimated():
    data = simulated()
    data["gender"] = data["gender"].cat.add_categories("other")
    data.loc[data["area"].isin([0, 40]), "gender"] = "other"
    table = estimate_subgroups(data, "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", min_cell=10,
                               models=validated_models(subgroups={"min_clusters": 5}))
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
    adjusted = adjust_p_values(p, "holm")
    # Holm: sorted 0.01, 0.03, 0.04 times 3, 2, 1, then running maximum.
    assert adjusted.tolist()[:2] == pytest.approx([0.03, 0.06])
    assert np.isnan(adjusted[2])
    assert adjusted[3] == pytest.approx(0.06)
    bh = adjust_p_values(p, method="fdr_bh")
    assert bh.tolist()[0] == pytest.approx(0.03) and bh[1] == pytest.approx(0.04)


def holm_by_hand(p):
    """Holm (1979), written out: the i-th smallest of m p-values times m - i + 1, then the
    running maximum from the smallest up, capped at 1."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    m = len(p)
    out, running = np.empty(m), 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[j]))
        out[j] = running
    return out


def bh_by_hand(p):
    """Benjamini-Hochberg, written out: the i-th smallest times m / i, then the running
    minimum from the largest down."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)[::-1]
    m = len(p)
    out, running = np.empty(m), 1.0
    for rank, j in zip(range(m, 0, -1), order, strict=True):
        running = min(running, p[j] * m / rank)
        out[j] = running
    return out


def test_hand_adjustments_against_published_examples():
    # Holm: 0.01, 0.04, 0.03 -> 0.03, 0.06, 0.06; BH: -> 0.03, 0.04, 0.04.
    np.testing.assert_allclose(holm_by_hand([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(bh_by_hand([0.01, 0.04, 0.03]), [0.03, 0.04, 0.04])


def test_subgroup_table_adjusts_each_family_by_holm_by_default():
    # Equal effects for men and women give two p-values within a factor of 2 of each other,
    # where Holm (both 2 x the smaller) and BH (both the larger) differ.
    table = estimate_subgroups(simulated(effects={"male": 0.1, "female": 0.1}), "y",
                               subgroups={"gender": {}}, columns=COLUMNS, design="panel",
                               models=MODELS, min_cell=10)  # the schema's default: Holm
    for estimator in ("twfe", "twfe_interaction"):
        rows = table[(table["estimator"] == estimator) & (table["level"] != HETEROGENEITY)
                     & table["p_value"].notna()]
        p = rows["p_value"].to_numpy()
        assert len(p) == 2 and max(p) < 2 * min(p)
        assert not np.allclose(holm_by_hand(p), bh_by_hand(p))
        np.testing.assert_allclose(rows["p_adjusted"], holm_by_hand(p), rtol=1e-12)
        assert (rows["p_adjusted"] > rows["p_value"]).any()
    # The heterogeneity test is a family of one: unadjusted.
    test = table[table["level"] == HETEROGENEITY].iloc[0]
    assert test["p_adjusted"] == test["p_value"]
    # fdr_bh on request, by hand too.
    bh = estimate_subgroups(simulated(effects={"male": 0.1, "female": 0.1}), "y",
                            subgroups={"gender": {}}, columns=COLUMNS, design="panel",
                            models=validated_models(subgroups={"adjust": "fdr_bh"}),
                            min_cell=10)
    rows = bh[(bh["estimator"] == "twfe") & bh["p_value"].notna()]
    np.testing.assert_allclose(rows["p_adjusted"], bh_by_hand(rows["p_value"]), rtol=1e-12)


def test_no_subgroups_gives_an_empty_table_with_the_contract_columns():
    table = estimate_subgroups(simulated(), "y", subgroups={}, columns=COLUMNS, design="panel",
                               models=MODELS, min_cell=10)
    assert table.empty
    assert list(table.columns[:11]) == ["outcome", "subgroup", "level", "estimate",
                                        "std_error", "ci_low", "ci_high", "p_value",
                                        "p_adjusted", "n_obs", "n_persons"]


def test_forest_plot_draws_every_estimated_level():
    table = estimate_subgroups(simulated(), "y", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    figure = forest_plot(table, "y", overall=0.5, alpha=MODELS["alpha"])
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert [lab.split(" (n = ")[0] for lab in labels] == ["Gender: male", "Gender: female"]
    assert "95% CI" in figure.axes[0].get_xlabel()


def test_typed_sections_give_the_same_table_as_validated_mappings():
    from wellby.config.typed import Columns, Models

    typed = estimate_subgroups(simulated(), "y", subgroups={"gender": {}},
                               columns=Columns.coerce(COLUMNS), design="panel",
                               models=Models.coerce(MODELS), min_cell=10)
    mapping = estimate_subgroups(simulated(), "y", subgroups={"gender": {}}, columns=COLUMNS,
                                 design="panel", models=MODELS, min_cell=10)
    pd.testing.assert_frame_equal(typed, mapping)


def test_crossed_subgroups_follow_the_models_setting():
    data = simulated()
    data["age_band"] = pd.Categorical(np.where(data["pid"] % 2 == 0, "young", "old"),
                                      categories=["young", "old"])
    alone = estimate_subgroups(data, "y", subgroups={"gender": {}, "age_band": {}},
                               columns=COLUMNS, design="panel", min_cell=10,
                               models=validated_models(subgroups={"cross": False}))
    assert set(alone["subgroup"]) == {"gender", "age_band"}
    assert MODELS["subgroups"]["cross"] is True  # the schema's default crosses them


def test_suppressed_levels_are_not_valued_nor_counted_in_the_shares():
    from wellby.valuation.inputs import cba_inputs

    inputs = cba_inputs({"outcome": "life_satisfaction", "population": 1000,
                         "duration_years": 2,
                         "first_benefit_year": 1, "costs": {"0": 2_000_000},
                         "price_year": 2019, "discounting": "standard",
                         "cost_discounting": "standard"})
    data = simulated()
    data["gender"] = data["gender"].cat.add_categories("other")
    data.loc[data["pid"] < 3, "gender"] = "other"  # 3 persons, all in programme areas
    data["ever_treated"] = (data["cohort"] > 0).astype(int)
    data["life_satisfaction"] = data["y"]
    table = estimate_subgroups(data, "life_satisfaction", subgroups={"gender": {}}, columns=COLUMNS,
                               design="panel", models=MODELS, min_cell=10)
    shares = population_shares(data, {"gender": {}}, columns=COLUMNS, design="panel")
    assert shares.set_index("level").loc["other", "n_persons"] == 3
    valued = value_published_levels(inputs, table, shares, min_cell=10).set_index("level")
    assert list(valued.index) == ["male", "female", "unknown", "other"]
    other = valued.loc["other"]
    assert np.isnan(other["share"]) and np.isnan(other["persons"])
    assert np.isnan(other["wellbys"]) and "fewer than 10 persons" in other["note"]
    # the published levels' shares are whole percent of their own persons, adding to 1
    published = valued["share"].dropna()
    assert published.sum() == pytest.approx(1)
    assert np.allclose(published * 100, np.round(published * 100))
    people = data[data["ever_treated"] == 1].drop_duplicates("pid")["gender"]
    male = (people == "male").sum() / people.isin(["male", "female"]).sum()
    assert valued.loc["male", "share"] == pytest.approx(round(male, 2))
    # the secondary level (counts hidden in subgroups.csv) is still valued
    assert valued[["wellbys"]].loc[["male", "female"]].notna().all().all()


def _labels(values: pd.Series) -> list:
    return [None if pd.isna(v) else str(v) for v in values]


def test_baseline_levels_and_crosses_equal_the_pandas_formulations():
    # the first answered wave's level per person, computed with pandas' groupby (rows
    # shuffled, some levels and persons missing), and crosses built from the labels
    rng = np.random.default_rng(8)
    n = 600
    person = pd.Series(rng.integers(0, 120, n).astype(str), dtype=object)
    person[rng.random(n) < 0.03] = None
    wave = pd.Series(rng.integers(2016, 2021, n))
    levels = pd.Series(pd.Categorical(rng.choice(["a", "b", "c"], n),
                                      categories=["a", "b", "c", "d"]))
    levels[rng.random(n) < 0.2] = np.nan
    got = baseline_levels(levels, person, wave)
    frame = pd.DataFrame({"person": person, "wave": wave, "level": levels.astype(object)})
    first = (frame.dropna(subset=["level", "person"]).sort_values(["person", "wave"],
                                                                  kind="stable")
             .groupby("person")["level"].first())
    expected = person.map(first)
    assert _labels(got) == _labels(expected)
    assert list(got.cat.categories) == ["a", "b", "c", "d"]
    other = pd.Series(pd.Categorical(rng.choice(["x", "y"], n), categories=["x", "y"]))
    other[rng.random(n) < 0.1] = np.nan
    data = pd.DataFrame({"first": levels, "second": other})
    crossed = subgroup_levels(data, {"first": {}, "second": {}}, cross=True)["first_x_second"]
    labels = levels.astype(str) + ":" + other.astype(str)
    assert _labels(crossed) == _labels(labels.where(levels.notna() & other.notna()))
    assert len(crossed.cat.categories) == 8


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_adjusted_p_values_equal_statsmodels_multipletests(method):
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(12)
    raw = pd.Series(np.r_[rng.uniform(0, 0.2, 12), rng.uniform(0, 1, 8), 0.03, 0.03])
    raw[[3, 9]] = np.nan
    got = adjust_p_values(raw, method)
    present = raw.notna()
    np.testing.assert_allclose(got[present], multipletests(raw[present], method=method)[1],
                               rtol=1e-12)
    assert got[~present].isna().all()


@pytest.mark.parametrize("ids", ["codes", "text", "sparse", "none"])
def test_level_persons_equals_count_persons(ids):
    from wellby.analysis.subgroups import level_persons
    from wellby.report.disclosure import count_persons

    rng = np.random.default_rng(5)
    n = 5000
    codes = rng.integers(-1, 3, n)  # -1: no level; the category "unused" has no row
    levels = pd.Series(pd.Categorical.from_codes(codes, categories=["a", "b", "c", "unused"]))
    person = rng.integers(0, 1500, n)
    people = {"codes": pd.Series(person), "text": pd.Series([f"p{i}" for i in person]),
              "sparse": pd.Series(person * 1_000_003), "none": None}[ids]
    ours = level_persons(levels, people)
    reference = count_persons(levels.rename("level"), people).reindex(
        levels.cat.categories, fill_value=0)
    assert ours.to_dict() == reference.astype(int).to_dict()
    assert ours["unused"] == 0 and ours["a"] > 0
    if people is not None:
        assert ours["a"] < (codes == 0).sum()  # persons, not rows


def _pooled_rows_only(monkeypatch):
    """Make interaction_model fit the pooled rows (never the levels' designs); count how
    often the levels' designs were used before."""
    from wellby.analysis import subgroups as module

    used = []
    original = module.fit_nested_blocks

    def counting(*args, **kwargs):
        used.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "fit_nested_blocks", counting)
    return module, used


@pytest.mark.parametrize("weights", [False, True])
def test_pooled_model_from_the_levels_fits_equals_the_pooled_rows(monkeypatch, weights):
    """Persons stay in their baseline level, so the pooled model is fitted from the levels'
    TWFE designs; the table is the one the pooled rows give (weights too)."""
    data = simulated(seed=4, effects={"male": 1.0, "female": 0.3})
    data = data[~((data["pid"] % 7 == 0) & (data["wave"] > 1))]  # persons seen once
    columns = dict(COLUMNS)
    if weights:
        data = data.assign(w=np.random.default_rng(2).uniform(0.5, 2, len(data)))
        columns["weight"] = "w"
    module, used = _pooled_rows_only(monkeypatch)
    kwargs = {"subgroups": {"gender": {}}, "columns": columns, "design": "panel",
              "models": MODELS, "min_cell": 10}
    from_levels = estimate_subgroups(data, "y", **kwargs)
    assert len(used) == 1
    monkeypatch.setattr(module, "_pooled_from_levels", lambda *a, **k: None)
    from_rows = estimate_subgroups(data, "y", **kwargs)
    assert len(used) == 1
    pd.testing.assert_frame_equal(from_levels, from_rows, check_exact=False, rtol=1e-9,
                                  atol=1e-12)
    pooled = from_levels[(from_levels["estimator"] == "twfe_interaction")
                         & (from_levels["level"] != HETEROGENEITY)]
    assert len(pooled) == 2 and pooled["std_error"].notna().all()


def test_pooled_model_is_fitted_on_its_rows_where_the_levels_do_not_separate(monkeypatch):
    """A person in two levels (a level column that is not a baseline), or covariates with
    one slope for every level: the levels' designs are not used."""
    data = simulated(seed=5)
    levels = data["gender"].cat.remove_unused_categories().copy()
    levels[(data["pid"] == 0) & (data["wave"] == 4)] = (
        "female" if levels[data["pid"] == 0].iloc[0] == "male" else "male")
    module, used = _pooled_rows_only(monkeypatch)
    designs = module._stratified(data, "y", "gender", levels,
                                 pd.Series({"male": 600, "female": 600}), module.Columns.coerce(
                                     COLUMNS), "panel", module.Models.coerce(MODELS),
                                 module.Models.coerce(MODELS).subgroups, 10)[2]
    assert set(designs) == {"male", "female"}
    mixed = interaction_model(data, "y", "gender", levels, ["male", "female"],
                              columns=COLUMNS, design="panel", models=MODELS,
                              level_designs=designs)
    assert used == []
    rows_only = interaction_model(data, "y", "gender", levels, ["male", "female"],
                                  columns=COLUMNS, design="panel", models=MODELS)
    assert [r["p_value"] for r in mixed] == [r["p_value"] for r in rows_only]
    data["x"] = np.random.default_rng(3).normal(size=len(data))
    with_covariate = validated_models(covariates=["x"])
    kept = module._stratified(data, "y", "gender", data["gender"], pd.Series(
        {"male": 600, "female": 600}), module.Columns.coerce(COLUMNS), "panel",
        module.Models.coerce(with_covariate), module.Models.coerce(with_covariate).subgroups,
        10)[2]
    assert kept == {}
