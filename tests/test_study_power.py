"""The study's power table: the formula's standard error against the fitted DiD's, on data
with area-by-wave shocks and staggered starts, and what the table says about break-even."""

import numpy as np
import pandas as pd
import pytest

from wellby.analysis.study_power import study_power
from wellby.config import Study, validate_config
from wellby.estimators.twfe import fit_twfe

from .conftest import minimal_config

CBA = {"population": 1000, "duration_years": 2, "costs": {"0": 1_000_000}}


def staggered_panel(seed=3, n_areas=80, per_area=30, waves=6):
    """Persons in areas over waves: area effects, area-by-wave shocks, persons, noise;
    a quarter of the areas start in wave 3, a quarter in wave 4, the rest never."""
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({"person_id": np.arange(n_areas * per_area),
                           "area_id": np.repeat(np.arange(n_areas), per_area)})
    people["cohort"] = np.select([people["area_id"] < n_areas // 4,
                                  people["area_id"] < n_areas // 2], [3, 4], 0)
    people["person"] = rng.normal(scale=0.8, size=len(people))
    data = people.merge(pd.DataFrame({"wave": np.arange(1, waves + 1)}), how="cross")
    data["treated"] = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).astype(int)
    data["ever_treated"] = (data["cohort"] > 0).astype(int)
    area = rng.normal(scale=0.4, size=n_areas)[data["area_id"]]
    shock = rng.normal(scale=0.25, size=(n_areas, waves))[data["area_id"], data["wave"] - 1]
    data["life_satisfaction"] = (7 + area + shock + data["person"] + 0.2 * data["treated"]
                                 + rng.normal(scale=1.2, size=len(data)))
    return data


def study(**overrides) -> Study:
    return Study.from_validated(validate_config(minimal_config(**overrides)))


def test_the_formulas_standard_error_is_the_fitted_difference_in_differences():
    data = staggered_panel()
    table, _ = study_power(data, study(), breakeven_effect=None)
    row = table.iloc[0]
    fitted = fit_twfe(data, "life_satisfaction", "treated", "person_id", "wave",
                      cluster="area_id")
    # One draw's clustered SE varies by about 1/sqrt(2G) = 8% around its mean: 25% is wide
    # enough not to fail by chance and narrow enough to catch a formula off by a factor.
    assert row["std_error"] == pytest.approx(fitted.coefficients[0].std_error, rel=0.25)
    # Staggered: the earliest cohort (wave 3) sets the periods: 2 before, 4 from it.
    assert (row["n_pre"], row["n_post"]) == (2, 4)
    assert (row["n_treated_areas"], row["n_control_areas"]) == (40, 40)
    assert row["mde"] == pytest.approx(row["std_error"] * (2.0 + 0.85), rel=0.02)
    assert np.isnan(row["breakeven_effect"]) and row["note"] == ""


def test_the_valued_outcome_gets_its_break_even_power_and_planning():
    data = staggered_panel()
    table, planning = study_power(data, study(cba=CBA), breakeven_effect=0.1)
    row = table.iloc[0]
    assert row["breakeven_effect"] == 0.1
    assert 0 < row["power_at_breakeven"] < row["power"]  # 0.1 is below the MDE here
    assert row["mde"] > 0.1
    assert row["min_areas"] > 80 and "80% power needs" in row["note"]
    assert set(planning["outcome"]) == {"life_satisfaction"}
    assert (planning["target_effect"] == 0.1).all()
    more_areas = planning.groupby("persons_per_area")["power"].apply(
        lambda p: p.is_monotonic_increasing)
    assert more_areas.all()
    without_cba, empty = study_power(data, study(), breakeven_effect=None)
    assert empty.empty and np.isnan(without_cba.iloc[0]["power_now"])


def test_a_study_without_comparison_areas_gets_empty_tables_that_read_back(tmp_path):
    cohort_only = study(columns={"id": "person_id", "wave": "wave", "area": "area_id",
                                 "cohort": "cohort", "member": "member"},
                        models={"estimators": ["mixed_cohort"]})
    table, planning = study_power(staggered_panel().assign(member=1), cohort_only, None)
    for name, frame in (("power", table), ("planning", planning)):
        assert frame.empty
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
        assert list(pd.read_csv(tmp_path / f"{name}.csv").columns) == list(frame.columns)
    # With comparison areas but no cost-benefit case, the planning grid still reads back.
    _, planning = study_power(staggered_panel(), study(), None)
    planning.to_csv(tmp_path / "empty.csv", index=False)
    assert "target_effect" in pd.read_csv(tmp_path / "empty.csv").columns


def test_a_panel_of_areas_the_unit_its_own_cluster_on_r_dids_mpdta():
    # R did's mpdta: 500 counties, each its own unit and cluster (id == area), staggered
    # starts. The formula's standard error should be the fitted TWFE's, within a draw's noise.
    from .conftest import ROOT

    data = pd.read_csv(ROOT / "tests" / "results" / "mpdta.csv", comment="#")
    data = data.rename(columns={"countyreal": "county", "first.treat": "cohort"})
    data["treated"] = ((data["cohort"] > 0) & (data["year"] >= data["cohort"])).astype(int)
    data["ever_treated"] = (data["cohort"] > 0).astype(int)
    county = study(columns={"id": "county", "wave": "year", "area": "county",
                            "cohort": "cohort"}, outcomes=["lemp"],
                   data={"waves": [{"wave": 2003, "path": "w.csv"}],
                         "ranges": {"lemp": {"min": -5, "max": 20}}})
    table, _ = study_power(data, county, breakeven_effect=None)
    fitted = fit_twfe(data, "lemp", "treated", "county", "year", cluster="county")
    assert table.iloc[0]["std_error"] == pytest.approx(fitted.coefficients[0].std_error,
                                                       rel=0.25)
    assert table.iloc[0]["n_areas"] == 500
