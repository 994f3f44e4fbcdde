"""The ``wellby`` command: a study from its files to its report without writing Snakemake.

- ``wellby init FILE... [-o study.yaml]`` writes a starter study config from the wave
  files' columns (:mod:`wellby.starter`): renames guessed for known measures, what it could
  not map listed as comments, what to check on standard error.
- ``wellby check study.yaml`` validates the config and runs the data gate (read, ingest,
  clean, panel: every check the workflow makes before estimating) and prints what it
  found; nothing is written.
- ``wellby run study.yaml [--cores N] [--out DIR]`` runs the whole workflow through
  Snakemake's API in the study's own folder (:mod:`wellby.run`) and ends with a summary
  of what it found and where the report is; when a step fails, the last lines name it,
  its log and where the previous results were set aside.
- ``wellby --version`` prints the version.

Paths in the study file are relative to the working directory, as they are for
``snakemake --configfile``. A problem with the study prints one message naming the file,
column, rows and config key, and exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from wellby.config import load_config
from wellby.errors import WellbyError
from wellby.prepare.study import missing_wave_files, prepare_study
from wellby.run import run_study, study_summary


def _version() -> str:
    try:
        return version("wellby")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wellby", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"wellby {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="write a starter study config from wave files")
    init.add_argument("files", nargs="+", help="the wave files, one per wave")
    init.add_argument("-o", "--output", help="write the config here (default: print it)")
    check = commands.add_parser("check", help="validate a study config and its data files")
    check.add_argument("config", help="the study's YAML file")
    run = commands.add_parser("run", help="run the whole study into its own results folder")
    run.add_argument("config", help="the study's YAML file")
    run.add_argument("--cores", type=int, default=1, help="cores to use (default 1)")
    run.add_argument("--out", help="the study's folder (default: <study name>-wellby)")
    run.add_argument("--dry-run", action="store_true", help="only list the jobs")
    return parser


def init(files: Sequence[str], output: str | None) -> int:
    """Write a starter study config for the files; return the exit status."""
    from wellby.starter import starter_config, starter_yaml

    starter = starter_config(files)
    text = starter_yaml(starter)
    if output:
        target = Path(output)
        if target.exists():
            raise WellbyError(f"{target} exists: give another --output, or move it first")
        target.write_text(text, encoding="utf-8")
        print(f"wellby: wrote {target}: review it before `wellby check {target}`",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    if starter.notes:
        print(f"wellby: {len(starter.notes)} note(s) to read at the top of the config, "
              "each a guess to check or a gap to fill", file=sys.stderr)
    return 0


def check(config_path: str) -> int:
    """Validate a study and run its data gate, printing a summary; return the exit status."""
    config = load_config(config_path)
    problems = missing_wave_files(config)
    if problems:
        raise WellbyError("the study config is invalid:\n  " + "\n  ".join(problems))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepared = prepare_study(config)
    for warning in caught:
        print(f"wellby: warning: {warning.message}", file=sys.stderr)
    summary = prepared.summary
    print(f"{config_path}: {len(summary)} waves, {int(summary['rows_in'].sum())} rows read, "
          f"{int(summary['rows_excluded'].sum())} excluded (reasons in the exclusions table), "
          f"{len(prepared.panel)} in the analysis file")
    attention = prepared.checks[prepared.checks["severity"] == "warning"]
    print(f"data checks: {len(prepared.checks)}, of which {len(attention)} need attention")
    for message in attention["message"]:
        print(f"  - {message}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 1 a problem with the study)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            return init(args.files, args.output)
        if args.command == "check":
            return check(args.config)
        if args.command == "run":
            folder = run_study(args.config, out=args.out, cores=args.cores,
                               dry_run=args.dry_run)
            if not args.dry_run:
                sys.stderr.flush()
                print(f"\n{study_summary(folder)}", flush=True)
            return 0
    except WellbyError as err:
        print(f"wellby: {err}", file=sys.stderr)
        return 1
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
