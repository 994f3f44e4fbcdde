"""The study config: its schema (package data), loading and validation."""

from wellby.config.loading import (
    DEFAULT_SCHEMA,
    load_config,
    load_yaml,
    validate_config,
)

__all__ = ["DEFAULT_SCHEMA", "load_config", "load_yaml", "validate_config"]
