"""Event-study figures: effects by time relative to the start, with their intervals.

:func:`event_plot` draws the figure of
:meth:`wellby.estimators.event_study_results.EventStudyResult.plot` and
:meth:`wellby.estimators.callaway_santanna.CallawaySantAnnaResult.plot` on a Matplotlib
Agg canvas (no pyplot state); Matplotlib is imported only when a figure is drawn. Its
colours are those of :data:`wellby.report.figures.COLOURS` (colour-blind safe).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from wellby.report.figures import COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["event_plot"]


def event_plot(ax: Axes | None, *, x: np.ndarray, est: np.ndarray, low: np.ndarray,
               high: np.ndarray, outcome: str, alpha: float, title: str,
               ticklabels: Sequence[str], reference: float | None = None) -> Axes:
    """Draw point estimates with interval bars, a zero line and the start line.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Axes to draw on; ``None`` makes a new figure (Agg canvas).
    x : ndarray
        Relative times.
    est, low, high : ndarray
        Estimates and interval bounds at ``x`` (a missing bound draws no bar).
    outcome : str
        The outcome's label, for the y axis.
    alpha : float
        The intervals have level ``1 - alpha``.
    title : str
        The title.
    ticklabels : sequence of str
        One label per entry of ``x``.
    reference : float, optional
        The reference period, drawn as a hollow marker.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7, 4.5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    pre = x < 0
    ok = np.isfinite(low) & np.isfinite(high)
    yerr = np.vstack([est - low, high - est])
    for mask, color, label in (
        (pre, COLOURS["before"], "before start"),
        (~pre, COLOURS["after"], "after start"),
    ):
        m = mask & ok
        if m.any():
            ax.errorbar(x[m], est[m], yerr=yerr[:, m], fmt="o", color=color, capsize=3, label=label)
    if reference is not None:
        m = x == reference
        ax.plot(x[m], est[m], "o", mfc="white", color=COLOURS["reference"], label="reference (0)")
    ax.axhline(0.0, color=COLOURS["reference"], linewidth=0.8)
    ax.axvline(-0.5, color=COLOURS["reference"], linestyle="--", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(ticklabels)
    ax.set_xlabel("Periods relative to programme start (0 = first treated period)")
    ax.set_ylabel(textwrap.fill(f"Effect on {outcome}, {100 * (1 - alpha):g}% CI", 40))
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small", frameon=False)
    return ax
