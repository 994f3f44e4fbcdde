"""Who gained in the followed member cohort: the change over waves by subgroup level.

Big Local's partnership members were surveyed in 2016, 2018 and 2020; their wellbeing rose
by 2018, and the published finding was that the gain went to members with higher
qualifications and, at first, to men. For each outcome and configured subgroup variable
(and each pair crossed, when ``models.subgroups.cross``), this module gives the
``subgroups.csv`` rows of that comparison, beside the DiD rows of
:func:`wellby.analysis.subgroups.estimate_subgroups`:

- stratified: :func:`wellby.estimators.mixed.fit_mixed_cohort` on each level's members
  (estimator ``mixed_cohort``, terms ``change_<wave>_vs_<first wave>``);
- pooled: :func:`wellby.estimators.mixed_interaction.fit_mixed_by_level`, one random-intercept
  model with a mean per wave and level (estimator ``mixed_cohort_interaction``, the same
  terms per level), and its Wald chi-square tests that the change is equal in every level:
  jointly over the waves (``level = term = heterogeneity_wald``) and per wave
  (``level = heterogeneity_wald``, ``term = change_<wave>_vs_<first wave>``), each with
  ``statistic``, ``df1``, ``distribution = "chi2"``, no ``df2`` and its p-value in
  ``p_value``.

The conventions are the DiD subgroups' (see :mod:`wellby.analysis.subgroups`): a person's
level is their level at their first answered wave; ``n_persons`` counts distinct members,
``n_obs`` their answers; a level of 1 to ``min_cell - 1`` members is not estimated and is
suppressed (``suppressed = "primary"``), and complementary counts are suppressed so that it
cannot be recovered from the other levels and the cohort's total (the ``n_clusters`` of the
``mixed_cohort`` row of ``did.csv``); a level with fewer than ``models.subgroups.min_obs``
answers, or seen in one wave only, or not in the first wave, is reported with its reason;
p-values are adjusted by ``models.subgroups.adjust`` within each estimator's level rows and
within the tests; ``std_effect`` is the change in units of the members' standard deviation
in the first wave. A level that cannot be fitted, or a pooled model that cannot, gives a
note, not an error; a fit that did not converge keeps its estimates and says so.

``n_clusters`` counts persons here (the random-intercept groups: the level's own members
in a level row, the pooled members in a test row), so it is hidden with the other counts
of a suppressed row. A covariate that is constant within a level (e.g. gender as a
covariate of the men's stratum) is left out of that level's stratified fit, where it
would be its intercept. The pooled model's standard errors use variance components
common to every level; the stratified fits let them differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.analysis.multiple_testing import adjust_p_values
from wellby.analysis.subgroups import (
    EXTRA_COLUMNS,
    HETEROGENEITY,
    NO_OBSERVATIONS,
    baseline_sd,
    crossed_pairs,
    level_persons,
    subgroup_levels,
    suppress_subgroup_counts,
    with_contract_columns,
)
from wellby.analysis.tables import SUBGROUP_COLUMNS
from wellby.config.typed import Columns, Models
from wellby.errors import DataError
from wellby.estimators.mixed import ESTIMATOR as STRATIFIED
from wellby.estimators.mixed import fit_mixed_cohort
from wellby.estimators.mixed_interaction import ESTIMATOR as POOLED
from wellby.estimators.mixed_interaction import fit_mixed_by_level
from wellby.report.disclosure import PRIMARY, SUPPRESSED, primary_reason

__all__ = ["POOLED", "STRATIFIED", "estimate_cohort_subgroups"]

FIT_ERRORS = (ValueError, DataError, np.linalg.LinAlgError)
"""What a fit raises for data it cannot estimate (reported as a note, not raised)."""
NOT_CONVERGED = "WARNING: the fit did not converge (estimates shown, treat with caution)"


def _label(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _term(wave, reference) -> str:
    """Return the term name :func:`fit_mixed_cohort` gives a change."""
    return f"change_{_label(wave)}_vs_{_label(reference)}"


def _with_note(note: str, extra: str) -> str:
    return f"{note}; {extra}" if note else extra


def _level_covariates(rows: pd.DataFrame, covariates: Sequence[str]) -> list[str]:
    """Return the covariates that vary within a level (a constant one is its intercept)."""
    return [c for c in covariates if rows[c].nunique(dropna=True) > 1]


def _size_reason(rows: pd.DataFrame, wave: str, reference, min_obs: int) -> str | None:
    """Why a level's members are too few to estimate their change, or None."""
    if len(rows) < min_obs:
        return (f"not estimated: fewer than {min_obs} answers from this level's members "
                "(models.subgroups.min_obs)")
    seen = sorted(rows[wave].unique())
    if len(seen) < 2:
        return (f"not estimated: this level's members answered in one wave only "
                f"({_label(seen[0])})")
    if reference not in seen:
        return (f"not estimated: none of this level's members answered in the first wave "
                f"({_label(reference)})")
    return None


def _stratified_level(rows, outcome, base, terms, reference, columns, models
                      ) -> list[dict[str, Any]]:
    """One level's changes from :func:`fit_mixed_cohort`, a row per cohort term."""
    try:
        result = fit_mixed_cohort(rows, outcome, columns.id, columns.wave,
                                  covariates=_level_covariates(rows, models.covariates),
                                  reference=reference, alpha=models.alpha,
                                  reml=models.mixed_method == "reml")
    except FIT_ERRORS as err:
        return [{**base, "term": t, "n_obs": len(rows), "note": f"not estimated: {err}"}
                for t in terms]
    found = {c.term: c for c in result.changes}
    note = "" if result.converged else NOT_CONVERGED
    out = []
    for term in terms:
        counts = {"n_obs": result.n_obs, "n_clusters": result.n_clusters}
        if term not in found:
            out.append({**base, "term": term, **counts,
                        "note": "not estimated: no answers from this level in that wave"})
            continue
        c = found[term]
        out.append({**base, "term": term, "estimate": c.estimate, "std_error": c.std_error,
                    "ci_low": c.ci_low, "ci_high": c.ci_high, "p_value": c.p_value,
                    **counts, "note": note})
    return out


def _stratified(members, outcome, name, levels, persons, terms, reference, columns, models,
                min_cell) -> tuple[list[dict], list]:
    """Rows of every level of one subgroup, and the levels fit for the pooled model."""
    rows, fitted = [], []
    for level in levels.cat.categories:
        n_persons = int(persons.get(level, 0))
        base = {"subgroup": name, "level": level, "estimator": STRATIFIED}
        if n_persons == 0:
            rows += [{**base, "term": t, "n_obs": 0, "note": NO_OBSERVATIONS} for t in terms]
            continue
        if n_persons < min_cell:
            rows += [{**base, "term": t, "note": f"{primary_reason(min_cell)}; not estimated",
                      SUPPRESSED: PRIMARY} for t in terms]
            continue
        subset = members[levels == level]
        base["n_persons"] = n_persons
        reason = _size_reason(subset, columns.wave, reference, models.subgroups.min_obs)
        if reason:
            rows += [{**base, "term": t, "n_obs": len(subset), "note": reason} for t in terms]
            continue
        fitted.append(level)
        rows += _stratified_level(subset, outcome, base, terms, reference, columns, models)
    return rows, fitted


def _not_tested(name: str, note: str) -> dict[str, Any]:
    return {"subgroup": name, "level": HETEROGENEITY, "estimator": POOLED,
            "term": HETEROGENEITY, "note": note}


def _pooled(members, outcome, name, levels, fitted, persons, reference, columns, models
            ) -> list[dict[str, Any]]:
    """Return the pooled model's level rows and tests (a note when nothing is tested)."""
    if len(fitted) < 2:
        return [_not_tested(name, "not tested: fewer than two levels with enough members "
                                  "to compare")]
    keep = levels.isin(fitted)
    frame = members[keep].assign(_level=levels[keep].cat.set_categories(fitted))
    try:
        result = fit_mixed_by_level(frame, outcome, columns.id, columns.wave, "_level",
                                    covariates=models.covariates, reference=reference,
                                    alpha=models.alpha, reml=models.mixed_method == "reml")
    except FIT_ERRORS as err:
        return [_not_tested(name, f"not estimated: {err}")]
    warning = "" if result.converged else NOT_CONVERGED
    tidy = result.tidy()
    tests = tidy["level"] == HETEROGENEITY
    # a level row's persons in the fit, not the pooled total: that total is the test row's
    # count, which suppression may have to hide
    tidy.loc[~tests, "n_clusters"] = tidy.loc[~tests, "n_persons"]
    tidy.loc[~tests, "n_persons"] = [int(persons[level]) for level in tidy.loc[~tests, "level"]]
    tidy.loc[tests, "n_persons"] = int(sum(persons[level] for level in fitted))
    tidy.loc[tests, "note"] = tidy.loc[tests, "note"] + " (pooled random-intercept model)"
    tidy["note"] = [_with_note(n, warning) if warning else n for n in tidy["note"]]
    tidy["subgroup"] = name
    return tidy.drop(columns="outcome").to_dict("records")


def _finish(table: pd.DataFrame, members, outcome, persons, crosses, columns, models,
            min_cell) -> pd.DataFrame:
    """Contract columns, adjusted p-values, standardised changes and suppression."""
    table = with_contract_columns(table, outcome)
    effects = table["level"] != HETEROGENEITY
    for _, index in table[effects].groupby("estimator").groups.items():
        table.loc[index, "p_adjusted"] = adjust_p_values(table.loc[index, "p_value"],
                                                         models.subgroups.adjust)
    tests = table.index[~effects]
    table.loc[tests, "p_adjusted"] = adjust_p_values(table.loc[tests, "p_value"],
                                                     models.subgroups.adjust)
    sd = baseline_sd(members, outcome, columns.wave)
    table["std_effect"] = np.where(effects, table["estimate"] / sd, np.nan)
    table = suppress_subgroup_counts(table, persons, crosses, min_cell)
    # n_clusters counts the fit's persons here (not areas): hidden with the other counts
    table.loc[table[SUPPRESSED] != "", "n_clusters"] = np.nan
    table = table[table["note"].fillna("") != NO_OBSERVATIONS].reset_index(drop=True)
    return table[[*SUBGROUP_COLUMNS, *EXTRA_COLUMNS]]


def estimate_cohort_subgroups(members: pd.DataFrame, outcome: str, *,
                              subgroups: Mapping[str, Any],
                              columns: Columns | Mapping[str, Any],
                              models: Models | Mapping[str, Any], min_cell: int
                              ) -> pd.DataFrame:
    """Estimate the member cohort's change by subgroup level, and test whether it differs.

    Parameters
    ----------
    members : pandas.DataFrame
        The followed cohort's rows, one per member and wave
        (:func:`wellby.prepare.panel.cohort_members` of the analysis file), with the
        derived subgroup columns (named by subgroup).
    outcome : str
        The outcome column.
    subgroups : mapping
        The config's ``subgroups`` section.
    columns, models
        The study's ``columns`` and ``models``, typed or as
        :func:`wellby.config.validate_config` returns them. ``columns.id`` and
        ``columns.wave`` identify members and waves; ``models.covariates``,
        ``mixed_method``, ``alpha`` and ``subgroups`` (``adjust``, ``min_obs``,
        ``cross``) are used.
    min_cell : int
        Smallest count of distinct persons published (``report.min_cell``).

    Returns
    -------
    pandas.DataFrame
        The ``subgroups.csv`` columns of :func:`wellby.analysis.subgroups.estimate_subgroups`
        (``SUBGROUP_COLUMNS`` then ``EXTRA_COLUMNS``): per subgroup, the stratified rows
        (estimator ``mixed_cohort``) and the pooled rows (``mixed_cohort_interaction``),
        one per level and term ``change_<wave>_vs_<first wave>``, then the joint and
        per-wave tests. Empty (with those columns) when there are no subgroups or no
        member has the outcome.

    Raises
    ------
    wellby.errors.DataError
        If ``columns.id`` is not set (a cohort needs its members' ids), or a subgroup,
        the id, the wave or the outcome column is missing.
    """
    columns, models = Columns.coerce(columns), Models.coerce(models)
    if not columns.id:
        raise DataError("the member cohort needs a respondent id to follow its members",
                        config_key="columns.id")
    for column in (columns.id, columns.wave, outcome):
        if column not in members.columns:
            raise DataError(f"column '{column}' is not in the member cohort's rows",
                            column=column)
    empty = pd.DataFrame(columns=[*SUBGROUP_COLUMNS, *EXTRA_COLUMNS])
    members = members[members[[outcome, columns.id, columns.wave]].notna().all(axis=1)]
    if not subgroups or members.empty:
        return empty
    waves = sorted(members[columns.wave].unique())
    reference, terms = waves[0], [_term(w, waves[0]) for w in waves[1:]]
    if not terms:
        return empty
    by_name = subgroup_levels(members, subgroups, models.subgroups.cross, columns.id,
                              columns.wave)
    crosses = {f"{a}_x_{b}": (a, b)
               for a, b in crossed_pairs(list(subgroups), models.subgroups.cross)}
    persons = {name: level_persons(levels, members[columns.id])
               for name, levels in by_name.items()}
    rows: list[dict[str, Any]] = []
    for name, levels in by_name.items():
        stratified, fitted = _stratified(members, outcome, name, levels, persons[name], terms,
                                         reference, columns, models, min_cell)
        rows += stratified
        rows += _pooled(members, outcome, name, levels, fitted, persons[name], reference,
                        columns, models)
    return _finish(pd.DataFrame(rows), members, outcome, persons, crosses, columns, models,
                   min_cell)
