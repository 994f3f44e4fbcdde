"""Descriptive tables: outcome means by wave for programme and comparison areas."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from wellby.prepare.panel import EVER_TREATED
from wellby.report.disclosure import (
    PRIMARY,
    SECONDARY,
    SECONDARY_REASON,
    SUPPRESSED,
    count_persons,
    primary_reason,
    protect,
)

GROUP_LABELS = {1: "programme", 0: "comparison"}


def outcome_means(data: pd.DataFrame, outcomes: Sequence[str], *, wave: str,
                  min_cell: int, person: str | None = None) -> pd.DataFrame:
    """Mean, SD and count of persons of each outcome by wave and group, small cells hidden.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file (with ``ever_treated``).
    outcomes : sequence of str
        Outcome columns.
    wave : str
        Wave column.
    min_cell : int
        Smallest count of persons published (``report.min_cell``).
    person : str, optional
        The respondent column: ``n`` counts its distinct values (a person answers once
        per wave; duplicate ids are excluded in cleaning, and counting ids makes sure).
        Without it every row is a person, as in a repeated cross-section.

    Returns
    -------
    pandas.DataFrame
        Columns outcome, wave, group, n, mean, sd, suppressed (``"primary"``,
        ``"secondary"`` or empty) and note.

    Notes
    -----
    A cell with 1 to ``min_cell - 1`` persons is suppressed with its mean and SD
    (primary). The table has no total row, but its totals are published elsewhere: a
    wave's programme plus comparison respondents is the wave's ``rows_out`` in the
    cleaning summary when every kept row has the outcome and there is no followed cohort,
    and the sum of all cells is the ``n_obs`` of ``callaway_santanna`` in ``did.csv``. So a
    primary cell would come back by subtraction, and the other group of its wave (or
    another cell, as :func:`wellby.report.disclosure.protect` finds) has its count suppressed too
    (secondary; its mean and SD stay, as they reveal no count). Means and SDs are over the
    rows with the outcome.
    """
    keep = [wave, EVER_TREATED, *([person] if person else [])]
    long = data.melt(id_vars=keep, value_vars=list(outcomes), var_name="outcome",
                     value_name="value").dropna(subset=["value"])
    keys = ["outcome", wave, EVER_TREATED]
    table = (long.groupby(keys, sort=False)["value"]
             .agg(mean="mean", sd="std").reset_index())
    persons = count_persons(long[keys], long[person] if person else None).rename("n")
    table = table.merge(persons.reset_index(), on=keys, how="left")
    table["group"] = table[EVER_TREATED].map(GROUP_LABELS)
    table = table.rename(columns={wave: "wave"})[["outcome", "wave", "group", "n", "mean", "sd"]]
    order = {name: i for i, name in enumerate(outcomes)}
    table = table.sort_values(["outcome", "wave", "group"],
                              key=lambda s: s.map(order) if s.name == "outcome" else s)
    return suppress_cells(table.reset_index(drop=True), min_cell)


def suppress_cells(table: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Apply primary and secondary suppression to a table of :func:`outcome_means`.

    Parameters
    ----------
    table : pandas.DataFrame
        outcome, wave, group, n, mean, sd.
    min_cell : int
        Smallest count of persons published.

    Returns
    -------
    pandas.DataFrame
        A copy with ``suppressed`` and ``note``; a primary cell loses n, mean and sd, a
        secondary one its n (see :func:`outcome_means`).
    """
    out = table.copy()
    out["n"] = out["n"].astype(float)
    values, relations = {}, []
    for outcome, part in out.groupby("outcome", sort=False):
        cells = [(outcome, w, g) for w, g in zip(part["wave"], part["group"], strict=True)]
        values.update(zip(cells, part["n"], strict=True))
        relations.append({("total", outcome): 1.0, **{cell: -1.0 for cell in cells}})
        for w in part["wave"].unique():
            relations.append({("wave total", outcome, w): 1.0,
                              **{cell: -1.0 for cell in cells if cell[1] == w}})
    status = protect(values, relations, min_cell)
    keys = zip(out["outcome"], out["wave"], out["group"], strict=True)
    state = pd.Series([status.get(key, "") for key in keys], index=out.index, dtype=object)
    primary, secondary = state == PRIMARY, state == SECONDARY
    out.loc[primary | secondary, "n"] = np.nan
    out.loc[primary, ["mean", "sd"]] = np.nan
    out[SUPPRESSED] = state
    out["note"] = ""
    out.loc[primary, "note"] = primary_reason(min_cell)
    out.loc[secondary, "note"] = SECONDARY_REASON
    return out


def outcome_label(outcome: str, labels: Mapping[str, str]) -> str:
    """Return a human label with units for an outcome (its name when none is known)."""
    return labels.get(outcome, outcome)


def trends_plot(table: pd.DataFrame, outcome: str, label: str, *, alpha: float):
    """Draw mean outcome by wave for programme and comparison areas, with their intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`outcome_means` (suppressed means are left out; a mean whose count
        is suppressed has no interval).
    outcome : str
        The outcome.
    label : str
        Its label with units, for the axis.
    alpha : float
        The intervals have level ``1 - alpha`` (normal; ``models.alpha``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    rows = table[(table["outcome"] == outcome) & table["mean"].notna()]
    figure = Figure(figsize=(7.5, 4.2))
    ax = figure.subplots()
    for group, colour in (("programme", "tab:blue"), ("comparison", "tab:grey")):
        part = rows[rows["group"] == group].sort_values("wave")
        half = z * part["sd"] / np.sqrt(part["n"])
        ax.errorbar(part["wave"], part["mean"], yerr=half, marker="o", capsize=3,
                    color=colour, label=f"{group} areas")
    ax.set_xticks(sorted(rows["wave"].unique()))
    ax.set_xlabel("Survey wave")
    ax.set_ylabel(textwrap.fill(f"Mean {label} ({100 * (1 - alpha):g}% CI)", 38))
    ax.set_title(f"{label.split(' (')[0]}: programme and comparison areas")
    ax.legend(loc="best", fontsize=8)
    return figure
