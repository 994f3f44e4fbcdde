"""The event-study figure: TWFE and Callaway-Sant'Anna effects by time since the start.

:func:`event_study_figure` draws one outcome's ``event_study.csv`` (rows of
:func:`wellby.analysis.effects.estimate_outcome`: the TWFE event study, estimator
``event_study``, and Callaway-Sant'Anna's dynamic aggregation, estimator
``callaway_santanna``) in one axes, the two estimators side by side at each relative time,
each with its headline interval, so a reader sees at once whether they agree before and
after the programme started.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wellby.report.figures import (
    COLOURS,
    add_note,
    in_sentence,
    legend_on_top,
    short_label,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ESTIMATORS", "event_study_figure", "interval_label"]

ESTIMATORS: dict[str, tuple[str, str]] = {
    "event_study": ("TWFE event study", "o"),
    "callaway_santanna": ("Callaway-Sant'Anna", "s"),
}
"""Estimator in ``event_study.csv`` -> its name in the legend and its marker."""

DODGE = 0.12
"""How far either estimator's points sit from their relative time."""


def interval_label(rows: pd.DataFrame, alpha: float) -> str:
    """Say what the intervals of some event-study rows are.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of one estimator in ``event_study.csv``; ``inference`` (``analytic``,
        ``wild_bootstrap``, ``t_few_clusters`` or ``none_reliable``) and ``n_clusters``
        are read when present.
    alpha : float
        The intervals have level ``1 - alpha``.

    Returns
    -------
    str
        E.g. ``"95% CI, clustered by area"`` or ``"95% wild cluster bootstrap CI"``.
    """
    level = f"{100 * (1 - alpha):g}%"
    estimated = rows[rows["std_error"].notna()] if "std_error" in rows else rows
    clustered = "n_clusters" in rows and rows["n_clusters"].notna().any()
    kinds = (list(dict.fromkeys(estimated["inference"].dropna()))
             if "inference" in rows else ["analytic"])
    words = {
        "analytic": f"{level} CI" + (", clustered by area" if clustered else ""),
        "wild_bootstrap": f"{level} wild cluster bootstrap CI",
        "t_few_clusters": f"{level} CI, clustered by area, t with few-cluster df",
        "none_reliable": "no reliable interval",
    }
    return "; ".join(words.get(kind, f"{level} CI ({kind})") for kind in kinds) or (
        f"{level} CI")


def _bounds(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    if {"headline_ci_low", "headline_ci_high"} <= set(rows.columns):
        return rows["headline_ci_low"], rows["headline_ci_high"]
    return rows["ci_low"], rows["ci_high"]


def _tick_labels(table: pd.DataFrame, times: np.ndarray) -> list[str]:
    """Relative times, with the TWFE event study's binned end points marked."""
    binned: dict[int, str] = {}
    if "binned" in table:
        twfe = table[(table["estimator"] == "event_study") & table["binned"].notna()
                     & (table["binned"].astype(str).str.strip() != "")]
        for e, text in zip(twfe["rel_time"], twfe["binned"], strict=True):
            sign = "≤" if str(text).startswith("<") else "≥"
            binned[int(e)] = f"{int(e)}\n(TWFE {sign}{int(e)})"
    return [binned.get(int(e), str(int(e))) for e in times]


def _draw(ax: Axes, rows: pd.DataFrame, offset: float, estimator: str, alpha: float
          ) -> tuple[bool, bool]:
    """Draw one estimator's points; say whether it has a reference or a bar-less point."""
    name, marker = ESTIMATORS[estimator]
    colour = COLOURS["twfe" if estimator == "event_study" else estimator]
    low, high = _bounds(rows)
    x = rows["rel_time"].to_numpy(dtype=float) + offset
    est = rows["estimate"].to_numpy(dtype=float)
    reference = (rows["std_error"].isna() & (rows["estimate"] == 0)).to_numpy()
    barred = (low.notna() & high.notna()).to_numpy() & ~reference
    bare = ~barred & ~reference & np.isfinite(est)
    label = f"{name} ({interval_label(rows, alpha)})"
    if barred.any():
        yerr = np.vstack([est[barred] - low.to_numpy(float)[barred],
                          high.to_numpy(float)[barred] - est[barred]])
        ax.errorbar(x[barred], est[barred], yerr=yerr, fmt=marker, color=colour, capsize=3,
                    label=label)
        label = None
    if bare.any():
        ax.plot(x[bare], est[bare], marker, color=colour, label=label)
    if reference.any():
        ax.plot(x[reference], est[reference], marker, mfc="white", color=colour,
                label=f"{name}: reference period (0 by construction)")
    return bool(reference.any()), bool(bare.any())


def event_study_figure(event_study_table: pd.DataFrame, label: str, alpha: float) -> Figure:
    """Draw TWFE and Callaway-Sant'Anna event-study estimates side by side.

    Parameters
    ----------
    event_study_table : pandas.DataFrame
        One outcome's ``event_study.csv`` (or ``OutcomeEstimates.event_study``): rows of
        estimator ``event_study`` (TWFE with relative-time dummies) and
        ``callaway_santanna`` (its dynamic aggregation ``att_e``), with ``rel_time``,
        ``estimate``, ``std_error`` and the interval: ``headline_ci_low`` and
        ``headline_ci_high`` when present (the few-cluster headline; a row without one is
        drawn without a bar), else ``ci_low`` and ``ci_high``. Other estimators are
        ignored.
    label : str
        The outcome's label (:func:`wellby.analysis.describe.outcome_label`): the title
        names it without its range, the y axis with it.
    alpha : float
        The intervals have level ``1 - alpha`` (``models.alpha``).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: each estimator's points with their intervals (TWFE blue circles to the
        left of each relative time, Callaway-Sant'Anna vermillion squares to the right), the
        TWFE reference period hollow, a zero line and a dashed line half a period before
        the start; the legend says what each interval is.

    Raises
    ------
    ValueError
        When the table holds more than one outcome.
    """
    from matplotlib.figure import Figure

    table = event_study_table
    if "outcome" in table and table["outcome"].nunique() > 1:
        raise ValueError("event_study_figure draws one outcome; got "
                         f"{sorted(table['outcome'].unique())}")
    if "estimator" not in table:
        table = table.assign(estimator=pd.Series(dtype=object))
    table = table[table["estimator"].isin(list(ESTIMATORS))]
    present = [e for e in ESTIMATORS if (table["estimator"] == e).any()]
    figure = Figure(figsize=(7.5, 4.6))
    ax = figure.subplots()
    name = short_label(label)
    ax.set_title(f"{name}: effect by time since the programme started")
    if not present:
        ax.text(0.5, 0.5, "No event-study estimates", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return figure
    offsets = dict(zip(present, [0.0] if len(present) == 1 else [-DODGE, DODGE],
                       strict=True))
    bare = False
    for estimator in present:
        rows = table[table["estimator"] == estimator].sort_values("rel_time")
        bare |= _draw(ax, rows, offsets[estimator], estimator, alpha)[1]
    times = np.sort(table["rel_time"].dropna().unique())
    ax.axhline(0.0, color=COLOURS["reference"], linewidth=0.8)
    ax.axvline(-0.5, color=COLOURS["reference"], linestyle="--", linewidth=0.8)
    ax.set_xticks(times.astype(float), _tick_labels(table, times))
    ax.set_xlabel("Waves relative to the programme's start (0 = first wave treated)")
    ax.set_ylabel(textwrap.fill(f"Effect on {in_sentence(label)}", 40))
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: "reference period" in labels[i])
    legend_on_top(ax, len(labels), handles=[handles[i] for i in order],
                  labels=[labels[i] for i in order], frameon=False)
    if bare:
        add_note(ax, "A point without a bar has no headline interval; the inference column "
                     "of event_study.csv says why (none_reliable: a cohort has one treated "
                     "area, so no interval is reliable).")
    return figure


def robust_bcr_plot(robust: pd.DataFrame) -> Figure:
    """Draw the central benefit-cost ratio at the ends of the robust sets against Mbar.

    Parameters
    ----------
    robust : pandas.DataFrame
        :func:`wellby.analysis.trend_sensitivity.robust_value_for_money`'s rows; the
        relative-magnitude rows are drawn (a band from ``bcr_lb`` to ``bcr_ub`` at each
        ``Mbar``), with the break-even line at 1.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; an empty one (with a note) when there are no relative-magnitude rows.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 3.8))
    ax = figure.subplots()
    rows = robust[robust["method"] == "relative_magnitudes"].sort_values("value")
    ax.axhline(1.0, color=COLOURS["central"], linestyle="--", linewidth=1,
               label="BCR 1: benefits equal costs")
    if len(rows):
        ax.fill_between(rows["value"], rows["bcr_lb"], rows["bcr_ub"], color=COLOURS["band"],
                        alpha=0.5, label="BCR at the ends of the robust confidence set")
        ax.plot(rows["value"], rows["bcr_lb"], color=COLOURS["estimate"], marker="o",
                markersize=3, linewidth=1)
        ax.plot(rows["value"], rows["bcr_ub"], color=COLOURS["estimate"], marker="o",
                markersize=3, linewidth=1)
    else:
        add_note(ax, "No relative-magnitude sensitivity (no event study, or no wave before "
                     "the start).")
    ax.set_xlabel("Mbar: post-start violation of parallel trends, as a multiple of the "
                  "largest pre-start one")
    ax.set_ylabel("Central benefit-cost ratio")
    ax.set_title("Value for money if parallel trends fail (Rambachan and Roth 2023)")
    ax.legend(fontsize=8, loc="best")
    return figure


SENSITIVITY_PANELS = {"relative_magnitudes": "Mbar: post-start violation / largest pre-start",
                      "smoothness": "M: change in the violation's slope per wave"}


def sensitivity_figure(sensitivity: pd.DataFrame, label: str) -> Figure:
    """Draw the robust confidence sets against the bound, as R HonestDiD's sensitivity plots.

    Parameters
    ----------
    sensitivity : pandas.DataFrame
        One outcome's rows of ``sensitivity.csv``
        (:func:`wellby.analysis.trend_sensitivity.trend_sensitivity`); the average
        post-start effect's sets are drawn.
    label : str
        The outcome's label, for the title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per method (relative magnitudes, smoothness): at the left the interval
        under exact parallel trends, then the robust set at each bound, one colour per
        estimator; a zero line. A note when there are no sets.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 3.6))
    axes = figure.subplots(1, 2, sharey=True)
    rows = (sensitivity[sensitivity["target"] == "average"] if "target" in sensitivity
            else sensitivity)
    estimators = list(dict.fromkeys(rows["estimator"])) if len(rows) else []
    names = {"event_study": "TWFE event study", "callaway_santanna": "Callaway-Sant'Anna"}
    for ax, (method, xlabel) in zip(axes, SENSITIVITY_PANELS.items(), strict=True):
        ax.axhline(0.0, color="#999999", linewidth=0.8)
        panel = rows[rows["method"] == method]
        for k, estimator in enumerate(estimators):
            sets = panel[panel["estimator"] == estimator].sort_values("value")
            if not len(sets):
                continue
            values = sets["value"].to_numpy(dtype=float)
            step = (values[-1] - values[0]) / max(len(values) - 1, 1) or 1.0
            shift = (k - (len(estimators) - 1) / 2) * 0.18 * step
            colour = COLOURS["twfe" if estimator == "event_study" else estimator]
            left = values[0] - step + shift
            ax.vlines(left, sets["original_lb"].iloc[0], sets["original_ub"].iloc[0],
                      color=colour, linewidth=2.5, linestyle=":")
            ax.vlines(values + shift, sets["lb"], sets["ub"], color=colour, linewidth=2,
                      label=names.get(estimator, estimator))
        ax.set_xlabel(textwrap.fill(xlabel, 34), fontsize=8)
        ax.set_title(method.replace("_", " ").capitalize(), fontsize=9)
    axes[0].set_ylabel("Average post-start effect")
    if estimators:
        axes[0].legend(fontsize=7, loc="best", title="robust set (dotted: exact parallel "
                       "trends)", title_fontsize=7)
    else:
        add_note(axes[0], "No sensitivity analysis (no event study, or no wave before the "
                          "start).")
    figure.suptitle(f"If parallel trends fail: {short_label(label)}", fontsize=10)
    return figure
