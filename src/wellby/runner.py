"""Run a workflow step with its log file and a clean error message for the user.

Workflow scripts are thin: they hand a function to :func:`run_step`, which sends the
step's log and warnings to the rule's ``log:`` file and turns a :class:`WellbyError` into
one readable message (no traceback) and a non-zero exit, so Snakemake removes the
step's outputs and the run stops before partial results are kept.

Warnings also reach the terminal, one line each, naming the step (``wellby: value:
warning: ...``), and a warning the step has already shown is not shown again; the log
file keeps every one with its time.

A step that succeeds writes its time and peak memory to ``results/benchmarks/``, beside
where its log is under ``results/logs/`` (:mod:`wellby.job_benchmarks`), and then ends
its process at once (:func:`end_process`): a job's process has nothing left to do, and
tearing down an interpreter that holds a few million rows and the modelling libraries took
0.25-0.3 s a job, during which Snakemake waits to start the next job on that core.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from wellby.errors import WellbyError
from wellby.job_benchmarks import benchmark_path, job_record, write_job_record

logger = logging.getLogger("wellby")

COLLECTOR_THRESHOLDS = (50_000, 20, 20)
"""The garbage collector's thresholds in a step (Python's defaults: 700, 10, 10)."""


class _Console(logging.Formatter):
    """One line per record on the terminal, naming the step: ``wellby: value: warning: ...``."""

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step

    def format(self, record: logging.LogRecord) -> str:
        return f"wellby: {self.step}: {record.levelname.lower()}: {record.getMessage()}"


class _Once(logging.Filter):
    """Let each distinct message through once (a step may warn the same thing repeatedly)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
    """Log a warning on one line, with its category and the file and line that raised it."""
    logging.getLogger("py.warnings").warning(
        "%s: %s (%s:%d)", category.__name__, message, Path(filename).name, lineno)


def _configure_logging(log_path: str | None, step: str = "step") -> None:
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(_Console(step))
    console.addFilter(_Once())
    handlers: list[logging.Handler] = [console]
    if log_path:
        log_file = logging.FileHandler(log_path, mode="w", encoding="utf-8")
        log_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handlers.append(log_file)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    warnings.showwarning = _show_warning


def run_step(smk: Any, step: Callable[[Any], None], *, end: bool = True) -> None:
    """Run ``step(smk)`` for a Snakemake script job, logging and reporting errors.

    Parameters
    ----------
    smk : snakemake.script.Snakemake
        The ``snakemake`` object of the script.
    step : callable
        The step's body; it reads ``smk.input``/``smk.params`` and writes ``smk.output``.
    end : bool, default True
        When the step succeeds, end the process once the log and the job's record are
        written (:func:`end_process`), as a script job's process may; False returns.
    """
    # The cyclic garbage collector less often: a step creates hundreds of thousands of
    # objects importing pandas, SciPy and matplotlib and building its tables, and each of
    # its full collections walks them all (0.1-0.2 s a step at the default thresholds,
    # under 0.1 s at these); reference counting frees nearly everything anyway.
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    log_path = smk.log[0] if len(smk.log) else None
    wildcards = ", ".join(f"{key}={value}" for key, value in smk.wildcards.items())
    _configure_logging(log_path, f"{smk.rule} ({wildcards})" if wildcards else str(smk.rule))
    started = time.perf_counter()
    logger.info("rule %s started (wildcards: %s)", smk.rule, dict(smk.wildcards.items()))
    try:
        step(smk)
    except WellbyError as err:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.FileHandler):
                handler.handle(logging.makeLogRecord(
                    {"msg": str(err), "levelno": logging.ERROR, "levelname": "ERROR"}))
        print(f"\nwellby: rule {smk.rule} stopped: {err}\n", file=sys.stderr)
        sys.exit(1)
    except Exception:
        logger.exception("rule %s failed", smk.rule)  # the traceback goes to the log too
        raise
    logger.info("rule %s finished in %.2f s", smk.rule, time.perf_counter() - started)
    record_path = benchmark_path(log_path) if log_path else None
    if record_path is not None:
        write_job_record(record_path, job_record())
    if end:
        end_process()


def end_process() -> None:
    """End the process with status 0 now, without tearing the interpreter down.

    The log handlers are flushed and closed and the standard streams flushed first; what
    the interpreter's exit would do besides (freeing every object, unloading modules,
    running ``atexit`` functions, of which wellby registers none) is skipped. Only for a
    process whose work is done and written: threads still running are stopped.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass  # a closed or missing stream has nothing to flush
    os._exit(0)
