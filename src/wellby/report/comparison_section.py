"""The report's section on the comparison areas: how they were chosen, and the balance.

Written from ``balance.csv`` (the compare step) and the ``comparison`` column of ``did.csv``:
which method chose or reweighted the comparison areas, how many areas it used, and how
far apart the programme and comparison areas were on each attribute before and after, in
standardised mean differences (0.1 is the usual threshold of balance).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd

from wellby.config.typed import Study
from wellby.report import html as page

BALANCE_THRESHOLD = 0.1
"""The absolute standardised mean difference under which an attribute counts as balanced."""


def _largest(balance: pd.DataFrame, column: str) -> tuple[str, float]:
    values = balance[column].abs()
    if not values.notna().any():
        return "", float("nan")
    index = values.idxmax()
    return str(balance.loc[index, "covariate"]), float(values.loc[index])


def balance_words(balance: pd.DataFrame) -> str:
    """Say how balanced the areas were before and after, from ``balance.csv``.

    Parameters
    ----------
    balance : pandas.DataFrame
        ``covariate``, ``smd_before`` and ``smd_after`` (absolute values are compared).

    Returns
    -------
    str
        One or two sentences (plain text).
    """
    before_name, before = _largest(balance, "smd_before")
    after_name, after = _largest(balance, "smd_after")
    if not after_name:
        return ("The standardised differences after matching or reweighting are undefined "
                "(a single programme area, or programme areas that do not vary, have no "
                "standard deviation): compare the means in the table.")
    unbalanced = int((balance["smd_after"].abs() > BALANCE_THRESHOLD).sum())
    text = (f"Before, the largest standardised difference was {before:.2f} ({before_name}); "
            f"after, {after:.2f} ({after_name}).")
    if unbalanced:
        text += (f" {unbalanced} of {len(balance)} attributes stay above "
                 f"{BALANCE_THRESHOLD} after: the estimates may still carry the difference, "
                 "so read them with that in mind or balance on more attributes.")
    else:
        text += (f" Every attribute is within {BALANCE_THRESHOLD} after, the usual threshold "
                 "of balance.")
    return text


def comparison_section(tables: Mapping[str, pd.DataFrame], figures: Mapping[str, str],
                       study: Study) -> str:
    """Return the comparison section's HTML.

    Parameters
    ----------
    tables : mapping
        The published tables (``balance``, ``did``).
    figures : mapping
        The figures by name (``balance``: the love plot).
    study : Study
        The study (``comparison``).
    """
    settings = study.comparison
    if settings is None or not settings.enabled:
        return ("<p>Every comparison area is used with equal weight "
                "(<code>comparison.method: none</code>). Where programme areas were chosen "
                "for their disadvantage, matching or reweighting the comparison areas on the "
                "area file's attributes (<code>data.areas</code>) and their baseline outcomes "
                "makes parallel trends more plausible.</p>")
    did = tables.get("did")
    used = ""
    if did is not None and "comparison" in did and did["comparison"].notna().any():
        used = str(did["comparison"].dropna().iloc[0])
    balanced_on = [*settings.attributes,
                   *(f"baseline {outcome}" for outcome in settings.baseline_outcomes)]
    parts = [f"<p>The comparison areas were matched or reweighted on "
             f"{html.escape(', '.join(balanced_on))}. Method: "
             f"{html.escape(used or settings.method)}. Every estimator uses these areas and "
             "weights.</p>"]
    balance = tables.get("balance")
    if balance is not None and len(balance):
        parts.append(f"<p>{html.escape(balance_words(balance))}</p>")
        parts.append(page.table_html(
            balance, ["covariate", "mean_treated", "mean_comparison_before",
                      "mean_comparison_after", "smd_before", "smd_after",
                      "variance_ratio_before", "variance_ratio_after"], name="balance"))
        parts.append(page.source_line(["balance", "did"], ["comparison", "data.areas"]))
    if "balance" in figures:
        parts.append(page.image_html(figures["balance"], "Balance before and after (love "
                                     "plot: absolute standardised mean differences)"))
    return "".join(parts)

