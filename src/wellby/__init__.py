"""wellby: evaluate community programmes from resident wellbeing surveys.

The public API, for use from Python without Snakemake::

    import wellby

    config = wellby.load_config("study.yaml")          # validated, defaults filled
    study = wellby.prepare_study(config)                # read, ingest, clean, stack
    effects = wellby.estimate_outcome(study.panel, "life_satisfaction",
                                      columns=config["columns"], design=config["design"],
                                      models=config["models"])
    wellby.run_study("study.yaml", cores=4)             # the whole workflow, own folder

The estimators (``fit_twfe``, ``fit_event_study``, ``fit_callaway_santanna``,
``fit_mixed_cohort``, ``wild_cluster_bootstrap``) take data frames and column names, not a
config; the valuation functions (``cba_inputs``, ``cost_benefit``, ``monte_carlo``,
``one_way_sensitivity``, ``breakeven_effect``) take the ``cba`` section; ``honest_did``
(robust sets when parallel trends fail), ``variance_components``,
``minimum_detectable_effect`` and ``planning_table`` (power) take arrays or a data frame.
Names are loaded
on first use, so ``import wellby`` stays light (the Snakefile imports it at parse time).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "load_config": "wellby.config",
    "validate_config": "wellby.config",
    "prepare_study": "wellby.prepare.study",
    "estimate_outcome": "wellby.analysis.effects",
    "estimate_subgroups": "wellby.analysis.subgroups",
    "fit_twfe": "wellby.estimators.twfe",
    "fit_event_study": "wellby.estimators.event_study",
    "fit_callaway_santanna": "wellby.estimators.callaway_santanna",
    "fit_mixed_cohort": "wellby.estimators.mixed",
    "wild_cluster_bootstrap": "wellby.estimators.wild_bootstrap",
    "honest_did": "wellby.estimators.honest_did",
    "variance_components": "wellby.analysis.variance_components",
    "minimum_detectable_effect": "wellby.analysis.power",
    "planning_table": "wellby.analysis.power",
    "cba_inputs": "wellby.valuation.inputs",
    "cost_benefit": "wellby.valuation.appraisal",
    "monte_carlo": "wellby.valuation.uncertainty",
    "one_way_sensitivity": "wellby.valuation.uncertainty",
    "breakeven_effect": "wellby.valuation.appraisal",
    "run_study": "wellby.run",
    "WellbyError": "wellby.errors",
    "ConfigError": "wellby.errors",
    "DataError": "wellby.errors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _API:
        raise AttributeError(f"module 'wellby' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
