"""Each job's time and peak memory, measured by the job itself (``results/benchmarks/``).

Snakemake's ``benchmark:`` directive watches a job from the scheduler's process: twice a
second for its first 15 s and every 30 s after, it reads ``/proc/<pid>/smaps_rollup``,
which makes the kernel walk every page the job has mapped. At 3M rows the main process
used 5.2 s of CPU in a run with it and 2.4-3.6 s in runs without (system time 2.2 s
against 0.5-0.9 s), taken from the jobs on two cores; and a peak between two samples went
unseen: the memory a job reported was its largest sample, not its peak.

The job knows both exactly. The kernel keeps its resident-set high-water mark
(``VmHWM``, :func:`peak_resident_mib`) and its start time (``/proc/self/stat``), so
:func:`job_record` reads them when the step ends and :func:`write_job_record` writes them
in the layout of Snakemake's benchmark files, under the column names Snakemake uses for
the same measures: ``s`` and ``h:m:s`` (from the process's start to the step's end),
``max_rss`` (MiB), ``io_in`` and ``io_out`` (MiB read from and written to storage),
``mean_load`` (CPU time over wall time, in percent) and ``cpu_time`` (user and system
seconds). Snakemake's sampled ``max_vms``, ``max_uss`` and ``max_pss`` are not kept.
:func:`wellby.runner.run_step` writes the record of every step that succeeds, at the
path :func:`benchmark_path` gives for its log.
"""

from __future__ import annotations

import datetime
import os
import resource
import sys
import time
from pathlib import Path

FIELDS = ("s", "h:m:s", "max_rss", "io_in", "io_out", "mean_load", "cpu_time")
"""The columns of a job's record, in order."""

_MIB = 1024 * 1024


def benchmark_path(log_path: str | Path) -> Path | None:
    """Return where a job's record goes: its log's path, ``logs`` replaced by ``benchmarks``.

    Parameters
    ----------
    log_path : str or Path
        The job's log, such as ``results/logs/clean/wave_2016.log``.

    Returns
    -------
    Path or None
        ``results/benchmarks/clean/wave_2016.tsv`` for that log (the last folder named
        ``logs`` becomes ``benchmarks`` and the suffix ``.tsv``); None when no folder of the
        path is named ``logs``.
    """
    parts = list(Path(log_path).parts)
    folders = [i for i, part in enumerate(parts[:-1]) if part == "logs"]
    if not folders:
        return None
    parts[folders[-1]] = "benchmarks"
    return Path(*parts).with_suffix(".tsv")


def process_start_time() -> float:
    """Return when this process started, in seconds since the epoch.

    On Linux from ``/proc/self/stat`` (clock ticks since boot) against the boot-time
    clock, to the tick; elsewhere from psutil, whose Linux figure is only to the second.
    """
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        since_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.time() - (time.clock_gettime(time.CLOCK_BOOTTIME) - since_boot)
    except (OSError, IndexError, ValueError, AttributeError):
        import psutil

        return psutil.Process().create_time()


def peak_resident_mib() -> float:
    """Return the largest resident set of this process since it started its program, in MiB.

    On Linux the kernel's high-water mark of the process's address space (``VmHWM`` in
    ``/proc/self/status``), which starts afresh when the program starts. ``getrusage``'s
    ``ru_maxrss`` does not: it keeps the mark of the process it was forked from, so a job
    Snakemake starts would report at least Snakemake's own memory at the fork. It is used
    only where ``/proc`` is not.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / _MIB  # kB
    except (OSError, ValueError, IndexError):
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / _MIB


def job_record(started: float | None = None) -> dict[str, float | str | None]:
    """Measure this process so far: time, peak memory, storage read and written, CPU.

    Parameters
    ----------
    started : float, optional
        When the job started, in seconds since the epoch; the process's own start
        (:func:`process_start_time`) when not given.

    Returns
    -------
    dict
        One value for each of :data:`FIELDS`; ``io_in`` and ``io_out`` are None where
        the system does not count them.
    """
    seconds = max(time.time() - (process_start_time() if started is None else started), 0.0)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                 resource.RUSAGE_CHILDREN)]
    cpu_time = sum(u.ru_utime + u.ru_stime for u in usage)
    io_in = io_out = None
    try:
        import psutil

        counters = psutil.Process().io_counters()
        io_in, io_out = counters.read_bytes / _MIB, counters.write_bytes / _MIB
    except (ImportError, AttributeError, NotImplementedError, OSError):
        pass
    return {
        "s": seconds,
        "h:m:s": str(datetime.timedelta(seconds=round(seconds))),
        "max_rss": peak_resident_mib(),
        "io_in": io_in,
        "io_out": io_out,
        "mean_load": 100 * cpu_time / seconds if seconds > 0 else 0.0,
        "cpu_time": cpu_time,
    }


def write_job_record(path: str | Path, record: dict[str, float | str | None]) -> None:
    """Write a job's record as a tab-separated header and row (floats to 2 decimals).

    Parameters
    ----------
    path : str or Path
        The file (its folder is created); replaced if it exists.
    record : dict
        A value for each of :data:`FIELDS` (None is written ``NA``).
    """
    def text(value: float | str | None) -> str:
        if value is None:
            return "NA"
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\t".join(FIELDS) + "\n" + "\t".join(text(record[f]) for f in FIELDS)
                    + "\n", encoding="utf-8")
