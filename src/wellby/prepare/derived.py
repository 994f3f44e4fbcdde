"""Derived indicator outcomes: the share of residents above or below a threshold.

Evaluators report not only mean wellbeing but the share of residents with high anxiety or
low life satisfaction, in the bands the Office for National Statistics (ONS) publishes. A
derived outcome is a new column coded **100** when its rule holds for the respondent's
source value, **0** when it does not, and missing when the source is missing. Every
estimator then estimates the change in the share in **percentage points** (a linear
probability model) with no other change, and a descriptive mean reads as a percentage.

Config (``derived:``, validated by the schema before :func:`resolve_derived` sees it)::

    derived:
      high_anxiety: ons                          # a documented preset, by its own name
      low_ls: {source: life_satisfaction, at_most: 4, label: "Low life satisfaction"}

A custom definition has a ``source`` (a column or scale score), exactly one rule
(``at_least``, ``at_most``, ``above``, ``below`` or ``equals``) and an optional ``label``.

Presets (:data:`ONS_PRESETS`) follow ONS's published thresholds for the four personal
well-being questions, each an integer rating 0-10 (:data:`ONS_THRESHOLDS_SOURCE`): for life
satisfaction, worthwhile and happiness the bands are 0 to 4 (low), 5 to 6 (medium), 7 to 8
(high) and 9 to 10 (very high); for anxiety 0 to 1 (very low), 2 to 3 (low), 4 to 5
(medium) and 6 to 10 (high).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wellby.errors import ConfigError, DataError

SHARE_SUFFIX = ", % of residents"
"""How a derived share's label ends: the report reads its unit from it."""

__all__ = [
    "ONS_PRESETS",
    "ONS_THRESHOLDS_SOURCE",
    "PRESET_VALUE",
    "RULES",
    "UNIT",
    "DerivedOutcome",
    "derive_outcomes",
    "derived_labels",
    "resolve_derived",
]

UNIT = "percentage points"
"""The unit of every effect on a derived outcome (the indicator is coded 0/100)."""
PRESET_VALUE = "ons"
"""The config value that selects a preset: ``derived: {high_anxiety: ons}``."""
RULES: dict[str, str] = {
    "at_least": ">=", "at_most": "<=", "above": ">", "below": "<", "equals": "in",
}
"""Rule key -> the comparison it makes with the source value."""
_RULE_WORDS = {"at_least": "at least", "at_most": "at most", "above": "above",
               "below": "below", "equals": "equal to"}

ONS_THRESHOLDS_SOURCE = (
    "ONS, Personal well-being in the UK QMI (thresholds: very low/low, medium, high/very "
    "high), https://www.ons.gov.uk/peoplepopulationandcommunity/wellbeing/methodologies/"
    "personalwellbeingintheukqmi; bands as ONS states them in its FOI response 'A set of "
    "annual UK SWB score distributions': life satisfaction, worthwhile and happiness 0 to 4 "
    "(low), 5 to 6 (medium), 7 to 8 (high), 9 to 10 (very high); anxiety 0 to 1 (very low), "
    "2 to 3 (low), 4 to 5 (medium), 6 to 10 (high), https://www.ons.gov.uk/aboutus/"
    "transparencyandgovernance/freedomofinformationfoi/asetofannualukswbscoredistributions"
)


@dataclass(frozen=True)
class DerivedOutcome:
    """One derived indicator outcome.

    Attributes
    ----------
    name : str
        The new outcome column (the key under ``derived``).
    source : str
        The column or scale score the rule reads.
    rule : str
        One of :data:`RULES`: ``at_least``, ``at_most``, ``above``, ``below``, ``equals``.
    threshold : tuple of float
        The rule's value: one number, or the values of ``equals``.
    label : str
        What the indicator is, without its unit (``"High anxiety (6-10)"``).
    unit : str
        ``"percentage points"``: the unit of an effect on the indicator.
    citation : str
        Where a preset's threshold is published; empty for a user's own rule.
    """

    name: str
    source: str
    rule: str
    threshold: tuple[float, ...]
    label: str
    unit: str = UNIT
    citation: str = ""

    def holds(self, values: pd.Series) -> np.ndarray:
        """Return where the rule holds (a boolean array; False where ``values`` is missing)."""
        x = values.to_numpy(dtype=float, na_value=np.nan)
        if self.rule == "equals":
            return np.isin(x, np.asarray(self.threshold, dtype=float))
        t = self.threshold[0]
        with np.errstate(invalid="ignore"):
            return {"at_least": x >= t, "at_most": x <= t, "above": x > t,
                    "below": x < t}[self.rule]

    def describe(self) -> str:
        """Return the rule as text: ``anxiety >= 6``, ``status in {1, 2}``."""
        if self.rule == "equals":
            return f"{self.source} in {{{', '.join(_number(v) for v in self.threshold)}}}"
        return f"{self.source} {RULES[self.rule]} {_number(self.threshold[0])}"


def _preset(name: str, source: str, rule: str, threshold: float, label: str) -> DerivedOutcome:
    return DerivedOutcome(name, source, rule, (float(threshold),), label,
                          citation=ONS_THRESHOLDS_SOURCE)


ONS_PRESETS: dict[str, DerivedOutcome] = {
    "high_anxiety": _preset("high_anxiety", "anxiety", "at_least", 6, "High anxiety (6-10)"),
    "low_life_satisfaction": _preset("low_life_satisfaction", "life_satisfaction", "at_most",
                                     4, "Low life satisfaction (0-4)"),
    "low_happiness": _preset("low_happiness", "happy", "at_most", 4, "Low happiness (0-4)"),
    "low_worthwhile": _preset("low_worthwhile", "worthwhile", "at_most", 4,
                              "Low worthwhile (0-4)"),
}
"""The documented presets: ONS's 'high' anxiety band and 'low' bands of the other three
personal well-being questions (sources by their canonical names); each ``citation`` is
:data:`ONS_THRESHOLDS_SOURCE`."""


def resolve_derived(settings: Mapping[str, Any] | None,
                    reserved: Iterable[str] = ()) -> list[DerivedOutcome]:
    """Turn the validated ``derived`` section into definitions.

    Parameters
    ----------
    settings : mapping or None
        ``derived``: new outcome name -> ``"ons"`` (the preset of that name) or a mapping
        ``{source, <one rule>, label}``. None or empty: no derived outcomes.
    reserved : iterable of str, optional
        Names already taken by the study's columns (canonical columns, scale scores and
        items): a derived outcome may not reuse one.

    Returns
    -------
    list of DerivedOutcome
        In the config's order.

    Raises
    ------
    ConfigError
        Naming ``derived.<name>``: an unknown preset, no rule or more than one, a rule value
        that is not a number (a non-empty list of numbers for ``equals``), an unknown key,
        or a name that clashes with a column (``reserved``) or with a derived outcome's
        source.
    """
    definitions = [_resolve_one(str(name), spec) for name, spec in (settings or {}).items()]
    taken = set(reserved) | {d.source for d in definitions}
    for definition in definitions:
        if definition.name in taken:
            raise ConfigError(
                f"derived.{definition.name}: the name '{definition.name}' is already a "
                "column of the study (or a derived outcome's source); give the derived "
                "outcome a new name")
    return definitions


def _resolve_one(name: str, spec: Any) -> DerivedOutcome:
    key = f"derived.{name}"
    if isinstance(spec, str):
        if spec != PRESET_VALUE or name not in ONS_PRESETS:
            raise ConfigError(
                f"{key}: '{spec}' is not a preset; a preset is named by the outcome name "
                f"with the value '{PRESET_VALUE}' ({', '.join(ONS_PRESETS)}), any other "
                "outcome needs {source: <column>, <rule>: <value>}")
        return ONS_PRESETS[name]
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{key}: expected '{PRESET_VALUE}' or a mapping "
                          "{source: <column>, <rule>: <value>, label: <text>}")
    unknown = set(spec) - {"source", "label", *RULES}
    if unknown:
        raise ConfigError(f"{key}: unknown key(s) {sorted(unknown)}; allowed: source, label, "
                          f"{', '.join(RULES)}")
    source = spec.get("source")
    if not isinstance(source, str) or not source:
        raise ConfigError(f"{key}.source: name the column or scale score the rule reads")
    rules = [rule for rule in RULES if rule in spec]
    if len(rules) != 1:
        raise ConfigError(f"{key}: give exactly one rule of {', '.join(RULES)}; "
                          f"found {len(rules)}" + (f" ({', '.join(rules)})" if rules else ""))
    rule = rules[0]
    threshold = _threshold(f"{key}.{rule}", rule, spec[rule])
    label = spec.get("label") or _default_label(source, rule, threshold)
    if not isinstance(label, str):
        raise ConfigError(f"{key}.label: expected text")
    return DerivedOutcome(name, source, rule, threshold, label)


def _threshold(key: str, rule: str, value: Any) -> tuple[float, ...]:
    values = value if rule == "equals" and isinstance(value, Sequence) and not isinstance(
        value, str) else [value]
    if rule != "equals" and isinstance(value, Sequence) and not isinstance(value, str):
        raise ConfigError(f"{key}: expected one number, got {value!r}")
    if not values or not all(_is_number(v) for v in values):
        expected = "a non-empty list of numbers" if rule == "equals" else "a finite number"
        raise ConfigError(f"{key}: expected {expected}, got {value!r}")
    return tuple(float(v) for v in values)


def _is_number(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and bool(np.isfinite(float(value))))


def _number(value: float) -> str:
    return f"{value:g}"


def _default_label(source: str, rule: str, threshold: tuple[float, ...]) -> str:
    values = ", ".join(_number(v) for v in threshold)
    return f"{source} {_RULE_WORDS[rule]} {values}"


def derive_outcomes(data: pd.DataFrame, definitions: Sequence[DerivedOutcome], *,
                    source: str | None = None) -> pd.DataFrame:
    """Add each derived outcome's 0/100 indicator column.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned data holding every definition's source column.
    definitions : sequence of DerivedOutcome
        From :func:`resolve_derived`.
    source : str, optional
        The file the data came from, named in errors.

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with one float column per definition: 100.0 where the rule
        holds, 0.0 where it does not, NaN where the source is missing.

    Raises
    ------
    DataError
        A source column that is missing or not numeric (naming the column and
        ``derived.<name>.source``), or a derived name already in ``data``.
    """
    out = data.copy(deep=False)  # new columns only: the existing ones are not copied
    for definition in definitions:
        _add_indicator(out, data, definition, file=source)
    return out


def _add_indicator(out: pd.DataFrame, data: pd.DataFrame, definition: DerivedOutcome, *,
                   file: str | None) -> None:
    name, source = definition.name, definition.source
    if name in data.columns:
        raise DataError(f"the derived outcome '{name}' would replace a column of the data "
                        "of that name; rename the derived outcome",
                        file=file, column=name, config_key=f"derived.{name}")
    if source not in data.columns:
        raise DataError(f"derived outcome '{name}' reads column '{source}', which is not "
                        "in the data; name a column or scale score of the study",
                        file=file, column=source, config_key=f"derived.{name}.source")
    values = data[source]
    if not pd.api.types.is_numeric_dtype(values):
        raise DataError(f"derived outcome '{name}' needs a numeric source, but '{source}' "
                        f"holds {values.dtype} values; recode it to numbers in the data "
                        "or choose a numeric source",
                        file=file, column=source, config_key=f"derived.{name}.source")
    indicator = np.where(definition.holds(values), 100.0, 0.0)
    out[name] = np.where(values.isna().to_numpy(), np.nan, indicator)


def derived_labels(definitions: Iterable[DerivedOutcome]) -> dict[str, str]:
    """Return each derived outcome's label with its unit, for tables and figures.

    Returns
    -------
    dict of str to str
        Outcome name -> ``"<label>, % of residents"``, e.g.
        ``"High anxiety (6-10), % of residents"``.
    """
    return {d.name: f"{d.label}{SHARE_SUFFIX}" for d in definitions}
