"""Read a CSV file strictly, and say exactly what is wrong with one that fails.

The header row is found (``header_row``) and checked, including for a wrong ``delimiter``;
binary files, text in another encoding, a missing final line break and a quoted field that
is never closed are refused; the data rows are parsed by pyarrow. Only when that strict
parser fails does a slow pass with Python's :mod:`csv` module name the bad rows.

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
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.errors import DataError
from wellby.prepare.read_header import check_unnamed, header_names
from wellby.prepare.read_request import ReadRequest, encoding_error, exception_text
from wellby.prepare.read_sniff import SNIFF_BYTES, describe_bytes, looks_like_utf16
from wellby.prepare.read_text import NA_STRINGS, text_positions

_DELIMITER_NAMES = {",": "commas (',')", ";": "semicolons (';')", "\t": "tabs",
                    "|": "vertical bars ('|')"}

_NEWLINE = re.compile(rb"\r\n|\n|\r")


def read_csv(req: ReadRequest) -> pd.DataFrame:
    """Read a CSV file completely (the ``.csv`` reader of ``read_survey_file``)."""
    size = req.path.stat().st_size
    if size == 0:
        raise req.error("the file could not be read as .csv: it is empty (0 bytes)")
    try:
        codec = codecs.lookup(req.encoding)
    except LookupError:
        raise req.error(f"unknown text encoding {req.encoding!r} (e.g. utf-8, cp1252, latin-1)",
                        config_key=req.key("encoding")) from None
    with req.path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
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


def _transcode(req: ReadRequest, data: bytes) -> bytes:
    """Return a file's text in a non-utf-8 encoding as utf-8 bytes (for pyarrow)."""
    try:
        text = data.decode(req.encoding)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise encoding_error(req, err.object[err.start], err.start, line) from None
    return text.encode("utf-8")


def _parse_csv(req: ReadRequest, raw: mmap.mmap | bytes) -> pd.DataFrame:
    """Parse CSV text held as utf-8 bytes (a memory map of the file, or transcoded)."""
    if raw[-1:] not in (b"\n", b"\r"):
        raise req.error("the file does not end with a line break: it may have been cut short; "
                        "re-export it")
    start = 3 if raw[:3] == codecs.BOM_UTF8 else 0
    cells, data_start, lines_before = _csv_header(req, raw, start)
    names = header_names(req, cells, req.header_row)
    if data_start >= len(raw):
        frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    else:
        quoted = raw.find(b'"', data_start) >= 0
        if quoted and np.count_nonzero(
                np.frombuffer(raw, dtype=np.uint8, offset=data_start) == ord('"')) % 2:
            _refuse_open_quote(req, raw, data_start, lines_before)
        frame = _arrow_csv(req, raw, data_start, names, text_positions(req, names), quoted,
                           lines_before)
    check_unnamed(req, frame, names, cells, req.header_row)
    return frame


def _check_text(req: ReadRequest, head: bytes) -> None:
    """Refuse a binary file (or UTF-16 text read as 8-bit text) given as CSV."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        found = "UTF-32"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or looks_like_utf16(head):
        found = "UTF-16"
    else:
        found = ""
    if found:
        raise req.error(f"the file is {found} text, not {req.encoding}; set its encoding: "
                        f"{found.lower()}", config_key=req.key("encoding"))
    looks = describe_bytes(head)
    if b"\x00" in head or (looks is not None and looks[2] not in (".csv", "")):
        description, advice, _suffix = looks or ("binary data", "check that it is the right file",
                                                 "")
        raise req.error(f"the file is not a text file, so it cannot be read as .csv: it looks "
                        f"like {description}; {advice}")


def _csv_header(req: ReadRequest, raw: mmap.mmap | bytes,
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
        raise encoding_error(req, record[err.start], position,
                             blob.count(b"\n", 0, position) + 1) from None
    if not header_text.strip():
        raise req.error(f"row {req.header_row} of the file is empty, so it cannot be the header "
                        "row; set header_row to the row that holds the column names",
                        config_key=req.key("header_row"))
    try:
        cells = next(csv.reader(io.StringIO(header_text, newline=""), delimiter=req.delimiter))
    except (csv.Error, StopIteration) as err:
        raise req.error(f"the header row (row {req.header_row}) could not be parsed as CSV "
                        f"({exception_text(err)})") from None
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


def _suggest_delimiter(req: ReadRequest, header_text: str) -> None:
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


def _refuse_open_quote(req: ReadRequest, raw: mmap.mmap | bytes, data_start: int,
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


def _arrow_csv(req: ReadRequest, raw: mmap.mmap | bytes, data_start: int, names: Sequence[str],
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


def _diagnose_csv(req: ReadRequest, raw: mmap.mmap | bytes, data_start: int, width: int,
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
        return encoding_error(req, blob[decode_error.start], position, line)
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
            f"parsed as CSV ({exception_text(csv_error)})", rows=[row + 1])
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
