"""The love plot: covariate balance of programme and comparison areas before and after.

:func:`love_plot` draws a balance table (:func:`wellby.analysis.comparison.balance_table`)
as dots, one row per covariate: the absolute standardised mean difference before matching
or weighting and after, with the usual 0.1 threshold dashed, so a reader sees at once
whether the comparison areas now resemble the programme areas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from wellby.report.figures import COLOURS, add_note

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["THRESHOLD", "love_plot"]

THRESHOLD = 0.1
"""Absolute standardised mean difference usually taken as balanced."""


def _draw(ax: Axes, y: np.ndarray, values: np.ndarray, colour: str, marker: str,
          filled: bool) -> None:
    ax.plot(values, y, marker, linestyle="none", color=colour, markersize=6,
            mfc=colour if filled else "white")


def love_plot(balance: pd.DataFrame, title: str | None = None) -> Figure:
    """Draw absolute standardised mean differences before and after, per covariate.

    Parameters
    ----------
    balance : pandas.DataFrame
        A balance table with ``covariate``, ``smd_before`` and ``smd_after``.
    title : str, optional
        The figure's title; by default a sentence saying what is compared.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: covariates down the side (first at the top), |SMD| across, open circles
        before and filled circles after, a dashed line at 0.1.
    """
    missing = {"covariate", "smd_before", "smd_after"} - set(balance.columns)
    if missing:
        raise ValueError(f"the balance table lacks columns {sorted(missing)}")
    n = len(balance)
    figure = Figure(figsize=(7.5, max(2.6, 1.2 + 0.32 * n)))
    ax = figure.subplots()
    y = np.arange(n)[::-1]
    before = balance["smd_before"].abs().to_numpy(dtype=float)
    after = balance["smd_after"].abs().to_numpy(dtype=float)
    for i in range(n):
        ax.plot([before[i], after[i]], [y[i], y[i]], color="#BBBBBB", linewidth=0.8,
                zorder=0)
    _draw(ax, y, before, COLOURS["before"], "o", filled=False)
    _draw(ax, y, after, COLOURS["after"], "o", filled=True)
    ax.axvline(THRESHOLD, color=COLOURS["reference"], linestyle="--", linewidth=0.9)
    ax.set_yticks(y, balance["covariate"].astype(str).tolist(), fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    finite = np.concatenate([before, after])
    finite = finite[np.isfinite(finite)]
    ax.set_xlim(0, max(THRESHOLD * 1.5, float(finite.max()) * 1.08 if finite.size else 1))
    ax.set_xlabel("|standardised mean difference| (programme areas' SDs)")
    ax.set_title(title or "Covariate balance of programme and comparison areas", fontsize=10)
    handles = [
        Line2D([], [], marker="o", linestyle="none", color=COLOURS["before"], mfc="white",
               label="before matching or weighting"),
        Line2D([], [], marker="o", linestyle="none", color=COLOURS["after"],
               label="after"),
        Line2D([], [], color=COLOURS["reference"], linestyle="--",
               label=f"{THRESHOLD} (balanced below)"),
    ]
    ax.legend(handles=handles, fontsize=7.5, loc="lower right")
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
    ax.set_axisbelow(True)
    add_note(ax, "Binary covariates are standardised by sqrt(p(1-p)) of the programme areas.")
    return figure
