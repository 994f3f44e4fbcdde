"""Benchmark the whole study at the demo's size, 1,000,000 and 3,000,000 rows.

For each size, in a fresh copy of the workflow:

1. generate the demo's raw waves (not timed: a real study starts from its files);
2. time ``snakemake results/tables/did.csv`` (raw files to the DiD table);
3. time the rest of the study (``snakemake`` to every output);
4. time a no-op rerun, and a rerun after one wave's raw file is touched;
5. print each rule's time and peak memory (Snakemake's ``benchmark:`` files), the total,
   and, on the same analysis file in the same run, wellby's and pyfixest's TWFE fit times.

Usage::

    python benchmarks/bench_study.py            # all three sizes
    python benchmarks/bench_study.py 60000      # one size (rows, approximately)

Targets (issue 8): the demo from clean under 60 s on 2 cores; 1M rows to did.csv under
60 s; 3M rows end to end within 24 GB; a no-op rerun under 5 s.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SIZES = {  # rows -> (programme areas, comparison areas, residents per area)
    60_000: (150, 150, 40),
    1_000_000: (750, 750, 133),
    3_000_000: (1500, 1500, 200),
}


def snakemake(workdir: Path, *args: str) -> float:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "snakemake", "all", "--cores", "2", *args],
                         cwd=workdir, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr[-4000:])
    return time.perf_counter() - started


def rule_table(workdir: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((workdir / "results" / "benchmarks").rglob("*.tsv")):
        stats = pd.read_csv(path, sep="\t").iloc[-1]
        name = str(path.relative_to(workdir / "results" / "benchmarks"))[:-4]
        rows.append({"job": name, "seconds": stats["s"], "max_rss_mb": stats["max_rss"]})
    return pd.DataFrame(rows)


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


def run_size(rows: int) -> None:
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
    started = time.perf_counter()
    to_did = subprocess.run([sys.executable, "-m", "snakemake", "results/tables/did.csv",
                             "--cores", "2", "--configfile", "study.yaml"],
                            cwd=workdir, capture_output=True, text=True)
    if to_did.returncode != 0:
        raise SystemExit(to_did.stderr[-4000:])
    did_wall = time.perf_counter() - started
    rest = snakemake(workdir, *args)
    noop = snakemake(workdir, *args)
    raw = next((workdir / "resources" / "demo").glob("wave_2018.*"))
    raw.touch()
    one_wave = snakemake(workdir, *args)
    table = rule_table(workdir)
    table = table[table["job"] != "demo_data"]
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print(f"raw files -> did.csv: {did_wall:.1f} s wall")
    print(f"rest of the study: {rest:.1f} s wall; whole study from clean: "
          f"{did_wall + rest:.1f} s wall")
    print(f"whole study, all jobs: {table['seconds'].sum():.1f} s of job time; "
          f"peak memory of any job {table['max_rss_mb'].max():,.0f} MB")
    print(f"no-op rerun: {noop:.2f} s; rerun after touching one wave: {one_wave:.1f} s")
    print("TWFE fit on the same analysis file:", {k: (round(v, 3) if isinstance(v, float)
                                                     else v) for k, v in
                                                 fit_times(workdir).items()})
    shutil.rmtree(workdir)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or list(SIZES)
    for rows in sizes:
        run_size(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
