"""Descriptive tables: outcome means by wave for programme and comparison areas."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wellby.estimators.distributions import normal_quantile, t_quantile
from wellby.prepare.grouping import distinct_per_group
from wellby.prepare.panel import EVER_TREATED
from wellby.report.disclosure import (
    PRIMARY,
    SECONDARY,
    SECONDARY_REASON,
    SUPPRESSED,
    primary_reason,
    protect,
)
from wellby.report.figures import COLOURS, add_note, in_sentence, legend_on_top, short_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from wellby.config.typed import Study

GROUP_LABELS = {1: "programme", 0: "comparison"}


def outcome_means(data: pd.DataFrame, outcomes: Sequence[str], *, wave: str,
                  min_cell: int, person: str | None = None, cluster: str | None = None,
                  alpha: float = 0.05) -> pd.DataFrame:
    """Mean, SD, interval and count of persons of each outcome by wave and group.

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
    cluster : str, optional
        The area column (``columns.area``): the standard error of each mean is then
        cluster-robust (see Notes). Without it the rows are taken as independent.
    alpha : float, default 0.05
        The intervals have level ``1 - alpha`` (``models.alpha``).

    Returns
    -------
    pandas.DataFrame
        Columns outcome, wave, group, n, mean, sd, se, ci_low, ci_high, interval (what the
        interval is, in words), suppressed (``"primary"``, ``"secondary"`` or empty) and
        note.

    Notes
    -----
    With ``cluster``, the standard error of a cell's mean over its ``N`` rows in ``G``
    areas is that of the intercept of a regression of the outcome on a constant with the
    CR1 cluster-robust variance (statsmodels' ``cov_type="cluster"``, Stata's
    ``vce(cluster)``)::

        se = sqrt(G / (G - 1) * sum_g (sum_{i in g} (y_i - mean))^2) / N

    and the interval is ``mean -/+ t(G - 1) * se``. Residents of one area share it, so
    their answers are not independent; this interval is wider than SD / sqrt(N) when they
    are alike. A cell in one area has no interval; rows without an area count as one
    area. Without ``cluster``,
    ``se = sd / sqrt(N)`` and the critical value is ``t(N - 1)``.

    A cell with 1 to ``min_cell - 1`` persons is suppressed with its mean, SD, standard
    error and interval (primary). The table has no total row, but its totals are
    published elsewhere: a wave's programme plus comparison respondents is the wave's
    ``rows_out`` in the cleaning summary when every kept row has the outcome and there is
    no followed cohort, and the sum of all cells is the ``n_obs`` of
    ``callaway_santanna`` in ``did.csv``. So a primary cell would come back by
    subtraction, and the other group of its wave (or another cell, as
    :func:`wellby.report.disclosure.protect` finds) has its count suppressed too
    (secondary). A secondary cell keeps its mean and SD, which reveal no count, but
    loses its standard error and interval: SD / SE is about the square root of the count.
    Means and SDs are over the rows with the outcome.
    """
    # One outcome at a time: a long copy of every outcome's answers at once is the
    # outcomes' count times the file (gigabytes at millions of rows).
    table = pd.concat([_cells(data, outcome, wave=wave, person=person, cluster=cluster)
                       for outcome in outcomes], ignore_index=True)
    critical = t_quantile(1 - alpha / 2, table["df"].where(table["df"] > 0))
    table["ci_low"] = table["mean"] - critical * table["se"]
    table["ci_high"] = table["mean"] + critical * table["se"]
    table["interval"] = interval_description(alpha, cluster)
    table["group"] = table[EVER_TREATED].map(GROUP_LABELS)
    table = table.rename(columns={wave: "wave"})[MEANS_COLUMNS]
    order = {name: i for i, name in enumerate(outcomes)}
    table = table.sort_values(["outcome", "wave", "group"],
                              key=lambda s: s.map(order) if s.name == "outcome" else s)
    return suppress_cells(table.reset_index(drop=True), min_cell)


MEANS_COLUMNS = ["outcome", "wave", "group", "n", "mean", "sd", "se", "ci_low", "ci_high",
                 "interval"]
INTERVAL_COLUMNS = ["se", "ci_low", "ci_high"]


def interval_description(alpha: float, cluster: str | None) -> str:
    """Say what the intervals of :func:`outcome_means` are, for the table and the figure.

    Examples
    --------
    >>> interval_description(0.05, "area")
    '95% CI, clustered by area (CR1, t with G - 1 df)'
    """
    level = f"{100 * (1 - alpha):g}% CI"
    if cluster:
        return f"{level}, clustered by area (CR1, t with G - 1 df)"
    return f"{level}, rows taken as independent (SD / sqrt(n), t with n - 1 df)"


def _cells(data: pd.DataFrame, outcome: str, *, wave: str, person: str | None,
           cluster: str | None) -> pd.DataFrame:
    """Mean, SD, rows, persons, standard error and its df of one outcome's cells.

    A cell is a wave and group (``ever_treated``) with the outcome answered. Every sum is a
    :func:`numpy.bincount` over the rows' cell codes (a groupby sorted the rows for each
    statistic: two seconds of the describe step at 3M rows); the tests hold the numbers
    to the groupby's and to statsmodels' cluster-robust standard errors.
    """
    values = data[outcome].to_numpy(dtype=float)
    answered = np.flatnonzero(~np.isnan(values))
    wave_codes, waves = pd.factorize(data[wave].to_numpy()[answered])
    group_codes, groups = pd.factorize(data[EVER_TREATED].to_numpy()[answered])
    placed = (wave_codes >= 0) & (group_codes >= 0)  # a row without wave or group: no cell
    rows_at = answered[placed]
    y = values[rows_at]
    n_groups = len(groups)
    n_cells = len(waves) * n_groups
    cell = wave_codes[placed].astype(np.int64) * n_groups + group_codes[placed]
    rows = np.bincount(cell, minlength=n_cells)
    present = np.flatnonzero(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(cell, weights=y, minlength=n_cells) / rows
        deviation = y - mean[cell]
        sd = np.sqrt(np.bincount(cell, weights=deviation * deviation, minlength=n_cells)
                     / (rows - 1))
    sd[rows < 2] = np.nan
    if person:
        person_codes = pd.factorize(data[person].to_numpy()[rows_at])[0]
        named = person_codes >= 0  # rows without an id are no one's
        persons = distinct_per_group(person_codes[named], cell[named], n_cells)
    else:
        persons = rows
    table = pd.DataFrame({"outcome": outcome,
                          wave: np.asarray(waves)[present // n_groups],
                          EVER_TREATED: np.asarray(groups)[present % n_groups],
                          "mean": mean[present], "sd": sd[present], "rows": rows[present],
                          "n": persons[present]})
    if cluster:
        se, df = _cluster_se(cell, deviation, data[cluster].to_numpy()[rows_at], rows)
        table["se"], table["df"] = se[present], df[present]
        return table
    table["se"] = table["sd"] / np.sqrt(table["rows"])
    table["df"] = table["rows"] - 1.0
    return table


def _cluster_se(cell: np.ndarray, deviation: np.ndarray, clusters: np.ndarray,
                rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CR1 standard error of each cell's mean, and its degrees of freedom G - 1.

    ``deviation`` is each row's difference from its cell's mean; rows without a cluster
    are one cluster together.
    """
    n_cells = rows.size
    cluster_codes, uniques = pd.factorize(clusters, use_na_sentinel=False)
    key = cell * len(uniques) + cluster_codes
    sums = np.bincount(key, weights=deviation, minlength=n_cells * len(uniques))
    seen = np.bincount(key, minlength=n_cells * len(uniques)) > 0
    g = seen.reshape(n_cells, -1).sum(axis=1).astype(float)
    meat = np.square(sums).reshape(n_cells, -1).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(g / (g - 1) * meat) / rows
    return np.where(g > 1, se, np.nan), g - 1


def suppress_cells(table: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Apply primary and secondary suppression to a table of :func:`outcome_means`.

    Parameters
    ----------
    table : pandas.DataFrame
        outcome, wave, group, n, mean, sd and, when present, se, ci_low and ci_high.
    min_cell : int
        Smallest count of persons published.

    Returns
    -------
    pandas.DataFrame
        A copy with ``suppressed`` and ``note``; a primary cell loses n, mean, sd and its
        interval, a secondary one its n and its interval (see :func:`outcome_means`).
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
    spread = [c for c in INTERVAL_COLUMNS if c in out.columns]
    out.loc[primary | secondary, ["n", *spread]] = np.nan
    out.loc[primary, ["mean", "sd"]] = np.nan
    out[SUPPRESSED] = state
    out["note"] = ""
    out.loc[primary, "note"] = primary_reason(min_cell)
    out.loc[secondary, "note"] = SECONDARY_REASON
    return out


def outcome_label(outcome: str, labels: Mapping[str, str]) -> str:
    """Return a human label with units for an outcome (its name when none is known)."""
    return labels.get(outcome, outcome)


def trends_plot(table: pd.DataFrame, outcome: str, label: str, *, alpha: float) -> Figure:
    """Draw mean outcome by wave for programme and comparison areas, with their intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`outcome_means`. Its ``ci_low`` and ``ci_high`` are drawn (clustered
        by area when the table was made with ``cluster``; its ``interval`` says so); a
        table without them gets normal intervals from SD / sqrt(n). Suppressed means are
        left out, and a mean whose count is suppressed has no interval.
    outcome : str
        The outcome.
    label : str
        Its label with units (:func:`outcome_label`): the title (without the units) and the
        axis.
    alpha : float
        The intervals have level ``1 - alpha`` (``models.alpha``).

    Returns
    -------
    matplotlib.figure.Figure
        One line per group (programme blue circles, comparison orange squares, slightly
        apart so the bars do not overlap) whose legend says what the bars are.
    """
    from matplotlib.figure import Figure

    rows = table[(table["outcome"] == outcome) & table["mean"].notna()]
    if "ci_low" in rows.columns:
        low, high = rows["ci_low"], rows["ci_high"]
        described = rows.get("interval", pd.Series(dtype=object)).dropna()
        bars = (str(described.iloc[0]) if len(described)
                else f"{100 * (1 - alpha):g}% CI")
    else:
        half = normal_quantile(1 - alpha / 2) * rows["sd"] / np.sqrt(rows["n"])
        low, high = rows["mean"] - half, rows["mean"] + half
        bars = f"{100 * (1 - alpha):g}% CI, normal, SD / sqrt(n), not clustered"
    waves = np.sort(rows["wave"].unique())
    step = float(np.min(np.diff(waves))) if len(waves) > 1 else 1.0
    figure = Figure(figsize=(7.5, 4.4))
    ax = figure.subplots()
    for offset, group, marker in ((-0.04, "programme", "o"), (0.04, "comparison", "s")):
        part = rows[rows["group"] == group].sort_values("wave")
        yerr = np.vstack([part["mean"] - low[part.index], high[part.index] - part["mean"]])
        ax.errorbar(part["wave"] + offset * step, part["mean"], yerr=yerr, marker=marker,
                    capsize=3, color=COLOURS[group], label=f"{group.capitalize()} areas")
    ax.set_xticks(waves)
    ax.set_xlabel("Survey wave")
    ax.set_ylabel(textwrap.fill(f"Mean {in_sentence(label)} ({100 * (1 - alpha):g}% CI)", 38))
    ax.set_title(f"{short_label(label)}: programme and comparison areas")
    title = textwrap.fill(f"Mean and {bars}", 70)
    legend_on_top(ax, 1 + title.count("\n") + 1, fontsize=8, title=title, title_fontsize=8,
                  ncols=2, alignment="left")
    if (rows["mean"].notna() & (low.isna() | high.isna())).any():
        add_note(ax, "A mean without a bar has no interval: its count is suppressed "
                     "(small-cell protection) or its cell is in one area.")
    return figure


def outcome_labels(study: Study) -> dict[str, str]:
    """Return the label of every configured scale's score and items, for titles.

    An outcome under a canonical ONS4 name (``life_satisfaction``, ...) is labelled as that
    item even when the study configures no ``ons4`` scale; a derived share (``derived``) as
    its rule, e.g. "High anxiety (6-10), % of residents".
    """
    from wellby.prepare.derived import derived_labels, resolve_derived
    from wellby.prepare.scales import scale_labels
    from wellby.prepare.variables import ONS4_ITEMS

    labels: dict[str, str] = dict(scale_labels("ons4", ONS4_ITEMS))
    for name, scale in study.scales.items():
        labels.update(scale_labels(name, scale.items))
    labels.update(derived_labels(resolve_derived(study.derived or {})))
    return labels
