"""Who gained: the forest plot of an outcome's effects by subgroup level.

:func:`forest_plot` draws the stratified TWFE effect in each level of each subgroup (rows of
:func:`wellby.analysis.subgroups.estimate_subgroups`) with its interval. Each level is
labelled for a reader ("Gender: female (n = 10,037)", a crossed level "Degree × female")
with its number of persons as published (a count suppressed for disclosure control says so);
a suppressed or not-estimated level keeps its row with the reason, and levels with no
observations are left out and listed in the note under the axes, which also gives each
subgroup's test of equal effects.

When the table also holds the followed member cohort's rows
(:func:`wellby.analysis.cohort_subgroups.estimate_cohort_subgroups`), the members' change
within each level (estimator ``mixed_cohort``) is drawn below, one panel per change
(``change_2018_vs_2016``, ...), and the note adds each subgroup's chi-square test that the
members' change is equal in every level.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wellby.estimators.mixed import ESTIMATOR as COHORT
from wellby.estimators.mixed_interaction import ESTIMATOR as COHORT_POOLED
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
    members = (tests["estimator"] == COHORT_POOLED if "estimator" in tests.columns
               else pd.Series(False, index=tests.index))
    joint = (tests["term"] == HETEROGENEITY if "term" in tests.columns
             else pd.Series(True, index=tests.index))
    lines = []
    for rows, text in ((tests[~members], "Test that the effect is equal in every level "
                        "(pooled interaction model, F test, p not adjusted): "),
                       (tests[members & joint],
                        "Members: test that the change is equal in every level at every wave "
                        "(pooled mixed model, chi-square, p not adjusted): ")):
        if len(rows):
            parts = [f"{subgroup_label(s, names)} p " + _p(p)
                     for s, p in zip(rows["subgroup"], rows["p_value"], strict=True)]
            lines.append(text + "; ".join(parts) + ".")
    return "\n".join(lines)


def _p(p: float) -> str:
    return f"= {p:.3f}" if p >= 0.001 else "< 0.001"


def forest_plot(table: pd.DataFrame, outcome: str, overall: float | None = None, *,
                alpha: float, label: str | None = None,
                names: Mapping[str, str] | None = None) -> Figure:
    """Draw a forest plot of the stratified effects of one outcome.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`wellby.analysis.subgroups.estimate_subgroups` for the outcome (the
        TWFE rows, estimator ``twfe`` and term ``att``, are drawn), and optionally of
        :func:`wellby.analysis.cohort_subgroups.estimate_cohort_subgroups` (the
        ``mixed_cohort`` rows are drawn, a panel per term; ``n_persons``,
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
        note with each subgroup's test of equal effects. With member-cohort rows
        (estimator ``mixed_cohort``), their panels follow below, one per change term
        side by side (the same x scale), the level labels on the first; a table of only
        member rows gives only those panels.
    """
    from matplotlib.figure import Figure

    names = names or {}
    name = short_label(label) if label else outcome
    rows = table[(table["estimator"] == "twfe") & (table["term"] == "att")]
    shown, empty = _shown(rows)
    members = table[table["estimator"] == COHORT] if len(table) else table.iloc[0:0]
    terms = list(dict.fromkeys(members["term"]))
    member_shown, member_empty = _shown(members[members["term"] == terms[0]]) if terms else (
        members, [])
    did = not terms or len(rows) > 0
    height = (0.35 * len(shown) + 2.2 if did else 0) + (
        0.35 * len(member_shown) + 2.2 if terms else 0)
    figure = Figure(figsize=(7.5, height))
    grid = figure.add_gridspec(2 if did and terms else 1, max(len(terms), 1),
                               height_ratios=[len(shown) + 4, len(member_shown) + 4]
                               if did and terms else None)
    notes = []
    if did:
        ax = figure.add_subplot(grid[0, :])
        _draw_levels(ax, shown, names)
        if overall is not None:
            ax.axvline(overall, color=COLOURS["overall"], linestyle="--", linewidth=0.8,
                       label=f"all residents ({overall:.3f})")
            ax.legend(loc="best", fontsize=8)
        clustered = "n_clusters" in shown.columns and shown.loc[
            shown["estimate"].notna(), "n_clusters"].notna().any()
        interval = f"{100 * (1 - alpha):g}% CI" + (", clustered by area" if clustered else "")
        ax.set_xlabel(textwrap.fill(f"Effect on {in_sentence(name)} (TWFE within level, "
                                    f"{interval})", 60))
        ax.set_title(f"Who gained: {name}")
        notes.append(_not_shown(empty, names))
    if terms:
        ax = _member_panels(figure, grid[-1, :], members, terms, name, alpha, names,
                            titled=not did)
        notes.append(_not_shown(member_empty, names, "Members not shown"))
    if {"level", "p_value"} <= set(table.columns):
        notes.append(_heterogeneity(table, names))
    if any(notes):
        add_note(ax, "\n".join(n for n in notes if n))
    return figure


def _shown(rows: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Split rows into those drawn and those left out for having no observations."""
    empty = [row for _, row in rows.iterrows() if pd.isna(row["estimate"]) and _empty(row)]
    keep = np.array([not (pd.isna(r["estimate"]) and _empty(r)) for _, r in rows.iterrows()],
                    dtype=bool)  # an array: an empty list would select no columns
    return rows.loc[keep], empty


def _not_shown(empty: list, names: Mapping[str, str], text: str = "Not shown") -> str:
    if not empty:
        return ""
    return (f"{text} (no observations): "
            + ", ".join(level_label(r["subgroup"], r["level"], names) for r in empty) + ".")


def _draw_levels(ax, shown: pd.DataFrame, names: Mapping[str, str], *,
                 labelled: bool = True) -> None:
    """Draw one row per level: the estimate and its interval, or why there is none."""
    from matplotlib.transforms import blended_transform_factory

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
    labels = ([level_label(r["subgroup"], r["level"], names) + _count(r)
               for _, r in shown.iterrows()] if labelled else [""] * len(shown))
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(shown) - 0.3)


def _change_title(term: str) -> str:
    """``change_2018_vs_2016`` -> ``"2016 to 2018"``."""
    to, _, start = term.removeprefix("change_").partition("_vs_")
    return f"{start} to {to}" if start else term


def _member_panels(figure, cell, members: pd.DataFrame, terms: list, name: str, alpha: float,
                   names: Mapping[str, str], *, titled: bool):
    """Draw the members' change within each level, one panel per change; return the first."""
    grid = cell.subgridspec(1, len(terms), wspace=0.08)
    first = None
    for i, term in enumerate(terms):
        ax = figure.add_subplot(grid[0, i], sharex=first)
        shown, _ = _shown(members[members["term"] == term])
        _draw_levels(ax, shown, names, labelled=i == 0)
        title = f"Members: {_change_title(term)}"
        ax.set_title(f"Who gained: {name}\n{title}" if titled and i == 0 else title,
                     fontsize=9)
        first = first or ax
    interval = f"{100 * (1 - alpha):g}% CI"
    first.set_xlabel(textwrap.fill(f"Change in {in_sentence(name)} (partnership members, "
                                   f"mixed model within level, {interval})", 60))
    return first
