"""The study config: its schema (package data), loading, validation and typed sections.

The loading names are imported on first use (jsonschema, YAML and the code mapping bring
pandas), so a module that only needs the typed sections (:mod:`wellby.config.typed`) stays
light.
"""

from __future__ import annotations

import importlib
from typing import Any

from wellby.config.typed import Study

_LOADING = ("DEFAULT_SCHEMA", "check_setting", "load_config", "load_yaml", "validate_config",
            "validate_section")

__all__ = ["DEFAULT_SCHEMA", "Study", "check_setting", "load_config", "load_yaml",
           "validate_config", "validate_section"]


def __getattr__(name: str) -> Any:
    """Import a loading name from :mod:`wellby.config.loading` on first use."""
    if name not in _LOADING:
        raise AttributeError(f"module 'wellby.config' has no attribute {name!r}")
    value = getattr(importlib.import_module("wellby.config.loading"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
