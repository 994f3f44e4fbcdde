"""The report's account of who gains in value: benefits by level, gaps, weighted benefits.

Written from ``cba_subgroups.csv`` (WELLBYs and their value by subgroup level, with
intervals carried from each level's estimate), ``gaps.csv`` (whether the programme widened
or narrowed the gap between two levels) and ``distribution.csv`` (the benefits of each
income quintile under the Green Book's distributional weights, and the weighted
benefit-cost ratio).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import pandas as pd

from wellby.report import html as page
from wellby.report.formatting import outcome_label


def gap_sentence(row: Mapping, labels: Mapping[str, str]) -> str:
    """Say in words what one row of ``gaps.csv`` found (plain text)."""
    outcome = outcome_label(str(row["outcome"]), labels)
    baseline = float(row["baseline_gap"])
    estimate = float(row["estimate"])
    before = ("the same" if not math.isfinite(baseline) or baseline == 0 else
              f"{abs(baseline):.2f} {'higher' if baseline > 0 else 'lower'}")
    return (f"{outcome}, {row['subgroup']}: before the programme, '{row['upper']}' was "
            f"{before} than '{row['lower']}'; the effect for '{row['upper']}' minus the "
            f"effect for '{row['lower']}' was {estimate:+.2f} (interval "
            f"{float(row['ci_low']):.2f} to {float(row['ci_high']):.2f}, "
            f"{_p_text(float(row['p_value']))}): {row['verdict']}.")


def _p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def _weighted_words(weighted: pd.DataFrame) -> str:
    total = weighted[weighted["level"] == "total"]
    if total.empty:
        return ""
    row = total.iloc[0]
    return (f"With the Green Book's distributional weights (a pound to the lowest-income "
            f"quintile counts for more), the benefit-cost ratio is "
            f"{float(row['bcr_weighted']):.2f}, against {float(row['bcr']):.2f} unweighted: "
            f"the benefits went {'more' if row['bcr_weighted'] > row['bcr'] else 'less'} to "
            "lower-income residents than a pound-for-pound count shows.")


def distribution_section(tables: Mapping[str, pd.DataFrame],
                         labels: Mapping[str, str]) -> str:
    """Return the HTML of who gains in value (empty when no table has rows).

    Parameters
    ----------
    tables : mapping
        The published tables: ``cba_subgroups``, ``gaps``, ``distribution``.
    labels : mapping
        Outcome labels (:func:`wellby.analysis.describe.outcome_labels`).
    """
    parts = []
    who = tables.get("cba_subgroups")
    if who is not None and len(who):
        valued = who[who["estimate"].notna()]
        parts += ["<h3>Who the benefits reach</h3>",
                  "<p>Each level's WELLBYs and their present value use its own effect, with "
                  "the interval carried from that effect's.</p>",
                  page.table_html(valued, ["subgroup", "level", "share", "estimate", "wellbys",
                                           "wellbys_low", "wellbys_high", "wellby_share",
                                           "benefits_pv", "benefits_pv_low",
                                           "benefits_pv_high"], name="cba_subgroups"),
                  page.source_line(["cba_subgroups", "subgroups"], ["cba", "subgroups"])]
    gaps = tables.get("gaps")
    if gaps is not None and len(gaps):
        sentences = "".join(f"<li>{html.escape(gap_sentence(row, labels))}</li>"
                            for row in gaps.to_dict("records"))
        parts += ["<h3>Did the programme widen or narrow gaps?</h3>",
                  f"<ul>{sentences}</ul>",
                  page.table_html(gaps, name="gaps", labels=labels),
                  page.source_line(["gaps"], ["cba.distribution.gaps"])]
    weighted = tables.get("distribution")
    if weighted is not None and len(weighted):
        parts += ["<h3>Distributional weights (Green Book Annex A3)</h3>",
                  f"<p>{html.escape(_weighted_words(weighted))}</p>",
                  page.table_html(weighted, name="distribution"),
                  page.source_line(["distribution", "cba_subgroups"],
                               ["cba.distribution.quintiles", "cba.distribution.incomes",
                                "cba.distribution.elasticity"])]
    return "".join(parts)
