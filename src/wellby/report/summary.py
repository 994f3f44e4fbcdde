"""What a run says on the terminal when it ends: where the report is and what it found.

:func:`run_summary` reads the published tables of a finished run (``did.csv``,
``cba.csv``, ``data_checks.csv``) and returns a dozen lines: the headline effect of every
outcome with its interval, the central benefit-cost ratio, how many data checks need
attention, and where the report is. :func:`failure_lines` says which step failed and where
its log is. The workflow prints both from its ``onsuccess:`` and ``onerror:`` hooks
(``workflow/rules/lifecycle.smk``).

``wellby run`` prints them itself, after Snakemake's own output and with the study folder's
paths in full: while :func:`closing_to_caller` is active, the hooks record the run's
outcome in the :class:`RunOutcome` it yields instead of printing anything. The functions
read files only and know nothing of Snakemake.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wellby.valuation.inputs import HEADLINE_TERM

REPORT = "report.html"
"""The report, in the results folder."""

PDF = "report.pdf"
"""The printable copy of the report, in the results folder (where Chromium is installed)."""

MAX_CHECK_MESSAGES = 3
"""Data-check messages quoted in the summary; the others are counted."""

MAX_LINE = 110
"""A quoted message longer than this is cut, with an ellipsis."""

_INFERENCE = {"wild_bootstrap": "wild cluster bootstrap", "t_few_clusters": "few-cluster t"}


def _read(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
        return None


def _number(value: object, digits: int = 3) -> str:
    return f"{float(value):.{digits}f}"


def _missing(value: object) -> bool:
    try:
        return value is None or math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _missing_text(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cut(text: str, width: int = MAX_LINE) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def effect_line(row: pd.Series, alpha: float | None = None,
                widths: tuple[int, int, int] = (0, 0, 0)) -> str:
    """Describe one headline effect: the estimate and the interval ``did.csv`` names.

    Parameters
    ----------
    row : pandas.Series
        A row of ``did.csv`` with ``outcome``, ``estimator``, ``estimate`` and, where the
        table has them, ``inference``, ``headline_ci_low``, ``headline_ci_high`` and
        ``note`` (without the headline columns, ``ci_low`` and ``ci_high``).
    alpha : float, optional
        The significance level of the intervals (``models.alpha``), to name their level;
        without it the interval is called a "CI".
    widths : (int, int, int), default (0, 0, 0)
        Widths to pad the outcome, the estimator and the estimate to, to align several
        lines.

    Returns
    -------
    str
        For example ``life_satisfaction  twfe  0.096 (95% CI 0.037 to 0.154)``, with
        ``includes 0`` when the interval does, the inference when it is not the analytic
        one, ``no reliable interval`` when there is none, and a pointer to the report's
        warning when the row's note carries one.
    """
    inference = row.get("inference", "analytic")
    inference = "analytic" if _missing_text(inference) else str(inference)
    low = row.get("headline_ci_low", row.get("ci_low"))
    high = row.get("headline_ci_high", row.get("ci_high"))
    level = f"{round(100 * (1 - alpha))}% CI" if alpha is not None else "CI"
    if inference == "none_reliable" or _missing(low) or _missing(high):
        interval = "no reliable interval"
    else:
        interval = f"{level} {_number(low)} to {_number(high)}"
        if float(low) <= 0 <= float(high):
            interval += ", includes 0"
        if inference in _INFERENCE:
            interval += f"; {_INFERENCE[inference]}"
    estimate = "—" if _missing(row.get("estimate")) else _number(row["estimate"])
    text = (f"{str(row['outcome']):<{widths[0]}}  {str(row['estimator']):<{widths[1]}}  "
            f"{estimate:>{widths[2]}} ({interval})")
    if "WARNING" in ("" if _missing_text(row.get("note")) else str(row.get("note"))):
        text += " - see the warning in the report"
    return text


def run_summary(results_dir: str | Path, *, alpha: float | None = None,
                cba: bool = True) -> str:
    """Summarise a finished run: headline effects, value for money, data checks, report.

    Parameters
    ----------
    results_dir : str or Path
        The results folder, as it should be shown (``results`` in a clone, the full path
        for ``wellby run``).
    alpha : float, optional
        The significance level of the intervals (``models.alpha``), to name their level.
    cba : bool, default True
        Whether the study has a cost-benefit case; when False, a ``cba.csv`` left by an
        earlier config is not read.

    Returns
    -------
    str
        About ten lines (at most 15 for two outcomes), without a trailing newline. A table
        the run did not write is said to be missing.

    Notes
    -----
    The headline effects are the overall effect of each estimator that has one (``att``
    of ``twfe``, ``att_simple`` of ``callaway_santanna``), with the interval ``did.csv``
    names as the headline (``headline_ci_low`` and ``headline_ci_high``, whose
    ``inference`` is a wild cluster bootstrap or a few-cluster t interval when treated
    clusters are few). The benefit-cost ratio is the central scenario's in ``cba.csv``. A
    data check needs attention when its ``severity`` is ``warning``.
    """
    root = Path(results_dir)
    lines = []

    did = _read(root / "tables" / "did.csv")
    if did is None or not {"outcome", "estimator", "term"} <= set(did.columns):
        lines.append("wellby: finished; no effects table (tables/did.csv)")
    else:
        headline = did[did["estimator"].map(HEADLINE_TERM) == did["term"]]
        if headline.empty:
            lines.append("wellby: finished; no overall effect in tables/did.csv "
                         "(the event study has none)")
        else:
            lines.append("wellby: finished. Headline effects (tables/did.csv):")
            widths = (max(len(str(v)) for v in headline["outcome"]),
                      max(len(str(v)) for v in headline["estimator"]),
                      max(len(_number(v)) for v in headline["estimate"] if not _missing(v))
                      if headline["estimate"].notna().any() else 0)
            lines += [f"  {effect_line(row, alpha, widths)}" for _, row in headline.iterrows()]

    table = _read(root / "tables" / "cba.csv") if cba else None
    central = (table[table["scenario"] == "central"]
               if table is not None and {"scenario", "bcr"} <= set(table.columns) else None)
    if central is not None and len(central) and not _missing(central["bcr"].iloc[0]):
        bcr = (f"Benefit-cost ratio {_number(central['bcr'].iloc[0], 2)} at the central "
               "WELLBY value")
        others = [f"{row['scenario']} {_number(row['bcr'], 2)}" for _, row in table.iterrows()
                  if row["scenario"] in ("low", "high") and not _missing(row["bcr"])]
        lines.append(bcr + f" ({'; '.join(others + ['tables/cba.csv'])})")
    elif cba and table is not None:
        lines.append("Benefit-cost ratio: none for the central scenario (tables/cba.csv)")
    elif cba:
        lines.append("Benefit-cost ratio: no cost-benefit table (tables/cba.csv)")
    else:
        lines.append("Benefit-cost ratio: none (the study has no cba section)")

    checks = _read(root / "tables" / "data_checks.csv")
    if checks is None or "severity" not in checks.columns:
        lines.append("Data checks: no table (tables/data_checks.csv)")
    else:
        attention = checks[checks["severity"] == "warning"]
        if attention.empty:
            lines.append(f"Data checks: none of {len(checks)} needs attention")
        else:
            lines.append(f"Data checks: {len(attention)} of {len(checks)} NEED ATTENTION "
                         "(first in the report):")
            messages = [str(m) for m in attention.get("message", pd.Series(dtype=str))]
            lines += [f"  - {_cut(m)}" for m in messages[:MAX_CHECK_MESSAGES]]
            if len(messages) > MAX_CHECK_MESSAGES:
                lines.append(f"  ... and {len(messages) - MAX_CHECK_MESSAGES} more "
                             "(tables/data_checks.csv)")

    report = root / REPORT
    if report.is_file():
        pdf = root / PDF
        also = f" (to print: {pdf.as_posix()})" if pdf.is_file() else ""
        lines.append(f"Report: {report.as_posix()}{also}")
    else:
        lines.append(f"Report: not written ({report.as_posix()} is missing)")
    return "\n".join(lines)


@dataclass(frozen=True)
class FailedJob:
    """A step that failed: its rule, its wildcards and its log files.

    Attributes
    ----------
    rule : str
        The rule's name.
    wildcards : str
        ``name=value`` pairs joined by ", " (empty for a rule without wildcards).
    logs : tuple of str
        The step's log files, relative to the workflow's working directory.
    """

    rule: str
    wildcards: str = ""
    logs: tuple[str, ...] = ()

    def describe(self) -> str:
        """Return ``rule clean (wave=2016)``, or ``rule report`` without wildcards."""
        return f"rule {self.rule}" + (f" ({self.wildcards})" if self.wildcards else "")


def failure_lines(failed: Sequence[FailedJob], workdir: str | Path | None = None) -> list[str]:
    """Say which steps failed and where their logs are, one line each.

    Parameters
    ----------
    failed : sequence of FailedJob
        The steps that failed.
    workdir : str or Path, optional
        The workflow's working directory, to show the logs' full paths (for ``wellby
        run``, whose user is elsewhere); without it the paths are shown as the rule names
        them.

    Returns
    -------
    list of str
        Lines starting ``wellby:``; empty when `failed` is.
    """
    lines = []
    for job in failed:
        logs = [Path(workdir) / log if workdir is not None else Path(log) for log in job.logs]
        where = (f"; its log: {', '.join(p.as_posix() for p in logs)}" if logs
                 else "; it has no log (see the messages above)")
        lines.append(f"wellby: {job.describe()} failed{where}")
    return lines


@dataclass
class RunOutcome:
    """What the workflow's hooks record for a caller that prints the closing lines itself.

    Attributes
    ----------
    finished : bool
        The run succeeded (the ``onsuccess:`` hook ran).
    failed : list of FailedJob
        The steps that failed (set by the ``onerror:`` hook).
    set_aside : bool
        The failed run moved results to the stale folder.
    """

    finished: bool = False
    failed: list[FailedJob] = field(default_factory=list)
    set_aside: bool = False


_caller: RunOutcome | None = None


@contextmanager
def closing_to_caller() -> Iterator[RunOutcome]:
    """Let the caller print the closing lines of the workflow runs made inside the block.

    Yields
    ------
    RunOutcome
        Filled in by the workflow's hooks, which print nothing while the block is active.
    """
    global _caller
    previous, _caller = _caller, RunOutcome()
    try:
        yield _caller
    finally:
        _caller = previous


def caller_outcome() -> RunOutcome | None:
    """Return the outcome a caller collects (:func:`closing_to_caller`), or None.

    Returns
    -------
    RunOutcome or None
        None when the hooks should print the closing lines themselves.
    """
    return _caller
