import numpy as np
import pandas as pd
import pytest

from wellby.estimators.wild_bootstrap import (
    _RestrictedBootstrap,
    bootstrap_weights,
    wild_cluster_bootstrap,
)


def panel(seed=3, n_clusters=20, per=15, waves=4, effect=0.2):
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({"pid": np.arange(n_clusters * per),
                           "area": np.repeat(np.arange(n_clusters), per)})
    people["cohort"] = np.where(people["area"] < n_clusters // 2, 3, 0)
    data = people.merge(pd.DataFrame({"wave": range(1, waves + 1)}), how="cross")
    data["treated"] = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).astype(float)
    shocks = rng.normal(size=(n_clusters, waves))
    data["y"] = (rng.normal(size=len(data)) + effect * data["treated"]
                 + shocks[data["area"], data["wave"] - 1]
                 + np.repeat(rng.normal(size=n_clusters * per), waves))
    return data


@pytest.mark.parametrize("weights_type", ["rademacher", "webb"])
@pytest.mark.parametrize("null", [0.0, 0.3])
def test_vectorised_pvalue_equals_wildboottest(weights_type, null):
    from wildboottest.wildboottest import WildboottestCL

    rng = np.random.default_rng(5)
    n, k, g = 400, 3, 14
    x = rng.normal(size=(n, k))
    clusters = rng.integers(0, g, size=n)
    y = x @ np.array([0.1, 0.5, -0.2]) + rng.normal(size=n) + rng.normal(size=g)[clusters]
    restriction = np.array([1.0, 0.0, 0.0])
    lib = WildboottestCL(X=x, Y=y - null * x[:, 0], cluster=clusters, R=restriction, B=999,
                         seed=11, parallel=False)
    lib.get_scores(bootstrap_type="11", impose_null=True)
    lib.get_weights(weights_type=weights_type)
    lib.get_numer()
    lib.get_denom()
    lib.get_tboot()
    lib.get_vcov()
    lib.get_tstat()
    lib.get_pvalue(pval_type="two-tailed")
    ours = _RestrictedBootstrap(x, y, clusters, 0,
                                bootstrap_weights(clusters, 999, 11, weights_type))
    assert ours.pvalue(null) == pytest.approx(lib.pvalue, abs=1e-12)


def test_twfe_pvalue_equals_pyfixest_wildboottest():
    pf = pytest.importorskip("pyfixest")
    data = panel()
    ours = wild_cluster_bootstrap(data, "y", "treated", "pid", "wave", "area", reps=999, seed=7)
    fit = pf.feols("y ~ treated | pid + wave", data=data, vcov={"CRV1": "area"})
    theirs = fit.wildboottest(param="treated", reps=999, seed=7, weights_type="rademacher")
    assert ours.p_value == pytest.approx(float(theirs["Pr(>|t|)"]), abs=1e-12)
    assert ours.estimate == pytest.approx(float(fit.coef()["treated"]), rel=1e-8)


def test_unit_equal_to_cluster_equals_pyfixest_wildboottest():
    """Areas as both the fixed-effect unit and the cluster (repeated cross-sections
    collapsed to areas, a state panel): this crashed with a duplicated column."""
    pf = pytest.importorskip("pyfixest")
    data = panel(n_clusters=27, per=1)
    ours = wild_cluster_bootstrap(data, "y", "treated", "area", "wave", "area", reps=999,
                                  seed=7)
    fit = pf.feols("y ~ treated | area + wave", data=data, vcov={"CRV1": "area"})
    theirs = fit.wildboottest(param="treated", reps=999, seed=7, weights_type="rademacher")
    assert ours.p_value == pytest.approx(float(theirs["Pr(>|t|)"]), abs=1e-12)
    assert ours.estimate == pytest.approx(float(fit.coef()["treated"]), rel=1e-8)
    assert ours.n_clusters == 27


def test_repeated_cross_sections_with_few_areas_run_through_estimate_did():
    from wellby.analysis.effects import estimate_did
    from wellby.config import validate_config

    from .conftest import minimal_config

    rng = np.random.default_rng(4)
    areas, waves, per = 40, 4, 25
    area = np.repeat(np.arange(areas), waves * per)
    wave = np.tile(np.repeat(np.arange(2016, 2016 + waves), per), areas)
    cohort = np.where(area < 12, 2018, 0)
    treated = ((cohort > 0) & (wave >= cohort)).astype(np.int8)
    y = 0.3 * treated + rng.normal(size=areas)[area] + rng.normal(size=area.size)
    data = pd.DataFrame({"area": area, "wave": wave, "cohort": cohort, "treated": treated,
                         "ever_treated": (cohort > 0).astype(np.int8), "y": y})
    columns = {"wave": "wave", "area": "area", "cohort": "cohort"}
    models = validate_config(minimal_config(
        design="repeated_cross_section", columns=columns,
        models={"estimators": ["twfe"], "bootstrap": {"reps": 999, "seed": 1}}))["models"]
    did = estimate_did(data, "y", columns=columns, design="repeated_cross_section",
                       models=models)
    att = did[did["term"] == "att"].iloc[0]
    assert att["n_clusters"] == 40 and 0 <= att["wild_p_value"] <= 1
    assert att["wild_ci_low"] < 0.3 < att["wild_ci_high"]


def test_interval_is_where_the_test_stops_rejecting():
    data = panel(n_clusters=10)
    result = wild_cluster_bootstrap(data, "y", "treated", "pid", "wave", "area", reps=999,
                                    seed=3, alpha=0.05)
    assert result.weights_type == "webb" and result.n_clusters == 10
    assert result.ci_low < result.estimate < result.ci_high
    again = wild_cluster_bootstrap(data, "y", "treated", "pid", "wave", "area", reps=999,
                                   seed=3, alpha=0.05)
    assert again == result  # seeded: reproducible
    wide = wild_cluster_bootstrap(data, "y", "treated", "pid", "wave", "area", reps=999,
                                  seed=3, alpha=0.01)
    assert wide.ci_low < result.ci_low and wide.ci_high > result.ci_high


def test_size_under_the_null_with_few_clusters():
    """Over 200 simulated studies with 12 clusters and no effect, the 5% test rejects
    about 5% of the time (binomial 99% band for 200 draws: 0.5% to 10.5%)."""
    rejections, covered = 0, 0
    for seed in range(200):
        data = panel(seed=seed, n_clusters=12, per=6, waves=4, effect=0.0)
        result = wild_cluster_bootstrap(data, "y", "treated", "pid", "wave", "area",
                                        reps=199, seed=seed)
        rejections += result.p_value < 0.05
        covered += result.ci_low <= 0.0 <= result.ci_high
    assert 0.005 <= rejections / 200 <= 0.105
    assert 0.895 <= covered / 200 <= 0.995


def test_unit_not_nested_in_cluster_is_refused():
    data = panel()
    data["area"] = data["wave"] % 2
    with pytest.raises(ValueError, match="not nested"):
        wild_cluster_bootstrap(data, "y", "treated", "pid", "wave", "area", reps=99)


def test_a_wave_without_outcome_values_is_left_out_not_collinear():
    data = panel(n_clusters=14)
    blank = data.assign(y=data["y"].where(data["wave"] != 1))
    ours = wild_cluster_bootstrap(blank, "y", "treated", "pid", "wave", "area", reps=999,
                                  seed=5)
    without = wild_cluster_bootstrap(data[data["wave"] != 1], "y", "treated", "pid", "wave",
                                     "area", reps=999, seed=5)
    assert ours == without


def test_event_study_coefficients_equal_pyfixest_wildboottest():
    """Each relative-time coefficient of the event study is bootstrapped on its own, as
    pyfixest's ``Feols.wildboottest(param=...)`` does for the same regression."""
    pf = pytest.importorskip("pyfixest")
    from wellby.estimators.event_study import fit_event_study
    from wellby.estimators.wild_bootstrap import wild_cluster_bootstrap_terms

    data = panel(n_clusters=20, per=6, waves=5)
    data.loc[data["area"] < 5, "cohort"] = 4  # staggered: cohorts 3 and 4
    result = fit_event_study(data, "y", "pid", "wave", "cohort", cluster="area",
                             keep_design=True)
    frame = result.design.rename(columns=lambda c: c.strip("_"))
    terms = [term.strip("_") for term in result.design_terms.values()]
    ours = wild_cluster_bootstrap_terms(frame, "y", terms, "unit", "time", "cluster",
                                        reps=999, seed=7)
    fit = pf.feols(f"y ~ {' + '.join(terms)} | unit + time", data=frame,
                   vcov={"CRV1": "cluster"})
    assert len(terms) >= 3
    for term in terms:
        theirs = fit.wildboottest(param=term, reps=999, seed=7, weights_type="rademacher")
        assert ours[term].p_value == pytest.approx(float(theirs["Pr(>|t|)"]), abs=1e-12)
        assert ours[term].estimate == pytest.approx(float(fit.coef()[term]), rel=1e-8)
    # The 95% interval inverts the same test: just inside either end pyfixest does not
    # reject the shifted null at 5%, just outside it does.
    term = terms[-1]
    step = 1e-3 * (ours[term].ci_high - ours[term].ci_low)
    for end, inward in ((ours[term].ci_low, 1), (ours[term].ci_high, -1)):
        for null, rejects in ((end + inward * step, False), (end - inward * step, True)):
            shifted = frame.assign(y=frame["y"] - null * frame[term])
            refit = pf.feols(f"y ~ {' + '.join(terms)} | unit + time", data=shifted,
                             vcov={"CRV1": "cluster"})
            p_value = float(refit.wildboottest(param=term, reps=999, seed=7,
                                               weights_type="rademacher")["Pr(>|t|)"])
            assert (p_value < 0.05) == rejects, (end, null, p_value)
