import pandas as pd
import pytest

from wellby.errors import DataError
from wellby.valuation import cba_from_did, cost_benefit


def test_worked_example_by_hand():
    # Effect 0.1 points for 1,000 people in years 1 and 2; GBP 2m spent in year 0.
    # Standard schedule: DF(1) = 1/1.035 = 0.966184, DF(2) = 0.933511.
    # Central: benefits PV = 0.1 * 1000 * 13000 * (0.966184 + 0.933511) = 2,469,603.
    table = cost_benefit(0.1, population=1000, duration_years=2, first_benefit_year=1,
                         costs={0: 2_000_000}, price_year=2019, discounting="standard")
    central = table.set_index("scenario").loc["central"]
    assert central["wellbys"] == pytest.approx(200)
    assert central["benefits_pv"] == pytest.approx(1_300_000 * (1 / 1.035 + 1 / 1.035**2))
    assert central["benefits_pv"] == pytest.approx(2_469_603, abs=1)
    assert central["costs_pv"] == 2_000_000
    assert central["npv"] == pytest.approx(469_603, abs=1)
    assert central["bcr"] == pytest.approx(1.2348, abs=1e-4)


def test_identities_hold_in_every_row():
    table = cost_benefit(0.08, population=30_000, duration_years=5, first_benefit_year=2,
                         costs={i: 15e6 for i in range(10)}, price_year=2024)
    assert list(table["scenario"]) == ["low", "central", "high"]
    pd.testing.assert_series_equal(table["npv"], table["benefits_pv"] - table["costs_pv"],
                                   check_names=False)
    pd.testing.assert_series_equal(table["bcr"], table["benefits_pv"] / table["costs_pv"],
                                   check_names=False)
    assert table["bcr"].is_monotonic_increasing


def test_cba_uses_the_headline_estimate():
    did = pd.DataFrame({"outcome": ["life_satisfaction", "swemwbs_metric"],
                        "estimator": ["twfe", "twfe"], "term": ["att", "att"],
                        "estimate": [0.1, 0.4]})
    cba = {"outcome": "life_satisfaction", "estimator": "twfe", "population": 1000,
           "duration_years": 2, "first_benefit_year": 1, "costs": {"0": 2_000_000},
           "price_year": 2019, "discounting": "standard"}
    table = cba_from_did(did, cba)
    assert (table["effect"] == 0.1).all()
    with pytest.raises(DataError, match="cba.outcome"):
        cba_from_did(did, {**cba, "outcome": "happy"})
