"""The study config as frozen, typed sections.

:func:`wellby.config.load_study` validates a study file against the schema (which fills
every default) and returns a :class:`Study`: ``study.models.alpha``,
``study.data.waves[0].path``. The dataclasses declare no defaults and no enums: a field
holds what the schema validated or filled in, so the schema stays their one home (a test
checks that every schema key has its field and every field its key).

Each section is also a read-only mapping of its keys (``study["models"]["alpha"]``), so
the library's steps that still take the config's sections as mappings accept a
:class:`Study` unchanged while they move to attributes one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any


class Section:
    """A frozen config section that is also a read-only mapping of its fields.

    A field whose value is ``None`` (a key the study left out, with no default) is not a
    key of the mapping, as it was not a key of the YAML. ``keys``, ``items``, ``values`` and
    ``get`` are attached after the sections are defined (see the end of the module), as a
    dataclass would take an inherited attribute of a field's name (``scales.*.items``) for
    that field's default.
    """

    def __getitem__(self, key: str) -> Any:
        if key in self._keys():
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __contains__(self, key: object) -> bool:
        return key in self._keys()

    def _keys(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    @classmethod
    def coerce(cls, value: Any) -> Any:
        """Return ``value`` as this section: as it is, or built from a validated mapping.

        A mapping must hold every key the schema fills in (a section of
        :func:`wellby.config.validate_config`'s result); a key it lacks reads as ``None``.
        """
        return value if isinstance(value, cls) else _build(cls, value)

    def as_dict(self) -> dict[str, Any]:
        """Return the section as plain data (dicts and lists), as the YAML would hold it."""
        return {key: _plain(self[key]) for key in self._keys()}


def _plain(value: Any) -> Any:
    if isinstance(value, Section):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class FrozenList(list):
    """A list that cannot be changed.

    Lists of the config stay lists (not tuples), because pandas reads a tuple of column
    names as one key: ``data[study.scales.swemwbs.items]`` must select seven columns.
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the study config is frozen; build a new one to change it")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce__(self) -> tuple:
        return FrozenList, (list(self),)


class FrozenDict(dict):
    """A dict that cannot be changed (and, unlike ``MappingProxyType``, can be pickled)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the study config is frozen; build a new one to change it")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple:
        return FrozenDict, (dict(self),)


def _frozen(value: Any) -> Any:
    """Make lists and mappings read-only, all the way down."""
    if isinstance(value, Mapping):
        return FrozenDict({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return FrozenList(_frozen(item) for item in value)
    return value


def _build(cls: type, values: Mapping[str, Any] | None) -> Any:
    """Construct a section from validated values; nested sections by their field type."""
    if values is None:
        return None
    kwargs = {}
    for spec in fields(cls):
        value = values.get(spec.name)
        nested = _NESTED.get((cls.__name__, spec.name))
        if nested is None or value is None:
            kwargs[spec.name] = _frozen(value)
        elif spec.name in _SEQUENCES.get(cls.__name__, ()):
            kwargs[spec.name] = FrozenList(_build(nested, item) for item in value)
        elif spec.name in _MAPPINGS.get(cls.__name__, ()):
            kwargs[spec.name] = FrozenDict(
                {key: _build(nested, item) for key, item in value.items()})
        else:
            kwargs[spec.name] = _build(nested, value)
    return cls(**kwargs)


@dataclass(frozen=True)
class Demo(Section):
    """``demo``: the generated demo study's size and seed."""

    out_dir: str
    seed: int
    n_programme_areas: int
    n_comparison_areas: int
    residents_per_area: int
    members_per_area: int


@dataclass(frozen=True)
class IdTransform(Section):
    """``data.waves[].id_transform``: how a wave writes person ids differently."""

    strip_prefix: str | None
    strip_suffix: str | None
    strip_leading_zeros: bool


@dataclass(frozen=True)
class WaveFile(Section):
    """``data.waves[]``: one wave's file and how to read it."""

    wave: int
    path: str
    rename: Mapping[str, str]
    recode: Mapping[str, Mapping[Any, Any]] | None
    encoding: str
    value_labels: bool
    sheet: str | int | None
    header_row: int
    delimiter: str | None
    id_transform: IdTransform | None


@dataclass(frozen=True)
class AreaFile(Section):
    """``data.areas``: one row per area, with its first treated wave."""

    path: str
    rename: Mapping[str, str]
    encoding: str
    sheet: str | int | None
    header_row: int
    delimiter: str | None


@dataclass(frozen=True)
class Range(Section):
    """``data.ranges.<column>``: a column's valid values."""

    min: float
    max: float
    integer: bool


@dataclass(frozen=True)
class Linkage(Section):
    """``data.linkage``: answers that should not change for a person, and health limits."""

    stable: Sequence[str]
    age: str | None
    age_tolerance: int
    min_relative_rate: float
    min_rate: float


@dataclass(frozen=True)
class Data(Section):
    """``data``: the wave files (or one long file) and the rules of the data gate."""

    waves: Sequence[WaveFile] | None
    path: str | None
    rename: Mapping[str, str] | None
    encoding: str | None
    value_labels: bool | None
    sheet: str | int | None
    header_row: int | None
    delimiter: str | None
    areas: AreaFile | None
    missing_codes: Sequence[float | str]
    ranges: Mapping[str, Range]
    pseudonym_key: str
    identifiers: Sequence[str]
    out_of_range: str
    duplicate_ids: str
    linkage: Linkage


@dataclass(frozen=True)
class Columns(Section):
    """``columns``: the canonical names of the design columns."""

    id: str | None
    wave: str
    area: str
    cohort: str
    weight: str | None
    member: str | None


@dataclass(frozen=True)
class Scale(Section):
    """``scales.<name>``: a scored measure's items and its item-missing rule."""

    items: Sequence[str]
    max_missing: int | None


@dataclass(frozen=True)
class Ons4(Section):
    """``scales.ons4``: the four ONS personal wellbeing items (each scored alone)."""

    items: Sequence[str]


@dataclass(frozen=True)
class Scales(Section):
    """``scales``: the scored measures of the study."""

    swemwbs: Scale | None
    wemwbs: Scale | None
    ghq12: Scale | None
    ons4: Ons4 | None


@dataclass(frozen=True)
class Subgroup(Section):
    """``subgroups.<name>``: a source column and its codes by level."""

    column: str
    levels: Mapping[str, Sequence[Any]]


@dataclass(frozen=True)
class Dynamic(Section):
    """``models.dynamic``: the window of Callaway-Sant'Anna's event-time aggregation."""

    min_e: int | None
    max_e: int | None
    balance_e: int | None


@dataclass(frozen=True)
class EventWindow(Section):
    """``models.event_window``: the event study's leads, lags and end-point binning."""

    leads: int | None
    lags: int | None
    bin_endpoints: bool


@dataclass(frozen=True)
class SubgroupSettings(Section):
    """``models.subgroups``: how subgroup effects are estimated and tested."""

    adjust: str
    min_obs: int
    min_clusters: int
    cross: bool | Sequence[Sequence[str]]


@dataclass(frozen=True)
class Bootstrap(Section):
    """``models.bootstrap``: the wild cluster and multiplier bootstraps."""

    wild_cluster_below: int
    reps: int
    weights: str
    seed: int
    multiplier: bool


@dataclass(frozen=True)
class TrendSensitivity(Section):
    """``models.sensitivity``: robustness to violations of parallel trends (HonestDiD)."""

    enabled: bool
    mbar: Sequence[float]
    m: Sequence[float]
    periods: bool


@dataclass(frozen=True)
class Models(Section):
    """``models``: the estimators and every option they take."""

    estimators: Sequence[str]
    vcov: str
    control_group: str
    covariates: Sequence[str]
    cluster: str | None
    cs_method: str
    anticipation: int
    base_period: str
    sensitivity: TrendSensitivity
    balanced_panel: bool
    dynamic: Dynamic
    event_window: EventWindow
    mixed_method: str
    alpha: float
    subgroups: SubgroupSettings
    bootstrap: Bootstrap


@dataclass(frozen=True)
class LifeSatisfactionMapping(Section):
    """``cba.mapping``: a published conversion of the outcome to life-satisfaction points.

    Either ``conversion`` names a row of wellby's table of published conversions, or
    ``factor`` and ``source`` give one (with ``std_error`` and ``measure`` optional).
    """

    conversion: str | None
    factor: float | None
    source: str | None
    std_error: float | None
    measure: str | None


@dataclass(frozen=True)
class MonteCarlo(Section):
    """``cba.monte_carlo``: draws, seed and the WELLBY value's distribution."""

    draws: int
    seed: int
    value_distribution: str


@dataclass(frozen=True)
class Sensitivity(Section):
    """``cba.sensitivity``: the one-way sensitivity's range."""

    range: float


@dataclass(frozen=True)
class GapPair(Section):
    """One ``cba.distribution.gaps`` pair: the levels whose gap the programme may change."""

    subgroup: str
    lower: str
    upper: str


@dataclass(frozen=True)
class Distribution(Section):
    """``cba.distribution``: who gains in value, gaps, Green Book distributional weights."""

    gaps: Sequence[GapPair]
    quintiles: str | None
    elasticity: float
    incomes: Sequence[float] | None


@dataclass(frozen=True)
class Cba(Section):
    """``cba``: the WELLBY cost-benefit case under the Green Book."""

    outcome: str
    estimator: str
    mapping: LifeSatisfactionMapping | None
    price_year: int
    start_year: int | None
    discounting: str
    cost_discounting: str
    population: float | Mapping[str, float]
    first_benefit_year: int
    duration_years: int
    persistence_years: int
    drop_off: float
    attribution: float
    displacement: float
    costs: Mapping[str, float]
    cost_prices: str
    monte_carlo: MonteCarlo
    sensitivity: Sensitivity
    distribution: Distribution


@dataclass(frozen=True)
class Report(Section):
    """``report``: what the published tables may show, and what the verdict flags."""

    min_cell: int
    bcr_flag_above: float


@dataclass(frozen=True)
class Power(Section):
    """``power``: the minimum detectable effect and the planning of a follow-up wave."""

    enabled: bool
    target: float
    areas: Sequence[int]
    persons: Sequence[int]


@dataclass(frozen=True)
class Comparison(Section):
    """``comparison``: how comparison areas are matched or reweighted (``none``: all, equally)."""

    method: str
    attributes: Sequence[str]
    baseline_outcomes: Sequence[str]
    baseline_waves: Sequence[int]
    ratio: int
    replace: bool
    caliper: float | None
    moments: int

    @property
    def enabled(self) -> bool:
        """Whether comparison areas are matched or reweighted."""
        return self.method != "none"


@dataclass(frozen=True)
class Study(Section):
    """A validated study config, every default filled in by the schema."""

    demo: Demo | None
    data: Data
    columns: Columns
    design: str
    scales: Scales
    outcomes: Sequence[str]
    derived: Mapping[str, Any]
    subgroups: Mapping[str, Subgroup]
    comparison: Comparison
    models: Models
    cba: Cba | None
    power: Power
    report: Report

    @classmethod
    def from_validated(cls, config: Mapping[str, Any]) -> Study:
        """Build the typed study from a config :func:`wellby.config.validate_config` returned."""
        return _build(cls, config)


_NESTED: dict[tuple[str, str], type] = {
    ("Study", "demo"): Demo, ("Study", "data"): Data, ("Study", "columns"): Columns,
    ("Study", "scales"): Scales, ("Study", "subgroups"): Subgroup,
    ("Study", "models"): Models, ("Study", "cba"): Cba, ("Study", "report"): Report,
    ("Data", "waves"): WaveFile, ("Data", "areas"): AreaFile, ("Data", "ranges"): Range,
    ("Data", "linkage"): Linkage, ("WaveFile", "id_transform"): IdTransform,
    ("Scales", "swemwbs"): Scale, ("Scales", "wemwbs"): Scale, ("Scales", "ghq12"): Scale,
    ("Scales", "ons4"): Ons4,
    ("Models", "dynamic"): Dynamic, ("Models", "event_window"): EventWindow,
    ("Models", "subgroups"): SubgroupSettings, ("Models", "bootstrap"): Bootstrap,
    ("Models", "sensitivity"): TrendSensitivity,
    ("Study", "power"): Power,
    ("Cba", "mapping"): LifeSatisfactionMapping, ("Cba", "monte_carlo"): MonteCarlo,
    ("Cba", "sensitivity"): Sensitivity, ("Cba", "distribution"): Distribution,
    ("Distribution", "gaps"): GapPair, ("Study", "comparison"): Comparison,
}
"""The section type of each field that holds sections."""
_SEQUENCES: dict[str, Sequence[str]] = {"Data": ("waves",), "Distribution": ("gaps",)}
"""Fields holding a list of sections."""
_MAPPINGS: dict[str, Sequence[str]] = {"Study": ("subgroups",), "Data": ("ranges",)}
"""Fields holding a mapping of names to sections."""


def _keys(self: Section) -> list[str]:
    return self._keys()


def _items(self: Section) -> list[tuple[str, Any]]:
    return [(key, self[key]) for key in self._keys()]


def _values(self: Section) -> list[Any]:
    return [self[key] for key in self._keys()]


def _get(self: Section, key: str, default: Any = None) -> Any:
    return self[key] if key in self._keys() else default


Section.keys = _keys
Section.items = _items
Section.values = _values
Section.get = _get
Mapping.register(Section)
