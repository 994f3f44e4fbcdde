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

from wellby.prepare.areas import read_area_file
from wellby.prepare.checks import gather_checks
from wellby.prepare.clean import clean_wave
from wellby.prepare.ingest import (
    IdentifierWarning,
    IngestedWave,
    ingest_long_file,
    ingest_wave,
    long_file_wave_labels,
)
from wellby.prepare.linkage import linkage_table
from wellby.prepare.panel import assemble_panel
from wellby.prepare.pseudonyms import load_or_create_key
from wellby.prepare.read import read_survey_file
from wellby.prepare.variables import column_roles


@dataclass(frozen=True)
class PreparedStudy:
    """The analysis file and the cleaning tables of a study.

    Attributes
    ----------
    panel : pandas.DataFrame
        The stacked analysis file with treatment timing.
    exclusions, corrections, summary, linkage, checks : pandas.DataFrame
        The tables the workflow writes as ``exclusions.csv``, ``corrections.csv``,
        ``cleaning_summary.csv``, ``linkage.csv`` and ``data_checks.csv``.
    """

    panel: pd.DataFrame
    exclusions: pd.DataFrame
    corrections: pd.DataFrame
    summary: pd.DataFrame
    linkage: pd.DataFrame
    checks: pd.DataFrame


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


def wave_options(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return what ingest and clean need to know about each wave file of a ``waves:`` study.

    Returns
    -------
    list of dict
        Per wave: ``wave``, ``path``, ``config_key`` and the wave's ``rename``, ``recode``,
        ``encoding``, ``value_labels``, ``sheet``, ``header_row``, ``delimiter``,
        ``id_transform``.
    """
    out = []
    for index, entry in enumerate(config["data"].get("waves", [])):
        out.append({
            "wave": int(entry["wave"]), "path": entry["path"],
            "config_key": f"data.waves[{index}]", "rename": entry.get("rename", {}),
            "recode": entry.get("recode", {}), "encoding": entry.get("encoding", "utf-8"),
            "value_labels": entry.get("value_labels", False), "sheet": entry.get("sheet"),
            "header_row": entry.get("header_row", 1), "delimiter": entry.get("delimiter"),
            "id_transform": entry.get("id_transform"),
        })
    return out


def long_file_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Return the reading options of a long-file study (``data.path``)."""
    data = config["data"]
    return {"path": data["path"], "config_key": "data", "rename": data.get("rename", {}),
            "recode": {}, "encoding": data.get("encoding", "utf-8"),
            "value_labels": data.get("value_labels", False), "sheet": data.get("sheet"),
            "header_row": data.get("header_row", 1), "delimiter": data.get("delimiter"),
            "id_transform": None}


def _text_columns(config: Mapping[str, Any], rename: Mapping[str, str]) -> tuple[str, ...]:
    """Source names of the columns read as text: the person id and the area id."""
    canonical = [config["columns"].get("id"), config["columns"]["area"]]
    inverse = {target: source for source, target in rename.items()}
    return tuple(inverse.get(c, c) for c in canonical if c)


def read_wave_file(path: str | Path, options: Mapping[str, Any],
                   config: Mapping[str, Any]) -> pd.DataFrame:
    """Read one wave's (or the long file's) source file with its reading options."""
    return read_survey_file(path, config_key=f"{options['config_key']}.path",
                            encoding=options["encoding"], value_labels=options["value_labels"],
                            sheet=options["sheet"], header_row=options["header_row"],
                            delimiter=options["delimiter"],
                            text_columns=_text_columns(config, options["rename"]))


def ingest_options(config: Mapping[str, Any], options: Mapping[str, Any],
                   key_path: str | Path | None = None) -> dict[str, Any]:
    """Keyword arguments of :func:`wellby.prepare.ingest.ingest_wave` for one wave of a study.

    Parameters
    ----------
    config : mapping
        The validated study config.
    options : mapping
        The wave's options (:func:`wave_options` or :func:`long_file_options`).
    key_path : str or Path, optional
        The pseudonym key file (default ``data.pseudonym_key``, relative to the working
        directory).

    Returns
    -------
    dict
    """
    columns = config["columns"]
    key = load_or_create_key(key_path or config["data"]["pseudonym_key"]) \
        if columns.get("id") else None
    return {"wave_column": columns["wave"], "rename": options["rename"],
            "identifiers": config["data"]["identifiers"],
            "roles": column_roles(config, options["recode"]), "id_column": columns.get("id"),
            "area_column": columns["area"], "id_transform": options["id_transform"],
            "pseudonym_key": key}


def ingest_wave_file(path: str | Path, options: Mapping[str, Any], config: Mapping[str, Any],
                     key_path: str | Path | None = None) -> IngestedWave:
    """Read one wave's file and ingest it (what the workflow's ingest rule does).

    Parameters
    ----------
    path : str or Path
        The wave's file.
    options : mapping
        The wave's options (:func:`wave_options`).
    config : mapping
        The validated study config.
    key_path : str or Path, optional
        The pseudonym key file (default ``data.pseudonym_key``).

    Returns
    -------
    IngestedWave
    """
    frame = read_wave_file(path, options, config)
    return ingest_wave(frame, wave=options["wave"], source=str(path),
                       config_key=options["config_key"],
                       **ingest_options(config, options, key_path))


def ingest_long_file_at(path: str | Path, config: Mapping[str, Any],
                        key_path: str | Path | None = None) -> dict[int, IngestedWave]:
    """Read a long-file study's file and split it into ingested waves, by wave label."""
    options = long_file_options(config)
    frame = read_wave_file(path, options, config)
    kwargs = ingest_options(config, options, key_path)
    kwargs.pop("id_transform")  # per-wave transforms need a file per wave
    return ingest_long_file(frame, source=str(path), **kwargs)


def _ingested_waves(config: Mapping[str, Any], base_dir: Path):
    """Yield (wave, IngestedWave, source path, config key, recode) for every wave."""
    data = config["data"]
    key_path = base_dir / data["pseudonym_key"]
    with warnings.catch_warnings():
        warnings.simplefilter("default", IdentifierWarning)
        if "path" in data:
            path = base_dir / data["path"]
            for wave, ingested in ingest_long_file_at(path, config, key_path).items():
                yield wave, ingested, str(path), "data", None
            return
        for options in wave_options(config):
            path = base_dir / options["path"]
            yield (options["wave"], ingest_wave_file(path, options, config, key_path),
                   str(path), options["config_key"], options["recode"])


def long_file_waves(config: Mapping[str, Any]) -> list[int]:
    """Return the wave labels present in a long-file study (``data.path``), ascending."""
    options = long_file_options(config)
    frame = read_wave_file(options["path"], options, config)
    labels = long_file_wave_labels(frame, wave_column=config["columns"]["wave"],
                                   rename=options["rename"], source=options["path"])
    return sorted(int(w) for w in np.unique(labels))


def read_areas(config: Mapping[str, Any], base_dir: str | Path = ".") -> pd.DataFrame | None:
    """Read the study's area file (``data.areas``), or None when it has none."""
    settings = config["data"].get("areas")
    if not settings:
        return None
    settings = {**settings, "path": str(Path(base_dir) / settings["path"])}
    return read_area_file(settings, area=config["columns"]["area"],
                          cohort=config["columns"]["cohort"])


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
    cleaned, exclusions, corrections, summaries, checks = [], [], [], [], []
    for wave, ingested, path, key, recode in _ingested_waves(config, Path(base_dir)):
        result = clean_wave(ingested.data, config, wave=wave, source=path, config_key=key,
                            recode=recode)
        cleaned.append(result.data)
        exclusions.append(result.exclusions)
        corrections.append(result.corrections)
        summaries.append(result.summary)
        checks += [ingested.checks, result.checks]
    assembled = assemble_panel(cleaned, config, read_areas(config, base_dir))
    panel = assembled.data
    return PreparedStudy(
        panel=panel,
        checks=gather_checks([*checks, assembled.checks]),
        exclusions=pd.concat(exclusions, ignore_index=True),
        corrections=pd.concat([c for c in corrections if len(c)] or corrections[:1],
                              ignore_index=True),
        summary=pd.concat(summaries, ignore_index=True),
        linkage=linkage_table(panel, config),
    )
