"""The config's ``cba`` section as the inputs of the WELLBY cost-benefit case.

:func:`cba_inputs` reads the typed section (:class:`wellby.config.typed.Cba`; a mapping is
validated against the schema's ``cba`` first, which fills every default) into a
:class:`CbaInputs`, flattening ``mapping``, ``monte_carlo`` and ``sensitivity``;
:func:`cost_to_price_year` brings the configured costs into ``price_year`` prices.

Every key, default, enum and bound of the section is the schema's
(``wellby/config/schema.yaml``). This module keeps only the appraisal's own rules, which
the schema cannot state: the price year must be in the GDP deflator series, nominal costs
need the calendar year of appraisal year 0 (and a deflator for every cost year), a
population by year must cover every benefit year, the costs must not all be 0, and an
outcome other than life satisfaction needs a mapping to it. :class:`CbaInputs` checks them
on creation (also through :func:`dataclasses.replace`), raising
:class:`~wellby.errors.ConfigError` messages that start with the config key to fix.
Conventions (appraisal years, net effect, benefit years, prices) are those of
:mod:`wellby.valuation.appraisal`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from wellby.config.loading import validate_section
from wellby.config.typed import Cba
from wellby.errors import ConfigError
from wellby.valuation.conversions import resolve_mapping
from wellby.valuation.greenbook import deflator_years, gdp_deflator, real_terms

LIFE_SATISFACTION = "life_satisfaction"
HEADLINE_TERM = {"twfe": "att", "callaway_santanna": "att_simple"}
"""The overall effect of each estimator the case can value (the schema's ``cba.estimator``)."""
AUTO = "auto"
"""``cba.estimator``'s default: the robust estimator under staggered adoption."""


def valued_estimator(choice: str, estimators: Sequence[str], n_cohorts: int) -> str:
    """Return the estimator whose overall effect the case values (``cba.estimator``).

    Parameters
    ----------
    choice : {"auto", "twfe", "callaway_santanna"}
        The config's choice. ``auto`` takes Callaway-Sant'Anna under staggered adoption
        (more than one start cohort) when it runs, since two-way fixed effects average
        already-treated areas into the comparison there and can be biased by effects that
        change over time (Goodman-Bacon 2021); otherwise TWFE when it runs.
    estimators : sequence of str
        The estimators that ran (``models.estimators``).
    n_cohorts : int
        The number of distinct start waves among the programme areas.

    Returns
    -------
    str
        ``"twfe"`` or ``"callaway_santanna"``.

    Examples
    --------
    >>> valued_estimator("auto", ["twfe", "callaway_santanna"], n_cohorts=2)
    'callaway_santanna'
    >>> valued_estimator("auto", ["twfe", "callaway_santanna"], n_cohorts=1)
    'twfe'
    """
    if choice != AUTO:
        return choice
    if "callaway_santanna" in estimators and (n_cohorts > 1 or "twfe" not in estimators):
        return "callaway_santanna"
    return "twfe"
NOT_VALUED = {
    "event_study": (
        "the event study has no single overall effect to value: its coefficients are one "
        "per period relative to treatment (and did.csv carries only its pre-trend test); "
        "value the twfe 'att' or the callaway_santanna 'att_simple', and read the event "
        "study for when the effect appears and whether it lasts (duration_years, "
        "persistence_years, drop_off)"),
}


# --------------------------------------------------------------------------- the rules

def _fail(key: str, message: str) -> ConfigError:
    return ConfigError(f"cba.{key}: {message}")


def _by_year(values: Mapping[Any, Any]) -> MappingProxyType:
    """Amounts by appraisal year, read-only, with integer years ("0" as YAML gives it)."""
    return MappingProxyType(dict(sorted((int(year), float(amount))
                                        for year, amount in values.items())))


def _whole(value: Any) -> Any:
    """Return a whole float as an int (JSON Schema's integers include 2.0; range() does not)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


_WHOLE = ("duration_years", "price_year", "start_year", "first_benefit_year",
          "persistence_years", "draws", "seed")


def _check_price_year(year: int, key: str) -> None:
    first, last = deflator_years()
    if year not in gdp_deflator().index:
        raise _fail(key, f"no GDP deflator for {year} (available {first}-{last})")


@dataclass(frozen=True)
class CbaInputs:
    """The inputs of a WELLBY cost-benefit analysis (the config's ``cba``, flattened).

    Built by :func:`cba_inputs` from the validated section, whose schema gives every
    default, option and bound; built by hand, every field is given.

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
    outcome : str
        The outcome whose effect is valued.
    estimator : {"auto", "twfe", "callaway_santanna"}
        The DiD estimator whose overall effect is valued (``att``, ``att_simple``);
        ``auto`` until :func:`valued_estimator` settles it.
    mapping_factor : float
        Life-satisfaction points per unit of the outcome (1 for life satisfaction).
    mapping_source : str or None
        The published conversion behind ``mapping_factor`` (None without a mapping).
    mapping_std_error : float
        Standard error of ``mapping_factor`` (0 without a mapping, or when none is
        published): the Monte Carlo draws the factor from Normal(mapping_factor,
        mapping_std_error) when it is above 0.
    price_year : int
        Prices of every £ figure; must be in the GDP deflator series.
    start_year : int or None
        Calendar year of appraisal year 0; needed for nominal costs.
    discounting : {"health", "standard"}
        Schedule discounting the WELLBYs.
    cost_discounting : {"standard", "health"}
        Schedule discounting the costs.
    first_benefit_year : int
        Appraisal year in which benefits start.
    persistence_years : int
        Years after ``duration_years`` in which the effect fades.
    drop_off : float
        Share of the effect lost each persistence year (0-1).
    attribution : float
        Share of the measured change attributable to the programme (0-1).
    displacement : float
        Share of the benefit offset elsewhere (0-1).
    cost_prices : {"real", "nominal"}
        Whether ``costs`` are in ``price_year`` prices or cash of each year.
    draws : int
        Monte Carlo draws.
    seed : int
        Monte Carlo seed.
    value_distribution : {"triangular", "uniform"}
        Distribution of the WELLBY value in the Monte Carlo.
    sensitivity_range : float
        One-way sensitivity: relative move of quantities, absolute move of shares.

    Notes
    -----
    The dataclass checks the appraisal's own rules on creation (also through
    :func:`dataclasses.replace`), raising :class:`~wellby.errors.ConfigError` messages that
    start with the config key to fix, e.g. ``cba.population: no persons for benefit year
    6``; the schema's rules are checked where the section is validated. Mappings are
    stored read-only with integer years.
    """

    population: float | Mapping[int, float]
    duration_years: int
    costs: Mapping[int, float]
    outcome: str
    estimator: str
    mapping_factor: float
    mapping_source: str | None
    price_year: int
    start_year: int | None
    discounting: str
    cost_discounting: str
    first_benefit_year: int
    persistence_years: int
    drop_off: float
    attribution: float
    displacement: float
    cost_prices: str
    draws: int
    seed: int
    value_distribution: str
    sensitivity_range: float
    mapping_std_error: float
    _real_costs: Mapping[int, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        for key in _WHOLE:
            put(self, key, _whole(getattr(self, key)))
        if self.outcome != LIFE_SATISFACTION and self.mapping_source is None:
            raise _fail("mapping", f"the outcome '{self.outcome}' is not life satisfaction "
                                   "(0-10): give mapping.conversion (a published conversion "
                                   "of wellby.valuation.conversions.ls_conversions()), or "
                                   "mapping.factor (life-satisfaction points per unit of the "
                                   "outcome) and mapping.source (the published conversion)")
        if not (np.isfinite(self.mapping_std_error) and self.mapping_std_error >= 0):
            raise _fail("mapping.std_error", f"must be a finite number >= 0, not "
                                             f"{self.mapping_std_error!r}")
        _check_price_year(self.price_year, "price_year")
        if isinstance(self.population, Mapping):
            population = _by_year(self.population)
            missing = [year for year in self.benefit_years if year not in population]
            if missing:
                raise _fail("population", f"no persons for benefit year "
                                          f"{', '.join(map(str, missing))} (benefits run in "
                                          f"appraisal years {self.benefit_years[0]}-"
                                          f"{self.benefit_years[-1]})")
            put(self, "population", population)
        put(self, "costs", _by_year(self.costs))
        if not any(self.costs.values()):
            raise _fail("costs", "all costs are 0: the benefit-cost ratio is undefined")
        put(self, "_real_costs", MappingProxyType(cost_to_price_year(self.costs, self)))

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


def cba_inputs(cba: Cba | Mapping[str, Any]) -> CbaInputs:
    """Return the config's ``cba`` section as :class:`CbaInputs`.

    Parameters
    ----------
    cba : Cba or mapping
        The study's ``cba`` section, typed (:class:`wellby.config.typed.Cba`, as
        :func:`wellby.config.load_config` gives it), or a mapping as the YAML holds it,
        which is validated against the schema's ``cba`` first (filling its defaults).

    Returns
    -------
    CbaInputs

    Raises
    ------
    wellby.errors.ConfigError
        A mapping the schema refuses (unknown or missing keys, values out of range or not
        among the options), or a rule of the appraisal broken; the message starts with
        the key to fix.

    Notes
    -----
    ``mapping`` becomes ``mapping_factor`` / ``mapping_source`` / ``mapping_std_error``
    (1, None and 0 without a mapping) through
    :func:`~wellby.valuation.conversions.resolve_mapping`: ``{conversion: <name>}`` takes
    a published conversion of :func:`~wellby.valuation.conversions.ls_conversions` (which
    must be for the outcome's scale), ``{factor, source, std_error, measure}`` one given
    by hand; ``monte_carlo: {draws, seed, value_distribution}``
    and ``sensitivity: {range}`` are flattened. Keys of ``costs`` and ``population`` may
    be strings ("0") as YAML and JSON give them.
    """
    if not isinstance(cba, Cba):
        cba = Cba.coerce(validate_section("cba", cba))
    mapping = resolve_mapping(cba.mapping, cba.outcome)
    return CbaInputs(
        population=cba.population, duration_years=cba.duration_years, costs=cba.costs,
        outcome=cba.outcome, estimator=cba.estimator,
        mapping_factor=mapping.factor, mapping_source=mapping.source,
        mapping_std_error=mapping.std_error,
        price_year=cba.price_year, start_year=cba.start_year, discounting=cba.discounting,
        cost_discounting=cba.cost_discounting, first_benefit_year=cba.first_benefit_year,
        persistence_years=cba.persistence_years, drop_off=cba.drop_off,
        attribution=cba.attribution, displacement=cba.displacement,
        cost_prices=cba.cost_prices, draws=cba.monte_carlo.draws, seed=cba.monte_carlo.seed,
        value_distribution=cba.monte_carlo.value_distribution,
        sensitivity_range=cba.sensitivity.range)


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
