"""Benchmark the whole study at the demo's size, 1,000,000 and 3,000,000 rows.

For each size, in a fresh copy of the workflow:

1. generate the demo's raw waves (not timed: a real study starts from its files), once
   wellby's bytecode cache is written (:func:`cache_bytecode`);
2. time the whole study in one ``snakemake`` run, from the raw files to the report, and
   note when ``did.csv`` (the effects) was written during it (before issue 17's third
   session, ``did.csv`` and the rest were timed as two runs, which left a core idle at
   the join and paid Snakemake's start twice);
3. time a no-op rerun; a rerun after one wave's raw file is touched (saved again
   unchanged); and a rerun after one answer in that wave is corrected;
4. print each rule's job time, its share of the whole study's job time and its peak
   memory (each job's own record in ``results/benchmarks/``, as the full run left them:
   the exact peak, not Snakemake's samples, since issue 17's seventh session), the
   total, and, on the same analysis file, wellby's and pyfixest's TWFE fit times.

Usage::

    python benchmarks/bench_study.py            # all three sizes
    python benchmarks/bench_study.py 60000      # one size (rows, approximately)
    python benchmarks/bench_study.py 1000000 --keep   # keep the work directory
    python benchmarks/bench_study.py 10000000         # 10M rows (not in the default run)

Targets (issue 17): the whole study at 3M rows under 60 s from raw files to report on
2 cores, peak memory of any job under 2 GB; a touched wave at 1M rows reruns in under half
the time of a full run; 10M rows end to end within 24 GB. (Issue 8: the demo from clean
under 60 s; a no-op rerun under 5 s.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SIZES = {  # rows -> (programme areas, comparison areas, residents per area)
    60_000: (150, 150, 40),
    1_000_000: (750, 750, 133),
    3_000_000: (1500, 1500, 200),
    10_000_000: (5000, 5000, 200),  # only when asked for: python bench_study.py 10000000
}
DEFAULT_SIZES = (60_000, 1_000_000, 3_000_000)


def snakemake(workdir: Path, *args: str) -> float:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "snakemake", "all", "--cores", "2", *args],
                         cwd=workdir, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr[-4000:])
    return time.perf_counter() - started


def watch_for(path: Path, every: float = 0.1):
    """Start watching for ``path``; return a function giving the seconds until it appeared."""
    started, seen = time.perf_counter(), []

    def watch() -> None:
        while not path.exists() and not done.is_set():
            time.sleep(every)
        seen.append(time.perf_counter() - started)

    done = threading.Event()
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()

    def seconds() -> float:
        done.set()
        thread.join()
        return seen[0]

    return seconds


def rule_table(workdir: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((workdir / "results" / "benchmarks").rglob("*.tsv")):
        stats = pd.read_csv(path, sep="\t").iloc[-1]
        name = str(path.relative_to(workdir / "results" / "benchmarks"))[:-4]
        rows.append({"job": name, "rule": name.split("/")[0], "seconds": stats["s"],
                     "max_rss_mb": stats["max_rss"]})
    return pd.DataFrame(rows)


def rule_shares(jobs: pd.DataFrame) -> pd.DataFrame:
    """Job time per rule (jobs of one rule summed), its share of the total, peak memory."""
    table = jobs.groupby("rule").agg(jobs=("job", "size"), seconds=("seconds", "sum"),
                                     max_rss_mb=("max_rss_mb", "max"))
    table["share_%"] = 100 * table["seconds"] / table["seconds"].sum()
    return table.sort_values("seconds", ascending=False).reset_index()


def correct_one_answer(path: Path, column: str = "ls") -> None:
    """Change one respondent's answer in a CSV wave, as a corrected delivery would."""
    lines = path.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    fields = lines[1].rstrip("\n").split(",")
    j = header.index(column)
    fields[j] = "5" if fields[j] != "5" else "6"
    lines[1] = ",".join(fields) + "\n"
    path.write_text("".join(lines))


def fit_times(workdir: Path) -> dict[str, float]:
    import pyfixest as pf

    from wellby.estimators.twfe import fit_twfe
    from wellby.prepare.panel import residents

    config = yaml.safe_load((workdir / "study.yaml").read_text())
    data = residents(pd.read_parquet(workdir / "results" / "interim" / "panel.parquet"),
                     config["columns"])
    data = data[["life_satisfaction", "treated", "person_id", "wave", "area_id"]].dropna()
    started = time.perf_counter()
    ours = fit_twfe(data, "life_satisfaction", "treated", "person_id", "wave",
                    cluster="area_id")
    wellby_seconds = time.perf_counter() - started
    started = time.perf_counter()
    theirs = pf.feols("life_satisfaction ~ treated | person_id + wave", data=data,
                      vcov={"CRV1": "area_id"})
    pyfixest_seconds = time.perf_counter() - started
    return {"rows": len(data), "wellby_s": wellby_seconds, "pyfixest_first_call_s":
            pyfixest_seconds, "estimate_diff": abs(ours.estimate - theirs.coef()["treated"]),
            "se_rel_diff": abs(ours.std_error / theirs.se()["treated"] - 1)}


def run_size(rows: int, keep: bool = False) -> None:
    programme, comparison, residents = SIZES[rows]
    workdir = Path(tempfile.mkdtemp(prefix=f"wellby_bench_{rows}_"))
    for item in ["Snakefile", "config", "profiles"]:
        source = ROOT / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, workdir / item)
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["demo"].update(n_programme_areas=programme, n_comparison_areas=comparison,
                          residents_per_area=residents)
    (workdir / "study.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    args = ("--configfile", "study.yaml")
    print(f"\n=== about {rows:,} rows ({programme}+{comparison} areas x {residents} "
          f"residents x 5 waves) in {workdir}")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "snakemake", "demo_data", "--cores", "2",
                    "--configfile", "study.yaml"], cwd=workdir, check=True,
                   capture_output=True)
    print(f"generate raw waves (not counted): {time.perf_counter() - started:.1f} s")
    did_seen = watch_for(workdir / "results" / "tables" / "did.csv")
    whole = snakemake(workdir, *args)
    did_wall = did_seen()
    table = rule_table(workdir)
    table = table[table["job"] != "demo_data"]
    noop = snakemake(workdir, *args)
    raw = workdir / "resources" / "demo" / "wave_2016.csv"
    raw.touch()
    touched = snakemake(workdir, *args)
    correct_one_answer(raw)
    corrected = snakemake(workdir, *args)
    print(rule_shares(table).to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print(f"whole study from raw files to report, one run: {whole:.1f} s wall (did.csv "
          f"written after {did_wall:.1f} s)")
    print(f"whole study, all jobs: {table['seconds'].sum():.1f} s of job time; "
          f"peak memory of any job {table['max_rss_mb'].max():,.0f} MB")
    print(f"no-op rerun: {noop:.2f} s")
    print(f"rerun after touching one wave's file (content unchanged): {touched:.1f} s "
          f"({touched / whole:.0%} of the whole study)")
    print(f"rerun after correcting one answer in one wave: {corrected:.1f} s "
          f"({corrected / whole:.0%} of the whole study)")
    print("TWFE fit on the same analysis file:", {k: (round(v, 3) if isinstance(v, float)
                                                     else v) for k, v in
                                                 fit_times(workdir).items()})
    if not keep:
        shutil.rmtree(workdir)


def cache_bytecode() -> None:
    """Write wellby's bytecode cache, as an installation (or a first run) leaves it.

    Every job is a fresh Python process. Where ``PYTHONDONTWRITEBYTECODE`` is set (as on
    this project's build machines) nothing writes the cache, so every job would compile
    wellby's modules from source again, some 0.3 s a job that an evaluator's machine pays
    once.
    """
    import compileall

    import wellby

    compileall.compile_dir(Path(wellby.__file__).parent, quiet=1)


def main(argv: list[str]) -> None:
    keep = "--keep" in argv
    sizes = [int(a) for a in argv if a != "--keep"] or list(DEFAULT_SIZES)
    cache_bytecode()
    for rows in sizes:
        run_size(rows, keep)


if __name__ == "__main__":
    main(sys.argv[1:])
