"""Green Book arithmetic against the published reference files (shared/reference)."""

import numpy as np
import pandas as pd
import pytest

from wellby.greenbook import discount_factors, gdp_deflator, rebase, wellby_value

from .conftest import ROOT

REFERENCE = ROOT.parent / "shared" / "reference"


def test_packaged_parameters_equal_the_reference_files():
    if not REFERENCE.is_dir():
        pytest.skip("shared/reference is not beside the project")
    for name in ["greenbook_wellby.csv", "greenbook_gdp_deflator.csv",
                 "greenbook_stpr_schedule.csv", "swemwbs_raw_to_metric.csv"]:
        packaged = pd.read_csv(ROOT / "src" / "wellby" / "data" / name)
        pd.testing.assert_frame_equal(packaged, pd.read_csv(REFERENCE / name))


@pytest.mark.parametrize(("scenario", "value"), [("low", 10_000), ("central", 13_000),
                                                 ("high", 16_000)])
def test_wellby_values_in_2019_prices(scenario, value):
    assert wellby_value(scenario, 2019) == value


def test_rebasing_uses_the_deflator_ratio():
    # 2024 = 100 and 2019 = 81.1085 in the HMT series.
    assert wellby_value("central", 2024) == pytest.approx(13_000 * 100 / 81.1085)
    assert rebase(1_000, 2024, 2019) == pytest.approx(811.085)
    assert gdp_deflator()[2024] == 100
    with pytest.raises(ValueError, match="no GDP deflator for 1950"):
        rebase(1, 1950, 2019)
    with pytest.raises(ValueError, match="unknown WELLBY scenario"):
        wellby_value("medium")


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
    assert factors[1] == pytest.approx(1 / 1.015)
    assert factors[30] == pytest.approx(1.015 ** -30)
    assert factors[31] == pytest.approx(factors[30] / 1.0129)
    assert factors[76] == pytest.approx(factors[75] / 1.0107)
    assert np.all(np.diff(factors) < 0)


def test_unknown_schedule():
    with pytest.raises(ValueError, match="unknown discount schedule"):
        discount_factors(3, "generous")
