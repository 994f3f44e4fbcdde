"""The starter config written as text: commented YAML, and names quoted as YAML writes them.

This module's one concern is writing: :func:`starter_yaml` turns a
:class:`~wellby.starter.study.StarterConfig` into the commented study file, and
:func:`show_name` and :func:`show_names` quote column names and paths (only where YAML
needs it) for the notes. Every scalar written parses back exactly with ``yaml.safe_load``.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from wellby.starter.study import StarterConfig

__all__ = ["show_name", "show_names", "starter_yaml"]

_WIDTH = 100
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_.\-/ ]*")


def show_name(name: Any) -> str:
    """Return a column name or path as written in YAML (quoted only when it must be)."""
    return _scalar(str(name))


def show_names(names: Sequence[str]) -> str:
    """Return column names as written in YAML (:func:`show_name`), joined by commas."""
    return ", ".join(show_name(name) for name in names)


# --- YAML ---------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Return ``text`` as a YAML double-quoted scalar (single line, parses back exactly)."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F or (char.isprintable() and code > 0x9F
                                     and char not in "\u2028\u2029\ufeff"):
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _scalar(value: Any) -> str:
    """Return a YAML scalar that ``yaml.safe_load`` reads back as ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else _escape(str(value))
    if value is None:
        return "null"
    text = str(value)
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and "  " not in text:
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:
            pass
    return _escape(text)


def _comment(text: str | None) -> str:
    return f"  # {' '.join(text.split())}" if text else ""


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, Mapping | list)


def _emit(lines: list[str], key: str, value: Any, indent: int, path: str,
          comments: Mapping[str, str], blocks: Mapping[str, list[str]]) -> None:
    pad = " " * indent
    comment = _comment(comments.get(path))
    head = f"{pad}{_scalar(key)}:"
    if isinstance(value, Mapping):
        if not value:
            lines.append(f"{head} {{}}{comment}")
            return
        lines.append(head + comment)
        for sub_key, sub_value in value.items():
            _emit(lines, sub_key, sub_value, indent + 2, f"{path}.{sub_key}", comments, blocks)
    elif isinstance(value, list) and all(_is_scalar(v) for v in value):
        flow = f"{head} [{', '.join(_scalar(v) for v in value)}]"
        if len(flow) <= _WIDTH or not value:
            lines.append(flow + comment)
        else:
            lines.append(head + comment)
            lines.extend(f"{pad}  - {_scalar(v)}" for v in value)
    elif isinstance(value, list):
        lines.append(head + comment)
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            item_lines: list[str] = []
            for sub_key, sub_value in item.items():
                _emit(item_lines, sub_key, sub_value, indent + 4, f"{item_path}.{sub_key}",
                      comments, blocks)
            item_lines[0] = f"{pad}  - " + item_lines[0][indent + 4:]
            lines.extend(item_lines)
            lines.extend(f"{pad}    # {' '.join(b.split())}" for b in blocks.get(item_path, []))
    else:
        lines.append(f"{head} {_scalar(value)}{comment}")


def starter_yaml(starter: StarterConfig) -> str:
    """Write a starter config as commented YAML.

    Parameters
    ----------
    starter : StarterConfig
        As returned by :func:`~wellby.starter.study.starter_config`.

    Returns
    -------
    str
        The study file's text: a header saying it is a starter to review, with the notes;
        then the config, with a comment beside each guessed key (``# check: ...``) or
        placeholder (``# TODO: ...``) and, under each wave, its direct identifiers and the
        columns not used (``# not used: a, b: add them to rename to use them``).
        ``yaml.safe_load`` of the text equals ``starter.config``. Column names are quoted
        where YAML needs it; no value from the data appears.
    """
    config = starter.config
    waves = config.get("data", {}).get("waves", [])
    blocks: dict[str, list[str]] = {}
    for index, wave in enumerate(waves):
        path = str(wave.get("path"))
        lines = []
        identifiers = starter.identifiers.get(path, ())
        if identifiers:
            lines.append(f"direct identifiers (see data.identifiers): {show_names(identifiers)}")
        unused = starter.unmapped.get(path, ())
        if unused:
            lines.append(f"not used: {show_names(unused)}: add them to rename to use them")
        blocks[f"data.waves[{index}]"] = lines
    n_files = len(waves)
    header = [
        f"Starter study config written by `wellby init` from {n_files} wave "
        f"file{'s' if n_files != 1 else ''}.",
        "This is a STARTER TO REVIEW, not a finished study: every rename is a guess from a "
        "column name. Check each line marked 'check', replace each 'TODO', read the notes, "
        "then run `wellby check` on this file. Optional sections (models, cba, report) are "
        "not written: see the README, 'Run your own study'.",
    ]
    lines = []
    for paragraph in header:
        lines += ["# " + line for line in textwrap.wrap(paragraph, _WIDTH - 2)]
    if starter.notes:
        lines += ["#", "# Notes:"]
        for note in starter.notes:
            wrapped = textwrap.wrap(" ".join(note.split()), _WIDTH - 4,
                                    break_long_words=False, break_on_hyphens=False)
            lines += ["# - " + wrapped[0]] + ["#   " + line for line in wrapped[1:]]
    lines.append("")
    for key, value in config.items():
        _emit(lines, key, value, 0, key, starter.comments, blocks)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
