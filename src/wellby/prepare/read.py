"""Read survey files of any supported format into a DataFrame.

The reader is chosen by the file's extension: ``.csv``, ``.sav``/``.zsav`` (SPSS), ``.dta``
(Stata), ``.xlsx`` (Excel) and ``.parquet``. SPSS and Stata files keep their numeric codes
unless the wave asks for its value labels (``data.waves[i].value_labels``), in which case
labelled codes are read as their label text.

Each format has its own reader module (:mod:`~wellby.prepare.read_csv`,
:mod:`~wellby.prepare.read_spss_stata`, :mod:`~wellby.prepare.read_excel`,
:mod:`~wellby.prepare.read_parquet`); this module chooses among them and applies what every
format guarantees. Why CSV files are read with pyarrow is explained in
:mod:`~wellby.prepare.read_csv`.

What the reader guarantees
--------------------------
* A file is returned only if it was read completely. Damaged or cut-short files raise
  :class:`~wellby.errors.DataError`: a CSV must end with a line break and must not end
  inside a quoted field; every CSV row must have exactly one field per header column; the
  row count recorded by an SPSS or Stata file must match the rows read, and a Stata 13+
  file must end with its closing tag; Excel (zip, CRC-checked) and Parquet (footer) files
  fail in their reader when cut. Two cases cannot be detected, because the cut file is
  itself a valid file: a CSV cut exactly at the end of a row, and an SPSS file whose
  header does not record its number of cases (written as -1 by some programs) cut at a
  row boundary.
* Every failure is a :class:`~wellby.errors.DataError` naming the file and the config key
  to fix (never a raw traceback). Messages never quote a cell of the file: survey data are
  personal. A library's own message is shown only with anything quoted in it removed and
  cut to about 200 characters; the CSV parser's messages, which quote whole rows, are
  never shown.
* Rows come back in source order with a default index; column names are stripped of
  surrounding spaces and must be distinct (a repeated header is an error, not silently
  renamed to ``x.1``).
* Columns named in ``text_columns`` (such as person and area ids) are read as text in every
  format: exact digits (no float rounding, no scientific notation, leading zeros kept),
  whole numbers stored as doubles by SPSS, Stata or Excel written without ``.0``,
  surrounding spaces stripped and blank values missing (pandas ``"string"`` dtype).
* Other CSV columns are typed as pandas would type them: numbers become numeric, a column
  mixing numbers and text stays text (the caller checks it), empty cells and the usual
  missing-value markers (``NA``, ``N/A``, ``null``, ...) are missing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from wellby.errors import DataError
from wellby.prepare.read_csv import read_csv
from wellby.prepare.read_excel import read_excel
from wellby.prepare.read_parquet import read_parquet
from wellby.prepare.read_request import ReadRequest, read_failure
from wellby.prepare.read_spss_stata import read_dta, read_sav
from wellby.prepare.read_text import as_text

READERS: dict[str, Callable[[ReadRequest], pd.DataFrame]] = {
    ".csv": read_csv,
    ".sav": read_sav,
    ".zsav": read_sav,
    ".dta": read_dta,
    ".xlsx": read_excel,
    ".parquet": read_parquet,
}


def read_survey_file(path: str | Path, config_key: str | None = None,
                     encoding: str = "utf-8", value_labels: bool = False, *,
                     sheet: str | int | None = None, header_row: int = 1,
                     delimiter: str | None = None,
                     text_columns: Iterable[str] = ()) -> pd.DataFrame:
    """Read one survey file completely, choosing the reader by its extension.

    Parameters
    ----------
    path : str or Path
        The file: ``.csv``, ``.sav``/``.zsav`` (SPSS), ``.dta`` (Stata), ``.xlsx`` or
        ``.parquet``.
    config_key : str, optional
        The config key that names this file, quoted in errors (e.g. ``data.waves[0].path``).
        Errors about a wave setting name the setting's key beside it, e.g.
        ``data.waves[0].delimiter``.
    encoding : str, default "utf-8"
        Text encoding of a CSV file. SPSS and Stata files carry their own; an encoding other
        than utf-8 is passed on to them too (for old Stata files, which do not).
    value_labels : bool, default False
        For SPSS and Stata files, replace codes by their value labels (e.g. 1 -> "Male"),
        so recodes and subgroup levels can name the labels. Codes without a label stay.
    sheet : str or int, optional
        Excel only: the sheet's name or its 1-based position; the first sheet by default.
    header_row : int, default 1
        CSV and Excel: the 1-based row number (line of a CSV file, row of the sheet) of the
        header row; rows above it (titles) are skipped.
    delimiter : str, optional
        CSV only: the one character between fields; ``","`` by default.
    text_columns : iterable of str, default ()
        Source column names read as text (ids): exact digits, whole numbers without
        ``.0``, spaces stripped, blanks missing; pandas ``"string"`` dtype. Names not in
        the file are ignored (the caller reports missing columns).

    Returns
    -------
    pandas.DataFrame
        The file's rows in source order with a default index, and the source column names
        stripped of surrounding spaces.

    Raises
    ------
    DataError
        When the file is missing, has an unsupported extension, is damaged or cut short,
        has a repeated or misplaced header, rows with the wrong number of fields, text not
        in its encoding, or cannot be read; or when an option is invalid. The message names
        the file and the config key and never quotes a cell of the file.

    Notes
    -----
    In CSV and Excel files, empty cells and pandas' missing-value markers (``NA``, ``N/A``,
    ``NULL``, ``NaN``, ``#N/A``, ...; see :data:`~wellby.prepare.read_text.NA_STRINGS`) are
    missing, in text columns too, as ``pandas.read_csv`` reads them. A CSV row (line) number
    counts every line of the file, blank ones included; a data row number counts the rows
    after the header, blank lines excluded, so row 1 is the first row of the returned frame.
    """
    req = _request(path, config_key, encoding, value_labels, sheet, header_row, delimiter,
                   text_columns)
    if not req.path.is_file():
        raise req.error("the data file does not exist")
    reader = READERS.get(req.path.suffix.lower())
    if reader is None:
        raise req.error(
            f"unsupported file type '{req.path.suffix}' (supported: {', '.join(sorted(READERS))})")
    try:
        frame = reader(req)
    except DataError:
        raise
    except UnicodeDecodeError as err:
        if reader not in (read_sav, read_dta):
            raise read_failure(req, err) from None
        raise req.error(
            f"text in the file is not valid {req.encoding} (byte {err.object[err.start]:#04x}); "
            "if it was written by an old version of Stata or SPSS, set its encoding, e.g. "
            "encoding: cp1252", config_key=req.key("encoding")) from None
    except Exception as err:  # noqa: BLE001 - any reader failure is the file's fault
        raise read_failure(req, err) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    counts = Counter(frame.columns)
    repeated = [name for name in counts if counts[name] > 1]
    if repeated:
        raise req.error(f"the column name {repeated[0]!r} occurs {counts[repeated[0]]} times "
                        "(after stripping surrounding spaces); each column needs its own name: "
                        "rename the copies in the file", column=repeated[0],
                        config_key=req.key("rename"))
    for name in frame.columns:
        if name in req.text_columns:
            frame[name] = as_text(req, name, frame[name])
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        frame = frame.reset_index(drop=True)
    return frame


def _request(path: str | Path, config_key: str | None, encoding: str, value_labels: bool,
             sheet: str | int | None, header_row: int, delimiter: str | None,
             text_columns: Iterable[str]) -> ReadRequest:
    """Check the options and bundle them with the config keys that errors point at."""
    if isinstance(text_columns, str):
        text_columns = (text_columns,)
    req = ReadRequest(path=Path(path), config_key=config_key, encoding=encoding,
                      value_labels=value_labels, sheet=None, header_row=1, delimiter=",",
                      text_columns=frozenset(str(c).strip() for c in text_columns))
    if isinstance(header_row, bool) or not isinstance(header_row, int | np.integer) \
            or header_row < 1:
        raise req.error(f"header_row must be a whole number from 1 (the first row), not "
                        f"{header_row!r}", config_key=req.key("header_row"))
    if delimiter is None:
        delimiter = ","
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\"\r\n":
        raise req.error(f"delimiter must be one character other than a quote or line break, "
                        f"such as ',' or ';', not {delimiter!r}", config_key=req.key("delimiter"))
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, str | int)):
        raise req.error(f"sheet must be a sheet name or a position from 1, not {sheet!r}",
                        config_key=req.key("sheet"))
    return dataclasses.replace(req, sheet=sheet, header_row=int(header_row), delimiter=delimiter)
