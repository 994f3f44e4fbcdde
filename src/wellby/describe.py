"""Descriptive tables: outcome means by wave for programme and comparison areas."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from wellby.disclosure import suppress_small_counts
from wellby.panel import EVER_TREATED

GROUP_LABELS = {1: "programme", 0: "comparison"}


def outcome_means(data: pd.DataFrame, outcomes: Sequence[str], *, wave: str,
                  min_cell: int) -> pd.DataFrame:
    """Mean, SD and count of each outcome by wave and group (programme / comparison).

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file (with ``ever_treated``).
    outcomes : sequence of str
        Outcome columns.
    wave : str
        Wave column.
    min_cell : int
        Smallest count published; statistics of smaller cells are suppressed.

    Returns
    -------
    pandas.DataFrame
        Columns outcome, wave, group, n, mean, sd, suppressed.
    """
    long = data.melt(id_vars=[wave, EVER_TREATED], value_vars=list(outcomes),
                     var_name="outcome", value_name="value").dropna(subset=["value"])
    table = (long.groupby(["outcome", wave, EVER_TREATED], sort=False)["value"]
             .agg(n="count", mean="mean", sd="std").reset_index())
    table["group"] = table[EVER_TREATED].map(GROUP_LABELS)
    table = table.rename(columns={wave: "wave"})[["outcome", "wave", "group", "n", "mean", "sd"]]
    order = {name: i for i, name in enumerate(outcomes)}
    table = table.sort_values(["outcome", "wave", "group"],
                              key=lambda s: s.map(order) if s.name == "outcome" else s)
    return suppress_small_counts(table.reset_index(drop=True), count="n",
                                 dependent=["mean", "sd"], min_cell=min_cell)


def outcome_label(outcome: str, labels: Mapping[str, str]) -> str:
    """Return a human label with units for an outcome (its name when none is known)."""
    return labels.get(outcome, outcome)


def trends_plot(table: pd.DataFrame, outcome: str, label: str):
    """Draw mean outcome by wave for programme and comparison areas, with 95% CIs.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`outcome_means` (suppressed cells are left out).
    outcome : str
        The outcome.
    label : str
        Its label with units, for the axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    rows = table[(table["outcome"] == outcome) & table["mean"].notna()]
    figure = Figure(figsize=(7.5, 4.2))
    ax = figure.subplots()
    for group, colour in (("programme", "tab:blue"), ("comparison", "tab:grey")):
        part = rows[rows["group"] == group].sort_values("wave")
        half = 1.96 * part["sd"] / np.sqrt(part["n"])
        ax.errorbar(part["wave"], part["mean"], yerr=half, marker="o", capsize=3,
                    color=colour, label=f"{group} areas")
    ax.set_xticks(sorted(rows["wave"].unique()))
    ax.set_xlabel("Survey wave")
    ax.set_ylabel(textwrap.fill(f"Mean {label}", 38))
    ax.set_title(f"{label.split(' (')[0]}: programme and comparison areas")
    ax.legend(loc="best", fontsize=8)
    return figure
