"""Who gained: the programme's effect by subgroup, and whether it differs between subgroups.

For each outcome and each configured subgroup variable (and each pair of them crossed, e.g.
qualification x gender):

- stratified DiD within each level: ``twfe`` (term ``att``) always, and, when configured,
  ``callaway_santanna`` (``att_simple`` and the dynamic ``att_e`` by event time, so effects
  in the first waves after the start can be compared);
- one pooled interaction (triple-difference) model: treatment interacted with every level,
  unit fixed effects and wave-by-level fixed effects (each level keeps its own time path),
  reported as estimator ``twfe_interaction``, with a Wald test that the effect is equal in
  every level (level ``heterogeneity_wald``, F statistic in ``estimate``, p-value in
  ``p_value``; F(q, G-1) with the cluster-robust covariance, as fixest's ``wald()``).

p-values are adjusted for the number of subgroup tests (``p_adjusted``, Holm by default or
Benjamini-Hochberg): one family per outcome and estimator for the level effects, and one
per outcome for the heterogeneity tests. ``std_effect`` is the effect in units of the
outcome's standard deviation in the first wave (before any area started; Glass's delta).
A level with too few observations or clusters is reported with its reason, not fitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from wellby.did import model_units
from wellby.errors import DataError
from wellby.estimation import fit_ols, fit_twfe
from wellby.fixed_effects import ConvergenceError
from wellby.panel import TREATED
from wellby.staggered import fit_callaway_santanna
from wellby.tables import SUBGROUP_COLUMNS

EXTRA_COLUMNS = ["estimator", "term", "rel_time", "n_clusters", "std_effect", "note"]
HETEROGENEITY = "heterogeneity_wald"
DEFAULT_SETTINGS = {"adjust": "holm", "min_obs": 30, "min_clusters": 5, "cross": True}


def baseline_levels(levels: pd.Series, person: pd.Series, wave: pd.Series) -> pd.Series:
    """Give every row its person's level at their first answered wave.

    Subgroups are baseline characteristics: an answer that changes between waves (see
    the linkage table) does not move a person from one stratum to another.
    """
    order = np.lexsort((wave.to_numpy(), person.to_numpy()))
    answered = levels.iloc[order].dropna()
    first = answered.groupby(person.iloc[order].loc[answered.index].to_numpy(),
                             sort=False).first()
    mapped = person.map(first)
    return pd.Series(pd.Categorical(mapped, categories=levels.cat.categories),
                     index=levels.index)


def subgroup_levels(data: pd.DataFrame, subgroups: Mapping[str, Any], cross: bool = True,
                    person: str | None = None, wave: str | None = None
                    ) -> dict[str, pd.Series]:
    """Return each subgroup variable's level per row, with pairwise crosses.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file; each configured subgroup is a categorical column named after it.
    subgroups : mapping
        The config's ``subgroups`` section (its keys are used).
    cross : bool, default True
        Add every pair of subgroups crossed, named ``a_x_b`` with levels ``la:lb``.
    person, wave : str, optional
        In a panel, the respondent and wave columns: each person keeps the level of their
        first answered wave (:func:`baseline_levels`).

    Returns
    -------
    dict of str to pandas.Series
        Ordered categoricals by subgroup name.
    """
    levels: dict[str, pd.Series] = {}
    for name in subgroups:
        if name not in data.columns:
            raise DataError(f"subgroup '{name}' is not in the analysis file", column=name,
                            config_key=f"subgroups.{name}")
        column = data[name]
        if not isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype("category")
        if person is not None:
            column = baseline_levels(column, data[person], data[wave])
        levels[name] = column
    if cross:
        for first, second in combinations(list(levels), 2):
            a, b = levels[first], levels[second]
            names = [f"{x}:{y}" for x in a.cat.categories for y in b.cat.categories]
            crossed = a.astype(str) + ":" + b.astype(str)
            crossed = crossed.where(a.notna() & b.notna())
            levels[f"{first}_x_{second}"] = pd.Series(
                pd.Categorical(crossed, categories=names), index=data.index)
    return levels


def baseline_sd(data: pd.DataFrame, outcome: str, wave: str) -> float:
    """Return the outcome's standard deviation in the first wave (the standardising unit)."""
    first = data[data[wave] == data[wave].min()][outcome].dropna()
    return float(first.std(ddof=1)) if len(first) > 1 else np.nan


def _too_small(rows: pd.DataFrame, columns: Mapping[str, Any], settings: Mapping[str, Any],
               min_cell: int) -> str | None:
    n_obs, n_treated = len(rows), int(rows[TREATED].sum())
    if n_obs == 0:
        return "not estimated: no observations in this level"
    if n_obs < settings["min_obs"] or n_treated < settings["min_obs"]:
        return (f"not estimated: fewer than {settings['min_obs']} observations or treated "
                "observations")
    clusters = rows[columns["area"]].nunique()
    treated_clusters = rows.loc[rows[TREATED] == 1, columns["area"]].nunique()
    if min(clusters, treated_clusters) < settings["min_clusters"]:
        return (f"not estimated: fewer than {settings['min_clusters']} areas (or treated "
                "areas)")
    return None


def _twfe_level(rows, outcome, columns, design, models) -> dict[str, Any]:
    result = fit_twfe(
        rows, outcome, TREATED, model_units(columns, design), columns["wave"],
        cluster=columns["area"] if models["vcov"] == "cluster" else None,
        covariates=models["covariates"], weights=columns.get("weight"),
        vcov=models["vcov"], alpha=models["alpha"])
    return [{"estimator": "twfe", "term": "att", "estimate": result.estimate,
             "std_error": result.std_error, "ci_low": result.ci_low,
             "ci_high": result.ci_high, "p_value": result.p_value, "n_obs": result.n_obs,
             "n_clusters": result.n_clusters}]


def _cs_level(rows, outcome, columns, design, models) -> list[dict[str, Any]]:
    result = fit_callaway_santanna(
        rows, outcome, model_units(columns, design), columns["wave"], columns["cohort"],
        design=design, control_group=models["control_group"], cluster=columns["area"],
        weights=columns.get("weight"), covariates=models["covariates"], alpha=models["alpha"])
    tidy = result.tidy()
    keep = (tidy["term"] == "att_simple") | ((tidy["term"] == "att_e") & (tidy["rel_time"] >= 0))
    out = []
    for _, row in tidy[keep].iterrows():
        out.append({"estimator": "callaway_santanna", "term": row["term"],
                    "rel_time": row["rel_time"], "estimate": row["estimate"],
                    "std_error": row["std_error"], "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"], "p_value": row["p_value"],
                    "n_obs": row["n_obs"], "n_clusters": row["n_clusters"]})
    return out


def _stratified(data, outcome, name, levels, columns, design, models, settings,
                min_cell) -> tuple[list[dict], list]:
    rows, fitted = [], []
    used = data[outcome].notna()
    for level in levels.cat.categories:
        subset = data[used & (levels == level)]
        reason = _too_small(subset, columns, settings, min_cell)
        base = {"subgroup": name, "level": level}
        if reason:
            rows.append({**base, "estimator": "twfe", "term": "att", "n_obs": len(subset),
                         "note": reason})
            continue
        fitted.append(level)
        fits = [("twfe", _twfe_level)]
        if "callaway_santanna" in models["estimators"]:
            fits.append(("callaway_santanna", _cs_level))
        for estimator, fit in fits:
            try:
                results = fit(subset, outcome, columns, design, models)
            except ValueError as err:
                results = [{"estimator": estimator, "term": "att", "n_obs": len(subset),
                            "note": f"not estimated: {err}"}]
            rows += [{**base, "note": "", **r} for r in results]
    return rows, fitted


def interaction_model(data: pd.DataFrame, outcome: str, name: str, levels: pd.Series,
                      fitted: list, *, columns: Mapping[str, Any], design: str,
                      models: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Pooled triple-difference model and the Wald test of equal effects across levels.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file.
    outcome, name : str
        Outcome column and subgroup name.
    levels : pandas.Series
        The subgroup level of each row.
    fitted : list
        Levels with enough data (the others are left out of the pooled model).
    columns, design, models
        Config sections.

    Returns
    -------
    list of dict
        One row per level (estimator ``twfe_interaction``) and the ``heterogeneity_wald``
        row; empty with fewer than two levels.
    """
    if len(fitted) < 2:
        return []
    frame = data[data[outcome].notna() & levels.isin(fitted)].copy()
    level = levels.loc[frame.index].astype(str)
    terms = []
    for index, value in enumerate(fitted):
        term = f"_treated_level_{index}"
        frame[term] = frame[TREATED] * (level == str(value)).astype(float)
        terms.append(term)
    frame["_wave_by_level"] = frame[columns["wave"]].astype(str) + "|" + level
    cluster = columns["area"] if models["vcov"] == "cluster" else None
    result = fit_ols(frame, outcome, [*terms, *models["covariates"]],
                     absorb=[model_units(columns, design), "_wave_by_level"], cluster=cluster,
                     weights=columns.get("weight"), vcov=models["vcov"], alpha=models["alpha"])
    coefficients = {c.term: c for c in result.coefficients}
    rows = [{"subgroup": name, "level": value, "estimator": "twfe_interaction", "term": "att",
             "estimate": coefficients[term].estimate, "std_error": coefficients[term].std_error,
             "ci_low": coefficients[term].ci_low, "ci_high": coefficients[term].ci_high,
             "p_value": coefficients[term].p_value,
             "n_obs": int((level == str(value)).sum()), "n_clusters": result.n_clusters,
             "note": ""}
            for value, term in zip(fitted, terms, strict=True)]
    beta = np.array([coefficients[t].estimate for t in terms])
    cov = result.cov[: len(terms), : len(terms)]
    contrast = np.hstack([-np.ones((len(terms) - 1, 1)), np.eye(len(terms) - 1)])
    difference = contrast @ beta
    q = len(terms) - 1
    statistic = float(difference @ np.linalg.solve(contrast @ cov @ contrast.T, difference)) / q
    df2 = (result.n_clusters - 1) if result.n_clusters else result.df_resid
    rows.append({"subgroup": name, "level": HETEROGENEITY, "estimator": "twfe_interaction",
                 "term": HETEROGENEITY, "estimate": statistic,
                 "p_value": float(stats.f.sf(statistic, q, df2)), "n_obs": result.n_obs,
                 "n_clusters": result.n_clusters,
                 "note": f"F({q}, {df2}) test that the effect is equal in every level"})
    return rows


def adjust_p_values(p_values: pd.Series, method: str = "holm") -> pd.Series:
    """Adjust p-values for multiple testing, leaving missing ones missing.

    Parameters
    ----------
    p_values : pandas.Series
        Raw p-values (NaN where no test was made).
    method : {"holm", "fdr_bh"}
        Holm's step-down (family-wise error) or Benjamini-Hochberg (false discovery rate).

    Returns
    -------
    pandas.Series
        Adjusted p-values, each at least the raw one.
    """
    adjusted = pd.Series(np.nan, index=p_values.index)
    present = p_values.notna()
    if present.any():
        adjusted[present] = multipletests(p_values[present].to_numpy(), method=method)[1]
    return adjusted


def estimate_subgroups(data: pd.DataFrame, outcome: str, *, subgroups: Mapping[str, Any],
                       columns: Mapping[str, Any], design: str, models: Mapping[str, Any],
                       min_cell: int, settings: Mapping[str, Any] | None = None
                       ) -> pd.DataFrame:
    """Estimate the effect on one outcome by subgroup, and test whether it differs.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file with derived subgroup columns (named by subgroup).
    outcome : str
        The outcome column.
    subgroups : mapping
        The config's ``subgroups`` section.
    columns, design, models
        As for :func:`wellby.did.estimate_outcome`.
    min_cell : int
        Smallest publishable count: smaller counts are suppressed (shown as missing).
    settings : mapping, optional
        ``adjust`` ("holm" or "fdr_bh"), ``min_obs``, ``min_clusters`` and ``cross``
        (the config's ``models.subgroups``).

    Returns
    -------
    pandas.DataFrame
        The ``subgroups.csv`` contract columns, then estimator, term, rel_time,
        n_clusters, std_effect and note.
    """
    settings = {**DEFAULT_SETTINGS, **(settings or {})}
    rows: list[dict[str, Any]] = []
    person = columns["id"] if design == "panel" else None
    by_name = subgroup_levels(data, subgroups, settings["cross"], person, columns["wave"])
    for name, levels in by_name.items():
        stratified, fitted = _stratified(data, outcome, name, levels, columns, design, models,
                                         settings, min_cell)
        rows += stratified
        try:
            rows += interaction_model(data, outcome, name, levels, fitted, columns=columns,
                                      design=design, models=models)
        except (ValueError, ConvergenceError) as err:
            rows.append({"subgroup": name, "level": HETEROGENEITY,
                         "estimator": "twfe_interaction", "term": HETEROGENEITY,
                         "note": f"not estimated: {err}"})
    table = pd.DataFrame(rows)
    for column in [*SUBGROUP_COLUMNS, *EXTRA_COLUMNS]:
        if column not in table.columns:
            table[column] = np.nan
    table["outcome"] = outcome
    table["p_adjusted"] = np.nan
    if len(table):
        effects = table["level"] != HETEROGENEITY
        for _, index in table[effects].groupby("estimator").groups.items():
            table.loc[index, "p_adjusted"] = adjust_p_values(table.loc[index, "p_value"],
                                                             settings["adjust"])
        tests = table.index[~effects]
        table.loc[tests, "p_adjusted"] = adjust_p_values(table.loc[tests, "p_value"],
                                                         settings["adjust"])
        sd = baseline_sd(data, outcome, columns["wave"])
        table["std_effect"] = np.where(effects, table["estimate"] / sd, np.nan)
        small = (table["n_obs"] > 0) & (table["n_obs"] < min_cell)
        table.loc[small, "n_obs"] = np.nan
        table.loc[small, "note"] = table.loc[small, "note"].astype(str) + "; count suppressed"
    return table[[*SUBGROUP_COLUMNS, *EXTRA_COLUMNS]]


def forest_plot(table: pd.DataFrame, outcome: str, overall: float | None = None):
    """Draw a forest plot of the stratified effects of one outcome.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`estimate_subgroups` for the outcome.
    outcome : str
        The outcome (for labels).
    overall : float, optional
        The overall effect, drawn as a dashed line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    rows = table[(table["estimator"] == "twfe") & (table["term"] == "att")
                 & table["estimate"].notna()]
    labels = [f"{s}: {lvl}" for s, lvl in zip(rows["subgroup"], rows["level"], strict=True)]
    figure = Figure(figsize=(7.5, 0.35 * len(rows) + 1.6))
    ax = figure.subplots()
    y = np.arange(len(rows))[::-1]
    ax.errorbar(rows["estimate"], y, xerr=[rows["estimate"] - rows["ci_low"],
                                           rows["ci_high"] - rows["estimate"]],
                fmt="o", color="tab:blue", capsize=3)
    ax.axvline(0, color="black", linewidth=0.8)
    if overall is not None:
        ax.axvline(overall, color="tab:red", linestyle="--", linewidth=0.8,
                   label=f"all residents ({overall:.3f})")
        ax.legend(loc="best", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(f"Effect on {outcome} (TWFE within level, 95% CI)")
    ax.set_title(f"Who gained: {outcome}")
    return figure


def population_shares(data: pd.DataFrame, subgroups: Mapping[str, Any], *,
                      columns: Mapping[str, Any], design: str) -> pd.DataFrame:
    """Share of the programme areas' respondents in each subgroup level.

    Each respondent counts once, at their baseline level (in a repeated cross-section each
    row is a respondent). Crossed subgroups are included. These shares weight the
    subgroup effects when the value of the benefits is split by subgroup.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file (residents only).
    subgroups : mapping
        The config's ``subgroups``.
    columns : mapping
        The config's ``columns``.
    design : str
        The survey design.

    Returns
    -------
    pandas.DataFrame
        Columns subgroup, level, share (summing to 1 within each subgroup).
    """
    from wellby.panel import EVER_TREATED

    person = columns["id"] if design == "panel" else None
    programme = data[data[EVER_TREATED] == 1]
    rows = []
    for name, levels in subgroup_levels(programme, subgroups, True, person,
                                        columns["wave"]).items():
        frame = pd.DataFrame({"level": levels})
        if person is not None:
            frame["person"] = programme[person].to_numpy()
            frame = frame.drop_duplicates("person")
        counts = frame["level"].value_counts(sort=False)
        counts = counts.reindex(levels.cat.categories, fill_value=0)
        for level, count in counts.items():
            rows.append({"subgroup": name, "level": level, "share": count / counts.sum()})
    return pd.DataFrame(rows, columns=["subgroup", "level", "share"])
