import base64
import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from wellby.config import Study, validate_config
from wellby.report.disclosure import mark_small_counts, publishable
from wellby.report.html import image_html, render_report
from wellby.report.methods import methods_text

from .conftest import minimal_config

CONFIG = validate_config(minimal_config(
    columns={"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"},
    models={"estimators": ["twfe", "event_study", "callaway_santanna"]}))
"""A validated study: never-treated controls, alpha 0.05 and Holm by the schema's defaults."""


def tables():
    did = pd.DataFrame({
        "outcome": ["life_satisfaction"] * 2, "estimator": ["twfe", "callaway_santanna"],
        "term": ["att", "att_simple"], "estimate": [0.0958, 0.0947],
        "std_error": [0.0298, 0.0375], "ci_low": [0.037, 0.021], "ci_high": [0.154, 0.168],
        "p_value": [0.0014, 0.0117], "n_obs": [53139, 58741], "n_clusters": [300, 300],
        "vcov": ["CRV1 clustered by area", "influence-function SEs"],
        "wild_p_value": [np.nan, np.nan]})
    summary = pd.DataFrame({"wave": [2016, 2017], "rows_in": [100, 90],
                            "rows_excluded": [3, 0], "rows_out": [97, 90]})
    exclusions = pd.DataFrame({"wave": [2016] * 3, "row": [4, 9, 12],
                               "rule": ["no_outcome"] * 3, "detail": ["row detail"] * 3})
    linkage = pd.DataFrame({"person": [900001, 900002], "rule": ["changed_across_waves"] * 2,
                            "column": ["gender"] * 2, "detail": ["2016: male; 2017: female"] * 2,
                            "waves": ["2016 2017"] * 2, "source_rows": ["2016:4 2017:5"] * 2})
    return {"did": did, "cleaning_summary": summary, "exclusions": exclusions,
            "linkage": linkage}


def test_report_is_self_contained_traceable_and_suppresses_small_counts(tmp_path):
    figure = Figure(figsize=(3, 2))
    figure.subplots().plot([0, 1], [0, 1])
    path = tmp_path / "event_study_life_satisfaction.png"
    figure.savefig(path)
    page = render_report(tables(), {"event_study_life_satisfaction": str(path)}, CONFIG,
                         {"inputs": [], "packages": {}}, min_cell=10)
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()[:40] in page
    # Every section and the traceability notes.
    for section in ["verdict", "study", "cleaning", "methods", "assumptions", "results",
                    "event-study", "who-gained", "value", "provenance"]:
        assert f"<section id='{section}'>" in page
    assert "results/tables/did.csv" in page and "models.estimators" in page
    # The 3 excluded rows are below the cell size: marked, not shown, and rows_in is
    # suppressed too, or 100 - 97 would give the 3 back.
    assert "<td>&lt;10</td>" in page
    assert "<td>3</td>" not in page and "<td>100</td>" not in page
    assert "<td>2016</td><td>suppressed</td><td>&lt;10</td><td>97</td>" in page
    assert "<td>2017</td><td>90</td><td>0</td><td>90</td>" in page
    # The audit tables appear as counts, never row by row: no source rows, no ids.
    assert "row detail" not in page and "900001" not in page and "2016:4" not in page
    assert "do not link across waves (kept, flagged for review): fewer than 10" in page
    assert "0.096" in page and "Is it value for money?" not in page  # no cba section


def test_methods_describe_the_estimators_and_conventions():
    text = methods_text(CONFIG, tables()["did"])
    assert "Callaway and Sant'Anna" in text and "never-treated" in text
    assert "CRV1 clustered by area" in text and "pretrend_wald" in text


def test_mark_small_counts():
    table = pd.DataFrame({"n": [0, 3, 9, 10, np.nan, np.nan],
                          "n_obs": [0, 3, 9, 10, np.nan, 40], "mean": [1, 2, 3, 4, 5, 6],
                          "suppressed": ["", "", "", "", "primary", "secondary"]})
    marked = mark_small_counts(table, ["n", "n_obs"], 10, persons=["n"])
    assert marked["n"].tolist() == [0, "<10", "<10", 10, "<10", "suppressed"]
    # a suppressed cell's person-waves are not "<10" (there may be more): just suppressed
    assert marked["n_obs"].tolist() == [0, "<10", "<10", 10, "suppressed", 40]
    assert publishable(pd.DataFrame({"n_obs": [5], "estimate": [0.3]}), 10)["n_obs"][0] == "<10"
    # legacy boolean flags read as primary
    legacy = pd.DataFrame({"n": [np.nan], "suppressed": [True]})
    assert mark_small_counts(legacy, ["n"], 10, persons=["n"])["n"][0] == "<10"


def test_report_shows_subgroup_suppression(tmp_path):
    subgroups = pd.DataFrame({
        "outcome": ["life_satisfaction"] * 3, "subgroup": ["gender"] * 3,
        "level": ["male", "female", "other"], "estimate": [0.2, 0.1, np.nan],
        "ci_low": [0.1, 0.0, np.nan], "ci_high": [0.3, 0.2, np.nan],
        "p_adjusted": [0.01, 0.2, np.nan], "std_effect": [0.1, 0.05, np.nan],
        "n_persons": [500, np.nan, np.nan], "n_obs": [2000, np.nan, np.nan],
        "estimator": ["twfe"] * 3, "term": ["att"] * 3,
        "suppressed": [np.nan, "secondary", "primary"],
        "note": [np.nan, "counts suppressed (secondary suppression)",
                 "suppressed: fewer than 10 persons (report.min_cell); not estimated"]})
    page = render_report({**tables(), "subgroups": subgroups}, {}, CONFIG,
                         {"inputs": [], "packages": {}}, min_cell=10)
    shown = pd.read_html(io.StringIO(page), match="std_effect")[0].set_index("level")
    assert shown.loc["male", "n_persons"] == "500"
    assert shown.loc["female", "n_persons"] == "suppressed"
    assert shown.loc["other", "n_persons"] == "<10"
    assert shown.loc["other", "n_obs"] == "suppressed"


def test_image_html_embeds_the_file(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"\x89PNG fake")
    assert base64.b64encode(b"\x89PNG fake").decode() in image_html(path, "caption")


def test_data_checks_come_first_with_a_banner_when_something_needs_attention():
    checks = pd.DataFrame({
        "check": ["unmapped_codes", "linkage_rate"], "wave": [2016, 2017],
        "column": ["gender", "pid"], "severity": ["warning", "info"], "count": [40, 900],
        "message": ["answered rows of gender map to no level", "wave 2017: 92% link"]})
    page = render_report({**tables(), "data_checks": checks}, {}, CONFIG,
                         {"inputs": [], "packages": {}}, min_cell=10)
    assert page.index("<section id='data-checks'>") < page.index("<section id='study'>")
    assert "1 data check(s) need attention" in page
    assert page.index("need attention") < page.index("<nav>")
    assert "answered rows of gender map to no level" in page
    quiet = render_report({**tables(), "data_checks": checks.iloc[[1]]}, {}, CONFIG,
                          {"inputs": [], "packages": {}}, min_cell=10)
    assert "need attention</b>: see" not in quiet and "No finding needs attention" in quiet


def verdict_of(page: str) -> str:
    return page[page.index("<section id='verdict'>"):page.index("<section id='data-checks'>")]


def test_the_verdict_uses_the_headline_inference_and_shows_its_warnings():
    did = tables()["did"].assign(
        inference=["wild_bootstrap", "none_reliable"],
        headline_ci_low=[-1.465, np.nan], headline_ci_high=[3.011, np.nan],
        headline_p_value=[0.344, np.nan],
        note=["headline inference: wild cluster bootstrap, as there are 6 clusters; WARNING: "
              "one treated cluster: no standard error is reliable; read it as descriptive",
              "WARNING: cohort(s) [2018] have a single treated cluster"])
    page = render_report({**tables(), "did": did}, {}, CONFIG,
                         {"inputs": [], "packages": {}}, min_cell=10)
    key = verdict_of(page)
    assert ">-1.47</span> to <span" in key and ">3.01</span>, wild cluster bootstrap" in key
    assert ">0.04</span>" not in key  # the analytic interval is not the headline here
    assert "Life satisfaction (twfe): one treated cluster: no standard error is reliable" in key
    assert "cohort(s) [2018] have a single treated cluster" in key
    # Callaway-Sant'Anna has no reliable interval: with staggered starts it leads, and says so.
    group_time = pd.DataFrame({"term": "att_g", "group": [2018, 2019]})
    page = render_report({**tables(), "did": did, "group_time": group_time}, {}, CONFIG,
                         {"inputs": [], "packages": {}}, min_cell=10)
    assert "but there is no reliable interval" in verdict_of(page)


def test_the_report_reads_the_studys_settings_typed_or_validated():
    config = validate_config(minimal_config(
        columns={"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"},
        models={"estimators": ["twfe", "callaway_santanna"], "alpha": 0.1,
                "subgroups": {"adjust": "fdr_bh"}},
        cba={"population": 1000, "duration_years": 2, "costs": {"0": 1_000_000},
             "price_year": 2024, "discounting": "standard"}))
    cba = pd.DataFrame({"scenario": ["low", "central", "high"], "benefits_pv": [1e6, 2e6, 3e6],
                        "costs_pv": [1e6] * 3, "npv": [0.0, 1e6, 2e6], "bcr": [1.0, 2.0, 3.0],
                        "wellby_value": [10_000.0, 13_000.0, 16_000.0],
                        "estimator": "twfe"})
    page = render_report({**tables(), "cba": cba}, {}, config, {"inputs": [], "packages": {}},
                         min_cell=10)
    key = verdict_of(page)
    assert key.count("90% CI") == 1 and "95% CI" not in key  # models.alpha
    assert "(fdr_bh). Alpha = 0.1." in page
    assert "rebased to 2024 prices" in page
    assert "Green Book standard schedule (costs: standard)" in page  # the schema's default
    assert "benefits are <span" in key and ">2.00</span> times costs" in key
    typed = render_report({**tables(), "cba": cba}, {}, Study.from_validated(config),
                          {"inputs": [], "packages": {}}, min_cell=10)
    assert typed == page
