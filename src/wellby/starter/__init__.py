"""Guess a starter study config from a study's wave files (the library half of ``wellby init``).

An evaluator often starts from an agency's export: one file per wave (CSV, SPSS, Stata,
Excel or Parquet) whose column names change from wave to wave. :func:`starter_config` reads
each file, guesses which of its columns hold the canonical variables (person and area ids,
programme timing, the ONS4 items, SWEMWBS, WEMWBS and GHQ-12 items, gender, qualification,
age, weight, the member flag) and which are direct identifiers, and builds a study config
from the guesses; :func:`starter_yaml` writes it as a commented YAML file that says what was
guessed, what must be checked and what could not be mapped.

The package has one module per concern:

* :mod:`wellby.starter.names`: the guessing tables (:data:`NAME_RULES`,
  :data:`SCALE_PREFIXES`, :data:`SCALE_BY_ITEM_COUNT`, :data:`GENDER_CODES`,
  :data:`MISSING_CODE_GUESSES`, ...) and the matching of column names to them
  (:func:`normalise_name`); how columns are recognised is told there.
* :mod:`wellby.starter.files`: one wave file read, and what it tells (the per-file guess).
* :mod:`wellby.starter.study`: across the files: wave labels, design, the config assembled
  (:class:`StarterConfig`, :func:`starter_config`).
* :mod:`wellby.starter.text`: the config written as commented YAML (:func:`starter_yaml`).

Direct identifiers are found by :func:`wellby.prepare.identifiers.detect_identifier_columns` (by
name or by values) and listed under ``data.identifiers``; they are never renamed. Neither
the notes nor the YAML ever quote a value read from a file: only column names, counts and
codes from the tables above. A file whose header row itself looks like data (an e-mail
address, a postcode or a phone number as a column name) has none of its names written.

What is guessed is marked for checking, and what could not be guessed is written with the
canonical name as a placeholder and a ``# TODO`` comment, so the starter always validates
(:func:`wellby.config.validate_config`) and the data gate (``wellby check``) names what is
still missing.
"""

from wellby.starter.names import (
    GENDER_CODES,
    MISSING_CODE_GUESSES,
    NAME_RULES,
    SCALE_BY_ITEM_COUNT,
    SCALE_PREFIXES,
    NameRule,
    normalise_name,
)
from wellby.starter.study import StarterConfig, starter_config
from wellby.starter.text import starter_yaml

__all__ = [
    "GENDER_CODES",
    "MISSING_CODE_GUESSES",
    "NAME_RULES",
    "SCALE_BY_ITEM_COUNT",
    "SCALE_PREFIXES",
    "NameRule",
    "StarterConfig",
    "normalise_name",
    "starter_config",
    "starter_yaml",
]
