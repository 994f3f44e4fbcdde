"""The verdict's sentences on the distribution of gains, written from the tables.

- the followed member cohort: whether its change differed by subgroup (the mixed model's
  joint test of the level-by-wave interactions) and which levels' own change is clearly
  above zero (``subgroups.csv``, estimators ``mixed_cohort_interaction`` and
  ``mixed_cohort``);
- gaps: whether the programme widened or narrowed a configured gap (``gaps.csv``);
- the Green Book distributionally weighted benefit-cost ratio (``distribution.csv``).

Each number is tagged with its table, row key and column, as in
:mod:`wellby.report.verdict`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from wellby.report.verdict import (
    SUBGROUP_KEY,
    Number,
    Statement,
    fmt_estimate,
    fmt_p,
    gained_levels,
    number,
    outcome_name,
    safe_text,
)

GAP_KEY = ("outcome", "subgroup", "lower", "upper")
DISTRIBUTION_KEY = ("level",)
MEMBERS_POOLED = "mixed_cohort_interaction"
MEMBERS_STRATIFIED = "mixed_cohort"


def member_statements(subgroups: pd.DataFrame | None, outcomes: Sequence[str],
                      labels: Mapping[str, str], alpha: float) -> list[Statement]:
    """Say, per outcome and subgroup, whether the member cohort's change differed, and for whom.

    Parameters
    ----------
    subgroups : pandas.DataFrame or None
        ``subgroups.csv``.
    outcomes : sequence of str
        The outcomes, in the report's order.
    labels : mapping
        Outcome labels.
    alpha : float
        ``models.alpha``.
    """
    from wellby.analysis.subgroups import HETEROGENEITY
    from wellby.report.subgroup_figures import CROSS, subgroup_label

    if subgroups is None or not len(subgroups) or "estimator" not in subgroups:
        return []
    members = subgroups[subgroups["estimator"].isin([MEMBERS_POOLED, MEMBERS_STRATIFIED])
                        & ~subgroups["subgroup"].astype(str).str.contains(CROSS)]
    out = []
    for outcome in outcomes:
        quiet: list[tuple[str, Number]] = []
        for subgroup, rows in members[members["outcome"] == outcome].groupby("subgroup",
                                                                             sort=False):
            test = rows[(rows["level"] == HETEROGENEITY) & (rows["term"] == HETEROGENEITY)
                        & (rows["estimator"] == MEMBERS_POOLED) & rows["p_value"].notna()]
            if not len(test):
                continue
            test_row = test.iloc[0]
            tested = number(test_row, "subgroups", "p_value", SUBGROUP_KEY,
                            fmt_p(test_row["p_value"]))
            group = safe_text(subgroup_label(str(subgroup)).lower())
            if test_row["p_value"] >= alpha:
                quiet.append((group, tested))
                continue
            numbers = [tested]
            levels = rows[(rows["estimator"] == MEMBERS_STRATIFIED)
                          & (rows["level"] != HETEROGENEITY) & rows["estimate"].notna()]
            parts = gained_levels(levels, str(subgroup), alpha, numbers, when=_by_wave)
            tail = ("; rose for: " + ", ".join(parts) if parts
                    else "; no level's own change is clearly above zero")
            out.append(Statement("who", f"Followed cohort, {outcome_name(labels, outcome)}: "
                                 f"the change differed by {group} (joint test {{0}}){tail}.",
                                 tuple(numbers)))
        if quiet:
            groups = ", ".join(f"{group} ({{{i}}})" for i, (group, _) in enumerate(quiet))
            out.append(Statement("who", f"Followed cohort, {outcome_name(labels, outcome)}: "
                                 f"no evidence that the change differed by {groups}.",
                                 tuple(n for _, n in quiet)))
    return out


def _by_wave(row: pd.Series) -> str:
    """``by 2018`` for a change term ``change_2018_vs_2016``."""
    return "by " + str(row["term"]).removeprefix("change_").split("_vs_")[0]


def gap_statements(gaps: pd.DataFrame | None, labels: Mapping[str, str]) -> list[Statement]:
    """Say which configured gaps the programme widened or narrowed (``gaps.csv``).

    Gaps with no evidence of a change are left to the table, so the verdict stays short.
    """
    from wellby.analysis.gaps import NO_EVIDENCE

    if gaps is None or not len(gaps):
        return []
    out = []
    for _, row in gaps.iterrows():
        if pd.isna(row["estimate"]) or row["verdict"] == NO_EVIDENCE:
            continue
        numbers = (number(row, "gaps", "estimate", GAP_KEY, fmt_estimate(row["estimate"])),
                   number(row, "gaps", "p_value", GAP_KEY, fmt_p(row["p_value"])))
        text = (f"{outcome_name(labels, row['outcome'])}: the effect for "
                f"'{safe_text(row['upper'])}' minus that for '{safe_text(row['lower'])}' "
                f"({safe_text(row['subgroup'])}) was {{0}} ({{1}}): {safe_text(row['verdict'])}.")
        out.append(Statement("who", text, numbers))
    return out


def weighted_statement(distribution: pd.DataFrame | None) -> list[Statement]:
    """Say what the benefit-cost ratio is with Green Book distributional weights."""
    if distribution is None or not len(distribution):
        return []
    total = distribution[distribution["level"] == "total"]
    if not len(total) or pd.isna(total.iloc[0]["bcr_weighted"]):
        return []
    row = total.iloc[0]
    numbers = (number(row, "distribution", "bcr_weighted", DISTRIBUTION_KEY,
                      f"{row['bcr_weighted']:.2f}"),
               number(row, "distribution", "bcr", DISTRIBUTION_KEY, f"{row['bcr']:.2f}"))
    return [Statement("value", "With the Green Book's distributional weights by income "
                      "quintile, the benefit-cost ratio is {0} (unweighted {1}).", numbers)]
