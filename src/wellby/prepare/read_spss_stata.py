"""Read SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files, with their value labels.

Codes are kept unless the wave asks for its value labels (``data.waves[i].value_labels``).
The row count a file records must match the rows read, and a Stata 13+ file must end with
its closing tag, so that a file cut short is refused.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from wellby.prepare.read_request import ReadRequest, codec_name


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    # pyreadstat returns labelled columns as categoricals; plain text is easier to map.
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    return frame


def _readstat_options(req: ReadRequest) -> dict[str, Any]:
    options: dict[str, Any] = {"apply_value_formats": req.value_labels}
    if codec_name(req.encoding) != "utf-8":
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


def _check_row_count(req: ReadRequest, frame: pd.DataFrame, recorded: Iterable[int | None]) -> None:
    for count in recorded:
        if count is not None and count >= 0 and count != len(frame):
            raise req.error(f"the file records {count} rows but {len(frame)} could be read: it "
                            "may have been cut short or damaged; re-export it")


def read_sav(req: ReadRequest) -> pd.DataFrame:
    """Read an SPSS file completely (the ``.sav`` and ``.zsav`` reader)."""
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(req.path), **_readstat_options(req))
    _check_row_count(req, frame, [_sav_header_cases(req.path), meta.number_rows])
    return _labelled(frame)


def read_dta(req: ReadRequest) -> pd.DataFrame:
    """Read a Stata file completely (the ``.dta`` reader)."""
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
