"""The study config: its schema (package data), loading, validation and typed sections."""

from wellby.config.loading import (
    DEFAULT_SCHEMA,
    load_config,
    load_yaml,
    validate_config,
)
from wellby.config.typed import Study

__all__ = ["DEFAULT_SCHEMA", "Study", "load_config", "load_yaml", "validate_config"]
