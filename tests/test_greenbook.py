"""Green Book arithmetic against the published reference files (shared/reference)."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from wellby.valuation.greenbook import (
    deflator_years,
    discount_factor,
    discount_factors,
    discount_rates,
    gdp_deflator,
    real_terms,
    rebase,
    wellby_range,
    wellby_value,
)

from .conftest import REFERENCE, ROOT, reference_dir

PACKAGED = ROOT / "src" / "wellby" / "data"


def reference(name):
    """The reference file when it sits beside the project, else the packaged copy."""
    path = REFERENCE / name
    return pd.read_csv(path if path.is_file() else PACKAGED / name)


def test_packaged_parameters_equal_the_reference_files():
    reference_dir()
    for name in ["greenbook_wellby.csv", "greenbook_gdp_deflator.csv",
                 "greenbook_stpr_schedule.csv", "swemwbs_raw_to_metric.csv",
                 "greenbook_sources.csv"]:
        # the copy the imported package reads (which need not be the one under ROOT/src)
        with resources.files("wellby.data").joinpath(name).open() as handle:
            packaged = pd.read_csv(handle)
        pd.testing.assert_frame_equal(packaged, pd.read_csv(REFERENCE / name))


@pytest.mark.parametrize(("scenario", "value"), [("low", 10_000), ("central", 13_000),
                                                 ("high", 16_000)])
def test_wellby_values_in_2019_prices(scenario, value):
    assert wellby_value(scenario, 2019) == value
    table = reference("greenbook_wellby.csv").set_index("scenario")
    assert table.loc[scenario, "value_gbp"] == value
    assert table.loc[scenario, "base_year"] == 2019


def test_rebasing_uses_the_deflator_ratio():
    # 2024 = 100 and 2019 = 81.1085 in the HMT series.
    assert wellby_value("central", 2024) == pytest.approx(13_000 * 100 / 81.1085)
    assert wellby_value("low", 2024) == pytest.approx(10_000 * 100 / 81.1085)
    assert wellby_value("high", 2010) == pytest.approx(16_000 * 69.1217 / 81.1085)
    assert rebase(1_000, 2024, 2019) == pytest.approx(811.085)
    assert gdp_deflator()[2024] == 100
    with pytest.raises(ValueError, match="no GDP deflator for 1950"):
        rebase(1, 1950, 2019)
    with pytest.raises(ValueError, match="unknown WELLBY scenario"):
        wellby_value("medium")
    with pytest.raises(ValueError, match="whole calendar year"):
        rebase(1, 2019.5, 2019)


def test_rebasing_matches_every_year_of_the_reference_deflator():
    deflator = reference("greenbook_gdp_deflator.csv").set_index("year")["value"]
    assert deflator_years() == (int(deflator.index.min()), int(deflator.index.max()))
    for year, value in deflator.items():
        assert wellby_value("central", int(year)) == pytest.approx(
            13_000 * value / deflator[2019], rel=1e-12)


def test_nominal_cash_to_real_terms():
    # GBP 1m spent in 2018 is 1m x 81.1085 / 79.1606 = GBP 1,024,607 in 2019 prices.
    assert real_terms(1_000_000, 2018, 2019) == pytest.approx(1_024_606.94, abs=0.01)
    assert real_terms(500, 2019, 2019) == 500
    with pytest.raises(ValueError, match="no GDP deflator for 2030"):
        real_terms(1, 2030, 2019)


def test_wellby_range():
    assert wellby_range(2019) == {"low": 10_000, "central": 13_000, "high": 16_000}


def hand_factor(year, schedule):
    """DF(t) = 1 / prod_{s=1..t} (1 + r_s), with r_s read from the reference bands."""
    bands = reference("greenbook_stpr_schedule.csv")
    factor = 1.0
    for s in range(1, year + 1):
        band = bands[(bands["year_from"] <= s) & (bands["year_to"] >= s)]
        factor /= 1 + float(band[schedule].iloc[0])
    return factor


@pytest.mark.parametrize("schedule", ["standard", "health"])
@pytest.mark.parametrize("year", [0, 1, 5, 30, 31, 75, 76])
def test_discount_factors_against_the_reference_schedule(schedule, year):
    factors = discount_factors(80, schedule)
    assert factors[year] == pytest.approx(hand_factor(year, schedule), rel=1e-12)
    assert discount_factor(year, schedule) == pytest.approx(hand_factor(year, schedule),
                                                            rel=1e-12)


def test_standard_discount_factors_at_the_kinks():
    factors = discount_factors(80, "standard")
    assert factors[0] == 1.0
    assert factors[1] == pytest.approx(1 / 1.035)
    assert factors[5] == pytest.approx(1.035 ** -5)
    assert factors[30] == pytest.approx(1.035 ** -30)
    assert factors[31] == pytest.approx(factors[30] / 1.030)
    assert factors[75] == pytest.approx(1.035 ** -30 * 1.030 ** -45)
    assert factors[76] == pytest.approx(factors[75] / 1.025)


def test_health_discount_factors():
    factors = discount_factors(77, "health")
    assert factors[0] == 1.0
    assert factors[1] == pytest.approx(1 / 1.015)
    assert factors[5] == pytest.approx(1.015 ** -5)
    assert factors[30] == pytest.approx(1.015 ** -30)
    assert factors[31] == pytest.approx(factors[30] / 1.0129)
    assert factors[75] == pytest.approx(1.015 ** -30 * 1.0129 ** -45)
    assert factors[76] == pytest.approx(factors[75] / 1.0107)
    assert np.all(np.diff(factors) < 0)


def test_discount_rates_by_band():
    rates = discount_rates(77, "standard")
    assert rates[1] == rates[30] == 0.035
    assert rates[31] == rates[75] == 0.030
    assert rates[76] == 0.025


def test_unknown_schedule_and_bad_years():
    with pytest.raises(ValueError, match="unknown discount schedule"):
        discount_factors(3, "generous")
    with pytest.raises(ValueError, match="n_years must be a whole number"):
        discount_factors(0)
    with pytest.raises(ValueError, match="year must be a whole appraisal year"):
        discount_factor(-1)
