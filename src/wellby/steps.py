"""One function per step of the workflow: typed inputs and paths in, files out.

The Snakemake rules' scripts call these and nothing else (each script is one call), and
:func:`wellby.prepare.study.prepare_study`
uses the same library functions, so the workflow and the library cannot drift apart.

Every step takes the typed :class:`~wellby.config.typed.Study`, or the slice of it the
step reads (a section the slice leaves out is None and is not read by that step). The rules
hand each step its slice as plain data (``*_step_study``, :mod:`wellby.step_slices`) and
the rule's script builds the typed slice with
:meth:`Study.coerce <wellby.config.typed.Section.coerce>`.
Plain data, because Snakemake decides what to rerun by comparing the ``repr`` of each rule
parameter, and it compares only parameters of builtin types: a dataclass parameter is
skipped, so a change to a typed section would never rerun anything
(``tests/test_workflow.py`` checks that each slice is builtin data all the way down).
Each slice holds only what its step reads, so a change reruns only the steps it changes.

The Snakefile imports this module while it parses the workflow, and every job's script
imports it again, so each step imports its libraries (pandas, estimators, plotting) when it
runs: a job that stacks a few CSV tables pays for Python's start and nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wellby.step_slices import (  # noqa: F401 - the rules import the slices from here
    WAVE_STEP_MODELS,
    compare_step_study,
    describe_step_study,
    estimate_step_study,
    gaps_step_study,
    panel_step_study,
    power_step_study,
    subgroups_step_study,
    value_step_study,
    wave_step_study,
)

if TYPE_CHECKING:
    import pandas as pd

    from wellby.config.typed import Demo, Study


def _write_checks(table: pd.DataFrame, path: str | Path) -> None:
    table.to_csv(path, index=False)


def ingest_step(source: str, *, options: Mapping[str, Any], study: Study,
                output: str, checks_output: str) -> None:
    """Read one wave's file, ingest it and write the interim Parquet and its checks.

    Parameters
    ----------
    source : str
        The wave's raw file.
    options : mapping
        The wave's options (:func:`wellby.prepare.study.wave_options`).
    study : Study
        The study, or its per-wave slice (:func:`wave_step_study`: the ``data``,
        ``columns``, ``design``, ``scales``, ``outcomes``, ``subgroups`` sections and
        ``models.covariates`` and ``models.estimators``).
    output, checks_output : str
        Paths of the ingested wave (Parquet) and of its data checks (CSV).
    """
    from wellby.prepare.study import ingest_wave_file

    ingested = ingest_wave_file(source, options, study)
    ingested.data.to_parquet(output, index=False)
    _write_checks(ingested.checks, checks_output)


def ingest_long_file_step(source: str, *, study: Study,
                          folder: str) -> None:
    """Split one long file into ingested waves, each written to ``folder``.

    Each wave ``w`` found in the file gets ``wave_<w>.parquet`` and ``wave_<w>_checks.csv``;
    the workflow learns the waves from these files (its checkpoint), so it never reads the
    long file while it is parsed. ``study`` is as for :func:`ingest_step`.
    """
    from wellby.prepare.study import ingest_long_file_at

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for wave, ingested in ingest_long_file_at(source, study).items():
        ingested.data.to_parquet(out / f"wave_{wave}.parquet", index=False)
        _write_checks(ingested.checks, out / f"wave_{wave}_checks.csv")


def clean_step(ingested: str, *, options: Mapping[str, Any], study: Study,
               outputs: Mapping[str, str]) -> None:
    """Clean one ingested wave and write it with its exclusions, corrections, summary, checks.

    Parameters
    ----------
    ingested : str
        The ingested wave (Parquet).
    options : mapping
        The wave's options.
    study : Study
        The study, or its per-wave slice (see :func:`ingest_step`).
    outputs : mapping
        Paths under the keys ``data``, ``exclusions``, ``corrections``, ``summary`` and
        ``checks``.
    """
    import pandas as pd

    from wellby.prepare.clean import clean_wave

    result = clean_wave(pd.read_parquet(ingested), study, wave=options["wave"],
                        source=options["path"], config_key=options["config_key"],
                        recode=options["recode"])
    result.data.to_parquet(outputs["data"], index=False)
    result.exclusions.to_csv(outputs["exclusions"], index=False)
    result.corrections.to_csv(outputs["corrections"], index=False)
    result.summary.to_csv(outputs["summary"], index=False)
    _write_checks(result.checks, outputs["checks"])


def panel_step(cleaned: Sequence[str], *, study: Study,
               outputs: Mapping[str, str]) -> None:
    """Stack the cleaned waves into the analysis file; write it, the linkage table, checks.

    Parameters
    ----------
    cleaned : sequence of str
        The cleaned waves (Parquet).
    study : Study
        The study, or the panel step's slice (:func:`panel_step_study`: the per-wave
        slice with ``data.waves``).
    outputs : mapping
        Paths under the keys ``panel``, ``linkage`` and ``checks``.
    """
    from wellby.background_write import parquet_written_meanwhile
    from wellby.prepare.linkage import linkage_table
    from wellby.prepare.panel import analysis_rows, panel_checks, panel_rows
    from wellby.prepare.stacked_waves import read_stacked_waves
    from wellby.prepare.study import read_areas

    stacked = read_stacked_waves(cleaned, study.columns.wave)
    rows = panel_rows([stacked], study, read_areas(study))
    del stacked
    analysis_file = analysis_rows(rows)
    # The checks only read the rows: they run while a second thread writes the file,
    # which is kept only if they pass (the rule has two threads for this).
    with parquet_written_meanwhile(analysis_file, outputs["panel"]):
        checks = panel_checks(rows, study)
        linkage = linkage_table(analysis_file, study)
    linkage.to_csv(outputs["linkage"], index=False)
    _write_checks(checks, outputs["checks"])


def data_checks_step(inputs: Sequence[str], output: str) -> None:
    """Gather every step's data checks into ``data_checks.csv`` (warnings first)."""
    import pandas as pd

    from wellby.prepare.checks import gather_checks

    tables = [pd.read_csv(path) for path in inputs]
    gather_checks(tables).to_csv(output, index=False)


def cleaning_tables_step(*, exclusions: Sequence[str], corrections: Sequence[str],
                         summaries: Sequence[str], outputs: Mapping[str, str]) -> None:
    """Gather the per-wave cleaning tables into the study's three tables.

    Parameters
    ----------
    exclusions, corrections, summaries : sequence of str
        Every wave's exclusions, corrections and cleaning summary (CSV), in wave order.
    outputs : mapping
        Paths under the keys ``exclusions``, ``corrections`` and ``summary``.
    """
    from wellby.analysis.tables import stack_csv_files

    stack_csv_files(exclusions, outputs["exclusions"])
    stack_csv_files(corrections, outputs["corrections"])
    stack_csv_files(summaries, outputs["summary"])


def gather_step(inputs: Sequence[str], output: str) -> None:
    """Stack per-outcome tables (CSV, the same columns) into one study table ``output``."""
    from wellby.analysis.tables import stack_csv_files

    stack_csv_files(inputs, output)


# ------------------------------------------------------------------------------ analysis


def describe_step(panel: str, *, study: Study, outputs: Mapping[str, str],
                  figures: Sequence[str]) -> None:
    """Describe the outcomes by wave and group, and each scale's reliability by wave.

    Parameters
    ----------
    panel : str
        The analysis file (Parquet); its residents are described.
    study : Study
        The study, or the describe step's slice (:func:`describe_step_study`).
    outputs : mapping
        Paths (CSV) under the keys ``means`` and ``reliability``.
    figures : sequence of str
        Path of each outcome's trends figure (PNG), in the order of ``study.outcomes``.
    """
    from wellby.analysis.describe import (
        outcome_label,
        outcome_labels,
        outcome_means,
        trends_plot,
    )
    from wellby.analysis.reliability import cronbach_alpha_by_wave
    from wellby.prepare.analysis_file import read_analysis_file
    from wellby.prepare.panel import analysis_columns, coded_identifiers
    from wellby.report.figures import save_figure

    columns, min_cell = study.columns, study.report.min_cell
    items = {name: scale.items for name, scale in study.scales.items()}
    needed = analysis_columns(columns, *study.outcomes,
                              *(item for names in items.values() for item in names))
    # Only the columns described and the residents' rows, filtered as the file is read;
    # ids as integer codes.
    data = coded_identifiers(read_analysis_file(panel, needed, columns, residents_only=True),
                             columns)
    person = columns.id
    means = outcome_means(data, study.outcomes, wave=columns.wave, min_cell=min_cell,
                          person=person if person in data.columns else None,
                          cluster=columns.area, alpha=study.models.alpha)
    means.to_csv(outputs["means"], index=False)
    reliability = cronbach_alpha_by_wave(data, items, columns.wave, min_cell=min_cell)
    reliability.to_csv(outputs["reliability"], index=False)
    labels = outcome_labels(study)
    for outcome, path in zip(study.outcomes, figures, strict=True):
        figure = trends_plot(means, outcome, outcome_label(outcome, labels),
                             alpha=study.models.alpha)
        save_figure(figure, path)


def _weighted(data: pd.DataFrame, study: Study, weights: str | None, *,
              residents_only: bool = False) -> tuple[pd.DataFrame, Any, str]:
    """Apply the compare step's area weights, if any; return the rows, columns and note.

    ``residents_only`` also leaves out a followed cohort's rows (:func:`residents`), in
    the same copy of the rows as the areas weighted 0.
    """
    import pandas as pd

    from wellby.analysis.area_weights import apply_area_weights, comparison_note
    from wellby.prepare.panel import resident_rows, residents

    method = study.comparison.method if study.comparison is not None else "none"
    if weights is None or method == "none":
        data = residents(data, study.columns) if residents_only else data
        return data, study.columns, comparison_note("none", None)
    table = pd.read_parquet(weights)
    rows = resident_rows(data, study.columns) if residents_only else None
    data, columns = apply_area_weights(data, table, study.columns, rows=rows)
    return data, columns, comparison_note(method, table)


def compare_step(panel: str, *, study: Study, outputs: Mapping[str, str]) -> None:
    """Match or reweight the comparison areas; write the weights, balance table and love plot.

    Parameters
    ----------
    panel : str
        The analysis file (Parquet); its residents' areas are compared.
    study : Study
        The study, or the compare step's slice (:func:`compare_step_study`).
    outputs : mapping
        Paths under ``weights`` (Parquet: area, treated, weight, matched), ``balance``
        (CSV) and ``figure`` (PNG: the love plot).
    """
    from wellby.analysis.area_weights import choose_comparison
    from wellby.prepare.analysis_file import read_analysis_file
    from wellby.prepare.panel import analysis_columns
    from wellby.report.balance_figures import love_plot
    from wellby.report.figures import save_figure

    settings = study.comparison
    needed = analysis_columns(study.columns, *settings.attributes,
                              *settings.baseline_outcomes)
    data = read_analysis_file(panel, needed, study.columns, residents_only=True)
    result = choose_comparison(data, settings, study.columns)
    result.weights.to_parquet(outputs["weights"], index=False)
    balance = result.balance.copy()
    balance.insert(0, "method", settings.method)
    balance.to_csv(outputs["balance"], index=False)
    save_figure(love_plot(result.balance), outputs["figure"])


def estimate_step(panel: str, *, outcome: str, study: Study,
                  outputs: Mapping[str, str], weights: str | None = None) -> None:
    """Estimate the programme's effect on one outcome with every configured estimator.

    Parameters
    ----------
    panel : str
        The analysis file (Parquet); only the columns the estimate needs are read.
    outcome : str
        The outcome.
    study : Study
        The study, or the estimate step's slice (:func:`estimate_step_study`).
    outputs : mapping
        Paths (CSV) under the keys ``did``, ``event_study``, ``group_time``,
        ``pretrend_power`` (the power of the event study's pre-trend tests against linear
        violations, Roth 2022) and ``sensitivity`` (robust sets under violations of parallel
        trends, Rambachan and Roth 2023), and, when an estimator draws the effects over time, of the
        figure (PNG) under ``figure``.
    weights : str, optional
        The compare step's area weights (Parquet), when ``comparison.method`` is set.
    """
    import pandas as pd

    from wellby.analysis.describe import outcome_label, outcome_labels
    from wellby.analysis.effects import estimate_outcome
    from wellby.analysis.pretrend_power import pretrend_power
    from wellby.analysis.trend_sensitivity import trend_sensitivity
    from wellby.prepare.analysis_file import read_analysis_file
    from wellby.prepare.panel import analysis_columns, coded_identifiers
    from wellby.report.effect_figures import event_study_figure, sensitivity_figure
    from wellby.report.figures import save_figure

    columns, models = study.columns, study.models
    needed = analysis_columns(columns, outcome, covariates=models.covariates)
    data, columns, comparison = _weighted(read_analysis_file(panel, needed, columns), study,
                                          weights)
    data = coded_identifiers(data, columns)
    estimates = estimate_outcome(data, outcome, columns=columns, design=study.design,
                                 models=models)
    estimates.did["comparison"] = comparison
    estimates.did.to_csv(outputs["did"], index=False)
    estimates.event_study.to_csv(outputs["event_study"], index=False)
    estimates.group_time.to_csv(outputs["group_time"], index=False)
    pretrend_power(estimates.event_study_result).to_csv(outputs["pretrend_power"], index=False)
    sensitivity = pd.concat(
        [trend_sensitivity(estimates.event_study_result, outcome, models.sensitivity,
                           models.alpha, "event_study"),
         trend_sensitivity(estimates.callaway_santanna_result, outcome, models.sensitivity,
                           models.alpha, "callaway_santanna")], ignore_index=True)
    sensitivity.to_csv(outputs["sensitivity"], index=False)
    if "sensitivity_figure" in outputs:
        label = outcome_label(outcome, outcome_labels(study))
        save_figure(sensitivity_figure(sensitivity, label), outputs["sensitivity_figure"])
    if "figure" in outputs:
        label = outcome_label(outcome, outcome_labels(study))
        save_figure(event_study_figure(estimates.event_study, label, models.alpha),
                    outputs["figure"])


def subgroups_step(panel: str, did: str, *, outcome: str, study: Study,
                   outputs: Mapping[str, str], weights: str | None = None) -> None:
    """Estimate the effect on one outcome by subgroup; write the table and its forest plot.

    Parameters
    ----------
    panel : str
        The analysis file (Parquet); its residents are analysed.
    did : str
        The outcome's effects (CSV, :func:`estimate_step`): the forest plot marks the
        overall TWFE estimate.
    outcome : str
        The outcome.
    study : Study
        The study, or the subgroups step's slice (:func:`subgroups_step_study`).
    outputs : mapping
        Paths of the table (CSV) under ``table`` and of the forest plot (PNG) under
        ``figure``.
    weights : str, optional
        The compare step's area weights (Parquet), when ``comparison.method`` is set.
    """
    import pandas as pd

    from wellby.allocator import keep_freed_memory
    from wellby.analysis.cohort_subgroups import estimate_cohort_subgroups
    from wellby.analysis.describe import outcome_label, outcome_labels
    from wellby.analysis.subgroups import estimate_subgroups, forest_plot
    from wellby.prepare.analysis_file import read_analysis_file
    from wellby.prepare.panel import (
        analysis_columns,
        coded_identifiers,
        cohort_members,
    )
    from wellby.report.figures import save_figure

    keep_freed_memory()  # dozens of fits on arrays of the same sizes (wellby.allocator)
    columns, models = study.columns, study.models
    needed = analysis_columns(columns, outcome, *study.subgroups,
                              covariates=models.covariates)
    raw = read_analysis_file(panel, needed, columns)
    data, columns, _ = _weighted(raw, study, weights, residents_only=True)
    data = coded_identifiers(data, columns)
    table = estimate_subgroups(data, outcome, subgroups=study.subgroups, columns=columns,
                               design=study.design, models=models,
                               min_cell=study.report.min_cell)
    if "mixed_cohort" in models.estimators:
        cohort = estimate_cohort_subgroups(cohort_members(raw, study.columns), outcome,
                                           subgroups=study.subgroups, columns=study.columns,
                                           models=models, min_cell=study.report.min_cell)
        table = pd.concat([t for t in (table, cohort) if len(t)] or [table],
                          ignore_index=True)
    table.to_csv(outputs["table"], index=False)
    effects = pd.read_csv(did)
    overall = effects.loc[(effects["estimator"] == "twfe") & (effects["term"] == "att"),
                          "estimate"]
    figure = forest_plot(table, outcome, float(overall.iloc[0]) if len(overall) else None,
                         alpha=models.alpha, label=outcome_label(outcome, outcome_labels(study)))
    save_figure(figure, outputs["figure"])


def power_step(panel: str, *, study: Study, outputs: Mapping[str, str],
               weights: str | None = None) -> None:
    """Write each outcome's minimum detectable effect and the valued outcome's planning.

    Parameters
    ----------
    panel : str
        The analysis file (Parquet); only the columns the power needs are read.
    study : Study
        The study, or the power step's slice (:func:`power_step_study`).
    outputs : mapping
        Paths (CSV) under the keys ``power`` and ``planning``.
    weights : str, optional
        The compare step's area weights (Parquet): the power is then that of the areas
        the estimators use (weight above 0), each counted once (the formula has no
        weights).
    """
    import pandas as pd

    from wellby.analysis.study_power import study_power
    from wellby.prepare.analysis_file import read_analysis_file
    from wellby.prepare.panel import analysis_columns, coded_identifiers
    from wellby.valuation.appraisal import breakeven_effect
    from wellby.valuation.inputs import cba_inputs

    data = read_analysis_file(panel, analysis_columns(study.columns, *study.outcomes),
                              study.columns)
    if weights is not None:
        table = pd.read_parquet(weights)
        used = set(table.loc[table["weight"] > 0, "area"].astype(str))
        areas = data[study.columns.area]
        # (the analysis file's areas are text: a text copy of every row's is not needed)
        areas = areas if pd.api.types.is_string_dtype(areas) else areas.astype(str)
        data = data[areas.isin(used).to_numpy()]
    data = coded_identifiers(data, study.columns)  # the components group rows by them
    breakeven = (breakeven_effect(cba_inputs(study.cba), scale="estimate")
                 if study.cba is not None else None)
    power, planning = study_power(data, study, breakeven)
    power.to_csv(outputs["power"], index=False)
    planning.to_csv(outputs["planning"], index=False)


# ------------------------------------------------------------------------ value, report


def value_step(inputs: Mapping[str, str], *, study: Study,
               outputs: Mapping[str, str]) -> None:
    """Value the effect in WELLBYs: scenarios, uncertainty, benefit schedule, who gains.

    Parameters
    ----------
    inputs : mapping
        Paths under the keys ``did`` (the effects, CSV), ``subgroups`` (the subgroup
        effects, CSV) and ``panel`` (the analysis file, Parquet).
    study : Study
        The study, or the value step's slice (:func:`value_step_study`); its ``cba`` was
        validated when the run started, with the appraisal's own rules, and is not again.
    outputs : mapping
        Paths of the tables (CSV) under ``cba``, ``schedule``, ``montecarlo``,
        ``sensitivity`` and ``subgroups`` (and ``distribution_table``, the benefits
        weighted by income quintile, when ``cba.distribution.quintiles`` is set), and of
        the figures (PNG) under ``tornado`` and ``distribution``.
    """
    import pandas as pd

    from wellby.analysis.subgroups import population_shares, value_published_levels
    from wellby.analysis.trend_sensitivity import robust_value_for_money
    from wellby.prepare.analysis_file import read_analysis_file
    from wellby.prepare.panel import analysis_columns, coded_identifiers, residents, start_waves
    from wellby.report.effect_figures import robust_bcr_plot
    from wellby.report.figures import save_figure
    from wellby.valuation.appraisal import benefit_schedule, cost_benefit, headline_effect
    from wellby.valuation.inputs import cba_inputs, valued_estimator
    from wellby.valuation.uncertainty import (
        monte_carlo,
        montecarlo_plot,
        one_way_sensitivity,
        tornado_plot,
    )

    columns = study.columns
    # Only the columns the start waves and the population shares read (the whole analysis
    # file was 6.5 GB in this step at 10M rows), ids as integer codes.
    needed = analysis_columns(columns, *study.subgroups)
    panel = coded_identifiers(residents(read_analysis_file(inputs["panel"], needed, columns),
                                        columns), columns)
    settings = cba_inputs(study.cba)
    valued = valued_estimator(settings.estimator, study.models.estimators,
                              len(start_waves(panel, columns)))
    settings = replace(settings, estimator=valued)
    estimate, std_error = headline_effect(pd.read_csv(inputs["did"]), settings.outcome,
                                          settings.estimator)
    cost_benefit(settings, estimate).to_csv(outputs["cba"], index=False)
    benefit_schedule(settings, estimate).to_csv(outputs["schedule"], index=False)
    simulation = monte_carlo(settings, estimate, std_error)
    simulation.summary().to_csv(outputs["montecarlo"], index=False)
    if "trend_sensitivity" in inputs:
        robust = robust_value_for_money(pd.read_csv(inputs["trend_sensitivity"]),
                                        pd.read_csv(outputs["cba"]), settings.outcome, estimate,
                                        settings.estimator)
        robust.to_csv(outputs["robust"], index=False)
        save_figure(robust_bcr_plot(robust), outputs["robust_figure"])
    sensitivity = one_way_sensitivity(settings, estimate, std_error, alpha=study.models.alpha)
    sensitivity.to_csv(outputs["sensitivity"], index=False)
    save_figure(tornado_plot(sensitivity, settings.price_year), outputs["tornado"])
    save_figure(montecarlo_plot(simulation), outputs["distribution"])

    shares = population_shares(panel, study.subgroups, columns=columns, design=study.design)
    table = value_published_levels(settings, pd.read_csv(inputs["subgroups"]), shares,
                                   min_cell=study.report.min_cell, alpha=study.models.alpha)
    table.to_csv(outputs["subgroups"], index=False)
    if "distribution_table" in outputs:
        _distribution_table(table, study, settings).to_csv(outputs["distribution_table"],
                                                           index=False)


def _distribution_table(values: pd.DataFrame, study: Study, settings: Any) -> pd.DataFrame:
    """Weight the quintiles' benefits with the Green Book distributional weights."""
    import pandas as pd

    from wellby.valuation.appraisal import present_value_kernel
    from wellby.valuation.distributional_weights import configured_weights, weighted_value

    distribution = study.cba.distribution
    levels = list(study.subgroups[distribution.quintiles].levels)
    weights = configured_weights(distribution, levels)
    quintile_rows = values["subgroup"] == distribution.quintiles
    unplaced = values[quintile_rows & ~values["level"].isin(levels)]
    table = weighted_value(values[~quintile_rows | values["level"].isin(levels)],
                           distribution.quintiles, weights,
                           costs_pv=present_value_kernel(settings)[1])
    if len(unplaced):
        share = pd.to_numeric(unplaced["share"], errors="coerce").sum()
        note = (f"residents with no quintile ({', '.join(map(str, unplaced['level']))}: "
                f"{share:.0%} of residents) carry no weight and are left out")
        total = table["level"] == "total"
        table.loc[total, "note"] = "; ".join(
            n for n in (str(table.loc[total, "note"].iloc[0] or ""), note) if n and n != "nan")
    return table


def gaps_step(panel: str, *, study: Study, output: str, weights: str | None = None) -> None:
    """Estimate whether the programme widened or narrowed each configured gap; write gaps.csv.

    Parameters
    ----------
    panel : str
        The analysis file (Parquet); its residents are analysed.
    study : Study
        The study, or the gaps step's slice (:func:`gaps_step_study`).
    output : str
        Path of the table (CSV).
    weights : str, optional
        The compare step's area weights (Parquet), when ``comparison.method`` is set.
    """
    from wellby.analysis.gaps import gap_table
    from wellby.prepare.analysis_file import read_analysis_file
    from wellby.prepare.panel import analysis_columns, coded_identifiers

    columns, models = study.columns, study.models
    pairs = study.cba.distribution.gaps
    names = list(dict.fromkeys(pair.subgroup for pair in pairs))
    needed = analysis_columns(columns, *study.outcomes, *names, covariates=models.covariates)
    data, columns, _ = _weighted(read_analysis_file(panel, needed, columns), study, weights,
                                 residents_only=True)
    data = coded_identifiers(data, columns)
    table = gap_table(data, study.outcomes, gaps=pairs,
                      subgroups={name: study.subgroups[name] for name in names},
                      columns=columns, design=study.design, models=models)
    table.to_csv(output, index=False)


def workbook_step(tables: Mapping[str, str], *, study: Study, output: str) -> None:
    """Write the workbook: every table as published, one sheet each, and the live case.

    Parameters
    ----------
    tables : mapping of str to str
        Each table (CSV) by its sheet name, in the workbook's order.
    study : Study
        The whole study: counts of fewer than ``report.min_cell`` persons are withheld;
        ``cba`` gives the live cost-benefit sheets.
    output : str
        The workbook's path (xlsx).
    """
    import pandas as pd

    from wellby.report.workbook import write_tables_workbook

    frames = {name: pd.read_csv(path) for name, path in tables.items()}
    write_tables_workbook(frames, output, min_cell=study.report.min_cell, cba=study.cba)


def report_step(tables: Mapping[str, str], figures: Mapping[str, str], *,
                sources: Sequence[str], study: Study, outputs: Mapping[str, str]) -> None:
    """Write the provenance record and the self-contained HTML report.

    The workbook, from the same tables, is :func:`workbook_step` (its own rule, so the two
    are written side by side).

    Parameters
    ----------
    tables : mapping of str to str
        Each table (CSV) by its sheet name, in the workbook's order.
    figures : mapping of str to str
        Each figure (PNG) the report embeds, by name.
    sources : sequence of str
        The study's raw input files (their checksums go into the provenance).
    study : Study
        The whole study (its hash goes into the provenance); counts of fewer than
        ``report.min_cell`` persons are suppressed.
    outputs : mapping
        Paths under the keys ``provenance`` (JSON) and ``html``.
    """
    import pandas as pd

    from wellby.report.html import render_report
    from wellby.report.provenance import build_provenance

    frames = {name: pd.read_csv(path) for name, path in tables.items()}
    provenance = build_provenance(study, sources)
    with open(outputs["provenance"], "w", encoding="utf-8") as handle:
        json.dump(provenance, handle, indent=2)
    html = render_report(frames, figures, study, provenance, min_cell=study.report.min_cell)
    with open(outputs["html"], "w", encoding="utf-8") as handle:
        handle.write(html)


def demo_step(settings: Demo) -> None:
    """Write the embedded demo study's raw wave files and its truth.

    Parameters
    ----------
    settings : Demo
        The ``demo`` section: ``out_dir`` (the folder written) and the keyword arguments
        of :func:`wellby.demo.write_demo_study`.
    """
    from wellby.demo import write_demo_study

    options = settings.as_dict()
    out_dir = Path(options.pop("out_dir"))
    write_demo_study(out_dir, **options)
