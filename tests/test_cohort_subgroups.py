"""Tests of the member cohort's change by subgroup level (pooled and stratified mixed models).

References: lme4 (``tests/results/cohort_subgroups/lme4_orthodont.R``: nlme's Orthodont,
balanced and unbalanced, and BodyWeight with three diets), the cell-mean differences of a
balanced cohort, and simulated cohorts with a known change per level.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from wellby.analysis.cohort_subgroups import NOT_CONVERGED, estimate_cohort_subgroups
from wellby.analysis.subgroups import (
    EXTRA_COLUMNS,
    HETEROGENEITY,
    NO_OBSERVATIONS,
    level_persons,
    subgroup_levels,
    suppression_relations,
)
from wellby.analysis.tables import SUBGROUP_COLUMNS
from wellby.config import validate_config
from wellby.errors import DataError
from wellby.estimators.mixed_interaction import fit_mixed_by_level
from wellby.report.disclosure import determined
from wellby.report.subgroup_figures import forest_plot

from .conftest import minimal_config
from .test_subgroups import holm_by_hand

RESULTS = Path(__file__).parent / "results" / "cohort_subgroups"
COLUMNS = {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort", "member": "member"}
DATASETS = {  # name -> (csv, outcome, person, wave, level, level order, unbalanced)
    "orthodont_full": ("orthodont.csv", "distance", "Subject", "age", "Sex",
                       ["Male", "Female"], False),
    "orthodont_unbalanced": ("orthodont.csv", "distance", "Subject", "age", "Sex",
                             ["Male", "Female"], True),
    "bodyweight": ("bodyweight.csv", "weight", "Rat", "Time", "Diet", ["1", "2", "3"], False),
}


def models(**subgroups):
    settings = {"cross": False, **subgroups}
    return validate_config(minimal_config(columns=COLUMNS, models={
        "estimators": ["mixed_cohort"], "subgroups": settings}))["models"]


@pytest.fixture(scope="module")
def lme4():
    ref = pd.read_csv(RESULTS / "lme4_reference.csv", comment="#", keep_default_na=False)
    ref["value"] = ref["value"].astype(float)
    return ref


def reference_data(name):
    path, outcome, person, wave, level, order, unbalanced = DATASETS[name]
    data = pd.read_csv(RESULTS / path, dtype={level: str})
    data[level] = pd.Categorical(data[level], categories=order)
    if unbalanced:  # as the R script: rows whose 1-based number is a multiple of 5 dropped
        data = data[(np.arange(len(data)) + 1) % 5 != 0]
    return data, (outcome, person, wave, level)


def quantity(ref, name, what):
    rows = ref[(ref["dataset"] == name) & (ref["quantity"] == what)]
    return rows.set_index("term")["value"]


@pytest.fixture(scope="module")
def fits():
    return {name: fit_mixed_by_level(*(lambda d, a: (d, *a))(*reference_data(name)))
            for name in DATASETS}


# ------------------------------------------------------------------- lme4 references


@pytest.mark.parametrize("name", list(DATASETS))
def test_fixed_effects_and_their_covariance_equal_lme4(name, lme4, fits):
    result = fits[name]
    assert result.converged
    fixef, se = quantity(lme4, name, "fixef"), quantity(lme4, name, "se")
    assert set(result.fixed_effects.index) == set(fixef.index)
    assert_allclose(result.fixed_effects[fixef.index], fixef, atol=1e-6)
    assert_allclose(np.sqrt(np.diag(result.cov_params.loc[se.index, se.index])), se,
                    rtol=1e-6)
    vcov = quantity(lme4, name, "vcov")
    pairs = [term.split("|") for term in vcov.index]
    mine = [result.cov_params.loc[a, b] for a, b in pairs]
    assert_allclose(mine, vcov, atol=1e-6)
    assert result.re_variance == pytest.approx(quantity(lme4, name, "re_variance").iloc[0],
                                               rel=1e-5)
    assert result.residual_variance == pytest.approx(
        quantity(lme4, name, "residual_variance").iloc[0], rel=1e-5)


@pytest.mark.parametrize("name", list(DATASETS))
def test_level_changes_equal_lme4_contrasts(name, lme4, fits):
    result = fits[name]
    change, se = quantity(lme4, name, "change"), quantity(lme4, name, "change_se")
    for key in change.index:
        level, wave = key.split("|")
        found = result.change(level, int(wave)).coefficient
        assert found.estimate == pytest.approx(change[key], abs=1e-6)
        assert found.std_error == pytest.approx(se[key], rel=1e-6)
        assert found.term == f"change_{wave}_vs_{result.waves[0]}"
    assert len(result.changes) == len(change)


@pytest.mark.parametrize("name", list(DATASETS))
def test_wald_tests_equal_lme4(name, lme4, fits):
    result = fits[name]
    chisq, df, p = (quantity(lme4, name, q) for q in ("wald_chisq", "wald_df", "wald_p"))
    joint = result.test()
    assert joint.statistic == pytest.approx(chisq["all"], rel=1e-6)
    assert joint.df == df["all"] == (len(result.levels) - 1) * (len(result.waves) - 1)
    assert joint.p_value == pytest.approx(p["all"], rel=1e-5)
    for wave in result.waves[1:]:
        test = result.test(f"change_{wave}_vs_{result.waves[0]}")
        assert test.statistic == pytest.approx(chisq[str(wave)], rel=1e-6)
        assert test.df == df[str(wave)] == len(result.levels) - 1
        assert test.p_value == pytest.approx(p[str(wave)], rel=1e-5)


def test_balanced_changes_are_differences_of_cell_means(fits):
    # Independent of any mixed-model code: in a balanced cohort without covariates each
    # level's change is its mean at the wave minus its mean at the first wave.
    data, _ = reference_data("orthodont_full")
    means = data.groupby(["Sex", "age"], observed=True)["distance"].mean()
    for change in fits["orthodont_full"].changes:
        expected = means[(change.level, change.wave)] - means[(change.level, 8)]
        assert change.coefficient.estimate == pytest.approx(expected, abs=1e-9)


def test_tidy_layout(fits):
    tidy = fits["bodyweight"].tidy()
    tests = tidy[tidy["level"] == HETEROGENEITY]
    assert tests["term"].tolist() == [HETEROGENEITY, "change_22_vs_1", "change_43_vs_1",
                                      "change_64_vs_1"]
    assert tests["df1"].tolist() == [6, 2, 2, 2] and set(tests["distribution"]) == {"chi2"}
    assert tests["estimate"].isna().all()
    assert (tidy.loc[tidy["level"] == "2", "n_persons"] == 4).all()
    assert "level 3:" in fits["bodyweight"].summary()


# ------------------------------------------------------------------- simulated truth


def simulate(seed=3, n=200, gains=None, waves=(2016, 2018, 2020)):
    """A followed cohort: random intercept SD 2, residual SD 1.5, a gain per level from
    the second wave on (default +1.5 for degree holders, 0 for those with none)."""
    gains = gains or {"degree": 1.5, "none": 0.0}
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({"pid": np.arange(n),
                           "qualification": rng.choice(list(gains), size=n),
                           "gender": rng.choice(["male", "female"], size=n),
                           "u": rng.normal(scale=2.0, size=n)})
    data = people.merge(pd.DataFrame({"wave": list(waves)}), how="cross")
    gain = data["qualification"].map(gains) * (data["wave"] > waves[0])
    data["y"] = 24 + data["u"] + gain + rng.normal(scale=1.5, size=len(data))
    data["member"] = 1
    data["qualification"] = pd.Categorical(data["qualification"],
                                           categories=[*gains, "unknown"])
    data["gender"] = pd.Categorical(data["gender"], categories=["male", "female"])
    return data


def test_simulated_gain_for_degree_holders_is_recovered_and_the_test_rejects():
    result = fit_mixed_by_level(simulate(), "y", "pid", "wave", "qualification")
    assert result.levels == ("degree", "none")  # "unknown" has no members: absent
    for change in result.changes:
        truth = 1.5 if change.level == "degree" else 0.0
        c = change.coefficient
        assert abs(c.estimate - truth) < 3 * c.std_error, change
    joint = result.test()
    assert joint.df == 2 and joint.p_value < 1e-6
    assert result.test("change_2018_vs_2016").p_value < 1e-3


def test_a_null_draw_does_not_reject():
    # No heterogeneity: the same +1.5 in both levels. A size check over a few hundred
    # replications would take minutes; one fixed draw is a coarse guard instead: a wrong
    # covariance (e.g. ignoring the within-person correlation, which here is 0.64) or a
    # wrong contrast inflates the statistic by a large factor and rejects at this seed,
    # while the correct test's p-value is an ordinary draw from U(0, 1).
    data = simulate(seed=11, gains={"degree": 1.5, "none": 1.5})
    result = fit_mixed_by_level(data, "y", "pid", "wave", "qualification")
    assert result.test().p_value > 0.01
    assert all(result.test(f"change_{w}_vs_2016").p_value > 0.01 for w in (2018, 2020))


def test_a_level_seen_in_one_wave_has_no_change_and_leaves_the_tests():
    data = simulate(n=120)
    extra = pd.DataFrame({"pid": 1000 + np.arange(15), "wave": 2016, "y": 24.0, "member": 1,
                          "gender": "male",
                          "qualification": pd.Categorical(["other"] * 15,
                                                          categories=["degree", "none",
                                                                      "other"])})
    data["qualification"] = pd.Categorical(data["qualification"].astype(str),
                                           categories=["degree", "none", "other"])
    result = fit_mixed_by_level(pd.concat([data, extra], ignore_index=True), "y", "pid",
                                "wave", "qualification")
    other = result.change("other", 2018)
    assert np.isnan(other.coefficient.estimate) and "only in wave(s) 2016" in other.note
    assert result.test().df == 2 and "other" not in result.test().levels
    assert np.isnan(result.fixed_effects["wave[2018]:level[other]"])
    assert np.isfinite(result.fixed_effects["level[other]"])
    assert np.isfinite(result.change("none", 2020).coefficient.std_error)


def test_one_level_has_nothing_to_test():
    data = simulate(n=60)
    data["qualification"] = "degree"
    result = fit_mixed_by_level(data, "y", "pid", "wave", "qualification")
    assert result.test().df == 0 and np.isnan(result.test().p_value)
    assert result.test().note.startswith("not tested")


def test_bad_input_names_the_column():
    with pytest.raises(DataError, match="level column 'degree'"):
        fit_mixed_by_level(simulate(n=20), "y", "pid", "wave", "degree")
    with pytest.raises(DataError, match="fewer than 2 waves"):
        fit_mixed_by_level(simulate(n=20, waves=(2016,)), "y", "pid", "wave",
                           "qualification")


# ------------------------------------------------------------------- subgroups.csv rows


@pytest.fixture(scope="module")
def table():
    return estimate_cohort_subgroups(simulate(), "y", subgroups={"qualification": {}},
                                     columns=COLUMNS, models=models(), min_cell=10)


def test_rows_follow_the_subgroups_contract_and_recover_the_truth(table):
    assert list(table.columns) == [*SUBGROUP_COLUMNS, *EXTRA_COLUMNS]
    assert set(table["estimator"]) == {"mixed_cohort", "mixed_cohort_interaction"}
    assert "unknown" not in set(table["level"])
    levels = table[table["level"] != HETEROGENEITY]
    assert set(levels["term"]) == {"change_2018_vs_2016", "change_2020_vs_2016"}
    for _, row in levels.iterrows():
        truth = 1.5 if row["level"] == "degree" else 0.0
        assert row["ci_low"] - row["std_error"] <= truth <= row["ci_high"] + row["std_error"]
    joint = table[(table["level"] == HETEROGENEITY) & (table["term"] == HETEROGENEITY)].iloc[0]
    assert joint["distribution"] == "chi2" and joint["df1"] == 2 and np.isnan(joint["df2"])
    assert np.isnan(joint["estimate"]) and joint["p_value"] < 1e-6
    assert joint["n_persons"] == 200 and joint["n_obs"] == 600
    per_wave = table[(table["level"] == HETEROGENEITY) & (table["term"] != HETEROGENEITY)]
    assert per_wave["df1"].tolist() == [1, 1]
    persons = levels.set_index(["estimator", "level", "term"])["n_persons"]
    data = simulate()
    expected = data.drop_duplicates("pid")["qualification"].value_counts()
    assert persons[("mixed_cohort", "degree", "change_2018_vs_2016")] == expected["degree"]


def test_p_values_are_adjusted_within_each_estimator_and_within_the_tests(table):
    effects = table["level"] != HETEROGENEITY
    for _, rows in table[effects].groupby("estimator"):
        assert_allclose(rows["p_adjusted"], holm_by_hand(rows["p_value"]))
    tests = table[~effects]
    assert_allclose(tests["p_adjusted"], holm_by_hand(tests["p_value"]))


def test_stratified_rows_equal_a_fit_on_the_level_alone(table):
    from wellby.estimators.mixed import fit_mixed_cohort

    data = simulate()
    alone = fit_mixed_cohort(data[data["qualification"] == "none"], "y", "pid", "wave")
    row = table[(table["estimator"] == "mixed_cohort") & (table["level"] == "none")
                & (table["term"] == "change_2020_vs_2016")].iloc[0]
    assert row["estimate"] == pytest.approx(alone.changes[1].estimate)
    assert row["std_error"] == pytest.approx(alone.changes[1].std_error)
    sd = data.loc[data["wave"] == 2016, "y"].std(ddof=1)
    assert row["std_effect"] == pytest.approx(row["estimate"] / sd)


def with_small_level(n_small=4):
    data = simulate()
    small = data[data["pid"] < n_small].copy()
    small["pid"] += 10_000
    data = pd.concat([data, small], ignore_index=True)
    data["qualification"] = pd.Categorical(
        np.where(data["pid"] >= 10_000, "other", data["qualification"].astype(str)),
        categories=["degree", "none", "other"])
    return data


def test_a_small_level_is_suppressed_and_cannot_be_recovered():
    data = with_small_level()
    result = estimate_cohort_subgroups(data, "y", subgroups={"qualification": {}},
                                       columns=COLUMNS, models=models(), min_cell=10)
    other = result[result["level"] == "other"]
    assert (other["suppressed"] == "primary").all() and other["estimate"].isna().all()
    assert other["n_persons"].isna().all() and other["note"].str.contains("fewer than 10").all()
    assert (result["suppressed"] == "secondary").any()
    # n_clusters counts persons in a member fit: hidden wherever the persons are
    assert result.loc[result["suppressed"] != "", "n_clusters"].isna().all()
    published = result[result["suppressed"] == ""]
    assert (published["n_clusters"] == published["n_persons"]).all()
    # whatever is hidden, the published counts and the total cannot give "other" back
    levels = subgroup_levels(data, {"qualification": {}}, False, "pid", "wave")
    persons = {"qualification": level_persons(levels["qualification"], data["pid"])}
    pooled = {"qualification": ["degree", "none"]}
    hidden = {("qualification", lvl) for lvl in result.loc[result["suppressed"] != "",
                                                            "level"]}
    assert ("qualification", "other") not in determined(
        hidden, suppression_relations(persons, {}, pooled))


def test_a_level_seen_once_an_absent_level_and_a_single_level_give_notes():
    data = simulate(n=150)
    once = pd.DataFrame({"pid": 5000 + np.arange(40), "wave": 2016, "y": 24.0, "member": 1,
                         "qualification": "other", "gender": "male"})
    data = pd.concat([data.assign(qualification=data["qualification"].astype(str)), once],
                     ignore_index=True)
    data["qualification"] = pd.Categorical(data["qualification"],
                                           categories=["degree", "none", "other", "unknown"])
    data["region"] = pd.Categorical(["north"] * len(data), categories=["north", "south"])
    result = estimate_cohort_subgroups(data, "y", subgroups={"qualification": {},
                                                             "region": {}},
                                       columns=COLUMNS, models=models(), min_cell=10)
    other = result[result["level"] == "other"]
    assert len(other) == 2 and other["note"].str.contains("one wave only").all()
    assert other["n_persons"].eq(40).all() and other["estimate"].isna().all()
    pooled = result[(result["estimator"] == "mixed_cohort_interaction")
                    & (result["subgroup"] == "qualification")]
    assert set(pooled["level"]) == {"degree", "none", HETEROGENEITY}
    assert not {"unknown", "south"} & set(result["level"])
    assert NO_OBSERVATIONS not in set(result["note"])
    region = result[result["subgroup"] == "region"]
    assert region.loc[region["level"] == "north", "estimate"].notna().all()
    test = region[region["level"] == HETEROGENEITY]
    assert len(test) == 1 and test["note"].iloc[0].startswith("not tested")
    assert np.isnan(test["p_value"].iloc[0])


def test_non_convergence_and_failed_fits_are_notes(monkeypatch):
    from wellby.estimators import random_intercept

    search = random_intercept.optimize.minimize_scalar

    def not_converged(*args, **kwargs):
        result = search(*args, **kwargs)
        result.success = False
        return result

    monkeypatch.setattr(random_intercept.optimize, "minimize_scalar", not_converged)
    result = estimate_cohort_subgroups(simulate(n=80), "y", subgroups={"qualification": {}},
                                       columns=COLUMNS, models=models(), min_cell=10)
    assert result["note"].str.contains(NOT_CONVERGED, regex=False).all()
    assert result.loc[result["level"] != HETEROGENEITY, "estimate"].notna().all()

    def singular(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(random_intercept.optimize, "minimize_scalar", singular)
    result = estimate_cohort_subgroups(simulate(n=80), "y", subgroups={"qualification": {}},
                                       columns=COLUMNS, models=models(), min_cell=10)
    assert result["estimate"].isna().all()
    assert result["note"].str.startswith("not estimated: Singular matrix").all()
    assert len(result[result["level"] == HETEROGENEITY]) == 1


def test_no_subgroups_or_no_members_give_the_empty_contract_table():
    for data, subgroups in ((simulate(n=20), {}),
                            (simulate(n=20).iloc[0:0], {"qualification": {}})):
        out = estimate_cohort_subgroups(data, "y", subgroups=subgroups, columns=COLUMNS,
                                        models=models(), min_cell=10)
        assert out.empty and list(out.columns) == [*SUBGROUP_COLUMNS, *EXTRA_COLUMNS]


# ------------------------------------------------------------------- forest plot


def test_forest_plot_draws_a_member_panel_per_change(table):
    from matplotlib.container import ErrorbarContainer

    from .test_figures import subgroups_table

    did = subgroups_table()
    both = pd.concat([did, table], ignore_index=True)
    figure = forest_plot(both, "y", 0.09, alpha=0.05, names={"male": "men",
                                                            "female": "women"})
    first, *panels = figure.axes
    assert [t.get_text() for t in first.get_yticklabels()][0] == "Gender: men (n = 10,202)"
    assert [ax.get_title() for ax in panels] == ["Members: 2016 to 2018",
                                                 "Members: 2016 to 2020"]
    counts = simulate().drop_duplicates("pid")["qualification"].value_counts()
    assert [t.get_text() for t in panels[0].get_yticklabels()] == [
        f"Qualification: degree (n = {counts['degree']})",
        f"Qualification: none (n = {counts['none']})"]
    assert all(t.get_text() == "" for t in panels[1].get_yticklabels())
    for ax in panels:
        (bars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert len(bars.lines[2][0].get_segments()) == 2
    note = " ".join(t.get_text() for t in panels[0].texts if t.get_gid() == "note")
    assert "Gender p < 0.001" in note and "Members: test that the change" in note
    alone = forest_plot(table, "y", None, alpha=0.05, label="Wellbeing (7-35)")
    assert len(alone.axes) == 2
    assert alone.axes[0].get_title().startswith("Who gained: Wellbeing")


def test_covariates_enter_the_pooled_model_and_collinear_ones_are_refused():
    data = simulate(n=150)
    rng = np.random.default_rng(5)
    data["tenure"] = rng.choice(["short", "long"], size=len(data))
    data["y"] += np.where(data["tenure"] == "short", 2.0, 0.0)  # base level "long" (sorted)
    result = fit_mixed_by_level(data, "y", "pid", "wave", "qualification",
                                covariates=["tenure"])
    estimate = result.fixed_effects["tenure[T.short]"]
    se = np.sqrt(result.cov_params.loc["tenure[T.short]", "tenure[T.short]"])
    assert abs(estimate - 2.0) < 3 * se
    degree = result.change("degree", 2018).coefficient
    assert abs(degree.estimate - 1.5) < 3 * degree.std_error
    data["degree_holder"] = (data["qualification"] == "degree").astype(float)
    with pytest.raises(DataError, match="collinear"):
        fit_mixed_by_level(data, "y", "pid", "wave", "qualification",
                           covariates=["degree_holder"])
