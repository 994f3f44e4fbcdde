"""Run a study's data steps in memory, without Snakemake.

The workflow runs the same library functions one rule at a time; :func:`prepare_study`
runs ingest, clean and panel for every wave in one call, for use from Python (notebooks,
tests, checking a config before a long run).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wellby.cleaning import clean_wave
from wellby.errors import DataError
from wellby.ingest import (
    IdentifierWarning,
    ingest_long_file,
    ingest_wave,
    long_file_wave_labels,
)
from wellby.linkage import linkage_table
from wellby.panel import build_panel
from wellby.reading import read_survey_file


@dataclass(frozen=True)
class PreparedStudy:
    """The analysis file and the cleaning tables of a study.

    Attributes
    ----------
    panel : pandas.DataFrame
        The stacked analysis file with treatment timing.
    exclusions, corrections, summary, linkage : pandas.DataFrame
        The tables the workflow writes as ``exclusions.csv``, ``corrections.csv``,
        ``cleaning_summary.csv`` and ``linkage.csv``.
    """

    panel: pd.DataFrame
    exclusions: pd.DataFrame
    corrections: pd.DataFrame
    summary: pd.DataFrame
    linkage: pd.DataFrame


def missing_wave_files(config: Mapping[str, Any], produced: set[str] | None = None) -> list[str]:
    """List problems with wave files that do not exist (and that no rule will produce).

    Parameters
    ----------
    config : mapping
        The validated study config.
    produced : set of str, optional
        Paths that the workflow itself will create (the demo's raw files).

    Returns
    -------
    list of str
        One message per missing file, naming its config key.
    """
    produced = produced or set()
    problems = []
    long_path = config["data"].get("path")
    if long_path and long_path not in produced and not Path(long_path).is_file():
        problems.append(f"data.path: the file {long_path} does not exist "
                        f"(working directory {Path.cwd()})")
    for index, entry in enumerate(config["data"].get("waves", [])):
        path = entry["path"]
        if path not in produced and not Path(path).is_file():
            problems.append(f"data.waves[{index}].path: the file {path} does not exist "
                            f"(wave {entry['wave']}; working directory {Path.cwd()})")
    return problems


def _ingested_waves(config: Mapping[str, Any], base_dir: Path):
    """Yield (wave, IngestedWave, source path, config key, recode) for every wave."""
    columns, data = config["columns"], config["data"]
    with warnings.catch_warnings():
        warnings.simplefilter("default", IdentifierWarning)
        if "path" in data:
            path = base_dir / data["path"]
            frame = read_survey_file(path, config_key="data.path", encoding=data["encoding"],
                                     value_labels=data["value_labels"])
            waves = ingest_long_file(frame, wave_column=columns["wave"], rename=data["rename"],
                                     identifiers=data["identifiers"], source=str(path))
            for wave, ingested in waves.items():
                yield wave, ingested, str(path), "data", None
            return
        for index, entry in enumerate(data["waves"]):
            key = f"data.waves[{index}]"
            path = base_dir / entry["path"]
            frame = read_survey_file(path, config_key=f"{key}.path",
                                     encoding=entry.get("encoding", "utf-8"),
                                     value_labels=entry.get("value_labels", False))
            ingested = ingest_wave(frame, wave=int(entry["wave"]), wave_column=columns["wave"],
                                   rename=entry.get("rename", {}),
                                   identifiers=data["identifiers"], source=str(path),
                                   config_key=key)
            yield int(entry["wave"]), ingested, str(path), key, entry.get("recode")


def long_file_waves(config: Mapping[str, Any]) -> list[int]:
    """Return the wave labels present in a long-file study (``data.path``), ascending."""
    data = config["data"]
    frame = read_survey_file(data["path"], config_key="data.path", encoding=data["encoding"],
                             value_labels=data["value_labels"])
    labels = long_file_wave_labels(frame, wave_column=config["columns"]["wave"],
                                   rename=data["rename"], source=data["path"])
    return sorted(int(w) for w in np.unique(labels))


def prepare_study(config: Mapping[str, Any], base_dir: str | Path = ".") -> PreparedStudy:
    """Ingest, clean and stack every wave of a study, as the workflow does.

    Parameters
    ----------
    config : mapping
        The validated study config (see :func:`wellby.config.validate_config`).
    base_dir : str or Path, default "."
        Directory that relative wave paths are relative to.

    Returns
    -------
    PreparedStudy

    Raises
    ------
    DataError
        On the first problem found, naming the file, column, rows and config key.
    """
    cleaned, exclusions, corrections, summaries = [], [], [], []
    for wave, ingested, path, key, recode in _ingested_waves(config, Path(base_dir)):
        result = clean_wave(ingested.data, config, wave=wave, source=path, config_key=key,
                            recode=recode)
        cleaned.append(result.data)
        exclusions.append(result.exclusions)
        corrections.append(result.corrections)
        summaries.append(result.summary)
    if not any(len(w) for w in cleaned):
        raise DataError("no rows are left after cleaning in any wave",
                        config_key="data.waves")
    panel = build_panel(cleaned, config)
    return PreparedStudy(
        panel=panel,
        exclusions=pd.concat(exclusions, ignore_index=True),
        corrections=pd.concat([c for c in corrections if len(c)] or corrections[:1],
                              ignore_index=True),
        summary=pd.concat(summaries, ignore_index=True),
        linkage=linkage_table(panel, config),
    )
