"""Each job's own record of its time and peak memory (wellby.job_benchmarks).

The peak is checked where Snakemake's sampling could not see it: a job that touches
400 MiB for a moment, frees it and carries on must report at least 400 MiB, while its
resident set at the end (what a sample then would read, here from psutil) is far less.
Times are checked against a known sleep and busy loop, and the start time against
psutil's (which is only to the second on Linux).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from wellby.job_benchmarks import (
    FIELDS,
    benchmark_path,
    job_record,
    process_start_time,
    write_job_record,
)


@pytest.mark.parametrize(("log", "expected"), [
    ("results/logs/panel.log", "results/benchmarks/panel.tsv"),
    ("results/logs/clean/wave_2016.log", "results/benchmarks/clean/wave_2016.tsv"),
    ("/study/logs/results/logs/estimate/ls.log", "/study/logs/results/benchmarks/estimate/ls.tsv"),
    ("results/logs", None),  # a file named logs is not a folder
    ("results/panel.log", None),
])
def test_the_record_goes_where_the_log_goes_under_benchmarks(log, expected):
    assert benchmark_path(log) == (None if expected is None else Path(expected))


def run_job(body: str) -> dict:
    """Run ``body`` in a fresh Python process and return its job_record()."""
    script = textwrap.dedent("""
        import json, time
        import numpy as np
        import psutil
        from wellby.job_benchmarks import job_record
        """) + textwrap.dedent(body) + textwrap.dedent("""
        record = job_record()
        record["rss_now"] = psutil.Process().memory_info().rss / 2**20
        print(json.dumps(record))
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_short_peak_is_recorded_though_it_is_gone_at_the_end():
    record = run_job("""
        block = np.ones(400 * 2**20 // 8)  # 400 MiB, every page touched
        del block
        """)
    assert record["max_rss"] >= 400
    assert record["rss_now"] < record["max_rss"] - 300  # a sample now would miss it


def test_time_counts_from_the_process_start_and_cpu_time_from_its_work():
    record = run_job("""
        time.sleep(0.6)
        until = time.process_time() + 0.4
        while time.process_time() < until:
            pass
        """)
    assert 1.0 <= record["s"] < 1.0 + 10  # plus the interpreter's start and imports
    assert 0.4 <= record["cpu_time"] < record["s"]
    assert record["mean_load"] == pytest.approx(100 * record["cpu_time"] / record["s"])
    assert record["io_out"] is not None and record["io_in"] is not None


def test_the_start_time_agrees_with_psutil_and_is_before_now():
    started = process_start_time()
    assert started <= time.time()
    assert abs(started - psutil.Process().create_time()) < 1.5


def test_a_given_start_is_used_and_the_record_is_written_as_snakemake_lays_it_out(tmp_path):
    record = job_record(started=time.time() - 3725)
    assert record["s"] == pytest.approx(3725, abs=1)
    assert record["h:m:s"] == "1:02:05"
    path = tmp_path / "benchmarks" / "estimate" / "ls.tsv"
    write_job_record(path, {**record, "io_in": None})
    header, row = path.read_text().splitlines()
    assert header.split("\t") == list(FIELDS) == [
        "s", "h:m:s", "max_rss", "io_in", "io_out", "mean_load", "cpu_time"]
    values = dict(zip(FIELDS, row.split("\t"), strict=True))
    assert values["io_in"] == "NA" and values["h:m:s"] == "1:02:05"
    assert float(values["max_rss"]) == pytest.approx(record["max_rss"], abs=0.01)


def test_a_step_that_succeeds_writes_its_record_and_one_that_fails_does_not(tmp_path):
    def run(rule: str, fails: bool) -> subprocess.CompletedProcess:
        log = tmp_path / "results" / "logs" / f"{rule}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        script = textwrap.dedent(f"""
            from types import SimpleNamespace
            from wellby.errors import DataError
            from wellby.runner import run_step

            def step(smk):
                if {fails!r}:
                    raise DataError("no rows")

            run_step(SimpleNamespace(log=[{str(log)!r}], rule={rule!r}, wildcards={{}}), step)
            """)
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120)

    assert run("describe", fails=False).returncode == 0
    assert run("gaps", fails=True).returncode == 1
    records = tmp_path / "results" / "benchmarks"
    assert sorted(p.name for p in records.iterdir()) == ["describe.tsv"]
    header, row = (records / "describe.tsv").read_text().splitlines()
    assert header.split("\t") == list(FIELDS)
    assert 0 < float(row.split("\t")[0]) < 60


def test_a_job_started_by_a_large_process_reports_its_own_peak():
    """Snakemake starts each job from its own process (fork, then exec): the job's peak is
    its own address space's, not the parent's memory at the fork (getrusage's ru_maxrss
    keeps that across exec; the small jobs then reported Snakemake's 176 MB)."""
    script = textwrap.dedent("""
        import json, subprocess, sys
        import numpy as np
        block = np.ones(500 * 2**20 // 8)  # the parent holds 500 MiB when it starts the job
        child = subprocess.run(
            [sys.executable, "-c",
             "import json; from wellby.job_benchmarks import job_record; "
             "print(json.dumps(job_record()))"],
            capture_output=True, text=True, check=True)
        print(child.stdout)
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert record["max_rss"] < 200
