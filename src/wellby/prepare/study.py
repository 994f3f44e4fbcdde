"""Run a study's data steps in memory, without Snakemake.

The workflow runs the same library functions one rule at a time; :func:`prepare_study`
runs ingest, clean and panel for every wave in one call, for use from Python (notebooks,
tests, checking a config before a long run).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.typed import Study
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


def missing_wave_files(config: Study | Mapping[str, Any],
                       produced: set[str] | None = None) -> list[str]:
    """List problems with wave files that do not exist (and that no rule will produce).

    Parameters
    ----------
    config : Study or mapping
        The study config: typed (:class:`wellby.config.typed.Study`), or as
        :func:`wellby.config.validate_config` returns it (every default filled in).
    produced : set of str, optional
        Paths that the workflow itself will create (the demo's raw files).

    Returns
    -------
    list of str
        One message per missing file, naming its config key.
    """
    study = Study.coerce(config)
    produced = produced or set()
    problems = []
    long_path = study.data.path
    if long_path and long_path not in produced and not Path(long_path).is_file():
        problems.append(f"data.path: the file {long_path} does not exist "
                        f"(working directory {Path.cwd()})")
    for index, entry in enumerate(study.data.waves or []):
        path = entry.path
        if path not in produced and not Path(path).is_file():
            problems.append(f"data.waves[{index}].path: the file {path} does not exist "
                            f"(wave {entry.wave}; working directory {Path.cwd()})")
    return problems


def wave_options(config: Study | Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return what ingest and clean need to know about each wave file of a ``waves:`` study.

    Parameters
    ----------
    config : Study or mapping
        The study config, typed or validated (see :func:`missing_wave_files`).

    Returns
    -------
    list of dict
        Per wave: ``wave``, ``path``, ``config_key`` and the wave's ``rename``, ``recode``
        (empty when the wave has none), ``encoding``, ``value_labels``, ``sheet``,
        ``header_row``, ``delimiter``, ``id_transform``, as plain data (the workflow passes
        them as rule parameters).
    """
    out = []
    for index, entry in enumerate(Study.coerce(config).data.waves or []):
        plain = entry.as_dict()
        out.append({
            "wave": int(entry.wave), "path": entry.path,
            "config_key": f"data.waves[{index}]", "rename": plain["rename"],
            "recode": plain.get("recode", {}), "encoding": entry.encoding,
            "value_labels": entry.value_labels, "sheet": entry.sheet,
            "header_row": entry.header_row, "delimiter": entry.delimiter,
            "id_transform": plain.get("id_transform"),
        })
    return out


def long_file_options(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return the reading options of a long-file study (``data.path``), as plain data.

    :func:`wellby.config.validate_config` fills the long file's ``rename``, ``encoding``,
    ``value_labels`` and ``header_row`` when the study leaves them out.
    """
    data = Study.coerce(config).data
    return {"path": data.path, "config_key": "data", "rename": dict(data.rename),
            "recode": {}, "encoding": data.encoding, "value_labels": data.value_labels,
            "sheet": data.sheet, "header_row": data.header_row, "delimiter": data.delimiter,
            "id_transform": None}


def _text_columns(study: Study, rename: Mapping[str, str]) -> tuple[str, ...]:
    """Source names of the columns read as text: the person id and the area id."""
    canonical = [study.columns.id, study.columns.area]
    inverse = {target: source for source, target in rename.items()}
    return tuple(inverse.get(c, c) for c in canonical if c)


def read_wave_file(path: str | Path, options: Mapping[str, Any],
                   config: Study | Mapping[str, Any]) -> pd.DataFrame:
    """Read one wave's (or the long file's) source file with its reading options.

    Parameters
    ----------
    path : str or Path
        The file.
    options : mapping
        The wave's options (:func:`wave_options` or :func:`long_file_options`).
    config : Study or mapping
        The study config, typed or validated (``columns.id`` and ``columns.area`` are read).

    Returns
    -------
    pandas.DataFrame
    """
    return read_survey_file(path, config_key=f"{options['config_key']}.path",
                            encoding=options["encoding"], value_labels=options["value_labels"],
                            sheet=options["sheet"], header_row=options["header_row"],
                            delimiter=options["delimiter"],
                            text_columns=_text_columns(Study.coerce(config),
                                                       options["rename"]))


def ingest_options(config: Study | Mapping[str, Any], options: Mapping[str, Any],
                   key_path: str | Path | None = None) -> dict[str, Any]:
    """Keyword arguments of :func:`wellby.prepare.ingest.ingest_wave` for one wave of a study.

    Parameters
    ----------
    config : Study or mapping
        The study config, typed or validated; a per-wave slice will do
        (:func:`wellby.step_slices.wave_step_study`).
    options : mapping
        The wave's options (:func:`wave_options` or :func:`long_file_options`).
    key_path : str or Path, optional
        The pseudonym key file (default ``data.pseudonym_key``, relative to the working
        directory).

    Returns
    -------
    dict
    """
    study = Study.coerce(config)
    columns = study.columns
    key = load_or_create_key(key_path or study.data.pseudonym_key) if columns.id else None
    return {"wave_column": columns.wave, "rename": options["rename"],
            "identifiers": list(study.data.identifiers),
            "roles": column_roles(study, options["recode"]), "id_column": columns.id,
            "area_column": columns.area, "id_transform": options["id_transform"],
            "pseudonym_key": key}


def ingest_wave_file(path: str | Path, options: Mapping[str, Any],
                     config: Study | Mapping[str, Any],
                     key_path: str | Path | None = None) -> IngestedWave:
    """Read one wave's file and ingest it (what the workflow's ingest rule does).

    Parameters
    ----------
    path : str or Path
        The wave's file.
    options : mapping
        The wave's options (:func:`wave_options`).
    config : Study or mapping
        The study config, typed or validated; a per-wave slice will do
        (:func:`wellby.step_slices.wave_step_study`).
    key_path : str or Path, optional
        The pseudonym key file (default ``data.pseudonym_key``).

    Returns
    -------
    IngestedWave
    """
    study = Study.coerce(config)
    frame = read_wave_file(path, options, study)
    return ingest_wave(frame, wave=options["wave"], source=str(path),
                       config_key=options["config_key"],
                       **ingest_options(study, options, key_path))


def ingest_long_file_at(path: str | Path, config: Study | Mapping[str, Any],
                        key_path: str | Path | None = None) -> dict[int, IngestedWave]:
    """Read a long-file study's file and split it into ingested waves, by wave label.

    Parameters
    ----------
    path : str or Path
        The long file.
    config : Study or mapping
        The study config, typed or validated; a per-wave slice will do
        (:func:`wellby.step_slices.wave_step_study`).
    key_path : str or Path, optional
        The pseudonym key file (default ``data.pseudonym_key``).

    Returns
    -------
    dict of int to IngestedWave
    """
    study = Study.coerce(config)
    options = long_file_options(study)
    frame = read_wave_file(path, options, study)
    kwargs = ingest_options(study, options, key_path)
    kwargs.pop("id_transform")  # per-wave transforms need a file per wave
    return ingest_long_file(frame, source=str(path), **kwargs)


def _ingested_waves(study: Study, base_dir: Path):
    """Yield (wave, IngestedWave, source path, config key, recode) for every wave."""
    data = study.data
    key_path = base_dir / data.pseudonym_key
    with warnings.catch_warnings():
        warnings.simplefilter("default", IdentifierWarning)
        if data.path is not None:
            path = base_dir / data.path
            for wave, ingested in ingest_long_file_at(path, study, key_path).items():
                yield wave, ingested, str(path), "data", None
            return
        for options in wave_options(study):
            path = base_dir / options["path"]
            yield (options["wave"], ingest_wave_file(path, options, study, key_path),
                   str(path), options["config_key"], options["recode"])


def long_file_waves(config: Study | Mapping[str, Any]) -> list[int]:
    """Return the wave labels present in a long-file study (``data.path``), ascending."""
    study = Study.coerce(config)
    options = long_file_options(study)
    frame = read_wave_file(options["path"], options, study)
    labels = long_file_wave_labels(frame, wave_column=study.columns.wave,
                                   rename=options["rename"], source=options["path"])
    return sorted(int(w) for w in np.unique(labels))


def read_areas(config: Study | Mapping[str, Any], base_dir: str | Path = "."
               ) -> pd.DataFrame | None:
    """Read the study's area file (``data.areas``), or None when it has none.

    Parameters
    ----------
    config : Study or mapping
        The study config, typed or validated (``data.areas`` and ``columns`` are read).
    base_dir : str or Path, default "."
        Directory that a relative area file path is relative to.

    Returns
    -------
    pandas.DataFrame or None
    """
    study = Study.coerce(config)
    areas = study.data.areas
    if areas is None:
        return None
    areas = replace(areas, path=str(Path(base_dir) / areas.path))
    return read_area_file(areas, area=study.columns.area, cohort=study.columns.cohort)


def prepare_study(config: Study | Mapping[str, Any], base_dir: str | Path = ".") -> PreparedStudy:
    """Ingest, clean and stack every wave of a study, as the workflow does.

    Parameters
    ----------
    config : Study or mapping
        The study config: typed (:func:`wellby.config.load_config`), or as
        :func:`wellby.config.validate_config` returns it (every default filled in).
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
    study = Study.coerce(config)
    cleaned, exclusions, corrections, summaries, checks = [], [], [], [], []
    for wave, ingested, path, key, recode in _ingested_waves(study, Path(base_dir)):
        result = clean_wave(ingested.data, study, wave=wave, source=path, config_key=key,
                            recode=recode)
        cleaned.append(result.data)
        exclusions.append(result.exclusions)
        corrections.append(result.corrections)
        summaries.append(result.summary)
        checks += [ingested.checks, result.checks]
    assembled = assemble_panel(cleaned, study, read_areas(study, base_dir))
    panel = assembled.data
    return PreparedStudy(
        panel=panel,
        checks=gather_checks([*checks, assembled.checks]),
        exclusions=pd.concat(exclusions, ignore_index=True),
        corrections=pd.concat([c for c in corrections if len(c)] or corrections[:1],
                              ignore_index=True),
        summary=pd.concat(summaries, ignore_index=True),
        linkage=linkage_table(panel, study),
    )
