"""WELLBY cost-benefit analysis under the Green Book wellbeing guidance.

A change of one point of life satisfaction (0-10) for one person for one year is one
WELLBY (HM Treasury, *Wellbeing Guidance for Appraisal*, July 2021). The programme's
effect, estimated by difference-in-differences, is turned into WELLBYs year by year,
valued at the Green Book's low / central / high unit values rebased to the price year, and
discounted; costs are brought to the same price year and discounted; the case is
summarised per scenario (``cba.csv``), with its uncertainty (Monte Carlo, break-even,
one-way sensitivity) and who gains (subgroups).

The pipeline, in order (each step a small pure function):

1. :func:`cba_inputs` checks the config's ``cba`` section into a :class:`CbaInputs`;
2. :func:`headline_effect` picks the estimate and its standard error from ``did.csv``;
3. :func:`benefit_schedule` lays out the appraisal year by year (a reviewer can recompute
   every present value from it by hand);
4. :func:`cost_benefit`, :func:`breakeven_effect`, :func:`monte_carlo`,
   :func:`one_way_sensitivity` and :func:`subgroup_value` summarise it;
5. :func:`tornado_plot` and :func:`montecarlo_plot` draw it.

Notes
-----
Conventions, shared by every function here:

- *Appraisal years* count from 0, the first year of the programme; year 0 is undiscounted
  and year t is discounted by the Green Book factor ``1 / prod_{s=1..t} (1 + r_s)``.
- *Net effect* (life-satisfaction points per person per benefit year) =
  estimate x mapping factor x attribution x (1 - displacement). The estimate is in the
  outcome's own units; the mapping factor converts it to life-satisfaction points (1 when
  the outcome is life satisfaction).
- *Benefit years*: the full net effect in each of ``duration_years`` years from
  ``first_benefit_year``; then, in the k-th of ``persistence_years`` further years, the
  net effect x ``(1 - drop_off) ** k``.
- *WELLBYs* in a year = persons that year x the year's effect; ``wellbys`` in the tables
  is their undiscounted sum, ``wellbys_pv`` their discounted sum.
- *Discounting*: WELLBYs on ``discounting`` (Green Book wellbeing guidance: the health
  schedule, 1.5% for years 1-30 then 1.29%, ..., because the wealth effect is excluded
  from wellbeing values), costs on ``cost_discounting`` (the standard schedule, 3.5% then
  3.0%, ..., as for any financial cost).
- *Prices*: every £ figure is in ``price_year`` prices. WELLBY values are rebased from
  2019 prices with the GDP deflator; nominal costs of appraisal year t are cash spent in
  calendar year ``start_year + t`` and are converted with deflator[price_year] /
  deflator[start_year + t].
- NPV = PV benefits - PV costs; BCR = PV benefits / PV costs; ROI = NPV / PV costs.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from wellby.errors import ConfigError, DataError
from wellby.valuation.greenbook import (
    SCENARIOS,
    deflator_years,
    discount_factors,
    gdp_deflator,
    real_terms,
    stpr_schedule,
    wellby_value,
)

LIFE_SATISFACTION = "life_satisfaction"
CBA_COLUMNS = ["scenario", "wellby_value", "wellbys", "benefits_pv", "costs_pv", "npv", "bcr",
               "roi", "effect", "wellbys_pv", "price_year", "discounting"]
SCHEDULE_COLUMNS = ["year", "calendar_year", "persons", "persistence", "effect", "wellbys",
                    "discount_factor", "wellbys_pv", "cost", "cost_real",
                    "cost_discount_factor", "cost_pv"]
SENSITIVITY_COLUMNS = ["input", "description", "low_value", "high_value", "base_value",
                       "npv_low", "npv_high", "npv_base", "swing"]
SUBGROUP_VALUE_COLUMNS = ["subgroup", "level", "share", "persons", "estimate", "std_error",
                          "effect", "wellbys", "wellby_share", "wellby_value", "benefits_pv",
                          "note"]
HEADLINE_TERM = {"twfe": "att", "callaway_santanna": "att_simple"}
NOT_VALUED = {
    "event_study": (
        "the event study has no single overall effect to value: its coefficients are one "
        "per period relative to treatment (and did.csv carries only its pre-trend test); "
        "value the twfe 'att' or the callaway_santanna 'att_simple', and read the event "
        "study for when the effect appears and whether it lasts (duration_years, "
        "persistence_years, drop_off)"),
}
DISCOUNTING = ("health", "standard")
COST_PRICES = ("real", "nominal")
VALUE_DISTRIBUTIONS = ("triangular", "uniform")
MIN_DRAWS = 10_000
SHARE_TOLERANCE = 1e-3
CONFIG_KEYS = {"outcome", "estimator", "mapping", "price_year", "start_year", "discounting",
               "cost_discounting", "population", "first_benefit_year", "duration_years",
               "persistence_years", "drop_off", "attribution", "displacement", "costs",
               "cost_prices", "monte_carlo", "sensitivity"}


# --------------------------------------------------------------------------- validation

def _fail(key: str, message: str) -> ConfigError:
    return ConfigError(f"cba.{key}: {message}")


def _number(value: Any, key: str, *, minimum: float | None = None,
            maximum: float | None = None, strict_minimum: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(
            value):
        raise _fail(key, f"must be a finite number, not {value!r}")
    value = float(value)
    if minimum is not None and (value <= minimum if strict_minimum else value < minimum):
        raise _fail(key, f"must be {'>' if strict_minimum else '>='} {minimum:g}, "
                         f"not {value:g}")
    if maximum is not None and value > maximum:
        raise _fail(key, f"must be <= {maximum:g}, not {value:g}")
    return value


def _whole(value: Any, key: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _fail(key, f"must be a whole number, not {value!r}")
    if value < minimum:
        raise _fail(key, f"must be >= {minimum}, not {value}")
    return int(value)


def _choice(value: Any, key: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise _fail(key, f"'{value}' is not one of {list(options)}")
    return value


def _by_year(values: Mapping[Any, Any], key: str) -> MappingProxyType:
    if not isinstance(values, Mapping) or not values:
        raise _fail(key, "must map appraisal years (0 = first year) to amounts, "
                         "e.g. {\"0\": 1000000}")
    out = {}
    for year, amount in values.items():
        text = str(year).strip()
        if isinstance(year, bool) or not text.isdigit():
            raise _fail(key, f"appraisal year '{year}' is not a whole number >= 0")
        out[int(text)] = _number(amount, f"{key}.{text}", minimum=0)
    return MappingProxyType(dict(sorted(out.items())))


def _check_price_year(year: int, key: str) -> None:
    first, last = deflator_years()
    if year not in gdp_deflator().index:
        raise _fail(key, f"no GDP deflator for {year} (available {first}-{last})")


@dataclass(frozen=True)
class CbaInputs:
    """The checked inputs of a WELLBY cost-benefit analysis (the config's ``cba``).

    Parameters
    ----------
    population : float or mapping of int to float
        Persons whose life satisfaction the effect reaches in each benefit year: one
        number for every year, or ``{appraisal_year: persons}`` covering every benefit
        year (years outside the benefit years are ignored).
    duration_years : int
        Years of full effect, from ``first_benefit_year``.
    costs : mapping of int to float
        Programme costs by appraisal year (0 = first year), in ``cost_prices`` terms.
    outcome : str, default "life_satisfaction"
        The outcome whose effect is valued.
    estimator : {"twfe", "callaway_santanna"}, default "twfe"
        The DiD estimator whose overall effect is valued (``att``, ``att_simple``).
    mapping_factor : float, default 1.0
        Life-satisfaction points per unit of the outcome (1 for life satisfaction).
    mapping_source : str, optional
        The published conversion behind ``mapping_factor``; required with a mapping.
    price_year : int, default 2019
        Prices of every £ figure; must be in the GDP deflator series.
    start_year : int, optional
        Calendar year of appraisal year 0; needed for nominal costs.
    discounting : {"health", "standard"}, default "health"
        Schedule discounting the WELLBYs.
    cost_discounting : {"standard", "health"}, default "standard"
        Schedule discounting the costs.
    first_benefit_year : int, default 0
        Appraisal year in which benefits start.
    persistence_years : int, default 0
        Years after ``duration_years`` in which the effect fades.
    drop_off : float, default 0.0
        Share of the effect lost each persistence year (0-1).
    attribution : float, default 1.0
        Share of the measured change attributable to the programme (0-1).
    displacement : float, default 0.0
        Share of the benefit offset elsewhere (0-1).
    cost_prices : {"real", "nominal"}, default "real"
        Whether ``costs`` are in ``price_year`` prices or cash of each year.
    draws : int, default 10000
        Monte Carlo draws (at least 10,000).
    seed : int, default 2010
        Monte Carlo seed.
    value_distribution : {"triangular", "uniform"}, default "triangular"
        Distribution of the WELLBY value in the Monte Carlo.
    sensitivity_range : float, default 0.2
        One-way sensitivity: relative move of quantities, absolute move of shares.

    Notes
    -----
    The dataclass checks itself on creation (also through :func:`dataclasses.replace`),
    raising :class:`~wellby.errors.ConfigError` messages that start with the config key to
    fix, e.g. ``cba.population: no persons for benefit year 6``. Mappings are stored
    read-only with integer years.
    """

    population: float | Mapping[int, float]
    duration_years: int
    costs: Mapping[int, float]
    outcome: str = LIFE_SATISFACTION
    estimator: str = "twfe"
    mapping_factor: float = 1.0
    mapping_source: str | None = None
    price_year: int = 2019
    start_year: int | None = None
    discounting: str = "health"
    cost_discounting: str = "standard"
    first_benefit_year: int = 0
    persistence_years: int = 0
    drop_off: float = 0.0
    attribution: float = 1.0
    displacement: float = 0.0
    cost_prices: str = "real"
    draws: int = MIN_DRAWS
    seed: int = 2010
    value_distribution: str = "triangular"
    sensitivity_range: float = 0.2
    _real_costs: Mapping[int, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        if not isinstance(self.outcome, str) or not self.outcome:
            raise _fail("outcome", "must name an outcome")
        if self.estimator in NOT_VALUED:
            raise _fail("estimator", NOT_VALUED[self.estimator])
        _choice(self.estimator, "estimator", tuple(HEADLINE_TERM))
        put(self, "mapping_factor", _number(self.mapping_factor, "mapping.factor"))
        if self.mapping_factor == 0:
            raise _fail("mapping.factor", "must not be 0 (it would value every effect at 0)")
        has_source = isinstance(self.mapping_source, str) and self.mapping_source.strip()
        if self.mapping_factor != 1.0 and not has_source:
            raise _fail("mapping.source", "a mapping to life satisfaction needs its published "
                                          "source (cited in the report)")
        if self.outcome != LIFE_SATISFACTION and not has_source:
            raise _fail("mapping", f"the outcome '{self.outcome}' is not life satisfaction "
                                   "(0-10): give mapping.factor (life-satisfaction points per "
                                   "unit of the outcome) and mapping.source (the published "
                                   "conversion)")
        put(self, "price_year", _whole(self.price_year, "price_year"))
        _check_price_year(self.price_year, "price_year")
        if self.start_year is not None:
            put(self, "start_year", _whole(self.start_year, "start_year"))
        _choice(self.discounting, "discounting", DISCOUNTING)
        _choice(self.cost_discounting, "cost_discounting", DISCOUNTING)
        put(self, "first_benefit_year", _whole(self.first_benefit_year, "first_benefit_year"))
        put(self, "duration_years", _whole(self.duration_years, "duration_years", minimum=1))
        put(self, "persistence_years", _whole(self.persistence_years, "persistence_years"))
        for key in ("drop_off", "attribution", "displacement"):
            put(self, key, _number(getattr(self, key), key, minimum=0, maximum=1))
        if self.attribution == 0:
            raise _fail("attribution", "must be > 0 (an attribution of 0 values nothing)")
        if self.displacement == 1:
            raise _fail("displacement", "must be < 1 (a displacement of 1 values nothing)")
        if isinstance(self.population, Mapping):
            population = _by_year(self.population, "population")
            missing = [year for year in self.benefit_years if year not in population]
            if missing:
                raise _fail("population", f"no persons for benefit year "
                                          f"{', '.join(map(str, missing))} (benefits run in "
                                          f"appraisal years {self.benefit_years[0]}-"
                                          f"{self.benefit_years[-1]})")
            put(self, "population", population)
        else:
            put(self, "population", _number(self.population, "population", minimum=0,
                                            strict_minimum=True))
        put(self, "costs", _by_year(self.costs, "costs"))
        if not any(self.costs.values()):
            raise _fail("costs", "all costs are 0: the benefit-cost ratio is undefined")
        _choice(self.cost_prices, "cost_prices", COST_PRICES)
        put(self, "_real_costs", MappingProxyType(cost_to_price_year(self.costs, self)))
        put(self, "draws", _whole(self.draws, "monte_carlo.draws", minimum=MIN_DRAWS))
        put(self, "seed", _whole(self.seed, "monte_carlo.seed"))
        _choice(self.value_distribution, "monte_carlo.value_distribution",
                VALUE_DISTRIBUTIONS)
        put(self, "sensitivity_range", _number(self.sensitivity_range, "sensitivity.range",
                                               minimum=0, maximum=1, strict_minimum=True))

    @property
    def net_factor(self) -> float:
        """Life-satisfaction points valued per unit of the estimate.

        ``mapping_factor x attribution x (1 - displacement)``.
        """
        return self.mapping_factor * self.attribution * (1.0 - self.displacement)

    @property
    def benefit_years(self) -> list[int]:
        """Appraisal years with benefits: full-effect years, then persistence years."""
        first = self.first_benefit_year
        return list(range(first, first + self.duration_years + self.persistence_years))

    @property
    def persistence(self) -> np.ndarray:
        """Share of the effect left in each benefit year: 1, ..., then (1 - drop_off)^k."""
        fading = (1.0 - self.drop_off) ** np.arange(1, self.persistence_years + 1)
        return np.concatenate([np.ones(self.duration_years), fading])

    @property
    def horizon(self) -> int:
        """Number of appraisal years covering every benefit and cost year."""
        return max(self.benefit_years[-1], max(self.costs)) + 1

    @property
    def real_costs(self) -> Mapping[int, float]:
        """Costs by appraisal year in ``price_year`` prices."""
        return self._real_costs

    def persons(self, year: int) -> float:
        """Persons reached in an appraisal year (0 outside the benefit years)."""
        if year not in self.benefit_years:
            return 0.0
        if isinstance(self.population, Mapping):
            return float(self.population[year])
        return float(self.population)

    def calendar_year(self, year: int) -> int | None:
        """Calendar year of an appraisal year (None without ``start_year``)."""
        return None if self.start_year is None else self.start_year + year


def cba_inputs(cba: Mapping[str, Any]) -> CbaInputs:
    """Check the config's ``cba`` section and return it as :class:`CbaInputs`.

    Parameters
    ----------
    cba : mapping
        The ``cba`` section, as validated by the workflow's schema or written by hand
        (missing optional keys take the defaults of :class:`CbaInputs`).

    Returns
    -------
    CbaInputs

    Raises
    ------
    wellby.errors.ConfigError
        Unknown keys, missing required keys (``population``, ``duration_years``,
        ``costs``), or any value :class:`CbaInputs` refuses; the message starts with the
        key to fix.

    Notes
    -----
    ``mapping: {factor, source}`` becomes ``mapping_factor`` / ``mapping_source``;
    ``monte_carlo: {draws, seed, value_distribution}`` and ``sensitivity: {range}`` are
    flattened. Keys of ``costs`` and ``population`` may be strings ("0") as YAML and JSON
    give them.
    """
    if not isinstance(cba, Mapping):
        raise ConfigError("cba: must be a mapping of settings")
    unknown = sorted(set(cba) - CONFIG_KEYS)
    if unknown:
        raise ConfigError(f"cba: unknown setting {unknown} (known: {sorted(CONFIG_KEYS)})")
    for key in ("population", "duration_years", "costs"):
        if key not in cba:
            raise _fail(key, "is required")
    settings = {key: value for key, value in cba.items()
                if key not in ("mapping", "monte_carlo", "sensitivity")}
    mapping = cba.get("mapping") or {}
    if not isinstance(mapping, Mapping) or set(mapping) - {"factor", "source"}:
        raise _fail("mapping", "must be {factor: <number>, source: <citation>}")
    if mapping:
        if "factor" not in mapping:
            raise _fail("mapping.factor", "is required with a mapping")
        source = mapping.get("source")
        if not isinstance(source, str) or not source.strip():
            raise _fail("mapping.source", "a mapping to life satisfaction needs its "
                                          "published source (cited in the report)")
        settings["mapping_factor"] = mapping["factor"]
        settings["mapping_source"] = source
    monte_carlo = cba.get("monte_carlo") or {}
    if not isinstance(monte_carlo, Mapping) or set(monte_carlo) - {
            "draws", "seed", "value_distribution"}:
        raise _fail("monte_carlo", "must be {draws, seed, value_distribution}")
    settings.update(monte_carlo)
    sensitivity = cba.get("sensitivity") or {}
    if not isinstance(sensitivity, Mapping) or set(sensitivity) - {"range"}:
        raise _fail("sensitivity", "must be {range: <share, e.g. 0.2>}")
    if "range" in sensitivity:
        settings["sensitivity_range"] = sensitivity["range"]
    return CbaInputs(**settings)


def cost_to_price_year(costs: Mapping[int, float], inputs: CbaInputs) -> dict[int, float]:
    """Bring costs by appraisal year into ``inputs.price_year`` prices.

    Parameters
    ----------
    costs : mapping of int to float
        Costs by appraisal year, in ``inputs.cost_prices`` terms.
    inputs : CbaInputs
        Supplies ``cost_prices``, ``price_year`` and ``start_year``.

    Returns
    -------
    dict of int to float
        Real costs by appraisal year.

    Raises
    ------
    wellby.errors.ConfigError
        Nominal costs without ``start_year``, or a cost year whose calendar year has no
        GDP deflator (the message names both years).

    Notes
    -----
    Real costs are returned unchanged. A nominal cost of appraisal year t is cash spent in
    calendar year ``start_year + t`` and becomes ``cost x deflator[price_year] /
    deflator[start_year + t]``.
    """
    out = {int(year): float(value) for year, value in costs.items()}
    if inputs.cost_prices == "real":
        return out
    if inputs.start_year is None:
        raise _fail("start_year", "nominal costs (cost_prices: nominal) need the calendar "
                                  "year of appraisal year 0 to be deflated")
    deflator = gdp_deflator()
    first, last = deflator_years()
    for year, value in out.items():
        calendar = inputs.start_year + year
        if calendar not in deflator.index:
            raise _fail("costs", f"no GDP deflator for {calendar} (appraisal year {year} of "
                                 f"the nominal costs; available {first}-{last}): give "
                                 "these costs in real terms (cost_prices: real) or "
                                 "move start_year")
        out[year] = real_terms(value, calendar, inputs.price_year)
    return out


# --------------------------------------------------------------------------- the case

def _check_effect(effect: Any, name: str = "effect") -> float:
    if isinstance(effect, bool) or not isinstance(effect, numbers.Real) or not math.isfinite(
            effect):
        raise ValueError(f"{name} must be a finite number, not {effect!r}")
    return float(effect)


def _check_std_error(std_error: Any) -> float:
    if isinstance(std_error, bool) or not isinstance(std_error, numbers.Real) or not (
            math.isfinite(std_error) and std_error >= 0):
        raise ValueError(f"std_error must be a finite number >= 0, not {std_error!r} (the "
                         "Monte Carlo and the sensitivity need the estimate's standard "
                         "error)")
    return float(std_error)


def _kernel(inputs: CbaInputs) -> tuple[float, float]:
    """Return (discounted persons x persistence, PV costs) of the appraisal.

    PV benefits are linear in the net effect and the WELLBY value:
    ``benefits_pv = value x net effect x kernel``.
    """
    factors = discount_factors(inputs.horizon, inputs.discounting)
    years = inputs.benefit_years
    persons = np.array([inputs.persons(year) for year in years])
    kernel = float(np.sum(persons * inputs.persistence * factors[years]))
    cost_factors = discount_factors(inputs.horizon, inputs.cost_discounting)
    costs_pv = float(sum(value * cost_factors[year]
                         for year, value in inputs.real_costs.items()))
    return kernel, costs_pv


def _ratio(numerator, denominator):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(numerator, denominator)


def benefit_schedule(inputs: CbaInputs, effect: float) -> pd.DataFrame:
    """Lay out the appraisal year by year, for a reviewer to recompute by hand.

    Parameters
    ----------
    inputs : CbaInputs
    effect : float
        The DiD estimate in the outcome's units (converted with ``inputs.net_factor``).

    Returns
    -------
    pandas.DataFrame
        One row per appraisal year 0 .. horizon - 1: ``year``, ``calendar_year`` (NA
        without ``start_year``), ``persons``, ``persistence`` (share of the net effect
        left), ``effect`` (net life-satisfaction effect that year), ``wellbys`` (persons x
        effect), ``discount_factor`` (WELLBY schedule), ``wellbys_pv``, ``cost`` (as
        configured), ``cost_real`` (price-year prices), ``cost_discount_factor`` (cost
        schedule), ``cost_pv``.

    Notes
    -----
    PV benefits of a scenario = ``wellbys_pv.sum()`` x its WELLBY value; PV costs =
    ``cost_pv.sum()``; both equal the figures of :func:`cost_benefit`.
    """
    effect = _check_effect(effect)
    years = np.arange(inputs.horizon)
    persistence = np.zeros(inputs.horizon)
    persistence[inputs.benefit_years] = inputs.persistence
    persons = np.array([inputs.persons(int(year)) for year in years])
    yearly_effect = effect * inputs.net_factor * persistence
    wellbys = persons * yearly_effect
    factors = discount_factors(inputs.horizon, inputs.discounting)
    cost_factors = discount_factors(inputs.horizon, inputs.cost_discounting)
    cost = np.array([inputs.costs.get(int(year), 0.0) for year in years])
    cost_real = np.array([inputs.real_costs.get(int(year), 0.0) for year in years])
    calendar = pd.array([inputs.calendar_year(int(year)) for year in years], dtype="Int64")
    return pd.DataFrame({
        "year": years, "calendar_year": calendar, "persons": persons,
        "persistence": persistence, "effect": yearly_effect, "wellbys": wellbys,
        "discount_factor": factors, "wellbys_pv": wellbys * factors, "cost": cost,
        "cost_real": cost_real, "cost_discount_factor": cost_factors,
        "cost_pv": cost_real * cost_factors}, columns=SCHEDULE_COLUMNS)


def cost_benefit(inputs: CbaInputs, effect: float) -> pd.DataFrame:
    """Compute the WELLBY cost-benefit case for the low, central and high WELLBY values.

    Parameters
    ----------
    inputs : CbaInputs
    effect : float
        The DiD estimate in the outcome's units.

    Returns
    -------
    pandas.DataFrame
        One row per scenario (low, central, high) with ``CBA_COLUMNS``: scenario,
        wellby_value (£ per WELLBY, price-year prices), wellbys (undiscounted), benefits_pv,
        costs_pv, npv, bcr, roi, effect (the net life-satisfaction effect valued),
        wellbys_pv (discounted WELLBYs), price_year, discounting (the WELLBY schedule).

    Notes
    -----
    ``benefits_pv = wellby_value x wellbys_pv``; ``npv = benefits_pv - costs_pv``;
    ``bcr = benefits_pv / costs_pv``; ``roi = npv / costs_pv``. See the module Notes for
    how the net effect, benefit years, prices and discounting are defined.
    """
    schedule = benefit_schedule(inputs, effect)
    wellbys = float(schedule["wellbys"].sum())
    wellbys_pv = float(schedule["wellbys_pv"].sum())
    costs_pv = float(schedule["cost_pv"].sum())
    rows = []
    for scenario in SCENARIOS:
        value = wellby_value(scenario, inputs.price_year)
        benefits_pv = wellbys_pv * value
        npv = benefits_pv - costs_pv
        rows.append({"scenario": scenario, "wellby_value": value, "wellbys": wellbys,
                     "benefits_pv": benefits_pv, "costs_pv": costs_pv, "npv": npv,
                     "bcr": benefits_pv / costs_pv, "roi": npv / costs_pv,
                     "effect": float(effect) * inputs.net_factor, "wellbys_pv": wellbys_pv,
                     "price_year": inputs.price_year, "discounting": inputs.discounting})
    return pd.DataFrame(rows, columns=CBA_COLUMNS)


def breakeven_effect(inputs: CbaInputs, scale: str = "net") -> float:
    """Return the effect at which NPV = 0 at the central WELLBY value.

    Parameters
    ----------
    inputs : CbaInputs
    scale : {"net", "estimate"}, default "net"
        ``"net"``: the net life-satisfaction effect (points per person per benefit year);
        ``"estimate"``: the DiD estimate in the outcome's own units that gives it (the net
        effect divided by mapping factor x attribution x (1 - displacement)), e.g. SWEMWBS
        points when a mapping is used.

    Returns
    -------
    float
        ``costs_pv / (central value x discounted persons x persistence)``; ``inf`` when
        no one is reached.
    """
    if scale not in ("net", "estimate"):
        raise ValueError(f"scale must be 'net' or 'estimate', not {scale!r}")
    kernel, costs_pv = _kernel(inputs)
    if kernel == 0:
        return math.inf
    net = costs_pv / (wellby_value("central", inputs.price_year) * kernel)
    return net if scale == "net" else net / inputs.net_factor


# --------------------------------------------------------------------------- the estimate

def headline_effect(did: pd.DataFrame, outcome: str, estimator: str) -> tuple[float, float]:
    """Pick the estimate (and its standard error) that feeds the cost-benefit case.

    Parameters
    ----------
    did : pandas.DataFrame
        The ``did.csv`` table: outcome, estimator, term, estimate, std_error, ...
    outcome : str
        The outcome valued (``cba.outcome``).
    estimator : {"twfe", "callaway_santanna"}
        ``twfe`` gives term ``att``; ``callaway_santanna`` gives ``att_simple``.

    Returns
    -------
    (float, float)
        The estimate and its standard error (NaN when the table has none).

    Raises
    ------
    wellby.errors.DataError
        With ``config_key="cba.estimator"`` for ``event_study`` (no overall effect) or an
        estimator not in the table for the outcome; ``"cba.outcome"`` when the outcome has
        no rows; also when the row is duplicated or its estimate is missing.
    """
    for column in ("outcome", "estimator", "term", "estimate"):
        if column not in did.columns:
            raise DataError(f"the DiD table has no '{column}' column", column=column)
    if estimator in NOT_VALUED:
        raise DataError(NOT_VALUED[estimator], config_key="cba.estimator")
    if estimator not in HEADLINE_TERM:
        raise DataError(f"unknown estimator '{estimator}' (value one of "
                        f"{list(HEADLINE_TERM)})", config_key="cba.estimator")
    rows = did[did["outcome"] == outcome]
    if rows.empty:
        outcomes = sorted(did["outcome"].dropna().unique().tolist())
        raise DataError(f"the DiD table has no rows for outcome '{outcome}' (it has "
                        f"{outcomes})", config_key="cba.outcome")
    term = HEADLINE_TERM[estimator]
    match = rows[(rows["estimator"] == estimator) & (rows["term"] == term)]
    if len(match) != 1:
        found = "no" if match.empty else f"{len(match)}"
        raise DataError(f"the DiD table has {found} '{term}' row for outcome '{outcome}' "
                        f"and estimator '{estimator}' (is {estimator} in "
                        "models.estimators?)", config_key="cba.estimator")
    estimate = float(match["estimate"].iloc[0])
    if not math.isfinite(estimate):
        raise DataError(f"the {estimator} '{term}' estimate for '{outcome}' is missing (see "
                        "its note in did.csv)", config_key="cba.estimator")
    std_error = (float(match["std_error"].iloc[0]) if "std_error" in match.columns
                 else math.nan)
    return estimate, std_error


def cba_from_did(did: pd.DataFrame, cba: Mapping[str, Any]) -> pd.DataFrame:
    """Run :func:`cost_benefit` on the headline estimate named by the config's ``cba``."""
    inputs = cba_inputs(cba)
    effect, _ = headline_effect(did, inputs.outcome, inputs.estimator)
    return cost_benefit(inputs, effect)


# --------------------------------------------------------------------------- uncertainty

@dataclass(frozen=True)
class MonteCarloResult:
    """Monte Carlo draws of the cost-benefit case.

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per draw: estimate, effect (net), wellby_value, benefits_pv, costs_pv,
        npv, bcr, roi.
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
        Number of draws, at least 10,000 (default ``inputs.draws``).
    seed : int, optional
        Seed of :func:`numpy.random.default_rng` (default ``inputs.seed``).
    value_distribution : {"triangular", "uniform"}, optional
        Default ``inputs.value_distribution``.

    Returns
    -------
    MonteCarloResult

    Notes
    -----
    Each draw takes the estimate from Normal(effect, std_error) (its estimated sampling
    distribution) and, independently, the WELLBY value from triangular(low, central, high)
    or uniform(low, high), in price-year prices; everything else is held at its configured
    value. The generator draws the standard normals first, then the values, so the same
    seed gives identical draws, and changing only the effect shifts each draw's estimate
    by the same amount (common random numbers): P(NPV > 0) is then monotone in the effect.
    Vectorised: PV benefits = value x estimate x net factor x (discounted persons x
    persistence), PV costs are fixed.
    """
    effect = _check_effect(effect)
    std_error = _check_std_error(std_error)
    draws = _whole(inputs.draws if draws is None else draws, "monte_carlo.draws",
                   minimum=MIN_DRAWS)
    seed = _whole(inputs.seed if seed is None else seed, "monte_carlo.seed")
    distribution = _choice(inputs.value_distribution if value_distribution is None
                           else value_distribution, "monte_carlo.value_distribution",
                           VALUE_DISTRIBUTIONS)
    rng = np.random.default_rng(seed)
    estimates = effect + std_error * rng.standard_normal(draws)
    low, central, high = (wellby_value(s, inputs.price_year) for s in SCENARIOS)
    if distribution == "triangular":
        values = rng.triangular(low, central, high, draws)
    else:
        values = rng.uniform(low, high, draws)
    kernel, costs_pv = _kernel(inputs)
    net = estimates * inputs.net_factor
    benefits_pv = values * net * kernel
    npv = benefits_pv - costs_pv
    table = pd.DataFrame({"estimate": estimates, "effect": net, "wellby_value": values,
                          "benefits_pv": benefits_pv, "costs_pv": np.full(draws, costs_pv),
                          "npv": npv, "bcr": benefits_pv / costs_pv, "roi": npv / costs_pv})
    central_npv = central * effect * inputs.net_factor * kernel - costs_pv
    return MonteCarloResult(draws=table, seed=seed, value_distribution=distribution,
                            estimate=effect, std_error=std_error, central_npv=central_npv,
                            breakeven_effect=breakeven_effect(inputs),
                            breakeven_estimate=breakeven_effect(inputs, "estimate"),
                            price_year=inputs.price_year)


def _central_npv(inputs: CbaInputs, effect: float, value: float | None = None) -> float:
    kernel, costs_pv = _kernel(inputs)
    value = wellby_value("central", inputs.price_year) if value is None else value
    return value * effect * inputs.net_factor * kernel - costs_pv


def _scaled(mapping: Mapping[int, float], factor: float) -> dict[int, float]:
    return {year: value * factor for year, value in mapping.items()}


def _mean_persons(inputs: CbaInputs) -> float:
    return float(np.mean([inputs.persons(year) for year in inputs.benefit_years]))


def one_way_sensitivity(inputs: CbaInputs, effect: float, std_error: float,
                        alpha: float = 0.05) -> pd.DataFrame:
    """Move each input alone between a low and a high setting and record the NPV.

    Parameters
    ----------
    inputs : CbaInputs
    effect, std_error : float
        The DiD estimate (outcome's units) and its standard error.
    alpha : float, default 0.05
        The effect moves over its normal ``1 - alpha`` interval (``models.alpha``).

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
    effect = _check_effect(effect)
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

    z = float(stats.norm.ppf(1 - alpha / 2))
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
    persons = _mean_persons(inputs)
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


# --------------------------------------------------------------------------- who gains

def subgroup_value(inputs: CbaInputs, subgroups: pd.DataFrame,
                   shares: pd.DataFrame) -> pd.DataFrame:
    """Value the WELLBYs that each subgroup level gains: who the benefits reach.

    Parameters
    ----------
    inputs : CbaInputs
    subgroups : pandas.DataFrame
        ``subgroups.csv``: subgroup, level, estimate, std_error, and (when present)
        outcome, estimator, term, note. Rows of ``inputs.outcome`` with estimator
        ``twfe`` and term ``att`` (the stratified TWFE effect within the level) are used.
    shares : pandas.DataFrame
        subgroup, level, share: each level's share of the affected population; shares
        sum to 1 (within 0.001) within each subgroup variable.

    Returns
    -------
    pandas.DataFrame
        ``SUBGROUP_VALUE_COLUMNS``, one row per level of ``shares``: share, persons (mean
        per benefit year), estimate, std_error, effect (net), wellbys (undiscounted),
        wellby_share (the level's share of the subgroup variable's WELLBYs), wellby_value
        (central £ per WELLBY), benefits_pv (central), note.

    Raises
    ------
    wellby.errors.DataError
        Missing columns, shares outside 0-1 or not summing to 1, duplicated levels, or a
        level with an estimate but no share.

    Notes
    -----
    The level's persons in each benefit year are the population x its share; its WELLBYs
    use its own estimate through the same net factor, persistence and discounting as the
    whole case. Only the subgroup variables in ``shares`` are valued. A level without an
    estimate is listed with NaN and a note and left out of ``wellby_share``. The levels'
    WELLBYs need not add up to the whole case's (each level has its own estimate), and a
    level whose estimate is negative has a negative ``wellby_share``.
    """
    for name, table, needed in (("subgroups", subgroups, ("subgroup", "level", "estimate")),
                                ("shares", shares, ("subgroup", "level", "share"))):
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise DataError(f"the {name} table has no {missing} column", column=missing[0])
    rows = subgroups
    for column, value in (("outcome", inputs.outcome), ("estimator", "twfe"),
                          ("term", "att")):
        if column in rows.columns:
            rows = rows[rows[column] == value]
    keys = ["subgroup", "level"]
    for name, table in (("subgroups", rows), ("shares", shares)):
        duplicated = table[table.duplicated(keys, keep=False)]
        if not duplicated.empty:
            pairs = sorted({f"{s}={lvl}" for s, lvl in zip(duplicated["subgroup"],
                                                           duplicated["level"], strict=True)})
            raise DataError(f"the {name} table lists {pairs} more than once")
    share = pd.to_numeric(shares["share"], errors="coerce")
    bad = shares[~share.between(0, 1)]
    if not bad.empty:
        listed = bad[[*keys, "share"]].to_dict("records")
        raise DataError(f"shares must be between 0 and 1: {listed}", column="share")
    totals = share.groupby(shares["subgroup"]).sum()
    off = totals[(totals - 1).abs() > SHARE_TOLERANCE]
    if not off.empty:
        detail = ", ".join(f"'{s}' sums to {t:.4f}" for s, t in off.items())
        raise DataError(f"the population shares must sum to 1 within each subgroup: {detail}",
                        column="share")
    valued = set(shares["subgroup"])
    estimated = rows[rows["subgroup"].isin(valued) & rows["estimate"].notna()]
    shared = set(zip(shares["subgroup"], shares["level"], strict=True))
    orphans = sorted(f"{s}={lvl}" for s, lvl in zip(estimated["subgroup"], estimated["level"],
                                                    strict=True) if (s, lvl) not in shared)
    if orphans:
        raise DataError(f"no population share for the estimated level {orphans}: add them "
                        "to the shares table", column="level")
    kernel, _ = _kernel(inputs)
    undiscounted = float(sum(inputs.persons(y) * w for y, w in zip(
        inputs.benefit_years, inputs.persistence, strict=True)))
    value = wellby_value("central", inputs.price_year)
    persons = _mean_persons(inputs)
    lookup = rows.set_index(keys)
    out = []
    for (name, level), level_share in zip(zip(shares["subgroup"], shares["level"],
                                              strict=True), share, strict=True):
        row = {"subgroup": name, "level": level, "share": float(level_share),
               "persons": persons * level_share, "wellby_value": value}
        found = lookup.loc[(name, level)] if (name, level) in lookup.index else None
        estimate = float(found["estimate"]) if found is not None else math.nan
        if not math.isfinite(estimate):
            reason = ""
            if found is not None and "note" in lookup.columns and isinstance(found["note"], str):
                reason = found["note"]
            row.update(estimate=math.nan, std_error=math.nan, effect=math.nan,
                       wellbys=math.nan, benefits_pv=math.nan,
                       note=f"not valued: no stratified TWFE estimate for this level"
                            f"{' (' + reason + ')' if reason else ''}")
        else:
            net = estimate * inputs.net_factor
            std_error = (float(found["std_error"]) if "std_error" in lookup.columns
                         else math.nan)
            row.update(estimate=estimate, std_error=std_error, effect=net,
                       wellbys=net * level_share * undiscounted,
                       benefits_pv=value * net * level_share * kernel, note="")
        out.append(row)
    table = pd.DataFrame(out, columns=SUBGROUP_VALUE_COLUMNS)
    sums = table.groupby("subgroup")["wellbys"].transform(lambda s: s.sum(min_count=1))
    table["wellby_share"] = _ratio(table["wellbys"], sums.where(sums != 0))
    return table


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

    table = sensitivity.sort_values("swing", ascending=True, kind="stable")
    figure = Figure(figsize=(7.5, 0.45 * len(table) + 1.8), layout="constrained")
    ax = figure.subplots()
    y = np.arange(len(table))
    base = _millions(table["npv_base"]).mean() if len(table) else 0.0
    low, high = _millions(table["npv_low"]), _millions(table["npv_high"])
    ax.barh(y, low - base, left=base, color="tab:orange", height=0.6)
    ax.barh(y, high - base, left=base, color="tab:blue", height=0.6)
    ax.axvline(base, color="black", linewidth=1)
    ax.axvline(0, color="grey", linewidth=0.8, linestyle=":")
    labels = [f"{name} ({_short(lo, name)} to {_short(hi, name)})" for name, lo, hi in zip(
        table["input"], table["low_value"], table["high_value"], strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    prices = f", {price_year} prices" if price_year else ""
    ax.set_xlabel(f"Net present value (£m{prices})")
    ax.set_title(f"One-way sensitivity of the NPV (central NPV £{base:,.1f}m)")
    ax.legend(handles=[Patch(color="tab:orange", label="input at its low setting"),
                       Patch(color="tab:blue", label="input at its high setting")],
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

    summary = result.summary().iloc[0]
    npv = _millions(result.draws["npv"])
    figure = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = figure.subplots()
    ax.axvspan(summary["npv_p05"] / 1e6, summary["npv_p95"] / 1e6, color="tab:blue",
               alpha=0.12, label="5th-95th percentile")
    ax.hist(npv, bins=60, color="tab:blue", alpha=0.75)
    ax.axvline(0, color="black", linewidth=1, label="NPV = 0")
    ax.axvline(result.central_npv / 1e6, color="tab:red", linestyle="--", linewidth=1,
               label=f"central case (£{result.central_npv / 1e6:,.1f}m)")
    ax.set_xlabel(f"Net present value (£m, {result.price_year} prices)")
    ax.set_ylabel("Number of draws")
    ax.set_title(f"Monte Carlo NPV: P(NPV > 0) = {summary['prob_npv_positive']:.1%} "
                 f"({int(summary['draws']):,} draws, seed {result.seed})")
    ax.legend(loc="upper left", fontsize=8)
    return figure
