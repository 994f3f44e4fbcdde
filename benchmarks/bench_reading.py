"""Benchmark wellby's survey file reader against pandas on 1,000,000 rows.

Data: 1,000,000 rows x 30 numeric columns (a 12-digit person id, an area code, 14 integer
items coded 0-10 and 14 floats with 3 decimals), written once (not timed) as CSV and as
Parquet in a temporary folder.

Run:  .venv/bin/python benchmarks/bench_reading.py [rows]

Prints the best of ``--repeats`` (default 3) wall times, the runs interleaved so that the
load of a shared machine hits both sides alike:

* CSV: ``pandas.read_csv(path, low_memory=False)`` and ``read_survey_file(path)``, and
  ``read_survey_file`` with the id and area columns as ``text_columns``;
* Parquet: ``pandas.read_parquet(path)`` and ``read_survey_file(path)``.

Target: the CSV read at least as fast as ``pandas.read_csv``. pyarrow's gain comes from
parsing on all cores (its single-core cost is about pandas'), so run it on an otherwise idle
machine; the reader's own checks (final line break, quotes, header) add tens of
milliseconds. The frames read by both are checked to be equal.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from wellby.prepare.read import read_survey_file


def make_frame(rows: int, seed: int = 20240611) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = {"person_id": np.arange(rows, dtype=np.int64) + 10**11,
               "area_id": rng.integers(0, 1500, rows)}
    for i in range(14):
        columns[f"item_{i}"] = rng.integers(0, 11, rows)
    for i in range(14):
        columns[f"score_{i}"] = rng.normal(size=rows).round(3)
    return pd.DataFrame(columns)


def best_times(runs: dict[str, Callable[[], pd.DataFrame]], repeats: int
               ) -> tuple[dict[str, float], dict[str, pd.DataFrame]]:
    times = {name: float("inf") for name in runs}
    frames: dict[str, pd.DataFrame] = {}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            frames[name] = run()
            times[name] = min(times[name], time.perf_counter() - start)
    return times, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    frame = make_frame(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        csv_path, parquet_path = Path(folder) / "wave.csv", Path(folder) / "wave.parquet"
        frame.to_csv(csv_path, index=False, lineterminator="\n")
        frame.to_parquet(parquet_path)
        print(f"{args.rows:,} rows x {frame.shape[1]} columns; CSV "
              f"{csv_path.stat().st_size / 1e6:.0f} MB, Parquet "
              f"{parquet_path.stat().st_size / 1e6:.0f} MB; best of {args.repeats}")
        csv_times, csv_frames = best_times({
            "pandas.read_csv(low_memory=False)":
                lambda: pd.read_csv(csv_path, low_memory=False),
            "read_survey_file": lambda: read_survey_file(csv_path),
            "read_survey_file, 2 text_columns":
                lambda: read_survey_file(csv_path, text_columns=("person_id", "area_id")),
        }, args.repeats)
        parquet_times, parquet_frames = best_times({
            "pandas.read_parquet": lambda: pd.read_parquet(parquet_path),
            "read_survey_file": lambda: read_survey_file(parquet_path),
        }, args.repeats)
    pd.testing.assert_frame_equal(csv_frames["read_survey_file"],
                                  csv_frames["pandas.read_csv(low_memory=False)"])
    pd.testing.assert_frame_equal(parquet_frames["read_survey_file"],
                                  parquet_frames["pandas.read_parquet"])
    for label, times in (("CSV", csv_times), ("Parquet", parquet_times)):
        baseline = next(iter(times.values()))
        print(f"\n{label}")
        for name, seconds in times.items():
            print(f"  {name:36s} {seconds:6.3f} s   {baseline / seconds:4.2f}x pandas")


if __name__ == "__main__":
    main()
