"""Power of the difference-in-differences design and the effect it can detect.

How small an effect on wellbeing could the study have detected, and is that smaller than
the effect at which the programme pays for itself (the WELLBY break-even effect)? This
module answers from the design's own variance components:

- :func:`variance_components` estimates them from the study's rows (areas, waves and, in a
  panel, persons);
- :func:`minimum_detectable_effect` gives the minimum detectable effect (MDE) of the DiD
  at a power and significance level, analytically (Bloom 1995; McKenzie 2012 with areas as
  clusters), and :func:`power_at` the power against a given effect;
- :func:`simulated_power` checks the formula by drawing data from the same components and
  fitting wellby's TWFE DiD with area-clustered standard errors;
- :func:`planning_table` gives the power to detect a target effect (the break-even effect)
  over a grid of areas and persons per area, and the smallest design that reaches it;
- :func:`power_table` puts each outcome's MDE beside the break-even effect.

The model behind every formula, for resident ``i`` of area ``j`` in wave ``t``::

    y_ijt = mu_gt + a_j + u_jt + p_i + e_it

``mu_gt`` the mean of the area's treatment group ``g`` (cohort) in wave ``t`` (it holds
the programme's effect), ``a_j`` a persistent area effect (variance ``sigma_a^2``),
``u_jt`` an area-by-wave shock (``sigma_u^2``), ``p_i`` a persistent person effect
(``sigma_p^2``; in a repeated cross-section each wave has new residents, so it is part of
the noise) and ``e_it`` the rest (``sigma_e^2``). The Roth (2022) power of the event
study's pre-trend test is in :mod:`wellby.analysis.pretrend_power`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.analysis.variance_components import (
    VarianceComponents,
    check_design_name,
    variance_components,
)
from wellby.estimators.distributions import normal_cdf, normal_quantile, t_cdf, t_quantile

__all__ = [
    "MinimumDetectableEffect",
    "PlanningTable",
    "SimulatedPower",
    "VarianceComponents",
    "did_variance",
    "mckenzie_did_variance",
    "minimum_detectable_effect",
    "planning_table",
    "power_at",
    "power_table",
    "simulated_power",
    "variance_components",
]



# --------------------------------------------------------------------------- the formula


def mckenzie_did_variance(sigma2: float, rho: float, n_pre: int, n_post: int) -> float:
    """McKenzie's (2012) variance factor of a DiD with several pre and post rounds.

    Parameters
    ----------
    sigma2 : float
        Variance of the unit's outcome in one round.
    rho : float
        Correlation of the unit's outcome between any two rounds (constant).
    n_pre, n_post : int
        Rounds before (McKenzie's ``m``) and after (``r``) the start.

    Returns
    -------
    float
        ``sigma2 * [(1 + (m-1) rho)/m + (1 + (r-1) rho)/r - 2 rho]``, the variance of one
        unit's post-round mean less its pre-round mean; it equals
        ``sigma2 (1 - rho) (1/m + 1/r)``. The DiD's variance is this times ``1/n_T +
        1/n_C`` (McKenzie's ``2/n`` for ``n`` units per arm).

    Notes
    -----
    McKenzie, D. (2012), "Beyond baseline and follow-up: the case for more T in
    experiments", *Journal of Development Economics* 99(2), 210-221: his variance (and
    sample size) of the difference-in-differences estimator with ``m`` baseline and ``r``
    follow-up rounds and a constant autocorrelation ``rho`` between rounds.
    """
    if n_pre < 1 or n_post < 1:
        raise ValueError("need at least one round before and one after the start")
    m, r = n_pre, n_post
    return sigma2 * ((1 + (m - 1) * rho) / m + (1 + (r - 1) * rho) / r - 2 * rho)


def _area_mean_moments(c: VarianceComponents, persons: float, design: str) -> tuple[float, float]:
    """Variance of an area's wave mean and its correlation between waves."""
    var = c.area + c.area_wave + c.within / persons
    cov = c.area + (c.person / persons if design == "panel" else 0.0)
    return var, (cov / var if var > 0 else 0.0)


def did_variance(
    components: VarianceComponents,
    *,
    n_treated_areas: int,
    n_control_areas: int,
    persons_per_area: float,
    n_pre: int,
    n_post: int,
    design: str | None = None,
) -> float:
    """Return the variance of the DiD estimate with areas as clusters.

    McKenzie's formula (:func:`mckenzie_did_variance`) with the area's wave mean as the
    unit: variance ``sigma_c^2 = sigma_a^2 + sigma_u^2 + sigma_w^2/m``, correlation between
    waves ``rho_c = (sigma_a^2 + sigma_p^2/m) / sigma_c^2`` (repeated cross-section:
    ``sigma_a^2 / sigma_c^2``), times ``1/J_T + 1/J_C``. It works out as::

        (1/J_T + 1/J_C) (1/T_0 + 1/T_1) (sigma_u^2 + sigma_w^2 (1 - rho) / m)

    (``rho = 0`` for a repeated cross-section): the persistent area effect differences out;
    what a DiD cannot remove is the area-by-wave shock and the residents' noise. This is
    the variance of the TWFE estimate for a balanced design with one start (equal to the
    DiD of group means); see :func:`minimum_detectable_effect` for the parameters.
    """
    design = design or components.design
    check_design_name(design)
    if n_treated_areas < 1 or n_control_areas < 1 or not persons_per_area > 0:
        raise ValueError("need treated and control areas and persons_per_area > 0")
    var_c, rho_c = _area_mean_moments(components, persons_per_area, design)
    unit = mckenzie_did_variance(var_c, rho_c, n_pre, n_post)
    return unit * (1 / n_treated_areas + 1 / n_control_areas)


@dataclass(frozen=True)
class MinimumDetectableEffect:
    """The minimum detectable effect of a DiD design (see :func:`minimum_detectable_effect`).

    Attributes
    ----------
    outcome, design : str
    mde : float
        The minimum detectable effect in the outcome's units.
    mde_sd : float
        ``mde / sqrt(total variance)``: in standard deviations.
    std_error : float
        The DiD's standard error.
    df : float
        Degrees of freedom of the t quantiles (``inf``: normal).
    multiplier : float
        ``t_{1-alpha/2, df} + t_{power, df}``.
    alpha, power : float
    n_treated_areas, n_control_areas, n_pre, n_post : int
    persons_per_area : float
    """

    outcome: str
    design: str
    mde: float
    mde_sd: float
    std_error: float
    df: float
    multiplier: float
    alpha: float
    power: float
    n_treated_areas: int
    n_control_areas: int
    persons_per_area: float
    n_pre: int
    n_post: int

    def tidy(self) -> pd.DataFrame:
        """Return one row with every attribute."""
        return pd.DataFrame([self.__dict__])


def _resolve(components: VarianceComponents, **given):
    out = {}
    for key, value in given.items():
        if value is None:
            value = getattr(components, key)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                raise ValueError(f"give {key}: the components do not record it")
        out[key] = value
    return out


def _multiplier(alpha: float, power: float, df: float) -> float:
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError("alpha and power must be in (0, 1)")
    if math.isinf(df):
        return float(normal_quantile(1 - alpha / 2) + normal_quantile(power))
    return float(t_quantile(1 - alpha / 2, df) + t_quantile(power, df))


def minimum_detectable_effect(
    components: VarianceComponents,
    *,
    n_treated_areas: int | None = None,
    n_control_areas: int | None = None,
    persons_per_area: float | None = None,
    n_pre: int | None = None,
    n_post: int | None = None,
    design: str | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    df: float | None = None,
) -> MinimumDetectableEffect:
    """Compute the minimum detectable effect of a clustered DiD analytically.

    Parameters
    ----------
    components : VarianceComponents
        From :func:`variance_components` or :meth:`VarianceComponents.from_shares`.
    n_treated_areas, n_control_areas : int, optional
        Programme and comparison areas ``J_T``, ``J_C`` (default: the components' counts).
    persons_per_area : float, optional
        Residents per area and wave ``m`` (default: the components' mean).
    n_pre, n_post : int, optional
        Waves before (``T_0``) and from (``T_1``) the start (default: the components').
    design : {"panel", "repeated_cross_section"}, optional
        Default: the components'. A panel design with repeated-cross-section components
        takes ``rho = 0`` (conservative).
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
    df : float, optional
        Degrees of freedom of the t quantiles; default ``J_T + J_C - 2`` (Bloom 2005's
        two-group cluster design); ``numpy.inf`` for normal quantiles (McKenzie 2012).

    Returns
    -------
    MinimumDetectableEffect

    Notes
    -----
    ``MDE = (t_{1-alpha/2, df} + t_{power, df}) x SE``, where ``SE`` is the square root of
    :func:`did_variance`: Bloom, H. S. (1995), "Minimum detectable effects: a simple way to
    report the statistical power of experimental designs", *Evaluation Review* 19(5),
    547-556; Duflo, E., Glennerster, R. and Kremer, M. (2007), "Using randomization in
    development economics research: a toolkit", *Handbook of Development Economics* 4,
    section 4 (4.2, grouped errors); with t quantiles on ``J - 2`` degrees of freedom, as
    for ``J`` randomized groups in Bloom, H. S. (2005), "Randomizing groups to evaluate
    place-based programs", in *Learning More from Social Experiments*, ch. 4. The variance with
    several waves is McKenzie's (2012) with areas as clusters (:func:`did_variance`).
    Unlike a post-only comparison, where the MDE grows with the area ICC, a DiD with area
    fixed effects removes the persistent area effect, so the area-by-wave component is
    the one more residents cannot average away. wellby's TWFE refers its clustered test to
    ``t(G - 1)``, one degree of freedom more than the textbook's ``J - 2``.
    """
    r = _resolve(components, n_treated_areas=n_treated_areas,
                 n_control_areas=n_control_areas, persons_per_area=persons_per_area,
                 n_pre=n_pre, n_post=n_post)
    design = design or components.design
    var = did_variance(components, design=design, **r)
    dof = float(r["n_treated_areas"] + r["n_control_areas"] - 2) if df is None else float(df)
    if not dof > 0:
        raise ValueError("need more than two areas (degrees of freedom J - 2 > 0)")
    mult = _multiplier(alpha, power, dof)
    se = math.sqrt(var)
    return MinimumDetectableEffect(
        outcome=components.outcome, design=design, mde=mult * se,
        mde_sd=mult * se / math.sqrt(components.total), std_error=se, df=dof,
        multiplier=mult, alpha=alpha, power=power, **r)


def _power(effect: float, se: float, alpha: float, df: float) -> float:
    """Two-sided power of a t test against ``effect`` (Bloom's shifted-t approximation)."""
    z = abs(effect) / se
    if math.isinf(df):
        crit = normal_quantile(1 - alpha / 2)
        return float(normal_cdf(z - crit) + normal_cdf(-z - crit))
    crit = t_quantile(1 - alpha / 2, df)
    return float(t_cdf(z - crit, df) + t_cdf(-z - crit, df))


def power_at(
    components: VarianceComponents,
    effect: float,
    *,
    n_treated_areas: int | None = None,
    n_control_areas: int | None = None,
    persons_per_area: float | None = None,
    n_pre: int | None = None,
    n_post: int | None = None,
    design: str | None = None,
    alpha: float = 0.05,
    df: float | None = None,
) -> float:
    """Return the power of the DiD's two-sided test against ``effect``.

    ``P = F(|effect|/SE - t_{1-alpha/2}) + F(-|effect|/SE - t_{1-alpha/2})`` with ``F``
    the t distribution's CDF (``df`` as in :func:`minimum_detectable_effect`, which this
    inverts up to the second, negligible, term). Parameters as there.
    """
    mde = minimum_detectable_effect(
        components, n_treated_areas=n_treated_areas, n_control_areas=n_control_areas,
        persons_per_area=persons_per_area, n_pre=n_pre, n_post=n_post, design=design,
        alpha=alpha, df=df)
    return _power(effect, mde.std_error, alpha, mde.df)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class SimulatedPower:
    """Power of wellby's TWFE DiD over simulated studies (see :func:`simulated_power`).

    Attributes
    ----------
    power : float
        Share of simulations whose clustered test rejected at ``alpha``.
    mc_se : float
        Its Monte Carlo standard error ``sqrt(p (1 - p) / n_sims)``.
    n_sims : int
    effect : float
        The true effect simulated.
    mean_estimate, sd_estimate : float
        Mean and standard deviation of the estimates.
    mean_std_error : float
        Mean of the clustered standard errors.
    analytic_std_error, analytic_power : float
        What :func:`did_variance` and :func:`power_at` give for the same design.
    """

    power: float
    mc_se: float
    n_sims: int
    effect: float
    mean_estimate: float
    sd_estimate: float
    mean_std_error: float
    analytic_std_error: float
    analytic_power: float


def simulated_power(
    components: VarianceComponents,
    effect: float,
    *,
    n_treated_areas: int,
    n_control_areas: int,
    persons_per_area: int,
    n_pre: int,
    n_post: int,
    design: str | None = None,
    alpha: float = 0.05,
    n_sims: int = 500,
    seed: int = 0,
) -> SimulatedPower:
    """Simulate studies from the components and fit the TWFE DiD to each.

    Each study draws ``y = 0.1 t + a_j + u_jt + p_i + e_it + effect x D_jt`` for
    ``persons_per_area`` residents in each of the ``J_T + J_C`` areas and ``T_0 + T_1``
    waves (the same residents in every wave for a panel, new ones for a repeated
    cross-section; the treated areas start together after ``T_0`` waves), and fits
    :func:`wellby.estimators.twfe.fit_twfe` with resident (panel) or area (repeated
    cross-section) and wave fixed effects and standard errors clustered by area.

    Parameters
    ----------
    components : VarianceComponents
    effect : float
        The true effect.
    n_treated_areas, n_control_areas, persons_per_area, n_pre, n_post : int
    design : {"panel", "repeated_cross_section"}, optional
        Default: the components'.
    alpha : float, default 0.05
    n_sims : int, default 500
    seed : int, default 0

    Returns
    -------
    SimulatedPower
    """
    from wellby.estimators.twfe import fit_twfe

    design = design or components.design
    check_design_name(design)
    n_areas = n_treated_areas + n_control_areas
    n_waves = n_pre + n_post
    m = int(persons_per_area)
    n = n_areas * m * n_waves
    # rows ordered area, person, wave
    area = np.repeat(np.arange(n_areas), m * n_waves)
    wave = np.tile(np.arange(n_waves), n_areas * m)
    slot = np.repeat(np.arange(n_areas * m), n_waves)
    person = slot if design == "panel" else np.arange(n)
    treat = ((area < n_treated_areas) & (wave >= n_pre)).astype(np.float64)
    cell = area * n_waves + wave
    frame = pd.DataFrame({"area": area, "wave": wave, "person": person, "d": treat})
    unit = "person" if design == "panel" else "area"
    rng = np.random.default_rng(seed)
    sd = {k: math.sqrt(max(getattr(components, k), 0.0))
          for k in ("area", "area_wave", "person", "residual")}
    est, ses, reject = np.empty(n_sims), np.empty(n_sims), np.empty(n_sims, dtype=bool)
    for s in range(n_sims):
        a = rng.normal(0, sd["area"], n_areas)
        u = rng.normal(0, sd["area_wave"], n_areas * n_waves)
        if design == "panel":
            p = rng.normal(0, sd["person"], n_areas * m)[slot]
        else:
            p = rng.normal(0, sd["person"], n)
        y = 0.1 * wave + a[area] + u[cell] + p + rng.normal(0, sd["residual"], n)
        frame["y"] = y + effect * treat
        res = fit_twfe(frame, "y", "d", unit, "wave", cluster="area", alpha=alpha)
        est[s], ses[s], reject[s] = res.estimate, res.std_error, res.p_value < alpha
    p_hat = float(reject.mean())
    design_kw = dict(n_treated_areas=n_treated_areas, n_control_areas=n_control_areas,
                     persons_per_area=m, n_pre=n_pre, n_post=n_post, design=design)
    return SimulatedPower(
        power=p_hat, mc_se=math.sqrt(p_hat * (1 - p_hat) / n_sims), n_sims=n_sims,
        effect=effect, mean_estimate=float(est.mean()), sd_estimate=float(est.std(ddof=1)),
        mean_std_error=float(ses.mean()),
        analytic_std_error=math.sqrt(did_variance(components, **design_kw)),
        analytic_power=power_at(components, effect, alpha=alpha, **design_kw))


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class PlanningTable:
    """Power to detect a target effect over designs (see :func:`planning_table`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per grid design: ``areas, n_treated_areas, n_control_areas,
        persons_per_area, n_pre, n_post, std_error, mde, power`` (power against the
        target effect).
    target_effect : float
    target_power : float
    current_areas : int
    current_persons : float
    power_now : float
        Power of the current areas and persons with the planned waves.
    min_areas : int or None
        Fewest areas (split as now) reaching ``target_power`` at the current persons per
        area; ``None`` if none up to ``max_areas``.
    min_persons : int or None
        Fewest persons per area reaching it with the current areas; ``None`` when no
        number can (the area-by-wave component dominates).
    power_limit_persons : float
        Power with the current areas and infinitely many persons per area.
    note : str
        The answer in words.
    """

    table: pd.DataFrame
    target_effect: float
    target_power: float
    current_areas: int
    current_persons: float
    power_now: float
    min_areas: int | None
    min_persons: int | None
    power_limit_persons: float
    note: str = field(default="")


def _split(areas: int, share: float) -> tuple[int, int]:
    treated = min(max(1, round(share * areas)), areas - 1)
    return treated, areas - treated


def planning_table(
    components: VarianceComponents,
    target_effect: float,
    *,
    n_pre: int | None = None,
    n_post: int | None = None,
    current_areas: int | None = None,
    treated_share: float | None = None,
    current_persons: float | None = None,
    areas_grid: Sequence[int] | None = None,
    persons_grid: Sequence[float] | None = None,
    design: str | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    max_areas: int = 100_000,
) -> PlanningTable:
    """Power to detect ``target_effect`` over a grid of areas and persons per area.

    Parameters
    ----------
    components : VarianceComponents
    target_effect : float
        The effect to detect, e.g. the break-even effect in the outcome's units
        (:func:`wellby.valuation.appraisal.breakeven_effect` with ``scale="estimate"``).
    n_pre, n_post : int, optional
        Waves of the planned study; default the components' ``n_pre`` and one more
        follow-up wave than now (``n_post + 1``).
    current_areas : int, optional
        Areas now (default: the components' ``n_areas``).
    treated_share : float, optional
        Share of areas that are programme areas (default: as now).
    current_persons : float, optional
        Residents per area and wave now (default: the components' mean).
    areas_grid, persons_grid : sequence, optional
        Total areas and persons per area to tabulate; default multiples of the current
        (areas 0.5x-4x, persons 0.5x-4x).
    design : {"panel", "repeated_cross_section"}, optional
    alpha, power : float
        Significance level and the power to reach.
    max_areas : int, default 100000
        Upper end of the search for ``min_areas``.

    Returns
    -------
    PlanningTable

    Notes
    -----
    Every row is a design whose waves all have that many areas and residents per area
    (the study run again at that size with ``n_pre + n_post`` waves); power from
    :func:`power_at`, t quantiles with ``J - 2`` degrees of freedom. As persons per area
    grow, the DiD's variance falls to ``(1/J_T + 1/J_C)(1/T_0 + 1/T_1) sigma_u^2``: if the
    target is not detectable even then, only more areas (or waves) help.
    """
    design = design or components.design
    n_pre = n_pre if n_pre is not None else _resolve(components, n_pre=None)["n_pre"]
    n_post = n_post if n_post is not None else _resolve(components, n_post=None)["n_post"] + 1
    j_now = int(current_areas or components.n_areas)
    m_now = float(current_persons or components.persons_per_area)
    if treated_share is None:
        if components.n_treated_areas and components.n_areas:
            treated_share = components.n_treated_areas / components.n_areas
        else:
            treated_share = 0.5
    if j_now < 3 or not m_now > 0 or not 0 < treated_share < 1:
        raise ValueError("need at least 3 areas, persons > 0 and 0 < treated_share < 1")
    if not (math.isfinite(target_effect) and target_effect != 0):
        raise ValueError(f"the target effect must be finite and non-zero, not {target_effect}")

    def pw(areas: int, persons: float) -> tuple[float, float, float]:
        jt, jc = _split(areas, treated_share)
        mde = minimum_detectable_effect(
            components, n_treated_areas=jt, n_control_areas=jc, persons_per_area=persons,
            n_pre=n_pre, n_post=n_post, design=design, alpha=alpha, power=power)
        return _power(target_effect, mde.std_error, alpha, mde.df), mde.std_error, mde.mde

    areas_grid = sorted({max(3, int(round(j_now * f))) for f in (0.5, 0.75, 1, 1.5, 2, 3, 4)}
                        if areas_grid is None else {int(a) for a in areas_grid})
    persons_grid = sorted({max(1, int(round(m_now * f))) for f in (0.5, 1, 1.5, 2, 4)}
                          if persons_grid is None else {float(p) for p in persons_grid})
    rows = []
    for j in areas_grid:
        jt, jc = _split(j, treated_share)
        for m in persons_grid:
            p, se, mde = pw(j, m)
            rows.append({"areas": j, "n_treated_areas": jt, "n_control_areas": jc,
                         "persons_per_area": m, "n_pre": n_pre, "n_post": n_post,
                         "std_error": se, "mde": mde, "power": p})
    table = pd.DataFrame(rows)

    # fewest areas at the current persons: power rises with areas (binary search)
    min_areas = None
    if pw(max_areas, m_now)[0] >= power:
        lo, hi = 3, max_areas
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if pw(mid, m_now)[0] >= power else (mid + 1, hi)
        min_areas = lo
    # fewest persons at the current areas
    power_limit = pw(j_now, math.inf)[0] if components.area_wave > 0 else 1.0
    min_persons = None
    if power_limit > power:
        lo, hi = 1, 2
        while pw(j_now, hi)[0] < power:
            lo, hi = hi, hi * 2
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if pw(j_now, mid)[0] >= power else (mid + 1, hi)
        min_persons = lo
    power_now = pw(j_now, m_now)[0]
    waves = f"{n_pre} pre and {n_post} post waves"
    m_txt = f"{m_now:.1f}".removesuffix(".0")
    note = (f"With {j_now} areas and {m_txt} residents per area ({waves}) the power to "
            f"detect {target_effect:.4g} is {power_now:.2f}. ")
    note += (f"{power:.0%} power needs {min_areas} areas at {m_txt} residents per area"
             if min_areas else f"No number of areas up to {max_areas} reaches {power:.0%} "
             f"power at {m_txt} residents per area")
    note += (f", or {min_persons} residents per area in the {j_now} areas."
             if min_persons is not None else
             f". More residents per area cannot reach it in the {j_now} areas: the "
             f"area-by-wave component dominates (power at most {power_limit:.2f} with "
             "unlimited residents per area), so more areas are needed.")
    return PlanningTable(table=table, target_effect=target_effect, target_power=power,
                         current_areas=j_now, current_persons=m_now, power_now=power_now,
                         min_areas=min_areas, min_persons=min_persons,
                         power_limit_persons=power_limit, note=note)


# --------------------------------------------------------------------------- per outcome


def power_table(
    components: Sequence[VarianceComponents],
    *,
    breakeven: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """Each outcome's MDE beside its WELLBY break-even effect.

    Parameters
    ----------
    components : sequence of VarianceComponents
        One per outcome, from :func:`variance_components` on the study's rows (the design
        is theirs: areas, persons per area and waves).
    breakeven : mapping of str to float, optional
        Break-even effect by outcome, in the outcome's units
        (:func:`wellby.valuation.appraisal.breakeven_effect`, ``scale="estimate"``); the
        outcomes not valued are left empty.
    alpha, power : float

    Returns
    -------
    pandas.DataFrame
        One row per outcome: ``outcome, design, n_areas, n_treated_areas, n_control_areas,
        persons_per_area, n_pre, n_post, icc_area, icc_area_wave, rho, std_error, df, mde,
        mde_sd, alpha, power, breakeven_effect, power_at_breakeven``.
    """
    breakeven = breakeven or {}
    rows = []
    for c in components:
        mde = minimum_detectable_effect(c, alpha=alpha, power=power)
        be = breakeven.get(c.outcome, math.nan)
        rows.append({
            "outcome": c.outcome, "design": c.design, "n_areas": c.n_areas,
            "n_treated_areas": mde.n_treated_areas, "n_control_areas": mde.n_control_areas,
            "persons_per_area": mde.persons_per_area, "n_pre": mde.n_pre,
            "n_post": mde.n_post, "icc_area": c.icc_area, "icc_area_wave": c.icc_area_wave,
            "rho": c.rho, "std_error": mde.std_error, "df": mde.df, "mde": mde.mde,
            "mde_sd": mde.mde_sd, "alpha": alpha, "power": power, "breakeven_effect": be,
            "power_at_breakeven": (_power(be, mde.std_error, alpha, mde.df)
                                   if math.isfinite(be) else math.nan),
        })
    return pd.DataFrame(rows)
