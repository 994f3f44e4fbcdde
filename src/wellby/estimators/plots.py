"""Event-study figures: effects by time relative to the start, with their intervals.

:func:`event_plot` draws the figure of
:meth:`wellby.estimators.event_study_results.EventStudyResult.plot` and
:meth:`wellby.estimators.callaway_santanna.CallawaySantAnnaResult.plot` on a Matplotlib
Agg canvas (no pyplot state); Matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

import textwrap

import numpy as np

__all__ = ["event_plot"]


def event_plot(ax, *, x, est, low, high, outcome, alpha, title, ticklabels, reference=None):
    """Draw point estimates with interval bars, a zero line and the start line."""
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
        (pre, "tab:gray", "before start"),
        (~pre, "tab:blue", "after start"),
    ):
        m = mask & ok
        if m.any():
            ax.errorbar(x[m], est[m], yerr=yerr[:, m], fmt="o", color=color, capsize=3, label=label)
    if reference is not None:
        m = x == reference
        ax.plot(x[m], est[m], "o", mfc="white", color="tab:gray", label="reference (0)")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.axvline(-0.5, color="tab:red", linestyle="--", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(ticklabels)
    ax.set_xlabel("Periods relative to programme start (0 = first treated period)")
    ax.set_ylabel(textwrap.fill(f"Effect on {outcome}, {100 * (1 - alpha):g}% CI", 40))
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small", frameon=False)
    return ax
