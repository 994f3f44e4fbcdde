"""Who gained: the forest plot of an outcome's effects by subgroup level.

:func:`forest_plot` draws the stratified TWFE effect in each level of each subgroup (rows of
:func:`wellby.analysis.subgroups.estimate_subgroups`) with its interval. Each level is
labelled for a reader ("Gender: female (n = 10,037)", a crossed level "Degree × female")
with its number of persons as published (a count suppressed for disclosure control says so);
a suppressed or not-estimated level keeps its row with the reason, and levels with no
observations are left out and listed in the note under the axes, which also gives each
subgroup's test of equal effects.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wellby.report.disclosure import PRIMARY, SECONDARY, SUPPRESSED
from wellby.report.figures import COLOURS, add_note, in_sentence, short_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["forest_plot", "level_label", "subgroup_label"]

CROSS = "_x_"
"""How :func:`wellby.analysis.subgroups.subgroup_levels` names a crossed subgroup."""


def _words(name: object, names: Mapping[str, str]) -> str:
    text = str(name)
    return names.get(text, text.replace("_", " "))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def subgroup_label(subgroup: str, names: Mapping[str, str] | None = None) -> str:
    """Return a reader's name of a subgroup (two crossed: ``"Qualification × gender"``).

    Examples
    --------
    >>> subgroup_label("qualification_x_gender")
    'Qualification × gender'
    """
    names = names or {}
    return _capital(" × ".join(_words(part, names) for part in subgroup.split(CROSS)))


def level_label(subgroup: str, level: object, names: Mapping[str, str] | None = None) -> str:
    """Return a reader's label of a subgroup level.

    Parameters
    ----------
    subgroup : str
        The subgroup's name (``a_x_b`` for two subgroups crossed).
    level : object
        The level (``la:lb`` for a crossed level).
    names : mapping of str to str, optional
        Words for subgroup names and levels (e.g. ``{"female": "women"}``); by default a
        name's underscores become spaces.

    Returns
    -------
    str
        ``"Subgroup: level"``, or for a crossed level ``"Level a × level b"``.

    Examples
    --------
    >>> level_label("qualification", "below_degree")
    'Qualification: below degree'
    >>> level_label("qualification_x_gender", "degree:female", {"female": "women"})
    'Degree × women'
    """
    names = names or {}
    text = str(level)
    if CROSS in subgroup and ":" in text:
        return _capital(" × ".join(_words(part, names) for part in text.split(":")))
    return f"{subgroup_label(subgroup, names)}: {_words(text, names)}"


def _count(row: pd.Series) -> str:
    if "n_persons" not in row.index:
        return ""
    if pd.notna(row["n_persons"]):
        return f" (n = {int(row['n_persons']):,})"
    if row.get(SUPPRESSED, "") == SECONDARY:
        return " (n suppressed)"
    return ""


def _reason(row: pd.Series) -> str:
    note = str(row.get("note", "") or "")
    if row.get(SUPPRESSED, "") == PRIMARY:
        return note.split(";")[0].replace(" (report.min_cell)", "") or "suppressed"
    return note.split(";")[0] or "not estimated"


def _empty(row: pd.Series) -> bool:
    n_obs = row.get("n_obs", np.nan)
    return (pd.notna(n_obs) and n_obs == 0) or "no observations" in str(row.get("note", ""))


def _heterogeneity(table: pd.DataFrame, names: Mapping[str, str]) -> str:
    from wellby.analysis.subgroups import HETEROGENEITY

    tests = table[(table["level"] == HETEROGENEITY) & table["p_value"].notna()]
    if tests.empty:
        return ""
    parts = [f"{subgroup_label(s, names)} p " + (f"= {p:.3f}" if p >= 0.001 else "< 0.001")
             for s, p in zip(tests["subgroup"], tests["p_value"], strict=True)]
    return ("Test that the effect is equal in every level (pooled interaction model, F "
            "test, p not adjusted): " + "; ".join(parts) + ".")


def forest_plot(table: pd.DataFrame, outcome: str, overall: float | None = None, *,
                alpha: float, label: str | None = None,
                names: Mapping[str, str] | None = None) -> Figure:
    """Draw a forest plot of the stratified effects of one outcome.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`wellby.analysis.subgroups.estimate_subgroups` for the outcome (the
        TWFE rows, estimator ``twfe`` and term ``att``, are drawn; ``n_persons``,
        ``n_obs``, ``n_clusters``, ``note`` and ``suppressed`` are used when present).
    outcome : str
        The outcome (the title and axis when there is no ``label``).
    overall : float, optional
        The overall effect, drawn as a dashed line.
    alpha : float
        The level of the table's intervals (``models.alpha``), for the axis label.
    label : str, optional
        The outcome's label (:func:`wellby.analysis.describe.outcome_label`): the title and
        axis name it without its range.
    names : mapping of str to str, optional
        Words for subgroup names and levels (:func:`level_label`).

    Returns
    -------
    matplotlib.figure.Figure
        One row per level, top to bottom in the table's order, labelled by
        :func:`level_label` with the level's persons; a line between subgroups; levels
        without an estimate show why, and those with no observations are listed in a
        note with each subgroup's test of equal effects.
    """
    from matplotlib.figure import Figure
    from matplotlib.transforms import blended_transform_factory

    names = names or {}
    name = short_label(label) if label else outcome
    rows = table[(table["estimator"] == "twfe") & (table["term"] == "att")]
    empty = [row for _, row in rows.iterrows() if pd.isna(row["estimate"]) and _empty(row)]
    keep = np.array([not (pd.isna(r["estimate"]) and _empty(r)) for _, r in rows.iterrows()],
                    dtype=bool)  # an array: an empty list would select no columns
    shown = rows.loc[keep]
    figure = Figure(figsize=(7.5, 0.35 * len(shown) + 2.2))
    ax = figure.subplots()
    y = np.arange(len(shown))[::-1].astype(float)
    estimated = shown["estimate"].notna().to_numpy()
    points = shown[estimated]
    if len(points):
        ax.errorbar(points["estimate"], y[estimated],
                    xerr=[points["estimate"] - points["ci_low"],
                          points["ci_high"] - points["estimate"]],
                    fmt="o", color=COLOURS["estimate"], capsize=3)
    side = blended_transform_factory(ax.transAxes, ax.transData)
    for position, (_, row) in zip(y[~estimated], shown[~estimated].iterrows(), strict=True):
        ax.text(0.02, position, _reason(row), transform=side, va="center", fontsize=7.5,
                style="italic", gid="reason",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    subgroups = shown["subgroup"].to_numpy()
    for i in np.flatnonzero(subgroups[1:] != subgroups[:-1]):
        ax.axhline(y[i] - 0.5, color=COLOURS["reference"], linewidth=0.4, alpha=0.4)
    ax.axvline(0, color=COLOURS["reference"], linewidth=0.8)
    if overall is not None:
        ax.axvline(overall, color=COLOURS["overall"], linestyle="--", linewidth=0.8,
                   label=f"all residents ({overall:.3f})")
        ax.legend(loc="best", fontsize=8)
    labels = [level_label(r["subgroup"], r["level"], names) + _count(r)
              for _, r in shown.iterrows()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(shown) - 0.3)
    clustered = ("n_clusters" in points.columns and points["n_clusters"].notna().any())
    interval = f"{100 * (1 - alpha):g}% CI" + (", clustered by area" if clustered else "")
    ax.set_xlabel(textwrap.fill(f"Effect on {in_sentence(name)} (TWFE within level, "
                                f"{interval})", 60))
    ax.set_title(f"Who gained: {name}")
    notes = []
    if empty:
        notes.append("Not shown (no observations): "
                     + ", ".join(level_label(r["subgroup"], r["level"], names) for r in empty)
                     + ".")
    if {"level", "p_value"} <= set(table.columns):
        notes.append(_heterogeneity(table, names))
    if any(notes):
        add_note(ax, "\n".join(n for n in notes if n))
    return figure
