# Helpers shared by every step: config validation at start, and input functions.

import sys
from pathlib import Path

from snakemake.utils import min_version

from wellby.config import load_yaml, validate_config
from wellby.demo import demo_area_spec, demo_wave_spec
from wellby.errors import ConfigError, WellbyError
from wellby.input_checksums import hash_each_input_once
from wellby.steps import (
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
from wellby.prepare.study import long_file_options, missing_wave_files, wave_options

min_version("9.0")
# Each input's checksum once a run, not once per output of every job that reads it.
hash_each_input_once()

try:
    for _path in workflow.configfiles:
        load_yaml(_path)  # refuses a key given twice, which Snakemake's own loader keeps silently
    _validated = validate_config(config)  # against the schema packaged with wellby
except ConfigError as err:
    sys.stderr.write(f"\nwellby: {err}\n\n")
    raise SystemExit(1)
config.clear()
config.update(_validated)

_demo_files = (
    {f"{config['demo']['out_dir']}/{spec['filename']}" for spec in demo_wave_spec()}
    | {f"{config['demo']['out_dir']}/{demo_area_spec()['filename']}"}
    if "demo" in config
    else set()
)
_missing_files = missing_wave_files(config, produced=_demo_files)
if _missing_files:
    sys.stderr.write("\nwellby: the study config is invalid:\n  " + "\n  ".join(_missing_files)
                     + "\n\n")
    raise SystemExit(1)

LONG_FILE = "path" in config["data"]
# A long file's waves are known once the file has been split (checkpoint ingest_long_file):
# nothing is read while the workflow is parsed, not even for `snakemake -n`.
FILE_WAVES = [] if LONG_FILE else [int(entry["wave"]) for entry in config["data"]["waves"]]
LONG_FILE_SPLIT = "results/interim/ingest/long_file"
OUTCOMES = list(config["outcomes"])
EVENT_FIGURE = bool({"event_study", "callaway_santanna"} & set(config["models"]["estimators"]))
SENSITIVITY_FIGURE = EVENT_FIGURE and config["models"]["sensitivity"]["enabled"]
"""Whether the estimate step draws the robust sets when parallel trends fail."""
"""Whether the estimate step draws the effects over time (either estimator's event times)."""


wildcard_constraints:
    wave=r"\d+",
    outcome="|".join(OUTCOMES),


# What each step reads, as plain data (Snakemake compares only builtin-typed params when it
# decides what to rerun): a wave's steps see no other wave's file entry, no data step sees
# the estimators' options, and estimation does not see the subgroups' own settings, so a
# change reruns only the steps it changes. Each script builds the typed slice it passes on.
WAVE_STUDY = wave_step_study(config)
PANEL_STUDY = panel_step_study(config)
DESCRIBE_STUDY = describe_step_study(config)
COMPARE_STUDY = compare_step_study(config)
COMPARISON = config["comparison"]["method"] != "none"
"""Whether comparison areas are matched or reweighted (rule compare)."""
ESTIMATE_STUDY = estimate_step_study(config)
SUBGROUPS_STUDY = subgroups_step_study(config)
VALUE_STUDY = value_step_study(config) if "cba" in config else None
DISTRIBUTION = config["cba"]["distribution"] if "cba" in config else {}
GAPS = bool(DISTRIBUTION.get("gaps"))
"""Whether gaps between subgroup levels are tested (rule gaps)."""
QUINTILE_WEIGHTS = DISTRIBUTION.get("quintiles") is not None
"""Whether the value step weights the quintiles' benefits (distribution.csv)."""
GAPS_STUDY = gaps_step_study(config) if GAPS else None
POWER_STUDY = power_step_study(config)
POWER = config["power"]["enabled"]


GATHERED_TABLES = {
    "did": "Effects",
    "event_study": "Effects",
    "group_time": "Effects",
    "pretrend_power": "Power",
    "sensitivity": "Effects",
    "subgroups": "Who gained",
}
"""Per-outcome tables gathered into one (rule gather_table), with their report category."""


def wave_entry(wave):
    """The data.waves entry of one wave and its config key."""
    for index, entry in enumerate(config["data"]["waves"]):
        if int(entry["wave"]) == int(wave):
            return index, entry
    raise ValueError(f"wave {wave} is not in data.waves")


def study_waves():
    """The study's wave labels: data.waves', or the long file's once it has been split."""
    if not LONG_FILE:
        return FILE_WAVES
    folder = Path(checkpoints.ingest_long_file.get().output.folder)
    return sorted(int(path.stem.removeprefix("wave_")) for path in folder.glob("wave_*.parquet"))


def per_wave(pattern):
    """An input function: ``pattern`` expanded over the study's waves."""
    return lambda wildcards: expand(pattern, wave=study_waves())


def ingest_folder():
    """Where ingest wrote the waves: its folder, or the long file's split once it has run."""
    if LONG_FILE:
        return checkpoints.ingest_long_file.get().output.folder
    return "results/interim/ingest"


def ingested_wave(wildcards):
    """One wave's ingested file."""
    return f"{ingest_folder()}/wave_{wildcards.wave}.parquet"


def per_wave_ingest_checks():
    """An input function: every wave's ingest checks, wherever ingest wrote them."""
    def paths(wildcards):
        return [f"{ingest_folder()}/wave_{wave}_checks.csv" for wave in study_waves()]

    return paths


def wave_source(wildcards):
    """The raw file of one wave."""
    return wave_entry(wildcards.wave)[1]["path"]


def wave_params(wildcards):
    """What ingest and clean need to know about one wave."""
    if LONG_FILE:
        return {**long_file_options(config), "wave": int(wildcards.wave)}
    for options in wave_options(config):
        if options["wave"] == int(wildcards.wave):
            return options
    raise ValueError(f"wave {wildcards.wave} is not in data.waves")


def distribution_outputs():
    """The value step's table of distributionally weighted benefits, when quintiles are set."""
    return {"distribution_table": "results/tables/distribution.csv"} if QUINTILE_WEIGHTS else {}


def comparison_weights(wildcards=None):
    """The compare step's area weights, as a named input, when comparison.method is set."""
    return {"weights": "results/interim/comparison_weights.parquet"} if COMPARISON else {}


def area_file():
    """The area file (data.areas), if the study has one."""
    areas = config["data"].get("areas")
    return [areas["path"]] if areas else []


def raw_sources():
    """Every raw input file of the study."""
    if LONG_FILE:
        return [config["data"]["path"]]
    return [entry["path"] for entry in config["data"]["waves"]]


def all_targets():
    """Everything a full run produces."""
    targets = [
        "results/tables/data_checks.csv",
        "results/tables/cleaning_summary.csv",
        "results/tables/exclusions.csv",
        "results/tables/linkage.csv",
        "results/tables/descriptives.csv",
        "results/tables/reliability.csv",
        "results/tables/did.csv",
        "results/tables/event_study.csv",
        "results/tables/group_time.csv",
        "results/tables/pretrend_power.csv",
        "results/tables/sensitivity.csv",
        "results/tables/subgroups.csv",
        "results/tables.xlsx",
        "results/report.html",
        "results/provenance.json",
    ]
    if "cba" in config:
        targets.append("results/tables/cba.csv")
    if COMPARISON:
        targets.append("results/tables/balance.csv")
    if GAPS:
        targets.append("results/tables/gaps.csv")
    if POWER:
        targets += ["results/tables/power.csv", "results/tables/power_planning.csv"]
    targets += list(report_figures().values())
    return targets


def report_figures():
    """Figures the report embeds, by name."""
    figures = {f"trends_{o}": f"results/figures/trends_{o}.png" for o in OUTCOMES}
    if EVENT_FIGURE:
        figures.update(
            {f"event_study_{o}": f"results/figures/event_study_{o}.png" for o in OUTCOMES}
        )
    if SENSITIVITY_FIGURE:
        figures.update(
            {f"sensitivity_{o}": f"results/figures/sensitivity_{o}.png" for o in OUTCOMES}
        )
    figures.update({f"subgroups_{o}": f"results/figures/subgroups_{o}.png" for o in OUTCOMES})
    if COMPARISON:
        figures["balance"] = "results/figures/balance.png"
    if "cba" in config:
        figures["cba_tornado"] = "results/figures/cba_tornado.png"
        figures["cba_montecarlo"] = "results/figures/cba_montecarlo.png"
        figures["cba_robust"] = "results/figures/cba_robust.png"
    return figures


def report_tables():
    """Tables the report gathers, by sheet name."""
    tables = {
        "data_checks": "results/tables/data_checks.csv",
        "cleaning_summary": "results/tables/cleaning_summary.csv",
        "exclusions": "results/tables/exclusions.csv",
        "corrections": "results/tables/corrections.csv",
        "linkage": "results/tables/linkage.csv",
        "descriptives": "results/tables/descriptives.csv",
        "reliability": "results/tables/reliability.csv",
        "did": "results/tables/did.csv",
        "event_study": "results/tables/event_study.csv",
        "group_time": "results/tables/group_time.csv",
        "pretrend_power": "results/tables/pretrend_power.csv",
        "sensitivity": "results/tables/sensitivity.csv",
        "subgroups": "results/tables/subgroups.csv",
    }
    if COMPARISON:
        tables["balance"] = "results/tables/balance.csv"
    if "cba" in config:
        for name in ("cba", "cba_montecarlo", "cba_sensitivity", "cba_schedule",
                     "cba_subgroups", "cba_robust"):
            tables[name] = f"results/tables/{name}.csv"
        if QUINTILE_WEIGHTS:
            tables["distribution"] = "results/tables/distribution.csv"
        if GAPS:
            tables["gaps"] = "results/tables/gaps.csv"
    if POWER:
        tables["power"] = "results/tables/power.csv"
        tables["power_planning"] = "results/tables/power_planning.csv"
    return tables


def estimate_outputs():
    """Per-outcome outputs (the event-study figure only when an estimator draws it)."""
    outputs = {
        "did": "results/interim/estimates/{outcome}/did.csv",
        "event_study": "results/interim/estimates/{outcome}/event_study.csv",
        "group_time": "results/interim/estimates/{outcome}/group_time.csv",
        "pretrend_power": "results/interim/estimates/{outcome}/pretrend_power.csv",
        "sensitivity": "results/interim/estimates/{outcome}/sensitivity.csv",
    }
    if EVENT_FIGURE:
        outputs["figure"] = report(
            "results/figures/event_study_{outcome}.png",
            caption="../report/event_study_figure.rst",
            category="Effects",
        )
        outputs["figure_svg"] = "results/figures/event_study_{outcome}.svg"
    if SENSITIVITY_FIGURE:
        outputs["sensitivity_figure"] = report(
            "results/figures/sensitivity_{outcome}.png",
            caption="../report/sensitivity_figure.rst",
            category="Effects",
        )
        outputs["sensitivity_svg"] = "results/figures/sensitivity_{outcome}.svg"
    return outputs
