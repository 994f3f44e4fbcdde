"""The study across its wave files: the starter config of ``wellby init`` assembled.

This module's one concern is putting the per-file guesses (:mod:`wellby.starter.files`)
together: each file's wave label, the design, the ``columns``, ``scales``, ``outcomes``
and ``subgroups`` sections, the direct identifiers and missing codes of ``data``, and the
notes and comments that say what was guessed. :func:`starter_config` returns it all as a
:class:`StarterConfig`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from wellby.errors import ConfigError
from wellby.prepare.codes import code_key
from wellby.prepare.identifiers import normalise_column_name
from wellby.starter.files import FileGuess, read_guess
from wellby.starter.names import (
    GENDER_CODES,
    MISSING_CODE_GUESSES,
    ONS4,
    SCALE_ITEM_NAME,
    SCALE_LABEL,
    SCALE_SCORE,
)
from wellby.starter.text import show_name, show_names

__all__ = ["StarterConfig", "starter_config"]

_FIRST_YEAR_LABEL = 1900


# --- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StarterConfig:
    """A starter study config guessed from wave files.

    Attributes
    ----------
    config : dict
        The study config as it will be written (``data``, ``columns``, ``design``,
        ``outcomes`` and, when guessed, ``scales`` and ``subgroups``).
    unmapped : mapping of str to tuple of str
        Per file (its path as given), the columns that are neither renamed nor direct
        identifiers, in file order. Empty for a file whose header row looks like data.
    notes : tuple of str
        What the evaluator must check or fill in. No note quotes a value from the data.
    identifiers : mapping of str to tuple of str
        Per file, the columns found to be direct identifiers (listed in
        ``data.identifiers``).
    comments : mapping of str to str
        Config key (``design``, ``columns.cohort``, ``data.waves[0].wave``, ...) -> the
        comment written beside it; a comment starting ``TODO`` marks a placeholder.
    """

    config: dict[str, Any]
    unmapped: Mapping[str, tuple[str, ...]]
    notes: tuple[str, ...]
    identifiers: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    comments: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


# --- the study ----------------------------------------------------------------------------


def _label_waves(guesses: list[FileGuess], notes: list[str]) -> None:
    """Give every file its wave label: year in its name, its wave column, or its position."""
    numbered = 0
    for guess in guesses:
        if guess.year is not None:
            guess.label, guess.label_source = guess.year, "from the file name"
        elif guess.wave_value is not None:
            guess.label, guess.label_source = guess.wave_value, "from the file's wave column"
        else:
            numbered += 1
            guess.label, guess.label_source = numbered, "check: numbered in the order given"
            notes.append(f"TODO {show_name(guess.path)}: no year in its name and no wave column, "
                         f"so it is wave {numbered} (in the order given): set its label "
                         "(data.waves[].wave), in the units of the cohort column")
    counts = Counter(guess.label for guess in guesses)
    repeated = sorted(label for label, n in counts.items() if n > 1)
    if repeated:
        for position, guess in enumerate(guesses, start=1):
            guess.label, guess.label_source = position, "check: numbered in the order given"
        notes.append(
            f"TODO the files give the same wave label ({', '.join(map(str, repeated))}) more "
            "than once, so every file is numbered 1, 2, 3... in the order given: set each "
            "wave's label (data.waves[].wave) by hand, in the units of the cohort column")
    for guess in guesses:
        source = guess.source_of("wave")
        if source is not None and guess.wave_value != guess.label:
            del guess.rename[source]
            notes.append(
                f"{show_name(guess.path)}: its wave column {show_name(source)} does not hold the "
                f"file's wave label {guess.label}: not used (check the label)")


def _waves_without(guesses: list[FileGuess], canonical: str) -> list[FileGuess]:
    return [g for g in guesses if g.source_of(canonical) is None]


def _wave_list(guesses: Sequence[FileGuess]) -> str:
    return ", ".join(f"{g.label} ({show_name(g.path)})" for g in guesses)


def _design(guesses: list[FileGuess], notes: list[str],
            comments: dict[str, str]) -> tuple[str, bool]:
    """Return the design and whether columns.id is set."""
    without = _waves_without(guesses, "person_id")
    if without:
        if len(without) < len(guesses):
            notes.append(f"no person id column was found in wave(s) {_wave_list(without)}, so "
                         "columns.id is not set: if the study follows the same people, add "
                         "their id column to those waves' rename as person_id, set columns.id: "
                         "person_id and design: panel")
        comments["design"] = "check: no person id in every wave, so no panel"
        notes.append("design: repeated_cross_section (no person id in every wave): check")
        return "repeated_cross_section", False
    seen = Counter(i for g in guesses for i in (g.ids or ()))
    rows = sum(len(g.ids or ()) for g in guesses)
    repeated = sum(1 for g in guesses for i in (g.ids or ()) if seen[i] > 1)
    if repeated:
        share = repeated / max(rows, 1)
        comments["design"] = "check: person ids repeat across waves"
        notes.append(
            f"design: panel, because {share:.0%} of the person ids of a wave are also seen in "
            "another wave: check that they are the same people (a repeated cross-section "
            "whose ids restart in every wave repeats ids too) and set design: "
            "repeated_cross_section if not")
        return "panel", True
    comments["design"] = "check: no person id is seen in two waves"
    notes.append("design: repeated_cross_section, because no person id is seen in two waves: "
                 "check (a panel whose ids are written differently between waves needs the "
                 "wave's id_transform)")
    return "repeated_cross_section", True


def _required_column(guesses: list[FileGuess], canonical: str, key: str, what: str,
                     notes: list[str], comments: dict[str, str], extra: str = "") -> None:
    without = _waves_without(guesses, canonical)
    if without:
        comments[key] = (f"TODO: no {what} column found in wave(s) "
                         f"{', '.join(str(g.label) for g in without)}: add it to their rename "
                         f"as {canonical}{extra}")
        notes.append(f"TODO {key}: no {what} column was found in wave(s) "
                     f"{_wave_list(without)}: add the column to each of those waves' rename "
                     f"as {canonical}{extra}")


def _columns(guesses: list[FileGuess], with_id: bool, notes: list[str],
             comments: dict[str, str]) -> dict[str, str]:
    columns: dict[str, str] = {}
    if with_id:
        columns["id"] = "person_id"
        comments["columns.id"] = "check: the person id renames above"
    columns["wave"] = "wave"
    comments["columns.wave"] = "set from each wave's label (data.waves[].wave)"
    columns["area"] = "area_id"
    comments["columns.area"] = "check: the area (cluster and fixed-effect unit) renames above"
    _required_column(guesses, "area_id", "columns.area", "area", notes, comments)
    columns["cohort"] = "cohort"
    comments["columns.cohort"] = "check: first treated wave, in wave units; 0/empty = never"
    _required_column(guesses, "cohort", "columns.cohort", "cohort (first treated wave)",
                     notes, comments, extra=", or give an area file (data.areas)")
    _check_cohort_units(guesses, notes)
    weighted = [g for g in guesses if g.source_of("weight") is not None]
    if weighted and len(weighted) == len(guesses):
        columns["weight"] = "weight"
        comments["columns.weight"] = "check: the survey weight"
    elif weighted:
        notes.append(f"a weight column was found only in wave(s) {_wave_list(weighted)}, so "
                     "columns.weight is not set: every wave needs one to weight the study")
    if any(g.source_of("member") is not None for g in guesses):
        columns["member"] = "member"
        comments["columns.member"] = "check: 1 = a row of the followed (member) cohort"
        notes.append("columns.member: a member flag was found; members are modelled only by "
                     "the mixed_cohort estimator: add models.estimators (e.g. [twfe, "
                     "mixed_cohort]) to model them")
    return columns


def _check_cohort_units(guesses: list[FileGuess], notes: list[str]) -> None:
    years = all(g.label >= _FIRST_YEAR_LABEL for g in guesses)
    for guess in guesses:
        if guess.cohort_max is None:
            continue
        if years and guess.cohort_max < _FIRST_YEAR_LABEL:
            notes.append(f"{show_name(guess.path)}: its cohort column holds small numbers while "
                         "the waves are years: cohorts must be given in the waves' units (recode "
                         "them)")
        elif not years and guess.cohort_max >= _FIRST_YEAR_LABEL:
            notes.append(f"{show_name(guess.path)}: its cohort column holds years while the waves "
                         "are numbered: give the waves their years as labels")


def _scales_and_outcomes(guesses: list[FileGuess], notes: list[str],
                         comments: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    scales: dict[str, Any] = {}
    outcomes: list[str] = []
    ons = [item for item in ONS4 if not _waves_without(guesses, item)]
    for item in ONS4:
        partial = _waves_without(guesses, item)
        if partial and len(partial) < len(guesses):
            notes.append(f"{item} was not found in wave(s) {_wave_list(partial)}, so it is not "
                         "an outcome: add its column to their rename to model it")
    if len(ons) == len(ONS4):
        scales["ons4"] = {"items": list(ONS4)}
    outcomes += ons
    for scale, label in SCALE_LABEL.items():
        having = [g for g in guesses if scale in g.scales]
        if not having:
            continue
        if len(having) < len(guesses):
            missing = [g for g in guesses if scale not in g.scales]
            notes.append(f"{label} items were found in some waves but not in wave(s) "
                         f"{_wave_list(missing)}: the scale is not scored; rename its items "
                         "there to score it")
            continue
        items = sorted({c for g in guesses for c in g.rename.values()
                        if c.startswith(SCALE_ITEM_NAME[scale].format(k=""))},
                       key=lambda c: int(c.rsplit("_", 1)[1]))
        scales[scale] = {"items": items, "max_missing": 1}
        comments[f"scales.{scale}"] = f"check: {len(items)} items found in every wave"
        comments[f"scales.{scale}.max_missing"] = "prorate when at most one item is missing"
        outcomes.append(SCALE_SCORE[scale])
        short_form = [g for g in having
                      if scale == "swemwbs" and g.scales[scale] in ("wemwbs", "wwbs")]
        if short_form:
            notes.append(
                f"scales.swemwbs: wave(s) {_wave_list(short_form)} name their 7 items with a "
                "WEMWBS prefix; they were read as SWEMWBS (the 7-item short form). If they are "
                "the first 7 of the 14 WEMWBS items, rename them wemwbs_1... instead")
    if outcomes:
        comments["outcomes"] = "check: the outcomes to model"
    else:
        outcomes = ["life_satisfaction"]
        comments["outcomes"] = "TODO: no outcome found: name the outcome columns"
        notes.append("TODO outcomes: no ONS4 item or complete scale was found in every wave: "
                     "rename the outcome columns in every wave and list them in outcomes "
                     "(life_satisfaction is a placeholder)")
    return scales, outcomes


def _subgroups(guesses: list[FileGuess], notes: list[str],
               comments: dict[str, str]) -> dict[str, Any]:
    subgroups: dict[str, Any] = {}
    gendered = [g for g in guesses if g.gender_codes is not None]
    if gendered and len(gendered) < len(guesses):
        notes.append("subgroups.gender: a gender column was not found in every wave, so no "
                     "gender subgroup was written")
    elif gendered:
        reliable = all(g.gender_codes and g.gender_codes["male"] and g.gender_codes["female"]
                       and not g.gender_labels_disagree for g in gendered)
        if reliable:
            levels: dict[str, list] = {}
            for level in GENDER_CODES:
                codes: list = []
                for guess in gendered:
                    codes += [c for c in guess.gender_codes[level]  # type: ignore[index]
                              if code_key(c) not in {code_key(x) for x in codes}]
                levels[level] = codes
            subgroups["gender"] = {"column": "gender", "levels": levels}
            comments["subgroups.gender"] = "check: the usual codes, 1/M male and 2/F female"
            notes.append("subgroups.gender: levels guessed from the usual codes (1 or M male, 2 "
                         "or F female): check them against the questionnaire")
            other = [g for g in gendered if g.gender_codes["other"]]  # type: ignore[index]
            if other:
                notes.append("subgroups.gender: wave(s) "
                             f"{', '.join(str(g.label) for g in other)} also have codes other "
                             "than the usual ones, counted as 'unknown': add them to "
                             "subgroups.gender.levels if they are a level")
        else:
            notes.append("subgroups.gender: a gender column was found, but its codes are not "
                         "the usual 1/2 or M/F in every wave (or its value labels say "
                         "otherwise): add subgroups.gender with its levels by hand")
    qualified = [g for g in guesses if g.qualification_codes is not None]
    if qualified:
        notes.append("subgroups.qualification: a qualification column was found (renamed "
                     "qualification), but the meaning of its codes cannot be guessed: add "
                     "subgroups.qualification with its levels by hand")
        sets = Counter(g.qualification_codes for g in qualified)
        usual = sets.most_common(1)[0][0]
        odd = [g for g in qualified if g.qualification_codes != usual]
        if odd:
            notes.append(f"qualification: the codes of wave(s) {_wave_list(odd)} differ from "
                         "the other waves': check the questionnaire and map them with the "
                         "wave's recode")
    return subgroups


def _identifier_notes(guesses: list[FileGuess], notes: list[str]) -> list[str]:
    declared: list[str] = []
    for guess in guesses:
        if guess.identifiers:
            found = "; ".join(f"{show_name(c)} ({why})" for c, why in guess.identifiers.items())
            notes.append(f"{show_name(guess.path)}: direct identifiers, listed under "
                         f"data.identifiers and dropped at ingest: {found}")
        declared += [c for c in guess.identifiers if c not in declared]
    keys = {normalise_column_name(c) for c in declared}
    for guess in guesses:
        clash = [s for s, c in guess.rename.items()
                 if normalise_column_name(s) in keys or normalise_column_name(c) in keys]
        if clash:
            notes.append(f"{show_name(guess.path)}: {show_names(clash)} is renamed but its name is "
                         "also a direct identifier of another wave (data.identifiers match names "
                         "whatever the wave): rename the identifier in its file or check")
    return declared


def _unused_collisions(guesses: list[FileGuess], config: Mapping[str, Any],
                       notes: list[str]) -> None:
    """Rename away an unused column whose own name is a canonical name the study uses."""
    used = {*config["columns"].values(), *config["outcomes"],
            *(i for s in config.get("scales", {}).values() for i in s["items"]),
            *(g["column"] for g in config.get("subgroups", {}).values())}
    for guess in guesses:
        taken = used | set(guess.rename.values())
        for column in guess.unused:
            if column in taken:
                guess.rename[column] = f"{column}_not_used"
                notes.append(f"{show_name(guess.path)}: the unused column {show_name(column)} has "
                             "the name of a column the study uses, so it is renamed "
                             f"{column}_not_used to keep it out")


def starter_config(paths: Sequence[str | Path]) -> StarterConfig:
    """Guess a starter study config from one file per wave.

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        The wave files (``.csv``, ``.sav``, ``.dta``, ``.xlsx``, ``.parquet``), one per
        wave, as given on the command line; each is written as its wave's ``path``.

    Returns
    -------
    StarterConfig
        The config, the columns not mapped per file, the notes and the comments that
        :func:`~wellby.starter.text.starter_yaml` writes. The config validates with
        :func:`wellby.config.validate_config`.

    Raises
    ------
    wellby.errors.ConfigError
        No file is given, or a file is given twice.
    wellby.errors.DataError
        A file cannot be read (:func:`wellby.prepare.read.read_survey_file`).

    Notes
    -----
    A file's wave label is the 4-digit year (19xx or 20xx) in its name, else the single
    value of its wave column, else its position among the unlabelled files (1, 2, 3...);
    if two files get the same label, every file is numbered in the order given. Waves are
    written sorted by label.

    Columns are renamed to canonical names by the tables
    :data:`~wellby.starter.names.NAME_RULES`, :data:`~wellby.starter.names.SCALE_PREFIXES`
    and :data:`~wellby.starter.names.SCALE_BY_ITEM_COUNT`; no two columns of a file get
    the same canonical name (the better match, then the first in the file, wins). A file's
    wave column is renamed only when it holds the file's label (ingest checks that it
    does); without one, ingest sets the wave from the label.

    ``columns.id`` is set when every file has a person id; the design is ``panel`` when
    some ids repeat across waves, else ``repeated_cross_section``. ``columns.area`` and
    ``columns.cohort`` are always written; when a file has no such column, the canonical
    name stands as a placeholder with a TODO comment and note. Outcomes are the ONS4 items
    found in every wave and the score of each scale complete in every wave
    (``swemwbs_metric``, ``wemwbs``, ``ghq12_likert``). A gender subgroup is written only
    when every wave codes gender with the usual codes
    (:data:`~wellby.starter.names.GENDER_CODES`) and no SPSS or Stata value label
    contradicts them; qualification levels are never guessed.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    given = [str(p) for p in paths]
    if not given:
        raise ConfigError("wellby init needs at least one wave file")
    twice = sorted({p for p in given if given.count(p) > 1})
    if twice:
        raise ConfigError(f"the file {twice[0]} is given more than once: give each wave's "
                          "file once")
    guesses = [read_guess(path) for path in paths]
    notes: list[str] = []
    comments: dict[str, str] = {}
    _label_waves(guesses, notes)
    declared = _identifier_notes(guesses, notes)
    design, with_id = _design(guesses, notes, comments)
    columns = _columns(guesses, with_id, notes, comments)
    scales, outcomes = _scales_and_outcomes(guesses, notes, comments)
    subgroups = _subgroups(guesses, notes, comments)
    config: dict[str, Any] = {"data": {}, "columns": columns, "design": design}
    if scales:
        config["scales"] = scales
    config["outcomes"] = outcomes
    if subgroups:
        config["subgroups"] = subgroups
    _unused_collisions(guesses, config, notes)

    ordered = sorted(guesses, key=lambda g: g.label)
    data: dict[str, Any] = {"waves": []}
    for index, guess in enumerate(ordered):
        data["waves"].append({"wave": guess.label, "path": guess.path,
                              "rename": dict(guess.rename)})
        comments[f"data.waves[{index}].wave"] = guess.label_source
        if guess.header_is_data:
            comments[f"data.waves[{index}].rename"] = (
                "TODO: the header row looks like data: nothing was mapped")
    if declared:
        data["identifiers"] = declared
        comments["data.identifiers"] = ("check: direct identifiers found by name or values, "
                                        "dropped at ingest")
    missing = sorted({c for g in guesses for c in g.missing_codes},
                     key=MISSING_CODE_GUESSES.index)
    if missing:
        data["missing_codes"] = missing
        comments["data.missing_codes"] = "check: usual missing codes found in the item columns"
        notes.append("data.missing_codes: guessed from the usual 'no answer' codes found in the "
                     "item columns: check them against the questionnaire")
    config["data"] = data
    for guess in guesses:
        notes.extend(guess.notes)
    todo = [n for n in notes if n.startswith("TODO")]
    return StarterConfig(
        config=config,
        unmapped=MappingProxyType({g.path: tuple(g.unused) for g in guesses}),
        notes=tuple(todo + [n for n in notes if not n.startswith("TODO")]),
        identifiers=MappingProxyType({g.path: tuple(g.identifiers) for g in guesses}),
        comments=MappingProxyType(comments),
    )

