"""Benchmark identifier screening and person-id pseudonymisation.

Design: a 1,000,000-row survey extract with 40 columns (id, wave, age, IMD decile, 25 item
scores, weights with missing values, area codes and names as text, five categorical text
labels, a sparse free-text comment, an interview date and an e-mail column) is screened with
``wellby.prepare.identifiers.detect_identifier_columns``; then 3,000,000 person ids are
pseudonymised in four forms: integers with 600,000 distinct persons (a five-wave panel),
the same ids as text, floats with 5% missing, and 3,000,000 distinct integers (the worst
case: one HMAC per row).

Run:  .venv/bin/python benchmarks/bench_identifiers.py [--repeat 3]

Prints the best wall time of each step over ``--repeat`` runs and the screening result.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from wellby.prepare.identifiers import detect_identifier_columns
from wellby.prepare.pseudonyms import pseudonymise

N_ROWS = 1_000_000
N_IDS = 3_000_000
N_PERSONS = 600_000
KEY = bytes(range(32))


def make_survey(seed: int = 20240501) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = N_ROWS
    columns: dict[str, object] = {
        "person_id": rng.integers(100_000, 900_000, n),
        "wave": rng.choice([2019, 2020, 2021, 2022], n),
        "age": rng.integers(16, 95, n),
        "imd_decile": rng.integers(1, 11, n),
    }
    for item in range(25):
        columns[f"item_{item + 1}"] = rng.integers(0, 11 if item < 5 else 6, n)
    weight = rng.gamma(4.0, 0.25, n)
    weight[rng.random(n) < 0.05] = np.nan
    columns["weight"] = weight
    columns["lsoa"] = pd.Series([f"E0{i}" for i in rng.integers(1_000_000, 1_035_000, 5000)]
                                ).sample(n, replace=True, random_state=1).to_numpy()
    columns["area_name"] = rng.choice(["Tower Hamlets", "Hackney", "Newham", "Camden"], n)
    columns["sex"] = rng.choice(["Man", "Woman", "Prefer not to say"], n)
    columns["ethnicity"] = rng.choice(["White British", "Asian British", "Mixed", "Other"], n)
    columns["employment"] = rng.choice(["Full Time", "Part Time", "Retired"], n)
    columns["tenure"] = rng.choice(["Owner Occupier", "Social Rented", "Private Rented"], n)
    columns["qualification"] = rng.choice(["Degree", "A Level", "GCSE", "None"], n)
    comment = np.full(n, None, dtype=object)
    some = np.flatnonzero(rng.random(n) < 0.05)
    comment[some] = [f"Comment {i}: the new community garden made the street feel safer"
                     for i in range(some.size)]
    columns["comment"] = comment
    columns["interview_date"] = (pd.Timestamp("2021-01-01")
                                 + pd.to_timedelta(rng.integers(0, 700, n), unit="D"))
    columns["contact"] = [f"resident{i}@example.org" for i in range(n)]
    frame = pd.DataFrame(columns)
    assert frame.shape == (N_ROWS, 40), frame.shape
    return frame


def best_time(function, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    frame = make_survey()
    seconds, reasons = best_time(lambda: detect_identifier_columns(frame), args.repeat)
    print(f"detect_identifier_columns, {N_ROWS:,} rows x {frame.shape[1]} columns: "
          f"{seconds * 1000:.0f} ms")
    for column, reason in reasons.items():
        print(f"    {column}: {reason}")

    rng = np.random.default_rng(7)
    persons = rng.permutation(np.arange(10_000_000, 10_000_000 + N_PERSONS))
    panel = pd.Series(np.tile(persons, N_IDS // N_PERSONS))
    floats = panel.astype(float)
    floats[rng.random(N_IDS) < 0.05] = np.nan
    cases = {
        f"int64, {N_PERSONS:,} distinct": panel,
        f"text, {N_PERSONS:,} distinct": panel.astype(str),
        f"float with 5% missing, {N_PERSONS:,} distinct": floats,
        f"int64, {N_IDS:,} distinct": pd.Series(np.arange(N_IDS) + 10_000_000),
    }
    for label, ids in cases.items():
        seconds, result = best_time(lambda ids=ids: pseudonymise(ids, KEY), args.repeat)
        print(f"pseudonymise {len(ids):,} ids ({label}): {seconds:.2f} s "
              f"({result.nunique():,} pseudonyms)")


if __name__ == "__main__":
    main()
