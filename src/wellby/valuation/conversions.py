"""Published conversions of other wellbeing measures to life-satisfaction points.

A WELLBY is one point of life satisfaction (0-10) for one person for one year, so an
effect on another measure (SWEMWBS, WEMWBS, GHQ-12) is valued through a published
"exchange rate": life-satisfaction points per point of the measure. The conversions
bundled in ``wellby/data/ls_conversions.csv`` are copied from their sources with the
citation on each row (see ``wellby/data/SOURCES.md``); only published numbers are listed.

The config names a conversion (``cba.mapping: {conversion: <name>}``) or gives one by hand
(``cba.mapping: {factor, source, std_error, measure}``); :func:`resolve_mapping` turns
either into the factor, its source and its standard error that
:class:`~wellby.valuation.inputs.CbaInputs` carries. A conversion is per point of one
scoring of one measure: raw SWEMWBS points (7-35) and the Rasch metric score are different
units, so :func:`check_conversion_scale` refuses a conversion for an outcome scored
otherwise (the outcome names are those of :mod:`wellby.prepare.scales`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from wellby.errors import ConfigError

CONVERSION_COLUMNS = ["name", "measure", "scale", "factor", "std_error", "source", "notes"]
CONVERSION_KEY = "cba.mapping.conversion"

_SCORED_AS = {
    "swemwbs": "raw SWEMWBS points (7-35)",
    "swemwbs_metric": "SWEMWBS Rasch metric points",
    "wemwbs": "WEMWBS points (14-70)",
    "ghq12_likert": "GHQ-12 Likert points (0-36)",
    "ghq12_caseness": "GHQ-12 caseness points (0-12)",
    "anxiety": "ONS anxiety points (0-10)",
    "life_satisfaction": "life-satisfaction points (0-10)",
}


@dataclass(frozen=True)
class Conversion:
    """One published conversion of a measure to life-satisfaction points.

    Attributes
    ----------
    name : str
        Its name in the table (``cba.mapping.conversion``).
    measure : str
        The outcome it applies to, as :mod:`wellby.prepare.scales` names it.
    scale : str
        How the measure is scored (raw, rasch metric, likert, caseness).
    factor : float
        Life-satisfaction points per point of the measure.
    std_error : float
        Standard error of ``factor``; NaN when the source publishes none.
    source, notes : str
        The full citation, and how to read the number.
    """

    name: str
    measure: str
    scale: str
    factor: float
    std_error: float
    source: str
    notes: str


@dataclass(frozen=True)
class ResolvedMapping:
    """The mapping that the cost-benefit inputs carry.

    Attributes
    ----------
    factor : float
        Life-satisfaction points per unit of the outcome (1 without a mapping).
    source : str or None
        The published conversion (None without a mapping).
    std_error : float
        Standard error of ``factor`` (0: held fixed in the Monte Carlo).
    """

    factor: float
    source: str | None
    std_error: float


@cache
def _table() -> pd.DataFrame:
    with resources.files("wellby.data").joinpath("ls_conversions.csv").open() as handle:
        table = pd.read_csv(handle, dtype={"name": str, "measure": str, "scale": str,
                                           "source": str, "notes": str})
    return table[CONVERSION_COLUMNS]


def ls_conversions() -> pd.DataFrame:
    """Return the bundled conversions to life satisfaction.

    Returns
    -------
    pandas.DataFrame
        ``CONVERSION_COLUMNS``: name, measure, scale, factor (life-satisfaction points per
        point of the measure), std_error (NaN where none is published), source, notes;
        one row per conversion, a copy the caller may change.
    """
    return _table().copy()


def conversion_for(name: str) -> Conversion:
    """Return the conversion called ``name`` in :func:`ls_conversions`.

    Raises
    ------
    wellby.errors.ConfigError
        ``cba.mapping.conversion`` names no conversion of the table (the message lists
        them).
    """
    table = _table()
    found = table[table["name"] == name]
    if found.empty:
        raise ConfigError(f"{CONVERSION_KEY}: no published conversion called {name!r}; "
                          f"known: {', '.join(table['name'])} (or give mapping.factor and "
                          "mapping.source for another published conversion)")
    row = found.iloc[0]
    return Conversion(name=row["name"], measure=row["measure"], scale=row["scale"],
                      factor=float(row["factor"]), std_error=float(row["std_error"]),
                      source=row["source"], notes=row["notes"])


def _scored_as(measure: str) -> str:
    return _SCORED_AS.get(measure, f"points of '{measure}'")


def check_conversion_scale(outcome: str, conversion: Conversion, *,
                           key: str = CONVERSION_KEY) -> None:
    """Refuse a conversion for an outcome on another scale.

    Parameters
    ----------
    outcome : str
        The outcome valued (``cba.outcome``).
    conversion : Conversion
    key : str, default "cba.mapping.conversion"
        The config key the message names.

    Raises
    ------
    wellby.errors.ConfigError
        ``outcome`` is not the conversion's measure, e.g. a conversion per raw SWEMWBS
        point applied to ``swemwbs_metric`` (Rasch metric points): the message says which
        outcome the conversion needs.
    """
    if outcome != conversion.measure:
        raise ConfigError(
            f"{key}: {conversion.name!r} converts {_scored_as(conversion.measure)} "
            f"({conversion.scale}), but the outcome valued, '{outcome}', is in "
            f"{_scored_as(outcome)}: value cba.outcome: {conversion.measure} with this "
            f"conversion, or choose a conversion for '{outcome}'")


def _get(mapping: Any, key: str) -> Any:
    if isinstance(mapping, Mapping):
        return mapping.get(key)
    return getattr(mapping, key, None)


def _std_error(value: Any, key: str) -> float:
    if value is None:
        return 0.0
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{key}: must be a finite number >= 0, not {value!r}")
    return value


def resolve_mapping(mapping: Any, outcome: str) -> ResolvedMapping:
    """Return the factor, source and standard error that ``cba.mapping`` gives.

    Parameters
    ----------
    mapping : mapping, typed section or None
        ``{conversion: <name>}`` (optionally with ``std_error``), or ``{factor, source,
        std_error, measure}``; ``std_error`` and ``measure`` are optional.
    outcome : str
        The outcome valued (``cba.outcome``).

    Returns
    -------
    ResolvedMapping
        Factor 1, no source and standard error 0 without a mapping.

    Raises
    ------
    wellby.errors.ConfigError
        An unknown conversion, a conversion beside a hand-given factor or source, a
        conversion or ``measure`` on another scale than the outcome
        (:func:`check_conversion_scale`), or a negative standard error.

    Notes
    -----
    A named conversion brings its published standard error (0 where none is published);
    a ``std_error`` above 0 given beside it replaces that (a standard error the analyst
    derived for the published factor, cited in the report).
    """
    if mapping is None:
        return ResolvedMapping(1.0, None, 0.0)
    std_error = _std_error(_get(mapping, "std_error"), "cba.mapping.std_error")
    name = _get(mapping, "conversion")
    if name is not None:
        extra = [k for k in ("factor", "source", "measure") if _get(mapping, k) is not None]
        if extra:
            raise ConfigError(f"{CONVERSION_KEY}: give either a conversion or "
                              f"mapping.{extra[0]}, not both")
        conversion = conversion_for(name)
        check_conversion_scale(outcome, conversion)
        published = 0.0 if math.isnan(conversion.std_error) else conversion.std_error
        return ResolvedMapping(conversion.factor, f"{conversion.name}: {conversion.source}",
                               std_error if std_error > 0 else published)
    factor, source = _get(mapping, "factor"), _get(mapping, "source")
    known = ", ".join(_table()["name"])
    if factor is None and source is None:
        raise ConfigError(f"cba.mapping: give a conversion (one of {known}) or a factor "
                          "and its source")
    for missing, given in (("source", factor), ("factor", source)):
        if given is not None and _get(mapping, missing) is None:
            raise ConfigError(f"cba.mapping: '{missing}' is a required property beside "
                              f"mapping.{'factor' if missing == 'source' else 'source'} "
                              f"(or name a published conversion: {known})")
    measure = _get(mapping, "measure")
    if measure is not None:
        by_hand = Conversion(name="the mapping", measure=measure, scale="as given",
                             factor=float(factor), std_error=std_error, source=source,
                             notes="")
        check_conversion_scale(outcome, by_hand, key="cba.mapping.measure")
    return ResolvedMapping(float(factor), str(source), std_error)
