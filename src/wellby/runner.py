"""Run a workflow step with its log file and a clean error message for the user.

Workflow scripts are thin: they hand a function to :func:`run_step`, which sends the
step's log and warnings to the rule's ``log:`` file and turns a :class:`WellbyError` into
one readable message (no traceback) and a non-zero exit, so Snakemake removes the
step's outputs and the run stops before partial results are kept.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from wellby.errors import WellbyError

logger = logging.getLogger("wellby")


def _configure_logging(log_path: str | None) -> None:
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = [console]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(message)s")
    logging.captureWarnings(True)


def run_step(smk: Any, step: Callable[[Any], None]) -> None:
    """Run ``step(smk)`` for a Snakemake script job, logging and reporting errors.

    Parameters
    ----------
    smk : snakemake.script.Snakemake
        The ``snakemake`` object of the script.
    step : callable
        The step's body; it reads ``smk.input``/``smk.params`` and writes ``smk.output``.
    """
    log_path = smk.log[0] if len(smk.log) else None
    _configure_logging(log_path)
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
    logger.info("rule %s finished in %.2f s", smk.rule, time.perf_counter() - started)
