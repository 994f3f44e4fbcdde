"""The ``wellby`` command: check a study's config and data without running the workflow.

``wellby check study.yaml`` validates the config and runs the data gate (read, ingest,
clean, panel: every check the workflow makes before estimating) and prints what it found;
``wellby --version`` prints the version. Paths in the study file are relative to the
working directory, as they are for ``snakemake --configfile``. A problem with the study
prints one message naming the file, column, rows and config key, and exits with status 1;
nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from wellby.config import load_config
from wellby.errors import WellbyError
from wellby.study import missing_wave_files, prepare_study


def _version() -> str:
    try:
        return version("wellby")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wellby", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"wellby {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a study config and its data files")
    check.add_argument("config", help="the study's YAML file")
    return parser


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
        if args.command == "check":
            return check(args.config)
    except WellbyError as err:
        print(f"wellby: {err}", file=sys.stderr)
        return 1
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
