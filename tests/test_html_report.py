import base64

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from wellby.disclosure import mark_small_counts, publishable
from wellby.html_report import image_html, methods_text, render_report

CONFIG = {
    "design": "panel", "outcomes": ["life_satisfaction"],
    "columns": {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"},
    "models": {"estimators": ["twfe", "event_study", "callaway_santanna"],
               "control_group": "never_treated", "alpha": 0.05,
               "subgroups": {"adjust": "holm"}},
    "data": {"waves": [{"wave": 2016}]},
}


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
                               "rule": ["no_outcome"] * 3, "detail": ["x"] * 3})
    return {"did": did, "cleaning_summary": summary, "exclusions": exclusions}


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
    for section in ["study", "cleaning", "methods", "results", "event-study", "who-gained",
                    "value", "provenance"]:
        assert f"<section id='{section}'>" in page
    assert "results/tables/did.csv" in page and "models.estimators" in page
    # The 3 excluded rows are below the cell size: marked, not shown.
    assert "<td>&lt;10</td>" in page
    assert "<td>3</td>" not in page
    assert "0.096" in page and "benefit-cost" not in page


def test_methods_describe_the_estimators_and_conventions():
    text = methods_text(CONFIG, tables()["did"])
    assert "Callaway and Sant'Anna" in text and "never-treated" in text
    assert "CRV1 clustered by area" in text and "pretrend_wald" in text


def test_mark_small_counts():
    table = pd.DataFrame({"n": [0, 3, 9, 10, np.nan], "mean": [1, 2, 3, 4, 5],
                          "suppressed": [False, False, False, False, True]})
    marked = mark_small_counts(table, ["n"], 10)
    assert marked["n"].tolist()[:4] == [0, "<10", "<10", 10]
    assert marked["n"].iloc[4] == "<10"
    assert publishable(pd.DataFrame({"n_obs": [5], "estimate": [0.3]}), 10)["n_obs"][0] == "<10"


def test_image_html_embeds_the_file(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"\x89PNG fake")
    assert base64.b64encode(b"\x89PNG fake").decode() in image_html(path, "caption")
