"""No stale results: a failed run leaves nothing in ``results/`` that looks current.

When a run fails, :func:`set_aside` moves the published outputs (the report and its PDF,
the workbook, the provenance record, the tables and the figures) from ``results/`` to
``results/stale/`` under the same relative paths and writes ``results/STALE.txt`` saying
when and why. The next run then finds them missing and rebuilds them; once it succeeds,
:func:`clear_stale` deletes the stale copies and the note.

Interim files (``results/interim/``), logs and benchmarks are not moved: they are not
read by reviewers, and moving them would make the next run redo every step. Moving a
published output makes the next run redo the rule that writes it (and whatever depends on
that rule's other outputs); after a failure caused by a changed input, those rules are
downstream of the change and would run again anyway.

The functions work on any folder and know nothing of Snakemake; the workflow calls them
from its ``onerror:`` and ``onsuccess:`` hooks (``workflow/rules/lifecycle.smk``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

RESULTS_DIR = "results"
"""The workflow's results folder: every rule writes under it."""

STALE_DIR = "stale"
"""Subfolder of the results folder that holds the outputs set aside by a failed run."""

STALE_NOTE = "STALE.txt"
"""Note in the results folder saying when and why outputs were set aside."""

REPORT = "report.html"
"""The report: it depends on every table and figure, so a rebuilt report means a full run."""

PUBLISHED = ("report.html", "report.pdf", "tables.xlsx", "provenance.json", "tables/*.csv",
             "figures/*")
"""Glob patterns, relative to the results folder, of the outputs reviewers read."""


def published_outputs(results_dir: str | Path) -> list[Path]:
    """List the published outputs present in a results folder.

    Parameters
    ----------
    results_dir : str or Path
        The results folder.

    Returns
    -------
    list of Path
        The files matching :data:`PUBLISHED`, relative to `results_dir`, sorted.
    """
    root = Path(results_dir)
    found: set[Path] = set()
    for pattern in PUBLISHED:
        found.update(p.relative_to(root) for p in root.glob(pattern) if p.is_file())
    return sorted(found)


def stale_files(results_dir: str | Path) -> list[Path]:
    """List the files held in the stale folder of a results folder.

    Parameters
    ----------
    results_dir : str or Path
        The results folder.

    Returns
    -------
    list of Path
        Files under ``results_dir/stale``, relative to that folder, sorted; empty when it
        does not exist.
    """
    stale = Path(results_dir) / STALE_DIR
    if not stale.is_dir():
        return []
    return sorted(p.relative_to(stale) for p in stale.rglob("*") if p.is_file())


def set_aside(
    results_dir: str | Path,
    reason: str = "the run failed",
    now: dt.datetime | None = None,
) -> list[Path]:
    """Move the published outputs to the stale folder and write the stale note.

    Each output keeps its path relative to `results_dir` (``tables/did.csv`` goes to
    ``stale/tables/did.csv``) and replaces an older stale copy of itself. The note is
    written whenever the stale folder holds anything, so a second failure in a row keeps
    it. A results folder with nothing published is left untouched (not even created).

    Parameters
    ----------
    results_dir : str or Path
        The results folder.
    reason : str, default "the run failed"
        Why the outputs were set aside, written to the note.
    now : datetime.datetime, optional
        The time written to the note; the current local time when not given.

    Returns
    -------
    list of Path
        The outputs moved, relative to `results_dir`.
    """
    root = Path(results_dir)
    moved = published_outputs(root)
    stale = root / STALE_DIR
    for relative in moved:
        target = stale / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(root / relative, target)
    held = stale_files(root)
    if held:
        (root / STALE_NOTE).write_text(
            stale_note(root, held, moved, reason, now or dt.datetime.now().astimezone()),
            encoding="utf-8",
        )
    return moved


def stale_note(
    results_dir: str | Path,
    held: list[Path],
    moved: list[Path],
    reason: str,
    now: dt.datetime,
) -> str:
    """Compose the text of the stale note.

    Parameters
    ----------
    results_dir : str or Path
        The results folder, as the user names it.
    held : list of Path
        Every file now in the stale folder, relative to it.
    moved : list of Path
        The files this failure moved there.
    reason : str
        Why they were set aside.
    now : datetime.datetime
        When.

    Returns
    -------
    str
        The note: when and why, what is in the stale folder, and what happens next.
    """
    root = Path(results_dir).as_posix()
    moved_set = set(moved)
    lines = [
        f"The results in {root}/{STALE_DIR}/ are STALE: they are not the results of the "
        "current inputs and config.",
        "",
        f"At {now.isoformat(timespec='seconds')} a run failed, so the published results were "
        f"moved from {root}/ to {root}/{STALE_DIR}/ (same relative paths) instead of being "
        "left where they look current. Some of them may have been written by the failed run "
        "before it stopped.",
        f"Why: {reason}",
        "",
    ]
    if moved_set >= set(held):
        lines.append(f"In {root}/{STALE_DIR}/:")
        lines += [f"  {path.as_posix()}" for path in held]
    elif not moved_set:
        lines.append(f"In {root}/{STALE_DIR}/ (all set aside by an earlier failed run):")
        lines += [f"  {path.as_posix()}" for path in held]
    else:
        lines.append(f"In {root}/{STALE_DIR}/ (* = moved by this failure, the others by an "
                     "earlier one):")
        lines += [f"  {'*' if path in moved_set else ' '} {path.as_posix()}" for path in held]
    lines += [
        "",
        f"Interim files ({root}/interim/), logs and benchmarks were left in place.",
        "Fix the error and run the workflow again: the next successful run rebuilds these "
        f"outputs in {root}/ and then deletes {root}/{STALE_DIR}/ and this note.",
        "",
    ]
    return "\n".join(lines)


def clear_stale(results_dir: str | Path) -> list[Path]:
    """Delete the stale copies that a successful run has replaced.

    When the report is back at its place the run rebuilt everything it depends on, so the
    whole stale folder and the note are deleted (including copies of outputs the current
    config no longer makes). Otherwise, after a run of some targets only, only the stale
    copies of outputs now present again are deleted, and the folder and note go when
    nothing is left in it.

    Parameters
    ----------
    results_dir : str or Path
        The results folder.

    Returns
    -------
    list of Path
        The stale copies deleted, relative to the stale folder.
    """
    root = Path(results_dir)
    stale = root / STALE_DIR
    held = stale_files(root)
    if (root / REPORT).is_file():
        removed = held
    else:
        removed = [path for path in held if (root / path).is_file()]
        for path in removed:
            (stale / path).unlink()
    if (root / REPORT).is_file() or not stale_files(root):
        if stale.exists():
            shutil.rmtree(stale)
        (root / STALE_NOTE).unlink(missing_ok=True)
    return removed


def failure_message(results_dir: str | Path) -> str:
    """Compose the message printed when a run fails and its results were set aside.

    Parameters
    ----------
    results_dir : str or Path
        The results folder, as the user names it.

    Returns
    -------
    str
        One line, starting ``wellby:``.
    """
    root = Path(results_dir).as_posix()
    return (f"wellby: the run failed; the previous results were moved to {root}/{STALE_DIR}/ "
            "and are not current: fix the error above and run again")


def parse_error_note(results_dir: str | Path) -> str:
    """Say what a run that stopped before starting leaves in the results folder.

    A run stopped while the workflow is read (an invalid config, a missing wave file)
    runs and changes nothing, and Snakemake cannot tell there whether it was a dry run, so
    nothing is moved. This note, added to such an error message, says that the results
    present are those of an earlier run.

    Parameters
    ----------
    results_dir : str or Path
        The results folder, as the user names it.

    Returns
    -------
    str
        One sentence, or an empty string when the folder has no published or stale
        results.
    """
    root = Path(results_dir)
    name = root.as_posix()
    if published_outputs(root):
        return (f"Nothing was run: the results in {name}/ are from an earlier run (see "
                f"{name}/provenance.json), not from this config.")
    if stale_files(root):
        return (f"Nothing was run: {name}/{STALE_DIR}/ still holds the results set aside "
                "by an earlier failed run.")
    return ""
