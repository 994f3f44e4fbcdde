"""Power, the minimum detectable effect and the pre-trend test's power (issue 15, part 3).

(a) the 2x2 clustered MDE against a hand calculation of the textbook formula; (b)
McKenzie's multi-period formula and its 2x2 case; (c) simulated power of wellby's TWFE at
the analytic MDE; (d) variance components recovered from simulated data and equal to REML
on balanced data; (e) the planning table; (f) Roth's ``pretrends`` reference numbers.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wellby.analysis.power import (
    VarianceComponents,
    did_variance,
    mckenzie_did_variance,
    minimum_detectable_effect,
    planning_table,
    power_at,
    power_table,
    simulated_power,
    variance_components,
)
from wellby.analysis.pretrend_power import (
    event_study_pretrend_power,
    pretrends,
    rejection_probability_nis,
    rejection_probability_wald,
    slope_for_power,
)

RESULTS = Path(__file__).parent / "results" / "pretrends"

# sigma^2 = 1 (effects in SD units): 5% persistent area share, 2% area-by-wave share and
# a within-person correlation of 0.5 in the remaining 93%
SHARES = {"icc_area": 0.05, "icc_area_wave": 0.02, "rho": 0.5}


def simulate(n_areas=200, persons=30, waves=4, *, area=0.05, area_wave=0.02, person=0.5,
             residual=0.43, panel=True, start=2, effect=0.3, seed=1, drop=0.0):
    """Rows from y = 0.1 t + a_j + u_jt + p_i + e_it + effect x D with known components."""
    rng = np.random.default_rng(seed)
    a = np.repeat(np.arange(n_areas), persons * waves)
    t = np.tile(np.arange(waves), n_areas * persons)
    slot = np.repeat(np.arange(n_areas * persons), waves)
    n = a.size
    p = (rng.normal(0, math.sqrt(person), n_areas * persons)[slot] if panel
         else rng.normal(0, math.sqrt(person), n))
    d = ((a < n_areas // 2) & (t >= start)).astype(int)
    y = (0.1 * t + rng.normal(0, math.sqrt(area), n_areas)[a]
         + rng.normal(0, math.sqrt(area_wave), n_areas * waves)[a * waves + t]
         + p + rng.normal(0, math.sqrt(residual), n) + effect * d)
    out = pd.DataFrame({"y": y, "area": a, "wave": 2016 + 2 * t,
                        "pid": slot if panel else np.arange(n), "d": d})
    return out[rng.random(n) >= drop] if drop else out


# --------------------------------------------------------------------------- (a) 2x2


@pytest.mark.parametrize("design", ["panel", "repeated_cross_section"])
def test_2x2_mde_equals_the_textbook_formula_by_hand(design):
    comp = VarianceComponents.from_shares(design=design, **SHARES)
    mde = minimum_detectable_effect(comp, n_treated_areas=20, n_control_areas=20,
                                    persons_per_area=50, n_pre=1, n_post=1)
    # Hand calculation. sigma_w^2 = 1 - 0.05 - 0.02 = 0.93 within an area and wave;
    # sigma_u^2 = 0.02. An area's change (post mean - pre mean) has variance
    #   2 (sigma_u^2 + sigma_e^2 / m), sigma_e^2 = (1 - rho) 0.93 = 0.465 (panel: the
    #   person effect differences out) or the whole 0.93 (new residents each wave):
    #   panel: 2 (0.02 + 0.465/50) = 2 (0.02 + 0.0093) = 0.0586
    #   RCS:   2 (0.02 + 0.93/50)  = 2 (0.02 + 0.0186) = 0.0772
    # DiD of 20 vs 20 areas (P = 0.5, J = 40): Var = Var(change) / (P (1 - P) J)
    #   = Var(change) x 0.1: panel 0.00586, RCS 0.00772.
    # MDE = (t_{0.975, J-2} + t_{0.80, J-2}) x SE with J - 2 = 38 (Bloom 2005):
    #   t_{0.975, 38} = 2.024394, t_{0.80, 38} = 0.851183, multiplier 2.875577.
    change = {"panel": 0.0586, "repeated_cross_section": 0.0772}[design]
    var = change / (0.5 * 0.5 * 40)
    t_a, t_b = stats.t.ppf(0.975, 38), stats.t.ppf(0.80, 38)
    assert t_a == pytest.approx(2.024394, abs=1e-6)
    assert t_b == pytest.approx(0.851183, abs=1e-6)
    hand = (t_a + t_b) * math.sqrt(var)
    # panel: 2.875577 x sqrt(0.00586) = 2.875577 x 0.0765506 = 0.220127
    # RCS:   2.875577 x sqrt(0.00772) = 2.875577 x 0.0878635 = 0.252658
    printed = {"panel": 0.220127, "repeated_cross_section": 0.252658}[design]
    assert hand == pytest.approx(printed, abs=2e-6)
    assert mde.mde == pytest.approx(hand, rel=1e-12)
    assert mde.std_error ** 2 == pytest.approx(var, rel=1e-12)
    assert mde.df == 38 and mde.multiplier == pytest.approx(t_a + t_b, rel=1e-12)
    # the power function inverts it, plus the far tail's 9e-6
    far = stats.t.cdf(-mde.mde / mde.std_error - t_a, 38)
    assert power_at(comp, mde.mde, n_treated_areas=20, n_control_areas=20,
                    persons_per_area=50, n_pre=1, n_post=1) == pytest.approx(0.8 + far)
    assert far < 1e-5


def test_normal_quantiles_and_unequal_arms():
    comp = VarianceComponents.from_shares(**SHARES)
    mde = minimum_detectable_effect(comp, n_treated_areas=10, n_control_areas=30,
                                    persons_per_area=50, n_pre=1, n_post=1, df=np.inf)
    # 1/10 + 1/30 = 0.133333 in place of 0.1; z_{0.975} + z_{0.8} = 1.959964 + 0.841621
    var = 0.0586 * (1 / 10 + 1 / 30)
    assert mde.mde == pytest.approx((1.959964 + 0.841621) * math.sqrt(var), rel=1e-6)


def test_area_icc_differences_out_but_the_area_by_wave_share_does_not():
    kw = dict(n_treated_areas=20, n_control_areas=20, persons_per_area=50, n_pre=1,
              n_post=1)
    low = VarianceComponents(outcome="y", design="panel", area=0.0, area_wave=0.02,
                             person=0.465, residual=0.465)
    high = VarianceComponents(outcome="y", design="panel", area=0.5, area_wave=0.02,
                              person=0.465, residual=0.465)
    assert minimum_detectable_effect(low, **kw).mde == pytest.approx(
        minimum_detectable_effect(high, **kw).mde, rel=1e-12)
    more_u = VarianceComponents(outcome="y", design="panel", area=0.0, area_wave=0.04,
                                person=0.465, residual=0.465)
    assert minimum_detectable_effect(more_u, **kw).mde > minimum_detectable_effect(low, **kw).mde


# --------------------------------------------------------------------------- (b) McKenzie


def test_mckenzie_formula_literal_and_its_2x2_case():
    # McKenzie (2012): Var = (2 sigma^2 / n) [(1 + (m-1) rho)/m + (1 + (r-1) rho)/r - 2 rho];
    # per unit (without 2/n): m = 3 pre, r = 2 post, sigma^2 = 1.5, rho = 0.4:
    #   (1 + 2 x 0.4)/3 + (1 + 0.4)/2 - 0.8 = 0.6 + 0.7 - 0.8 = 0.5; x 1.5 = 0.75
    assert mckenzie_did_variance(1.5, 0.4, 3, 2) == pytest.approx(0.75, rel=1e-12)
    # = sigma^2 (1 - rho)(1/m + 1/r) = 1.5 x 0.6 x (1/3 + 1/2) = 0.75
    # one pre and one post round: 2 sigma^2 (1 - rho), the variance of a change
    for s2, rho in [(1.0, 0.0), (2.0, 0.3), (0.7, 0.9)]:
        assert mckenzie_did_variance(s2, rho, 1, 1) == pytest.approx(2 * s2 * (1 - rho))


@pytest.mark.parametrize("design", ["panel", "repeated_cross_section"])
def test_multi_period_variance_reduces_to_2x2(design):
    comp = VarianceComponents.from_shares(design=design, **SHARES)
    kw = dict(n_treated_areas=20, n_control_areas=20, persons_per_area=50)
    two = did_variance(comp, n_pre=1, n_post=1, **kw)
    assert two == pytest.approx({"panel": 0.00586, "repeated_cross_section": 0.00772}[design])
    # McKenzie with areas as clusters: the area mean's variance and autocorrelation
    s_e = 0.465 if design == "panel" else 0.93
    var_c = 0.05 + 0.02 + 0.93 / 50
    rho_c = (0.05 + (0.465 / 50 if design == "panel" else 0.0)) / var_c
    for m, r in [(1, 1), (2, 1), (3, 2), (1, 4)]:
        got = did_variance(comp, n_pre=m, n_post=r, **kw)
        bracket = (1 + (m - 1) * rho_c) / m + (1 + (r - 1) * rho_c) / r - 2 * rho_c
        assert got == pytest.approx(var_c * bracket * (1 / 20 + 1 / 20), rel=1e-12)
        assert got == pytest.approx(0.1 * (1 / m + 1 / r) * (0.02 + s_e / 50), rel=1e-12)
    # more waves: smaller variance
    assert did_variance(comp, n_pre=3, n_post=2, **kw) < two


# --------------------------------------------------------------------------- (c) simulation


@pytest.mark.parametrize(("design", "jt", "jc", "m", "pre", "post"), [
    ("panel", 15, 15, 20, 1, 1),
    ("repeated_cross_section", 20, 20, 15, 1, 2),
])
def test_simulated_power_at_the_analytic_mde_is_80_percent(design, jt, jc, m, pre, post):
    """wellby's TWFE with area-clustered SEs has 80% power at the analytic MDE.

    Over 16,000 simulations of each design (8 seeds) the rejection rates were 0.812 and
    0.808 and the estimates' SD was the formula's SE to 0.3%; the point or so above 0.8 is
    the clustered (CRV1) standard error's small downward bias with 30-40 areas (its mean is
    2-3% below the SD), which makes the test a little liberal.
    """
    comp = VarianceComponents.from_shares(design=design, **SHARES)
    kw = dict(n_treated_areas=jt, n_control_areas=jc, persons_per_area=m, n_pre=pre,
              n_post=post)
    mde = minimum_detectable_effect(comp, **kw).mde
    sim = simulated_power(comp, mde, n_sims=1500, seed=1, **kw)
    assert sim.analytic_power == pytest.approx(0.8, abs=1e-4)
    # within Monte Carlo error: 3 x sqrt(0.8 x 0.2 / 1500) = 0.031
    assert abs(sim.power - 0.8) < 3 * math.sqrt(0.16 / sim.n_sims)
    # the estimates scatter as the formula says (the SD's own MC error: 1.8%)
    assert sim.sd_estimate == pytest.approx(sim.analytic_std_error, rel=0.055)
    assert sim.mean_estimate == pytest.approx(mde, abs=4 * sim.analytic_std_error / 38)


def test_simulated_size_is_alpha():
    comp = VarianceComponents.from_shares(**SHARES)
    sim = simulated_power(comp, 0.0, n_treated_areas=15, n_control_areas=15,
                          persons_per_area=10, n_pre=2, n_post=1, n_sims=1000, seed=3)
    assert abs(sim.power - 0.05) < 3 * math.sqrt(0.05 * 0.95 / 1000)


@pytest.mark.slow
@pytest.mark.parametrize(("design", "shares", "jt", "jc", "m", "pre", "post"), [
    ("panel", SHARES, 20, 20, 30, 1, 1),
    ("panel", {"icc_area": 0.1, "icc_area_wave": 0.0, "rho": 0.8}, 8, 24, 25, 3, 2),
    ("repeated_cross_section", SHARES, 30, 30, 40, 1, 3),
    ("repeated_cross_section", {"icc_area": 0.0, "icc_area_wave": 0.05}, 25, 25, 8, 2, 2),
])
def test_simulated_power_many_designs(design, shares, jt, jc, m, pre, post):
    comp = VarianceComponents.from_shares(design=design, **shares)
    kw = dict(n_treated_areas=jt, n_control_areas=jc, persons_per_area=m, n_pre=pre,
              n_post=post)
    mde = minimum_detectable_effect(comp, **kw).mde
    sim = simulated_power(comp, mde, n_sims=5000, seed=5, **kw)
    assert abs(sim.power - 0.8) < 3 * math.sqrt(0.16 / sim.n_sims)
    assert sim.sd_estimate == pytest.approx(sim.analytic_std_error, rel=0.04)


# --------------------------------------------------------------------------- (d) components


def test_components_recovered_from_a_simulated_panel():
    data = simulate(n_areas=200, persons=30, waves=4)
    c = variance_components(data, "y", area="area", wave="wave", person="pid",
                            treated_col="d")
    assert c.design == "panel" and c.n_obs == 24000 and c.n_persons == 6000
    assert (c.n_treated_areas, c.n_control_areas, c.n_pre, c.n_post) == (100, 100, 2, 2)
    # truth: total 1.0, area 0.05, area-wave 0.02, person 0.5, residual 0.43
    assert c.icc_area == pytest.approx(0.05, abs=0.02)
    assert c.icc_area_wave == pytest.approx(0.02, abs=0.006)
    assert c.rho == pytest.approx(0.5 / 0.93, abs=0.03)
    assert c.residual == pytest.approx(0.43, rel=0.03)
    assert c.total == pytest.approx(1.0, rel=0.05)


def test_components_recovered_from_repeated_cross_sections_with_attrition():
    data = simulate(n_areas=200, persons=30, waves=4, panel=False, drop=0.2, seed=4)
    c = variance_components(data, "y", area="area", wave="wave", treated_col="d")
    assert c.design == "repeated_cross_section" and c.person == 0.0 and c.rho == 0.0
    assert c.icc_area == pytest.approx(0.05, abs=0.02)
    assert c.icc_area_wave == pytest.approx(0.02, abs=0.008)
    assert c.within == pytest.approx(0.93, rel=0.03)
    assert c.harmonic_persons < c.persons_per_area


def test_components_are_unbiased_over_replications():
    est = []
    for s in range(40):
        data = simulate(n_areas=60, persons=10, waves=3, seed=100 + s)
        c = variance_components(data, "y", area="area", wave="wave", person="pid",
                                treated_col="d")
        est.append([c.area, c.area_wave, c.person, c.residual])
    mean, se = np.mean(est, axis=0), np.std(est, axis=0, ddof=1) / math.sqrt(len(est))
    truth = np.array([0.05, 0.02, 0.5, 0.43])
    assert np.all(np.abs(mean - truth) < 4 * se + 1e-3)


@pytest.mark.parametrize("panel", [True, False])
def test_components_equal_reml_on_balanced_data(panel):
    """On a balanced design the ANOVA estimates are REML's (statsmodels MixedLM)."""
    import statsmodels.formula.api as smf

    data = simulate(n_areas=24, persons=5, waves=3, area=0.2, area_wave=0.2, panel=panel,
                    seed=7)
    data["gw"] = (data["area"] < 12).astype(str) + "_" + data["wave"].astype(str)
    vc = {"aw": "0 + C(wave)"} | ({"person": "0 + C(pid)"} if panel else {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("y ~ 0 + C(gw)", data, groups="area", re_formula="1",
                          vc_formula=vc).fit(reml=True)
    c = variance_components(data, "y", area="area", wave="wave",
                            person="pid" if panel else None, treated_col="d")
    reml = dict(zip(fit.model.exog_vc.names, fit.vcomp, strict=True))
    assert c.area == pytest.approx(float(fit.cov_re.iloc[0, 0]), rel=2e-3)
    assert c.area_wave == pytest.approx(reml["aw"], rel=2e-3)
    assert c.residual == pytest.approx(fit.scale, rel=2e-3)
    if panel:
        assert c.person == pytest.approx(reml["person"], rel=2e-3)


def test_components_errors():
    data = simulate(n_areas=10, persons=3, waves=2, start=1)
    with pytest.raises(ValueError, match="not in the data"):
        variance_components(data, "nope", area="area", wave="wave")
    one = data[data["wave"] == 2016]
    with pytest.raises(ValueError, match="two waves"):
        variance_components(one, "y", area="area", wave="wave")
    bad = data.assign(d=data["d"] * 2)
    with pytest.raises(ValueError, match="0/1"):
        variance_components(bad, "y", area="area", wave="wave", treated_col="d")
    # missing outcomes are dropped, not fatal
    holes = data.assign(y=data["y"].where(data.index % 7 != 0))
    c = variance_components(holes, "y", area="area", wave="wave", person="pid")
    assert c.n_obs == int(holes["y"].notna().sum())


def test_mde_from_estimated_components_defaults_to_the_study_design():
    data = simulate(n_areas=40, persons=20, waves=4)
    c = variance_components(data, "y", area="area", wave="wave", person="pid",
                            treated_col="d")
    m = minimum_detectable_effect(c)
    assert (m.n_treated_areas, m.n_control_areas, m.n_pre, m.n_post) == (20, 20, 2, 2)
    assert m.persons_per_area == 20 and m.design == "panel"
    no_treat = variance_components(data, "y", area="area", wave="wave")
    with pytest.raises(ValueError, match="give n_treated_areas"):
        minimum_detectable_effect(no_treat)


# --------------------------------------------------------------------------- (e) planning


def test_planning_table_is_monotonic_and_finds_the_fewest_areas():
    comp = VarianceComponents.from_shares(**SHARES)
    plan = planning_table(comp, 0.2, n_pre=1, n_post=2, current_areas=30, treated_share=0.5,
                          current_persons=20, areas_grid=[10, 20, 30, 60, 120],
                          persons_grid=[5, 10, 20, 40, 80])
    t = plan.table
    assert len(t) == 25
    for _, by_areas in t.groupby("persons_per_area"):
        assert by_areas.sort_values("areas")["power"].is_monotonic_increasing
    for _, by_persons in t.groupby("areas"):
        assert by_persons.sort_values("persons_per_area")["power"].is_monotonic_increasing
    assert t["mde"].equals(t["mde"]) and (t["mde"] > 0).all()

    def pw(areas, persons):
        jt = round(0.5 * areas)
        return power_at(comp, 0.2, n_treated_areas=jt, n_control_areas=areas - jt,
                        persons_per_area=persons, n_pre=1, n_post=2)

    assert plan.power_now == pytest.approx(pw(30, 20))
    assert plan.min_areas is not None
    assert pw(plan.min_areas, 20) >= 0.8 > pw(plan.min_areas - 1, 20)
    if plan.min_persons is not None:
        assert pw(30, plan.min_persons) >= 0.8 > pw(30, plan.min_persons - 1)
    assert f"{plan.min_areas} areas" in plan.note


def test_planning_says_when_more_residents_cannot_help():
    # a large area-by-wave share: with 20 areas even infinitely many residents fall short
    comp = VarianceComponents.from_shares(icc_area=0.05, icc_area_wave=0.1, rho=0.5)
    plan = planning_table(comp, 0.2, n_pre=1, n_post=1, current_areas=20,
                          current_persons=50, treated_share=0.5)
    assert plan.min_persons is None and plan.power_limit_persons < 0.8
    assert "area-by-wave component dominates" in plan.note
    assert plan.min_areas is not None and plan.min_areas > 20
    # and the limit is the power with sigma_w^2 / m = 0
    var = (1 / 10 + 1 / 10) * (1 / 1 + 1 / 1) * 0.1
    z, crit = 0.2 / math.sqrt(var), stats.t.ppf(0.975, 18)
    limit = stats.t.cdf(z - crit, 18) + stats.t.cdf(-z - crit, 18)  # both tails
    assert plan.power_limit_persons == pytest.approx(limit, abs=1e-6)


def test_planning_defaults_add_one_follow_up_wave():
    data = simulate(n_areas=40, persons=20, waves=3, start=2)  # 2 pre, 1 post
    c = variance_components(data, "y", area="area", wave="wave", person="pid",
                            treated_col="d")
    plan = planning_table(c, 0.25)
    assert set(plan.table["n_pre"]) == {2} and set(plan.table["n_post"]) == {2}
    assert 40 in set(plan.table["areas"]) and 20 in set(plan.table["persons_per_area"])
    with pytest.raises(ValueError, match="finite"):
        planning_table(c, math.inf)


def test_power_table_puts_the_breakeven_beside_the_mde():
    from wellby.valuation.appraisal import breakeven_effect
    from wellby.valuation.inputs import cba_inputs

    # test_valuation's hand-worked case: break-even 0.0760432 life-satisfaction points
    inputs = cba_inputs({"population": 1000, "duration_years": 2, "first_benefit_year": 1,
                         "costs": {"0": 1_000_000, "2": 1_000_000}})
    breakeven = breakeven_effect(inputs, scale="estimate")
    assert breakeven == pytest.approx(0.0760432, abs=1e-7)
    data = simulate(n_areas=40, persons=20, waves=4)
    data["z"] = data["y"] * 2
    comps = [variance_components(data, o, area="area", wave="wave", person="pid",
                                 treated_col="d") for o in ("y", "z")]
    table = power_table(comps, breakeven={"y": breakeven}, alpha=0.1)
    assert list(table["outcome"]) == ["y", "z"]
    assert table.loc[1, "mde"] == pytest.approx(2 * table.loc[0, "mde"], rel=1e-9)
    assert table.loc[0, "mde"] == pytest.approx(
        minimum_detectable_effect(comps[0], alpha=0.1).mde, rel=1e-12)
    assert table.loc[0, "power_at_breakeven"] == pytest.approx(
        power_at(comps[0], breakeven, alpha=0.1), rel=1e-12)
    assert math.isnan(table.loc[1, "breakeven_effect"])
    plan = planning_table(comps[0], breakeven, alpha=0.1)
    assert plan.power_now == pytest.approx(power_at(
        comps[0], breakeven, n_post=3, alpha=0.1), rel=1e-12)  # one more follow-up wave


# --------------------------------------------------------------------------- (f) Roth


@pytest.fixture(scope="module")
def he_wang():
    frame = pd.read_csv(RESULTS / "he_wang_2017.csv", comment="#")
    sigma = frame[[f"sigma_{k}" for k in range(1, 8)]].to_numpy()
    printed = pd.read_csv(RESULTS / "readme_printed.csv", comment="#")
    return frame["t"].to_numpy(), frame["beta"].to_numpy(), sigma, printed


def _printed(printed, case, quantity):
    rows = printed[(printed["case"] == case) & (printed["quantity"] == quantity)]
    return rows["value"].to_numpy() if len(rows) > 1 else float(rows["value"].iloc[0])


def test_pretrends_slope_for_power_he_wang(he_wang):
    t, _, sigma, printed = he_wang
    # R: slope_for_power(sigma, targetPower = 0.5, tVec, referencePeriod = -1) 0.05205871
    slope = slope_for_power(sigma, t, target_power=0.5, reference=-1)
    assert slope == pytest.approx(_printed(printed, "slope50", "slope"), abs=1e-3)
    assert slope == pytest.approx(0.0520676, abs=1e-6)  # ours: exact root, 9e-6 from R's
    assert rejection_probability_nis(slope * (t[:3] + 1), sigma[:3, :3]) == pytest.approx(
        0.5, abs=1e-5)


@pytest.mark.parametrize("case", ["linear", "quadratic"])
def test_pretrends_df_power_he_wang(he_wang, case):
    t, beta, sigma, printed = he_wang
    delta = 0.05205871 * (t + 1) if case == "linear" else 0.024 * (t + 1) ** 2
    res = pretrends(beta, sigma, delta, t, reference=-1)
    assert res.power == pytest.approx(_printed(printed, case, "Power"), abs=1e-3)
    assert res.bayes_factor == pytest.approx(_printed(printed, case, "Bayes.Factor"),
                                             abs=1e-3)
    # the likelihood ratio has no integral in it: to the 7 digits printed
    assert res.likelihood_ratio == pytest.approx(
        _printed(printed, case, "Likelihood.Ratio"), abs=1e-7)
    if case == "linear":
        plot = res.event_plot
        assert list(plot["t"]) == [-4, -3, -2, -1, 0, 1, 2, 3]
        for col, quantity in [("deltatrue", "deltatrue"), ("se", "se"),
                              ("mean_after_pretesting", "meanAfterPretesting")]:
            np.testing.assert_allclose(plot[col], _printed(printed, case, quantity),
                                       atol=1e-3 if col == "mean_after_pretesting" else 1e-8)


def test_wald_power_matches_monte_carlo_and_nis_with_one_lead(he_wang):
    t, _, sigma, _ = he_wang
    s_pre = sigma[:3, :3]
    delta = 0.06 * (t[:3] + 1)
    power = rejection_probability_wald(delta, s_pre, alpha=0.05)
    draws = np.random.default_rng(0).multivariate_normal(delta, s_pre, size=200_000)
    w = np.einsum("ij,ij->i", draws, np.linalg.solve(s_pre, draws.T).T)
    assert power == pytest.approx(np.mean(w > stats.chi2.ppf(0.95, 3)), abs=0.005)
    # one lead: the joint test is the individual test
    z = stats.norm.ppf(0.975)
    one = rejection_probability_wald(delta[2:], s_pre[2:, 2:], alpha=0.05)
    assert one == pytest.approx(rejection_probability_nis(delta[2:], s_pre[2:, 2:], z),
                                abs=1e-9)
    # the slope of the Wald test's power is the closed form's
    s80 = slope_for_power(sigma, t, target_power=0.8, reference=-1, test="wald")
    assert rejection_probability_wald(s80 * (t[:3] + 1), s_pre) == pytest.approx(0.8, abs=1e-8)


def test_event_study_pretrend_power():
    from wellby.estimators.event_study import fit_event_study

    rng = np.random.default_rng(2)
    areas, persons, years = 40, 10, 6
    area = np.repeat(np.arange(areas), persons * years)
    unit = np.repeat(np.arange(areas * persons), years)
    year = np.tile(np.arange(2010, 2010 + years), areas * persons)
    cohort = np.where(area < 20, 2014, 0)
    y = (rng.normal(0, 0.3, areas)[area] + rng.normal(0, 0.15, areas * years)[
        area * years + year - 2010] + rng.normal(size=area.size))
    data = pd.DataFrame({"y": y, "area": area, "unit": unit, "year": year, "cohort": cohort})
    res = fit_event_study(data, "y", "unit", "year", "cohort", cluster="area")
    table = event_study_pretrend_power(res, slopes=[0.0, 0.05])
    assert set(table["test"]) == {"joint_wald", "any_significant"}
    assert (table["n_leads"] == len(res.lead_times)).all()
    assert (table["df"] == res.df_resid).all()
    solved = table[table["target_power"].notna()]
    assert sorted(solved["target_power"].unique()) == [0.5, 0.8]
    for _, by_test in solved.groupby("test"):
        assert by_test.sort_values("target_power")["slope"].is_monotonic_increasing
    at_zero = table[(table["slope"] == 0.0) & table["target_power"].isna()]
    # at no trend the joint test rejects at its level; the NIS test a little more often
    assert at_zero.set_index("test").loc["joint_wald", "power"] == pytest.approx(0.05)
    assert at_zero.set_index("test").loc["any_significant", "power"] > 0.05
    # the power at a solved slope is its target
    lead = [i for i, e in enumerate(e for e in res.rel_times if e != res.reference) if e < 0]
    s_pre = res.cov[np.ix_(lead, lead)]
    d = np.array(res.lead_times, dtype=float) - res.reference
    row = solved[(solved["test"] == "joint_wald") & (solved["target_power"] == 0.8)]
    assert rejection_probability_wald(float(row["slope"].iloc[0]) * d, s_pre,
                                      df=res.df_resid) == pytest.approx(0.8, abs=1e-8)


def test_a_million_rows_in_seconds():
    """Components, MDE and planning table of a 300-area, 667-resident, 5-wave panel."""
    import time

    rng = np.random.default_rng(5)
    areas, persons, waves = 300, 667, 5
    area = np.repeat(np.arange(areas), persons * waves)
    wave = np.tile(np.arange(waves), areas * persons)
    pid = np.repeat(np.arange(areas * persons), waves)
    y = (rng.normal(0, 0.3, areas)[area] + rng.normal(0, 0.12, areas * waves)[
        area * waves + wave] + rng.normal(0, 1.2, areas * persons)[pid]
        + rng.normal(0, 1.3, area.size))
    d = ((area < 150) & (wave >= 3)).astype(np.int8)
    data = pd.DataFrame({"y": y + 0.1 * d, "area": area, "wave": wave, "pid": pid, "d": d})
    start = time.perf_counter()
    c = variance_components(data, "y", area="area", wave="wave", person="pid",
                            treated_col="d")
    mde = minimum_detectable_effect(c)
    plan = planning_table(c, 0.05)
    elapsed = time.perf_counter() - start
    assert c.n_obs == 1_000_500 and c.n_persons == 200_100
    assert c.area_wave == pytest.approx(0.0144, rel=0.15)
    assert c.rho == pytest.approx(1.44 / 3.13, abs=0.01)
    assert mde.mde > 0 and plan.min_areas is not None
    assert elapsed < 30


# ------------------------------------------- the residual on persons and area-by-wave cells


def _unbalanced_panel(rng, n_areas=12, persons=8, waves=4, keep=0.7):
    """Persons in areas over waves, each row kept with probability ``keep``; dense codes."""
    area = np.repeat(np.arange(n_areas), persons * waves)
    person = np.repeat(np.arange(n_areas * persons), waves)
    wave = np.tile(np.arange(waves), n_areas * persons)
    kept = rng.random(area.size) < keep
    kept[person == 3] = True  # one person in every wave
    kept[(area == 5) & (wave == 2)] = False  # an area with no row in a wave
    area, person, wave = area[kept], person[kept], wave[kept]
    person = pd.factorize(person)[0]
    y = (rng.normal(size=n_areas)[area] + rng.normal(size=person.max() + 1)[person]
         + rng.normal(size=(n_areas, waves))[area, wave] + rng.normal(size=area.size))
    return y, person, area, wave


def test_residual_on_persons_and_cells_equals_statsmodels_ols_on_the_dummies():
    import statsmodels.api as sm

    from wellby.analysis.variance_components import residual_on_persons_and_cells

    y, person, area, wave = _unbalanced_panel(np.random.default_rng(11))
    dummies = pd.get_dummies(pd.DataFrame({"p": person.astype(str),
                                           "c": (area * 10 + wave).astype(str)}),
                             drop_first=False, dtype=float)
    with warnings.catch_warnings():  # the dummies are collinear by area: OLS uses pinv
        warnings.simplefilter("ignore")
        reference = sm.OLS(y, dummies.to_numpy()).fit().resid
    ours = residual_on_persons_and_cells(y, person, area, wave, 4)
    np.testing.assert_allclose(ours, reference, atol=1e-9)
    assert np.abs(ours).max() > 0.1  # the fit leaves a residual


def test_residual_on_persons_and_cells_equals_alternating_projections():
    from wellby.analysis.variance_components import residual_on_persons_and_cells
    from wellby.estimators.fixed_effects import demean

    y, person, area, wave = _unbalanced_panel(np.random.default_rng(12), n_areas=300,
                                              persons=40, waves=5, keep=0.6)
    cells = pd.factorize(area * 5 + wave)[0]
    reference = demean(y, [person, cells], tol=1e-13)
    ours = residual_on_persons_and_cells(y, person, area, wave, 5)
    np.testing.assert_allclose(ours, reference, atol=1e-8)
