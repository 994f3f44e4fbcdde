"""Whether the programme widened or narrowed the gap between two subgroup levels.

Big Local's gains went to residents with more qualifications and, at first, to men: the
programme may have widened a gap that was there before it started. For a pair of levels of
one subgroup variable (``lower``, the less advantaged, and ``upper``), :func:`effect_gap`
fits the pooled interaction (triple-difference) model of
:func:`wellby.analysis.subgroups.interaction_model` on the rows of the two levels: unit
fixed effects, wave-by-level fixed effects (each level keeps its own time path) and the
treatment, here parameterised as

    y = ... + b_lower x treated + d x treated x [level = upper]

so ``d`` = effect(upper) - effect(lower) is one coefficient, with its standard error,
interval and p-value from :func:`wellby.estimators.ols.fit_ols` (clustered on
:func:`wellby.analysis.effects.cluster_column` when ``models.vcov`` is ``cluster``:
CRV1, t(G - 1)). The two parameterisations span the same columns, so ``d`` is exactly the
difference of the level effects of the interaction model.

The baseline gap is the upper level's mean outcome minus the lower level's in the
programme areas before they started (rows of ever-treated units not yet treated; weighted
by ``columns.weight`` when configured). The verdict compares the two at ``models.alpha``:

- ``widened``: ``d`` is significant and has the sign of the baseline gap (the advantaged
  level, higher at baseline, gained more; or, with no baseline gap, any significant ``d``);
- ``narrowed``: ``d`` is significant and has the opposite sign;
- ``no evidence of a change in the gap`` otherwise.

:func:`gap_table` does this for the configured pairs (``cba.distribution.gaps``) and
outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.analysis.effects import cluster_column, model_units
from wellby.analysis.subgroups import subgroup_levels
from wellby.config.typed import Columns, Models
from wellby.errors import DataError
from wellby.estimators.ols import fit_ols
from wellby.prepare.panel import EVER_TREATED, TREATED

GAP_COLUMNS = ["outcome", "subgroup", "lower", "upper", "baseline_gap", "estimate",
               "std_error", "ci_low", "ci_high", "p_value", "n_obs", "n_clusters", "verdict"]
WIDENED = "widened"
NARROWED = "narrowed"
NO_EVIDENCE = "no evidence of a change in the gap"
_GAP_TERM = "_treated_x_upper"


def _verdict(estimate: float, p_value: float, baseline_gap: float, alpha: float) -> str:
    if not (math.isfinite(p_value) and p_value < alpha):
        return NO_EVIDENCE
    return WIDENED if baseline_gap == 0 or np.sign(estimate) == np.sign(baseline_gap) \
        else NARROWED


def _baseline_gap(frame: pd.DataFrame, outcome: str, is_upper: pd.Series,
                  columns: Columns) -> float:
    """Upper minus lower mean outcome in the programme areas' rows before they started."""
    if EVER_TREATED in frame.columns:
        ever = frame[EVER_TREATED] == 1
    else:
        cohort = pd.to_numeric(frame[columns.cohort], errors="coerce")
        ever = cohort.fillna(0) > 0
    before = (ever & (frame[TREATED] == 0)).to_numpy()
    values = frame[outcome].to_numpy(dtype=float)
    weights = frame[columns.weight].to_numpy(dtype=float) if columns.weight else None
    means = []
    for upper in (True, False):
        rows = before & (is_upper.to_numpy() == upper)
        if not rows.any():
            return math.nan
        means.append(float(np.average(values[rows],
                                      weights=None if weights is None else weights[rows])))
    return means[0] - means[1]


def effect_gap(data: pd.DataFrame, outcome: str, *, subgroup_levels: pd.Series, lower: Any,
               upper: Any, columns: Columns | Mapping[str, Any], design: str,
               models: Models | Mapping[str, Any], subgroup: str | None = None
               ) -> dict[str, Any]:
    """Estimate how the programme changed the gap between two levels of a subgroup.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file (with the ``treated`` column of :mod:`wellby.prepare.panel`).
    outcome : str
        The outcome column.
    subgroup_levels : pandas.Series
        The subgroup level of each row of ``data`` (in a panel, each person's baseline
        level, as :func:`wellby.analysis.subgroups.subgroup_levels` gives it).
    lower, upper : level
        The less and the more advantaged level; the gap is upper minus lower.
    columns, design, models
        Config sections: ``columns`` and ``models`` typed, or as
        :func:`wellby.config.validate_config` returns them.
    subgroup : str, optional
        The subgroup's name, for the returned row.

    Returns
    -------
    dict
        ``GAP_COLUMNS``: outcome, subgroup, lower, upper, baseline_gap, estimate
        (effect in upper - effect in lower), std_error, ci_low, ci_high (``1 -
        models.alpha``), p_value, n_obs, n_clusters, verdict.

    Raises
    ------
    wellby.errors.DataError
        A level that is not among the subgroup's levels, a level with no observations of
        the outcome, no pre-programme rows of programme areas in a level (no baseline gap),
        or a model that cannot be fitted (e.g. no treated rows in a level).
    """
    columns, models = Columns.coerce(columns), Models.coerce(models)
    key = f"cba.distribution.gaps ({subgroup or 'subgroup'}: {lower} vs {upper})"
    # Levels are compared as text, through the categories: a text copy of every row's
    # level takes a quarter of a second a million rows, and this runs per gap and outcome.
    levels = (subgroup_levels if isinstance(subgroup_levels.dtype, pd.CategoricalDtype)
              else subgroup_levels.astype("category"))
    names = [str(category) for category in levels.cat.categories]
    codes = levels.cat.codes.to_numpy()
    lower, upper = str(lower), str(upper)
    used = data[outcome].notna().to_numpy()
    in_level = {value: np.isin(codes, [i for i, name in enumerate(names) if name == value])
                for value in (lower, upper)}
    for value in (lower, upper):
        if not (in_level[value] & used).any():
            known = sorted({names[code] for code in np.unique(codes[codes >= 0])})
            raise DataError(f"no observation of '{outcome}' in level '{value}' (levels with "
                            f"data: {known})", column=outcome, config_key=key)
    keep = used & (in_level[lower] | in_level[upper])
    cluster = cluster_column(columns, models) if models.vcov == "cluster" else None
    # only the model's columns are filtered: a copy of every column cost more than the fit
    modelled = [c for c in dict.fromkeys([outcome, TREATED, EVER_TREATED, columns.cohort,
                                          columns.wave, model_units(columns, design),
                                          cluster, columns.weight, *models.covariates])
                if c and c in data.columns]
    frame = data.loc[keep, modelled].copy(deep=False)  # the filter already made new arrays
    is_upper = pd.Series(in_level[upper][keep], index=frame.index)
    frame[_GAP_TERM] = frame[TREATED] * is_upper.astype(float)
    frame["_wave_by_level"] = 2 * pd.factorize(frame[columns.wave])[0] + is_upper.to_numpy()
    baseline = _baseline_gap(frame, outcome, is_upper, columns)
    if not math.isfinite(baseline):
        raise DataError(f"no rows of programme areas before they started in '{lower}' or "
                        f"'{upper}': the baseline gap is undefined", column=outcome,
                        config_key=key)
    try:
        result = fit_ols(frame, outcome, [TREATED, _GAP_TERM, *models.covariates],
                         absorb=[model_units(columns, design), "_wave_by_level"],
                         cluster=cluster, weights=columns.weight, vcov=models.vcov,
                         alpha=models.alpha)
    except ValueError as err:
        raise DataError(f"the gap model of '{outcome}' could not be fitted: {err}",
                        column=outcome, config_key=key) from err
    gap = next(c for c in result.coefficients if c.term == _GAP_TERM)
    return {"outcome": outcome, "subgroup": subgroup, "lower": lower, "upper": upper,
            "baseline_gap": baseline, "estimate": gap.estimate, "std_error": gap.std_error,
            "ci_low": gap.ci_low, "ci_high": gap.ci_high, "p_value": gap.p_value,
            "n_obs": result.n_obs, "n_clusters": result.n_clusters,
            "verdict": _verdict(gap.estimate, gap.p_value, baseline, models.alpha)}


def gap_table(data: pd.DataFrame, outcomes: Sequence[str], *,
              gaps: Sequence[Mapping[str, Any]], subgroups: Mapping[str, Any],
              columns: Columns | Mapping[str, Any], design: str,
              models: Models | Mapping[str, Any]) -> pd.DataFrame:
    """Estimate the change in every configured gap for every outcome.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file.
    outcomes : sequence of str
        Outcome columns.
    gaps : sequence of mapping
        ``cba.distribution.gaps``: ``{subgroup, lower, upper}`` pairs.
    subgroups : mapping
        The config's ``subgroups`` section (a pair's subgroup must be one of its keys).
    columns, design, models
        Config sections (typed or validated mappings).

    Returns
    -------
    pandas.DataFrame
        ``GAP_COLUMNS``, one row per outcome x pair (see :func:`effect_gap`); empty with
        these columns when no gap is configured.

    Raises
    ------
    wellby.errors.DataError
        A pair's subgroup is not configured, or :func:`effect_gap` fails.
    """
    columns = Columns.coerce(columns)
    person, wave = (columns.id, columns.wave) if design == "panel" else (None, None)
    rows = []
    for pair in gaps:
        name = pair["subgroup"]
        if name not in subgroups:
            raise DataError(f"the gap's subgroup '{name}' is not a configured subgroup "
                            f"({sorted(subgroups)})",
                            config_key="cba.distribution.gaps")
        levels = subgroup_levels(data, {name: subgroups[name]}, cross=False,
                                 person=person, wave=wave)[name]
        for outcome in outcomes:
            rows.append(effect_gap(data, outcome, subgroup_levels=levels,
                                   lower=pair["lower"], upper=pair["upper"],
                                   columns=columns, design=design, models=models,
                                   subgroup=name))
    return pd.DataFrame(rows, columns=GAP_COLUMNS)
