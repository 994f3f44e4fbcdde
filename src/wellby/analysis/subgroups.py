"""Who gained: the programme's effect by subgroup, and whether it differs between subgroups.

For each outcome and each configured subgroup variable (and each pair of them crossed, e.g.
qualification x gender):

- stratified DiD within each level: ``twfe`` (term ``att``) always, and, when configured,
  ``callaway_santanna`` (``att_simple`` and the dynamic ``att_e`` by event time, so effects
  in the first waves after the start can be compared);
- one pooled interaction (triple-difference) model: treatment interacted with every level,
  unit fixed effects and wave-by-level fixed effects (each level keeps its own time path),
  reported as estimator ``twfe_interaction``, with a Wald test that the effect is equal in
  every level (level ``heterogeneity_wald``: the F statistic in ``statistic`` with ``df1``
  and ``df2``, ``estimate`` empty, p-value in ``p_value``; F(q, G-1) with the
  cluster-robust covariance, as fixest's ``wald()``).

p-values are adjusted for the number of subgroup tests (``p_adjusted``, by
``models.subgroups.adjust``: Holm or Benjamini-Hochberg): one family per outcome and
estimator for the level effects, and one per outcome for the heterogeneity tests.
``std_effect`` is the effect in units of the outcome's standard deviation in the first wave
(before any area started; Glass's delta). A level with too few observations
(``models.subgroups.min_obs``) or clusters (``min_clusters``) is reported with its reason,
not fitted.

Disclosure control counts people (:mod:`wellby.report.disclosure`): every row carries
``n_persons``, the distinct persons with the outcome in the level (in a panel distinct
``columns.id``, each at their baseline level; in a repeated cross-section every row is a
person), beside ``n_obs`` (person-waves). A level or crossed cell with 1 to
``min_cell - 1`` persons is not estimated (so it is in no pooled model either) and is
published without numbers: ``suppressed = "primary"`` and the reason in ``note``. Its count
must not come back by subtraction from the other levels and a total (the overall
``n_obs`` in ``did.csv``, the persons of the whole sample, a crossed cell's margins, or the
heterogeneity test's count of the pooled levels), so complementary cells are suppressed
too (``suppressed = "secondary"``: counts blank, estimates kept), chosen by
:func:`wellby.report.disclosure.protect` over those relations. This is the standard cell
suppression of official statistics; it keeps every other level's size, which withholding
all per-level counts of a subgroup variable would not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from wellby.analysis.effects import model_units
from wellby.analysis.multiple_testing import adjust_p_values
from wellby.analysis.tables import SUBGROUP_COLUMNS, TEST_COLUMNS
from wellby.config.typed import Columns, Models, SubgroupSettings
from wellby.errors import DataError
from wellby.estimators._sample import factor_codes
from wellby.estimators.callaway_santanna import fit_callaway_santanna
from wellby.estimators.distributions import f_sf
from wellby.estimators.fixed_effects import ConvergenceError, compress_codes, is_nested
from wellby.estimators.ols import Design, OlsResult, fit_nested_blocks, fit_ols
from wellby.estimators.twfe import fit_twfe
from wellby.prepare.grouping import dense_codes, distinct_per_group
from wellby.prepare.panel import TREATED
from wellby.prepare.variables import compares_areas
from wellby.report.disclosure import (
    PRIMARY,
    SECONDARY,
    SECONDARY_REASON,
    SUPPRESSED,
    count_persons,
    primary_reason,
    protect,
)
from wellby.report.subgroup_figures import forest_plot  # noqa: F401  (moved; re-exported)

EXTRA_COLUMNS = ["n_persons", "estimator", "term", "rel_time", "n_clusters", "std_effect",
                 *TEST_COLUMNS, "note", SUPPRESSED]
HETEROGENEITY = "heterogeneity_wald"
NO_OBSERVATIONS = "not estimated: no observations in this level"
"""A level no one with the outcome is in (such as ``unknown`` when every code mapped): it
is left out of the table, as it did not occur."""


def baseline_levels(levels: pd.Series, person: pd.Series, wave: pd.Series) -> pd.Series:
    """Give every row its person's level at their first answered wave.

    Subgroups are baseline characteristics: an answer that changes between waves (see
    the linkage table) does not move a person from one stratum to another.
    """
    person_codes, persons = pd.factorize(person)
    level_codes = levels.cat.codes.to_numpy()
    answered = np.flatnonzero((level_codes >= 0) & (person_codes >= 0))
    order = answered[np.lexsort((wave.to_numpy(dtype=float)[answered], person_codes[answered]))]
    ordered_persons = person_codes[order]
    first = order[np.r_[True, ordered_persons[1:] != ordered_persons[:-1]]]
    per_person = np.full(len(persons), -1, dtype=level_codes.dtype)
    per_person[person_codes[first]] = level_codes[first]
    codes = np.where(person_codes >= 0, per_person[person_codes], -1)
    return pd.Series(pd.Categorical.from_codes(codes, categories=levels.cat.categories),
                     index=levels.index)


def crossed_pairs(names: Sequence[str], cross: bool | Sequence[Sequence[str]]
                  ) -> list[tuple[str, str]]:
    """Return the pairs of subgroups to cross (``models.subgroups.cross``).

    ``True`` crosses every pair, ``False`` none, and a list of pairs only those of them
    whose two subgroups are both in ``names`` (in the order of ``names``).
    """
    if isinstance(cross, bool):
        return list(combinations(list(names), 2)) if cross else []
    wanted = {frozenset(pair) for pair in cross}
    return [(a, b) for a, b in combinations(list(names), 2) if frozenset((a, b)) in wanted]


def subgroup_levels(data: pd.DataFrame, subgroups: Mapping[str, Any],
                    cross: bool | Sequence[Sequence[str]],
                    person: str | None = None, wave: str | None = None
                    ) -> dict[str, pd.Series]:
    """Return each subgroup variable's level per row, with pairwise crosses.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file; each configured subgroup is a categorical column named after it.
    subgroups : mapping
        The config's ``subgroups`` section (its keys are used).
    cross : bool or sequence of pairs
        Add every pair of subgroups crossed (or the pairs listed), named ``a_x_b`` with
        levels ``la:lb`` (``models.subgroups.cross``, :func:`crossed_pairs`).
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
    for first, second in crossed_pairs(list(subgroups), cross):
        a, b = levels[first], levels[second]
        names = [f"{x}:{y}" for x in a.cat.categories for y in b.cat.categories]
        code_a, code_b = a.cat.codes.to_numpy(), b.cat.codes.to_numpy()
        codes = np.where((code_a >= 0) & (code_b >= 0),
                         code_a.astype(np.int64) * len(b.cat.categories) + code_b, -1)
        levels[f"{first}_x_{second}"] = pd.Series(
            pd.Categorical.from_codes(codes, categories=names), index=data.index)
    return levels


def baseline_sd(data: pd.DataFrame, outcome: str, wave: str) -> float:
    """Return the outcome's standard deviation in the first wave (the standardising unit)."""
    first = data[data[wave] == data[wave].min()][outcome].dropna()
    return float(first.std(ddof=1)) if len(first) > 1 else np.nan


def _too_small(rows: pd.DataFrame, columns: Columns, settings: SubgroupSettings
               ) -> str | None:
    n_obs, n_treated = len(rows), int(rows[TREATED].sum())
    if n_obs == 0:
        return NO_OBSERVATIONS
    if n_obs < settings.min_obs or n_treated < settings.min_obs:
        return (f"not estimated: fewer than {settings.min_obs} observations or treated "
                "observations")
    clusters = rows[columns.area].nunique()
    treated_clusters = rows.loc[rows[TREATED] == 1, columns.area].nunique()
    if min(clusters, treated_clusters) < settings.min_clusters:
        return (f"not estimated: fewer than {settings.min_clusters} areas (or treated "
                "areas)")
    return None


def _twfe_level(rows, outcome, columns, design, models, *, keep_design=False):
    result = fit_twfe(
        rows, outcome, TREATED, model_units(columns, design), columns.wave,
        cluster=columns.area if models.vcov == "cluster" else None,
        covariates=models.covariates, weights=columns.weight,
        vcov=models.vcov, alpha=models.alpha, keep_design=keep_design)
    return [{"estimator": "twfe", "term": "att", "estimate": result.estimate,
             "std_error": result.std_error, "ci_low": result.ci_low,
             "ci_high": result.ci_high, "p_value": result.p_value, "n_obs": result.n_obs,
             "n_clusters": result.n_clusters}], result.design


def _cs_level(rows, outcome, columns, design, models) -> list[dict[str, Any]]:
    result = fit_callaway_santanna(
        rows, outcome, model_units(columns, design), columns.wave, columns.cohort,
        design=design, control_group=models.control_group, cluster=columns.area,
        weights=columns.weight, covariates=models.covariates, alpha=models.alpha)
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


def _stratified(data, outcome, name, levels, persons, columns, design, models, settings,
                min_cell) -> tuple[list[dict], list, dict]:
    """Fit each level; also return the levels' TWFE designs for the pooled model.

    The designs (with the positions of their rows in ``data``) are kept only without
    covariates: with them the pooled model's common slopes tie the levels together.
    """
    rows, fitted, designs = [], [], {}
    used = data[outcome].notna()
    keep_designs = not models.covariates
    for level in levels.cat.categories:
        in_level = (used & (levels == level)).to_numpy()
        subset = data[in_level]
        n_persons = int(persons.get(level, 0))
        base = {"subgroup": name, "level": level}
        if 0 < n_persons < min_cell:
            rows.append({**base, "estimator": "twfe", "term": "att",
                         "note": f"{primary_reason(min_cell)}; not estimated",
                         SUPPRESSED: PRIMARY})
            continue
        base["n_persons"] = n_persons
        reason = _too_small(subset, columns, settings)
        if reason:
            rows.append({**base, "estimator": "twfe", "term": "att", "n_obs": len(subset),
                         "note": reason})
            continue
        fitted.append(level)
        fits = [("twfe", _twfe_level)]
        if "callaway_santanna" in models.estimators:
            fits.append(("callaway_santanna", _cs_level))
        for estimator, fit in fits:
            try:
                if estimator == "twfe":
                    results, kept = fit(subset, outcome, columns, design, models,
                                        keep_design=keep_designs)
                    if kept is not None:
                        designs[level] = (kept, np.flatnonzero(in_level)[kept.rows])
                else:
                    results = fit(subset, outcome, columns, design, models)
            except ValueError as err:
                results = [{"estimator": estimator, "term": "att", "n_obs": len(subset),
                            "note": f"not estimated: {err}"}]
            rows += [{**base, "note": "", **r} for r in results]
    return rows, fitted, designs


def interaction_model(data: pd.DataFrame, outcome: str, name: str, levels: pd.Series,
                      fitted: list, *, columns: Columns | Mapping[str, Any], design: str,
                      models: Models | Mapping[str, Any], persons: pd.Series | None = None,
                      level_designs: Mapping[Any, tuple[Design, np.ndarray]] | None = None,
                      row_codes: tuple[np.ndarray, np.ndarray | None] | None = None
                      ) -> list[dict[str, Any]]:
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
        Config sections: ``columns`` and ``models`` typed, or as
        :func:`wellby.config.validate_config` returns them.
    persons : pandas.Series, optional
        Distinct persons per level (``n_persons`` of the rows; the test's row gets their
        sum over the pooled levels).
    level_designs : mapping, optional
        Level -> (its TWFE fit's demeaned design, the positions of the design's rows in
        ``data``), from the stratified fits. When every fitted level has one, there are no
        covariates and every unit is in one level, the pooled model is fitted from them
        (:func:`wellby.estimators.ols.fit_nested_blocks`: the same model, without
        absorbing the fixed effects again); otherwise it is fitted on the pooled rows.
    row_codes : (numpy.ndarray, numpy.ndarray or None), optional
        Every row's unit and cluster codes (:func:`model_row_codes`), when the caller
        pools several subgroups of the same data; otherwise they are coded here.

    Returns
    -------
    list of dict
        One row per level (estimator ``twfe_interaction``) and the ``heterogeneity_wald``
        row; empty with fewer than two levels.
    """
    if len(fitted) < 2:
        return []
    columns, models = Columns.coerce(columns), Models.coerce(models)
    cluster = columns.area if models.vcov == "cluster" else None
    unit = model_units(columns, design)
    rows = (data[outcome].notna() & levels.isin(fitted)).to_numpy()
    level = levels.cat.codes.to_numpy()[rows]
    fitted_codes = sorted(levels.cat.categories.get_loc(value) for value in fitted)
    fitted = [levels.cat.categories[code] for code in fitted_codes]
    result = _pooled_from_levels(data, rows, level, fitted, fitted_codes, level_designs,
                                 row_codes, unit=unit, cluster=cluster, outcome=outcome,
                                 columns=columns, models=models)
    if result is None:
        # Only the model's columns, built at once: a copy of the whole analysis file with
        # columns added one by one costs more than the fit at millions of rows.
        used = dict.fromkeys([outcome, TREATED, unit, cluster, columns.weight,
                              *models.covariates])
        frame = {name: data[name].array[rows] for name in used if name}  # dtypes kept
        # treatment x level, one coefficient per level (fit_ols's split: absorbed at once)
        frame["_level"] = level
        wave_codes = pd.factorize(data[columns.wave].to_numpy()[rows])[0]
        frame["_wave_by_level"] = wave_codes * len(levels.cat.categories) + level
        frame = pd.DataFrame(frame)
        result = fit_ols(frame, outcome, [TREATED, *models.covariates],
                         absorb=[unit, "_wave_by_level"], cluster=cluster,
                         weights=columns.weight, vcov=models.vcov, alpha=models.alpha,
                         split=(TREATED, "_level"))
    coefficients = {c.term: c for c in result.coefficients}
    terms = [f"{TREATED}:{code}" for code in fitted_codes]
    lost = [str(value) for value, term in zip(fitted, terms, strict=True)
            if term not in coefficients]
    if lost:
        raise ValueError(f"no observations left in level(s) {', '.join(lost)} once the "
                         "singletons are dropped")
    rows = [{"subgroup": name, "level": value, "estimator": "twfe_interaction", "term": "att",
             "estimate": coefficients[term].estimate, "std_error": coefficients[term].std_error,
             "ci_low": coefficients[term].ci_low, "ci_high": coefficients[term].ci_high,
             "p_value": coefficients[term].p_value,
             "n_obs": int((level == code).sum()), "n_clusters": result.n_clusters,
             "n_persons": int(persons[value]) if persons is not None else np.nan,
             "note": ""}
            for value, code, term in zip(fitted, fitted_codes, terms, strict=True)]
    beta = np.array([coefficients[t].estimate for t in terms])
    cov = result.cov[: len(terms), : len(terms)]
    contrast = np.hstack([-np.ones((len(terms) - 1, 1)), np.eye(len(terms) - 1)])
    difference = contrast @ beta
    q = len(terms) - 1
    statistic = float(difference @ np.linalg.solve(contrast @ cov @ contrast.T, difference)) / q
    df2 = (result.n_clusters - 1) if result.n_clusters else result.df_resid
    rows.append({"subgroup": name, "level": HETEROGENEITY, "estimator": "twfe_interaction",
                 "term": HETEROGENEITY, "statistic": statistic, "df1": q, "df2": df2,
                 "distribution": "F",
                 "p_value": float(f_sf(statistic, q, df2)), "n_obs": result.n_obs,
                 "n_clusters": result.n_clusters,
                 "n_persons": (int(sum(persons[value] for value in fitted))
                               if persons is not None else np.nan),
                 "note": f"F({q}, {df2}) test that the effect is equal in every level"})
    return rows


def model_row_codes(data: pd.DataFrame, unit: str, cluster: str | None
                    ) -> tuple[np.ndarray, np.ndarray | None]:
    """Code every row's model unit and cluster as integers (-1 where missing).

    The pooled models of all the subgroups share them: :func:`estimate_subgroups` codes
    the rows once, not once per subgroup (an area column of text at 3M rows: 0.1 s).
    """
    return factor_codes(data, unit), None if cluster is None else factor_codes(data, cluster)


def _pooled_from_levels(data, rows, level, fitted, fitted_codes, level_designs, row_codes, *,
                        unit, cluster, outcome, columns, models) -> OlsResult | None:
    """Fit the pooled interaction model from the levels' own designs, where it separates.

    Without covariates, and with every unit in one level (persons at their baseline
    level), the unit and wave-by-level fixed effects are nested in the levels, so the
    pooled model is the levels' TWFE designs stacked (:func:`fit_nested_blocks`). None
    where it does not separate, or a level's design is missing: the caller fits the
    pooled rows.

    Every unit must be in one level among all the pooled model's rows (``rows``, with
    ``level`` their level codes), not only among the rows the levels' fits kept: a
    person's one row in another level is a singleton there, but not in the pooled model.
    """
    if models.covariates or not level_designs or any(v not in level_designs for v in fitted):
        return None
    if row_codes is None:
        row_codes = model_row_codes(data, unit, cluster)
    units = row_codes[0][rows]
    known = units >= 0
    if not is_nested(compress_codes(units[known])[0], level[known]):
        return None  # a unit in two levels (an area, in a repeated cross-section)
    blocks = [level_designs[value] for value in fitted]
    positions = [where for _, where in blocks]
    clusters = None if cluster is None else [row_codes[1][where] for where in positions]
    return fit_nested_blocks(
        [block for block, _ in blocks], fitted_codes, clusters, outcome=outcome,
        absorb=[unit, "_wave_by_level"], cluster=cluster, weights=columns.weight,
        vcov=models.vcov, alpha=models.alpha)


def level_persons(levels: pd.Series, person: pd.Series | None) -> pd.Series:
    """Count the distinct persons in each level (every row is a person without ``person``).

    Parameters
    ----------
    levels : pandas.Series
        Categorical level of each row.
    person : pandas.Series, optional
        The respondent of each row (a panel's ``columns.id``).

    Returns
    -------
    pandas.Series
        Persons by level, every category included (zero when empty).
    """
    n_levels = len(levels.cat.categories)
    level = levels.cat.codes.to_numpy().astype(np.int64)
    placed = level >= 0
    if person is None:
        return pd.Series(np.bincount(level[placed], minlength=n_levels),
                         index=levels.cat.categories)
    ids = dense_codes(person.to_numpy())
    if ids is None:
        # text pseudonyms, missing or sparse ids: count_persons' groupby (0.4 s at 2M
        # rows, where the flags over integer codes take a tenth of it)
        counts = count_persons(levels.rename("level"), person)
        return counts.reindex(levels.cat.categories, fill_value=0).astype(int)
    return pd.Series(distinct_per_group(ids[placed], level[placed], n_levels),
                     index=levels.cat.categories)


def suppression_relations(persons: Mapping[str, pd.Series],
                          crosses: Mapping[str, tuple[str, str]],
                          pooled: Mapping[str, list]) -> list[dict]:
    """Additive relations between the published person counts of a subgroups table.

    Parameters
    ----------
    persons : mapping of str to pandas.Series
        Persons per level, by subgroup name (crossed subgroups included).
    crosses : mapping of str to (str, str)
        Crossed subgroup name -> the two subgroups it crosses.
    pooled : mapping of str to list
        Subgroup name -> the levels in its pooled interaction model (whose
        heterogeneity row counts their sum).

    Returns
    -------
    list of dict
        Relations for :func:`wellby.report.disclosure.protect`, cells keyed ``(subgroup,
        level)``: each subgroup's levels add up to its total (treated as published, e.g.
        through ``did.csv``); a crossed cell's row and column add up to the levels of the
        two subgroups; the heterogeneity row is the sum of the pooled levels.
    """
    relations: list[dict] = []
    for name, counts in persons.items():
        if name in crosses:
            continue
        relations.append({("total", name): 1.0, **{(name, lvl): -1.0 for lvl in counts.index}})
    for name, (first, second) in crosses.items():
        if name not in persons:
            continue
        for a in persons[first].index:
            relations.append({(first, a): 1.0, **{(name, f"{a}:{b}"): -1.0
                                                  for b in persons[second].index}})
        for b in persons[second].index:
            relations.append({(second, b): 1.0, **{(name, f"{a}:{b}"): -1.0
                                                   for a in persons[first].index}})
    for name, levels in pooled.items():
        relations.append({(name, HETEROGENEITY): 1.0, **{(name, lvl): -1.0 for lvl in levels}})
    return relations


DID_ESTIMATORS = frozenset({"twfe", "callaway_santanna", "twfe_interaction"})
"""Estimators of the residents' subgroups (the member cohort's are ``mixed_cohort*``)."""
POOLED_ESTIMATORS = frozenset({"twfe_interaction", "mixed_cohort_interaction"})
"""Estimators of a pooled interaction model, whose test row publishes its levels' persons."""


def suppress_subgroup_counts(table: pd.DataFrame, persons: Mapping[str, pd.Series],
                             crosses: Mapping[str, tuple[str, str]], min_cell: int
                             ) -> pd.DataFrame:
    """Apply primary and secondary suppression to the counts of a subgroups table.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`estimate_subgroups` for one outcome (``n_persons``, ``n_obs``).
    persons : mapping of str to pandas.Series
        Persons per level, by subgroup name.
    crosses : mapping of str to (str, str)
        Crossed subgroups and what they cross.
    min_cell : int
        Smallest count of persons that may be published.

    Returns
    -------
    pandas.DataFrame
        A copy where every row of a suppressed level (and the heterogeneity row of a
        subgroup whose pooled levels would give one back) has ``n_obs`` and ``n_persons``
        blank, ``suppressed`` set to ``"primary"`` or ``"secondary"`` and the reason in
        ``note``. Estimates are untouched (a primary level has none).
    """
    out = table.copy()
    values = {(name, level): float(count) for name, counts in persons.items()
              for level, count in counts.items()}
    pooled: dict[str, list] = {}
    tests = out[(out["level"] == HETEROGENEITY) & out["n_persons"].notna()]
    for name in tests["subgroup"].unique():
        members = out[(out["subgroup"] == name) & out["estimator"].isin(POOLED_ESTIMATORS)
                      & (out["level"] != HETEROGENEITY)]["level"].unique().tolist()
        pooled[name] = members
        values[(name, HETEROGENEITY)] = float(sum(persons[name][lvl] for lvl in members))
    # the levels' own counts are worth more to a reader than a test's pooled count
    tests_last = {(name, HETEROGENEITY): 1 for name in pooled}
    status = protect(values, suppression_relations(persons, crosses, pooled), min_cell,
                     priority=tests_last)
    keys = list(zip(out["subgroup"], out["level"], strict=True))
    state = pd.Series([status.get(key, "") for key in keys], index=out.index)
    hidden = state != ""
    out.loc[hidden, ["n_obs", "n_persons"]] = np.nan
    out[SUPPRESSED] = out[SUPPRESSED].astype(object)
    out.loc[hidden, SUPPRESSED] = state[hidden]
    secondary = state == SECONDARY
    notes = out["note"].fillna("").astype(str)
    out.loc[secondary, "note"] = [f"{n}; {SECONDARY_REASON}" if n else SECONDARY_REASON
                                  for n in notes[secondary]]
    return out


def with_contract_columns(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Give subgroup rows every ``subgroups.csv`` column, their outcome, p_adjusted to fill.

    Missing columns are added empty, ``p_adjusted`` is emptied (adjusted once all rows are
    in) and ``suppressed`` holds text, empty where nothing is withheld.
    """
    for column in [*SUBGROUP_COLUMNS, *EXTRA_COLUMNS]:
        if column not in table.columns:
            table[column] = np.nan
    table["outcome"] = outcome
    table["p_adjusted"] = np.nan
    table[SUPPRESSED] = table[SUPPRESSED].astype(object).where(table[SUPPRESSED].notna(), "")
    return table


def _empty_table(outcome: str) -> pd.DataFrame:
    """Return the subgroups table with no rows (no subgroup, or no area comparison)."""
    return pd.DataFrame(columns=[*SUBGROUP_COLUMNS, *EXTRA_COLUMNS])


def estimate_subgroups(data: pd.DataFrame, outcome: str, *, subgroups: Mapping[str, Any],
                       columns: Columns | Mapping[str, Any], design: str,
                       models: Models | Mapping[str, Any], min_cell: int) -> pd.DataFrame:
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
        As for :func:`wellby.analysis.effects.estimate_outcome`: the study's ``columns`` and
        ``models`` typed, or as :func:`wellby.config.validate_config` returns them (every
        default filled in). ``models.subgroups`` says how levels are tested: ``adjust``,
        ``min_obs``, ``min_clusters`` and ``cross``.
    min_cell : int
        Smallest count of distinct persons published (``report.min_cell``): a level with
        fewer is not estimated, and its counts, and those that would give them back by
        subtraction, are suppressed (see the module notes).

    Returns
    -------
    pandas.DataFrame
        The ``subgroups.csv`` contract columns, then n_persons (distinct persons with the
        outcome in the level), estimator, term, rel_time, n_clusters, std_effect, note and
        suppressed (``"primary"``, ``"secondary"`` or empty).
    """
    columns, models = Columns.coerce(columns), Models.coerce(models)
    settings = models.subgroups
    rows: list[dict[str, Any]] = []
    if not compares_areas(models) or not subgroups:
        return _empty_table(outcome)
    person = columns.id if design == "panel" else None
    by_name = subgroup_levels(data, subgroups, settings.cross, person, columns.wave)
    crosses = {f"{a}_x_{b}": (a, b) for a, b in crossed_pairs(list(subgroups), settings.cross)}
    used = data[outcome].notna()
    persons = {name: level_persons(levels[used], data.loc[used, person] if person else None)
               for name, levels in by_name.items()}
    row_codes = None if models.covariates else model_row_codes(
        data, model_units(columns, design), columns.area if models.vcov == "cluster" else None)
    for name, levels in by_name.items():
        stratified, fitted, designs = _stratified(data, outcome, name, levels, persons[name],
                                                  columns, design, models, settings, min_cell)
        rows += stratified
        try:
            rows += interaction_model(data, outcome, name, levels, fitted, columns=columns,
                                      design=design, models=models, persons=persons[name],
                                      level_designs=designs, row_codes=row_codes)
        except (ValueError, ConvergenceError) as err:
            rows.append({"subgroup": name, "level": HETEROGENEITY,
                         "estimator": "twfe_interaction", "term": HETEROGENEITY,
                         "note": f"not estimated: {err}"})
    table = with_contract_columns(pd.DataFrame(rows), outcome)
    if len(table):
        effects = table["level"] != HETEROGENEITY
        for _, index in table[effects].groupby("estimator").groups.items():
            table.loc[index, "p_adjusted"] = adjust_p_values(table.loc[index, "p_value"],
                                                             settings.adjust)
        tests = table.index[~effects]
        table.loc[tests, "p_adjusted"] = adjust_p_values(table.loc[tests, "p_value"],
                                                         settings.adjust)
        sd = baseline_sd(data, outcome, columns.wave)
        table["std_effect"] = np.where(effects, table["estimate"] / sd, np.nan)
        table = suppress_subgroup_counts(table, persons, crosses, min_cell)
        table = table[table["note"].fillna("") != NO_OBSERVATIONS].reset_index(drop=True)
    return table[[*SUBGROUP_COLUMNS, *EXTRA_COLUMNS]]


def population_shares(data: pd.DataFrame, subgroups: Mapping[str, Any], *,
                      columns: Columns | Mapping[str, Any], design: str) -> pd.DataFrame:
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
    columns : Columns or mapping
        The config's ``columns`` (typed, or as validated).
    design : str
        The survey design.

    Returns
    -------
    pandas.DataFrame
        Columns subgroup, level, share (summing to 1 within each subgroup) and n_persons
        (the respondents counted; for disclosure control, not for publication).
    """
    from wellby.prepare.panel import EVER_TREATED

    columns = Columns.coerce(columns)
    person = columns.id if design == "panel" else None
    programme = data[data[EVER_TREATED] == 1]
    rows = []
    for name, levels in subgroup_levels(programme, subgroups, True, person,
                                        columns.wave).items():
        frame = pd.DataFrame({"level": levels})
        if person is not None:
            frame["person"] = programme[person].to_numpy()
            frame = frame.drop_duplicates("person")
        counts = frame["level"].value_counts(sort=False)
        counts = counts.reindex(levels.cat.categories, fill_value=0)
        for level, count in counts.items():
            rows.append({"subgroup": name, "level": level, "share": count / counts.sum(),
                         "n_persons": int(count)})
    return pd.DataFrame(rows, columns=["subgroup", "level", "share", "n_persons"])


def value_published_levels(inputs: Any, subgroups: pd.DataFrame, shares: pd.DataFrame, *,
                           min_cell: int, alpha: float = 0.05) -> pd.DataFrame:
    """Value who the benefits reach, level by level, without disclosing small levels.

    Parameters
    ----------
    inputs : wellby.valuation.inputs.CbaInputs
        The cost-benefit inputs (``inputs.outcome`` is the outcome valued).
    subgroups : pandas.DataFrame
        ``subgroups.csv`` (with ``suppressed`` when written by :func:`estimate_subgroups`).
    shares : pandas.DataFrame
        :func:`population_shares` (subgroup, level, share, n_persons).
    min_cell : int
        Smallest count of persons published (``report.min_cell``).
    alpha : float, default 0.05
        Significance level of the levels' value intervals (``models.alpha``).

    Returns
    -------
    pandas.DataFrame
        :data:`wellby.valuation.distribution.SUBGROUP_VALUE_COLUMNS`, one row per level of
        ``shares`` in its order. A level with 1 to ``min_cell - 1`` persons in the programme areas,
        or suppressed (primary) for the valued outcome in ``subgroups.csv``, is listed
        with no share, persons or value and a note; the other levels' shares are among
        the persons of the published levels, rounded to whole percent, and valued by
        :func:`wellby.valuation.distribution.subgroup_value` (see
        :func:`wellby.report.disclosure.publishable_shares`).
    """
    from wellby.report.disclosure import publishable_shares
    from wellby.valuation.distribution import SUBGROUP_VALUE_COLUMNS, subgroup_value

    rows = subgroups
    if "outcome" in rows.columns:
        rows = rows[rows["outcome"] == inputs.outcome]
    # the member cohort's levels are other persons: their suppression is not the residents'
    rows = rows[rows["estimator"].isin(DID_ESTIMATORS)]
    flagged = (rows[SUPPRESSED] == PRIMARY if SUPPRESSED in rows.columns
               else pd.Series(False, index=rows.index))
    primary = set(zip(rows.loc[flagged, "subgroup"], rows.loc[flagged, "level"], strict=True))
    published, withheld = publishable_shares(shares, min_cell, withheld=primary)
    hidden = set(zip(withheld["subgroup"], withheld["level"], strict=True))
    effects = rows[(rows["estimator"] == "twfe") & (rows["term"] == "att")]
    effects = effects[[(s, lvl) not in hidden for s, lvl in zip(
        effects["subgroup"], effects["level"], strict=True)]]
    valued = (subgroup_value(inputs, effects, published, alpha=alpha) if len(published)
              else pd.DataFrame(
        columns=SUBGROUP_VALUE_COLUMNS))
    lookup = {(s, lvl): i for i, (s, lvl) in enumerate(zip(valued["subgroup"], valued["level"],
                                                          strict=True))}
    notes = dict(zip(zip(withheld["subgroup"], withheld["level"], strict=True),
                     withheld["note"], strict=True))
    out = []
    for key in zip(shares["subgroup"], shares["level"], strict=True):
        if key in lookup:
            out.append(valued.iloc[lookup[key]].to_dict())
        elif key in notes:
            out.append({"subgroup": key[0], "level": key[1], "note": notes[key]})
    return pd.DataFrame(out, columns=SUBGROUP_VALUE_COLUMNS)
