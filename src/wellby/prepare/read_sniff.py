"""Tell what a file is from its first bytes.

A file given with the wrong extension (a workbook named ``.csv``, a PDF, a compressed or
UTF-16 file) is recognised by its signature, so that errors can say what the file looks like
and what to do about it. This module only describes bytes; the readers decide what to refuse.
"""

from __future__ import annotations

#: How much of a file's start is inspected to tell text from binary data.
SNIFF_BYTES = 8192

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


def describe_bytes(head: bytes) -> tuple[str, str, str] | None:
    """Say what a file looks like from its first bytes: (description, advice, extension)."""
    for signature, description, advice, suffix in _SIGNATURES:
        if head.startswith(signature):
            return description, advice, suffix
    if len(head) >= 4 and 104 <= head[0] <= 119 and head[1] in (1, 2) and head[2] == 1:
        return "a Stata data file", "give it the .dta extension", ".dta"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or looks_like_utf16(head):
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


def looks_like_utf16(head: bytes) -> bool:
    """Whether the bytes look like UTF-16 text without a byte-order mark (ASCII + NULs)."""
    if len(head) < 8:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0) or (
        even.count(0) >= 0.9 * len(even) and odd.count(0) == 0)
