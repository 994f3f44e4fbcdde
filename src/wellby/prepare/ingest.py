"""Ingest one wave: rename to canonical names, keep only the study's columns, protect persons.

Direct identifiers never get past this step:

- only the columns the study uses (:func:`wellby.prepare.variables.column_roles`) are kept, so a
  column the config does not name never reaches an interim file, whatever it is called;
- columns declared in ``data.identifiers`` (matched whatever their case and separators),
  and columns whose name or values look like names, e-mail addresses, phone numbers,
  postcodes, NHS or National Insurance numbers, dates of birth or free text are dropped
  with a warning that names the column, never its values; if the config uses such a column
  for the analysis, the run stops and says why;
- the person id is replaced by a keyed pseudonym (:func:`wellby.prepare.pseudonyms.pseudonymise`,
  key in ``data.pseudonym_key``, outside ``results/``), after the wave's ``id_transform``,
  so no table carries a raw id. The id's *format* (digits shown as 9, letters as A) is kept
  in ``_id_format`` for the linkage check, which compares formats between waves.

Area ids are read as text and Unicode-normalised (NFKC, surrounding and repeated spaces
removed), so "Ashfield " and "Ashfield" or a full-width digit are the same area.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wellby.config.typed import IdTransform
from wellby.errors import DataError
from wellby.prepare.checks import CHECK_COLUMNS, check_row, check_rows
from wellby.prepare.codes import PYTHON_ASCII_SPACE, ascii_text, map_distinct, map_uniques
from wellby.prepare.identifiers import (
    declared_identifier_columns,
    identifier_name_kind,
    identifier_value_kind,
)
from wellby.prepare.pseudonyms import pseudonymise

SOURCE_ROW = "_row"
"""Column holding each row's 1-based position among the source file's data rows."""

ID_FORMAT = "_id_format"
"""Column holding the shape of each row's raw person id (digits as 9, letters as A)."""

class IdentifierWarning(UserWarning):
    """A column that looks like a direct identifier was found by its name and dropped."""


@dataclass(frozen=True)
class IngestedWave:
    """A wave after ingest.

    Attributes
    ----------
    data : pandas.DataFrame
        Canonical columns plus ``_row`` (1-based source row); identifiers removed.
    dropped_identifiers : list of str
        Source names of the configured identifier columns that were dropped.
    detected_identifiers : list of str
        Source names of columns dropped because their name looks like an identifier.
    """

    data: pd.DataFrame
    dropped_identifiers: list[str] = field(default_factory=list)
    detected_identifiers: list[str] = field(default_factory=list)
    checks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHECK_COLUMNS))


def looks_like_identifier(column: str) -> bool:
    """Return True when a column name looks like a direct identifier (name, postcode, ...)."""
    return identifier_name_kind(column) is not None


def id_format(ids: pd.Series) -> pd.Series:
    """Return each id's shape: digits as ``9``, letters as ``A``, other characters kept.

    The shape says how a wave writes its ids (``A99999`` for ``R00002``) without quoting
    any id, so two waves that write ids differently can be shown side by side.
    """
    def shape(value: Any) -> str | None:
        if value is None or value is pd.NA:
            return None
        return _SHAPE.sub("A", _DIGIT.sub("9", str(value)))

    def shapes(uniques: pd.Index) -> Sequence[str | None]:
        text = ascii_text(uniques)
        if text is None:
            return [shape(value) for value in uniques]
        return ascii_shapes(text).to_numpy(zero_copy_only=False)

    return map_uniques(ids, shapes).astype("string")


_SHAPE_OF_BYTE = np.arange(256, dtype=np.uint8)
_SHAPE_OF_BYTE[ord("0"):ord("9") + 1] = ord("9")
# In ASCII text the letters [^\W\d_] are exactly [A-Za-z].
_SHAPE_OF_BYTE[ord("A"):ord("Z") + 1] = ord("A")
_SHAPE_OF_BYTE[ord("a"):ord("z") + 1] = ord("A")


def ascii_shapes(text: pa.Array) -> pa.Array:
    """Return the shapes of ASCII ids (:func:`id_format`) by a lookup of each byte.

    Every character of ASCII text is one byte, and a shape changes no length, so the
    shapes are the ids' own bytes mapped through a 256-entry table, with the same
    offsets: a pass over the bytes. Arrow's regular-expression replace gives the same
    strings (tested) but took a third of a second a wave at three million rows.
    """
    text = text.cast(pa.large_string())
    _, offset_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[text.offset:
                                                            text.offset + len(text) + 1]
    data = (np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None
            else np.zeros(0, dtype=np.uint8))
    shapes = _SHAPE_OF_BYTE[data[offsets[0]:offsets[-1]]]
    return pa.LargeStringArray.from_buffers(len(text), pa.py_buffer(offsets - offsets[0]),
                                            pa.py_buffer(shapes))


_DIGIT = re.compile(r"[0-9]")
_SHAPE = re.compile(r"[^\W\d_]", re.UNICODE)


def transform_ids(ids: pd.Series, transform: IdTransform | Mapping[str, Any] | None
                  ) -> pd.Series:
    """Apply a wave's ``id_transform`` (strip a prefix or suffix, leading zeros) to its ids.

    Parameters
    ----------
    ids : pandas.Series
        The wave's person ids as text.
    transform : IdTransform or mapping or None
        ``data.waves[].id_transform``, typed or as :func:`wellby.config.validate_config`
        returns it: ``strip_prefix``, ``strip_suffix`` (text, optional),
        ``strip_leading_zeros`` (bool). None when the wave has none.

    Returns
    -------
    pandas.Series
        The ids as text, missing kept.
    """
    if transform is None:
        return ids
    transform = IdTransform.coerce(transform)
    prefix = transform.strip_prefix
    suffix = transform.strip_suffix
    zeros = transform.strip_leading_zeros

    def undo(value: Any) -> Any:
        if value is None or value is pd.NA:
            return None
        text = str(value)
        if prefix and text.startswith(prefix):
            text = text[len(prefix):]
        if suffix and text.endswith(suffix):
            text = text[:-len(suffix)]
        if zeros:
            text = text.lstrip("0") or "0"
        return text

    return map_distinct(ids, undo)


def _id_text(value: Any, collapse_spaces: bool) -> str | None:
    """Return an id as NFKC text: whole-number floats without ``.0``, empty text missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    text = " ".join(text.split()) if collapse_spaces else text.strip()
    return text or None


def normalise_area_ids(areas: pd.Series) -> pd.Series:
    """Return area ids as Unicode-normalised text (NFKC, spaces trimmed and collapsed).

    Whole numbers stored as floats by SPSS or Stata are written without ``.0``; empty text
    is missing.
    """
    return map_distinct(areas, lambda v: _id_text(v, collapse_spaces=True)).astype("string")


def _text_ids(ids: pd.Series) -> pd.Series:
    """Person ids as stripped text: whole-number floats without ``.0``, empty text missing."""
    def texts(uniques: pd.Index) -> Sequence[str | None]:
        text = ascii_text(uniques)
        if text is None:
            return [_id_text(value, collapse_spaces=False) for value in uniques]
        stripped = pc.ascii_trim(text, characters=PYTHON_ASCII_SPACE)
        empty = pc.equal(pc.binary_length(stripped), 0)
        return pc.if_else(empty, None, stripped).to_numpy(zero_copy_only=False)

    return map_uniques(ids, texts)


def _identifier_columns(frame: pd.DataFrame, *, rename: Mapping[str, str],
                        identifiers: Sequence[str], roles: Mapping[str, str] | None,
                        id_column: str | None) -> tuple[list[str], dict[str, str], list[str]]:
    """Sort a file's columns into declared identifiers, detected identifiers and the rest.

    Returns the declared identifier columns, detected column -> reason (columns the study
    does not use, dropped with a warning), and the analysis columns whose values look like
    identifiers (the run must stop for those).
    """
    declared = declared_identifier_columns(list(frame.columns), identifiers, rename)
    detected: dict[str, str] = {}
    analysis_problems: list[str] = []
    for column in frame.columns:
        if column in declared:
            continue
        canonical = rename.get(column, column)
        used = canonical in roles if roles is not None else column in rename
        if used and canonical == id_column:
            continue  # the person id is pseudonymised, whatever it looks like
        value_kind = identifier_value_kind(frame[column])
        if used:
            if value_kind is not None and roles is not None:
                analysis_problems.append(
                    f"'{column}' (used as {roles[canonical]}): its values look like "
                    f"{_KIND_TEXT.get(value_kind, value_kind)}")
            continue
        name_kind = identifier_name_kind(column)
        if value_kind is not None:
            detected[column] = f"values look like {_KIND_TEXT.get(value_kind, value_kind)}"
        elif name_kind is not None:
            detected[column] = f"name looks like {_KIND_TEXT.get(name_kind, name_kind)}"
    return declared, detected, analysis_problems


_KIND_TEXT = {
    "email": "e-mail addresses", "phone": "phone numbers", "postcode": "postcodes",
    "nhs_number": "NHS numbers", "ni_number": "National Insurance numbers",
    "date_of_birth": "dates of birth", "date": "dates", "personal_name": "personal names",
    "free_text": "free text (which may carry names)", "name": "a name",
    "address": "an address",
}


def ingest_wave(
    frame: pd.DataFrame,
    *,
    wave: int,
    wave_column: str,
    rename: Mapping[str, str],
    identifiers: Sequence[str],
    source: str,
    config_key: str,
    source_rows: np.ndarray | None = None,
    roles: Mapping[str, str] | None = None,
    id_column: str | None = None,
    area_column: str | None = None,
    id_transform: IdTransform | Mapping[str, Any] | None = None,
    pseudonym_key: bytes | None = None,
) -> IngestedWave:
    """Rename a wave's columns, keep the study's columns, protect persons, record source rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The wave as read from its file, rows in source order.
    wave : int
        The wave's label from the config.
    wave_column : str
        Canonical name of the wave column (``columns.wave``); set to ``wave`` for every row.
        When the file has such a column, its values must all equal ``wave``.
    rename : mapping
        Source column name -> canonical name.
    identifiers : sequence of str
        Columns (source or canonical names, any case or separators) to drop.
    source : str
        The file's path, for error messages.
    config_key : str
        The config key of this wave's entry (e.g. ``data.waves[2]``), for error messages.
    source_rows : numpy.ndarray, optional
        1-based source rows of ``frame``'s rows when they are not simply 1..n (a wave
        taken out of one long file).
    roles : mapping, optional
        Canonical column -> config key using it (:func:`wellby.prepare.variables.column_roles`):
        only these columns are kept. None keeps every column that is not an identifier.
    id_column : str, optional
        Canonical person id column: transformed, its format recorded, then pseudonymised.
    area_column : str, optional
        Canonical area column: normalised as text (:func:`normalise_area_ids`).
    id_transform : IdTransform or mapping, optional
        The wave's ``id_transform`` (see :func:`transform_ids`).
    pseudonym_key : bytes, optional
        Key of the person-id pseudonyms; None leaves ids as (normalised) text.

    Returns
    -------
    IngestedWave
    """
    if frame.empty:
        raise DataError("the wave's file has no rows", file=source, config_key=f"{config_key}.path")
    missing = [col for col in rename if col not in frame.columns]
    if missing:
        raise DataError(
            f"columns named in the rename map are not in the file: {missing}; "
            f"the file has: {list(frame.columns)}",
            file=source,
            column=missing[0],
            config_key=f"{config_key}.rename",
        )
    declared, detected, problems = _identifier_columns(
        frame, rename=rename, identifiers=identifiers, roles=roles, id_column=id_column)
    if problems:
        raise DataError(
            "the study uses a column that holds direct identifiers, which never go past "
            "ingest: " + "; ".join(problems) + ". Point the config at another column",
            file=source, column=problems[0].split("'")[1], config_key=f"{config_key}.rename")
    used_declared = [c for c in declared if roles is not None
                     and rename.get(c, c) in roles and rename.get(c, c) != id_column]
    if used_declared:
        canonical = rename.get(used_declared[0], used_declared[0])
        raise DataError(
            f"the column is declared a direct identifier (data.identifiers) but the config "
            f"uses it as {roles[canonical]}",
            file=source, column=used_declared[0], config_key="data.identifiers")
    if detected:
        warnings.warn(
            f"{source}: dropped columns that look like direct identifiers: "
            + "; ".join(f"{c} ({why})" for c, why in detected.items())
            + " (list them under data.identifiers to silence this warning)",
            IdentifierWarning,
            stacklevel=2,
        )
    dropped = set(declared) | set(detected)
    kept = [c for c in frame.columns if c not in dropped
            and (roles is None or rename.get(c, c) in roles)]
    data = frame[kept].rename(columns=dict(rename))
    duplicated = sorted({c for c in data.columns if list(data.columns).count(c) > 1})
    if duplicated:
        raise DataError(
            f"two source columns are renamed to the same canonical name {duplicated}",
            file=source,
            column=duplicated[0],
            config_key=f"{config_key}.rename",
        )
    rows = (np.arange(1, len(data) + 1, dtype=np.int64) if source_rows is None
            else np.asarray(source_rows, dtype=np.int64))
    if wave_column in data.columns:
        values = pd.to_numeric(data[wave_column], errors="coerce")
        wrong = np.flatnonzero((values != wave).to_numpy())
        if wrong.size:
            raise DataError(
                f"the wave column does not match the configured wave {wave}",
                file=source,
                column=wave_column,
                rows=rows[wrong].tolist(),
                config_key=f"{config_key}.wave",
            )
    data = data.copy(deep=False)  # columns are replaced or added below, never written into
    data[wave_column] = np.int64(wave)
    if id_column and id_column in data.columns:
        ids = transform_ids(_text_ids(data[id_column]), id_transform)
        data[ID_FORMAT] = id_format(ids)
        data[id_column] = (pseudonymise(ids, pseudonym_key) if pseudonym_key is not None
                           else ids).astype("string")
    if area_column and area_column in data.columns:
        data[area_column] = normalise_area_ids(data[area_column])
    data.insert(0, SOURCE_ROW, rows)
    checks = check_rows(
        check_row("identifier_dropped", f"column '{column}' dropped at ingest: {why}; list it "
                  "under data.identifiers to confirm", wave=wave, column=column,
                  severity="info", count=None)
        for column, why in detected.items())
    return IngestedWave(data.reset_index(drop=True), declared, list(detected), checks)


def source_wave_column(rename: Mapping[str, str], wave_column: str) -> str:
    """Return the source name of the wave column (its canonical name when not renamed)."""
    for source, canonical in rename.items():
        if canonical == wave_column:
            return source
    return wave_column


def long_file_wave_labels(frame: pd.DataFrame, *, wave_column: str,
                          rename: Mapping[str, str], source: str) -> np.ndarray:
    """Read and check the wave label of every row of a long file (all waves in one file).

    Parameters
    ----------
    frame : pandas.DataFrame
        The long file as read, source column names.
    wave_column : str
        Canonical wave column (``columns.wave``).
    rename : mapping
        The long file's rename map (``data.rename``).
    source : str
        The file, for error messages.

    Returns
    -------
    numpy.ndarray
        Integer wave label per row.
    """
    column = source_wave_column(rename, wave_column)
    if column not in frame.columns:
        raise DataError("the long file has no wave column", file=source, column=column,
                        config_key="columns.wave")
    labels = pd.to_numeric(frame[column], errors="coerce")
    bad = labels.isna() | (labels != np.round(labels))
    if bad.any():
        raise DataError("wave labels must be whole numbers (e.g. the survey year)",
                        file=source, column=column,
                        rows=(np.flatnonzero(bad.to_numpy()) + 1).tolist(),
                        config_key="data.path")
    return labels.to_numpy().astype(np.int64)


def ingest_long_file(
    frame: pd.DataFrame,
    *,
    wave_column: str,
    rename: Mapping[str, str],
    identifiers: Sequence[str],
    source: str,
    **options: Any,
) -> dict[int, IngestedWave]:
    """Split one long file (every wave, with a wave column) into ingested waves.

    Each wave is ingested as by :func:`ingest_wave` (``options`` are passed on: roles,
    id and area columns, the pseudonym key); its ``_row`` is the row's 1-based position in
    the long file, so the exclusions table points into that file.

    Returns
    -------
    dict of int to IngestedWave
        By wave label, in ascending order.
    """
    labels = long_file_wave_labels(frame, wave_column=wave_column, rename=rename,
                                   source=source)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    waves = {}
    for wave in np.unique(labels):
        mask = labels == wave
        waves[int(wave)] = ingest_wave(
            frame.loc[mask].reset_index(drop=True), wave=int(wave), wave_column=wave_column,
            rename=rename, identifiers=identifiers, source=source, config_key="data",
            source_rows=rows[mask], **options)
    return waves
