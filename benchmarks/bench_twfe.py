"""Benchmark wellby's TWFE DiD fit against pyfixest on 1,000,000 rows.

Design: 200,000 respondents x 5 waves in 450 areas (respondents nested in areas), treatment
switched on from wave 3 in half of the areas, outcome with respondent, wave and area-by-wave
effects. Clustered (CRV1) by area. The balanced panel has exactly 1,000,000 rows; the
unbalanced one draws 250,000 respondents and keeps each row with probability 0.8.

Run:  /work/venv/bin/python benchmarks/bench_twfe.py [--design balanced|unbalanced|both]

Prints the wall time of ``wellby.estimators.twfe.fit_twfe`` and of pyfixest's
``feols("y ~ d | id + wave", vcov={"CRV1": "area"})`` (its first call in the process, which
includes numba compilation, then a second, warm call), the peak memory traced during the
wellby fit (tracemalloc: numpy allocations), the process's peak RSS before pyfixest ran,
and checks that the two estimates and standard errors agree.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from wellby.estimators.twfe import fit_twfe

N_AREAS = 450
N_WAVES = 5
EFFECT = 0.3


def make_data(balanced: bool, seed: int = 20240501) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_resp = 200_000 if balanced else 250_000
    area_of = rng.integers(0, N_AREAS, n_resp)
    treated_area = rng.permutation(np.arange(N_AREAS) < N_AREAS // 2)
    rid = np.repeat(np.arange(n_resp, dtype=np.int64), N_WAVES)
    wave = np.tile(np.arange(1, N_WAVES + 1, dtype=np.int64), n_resp)
    if not balanced:
        keep = rng.random(rid.size) < 0.8
        rid, wave = rid[keep], wave[keep]
    area = area_of[rid]
    d = (treated_area[area] & (wave >= 3)).astype(np.int64)
    area_wave = rng.normal(scale=0.3, size=(N_AREAS, N_WAVES + 1))
    y = (
        EFFECT * d
        + rng.normal(size=n_resp)[rid]
        + 0.1 * wave
        + area_wave[area, wave]
        + rng.normal(size=rid.size)
    )
    return pd.DataFrame({"y": y, "d": d, "id": rid, "wave": wave, "area": area})


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(design: str, first_pyfixest: bool) -> bool:
    data = make_data(balanced=design == "balanced")
    print(
        f"\n== {design}: {len(data):,} rows, {data['id'].nunique():,} respondents, "
        f"{N_WAVES} waves, {N_AREAS} areas"
    )
    gc.collect()
    rss_before = peak_rss_mb()

    t0 = time.perf_counter()
    res = fit_twfe(data, "y", "d", "id", "wave", cluster="area")
    t_wellby = time.perf_counter() - t0
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        fit_twfe(data, "y", "d", "id", "wave", cluster="area")
        times.append(time.perf_counter() - t0)
    rss_after = peak_rss_mb()

    gc.collect()
    tracemalloc.start()
    fit_twfe(data, "y", "d", "id", "wave", cluster="area")
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    import pyfixest as pf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        ref = pf.feols("y ~ d | id + wave", data=data, vcov={"CRV1": "area"})
        t_pf = time.perf_counter() - t0
        t0 = time.perf_counter()
        pf.feols("y ~ d | id + wave", data=data, vcov={"CRV1": "area"})
        t_pf_warm = time.perf_counter() - t0
    pf_est, pf_se = float(ref.coef()["d"]), float(ref.se()["d"])

    label = "first call, incl. numba JIT" if first_pyfixest else "not the first call"
    print(
        f"wellby fit_twfe    : {t_wellby:7.3f} s (first call); {min(times):.3f} s (best of 2 more)"
    )
    print(f"pyfixest feols     : {t_pf:7.3f} s ({label}); {t_pf_warm:.3f} s (next call)")
    print(
        f"wellby peak memory : {traced_peak / 2**20:7.1f} MB traced by tracemalloc during "
        f"the fit; process peak RSS {rss_after:.0f} MB (was {rss_before:.0f} MB with the "
        "data loaded, before fitting)"
    )
    print(
        f"estimate  wellby {res.estimate:.10f}  pyfixest {pf_est:.10f}  "
        f"rel diff {abs(res.estimate / pf_est - 1):.1e}"
    )
    print(
        f"std error wellby {res.std_error:.10f}  pyfixest {pf_se:.10f}  "
        f"rel diff {abs(res.std_error / pf_se - 1):.1e}"
    )
    print(
        f"N used: wellby {res.n_obs:,} (singletons dropped {res.n_dropped_singletons:,}), "
        f"pyfixest {ref._N:,}; clusters {res.n_clusters}"
    )
    print(f"vcov: {res.vcov_description}")
    ok = (
        np.isclose(res.estimate, pf_est, rtol=1e-6)
        and np.isclose(res.std_error, pf_se, rtol=1e-6)
        and res.n_obs == ref._N
    )
    print("agreement (rtol 1e-6):", "OK" if ok else "FAILED")
    return bool(ok)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", choices=["balanced", "unbalanced", "both"], default="both")
    args = parser.parse_args()
    designs = ["balanced", "unbalanced"] if args.design == "both" else [args.design]
    ok = all(run(d, first_pyfixest=i == 0) for i, d in enumerate(designs))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
