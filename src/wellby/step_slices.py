"""What each step of the workflow reads: the slices of the study config its rule passes.

The rules hand each step its slice as plain data (dicts and lists): Snakemake decides what
to rerun by comparing the ``repr`` of each rule parameter, and it compares only parameters
of builtin types, so a typed section would never rerun anything. Each slice holds only
what its step reads, so a change reruns only the steps it changes
(``tests/test_step_params.py`` and ``tests/test_workflow.py`` check both).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wellby.config.typed import Study

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
        ``outcomes``, ``subgroups``, ``derived``, ``data`` and ``models``.
    """
    config = _plain(config)
    study = {key: config[key] for key in ("columns", "design", "scales", "outcomes",
                                          "subgroups", "derived")}
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


def _sections(config: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {name: config[name] for name in names}


def describe_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return what the describe step reads.

    The columns, outcomes and scales, the smallest published cell and the intervals'
    significance level. ``config`` is as for :func:`wave_step_study`.
    """
    config = _plain(config)
    return {**_sections(config, "columns", "outcomes", "scales"),
            "report": {"min_cell": config["report"]["min_cell"]},
            "models": {"alpha": config["models"]["alpha"]}}


def estimate_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return what the estimate step reads: every ``models`` setting but the subgroups' own.

    Changing the subgroups' p-value adjustment or thresholds reruns the subgroups step
    only. ``config`` is as for :func:`wave_step_study`.
    """
    config = _plain(config)
    models = {key: value for key, value in config["models"].items() if key != "subgroups"}
    return {**_sections(config, "columns", "design", "scales"), "models": models,
            "comparison": {"method": config["comparison"]["method"]}}


def compare_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return what the compare step reads. ``config`` is as for :func:`wave_step_study`."""
    config = _plain(config)
    return _sections(config, "columns", "comparison")


def subgroups_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return what the subgroups step reads. ``config`` is as for :func:`wave_step_study`."""
    config = _plain(config)
    return {**_sections(config, "columns", "design", "models", "subgroups", "scales"),
            "report": {"min_cell": config["report"]["min_cell"]},
            "comparison": {"method": config["comparison"]["method"]}}


def value_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return what the value step reads. ``config`` is as for :func:`wave_step_study`."""
    config = _plain(config)
    return {**_sections(config, "cba", "columns", "design", "subgroups"),
            "report": {"min_cell": config["report"]["min_cell"]},
            "models": {key: config["models"][key] for key in ("alpha", "estimators")}}


def gaps_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return what the gaps step reads. ``config`` is as for :func:`wave_step_study`."""
    config = _plain(config)
    models = {key: value for key, value in config["models"].items() if key != "subgroups"}
    return {**_sections(config, "columns", "design", "outcomes", "subgroups"),
            "models": models, "comparison": {"method": config["comparison"]["method"]},
            "cba": {"distribution": {"gaps": config["cba"]["distribution"]["gaps"]}}}


def power_step_study(config: Study | Mapping[str, Any]) -> dict[str, Any]:
    """Return what the power step reads. ``config`` is as for :func:`wave_step_study`."""
    config = _plain(config)
    return {**_sections(config, "columns", "design", "outcomes", "power"),
            "cba": config.get("cba"),
            "models": {key: config["models"][key] for key in ("alpha", "estimators")}}
