r"""A followed cohort's change over waves by level: the pooled interaction mixed model.

The Big Local evaluation found that its partnership members' wellbeing rose by 2018 and
that the gain went to members with higher qualifications and, at first, to men.
:func:`fit_mixed_by_level` estimates each level's change from the reference wave in one
pooled random-intercept model and tests whether the changes differ between levels:

.. math::

    y_{it} = \mu_{t, g(i)} + x_{it}'\gamma + u_i + \varepsilon_{it},
    \quad u_i \sim N(0, \sigma_u^2), \quad \varepsilon_{it} \sim N(0, \sigma_e^2),

one mean per wave ``t`` and level ``g`` (a cell), which is ``outcome ~ C(wave) * C(level)
+ covariates + (1 | person)`` written in its cell-means parameterisation. The two have the
same column space, hence the same fit (the REML criterion depends on the design only
through its column space); the cell means are used because they stay full rank when a
level misses a wave (a treatment-coded interaction would then be all zeros). The
treatment-coded coefficients R reports (``wave[w]``, ``level[l]``, ``wave[w]:level[l]``)
are returned too, as linear combinations of the cell means.

Level ``l``'s change at wave ``w`` is :math:`\mu_{w,l} - \mu_{r,l}` (in R's coding the base
change plus the interaction), with its standard error :math:`\sqrt{c'Vc}` from the
fixed-effect covariance ``V``. The heterogeneity test is the Wald chi-square that every
level's change equals the first level's, at every wave (in R's coding: every interaction
is zero; ``(levels - 1) x (waves - 1)`` degrees of freedom when every cell is observed),
and per wave, that the change to that wave is equal across levels.

The model is fitted by :func:`wellby.estimators.random_intercept.fit_random_intercept`
(REML from group sums; its docstring says why not statsmodels' ``MixedLM``), whose
fixed-effect covariance is lme4's ``vcov``, :math:`(X'\hat V^{-1}X)^{-1}` at the estimated
variance components. The contrasts and the Wald quadratic forms are two lines of linear
algebra each, tested against lme4's values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from wellby.errors import DataError
from wellby.estimators._results import Coefficient
from wellby.estimators.distributions import chi2_sf, normal_quantile, normal_sf
from wellby.estimators.mixed_interaction_results import (
    HETEROGENEITY,
    LevelChange,
    MixedByLevelResult,
    WaldTest,
)
from wellby.estimators.mixed_interaction_results import wave_label as _label

__all__ = ["HETEROGENEITY", "LevelChange", "MixedByLevelResult", "WaldTest",
           "fit_mixed_by_level"]

ESTIMATOR = "mixed_cohort_interaction"


def _change_term(wave, reference) -> str:
    return f"change_{_label(wave)}_vs_{_label(reference)}"


def _coefficient(term: str, estimate: float, std_error: float, alpha: float) -> Coefficient:
    """Build a coefficient with normal (z) inference, as lme4 and statsmodels report."""
    z = estimate / std_error if std_error > 0 else np.nan
    half = normal_quantile(1 - alpha / 2) * std_error
    return Coefficient(term=term, estimate=float(estimate), std_error=float(std_error),
                       statistic=float(z), p_value=float(2 * normal_sf(abs(z))),
                       ci_low=float(estimate - half), ci_high=float(estimate + half))


def _missing(term: str) -> Coefficient:
    return Coefficient(term, *(np.nan,) * 6)


def _check(data, outcome, person, wave, level, covariates, alpha) -> None:
    roles = {"outcome": [outcome], "person": [person], "wave": [wave], "level": [level],
             "covariate": list(covariates)}
    for role, names in roles.items():
        for name in names:
            if name not in data.columns:
                raise DataError(f"{role} column '{name}' is not in the data; add it or "
                                "name another", column=name)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    column = data[outcome]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise DataError(f"outcome column '{outcome}' is not numeric", column=outcome)


def _ordered(values: pd.Series) -> list:
    """Distinct values in category order (categoricals) or sorted."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique())
        return [c for c in values.cat.categories if c in present]
    found = [v.item() if isinstance(v, np.generic) else v for v in pd.unique(values.dropna())]
    try:
        return sorted(found)
    except TypeError:
        return sorted(found, key=str)


def _covariate_columns(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Numeric covariates as they are, others as dummies of all but their first level."""
    parts = []
    for name in covariates:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            parts.append(column.astype(float).rename(name).to_frame())
        else:
            dummies = pd.get_dummies(pd.Categorical(column, categories=_ordered(column)),
                                     drop_first=True, dtype=float)
            dummies.columns = [f"{name}[T.{c}]" for c in dummies.columns]
            dummies.index = frame.index
            parts.append(dummies)
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def _fit(endog, exog: pd.DataFrame, groups, reml: bool) -> dict:
    """Fit the random-intercept model (:func:`fit_random_intercept`)."""
    from wellby.estimators.random_intercept import fit_random_intercept

    fit = fit_random_intercept(endog, exog, groups, reml=reml)
    return {"params": fit.params, "cov": fit.cov, "re_variance": fit.re_variance,
            "residual_variance": fit.residual_variance,
            "log_likelihood": fit.log_likelihood, "converged": fit.converged,
            "warnings": fit.warnings}


def _unit(cells: dict, key) -> np.ndarray | None:
    """Return the indicator of one cell's mean, or None if the cell is not observed."""
    if key not in cells:
        return None
    vector = np.zeros(len(cells))
    vector[cells[key]] = 1.0
    return vector


def _change_vector(cells: dict, level, wave, reference) -> np.ndarray | None:
    to, start = _unit(cells, (wave, level)), _unit(cells, (reference, level))
    return None if to is None or start is None else to - start


def _treatment_coding(cells, waves, levels, reference, n_covariates) -> tuple[list, np.ndarray]:
    """R's treatment-coded coefficients as rows of a matrix over the cell means.

    A row is NaN where a cell it needs is not observed.
    """
    base = levels[0]
    others = [w for w in waves if w != reference]
    nan = np.full(len(cells), np.nan)

    def row(*parts):
        if any(p is None for p in parts):
            return nan
        return sum(parts[1:], start=parts[0])

    def neg(v):
        return None if v is None else -v

    names, rows = ["(Intercept)"], [row(_unit(cells, (reference, base)))]
    for w in others:
        names.append(f"wave[{_label(w)}]")
        rows.append(row(_change_vector(cells, base, w, reference)))
    for lvl in levels[1:]:
        names.append(f"level[{lvl}]")
        rows.append(row(_unit(cells, (reference, lvl)), neg(_unit(cells, (reference, base)))))
    for lvl in levels[1:]:
        for w in others:
            names.append(f"wave[{_label(w)}]:level[{lvl}]")
            rows.append(row(_change_vector(cells, lvl, w, reference),
                            neg(_change_vector(cells, base, w, reference))))
    matrix = np.vstack(rows) if rows else np.zeros((0, len(cells)))
    full = np.zeros((len(names) + n_covariates, len(cells) + n_covariates))
    full[: len(names), : len(cells)] = matrix
    full[len(names):, len(cells):] = np.eye(n_covariates)
    return names, full


def _wald(contrasts: list[np.ndarray], params, cov) -> tuple[float, float]:
    """Chi-square statistic and p-value that every contrast is zero."""
    if not contrasts:
        return np.nan, np.nan
    c = np.vstack(contrasts)
    d = c @ params
    try:
        statistic = float(d @ np.linalg.solve(c @ cov @ c.T, d))
    except np.linalg.LinAlgError:
        return np.nan, np.nan
    return statistic, float(chi2_sf(statistic, len(contrasts)))


def _tests(cells, waves, levels, reference, params, cov) -> tuple[WaldTest, ...]:
    """Return the joint test, then one test per non-reference wave."""
    per_wave, everything = [], []
    ref = _label(reference)
    for w in [w for w in waves if w != reference]:
        vectors = {lvl: _change_vector(cells, lvl, w, reference) for lvl in levels}
        compared = [lvl for lvl in levels if vectors[lvl] is not None]
        contrasts = [vectors[lvl] - vectors[compared[0]] for lvl in compared[1:]]
        everything += contrasts
        statistic, p = _wald(contrasts, params, cov)
        if len(compared) < 2:
            note = (f"not tested: fewer than two levels observed in both {ref} and "
                    f"{_label(w)}")
        else:
            note = (f"Wald chi-square({len(contrasts)}) test that the change from {ref} to "
                    f"{_label(w)} is equal in every level")
        per_wave.append(WaldTest(_change_term(w, reference), w, statistic, len(contrasts), p,
                                 tuple(compared), note))
    statistic, p = _wald(everything, params, cov)
    compared = tuple(lvl for lvl in levels if any(lvl in t.levels for t in per_wave))
    note = (f"Wald chi-square({len(everything)}) test that the change from {ref} is equal "
            "in every level at every wave (all level-by-wave interactions zero)"
            if everything else "not tested: fewer than two levels observed in the same waves")
    joint = WaldTest(HETEROGENEITY, None, statistic, len(everything), p, compared, note)
    return (joint, *per_wave)


def _sample(data, outcome, person, wave, level, covariates, reference):
    used = list(dict.fromkeys([outcome, person, wave, level, *covariates]))
    frame = data[used].dropna()
    waves = _ordered(frame[wave])
    if len(waves) < 2:
        raise DataError(f"wave column '{wave}' has fewer than 2 waves with a non-missing "
                        "outcome, level and covariates", column=wave)
    if frame[person].nunique() < 2:
        raise DataError(f"person column '{person}' has fewer than 2 persons with a "
                        "non-missing outcome, level and covariates", column=person)
    if reference is None:
        reference = waves[0]
    elif reference not in waves:
        raise DataError(f"reference wave {reference!r} is not in wave column '{wave}' "
                        f"(waves: {', '.join(_label(w) for w in waves)})", column=wave)
    return frame, waves, _ordered(frame[level]), reference, len(data) - len(frame)


def _design(frame, wave, level, covariates) -> tuple[pd.DataFrame, dict]:
    keys = list(zip(frame[wave], frame[level], strict=True))
    cells: dict = {}
    for key in sorted(set(keys), key=lambda k: (str(k[1]), k[0])):
        cells[key] = len(cells)
    indicators = np.zeros((len(frame), len(cells)))
    indicators[np.arange(len(frame)), [cells[k] for k in keys]] = 1.0
    design = pd.concat([pd.DataFrame(indicators, index=frame.index,
                                     columns=[f"cell_{i}" for i in range(len(cells))]),
                        _covariate_columns(frame, covariates)], axis=1)
    if np.linalg.matrix_rank(design.to_numpy()) < design.shape[1]:
        raise DataError("the covariates are collinear with the waves and levels (one is "
                        "constant or determined by them): "
                        f"{list(design.columns[len(cells):])}", column=", ".join(covariates))
    return design, cells


def fit_mixed_by_level(data: pd.DataFrame, outcome: str, person: str, wave: str, level: str,
                       *, covariates: Sequence[str] = (), reference=None, alpha: float = 0.05,
                       reml: bool = True) -> MixedByLevelResult:
    """Estimate each level's change over waves in one pooled mixed model, and test equality.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data, one row per person and wave.
    outcome, person, wave : str
        Numeric outcome, person (random-intercept groups) and wave (categorical) columns.
    level : str
        The grouping column (e.g. qualification at baseline); a categorical keeps its
        category order (the first level present is R's base level), else sorted.
    covariates : sequence of str, default ()
        Further fixed effects: numeric ones linear, others as dummies (first level base).
    reference : optional
        The wave changes are measured from; the first wave by default.
    alpha : float, default 0.05
        Significance level of the ``1 - alpha`` confidence intervals.
    reml : bool, default True
        REML (``lme4::lmer``'s default); ML if false.

    Returns
    -------
    MixedByLevelResult
        Per level and non-reference wave the change (term ``change_<wave>_vs_<reference>``)
        with normal-based inference; the joint and per-wave Wald chi-square tests; R's
        treatment-coded fixed effects and their covariance; variance components and fit
        diagnostics.

    Raises
    ------
    wellby.errors.DataError
        If a column is missing, the outcome is not numeric, fewer than two waves or
        persons remain after dropping rows with a missing value, the reference wave is not
        in the data, or the covariates are collinear with the cells.
    ValueError
        If ``alpha`` is not in (0, 1).

    Notes
    -----
    A level not observed in the reference wave or in wave ``w`` has no change to ``w``
    (NaN, with a note) and is left out of that wave's test; the joint test then has fewer
    than ``(levels - 1) x (waves - 1)`` degrees of freedom (``WaldTest.df``). With one
    level there is nothing to test (NaN, with a note). The model is fitted whatever the
    levels, so a non-convergence is reported (``converged``, ``warnings``), not raised.
    Standard errors are model-based (equal to lme4's ``vcov``), intervals and p-values
    normal; a level's change is estimated with every level's data, so its standard
    error borrows the pooled residual and between-person variances.
    """
    covariates = list(covariates)
    _check(data, outcome, person, wave, level, covariates, alpha)
    frame, waves, levels, reference, dropped = _sample(data, outcome, person, wave, level,
                                                       covariates, reference)
    design, cells = _design(frame, wave, level, covariates)
    fit = _fit(frame[outcome], design, frame[person], reml)
    params, cov = fit["params"], fit["cov"]

    changes = []
    for lvl in levels:
        rows = frame[frame[level] == lvl]
        counts = {"n_obs": len(rows), "n_persons": int(rows[person].nunique())}
        for w in [w for w in waves if w != reference]:
            term = _change_term(w, reference)
            vector = _change_vector(cells, lvl, w, reference)
            if vector is None:
                seen = ", ".join(_label(x) for x in waves if (x, lvl) in cells)
                changes.append(LevelChange(lvl, w, _missing(term), **counts,
                                           note=f"not estimated: level observed only in "
                                                f"wave(s) {seen}"))
                continue
            se = float(np.sqrt(vector @ cov[: len(cells), : len(cells)] @ vector))
            coefficient = _coefficient(term, float(vector @ params[: len(cells)]), se, alpha)
            changes.append(LevelChange(lvl, w, coefficient, **counts, note=""))

    names, coding = _treatment_coding(cells, waves, levels, reference,
                                      design.shape[1] - len(cells))
    names += list(design.columns[len(cells):])
    estimable = ~np.isnan(coding).any(axis=1)
    coding = np.nan_to_num(coding)
    effects = np.where(estimable, coding @ params, np.nan)
    effects_cov = coding @ cov @ coding.T
    effects_cov[~estimable, :] = np.nan
    effects_cov[:, ~estimable] = np.nan
    n_cells = len(cells)
    return MixedByLevelResult(
        outcome=outcome, person=person, wave=wave, level=level, estimator=ESTIMATOR,
        reference=reference, waves=tuple(waves), levels=tuple(levels),
        changes=tuple(changes),
        tests=_tests(cells, waves, levels, reference, params[:n_cells],
                     cov[:n_cells, :n_cells]),
        fixed_effects=pd.Series(effects, index=names),
        cov_params=pd.DataFrame(effects_cov, index=names, columns=names),
        re_variance=fit["re_variance"], residual_variance=fit["residual_variance"],
        log_likelihood=fit["log_likelihood"], reml=reml, alpha=alpha, n_obs=len(frame),
        n_clusters=int(frame[person].nunique()), n_dropped_missing=dropped,
        converged=fit["converged"], warnings=fit["warnings"])
