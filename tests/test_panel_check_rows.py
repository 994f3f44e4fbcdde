"""The panel step's checks read only the rows they are given: the residents, as a mask.

A followed cohort's members answer in waves of their own; the checks of the area-level
survey (shifted waves, distributions, outcome coverage) must not see them, and the panel
step passes the residents as a mask rather than a copy of their rows.
"""

import numpy as np
import pandas as pd
import pytest

from wellby.errors import DataError
from wellby.prepare.panel import (
    check_shifted_waves,
    distribution_checks,
    outcome_coverage,
    resident_rows,
)
from wellby.prepare.variables import ValidRange

ITEM = ValidRange(1, 5, True, "SWEMWBS item")


def survey(seed: int = 0, per_wave: int = 600) -> pd.DataFrame:
    """Four waves of residents, and a cohort's members (member == 1) in a fifth."""
    rng = np.random.default_rng(seed)
    waves = []
    for wave in (2016, 2017, 2018, 2019):
        waves.append(pd.DataFrame({
            "wave": wave, "member": 0,
            "item": rng.choice([1, 2, 3, 4, 5], per_wave, p=[.1, .2, .4, .2, .1]).astype(float),
            "score": rng.normal(22, 2, per_wave), "outcome": rng.normal(7, 2, per_wave)}))
    # the cohort's members: the only rows of 2020 (the residents' survey has none there),
    # their item coded one step high and their scores far off
    shifted = np.array([.1, .2, .4, .2]) / .9
    members = pd.DataFrame({
        "wave": 2020, "member": 1,
        "item": rng.choice([2, 3, 4, 5], 900, p=shifted).astype(float),
        "score": rng.normal(35, 2, 900), "outcome": rng.normal(7, 2, 900)})
    return pd.concat([*waves, members], ignore_index=True)


def test_shifted_wave_check_counts_only_the_given_rows():
    data = survey()
    kept = resident_rows(data, {"member": "member"})
    check_shifted_waves(data, {"item": ITEM}, wave="wave", sources={}, wave_keys={},
                        rows=kept)
    with pytest.raises(DataError, match="wave 2020"):  # the members alone look shifted
        check_shifted_waves(data, {"item": ITEM}, wave="wave", sources={}, wave_keys={})


def test_distribution_checks_of_a_mask_are_those_of_the_rows_alone():
    data = survey()
    kept = resident_rows(data, {"member": "member"})
    assert distribution_checks(data, ["score", "outcome"], "wave", rows=kept) == []
    flagged = distribution_checks(data, ["score", "outcome"], "wave")
    assert [(c["wave"], c["column"]) for c in flagged] == [(2020, "score")]
    # the same figures as pandas' groupby of the rows alone
    odd = data.assign(score=np.where(data["wave"] == 2018, data["score"] - 5, data["score"]))
    got = distribution_checks(odd, ["score"], "wave", rows=kept)
    alone = odd[kept]
    means = alone.groupby("wave")["score"].mean()
    typical = means.drop(index=2018).median()
    gap = (means[2018] - typical) / alone["score"].std()
    assert [c["wave"] for c in got] == [2018]
    assert got[0]["message"].startswith(
        f"wave 2018: the mean of score is {means[2018]:.2f}, the other waves' median "
        f"{typical:.2f} ({gap:+.1f} SD)")


def test_outcome_coverage_of_a_mask_ignores_waves_without_a_given_row():
    data = survey()
    kept = resident_rows(data, {"member": "member"})
    data.loc[(data["wave"] == 2018) & (data["member"] == 0), "outcome"] = np.nan
    got = outcome_coverage(data, ["outcome"], "wave", rows=kept)
    assert [c["wave"] for c in got] == [2018]  # not 2020, which has members only
    data.loc[data["member"] == 0, "outcome"] = np.nan
    with pytest.raises(DataError, match="missing in every row"):
        outcome_coverage(data, ["outcome"], "wave", rows=kept)
    assert outcome_coverage(data, ["outcome"], "wave")  # the members answered


def test_distribution_gap_is_in_sample_standard_deviations_as_pandas_gives_them():
    # eight answers: the sample SD (ddof=1) and the population SD differ by 7%
    data = pd.DataFrame({"wave": [1, 1, 2, 2, 3, 3, 4, 4],
                         "score": [10.0, 11.0, 10.5, 10.0, 11.0, 10.5, 16.0, 17.0]})
    (check,) = distribution_checks(data, ["score"], "wave")
    gap = (16.5 - 10.5) / data["score"].std()
    assert check["wave"] == 4 and f"({gap:+.1f} SD)" in check["message"]
    assert f"({(16.5 - 10.5) / data['score'].std(ddof=0):+.1f} SD)" not in check["message"]
