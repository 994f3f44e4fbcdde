"""The config's ``cba`` section, checked into the inputs of the WELLBY cost-benefit case.

:func:`cba_inputs` reads the section (flattening ``mapping``, ``monte_carlo`` and
``sensitivity``) into a :class:`CbaInputs`, a frozen dataclass that checks itself on
creation and raises :class:`~wellby.errors.ConfigError` messages starting with the config key
to fix; :func:`cost_to_price_year` brings the configured costs into ``price_year`` prices.
The constants here (the valued estimators and their terms, the discounting schedules, the
cost prices, the Monte Carlo value distributions and minimum draws, the known keys) are the
``cba`` section's options. Conventions (appraisal years, net effect, benefit years, prices)
are those of :mod:`wellby.valuation.appraisal`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from wellby.errors import ConfigError
from wellby.valuation.greenbook import deflator_years, gdp_deflator, real_terms

LIFE_SATISFACTION = "life_satisfaction"
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


def check_whole(value: Any, key: str, *, minimum: int = 0) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise a ``cba.<key>`` ConfigError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _fail(key, f"must be a whole number, not {value!r}")
    if value < minimum:
        raise _fail(key, f"must be >= {minimum}, not {value}")
    return int(value)


def check_choice(value: Any, key: str, options: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``options``, or raise a ``cba.<key>`` ConfigError."""
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
        check_choice(self.estimator, "estimator", tuple(HEADLINE_TERM))
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
        put(self, "price_year", check_whole(self.price_year, "price_year"))
        _check_price_year(self.price_year, "price_year")
        if self.start_year is not None:
            put(self, "start_year", check_whole(self.start_year, "start_year"))
        check_choice(self.discounting, "discounting", DISCOUNTING)
        check_choice(self.cost_discounting, "cost_discounting", DISCOUNTING)
        put(self, "first_benefit_year", check_whole(self.first_benefit_year, "first_benefit_year"))
        put(self, "duration_years", check_whole(self.duration_years, "duration_years", minimum=1))
        put(self, "persistence_years", check_whole(self.persistence_years, "persistence_years"))
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
        check_choice(self.cost_prices, "cost_prices", COST_PRICES)
        put(self, "_real_costs", MappingProxyType(cost_to_price_year(self.costs, self)))
        put(self, "draws", check_whole(self.draws, "monte_carlo.draws", minimum=MIN_DRAWS))
        put(self, "seed", check_whole(self.seed, "monte_carlo.seed"))
        check_choice(self.value_distribution, "monte_carlo.value_distribution",
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
