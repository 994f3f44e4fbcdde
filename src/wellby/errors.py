"""Errors that a user can act on.

Every error raised for bad input or bad configuration is a :class:`WellbyError`: its
message names what to fix (the file, the column, the rows, the config key), so the
workflow scripts print the message alone, with no traceback.
"""

from __future__ import annotations

from collections.abc import Sequence


class WellbyError(Exception):
    """An error in the study's input or configuration that the user must fix."""


class ConfigError(WellbyError):
    """The study configuration is invalid."""


class DataError(WellbyError):
    """A data file does not meet the study configuration."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Sequence[int] | None = None,
        config_key: str | None = None,
    ) -> None:
        self.file = file
        self.column = column
        self.rows = list(rows) if rows is not None else None
        self.config_key = config_key
        super().__init__(self._compose(message))

    def _compose(self, message: str) -> str:
        parts = [message]
        if self.file:
            parts.append(f"file: {self.file}")
        if self.column:
            parts.append(f"column: {self.column}")
        if self.rows:
            parts.append(f"rows: {format_rows(self.rows)}")
        if self.config_key:
            parts.append(f"config key to fix: {self.config_key}")
        return "\n  ".join(parts)


def format_rows(rows: Sequence, limit: int = 10) -> str:
    """Return a short, human-readable list of 1-based row numbers."""
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" (and {len(rows) - limit} more)" if len(rows) > limit else "")
