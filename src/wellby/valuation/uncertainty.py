"""The uncertainty of the WELLBY cost-benefit case: Monte Carlo, one-way sensitivity, figures.

:func:`monte_carlo` draws the case from the sampling distribution of the DiD estimate and the
Green Book range of the WELLBY value (a :class:`MonteCarloResult`, whose summary is
``cba_montecarlo.csv``); :func:`one_way_sensitivity` moves each input alone between a low and
a high setting; :func:`tornado_plot` and :func:`montecarlo_plot` draw the two. Every NPV here
uses the present-value kernel of the deterministic case, and the conventions are those of
:mod:`wellby.valuation.appraisal`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.loading import check_setting
from wellby.estimators.distributions import normal_quantile
from wellby.valuation.appraisal import (
    breakeven_effect,
    check_effect,
    mean_persons,
    present_value_kernel,
)
from wellby.valuation.greenbook import SCENARIOS, stpr_schedule, wellby_value
from wellby.valuation.inputs import CbaInputs

SENSITIVITY_COLUMNS = ["input", "description", "low_value", "high_value", "base_value",
                       "npv_low", "npv_high", "npv_base", "swing"]


# --------------------------------------------------------------------------- uncertainty

def _check_std_error(std_error: Any) -> float:
    if isinstance(std_error, bool) or not isinstance(std_error, numbers.Real) or not (
            math.isfinite(std_error) and std_error >= 0):
        raise ValueError(f"std_error must be a finite number >= 0, not {std_error!r} (the "
                         "Monte Carlo and the sensitivity need the estimate's standard "
                         "error)")
    return float(std_error)


@dataclass(frozen=True)
class MonteCarloResult:
    """Monte Carlo draws of the cost-benefit case.

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per draw: estimate, effect (net), wellby_value, benefits_pv, costs_pv,
        npv, bcr, roi; and mapping_factor (after estimate) when the conversion factor is
        drawn.
    seed, value_distribution : int, str
        How the draws were made.
    estimate, std_error : float
        The DiD estimate and standard error drawn from.
    central_npv, breakeven_effect, breakeven_estimate : float
        The deterministic central NPV and the break-even net effect (and estimate).
    price_year : int
    """

    draws: pd.DataFrame
    seed: int
    value_distribution: str
    estimate: float
    std_error: float
    central_npv: float
    breakeven_effect: float
    breakeven_estimate: float
    price_year: int

    def summary(self) -> pd.DataFrame:
        """Return the one-row summary written to ``cba_montecarlo.csv``.

        Columns: draws, seed, value_distribution, estimate, std_error, price_year,
        prob_npv_positive, npv_mean, npv_sd, npv_p05, npv_p50, npv_p95, bcr_mean, bcr_p05,
        bcr_p50, bcr_p95, central_npv, breakeven_effect, breakeven_estimate. Percentiles
        are of the draws (numpy's default linear interpolation); p05-p95 is the 90%
        interval.
        """
        npv = self.draws["npv"].to_numpy()
        bcr = self.draws["bcr"].to_numpy()
        npv_q = np.percentile(npv, [5, 50, 95])
        bcr_q = np.percentile(bcr, [5, 50, 95])
        return pd.DataFrame([{
            "draws": len(npv), "seed": self.seed, "value_distribution": self.value_distribution,
            "estimate": self.estimate, "std_error": self.std_error,
            "price_year": self.price_year, "prob_npv_positive": float(np.mean(npv > 0)),
            "npv_mean": float(npv.mean()), "npv_sd": float(npv.std(ddof=1)),
            "npv_p05": npv_q[0], "npv_p50": npv_q[1], "npv_p95": npv_q[2],
            "bcr_mean": float(bcr.mean()), "bcr_p05": bcr_q[0], "bcr_p50": bcr_q[1],
            "bcr_p95": bcr_q[2], "central_npv": self.central_npv,
            "breakeven_effect": self.breakeven_effect,
            "breakeven_estimate": self.breakeven_estimate}])

    def tidy(self) -> pd.DataFrame:
        """Return the draws (one row per draw)."""
        return self.draws


def monte_carlo(inputs: CbaInputs, effect: float, std_error: float, draws: int | None = None,
                seed: int | None = None,
                value_distribution: str | None = None) -> MonteCarloResult:
    """Draw the cost-benefit case from the uncertainty in the effect and the WELLBY value.

    Parameters
    ----------
    inputs : CbaInputs
    effect, std_error : float
        The DiD estimate (outcome's units) and its standard error.
    draws : int, optional
        Number of draws (default ``inputs.draws``); the schema's bounds of
        ``cba.monte_carlo.draws`` apply (at least 10,000).
    seed : int, optional
        Seed of :func:`numpy.random.default_rng` (default ``inputs.seed``).
    value_distribution : {"triangular", "uniform"}, optional
        Default ``inputs.value_distribution``; the schema's options apply.

    Returns
    -------
    MonteCarloResult

    Notes
    -----
    Each draw takes the estimate from Normal(effect, std_error) (its estimated sampling
    distribution) and, independently, the WELLBY value from triangular(low, central, high)
    or uniform(low, high), in price-year prices; when ``inputs.mapping_std_error`` is above
    0, the life-satisfaction conversion factor too, independently, from
    Normal(mapping_factor, mapping_std_error) (a ``mapping_factor`` column is then added to
    the draws), so the conversion's uncertainty is in P(NPV > 0); everything else is held
    at its configured value. The generator draws the standard normals of the estimate
    first, then the values, then (only when drawn) the factors, so the same seed gives
    identical draws, a factor with standard error 0 leaves the draws exactly as without
    one, and changing only the effect shifts each draw's estimate by the same amount
    (common random numbers): P(NPV > 0) is then monotone in the effect.
    Vectorised: PV benefits = value x estimate x net factor x (discounted persons x
    persistence), PV costs are fixed.
    """
    effect = check_effect(effect)
    std_error = _check_std_error(std_error)
    # An argument given in place of a setting is held to the setting's schema.
    draws = inputs.draws if draws is None else check_setting("cba.monte_carlo.draws", draws)
    seed = inputs.seed if seed is None else check_setting("cba.monte_carlo.seed", seed)
    distribution = (inputs.value_distribution if value_distribution is None else
                    check_setting("cba.monte_carlo.value_distribution", value_distribution))
    rng = np.random.default_rng(seed)
    estimates = effect + std_error * rng.standard_normal(draws)
    low, central, high = (wellby_value(s, inputs.price_year) for s in SCENARIOS)
    if distribution == "triangular":
        values = rng.triangular(low, central, high, draws)
    else:
        values = rng.uniform(low, high, draws)
    kernel, costs_pv = present_value_kernel(inputs)
    factors = None
    if inputs.mapping_std_error > 0:
        # Drawn after the others, so the estimate and value draws stay those of SE 0.
        factors = inputs.mapping_factor + inputs.mapping_std_error * rng.standard_normal(
            draws)
        net = estimates * factors * inputs.attribution * (1.0 - inputs.displacement)
    else:
        net = estimates * inputs.net_factor
    benefits_pv = values * net * kernel
    npv = benefits_pv - costs_pv
    table = pd.DataFrame({"estimate": estimates, "effect": net, "wellby_value": values,
                          "benefits_pv": benefits_pv, "costs_pv": np.full(draws, costs_pv),
                          "npv": npv, "bcr": benefits_pv / costs_pv, "roi": npv / costs_pv})
    if factors is not None:
        table.insert(1, "mapping_factor", factors)
    central_npv = central * effect * inputs.net_factor * kernel - costs_pv
    return MonteCarloResult(draws=table, seed=seed, value_distribution=distribution,
                            estimate=effect, std_error=std_error, central_npv=central_npv,
                            breakeven_effect=breakeven_effect(inputs),
                            breakeven_estimate=breakeven_effect(inputs, "estimate"),
                            price_year=inputs.price_year)


def _central_npv(inputs: CbaInputs, effect: float, value: float | None = None) -> float:
    kernel, costs_pv = present_value_kernel(inputs)
    value = wellby_value("central", inputs.price_year) if value is None else value
    return value * effect * inputs.net_factor * kernel - costs_pv


def _scaled(mapping: Mapping[int, float], factor: float) -> dict[int, float]:
    return {year: value * factor for year, value in mapping.items()}


def one_way_sensitivity(inputs: CbaInputs, effect: float, std_error: float, *,
                        alpha: float) -> pd.DataFrame:
    """Move each input alone between a low and a high setting and record the NPV.

    Parameters
    ----------
    inputs : CbaInputs
    effect, std_error : float
        The DiD estimate (outcome's units) and its standard error.
    alpha : float
        The effect moves over its normal ``1 - alpha`` interval (``models.alpha``; no
        default, so the study's level is never silently replaced by 0.05).

    Returns
    -------
    pandas.DataFrame
        ``SENSITIVITY_COLUMNS``: input, description, low_value, high_value, base_value,
        npv_low, npv_high, npv_base (central case), swing = |npv_high - npv_low|; sorted
        by swing, largest first.

    Notes
    -----
    Every row is at the central WELLBY value except ``wellby_value``; ``r`` is
    ``inputs.sensitivity_range``; ``low_value`` < ``high_value`` always (the input, not
    the NPV).

    - ``effect``: the estimate +- z standard errors, its ``1 - alpha`` interval (1.96 at
      95%);
    - ``wellby_value``: the Green Book low and high values;
    - ``discounting``: the WELLBY schedule, health vs standard, shown by its first-band
      rate (0.015, 0.035); costs stay on ``cost_discounting``;
    - ``population``, ``costs`` (every year scaled; shown as the mean persons per benefit
      year and the total real cost), ``mapping_factor`` (only with a mapping): x (1 -+ r);
    - ``duration_years`` (and ``persistence_years`` when > 0): x (1 -+ r) rounded to whole
      years and moved by at least one year, never below 1 (0 for persistence); a
      population mapping is extended by the persons of its last benefit year;
    - ``attribution``, ``displacement``, ``drop_off`` (only with persistence years): the
      share -+ r in absolute terms (so 0.2 = 20 percentage points), kept within 0-1,
      attribution above 0 and displacement below 1.
    """
    effect = check_effect(effect)
    std_error = _check_std_error(std_error)
    r = inputs.sensitivity_range
    base = _central_npv(inputs, effect)
    replace = dataclasses.replace
    rows = []

    def add(name, description, low, high, base_value, npv_low, npv_high):
        rows.append({"input": name, "description": description, "low_value": float(low),
                     "high_value": float(high), "base_value": float(base_value),
                     "npv_low": npv_low, "npv_high": npv_high, "npv_base": base,
                     "swing": abs(npv_high - npv_low)})

    def vary(name, description, low, high, base_value, low_inputs, high_inputs):
        add(name, description, low, high, base_value, _central_npv(low_inputs, effect),
            _central_npv(high_inputs, effect))

    z = float(normal_quantile(1 - alpha / 2))
    low_e, high_e = effect - z * std_error, effect + z * std_error
    add("effect", f"DiD estimate +- {z:.2f} SE, its {100 * (1 - alpha):g}% interval "
        "(outcome units)", low_e, high_e, effect,
        _central_npv(inputs, low_e), _central_npv(inputs, high_e))
    low_v, central_v, high_v = (wellby_value(s, inputs.price_year) for s in SCENARIOS)
    add("wellby_value", f"£ per WELLBY, Green Book low-high ({inputs.price_year} prices)",
        low_v, high_v, central_v, _central_npv(inputs, effect, low_v),
        _central_npv(inputs, effect, high_v))
    first_band = stpr_schedule().iloc[0]
    vary("discounting", "WELLBY discount schedule: health (1.5%) vs standard (3.5%)",
         first_band["health"], first_band["standard"], first_band[inputs.discounting],
         replace(inputs, discounting="health"), replace(inputs, discounting="standard"))
    if isinstance(inputs.population, Mapping):
        pop_low = _scaled(inputs.population, 1 - r)
        pop_high = _scaled(inputs.population, 1 + r)
    else:
        pop_low, pop_high = inputs.population * (1 - r), inputs.population * (1 + r)
    persons = mean_persons(inputs)
    vary("population", f"persons reached per benefit year (mean), x(1 -+ {r:g})",
         persons * (1 - r), persons * (1 + r), persons,
         replace(inputs, population=pop_low), replace(inputs, population=pop_high))
    total = sum(inputs.real_costs.values())
    vary("costs", f"total cost (£, {inputs.price_year} prices, undiscounted), x(1 -+ {r:g})",
         total * (1 - r), total * (1 + r), total,
         replace(inputs, costs=_scaled(inputs.costs, 1 - r)),
         replace(inputs, costs=_scaled(inputs.costs, 1 + r)))
    for name, minimum in (("duration_years", 1), ("persistence_years", 0)):
        value = getattr(inputs, name)
        if name == "persistence_years" and value == 0:
            continue
        low = max(minimum, min(value - 1, round(value * (1 - r))))
        high = max(value + 1, round(value * (1 + r)))
        vary(name, f"years, x(1 -+ {r:g}) rounded, at least -+ 1 year", low, high, value,
             _with_years(inputs, name, low), _with_years(inputs, name, high))
    shares = [("attribution", 1e-9, 1.0), ("displacement", 0.0, 1.0 - 1e-9)]
    if inputs.persistence_years:
        shares.append(("drop_off", 0.0, 1.0))
    for name, lowest, highest in shares:
        value = getattr(inputs, name)
        low, high = max(lowest, value - r), min(highest, value + r)
        vary(name, f"share, -+ {r:g} (absolute, within 0-1)", low, high, value,
             replace(inputs, **{name: low}), replace(inputs, **{name: high}))
    if inputs.mapping_source:
        value = inputs.mapping_factor
        low, high = sorted((value * (1 - r), value * (1 + r)))
        vary("mapping_factor", f"life-satisfaction points per outcome unit, x(1 -+ {r:g})",
             low, high, value, replace(inputs, mapping_factor=low),
             replace(inputs, mapping_factor=high))
    table = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def _with_years(inputs: CbaInputs, name: str, years: int) -> CbaInputs:
    """Change duration or persistence; a population mapping is extended by its last year."""
    if not isinstance(inputs.population, Mapping):
        return dataclasses.replace(inputs, **{name: years})
    population = dict(inputs.population)
    last = population[inputs.benefit_years[-1]]
    counts = {"duration_years": inputs.duration_years,
              "persistence_years": inputs.persistence_years, name: years}
    first = inputs.first_benefit_year
    for year in range(first, first + sum(counts.values())):
        population.setdefault(year, last)
    return dataclasses.replace(inputs, **{name: years, "population": population})


# --------------------------------------------------------------------------- figures

def _millions(values) -> np.ndarray:
    return np.asarray(values, dtype=float) / 1e6


def tornado_plot(sensitivity: pd.DataFrame, price_year: int | None = None):
    """Draw the one-way sensitivity of the NPV as a tornado.

    Parameters
    ----------
    sensitivity : pandas.DataFrame
        The table of :func:`one_way_sensitivity`.
    price_year : int, optional
        For the axis label.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per input from its low-setting NPV to its high-setting NPV (£m), the
        largest swing on top, with the central NPV as a vertical line.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from wellby.report.figures import COLOURS

    table = sensitivity.sort_values("swing", ascending=True, kind="stable")
    figure = Figure(figsize=(7.5, 0.45 * len(table) + 1.8), layout="constrained")
    ax = figure.subplots()
    y = np.arange(len(table))
    base = _millions(table["npv_base"]).mean() if len(table) else 0.0
    low, high = _millions(table["npv_low"]), _millions(table["npv_high"])
    ax.barh(y, low - base, left=base, color=COLOURS["low"], height=0.6)
    ax.barh(y, high - base, left=base, color=COLOURS["high"], height=0.6)
    ax.axvline(base, color=COLOURS["reference"], linewidth=1)
    ax.axvline(0, color=COLOURS["reference"], linewidth=0.8, linestyle=":")
    labels = [f"{name} ({_short(lo, name)} to {_short(hi, name)})" for name, lo, hi in zip(
        table["input"], table["low_value"], table["high_value"], strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    prices = f", {price_year} prices" if price_year else ""
    ax.set_xlabel(f"Net present value (£m{prices})")
    ax.set_title(f"One-way sensitivity of the NPV (central NPV £{base:,.1f}m)")
    ax.legend(handles=[Patch(color=COLOURS["low"], label="input at its low setting"),
                       Patch(color=COLOURS["high"], label="input at its high setting")],
              loc="lower right", fontsize=8)
    return figure


def _short(value: float, name: str = "") -> str:
    if name in ("discounting", "attribution", "displacement", "drop_off"):
        return f"{value:.1%}" if name == "discounting" else f"{value:.0%}"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f}m"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def montecarlo_plot(result: MonteCarloResult):
    """Draw the Monte Carlo distribution of the NPV.

    Parameters
    ----------
    result : MonteCarloResult

    Returns
    -------
    matplotlib.figure.Figure
        Histogram of the NPV draws (£m), with the 5th-95th percentile band, zero and the
        deterministic central NPV marked, and P(NPV > 0) in the title.
    """
    from matplotlib.figure import Figure

    from wellby.report.figures import COLOURS

    summary = result.summary().iloc[0]
    npv = _millions(result.draws["npv"])
    figure = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = figure.subplots()
    ax.axvspan(summary["npv_p05"] / 1e6, summary["npv_p95"] / 1e6, color=COLOURS["band"],
               alpha=0.12, label="5th-95th percentile")
    ax.hist(npv, bins=60, color=COLOURS["estimate"], alpha=0.75)
    ax.axvline(0, color=COLOURS["reference"], linewidth=1, label="NPV = 0")
    ax.axvline(result.central_npv / 1e6, color=COLOURS["central"], linestyle="--", linewidth=1,
               label=f"central case (£{result.central_npv / 1e6:,.1f}m)")
    ax.set_xlabel(f"Net present value (£m, {result.price_year} prices)")
    ax.set_ylabel("Number of draws")
    ax.set_title(f"Monte Carlo NPV: P(NPV > 0) = {summary['prob_npv_positive']:.1%} "
                 f"({int(summary['draws']):,} draws, seed {result.seed})")
    ax.legend(loc="upper left", fontsize=8)
    return figure
