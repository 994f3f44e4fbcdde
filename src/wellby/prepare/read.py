"""Read survey files of any supported format into a DataFrame.

The reader is chosen by the file's extension: ``.csv``, ``.sav``/``.zsav`` (SPSS), ``.dta``
(Stata), ``.xlsx`` (Excel) and ``.parquet``. SPSS and Stata files keep their numeric codes
unless the wave asks for its value labels (``data.waves[i].value_labels``), in which case
labelled codes are read as their label text.

Why pyarrow for CSV
-------------------
Survey waves can hold millions of rows. ``pyarrow.csv`` parses blocks of the file on all
cores: on 2 cores it reads a 1,000,000-row, 30-column numeric CSV in about 0.5 s against
0.8 s for ``pandas.read_csv`` (``benchmarks/bench_reading.py``; its single-core cost is
about pandas', so the gain shrinks when other jobs hold the cores). It is also *strict*: a
row with too few or too many fields is an error, where pandas pads a short row with missing
values and turns an extra field into an index, silently shifting columns. The strict parser
is the fast path; only when it fails does a slow diagnostic pass with Python's :mod:`csv`
module find the offending rows, so that the message can name them ("row 7 has 3 fields,
the header has 5"). The file is memory-mapped, so the checks around the parser (final line
break, balanced quotes) cost tens of milliseconds, not a second read.

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

import codecs
import csv
import dataclasses
import io
import mmap
import re
import struct
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wellby.errors import DataError

#: Cell texts read as missing in CSV and Excel files (pandas' default ``na_values``).
NA_STRINGS: frozenset[str] = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})

#: Excel error values (what a formula shows when it fails): missing, as pandas reads them.
_EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
                           "#GETTING_DATA", "#SPILL!", "#CALC!"})

#: Largest magnitude at which every whole number is exact in a double (2**53).
_EXACT_DOUBLE = 2.0**53

#: How much of a file's start is inspected to tell text from binary data.
_SNIFF_BYTES = 8192

#: The start of files in other formats: (signature, what it looks like, what to do).
_SIGNATURES: tuple[tuple[bytes, str, str, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook or another zip archive",
     "if it is an Excel workbook, give it the .xlsx extension", ".xlsx"),
    (b"$FL2", "an SPSS data file", "give it the .sav extension", ".sav"),
    (b"$FL3", "a compressed SPSS data file", "give it the .zsav extension", ".zsav"),
    (b"PAR1", "a Parquet file", "give it the .parquet extension", ".parquet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Excel workbook (.xls)",
     "open it in Excel and save it as .xlsx or CSV", ".xls"),
    (b"<stata_dta>", "a Stata data file", "give it the .dta extension", ".dta"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first", ".gz"),
    (b"%PDF", "a PDF document", "export the data from its source as CSV", ".pdf"),
)

_DELIMITER_NAMES = {",": "commas (',')", ";": "semicolons (';')", "\t": "tabs",
                    "|": "vertical bars ('|')"}

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NEWLINE = re.compile(rb"\r\n|\n|\r")
_APOSTROPHE = re.compile(r"(?<=[a-z])'(?=(?:t|s|d|m|re|ve|ll)\b)")


@dataclasses.dataclass(frozen=True)
class _Request:
    """One call's arguments, with the config keys that its errors point at."""

    path: Path
    config_key: str | None
    encoding: str
    value_labels: bool
    sheet: str | int | None
    header_row: int
    delimiter: str
    text_columns: frozenset[str]

    @property
    def wave_key(self) -> str:
        """The config key of the wave entry, e.g. ``data.waves[2]`` for its ``.path``."""
        if not self.config_key:
            return "data.waves[i]"
        return self.config_key.removesuffix(".path")

    def key(self, leaf: str) -> str:
        """Return the config key of one of the wave's settings, e.g. ``….delimiter``."""
        return f"{self.wave_key}.{leaf}"

    def error(self, message: str, *, config_key: str | None = None, column: str | None = None,
              rows: Sequence[int] | None = None) -> DataError:
        """Return a DataError about this file (config key: the path's, unless given)."""
        return DataError(message, file=str(self.path), column=column, rows=rows,
                         config_key=config_key or self.config_key)


# --------------------------------------------------------------------------------------
# Messages


def _sanitise(text: str, limit: int = 200) -> str:
    """Return a library's error text without anything quoted in it, at most ``limit`` long.

    Library messages can quote cell contents (``could not convert 'X' to float``). For each
    kind of quote, everything from its first to its last occurrence is replaced by ``…``
    (so a quoted value that itself holds a quote cannot leak a fragment), and a lone quote
    cuts the text there. Apostrophes of English contractions (``couldn't``) are kept.
    """
    text = _APOSTROPHE.sub("\u2019", str(text))
    for quote in ("'", '"'):
        first, last = text.find(quote), text.rfind(quote)
        if first != last:
            text = text[:first] + "…" + text[last + 1:]
    text = re.split(r"['\"]", text, maxsplit=1)[0]
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _exception_text(err: BaseException) -> str:
    """Return ``Type: sanitised message`` for an exception raised by a reader."""
    name = type(err).__name__
    if name in ("ParseError", "XMLSyntaxError"):
        # XML parser messages quote fragments of the (damaged) document.
        return f"{name}: the XML inside the file is damaged"
    text = _sanitise(str(err))
    return f"{name}: {text}" if text else name


def _describe_bytes(head: bytes) -> tuple[str, str, str] | None:
    """Say what a file looks like from its first bytes: (description, advice, extension)."""
    for signature, description, advice, suffix in _SIGNATURES:
        if head.startswith(signature):
            return description, advice, suffix
    if len(head) >= 4 and 104 <= head[0] <= 119 and head[1] in (1, 2) and head[2] == 1:
        return "a Stata data file", "give it the .dta extension", ".dta"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_utf16(head):
        return ("UTF-16 text", "if it is CSV, give it the .csv extension and encoding: utf-16",
                ".csv")
    if b"\x00" in head:
        return ("binary data (it contains NUL bytes), not text",
                "check that it is the right file", "")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut at the end of the sample
            return None
    return "a text file (perhaps CSV)", "if it is CSV, give it the .csv extension", ".csv"


def _looks_like_utf16(head: bytes) -> bool:
    """Whether the bytes look like UTF-16 text without a byte-order mark (ASCII + NULs)."""
    if len(head) < 8:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0) or (
        even.count(0) >= 0.9 * len(even) and odd.count(0) == 0)


def _read_failure(req: _Request, err: BaseException) -> DataError:
    """Return the DataError for a reader's exception: type, sanitised text and a hint."""
    hint = ""
    try:
        with req.path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        head = b""
    looks = _describe_bytes(head) if head else None
    suffix = req.path.suffix.lower()
    if looks and looks[2] and looks[2] != suffix and {looks[2], suffix} != {".sav", ".zsav"}:
        hint = f"; it looks like {looks[0]}: {looks[1]}"
    elif not head:
        hint = "; the file is empty"
    return req.error(
        f"the file could not be read as {req.path.suffix} ({_exception_text(err)}): it may be "
        f"damaged or cut short; re-export it{hint}")


def _encoding_error(req: _Request, byte: int, position: int, line: int | None = None) -> DataError:
    """Return the DataError for text that is not valid in the file's encoding."""
    where = f"position {position}" + (f", line {line}" if line is not None else "")
    advice = ("if it was saved by Excel or SPSS on Windows, set its encoding, e.g. "
              "encoding: cp1252" if _codec_name(req.encoding) == "utf-8"
              else "set the encoding it was saved in (e.g. utf-8, cp1252, latin-1)")
    return req.error(
        f"the file is not valid {req.encoding} text (byte {byte:#04x} at {where}); {advice}",
        config_key=req.key("encoding"))


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


# --------------------------------------------------------------------------------------
# Header checks shared by CSV and Excel


def _header_names(req: _Request, cells: Sequence[Any], row_number: int) -> list[str]:
    """Return the column names of a header row, refusing repeated names.

    Empty header cells are named ``Unnamed: i`` (0-based position), as pandas names them.
    """
    names = [_header_text(cell) for cell in cells]
    if not any(names):
        raise req.error(f"the header row (row {row_number}) is empty: the header row may be "
                        "wrong; set header_row to the row that holds the column names",
                        config_key=req.key("header_row"))
    counts = Counter(name for name in names if name)
    repeated = [name for name in counts if counts[name] > 1]
    if repeated:
        if _header_looks_wrong(names):
            raise req.error(
                f"the header row (row {row_number}) repeats column names and is mostly empty "
                "or numbers: the header row may be wrong; set header_row to the row that holds "
                "the column names", config_key=req.key("header_row"))
        first = repeated[0]
        positions = [str(i + 1) for i, name in enumerate(names) if name == first]
        others = f" (also repeated: {', '.join(repeated[1:6])})" if len(repeated) > 1 else ""
        raise req.error(
            f"the column name {first!r} occurs {counts[first]} times in the header row (row "
            f"{row_number}, columns {', '.join(positions)}){others}; each column needs its own "
            "name: rename the copies in the file so that rename maps the one you mean",
            column=first, config_key=req.key("rename"))
    return [name or f"Unnamed: {i}" for i, name in enumerate(names)]


def _header_text(cell: Any) -> str:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _header_looks_wrong(names: Sequence[str]) -> bool:
    """Whether a header row looks like a title or data row: mostly empty or numbers."""
    n = len(names)
    empty = sum(not name for name in names)
    numbers = sum(bool(_NUMBER.fullmatch(name)) for name in names if name)
    return n >= 2 and 2 * (empty + numbers) > n


def _check_unnamed(req: _Request, frame: pd.DataFrame, names: Sequence[str],
                   cells: Sequence[Any], row_number: int) -> None:
    """Refuse a mostly empty header row when its unnamed columns hold data."""
    empty = [name for name, cell in zip(names, cells, strict=True) if not _header_text(cell)]
    if len(names) < 2 or 2 * len(empty) <= len(names):
        return
    if any(frame[name].notna().any() for name in empty):
        raise req.error(
            f"{len(empty)} of the {len(names)} column names in the header row (row {row_number})"
            " are empty, but their columns hold data: the header row may be wrong; set "
            "header_row to the row that holds the column names",
            config_key=req.key("header_row"))


# --------------------------------------------------------------------------------------
# Text columns


def _cell_text(value: Any) -> str | None:
    """Return one cell as id text: whole numbers without ``.0``, missing as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isnan(number):
            return None
        if number.is_integer():
            if abs(number) > _EXACT_DOUBLE:
                raise OverflowError
            return str(int(number))
        return repr(number)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _as_text(req: _Request, column: str, series: pd.Series) -> pd.Series:
    """Convert one column to text (pandas ``"string"`` dtype) for ``text_columns``."""
    dtype = series.dtype
    kind = "" if pd.api.types.is_numeric_dtype(dtype) else pd.api.types.infer_dtype(
        series, skipna=True)
    if pd.api.types.is_integer_dtype(dtype) or kind in ("string", "empty", "integer"):
        text = series.astype("string")
    elif pd.api.types.is_float_dtype(dtype) or kind in ("floating", "mixed-integer-float"):
        text = _float_text(req, column, series.astype(float).to_numpy(na_value=np.nan))
    else:  # a mix (e.g. value labels and codes, text and numbers): one cell at a time
        values = series.to_numpy(dtype=object)
        out = np.full(len(values), None, dtype=object)
        inexact = np.zeros(len(values), dtype=bool)
        for i, value in enumerate(values):
            try:
                out[i] = _cell_text(value)
            except OverflowError:
                inexact[i] = True
        _refuse_inexact(req, column, inexact)
        text = pd.Series(pd.array(out, dtype="string"))
    text = text.str.strip()
    return pd.Series(text.mask(text == "", pd.NA).array, index=series.index)


def _float_text(req: _Request, column: str, values: np.ndarray) -> pd.Series:
    """Write doubles as text: whole numbers without ``.0``; refuse ones not exact."""
    finite = np.isfinite(values)
    safe = np.where(finite, values, 0.0)
    whole = finite & (np.floor(safe) == safe)
    _refuse_inexact(req, column, whole & (np.abs(safe) > _EXACT_DOUBLE))
    integers = pd.arrays.IntegerArray(np.where(whole, safe, 0.0).astype(np.int64), ~whole)
    text = pd.Series(integers).astype("string")
    other = np.flatnonzero(~whole & ~np.isnan(values))  # fractions and infinities
    if other.size:
        text = text.astype(object)
        text.iloc[other] = [repr(float(v)) for v in values[other]]
        text = text.astype("string")
    return text


def _refuse_inexact(req: _Request, column: str, inexact: np.ndarray) -> None:
    if inexact.any():
        rows = (np.flatnonzero(inexact) + 1).tolist()
        raise req.error(
            "the text column holds numbers too large to be stored exactly as numbers (more "
            "than 15-16 digits): the program that wrote the file has rounded them, so ids "
            "would be wrong; store the column as text in the file", column=column, rows=rows)


def _text_positions(req: _Request, names: Sequence[str]) -> list[int]:
    return [i for i, name in enumerate(names) if name in req.text_columns]


# --------------------------------------------------------------------------------------
# CSV


def _read_csv(req: _Request) -> pd.DataFrame:
    size = req.path.stat().st_size
    if size == 0:
        raise req.error("the file could not be read as .csv: it is empty (0 bytes)")
    try:
        codec = codecs.lookup(req.encoding)
    except LookupError:
        raise req.error(f"unknown text encoding {req.encoding!r} (e.g. utf-8, cp1252, latin-1)",
                        config_key=req.key("encoding")) from None
    with req.path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
        if not codec.name.startswith(("utf-16", "utf-32")):
            _check_text(req, head)
        raw: mmap.mmap | bytes
        if codec.name in ("utf-8", "utf-8-sig"):
            # Memory-mapped: no copy, and the quote search below runs at memchr speed.
            try:
                raw = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # a file system that cannot map files
                handle.seek(0)
                raw = handle.read()
        else:
            handle.seek(0)
            raw = _transcode(req, handle.read())
    try:
        return _parse_csv(req, raw)
    finally:
        if isinstance(raw, mmap.mmap):
            try:
                raw.close()
            except BufferError:  # still referenced by a pending error; freed with it
                pass


def _transcode(req: _Request, data: bytes) -> bytes:
    """Return a file's text in a non-utf-8 encoding as utf-8 bytes (for pyarrow)."""
    try:
        text = data.decode(req.encoding)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise _encoding_error(req, err.object[err.start], err.start, line) from None
    return text.encode("utf-8")


def _parse_csv(req: _Request, raw: mmap.mmap | bytes) -> pd.DataFrame:
    """Parse CSV text held as utf-8 bytes (a memory map of the file, or transcoded)."""
    if raw[-1:] not in (b"\n", b"\r"):
        raise req.error("the file does not end with a line break: it may have been cut short; "
                        "re-export it")
    start = 3 if raw[:3] == codecs.BOM_UTF8 else 0
    cells, data_start, lines_before = _csv_header(req, raw, start)
    names = _header_names(req, cells, req.header_row)
    if data_start >= len(raw):
        frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    else:
        quoted = raw.find(b'"', data_start) >= 0
        if quoted and np.count_nonzero(
                np.frombuffer(raw, dtype=np.uint8, offset=data_start) == ord('"')) % 2:
            _refuse_open_quote(req, raw, data_start, lines_before)
        frame = _arrow_csv(req, raw, data_start, names, _text_positions(req, names), quoted,
                           lines_before)
    _check_unnamed(req, frame, names, cells, req.header_row)
    return frame


def _check_text(req: _Request, head: bytes) -> None:
    """Refuse a binary file (or UTF-16 text read as 8-bit text) given as CSV."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        found = "UTF-32"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_like_utf16(head):
        found = "UTF-16"
    else:
        found = ""
    if found:
        raise req.error(f"the file is {found} text, not {req.encoding}; set its encoding: "
                        f"{found.lower()}", config_key=req.key("encoding"))
    looks = _describe_bytes(head)
    if b"\x00" in head or (looks is not None and looks[2] not in (".csv", "")):
        description, advice, _suffix = looks or ("binary data", "check that it is the right file",
                                                 "")
        raise req.error(f"the file is not a text file, so it cannot be read as .csv: it looks "
                        f"like {description}; {advice}")


def _csv_header(req: _Request, raw: mmap.mmap | bytes,
                start: int) -> tuple[list[str], int, int]:
    """Find and parse the header row.

    Returns the header cells, the byte offset where the data rows start and the number of
    lines before them. Rows above the header (``header_row`` > 1) are counted as lines; a
    quoted field may span lines.
    """
    size = len(raw)
    window = min(size, 1 << 20)
    while True:
        blob = raw[:window]
        found = _records(blob, start, req.header_row, complete=window == size)
        if found is not None or window == size:
            break
        window = min(size, window * 4)
    if found is None:
        raise req.error(f"the file has fewer than {req.header_row} rows, so row "
                        f"{req.header_row} cannot be the header row",
                        config_key=req.key("header_row"))
    record_start, record_end, data_start, lines = found
    record = blob[record_start:record_end]
    try:
        header_text = record.decode("utf-8")
    except UnicodeDecodeError as err:
        position = record_start + err.start
        raise _encoding_error(req, record[err.start], position,
                              blob.count(b"\n", 0, position) + 1) from None
    if not header_text.strip():
        raise req.error(f"row {req.header_row} of the file is empty, so it cannot be the header "
                        "row; set header_row to the row that holds the column names",
                        config_key=req.key("header_row"))
    try:
        cells = next(csv.reader(io.StringIO(header_text, newline=""), delimiter=req.delimiter))
    except (csv.Error, StopIteration) as err:
        raise req.error(f"the header row (row {req.header_row}) could not be parsed as CSV "
                        f"({_exception_text(err)})") from None
    if len(cells) == 1:
        _suggest_delimiter(req, header_text)
    return cells, data_start, lines


def _records(blob: bytes, start: int, count: int,
             complete: bool) -> tuple[int, int, int, int] | None:
    """Locate row number ``count`` (1-based, counting lines) from ``start``.

    Returns (start, end, next row's start, lines up to there), or None when ``blob`` ends
    first. A row ends at a line break outside quotes (after an even number of ``"``).
    """
    position, lines = start, 0
    record_start = record_end = start
    for _ in range(count):
        record_start, quotes = position, 0
        while True:
            match = _NEWLINE.search(blob, position)
            if match is None or (not complete and match.end() == len(blob)):
                return None  # out of rows, or a "\r\n" may be split at the window's end
            quotes += blob.count(b'"', position, match.start())
            position = match.end()
            lines += 1
            if quotes % 2 == 0:
                record_end = match.start()
                break
    return record_start, record_end, position, lines


def _suggest_delimiter(req: _Request, header_text: str) -> None:
    """Refuse a one-column header that holds another usual delimiter."""
    counts = {d: header_text.count(d) for d in _DELIMITER_NAMES if d != req.delimiter}
    other = max(counts, key=counts.get)
    if counts[other]:
        used = _DELIMITER_NAMES.get(req.delimiter, repr(req.delimiter))
        setting = '"\\t"' if other == "\t" else f"'{other}'"
        raise req.error(
            f"the header row has no {used} between column names, but it has "
            f"{_DELIMITER_NAMES[other]}: the file seems to separate its columns by "
            f"{_DELIMITER_NAMES[other]}; set delimiter: {setting}",
            config_key=req.key("delimiter"))


def _refuse_open_quote(req: _Request, raw: mmap.mmap | bytes, data_start: int,
                       lines_before: int) -> None:
    """Refuse a CSV whose data end inside a quoted field (an unpaired ``"``).

    The strict CSV parser would read the rest of the file into that one field. An odd
    number of quote characters can also come from a stray ``"`` inside an unquoted field
    (``5" tall``), which is harmless; only a quoted field that never closes is refused.
    """
    delimiter = re.escape(req.delimiter.encode("utf-8"))
    pattern = re.compile(rb'(?:^|(?<=[' + delimiter + rb'\n\r]))"(?:[^"]+|"")*("|\Z)', re.M)
    for match in pattern.finditer(raw, data_start):
        if match.group(1):
            continue
        blob = raw[data_start:match.start()]
        complete = blob[: max(blob.rfind(b"\n"), blob.rfind(b"\r")) + 1]
        rows_before = sum(1 for record in csv.reader(
            io.StringIO(complete.decode("utf-8", "replace"), newline=""),
            delimiter=req.delimiter) if record)
        line = lines_before + len(_NEWLINE.findall(blob)) + 1
        raise req.error(
            f"a quoted field in row {rows_before + 1} (line {line} of the file) is never closed "
            "(a quote character without its partner): the file may have been cut short or "
            "damaged; re-export it", rows=[rows_before + 1])


def _arrow_csv(req: _Request, raw: mmap.mmap | bytes, data_start: int, names: Sequence[str],
               text_positions: Sequence[int], quoted: bool, lines_before: int) -> pd.DataFrame:
    """Parse the data rows with pyarrow, typing columns as pandas would."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    keys = [f"c{i}" for i in range(len(names))]
    text_keys = {keys[i] for i in text_positions}

    def parse(as_text: set[str]) -> Any:
        return pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(raw).slice(data_start)),
            read_options=pacsv.ReadOptions(column_names=keys),
            parse_options=pacsv.ParseOptions(delimiter=req.delimiter, quote_char='"',
                                             double_quote=True, escape_char=False,
                                             newlines_in_values=quoted,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={key: pa.string() for key in as_text},
                null_values=sorted(NA_STRINGS), strings_can_be_null=True,
                quoted_strings_can_be_null=True, check_utf8=True),
        )

    try:
        table = parse(text_keys)
        if any(pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)
               for f in table.schema):
            raise _UndecodableText
        # pandas leaves dates and times as text: read such columns again as text.
        temporal = {f.name for f in table.schema if pa.types.is_temporal(f.type)}
        if temporal:
            table = parse(text_keys | temporal)
    except Exception as err:  # noqa: BLE001 - the slow pass says what is wrong
        raise _diagnose_csv(req, raw, data_start, len(names), lines_before, err) from None
    for i, field in enumerate(table.schema):
        if pa.types.is_null(field.type):  # an empty column: missing numbers, as in pandas
            table = table.set_column(i, field.name, table.column(i).cast(pa.float64()))
    return table.rename_columns(list(names)).to_pandas()


class _UndecodableText(Exception):
    """pyarrow found text that is not valid utf-8 (it returns such columns as binary)."""


def _diagnose_csv(req: _Request, raw: mmap.mmap | bytes, data_start: int, width: int,
                  lines_before: int, err: BaseException) -> DataError:
    """Find why the strict parser failed, with Python's csv module (slow, exact).

    Rows are numbered from 1 for the first row after the header, not counting blank lines
    (which are skipped, as they are when the file is read).
    """
    blob = raw[data_start:]
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as decode_error:
        position = data_start + decode_error.start
        line = lines_before + blob.count(b"\n", 0, decode_error.start) + 1
        return _encoding_error(req, blob[decode_error.start], position, line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=req.delimiter, strict=False)
    row, bad, first = 0, [], None
    try:
        for record in reader:
            if not record:
                continue
            row += 1
            if len(record) != width:
                bad.append(row)
                if first is None:
                    first = (row, len(record), lines_before + reader.line_num)
    except csv.Error as csv_error:
        return req.error(
            f"row {row + 1} (line {lines_before + reader.line_num} of the file) could not be "
            f"parsed as CSV ({_exception_text(csv_error)})", rows=[row + 1])
    if first is not None:
        number, fields, line = first
        key, hint = req.config_key, ""
        if number == 1 and width < fields and len(bad) == row:
            key = req.key("header_row")
            hint = ("; if lines above the column names hold a title, set header_row to the "
                    "line that holds the column names")
        return req.error(
            f"row {number} has {fields} field{'s' * (fields != 1)}, the header has {width} "
            f"(line {line} of the "
            "file); every row needs one field per column: the file may be damaged, or a text "
            f"field may hold an unquoted {req.delimiter!r}{hint}", rows=bad, config_key=key)
    return req.error(f"the file could not be read as .csv ({type(err).__name__}); it may be "
                     "damaged; re-export it")


# --------------------------------------------------------------------------------------
# SPSS and Stata


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    # pyreadstat returns labelled columns as categoricals; plain text is easier to map.
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    return frame


def _readstat_options(req: _Request) -> dict[str, Any]:
    options: dict[str, Any] = {"apply_value_formats": req.value_labels}
    if _codec_name(req.encoding) != "utf-8":
        # SPSS files declare their encoding; only an explicit other encoding overrides it.
        options["encoding"] = req.encoding
    return options


def _sav_header_cases(path: Path) -> int | None:
    """Return the number of cases an SPSS file's header records (None when unknown, -1)."""
    with path.open("rb") as handle:
        head = handle.read(84)
    if len(head) < 84 or head[:4] not in (b"$FL2", b"$FL3"):
        return None
    endian = "<" if struct.unpack("<i", head[64:68])[0] in (2, 3) else ">"
    cases = struct.unpack(f"{endian}i", head[80:84])[0]
    return cases if cases >= 0 else None


def _check_row_count(req: _Request, frame: pd.DataFrame, recorded: Iterable[int | None]) -> None:
    for count in recorded:
        if count is not None and count >= 0 and count != len(frame):
            raise req.error(f"the file records {count} rows but {len(frame)} could be read: it "
                            "may have been cut short or damaged; re-export it")


def _read_sav(req: _Request) -> pd.DataFrame:
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(req.path), **_readstat_options(req))
    _check_row_count(req, frame, [_sav_header_cases(req.path), meta.number_rows])
    return _labelled(frame)


def _read_dta(req: _Request) -> pd.DataFrame:
    import pyreadstat

    with req.path.open("rb") as handle:
        head = handle.read(16)
        if head.startswith(b"<stata_dta>"):
            # Stata 13+ files end with a closing tag; pyreadstat reads a file cut inside it.
            handle.seek(max(0, req.path.stat().st_size - 64))
            if not handle.read().rstrip(b"\x00\r\n\t ").endswith(b"</stata_dta>"):
                raise req.error("the Stata file does not end with its closing tag "
                                "</stata_dta>: it may have been cut short; re-export it")
    frame, meta = pyreadstat.read_dta(str(req.path), **_readstat_options(req))
    _check_row_count(req, frame, [meta.number_rows])
    return _labelled(frame)


# --------------------------------------------------------------------------------------
# Excel


def _read_excel(req: _Request) -> pd.DataFrame:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on unsupported styles
        book = openpyxl.load_workbook(req.path, read_only=True, data_only=True, keep_links=False)
        try:
            sheet = book[_sheet_name(req, book.sheetnames)]
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # some writers record a wrong used range
            rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    while rows and all(_excel_missing(v) for v in rows[-1]):
        rows.pop()
    if not rows and req.header_row == 1:
        return pd.DataFrame()
    if req.header_row > len(rows):
        raise req.error(f"the sheet has {len(rows)} rows, so row {req.header_row} cannot be the "
                        "header row", config_key=req.key("header_row"))
    header, body = rows[req.header_row - 1], rows[req.header_row:]
    width = max((_used_width(row) for row in rows[req.header_row - 1:]), default=0)
    cells = list(header[:width]) + [None] * (width - len(header[:width]))
    names = _header_names(req, cells, req.header_row)
    text = set(_text_positions(req, names))
    columns: dict[str, pd.Series] = {}
    for i, name in enumerate(names):
        values = [_excel_value(row[i]) if i < len(row) else None for row in body]
        # Text columns stay as cells (object) until read_survey_file makes them text.
        columns[name] = pd.Series(values, dtype=object if i in text or not values else None)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(body)))
    _check_unnamed(req, frame, names, cells, req.header_row)
    return frame


def _sheet_name(req: _Request, sheetnames: Sequence[str]) -> str:
    listed = ", ".join(repr(name) for name in sheetnames)
    sheet = req.sheet
    if sheet is None:
        return sheetnames[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 1 <= sheet <= len(sheetnames):
            return sheetnames[sheet - 1]
        raise req.error(f"the workbook has {len(sheetnames)} sheet(s), so there is no sheet "
                        f"{sheet} (sheets are counted from 1): its sheets are {listed}",
                        config_key=req.key("sheet"))
    if sheet in sheetnames:
        return sheet
    near = [name for name in sheetnames if name.strip().casefold() == str(sheet).strip().casefold()]
    if len(near) == 1:
        return near[0]
    raise req.error(f"the workbook has no sheet {sheet!r}: its sheets are {listed}",
                    config_key=req.key("sheet"))


def _excel_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _used_width(row: Sequence[Any]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if not _excel_missing(row[i]):
            return i + 1
    return 0


def _excel_value(value: Any) -> Any:
    """One cell as pandas would read it: missing markers as None, whole floats as ints."""
    if isinstance(value, str):
        return None if value in NA_STRINGS or value in _EXCEL_ERRORS else value
    if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT_DOUBLE:
        return int(value)
    return value


# --------------------------------------------------------------------------------------
# Parquet


def _read_parquet(req: _Request) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    source = pq.ParquetFile(req.path)
    table = source.read()
    if source.metadata.num_rows != table.num_rows:
        raise req.error(f"the file records {source.metadata.num_rows} rows but "
                        f"{table.num_rows} could be read: it may be damaged; re-export it")
    # Exact digits: to_pandas turns an integer column with gaps into floats.
    exact = {field.name.strip(): pc.cast(table.column(i), pa.string()).to_pandas()
             for i, field in enumerate(table.schema)
             if field.name.strip() in req.text_columns and pa.types.is_integer(field.type)}
    frame = table.to_pandas()
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        # A named index (df.set_index("id").to_parquet()) is data; an unnamed one is not.
        frame = frame.reset_index(drop=all(name is None for name in index.names))
    for i, name in enumerate(frame.columns):
        if str(name).strip() in exact:
            frame.isetitem(i, exact[str(name).strip()].astype("string").array)
    return frame


READERS: dict[str, Callable[[_Request], pd.DataFrame]] = {
    ".csv": _read_csv,
    ".sav": _read_sav,
    ".zsav": _read_sav,
    ".dta": _read_dta,
    ".xlsx": _read_excel,
    ".parquet": _read_parquet,
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
    ``NULL``, ``NaN``, ``#N/A``, ...; see :data:`NA_STRINGS`) are missing, in text columns
    too, as ``pandas.read_csv`` reads them. A CSV row (line) number counts every line of the
    file, blank ones included; a data row number counts the rows after the header, blank
    lines excluded, so row 1 is the first row of the returned frame.
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
        if reader not in (_read_sav, _read_dta):
            raise _read_failure(req, err) from None
        raise req.error(
            f"text in the file is not valid {req.encoding} (byte {err.object[err.start]:#04x}); "
            "if it was written by an old version of Stata or SPSS, set its encoding, e.g. "
            "encoding: cp1252", config_key=req.key("encoding")) from None
    except Exception as err:  # noqa: BLE001 - any reader failure is the file's fault
        raise _read_failure(req, err) from None
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
            frame[name] = _as_text(req, name, frame[name])
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        frame = frame.reset_index(drop=True)
    return frame


def _request(path: str | Path, config_key: str | None, encoding: str, value_labels: bool,
             sheet: str | int | None, header_row: int, delimiter: str | None,
             text_columns: Iterable[str]) -> _Request:
    """Check the options and bundle them with the config keys that errors point at."""
    if isinstance(text_columns, str):
        text_columns = (text_columns,)
    req = _Request(path=Path(path), config_key=config_key, encoding=encoding,
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
