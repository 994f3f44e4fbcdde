"""Coverage of the headline inference when treated clusters are few (slow: simulation).

The issue's target: 95% intervals of the headline inference cover the truth between 93%
and 97% of the time for TWFE (homogeneous effects) and Callaway-Sant'Anna with 4, 8 and 30
treated clusters; the event study's first post-start coefficient is held to the same.
Studies are drawn by :func:`tests.design_data.make_study` (repeated
cross-sections of respondents in areas, or a panel of respondents followed in their areas;
staggered starts, a known homogeneous effect) and run through
:func:`wellby.analysis.effects.estimate_outcome` with the default config, so the headline is
whatever
did.csv and event_study.csv name in ``inference``: the wild cluster bootstrap for TWFE and
the event study's coefficients, and few-cluster t intervals for Callaway-Sant'Anna, below
50 clusters or 10 treated clusters; the analytic intervals otherwise.

Run with ``pytest -m slow tests/test_few_clusters.py -s`` to see the figures.
"""

import warnings

import numpy as np
import pytest

from wellby.analysis.effects import estimate_outcome
from wellby.config import validate_config

from .conftest import SCHEMA
from .design_data import FIRST_WAVE, OUTCOME, make_study

REPS = 1000
DESIGNS = {4: 40, 8: 40, 30: 60}  # treated clusters: all clusters


def models(design: str = "repeated_cross_section") -> dict:
    columns = {"wave": "wave", "area": "area_id", "cohort": "cohort"}
    if design == "panel":
        columns["id"] = "person_id"
    config = {"data": {"waves": [{"wave": FIRST_WAVE, "path": "x.csv"}]},
              "columns": columns, "design": design, "outcomes": [OUTCOME],
              "models": {"estimators": ["twfe", "event_study", "callaway_santanna"],
                         "bootstrap": {"reps": 399}}}
    return validate_config(config, SCHEMA)["models"]


def coverage(n_treated: int, n_clusters: int,
             design: str = "repeated_cross_section") -> dict[str, float]:
    settings = models(design)
    hits = {"twfe": 0, "event_study": 0, "callaway_santanna": 0}
    inference = set()
    for seed in range(REPS):
        data, columns, truth = make_study(
            design=design, n_clusters=n_clusters, n_waves=5,
            cohorts=(FIRST_WAVE + 2, FIRST_WAVE + 3), seed=seed, n_treated=n_treated)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            settings["bootstrap"]["seed"] = seed
            result = estimate_outcome(data, OUTCOME, columns=columns, design=design,
                                      models=settings)
        did, events = result.did, result.event_study
        rows = did[did["term"].isin(["att", "att_simple"])].set_index("estimator")
        first = events[(events["estimator"] == "event_study") & (events["rel_time"] == 0)]
        rows.loc["event_study", ["inference", "headline_ci_low", "headline_ci_high"]] = (
            first[["inference", "headline_ci_low", "headline_ci_high"]].iloc[0].to_numpy())
        for estimator in hits:
            row = rows.loc[estimator]
            inference.add((estimator, row["inference"]))
            hits[estimator] += row["headline_ci_low"] <= truth <= row["headline_ci_high"]
    print(f"\n{design}, {n_treated} treated of {n_clusters} clusters, {REPS} studies: "
          + ", ".join(f"{e} {h / REPS:.3f}" for e, h in hits.items())
          + f"; inference {sorted(inference)}")
    return {e: h / REPS for e, h in hits.items()}


@pytest.mark.slow
@pytest.mark.parametrize("design", ["repeated_cross_section", "panel"])
@pytest.mark.parametrize("n_treated", sorted(DESIGNS))
def test_headline_intervals_cover_with_few_treated_clusters(n_treated, design):
    result = coverage(n_treated, DESIGNS[n_treated], design)
    for estimator, share in result.items():
        assert 0.93 <= share <= 0.97, (estimator, share)


def test_few_cluster_degrees_of_freedom_by_hand():
    from wellby.analysis.effects import few_cluster_df

    data, columns, _ = make_study(design="repeated_cross_section", n_clusters=40,
                                  n_treated=4, seed=1)
    # 4 treated areas, 36 comparison areas: t with min(4, 36) - 1 = 3 degrees of freedom.
    assert few_cluster_df(data, columns["area"]) == 3
    settings = models()
    did = estimate_outcome(data, OUTCOME, columns=columns, design="repeated_cross_section",
                           models=settings).did.set_index("term")
    simple = did.loc["att_simple"]
    from scipy import stats
    half = stats.t.ppf(0.975, 3) * simple["std_error"]
    assert simple["inference"] == "t_few_clusters"
    assert simple["headline_ci_low"] == pytest.approx(simple["estimate"] - half, rel=1e-12)
    assert simple["headline_p_value"] == pytest.approx(
        2 * stats.t.sf(abs(simple["estimate"] / simple["std_error"]), 3), rel=1e-12)
    assert np.isclose(simple["ci_high"] - simple["estimate"],
                      stats.norm.ppf(0.975) * simple["std_error"])  # R did's own interval
    assert did.loc["att", "inference"] == "wild_bootstrap"
