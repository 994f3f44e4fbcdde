"""The report's methods in words: estimators, comparison areas, derived outcomes, inference.

Written from the study config and the ``vcov`` column of ``did.csv``, so the words say what
was run, not what could have been.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from wellby.config.typed import Study


def methods_text(config: Study | Mapping[str, Any], did: pd.DataFrame | None) -> str:
    """Describe the estimators, controls, standard errors and tests in words.

    ``config`` is the typed study or the config :func:`wellby.config.validate_config`
    returns (every default filled in).
    """
    study = Study.coerce(config)
    models = study.models
    unit = "respondent" if study.design == "panel" else "area"
    parts = [f"<p>Outcomes are compared between programme and comparison areas before and "
             f"after each programme area's start. Fixed effects are for the {unit} and the "
             "wave.</p><ul>"]
    estimators = models.estimators
    if "twfe" in estimators:
        parts.append("<li><b>Two-way fixed effects</b> (<code>twfe</code>, term "
                     "<code>att</code>): the average effect across all treated waves.</li>")
    if "event_study" in estimators:
        parts.append("<li><b>Event study</b>: effects by wave relative to the start, "
                     "reference period -1 (the wave before), end points binned; the joint "
                     "test that all pre-start effects are zero is <code>pretrend_wald</code> "
                     "(F test; a small p-value warns that trends were not parallel).</li>")
    if "callaway_santanna" in estimators:
        control = models.control_group.replace("_", "-")
        parts.append(f"<li><b>Callaway and Sant'Anna (2021)</b>: each start cohort compared "
                     f"with {control} areas, wave by wave (doubly robust), then averaged "
                     "(<code>att_simple</code>, <code>att_group</code>, "
                     "<code>att_dynamic</code>, <code>att_calendar</code>); robust to "
                     "effects that change over time, unlike two-way fixed effects under "
                     "staggered starts.</li>")
    if "mixed_cohort" in estimators:
        parts.append("<li><b>Followed cohort</b> (<code>mixed_cohort</code>): the change in "
                     "the flagged cohort's wellbeing from its first wave, from a "
                     "random-intercept mixed model; there is no comparison group for this "
                     "cohort, so it is a change, not an effect.</li>")
    parts.append("</ul>")
    if did is not None and "vcov" in did:
        conventions = sorted(set(did["vcov"].dropna()))
        parts.append("<p>Standard errors and tests, as reported in the <code>vcov</code> "
                     "column:</p><ul>" + "".join(f"<li>{html.escape(c)}</li>"
                                                 for c in conventions) + "</ul>")
        if did.get("wild_p_value") is not None and did["wild_p_value"].notna().any():
            parts.append("<p>With few clusters, wild cluster bootstrap p-values and intervals "
                         "are reported beside the analytic ones (<code>wild_*</code> "
                         "columns).</p>")
    parts += _beyond_methods(study)
    parts.append(f"<p>Subgroup p-values are adjusted for the number of subgroup tests "
                 f"({html.escape(models.subgroups.adjust)}). Alpha = "
                 f"{models.alpha}.</p>")
    parts.append("<p class='source'>Config: <code>models</code>, <code>columns</code>, "
                 "<code>design</code>.</p>")
    return "".join(parts)


def _beyond_methods(study: Study) -> list[str]:
    """Say how comparison areas were weighted and what the derived outcomes count."""
    from wellby.analysis.area_weights import METHOD_NAMES
    from wellby.prepare.derived import resolve_derived

    parts = []
    if study.comparison is not None and study.comparison.enabled:
        parts.append(f"<p>Comparison areas: {html.escape(METHOD_NAMES[study.comparison.method])}"
                     " on the area file's attributes and baseline outcome means; each area's "
                     "weight multiplies its residents' weights in every estimator (see "
                     "<a href='#comparison'>the comparison areas</a>).</p>")
    derived = resolve_derived(study.derived or {})
    if derived:
        items = "".join(f"<li><code>{html.escape(d.name)}</code>: the share of residents with "
                        f"{html.escape(d.describe())}"
                        + (f" ({html.escape(d.citation)})" if d.citation else "") + "</li>"
                        for d in derived)
        parts.append("<p>Derived outcomes are coded 100 when their rule holds and 0 when not, "
                     "so each estimator's effect on them is a change in the share of "
                     f"residents, in percentage points (linear probability models):</p><ul>"
                     f"{items}</ul>")
    return parts
