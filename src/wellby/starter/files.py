"""One wave file read, and what it tells: the per-file guess of ``wellby init``.

This module's one concern is a single file: :func:`read_guess` reads it and returns a
:class:`FileGuess` with its columns renamed to canonical names where the tables of
:mod:`wellby.starter.names` recognise them, its direct identifiers, and what its values
show (a wave label, the person ids, the gender and qualification codes, the usual missing
codes, the largest cohort). Values are never quoted: only compared, counted, or matched to
the tables. Putting the files of a study together is :mod:`wellby.starter.study`'s concern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wellby.prepare.codes import code_key
from wellby.prepare.identifiers import detect_identifier_columns, identifier_value_kind
from wellby.prepare.read import read_survey_file
from wellby.starter.names import (
    GENDER_CODES,
    GENDER_LABEL_STARTS,
    HEADER_VALUE_KINDS,
    MISSING_CODE_GUESSES,
    NAME_RULES,
    ONS4,
    SCALE_BY_ITEM_COUNT,
    SCALE_ITEM_NAME,
    SCALE_LABEL,
    SCALE_PREFIXES,
    name_match,
    scale_item,
)
from wellby.starter.text import show_name, show_names

__all__ = ["FileGuess", "read_guess"]

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


# --- what one file told us ----------------------------------------------------------------


@dataclass
class FileGuess:
    """What one file told us (internal to the package: made by :func:`read_guess`)."""

    path: str
    columns: list[str]
    identifiers: dict[str, str] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    header_is_data: bool = False
    year: int | None = None
    wave_value: int | None = None
    label: int = 0
    label_source: str = ""
    scales: dict[str, str] = field(default_factory=dict)  # scale -> the items' prefix
    ids: frozenset[str] | None = None
    gender_codes: dict[str, list[Any]] | None = None  # level -> codes; "other" too
    gender_labels_disagree: bool = False
    qualification_codes: frozenset[str] | None = None
    missing_codes: set[int | str] = field(default_factory=set)
    cohort_max: float | None = None

    def source_of(self, canonical: str) -> str | None:
        """Return the source column renamed to ``canonical``, or None."""
        return next((s for s, c in self.rename.items() if c == canonical), None)

    @property
    def unused(self) -> list[str]:
        """The columns neither renamed nor direct identifiers (none when the header is data)."""
        if self.header_is_data:
            return []
        return [c for c in self.columns if c not in self.rename and c not in self.identifiers]


# --- values (never quoted: only compared, counted, or matched to the tables) ---------------


def _code_text(value: Any) -> str:
    key = code_key(value)
    if isinstance(key, float):
        return str(int(key)) if key.is_integer() else repr(key)
    return str(key)


def _distinct(values: pd.Series) -> list[Any]:
    present = values.dropna()
    if present.dtype == object or pd.api.types.is_string_dtype(present.dtype):
        present = present[present.astype(str).str.strip() != ""]
    return list(pd.unique(present))


def _missing_code(value: Any) -> int | str | None:
    """Return the entry of :data:`MISSING_CODE_GUESSES` that ``value`` is, if any."""
    key = code_key(value)
    for code in MISSING_CODE_GUESSES:
        if isinstance(key, str) and isinstance(code, str) and key.casefold() == code.casefold():
            return code
        if isinstance(key, float) and not isinstance(code, str) and key == code:
            return code
    return None


def _is_missing_code(value: Any) -> bool:
    return _missing_code(value) is not None


def _missing_codes_in(values: pd.Series) -> set[int | str]:
    return {code for value in _distinct(values) if (code := _missing_code(value)) is not None}


def _single_integer(values: pd.Series) -> int | None:
    numbers = pd.to_numeric(values, errors="coerce").dropna().unique()
    if len(numbers) == 1 and float(numbers[0]).is_integer():
        return int(numbers[0])
    return None


def _value_labels(path: Path, column: str) -> dict[str, str]:
    """Return an SPSS or Stata column's value labels (code text -> label); {} otherwise."""
    suffix = path.suffix.lower()
    if suffix not in (".sav", ".zsav", ".dta"):
        return {}
    try:
        import pyreadstat

        reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
        _, meta = reader(str(path), metadataonly=True)
        labels = (meta.variable_value_labels or {}).get(column, {})
    except Exception:  # noqa: BLE001 - labels only confirm a guess; without them, no check
        return {}
    return {_code_text(code): str(label) for code, label in labels.items()}


def _gender_codes(values: pd.Series, labels: Mapping[str, str]) -> tuple[dict[str, list], bool]:
    """Return level -> codes as found ('other': not usual) and whether a label contradicts."""
    codes: dict[str, list] = {"male": [], "female": [], "other": []}
    disagree = False
    for value in _distinct(values):
        if _is_missing_code(value):
            continue
        text = _code_text(value)
        level = next((lv for lv, usual in GENDER_CODES.items() if text.casefold() in usual),
                     "other")
        key = code_key(value)
        written = int(key) if isinstance(key, float) else str(value).strip()
        codes[level].append(written)
        label = labels.get(text)
        if level != "other" and label is not None and not label.strip().casefold().startswith(
                GENDER_LABEL_STARTS[level]):
            disagree = True
    return codes, disagree


def _header_is_data(columns: Sequence[str]) -> bool:
    return any(identifier_value_kind(pd.Series([name])) in HEADER_VALUE_KINDS
               for name in columns)


# --- one file -----------------------------------------------------------------------------


def _guess_scales(guess: FileGuess, candidates: list[str]) -> None:
    """Rename complete groups of scale items; note incomplete ones."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for column in candidates:
        item = scale_item(column)
        if item is not None:
            groups.setdefault(item[0], []).append((item[1], column))
    for prefix, items in groups.items():
        numbers = sorted(number for number, _ in items)
        family = SCALE_PREFIXES[prefix]
        scale = SCALE_BY_ITEM_COUNT[family].get(len(numbers))
        if scale is None or numbers != list(range(1, len(numbers) + 1)):
            guess.notes.append(
                f"{show_name(guess.path)}: {len(items)} columns look like items of a scale "
                f"({show_names([c for _, c in items])}) but are not numbered as a complete "
                f"SWEMWBS (1-7), WEMWBS (1-14) or GHQ-12 (1-12): not mapped; rename them by "
                "hand if they are")
            continue
        if scale in guess.scales:
            guess.notes.append(
                f"{show_name(guess.path)}: a second set of {SCALE_LABEL[scale]} items "
                f"({show_names([c for _, c in items])}) is not used: the file's first set is")
            continue
        guess.scales[scale] = prefix
        for number, column in items:
            guess.rename[column] = SCALE_ITEM_NAME[scale].format(k=number)


def _guess_names(guess: FileGuess, candidates: list[str]) -> None:
    """Rename the best source column of each canonical name; note the runners-up."""
    matches: dict[str, list[tuple[int, int, str]]] = {}
    for order, column in enumerate(candidates):
        if column in guess.rename:
            continue
        match = name_match(column)
        if match is not None:
            matches.setdefault(match[2], []).append((match[0], order, column))
    for canonical in NAME_RULES:
        found = sorted(matches.get(canonical, []))
        if not found:
            continue
        guess.rename[found[0][2]] = canonical
        if len(found) > 1:
            guess.notes.append(
                f"{show_name(guess.path)}: {show_name(found[0][2])} was taken as {canonical}; "
                f"{show_names([c for _, _, c in found[1:]])} also look like it and are not used")
    # Keep the file's column order in the rename map.
    guess.rename = {c: guess.rename[c] for c in guess.columns if c in guess.rename}


def read_guess(path: str | Path) -> FileGuess:
    """Read one wave file and guess its columns."""
    frame = read_survey_file(path, config_key="wellby init")
    columns = [str(c) for c in frame.columns]
    guess = FileGuess(path=str(path), columns=columns)
    years = {int(y) for y in _YEAR.findall(Path(path).name)}
    if len(years) == 1:
        guess.year = years.pop()
    elif len(years) > 1:
        guess.notes.append(f"{show_name(guess.path)}: the file name holds more than one year, so "
                           "none was taken as its wave label")
    if _header_is_data(columns):
        guess.header_is_data = True
        guess.notes.append(
            f"TODO {show_name(guess.path)}: its header row holds values that look like personal "
            "data (e-mail addresses, postcodes or phone numbers as column names): the file "
            "seems to have no header row, or a title above it. Nothing was mapped and its "
            "column names are not shown; fix the file (or set the wave's header_row) and run "
            "wellby init again")
        return guess
    guess.identifiers = {str(c): why for c, why in detect_identifier_columns(frame).items()}
    candidates = [c for c in columns if c not in guess.identifiers]
    _guess_scales(guess, candidates)
    _guess_names(guess, candidates)

    wave_source = guess.source_of("wave")
    if wave_source is not None:
        guess.wave_value = _single_integer(frame[wave_source])
        if guess.wave_value is None:
            del guess.rename[wave_source]
            guess.notes.append(
                f"{show_name(guess.path)}: {show_name(wave_source)} looks like a wave column but "
                "does not hold one whole-number label for the whole file: not used (a file with "
                "every wave in it is given as data.path, not data.waves)")
    person = guess.source_of("person_id")
    if person is not None:
        guess.ids = frozenset(_code_text(v) for v in _distinct(frame[person]))
    gender = guess.source_of("gender")
    if gender is not None:
        guess.gender_codes, guess.gender_labels_disagree = _gender_codes(
            frame[gender], _value_labels(Path(path), gender))
    qualification = guess.source_of("qualification")
    if qualification is not None:
        guess.qualification_codes = frozenset(
            _code_text(v) for v in _distinct(frame[qualification]) if not _is_missing_code(v))
    cohort = guess.source_of("cohort")
    if cohort is not None:
        values = pd.to_numeric(frame[cohort], errors="coerce")
        values = values[values > 0]  # 0 = never treated; the usual missing codes are negative
        guess.cohort_max = float(values.max()) if len(values) else None
    for source, canonical in guess.rename.items():
        if canonical in ONS4 or canonical.startswith(("swemwbs_", "wemwbs_", "ghq12_")):
            guess.missing_codes |= _missing_codes_in(frame[source])
    return guess
