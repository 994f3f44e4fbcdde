"""The study config: its schema (package data), loading, validation and typed sections."""

from wellby.config.loading import (
    DEFAULT_SCHEMA,
    check_setting,
    load_config,
    load_yaml,
    validate_config,
    validate_section,
)
from wellby.config.typed import Study

__all__ = ["DEFAULT_SCHEMA", "Study", "check_setting", "load_config", "load_yaml",
           "validate_config", "validate_section"]
