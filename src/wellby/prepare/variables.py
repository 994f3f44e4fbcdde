"""The study's variables: which columns it uses, which must be numbers, and their valid range.

A study uses only the columns its config names (the keys of ``columns``, scale items,
outcomes, covariates, subgroup sources, linkage checks, recoded columns); ingest keeps those
and nothing else, so a column the study does not need never reaches an interim file.

Every modelled number has a valid range that is checked in cleaning. Known measures know
their own range whether or not their whole scale is declared: the four ONS personal
wellbeing items (0-10), SWEMWBS and WEMWBS items (1-5) and GHQ-12 items (0-3), by their
canonical names. Any other column declares its range in ``data.ranges``; an outcome with
neither stops the run (see :func:`unranged_outcomes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wellby.config.typed import Models, Study
from wellby.prepare.derived import resolve_derived
from wellby.prepare.scales import SCALES, scale_outputs


@dataclass(frozen=True)
class ValidRange:
    """The valid values of a numeric column.

    Attributes
    ----------
    low, high : float
        Inclusive bounds.
    integer : bool
        Only whole numbers are valid.
    source : str
        Where the range comes from (a scale, a known measure, or ``data.ranges``), quoted
        in corrections and messages.
    """

    low: float
    high: float
    integer: bool
    source: str

    def describe(self) -> str:
        """Return the range as text, e.g. ``0-10 (ONS4 item)``."""
        return f"{self.low:g}-{self.high:g} ({self.source})"


ONS4_ITEMS = ("life_satisfaction", "worthwhile", "happy", "anxiety")
DID_ESTIMATORS = ("twfe", "event_study", "callaway_santanna")
"""Estimators that compare programme and comparison areas (all but ``mixed_cohort``)."""


def compares_areas(models: Models) -> bool:
    """Return True when the study runs a difference-in-differences estimator.

    A study that only follows a member cohort (``mixed_cohort``) needs no programme
    timing and no comparison areas. Only ``models.estimators`` is read.
    """
    return any(e in DID_ESTIMATORS for e in models.estimators)


def _known_measures() -> dict[str, ValidRange]:
    known = {name: ValidRange(0, 10, True, "ONS4 item") for name in ONS4_ITEMS}
    for scale, prefix in (("swemwbs", "swemwbs_"), ("wemwbs", "wemwbs_"), ("ghq12", "ghq12_")):
        spec = SCALES[scale]
        for number in range(1, spec.n_items + 1):
            known[f"{prefix}{number}"] = ValidRange(spec.item_min, spec.item_max, True,
                                                    f"{scale.upper()} item")
    return known


KNOWN_MEASURES: dict[str, ValidRange] = _known_measures()
"""Canonical column names whose range is known without configuration."""


def scale_items(config: Study | Mapping[str, Any]) -> dict[str, str]:
    """Return item column -> scale name for every configured scale."""
    return {item: name for name, scale in Study.coerce(config).scales.items()
            for item in scale.items}


def score_columns(config: Study | Mapping[str, Any]) -> set[str]:
    """Return the columns computed in cleaning (scale scores and derived outcomes, not read)."""
    study = Study.coerce(config)
    scores: set[str] = set(study.derived or {})
    for name, scale in study.scales.items():
        if name != "ons4":
            scores.update(scale_outputs(name, scale.items))
    return scores


def reserved_columns(config: Study | Mapping[str, Any]) -> list[str]:
    """Return the canonical names a derived outcome may not take (columns, items, scores)."""
    study = Study.coerce(config)
    names = [c for c in (study.columns.id, study.columns.wave, study.columns.area,
                         study.columns.cohort, study.columns.weight, study.columns.member) if c]
    names += [*scale_items(study), *ONS4_ITEMS]
    for name, scale in study.scales.items():
        if name != "ons4":
            names += list(scale_outputs(name, scale.items))
    return list(dict.fromkeys(names))


def derived_sources(config: Study | Mapping[str, Any]) -> dict[str, str]:
    """Return each derived outcome's source column (``derived``), by derived outcome name."""
    return {d.name: d.source for d in resolve_derived(Study.coerce(config).derived or {})}


def valid_range(column: str, config: Study | Mapping[str, Any]) -> ValidRange | None:
    """Return a column's valid range: declared, scale item or known measure (in that order).

    Parameters
    ----------
    column : str
        A canonical column name.
    config : Study or mapping
        The study config: typed (:class:`wellby.config.typed.Study`), or as
        :func:`wellby.config.validate_config` returns it (every default filled in).

    Returns
    -------
    ValidRange or None
        None when nothing is known about the column's range.
    """
    study = Study.coerce(config)
    declared = study.data.ranges.get(column)
    if declared is not None:
        return ValidRange(float(declared.min), float(declared.max), bool(declared.integer),
                          f"data.ranges.{column}")
    if column in study.derived:
        return ValidRange(0.0, 100.0, True, f"derived.{column}")
    scale = scale_items(study).get(column)
    if scale is not None:
        spec = SCALES[scale]
        return ValidRange(spec.item_min, spec.item_max, True, f"{scale.upper()} item")
    return KNOWN_MEASURES.get(column)


def numeric_columns(config: Study | Mapping[str, Any]) -> list[str]:
    """Return the read columns that must hold numbers.

    Scale items, outcomes read from the files, covariates, the weight, the cohort, the age
    of the linkage check and every column with a declared range.
    """
    study = Study.coerce(config)
    columns = study.columns
    scores = score_columns(study)
    wanted = [*scale_items(study),
              *(o for o in study.outcomes if o not in scores),
              *(s for s in derived_sources(study).values() if s not in scores),
              *study.models.covariates,
              columns.weight, columns.cohort,
              study.data.linkage.age,
              *study.data.ranges]
    return list(dict.fromkeys(c for c in wanted if c))


def ranged_columns(config: Study | Mapping[str, Any]) -> dict[str, ValidRange]:
    """Return every read numeric column with a known or declared range, and the range."""
    study = Study.coerce(config)
    out = {}
    for column in numeric_columns(study):
        bounds = valid_range(column, study)
        if bounds is not None:
            out[column] = bounds
    return out


def unranged_outcomes(config: Study | Mapping[str, Any]) -> list[str]:
    """Return the outcomes read from the files whose valid range is neither known nor declared."""
    study = Study.coerce(config)
    scores = score_columns(study)
    return [o for o in study.outcomes
            if o not in scores and valid_range(o, study) is None]


def column_roles(config: Study | Mapping[str, Any], recode: Mapping[str, Any] | None = None
                 ) -> dict[str, str]:
    """Return every column the study reads from a wave's file, with the config key using it.

    Parameters
    ----------
    config : Study or mapping
        The study config: typed, or as :func:`wellby.config.validate_config` returns it.
    recode : mapping, optional
        The wave's recodes: a recoded column is kept so the recode can be checked.

    Returns
    -------
    dict of str to str
        Canonical column name -> the config key that makes the study use it (for messages
        such as "the config uses it as columns.area").
    """
    roles: dict[str, str] = {}

    def add(column: str | None, key: str) -> None:
        if column and column not in roles:
            roles[column] = key

    study = Study.coerce(config)
    for key in ("id", "wave", "area", "cohort", "weight", "member"):
        add(getattr(study.columns, key), f"columns.{key}")
    for item, scale in scale_items(study).items():
        add(item, f"scales.{scale}.items")
    scores = score_columns(study)
    for outcome in study.outcomes:
        if outcome not in scores:
            add(outcome, "outcomes")
    for name, source in derived_sources(study).items():
        if source not in scores:
            add(source, f"derived.{name}.source")
    for covariate in study.models.covariates:
        add(covariate, "models.covariates")
    for name, group in study.subgroups.items():
        add(group.column, f"subgroups.{name}.column")
    linkage = study.data.linkage
    for column in linkage.stable:
        add(column, "data.linkage.stable")
    add(linkage.age, "data.linkage.age")
    for column in study.data.ranges:
        add(column, f"data.ranges.{column}")
    for column in recode or {}:
        add(column, "recode")
    return roles


def used_columns(config: Study | Mapping[str, Any],
                 recode: Mapping[str, Any] | None = None) -> set[str]:
    """Return the canonical names of every column the study reads (see :func:`column_roles`)."""
    return set(column_roles(config, recode))
