"""One function per data step of the workflow: typed inputs and paths in, files out.

The Snakemake rules' scripts call these and nothing else, and
:func:`wellby.prepare.study.prepare_study`
uses the same library functions, so the workflow and the library cannot drift apart.

The rules pass each step the slice of the validated config it reads, as plain data
(:func:`wave_step_study`, :func:`panel_step_study`): Snakemake compares rule parameters by
their ``repr`` to decide what to rerun. Each step coerces its slice to the typed
:class:`~wellby.config.typed.Study` (a section the slice leaves out reads as None and is not
read by that step).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from wellby.config.typed import Study
from wellby.prepare.checks import gather_checks
from wellby.prepare.clean import clean_wave
from wellby.prepare.linkage import linkage_table
from wellby.prepare.panel import assemble_panel
from wellby.prepare.study import ingest_long_file_at, ingest_wave_file, read_areas

WAVE_STEP_MODELS = ("covariates", "estimators")
"""The only ``models`` settings a per-wave step reads: what a wave keeps and checks."""


def _plain(config: Study | Mapping[str, Any]) -> Mapping[str, Any]:
    """Return the config as plain data: a validated mapping as it is, a Study as its dict."""
    return config.as_dict() if isinstance(config, Study) else config


def wave_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return the part of a validated config that the per-wave steps (ingest, clean) read.

    Every section the data steps use, less the ``data.waves`` file entries (each wave gets
    its own as its options, :func:`wellby.prepare.study.wave_options`) and less the estimation
    settings in ``models`` other than :data:`WAVE_STEP_MODELS`. Snakemake reruns a rule
    when its parameters change, so correcting one wave's ``recode`` reruns that wave's
    steps alone, and changing an estimator's option reruns no wave.

    Parameters
    ----------
    config : Study or mapping
        The study config: typed, or as :func:`wellby.config.validate_config` returns it
        (every default filled in).

    Returns
    -------
    dict
        Plain data (a rule parameter), with the keys ``columns``, ``design``, ``scales``,
        ``outcomes``, ``subgroups``, ``data`` and ``models``.
    """
    config = _plain(config)
    study = {key: config[key] for key in ("columns", "design", "scales", "outcomes",
                                          "subgroups")}
    study["data"] = {key: value for key, value in config["data"].items() if key != "waves"}
    study["models"] = {key: config["models"][key] for key in WAVE_STEP_MODELS}
    return study


def panel_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return the part of a validated config that the panel step reads.

    What the per-wave steps read (:func:`wave_step_study`) and every wave's file entry (the
    panel names each wave's file in its messages). ``config`` is as for
    :func:`wave_step_study`.
    """
    config = _plain(config)
    study = wave_step_study(config)
    study["data"] = dict(config["data"])
    return study


def estimate_models(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return the ``models`` settings the estimate step reads, as plain data.

    All but the subgroups' own (their p-value adjustment and thresholds), so changing those
    reruns the subgroups step only. ``config`` is as for :func:`wave_step_study`.
    """
    return {key: value for key, value in _plain(config)["models"].items()
            if key != "subgroups"}


def _write_checks(table: pd.DataFrame, path: str | Path) -> None:
    table.to_csv(path, index=False)


def ingest_step(source: str, *, options: Mapping[str, Any], study: Study | Mapping[str, Any],
                output: str, checks_output: str) -> None:
    """Read one wave's file, ingest it and write the interim Parquet and its checks.

    Parameters
    ----------
    source : str
        The wave's raw file.
    options : mapping
        The wave's options (:func:`wellby.prepare.study.wave_options`).
    study : Study or mapping
        The study config, typed or validated, or its per-wave slice
        (:func:`wave_step_study`: the ``data``, ``columns``, ``design``, ``scales``,
        ``outcomes``, ``subgroups`` sections and ``models.covariates`` and
        ``models.estimators``).
    output, checks_output : str
        Paths of the ingested wave (Parquet) and of its data checks (CSV).
    """
    ingested = ingest_wave_file(source, options, Study.coerce(study))
    ingested.data.to_parquet(output, index=False)
    _write_checks(ingested.checks, checks_output)


def ingest_long_file_step(source: str, *, study: Study | Mapping[str, Any],
                          folder: str) -> None:
    """Split one long file into ingested waves, each written to ``folder``.

    Each wave ``w`` found in the file gets ``wave_<w>.parquet`` and ``wave_<w>_checks.csv``;
    the workflow learns the waves from these files (its checkpoint), so it never reads the
    long file while it is parsed. ``study`` is as for :func:`ingest_step`.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for wave, ingested in ingest_long_file_at(source, Study.coerce(study)).items():
        ingested.data.to_parquet(out / f"wave_{wave}.parquet", index=False)
        _write_checks(ingested.checks, out / f"wave_{wave}_checks.csv")


def clean_step(ingested: str, *, options: Mapping[str, Any], study: Study | Mapping[str, Any],
               outputs: Mapping[str, str]) -> None:
    """Clean one ingested wave and write it with its exclusions, corrections, summary, checks.

    Parameters
    ----------
    ingested : str
        The ingested wave (Parquet).
    options : mapping
        The wave's options.
    study : Study or mapping
        The study config or its per-wave slice (see :func:`ingest_step`).
    outputs : mapping
        Paths under the keys ``data``, ``exclusions``, ``corrections``, ``summary`` and
        ``checks``.
    """
    result = clean_wave(pd.read_parquet(ingested), Study.coerce(study), wave=options["wave"],
                        source=options["path"], config_key=options["config_key"],
                        recode=options["recode"])
    result.data.to_parquet(outputs["data"], index=False)
    result.exclusions.to_csv(outputs["exclusions"], index=False)
    result.corrections.to_csv(outputs["corrections"], index=False)
    result.summary.to_csv(outputs["summary"], index=False)
    _write_checks(result.checks, outputs["checks"])


def panel_step(cleaned: Sequence[str], *, study: Study | Mapping[str, Any],
               outputs: Mapping[str, str]) -> None:
    """Stack the cleaned waves into the analysis file; write it, the linkage table, checks.

    Parameters
    ----------
    cleaned : sequence of str
        The cleaned waves (Parquet).
    study : Study or mapping
        The study config, typed or validated, or the panel step's slice
        (:func:`panel_step_study`: the per-wave slice with ``data.waves``).
    outputs : mapping
        Paths under the keys ``panel``, ``linkage`` and ``checks``.
    """
    study = Study.coerce(study)
    waves = [pd.read_parquet(path) for path in cleaned]
    assembled = assemble_panel(waves, study, read_areas(study))
    linkage = linkage_table(assembled.data, study)
    assembled.data.to_parquet(outputs["panel"], index=False)
    linkage.to_csv(outputs["linkage"], index=False)
    _write_checks(assembled.checks, outputs["checks"])


def data_checks_step(inputs: Sequence[str], output: str) -> None:
    """Gather every step's data checks into ``data_checks.csv`` (warnings first)."""
    tables = [pd.read_csv(path) for path in inputs]
    gather_checks(tables).to_csv(output, index=False)
