"""One read call's options, and the wording of the errors it raises about its file.

A :class:`ReadRequest` bundles the arguments of one call of
:func:`wellby.prepare.read.read_survey_file` with the config keys its errors point at. The
helpers here word those errors: a library's own message is shown only with anything quoted in
it removed (:func:`sanitise`), so that no message quotes a cell of a (personal) data file.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

from wellby.errors import DataError
from wellby.prepare.read_sniff import SNIFF_BYTES, describe_bytes

_APOSTROPHE = re.compile(r"(?<=[a-z])'(?=(?:t|s|d|m|re|ve|ll)\b)")


@dataclasses.dataclass(frozen=True)
class ReadRequest:
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


def sanitise(text: str, limit: int = 200) -> str:
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


def exception_text(err: BaseException) -> str:
    """Return ``Type: sanitised message`` for an exception raised by a reader."""
    name = type(err).__name__
    if name in ("ParseError", "XMLSyntaxError"):
        # XML parser messages quote fragments of the (damaged) document.
        return f"{name}: the XML inside the file is damaged"
    text = sanitise(str(err))
    return f"{name}: {text}" if text else name


def read_failure(req: ReadRequest, err: BaseException) -> DataError:
    """Return the DataError for a reader's exception: type, sanitised text and a hint."""
    hint = ""
    try:
        with req.path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        head = b""
    looks = describe_bytes(head) if head else None
    suffix = req.path.suffix.lower()
    if looks and looks[2] and looks[2] != suffix and {looks[2], suffix} != {".sav", ".zsav"}:
        hint = f"; it looks like {looks[0]}: {looks[1]}"
    elif not head:
        hint = "; the file is empty"
    return req.error(
        f"the file could not be read as {req.path.suffix} ({exception_text(err)}): it may be "
        f"damaged or cut short; re-export it{hint}")


def encoding_error(req: ReadRequest, byte: int, position: int,
                   line: int | None = None) -> DataError:
    """Return the DataError for text that is not valid in the file's encoding."""
    where = f"position {position}" + (f", line {line}" if line is not None else "")
    advice = ("if it was saved by Excel or SPSS on Windows, set its encoding, e.g. "
              "encoding: cp1252" if codec_name(req.encoding) == "utf-8"
              else "set the encoding it was saved in (e.g. utf-8, cp1252, latin-1)")
    return req.error(
        f"the file is not valid {req.encoding} text (byte {byte:#04x} at {where}); {advice}",
        config_key=req.key("encoding"))


def codec_name(encoding: str) -> str:
    """Return the codec's standard name (``"UTF8"`` -> ``"utf-8"``); unknown names as given."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding
