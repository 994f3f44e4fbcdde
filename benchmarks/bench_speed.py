"""Benchmark wellby's estimators beside pyfixest, diff-diff and csdid at growing sizes.

Issue 17: one run prints wellby's times beside the other Python libraries' for the
two-way fixed effects DiD (pyfixest), the TWFE event study (pyfixest) and
Callaway-Sant'Anna (diff-diff and csdid) at 60,000, 1,000,000 and 3,000,000 rows, with
the ratios, the fitted growth exponents and the agreement of the answers.

Design (``make_panel``): respondents nested in 450 areas, 5 waves (1..5); each area's
cohort is drawn from {0 (never treated), 3, 4} with probabilities .5/.25/.25 and
``d = 1[wave >= cohort > 0]``; ``y = 0.3 d + respondent effect + 0.1 wave + area-by-wave
shock + noise``. Balanced: ``rows / 5`` respondents observed in every wave. Unbalanced:
``rows / 4`` respondents, each row kept with probability 0.8 (about ``rows`` rows).
TWFE and the event study run on both designs, Callaway-Sant'Anna on the balanced one.

Calls timed (the data are built, and the libraries imported, before the clock starts):

- twfe: ``fit_twfe(data, "y", "d", "id", "wave", cluster="area")`` against pyfixest
  ``feols("y ~ d | id + wave", vcov={"CRV1": "area"})``;
- event_study: ``fit_event_study(data, "y", "id", "wave", "g", cluster="area",
  reference=-1)`` against ``feols("y ~ i(rel, ref=-1) | id + wave", vcov={"CRV1":
  "area"})`` with ``rel = wave - g`` for the treated and ``-1`` (the reference) for the
  never-treated (computing ``rel`` is inside pyfixest's timed call);
- cs: ``fit_callaway_santanna(data, "y", "id", "wave", "g")`` (never-treated controls,
  doubly robust, unit-level analytic standard errors; it computes the four aggregations
  and the pre-trend test) against diff-diff ``CallawaySantAnna().fit(...)`` followed by
  ``aggregate("simple")``, ``aggregate("event_study")`` and ``aggregate("group")``, and
  against csdid ``ATTgt(...).fit(est_method="dr", bstrap=False)`` followed by
  ``aggte`` of types simple, dynamic, group and calendar (its printing suppressed).

Run:  nice -n 10 /work/main/.venv/bin/python benchmarks/bench_speed.py
          [--sizes 60000,1000000,3000000] [--tasks twfe,event_study,cs] [--repeat 3]
          [--calls 3] [--skip-csdid-above 1000000]

Each measurement is a fresh subprocess (``bench_speed.py --worker TOOL TASK ROWS DESIGN
CALLS``) that builds the data, calls the estimator ``CALLS`` times and prints one JSON
line: the first call's seconds (for pyfixest it includes numba compilation), the warm
seconds (median of the later calls) and the estimates. The driver interleaves the tools
per size (wellby, other, wellby, other, ...), ``--repeat`` processes each, and reports
medians over processes.

Prints the machine (cores, Python, library versions), then one table per task, design
and comparison library: rows | wellby first | wellby warm | other first | other warm |
first-call ratio (wellby first / other first) | warm ratio (wellby warm / other warm) |
the maximum absolute difference of the estimates and of the standard errors (twfe: the
coefficient on ``d``; event study: every relative-time coefficient; cs: ``att_simple``,
and against csdid also the group and dynamic overall effects); then each tool's growth
exponent, the least-squares slope of log(warm-call median) on log(rows) over the sizes
measured.

Targets (issue 17): Callaway-Sant'Anna at most 0.5x diff-diff's time with a growth
exponent at most 1.1 and answers equal to csdid's to 1e-10; TWFE at most 0.1x pyfixest's
first call and 0.3x its warm call at 1M and 3M rows, balanced and unbalanced.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import warnings
from importlib import metadata

import numpy as np
import pandas as pd

N_AREAS = 450
N_WAVES = 5
EFFECT = 0.3
SEED = 20240501
KEEP = 0.8

TOOLS = {
    "twfe": ("wellby", "pyfixest"),
    "event_study": ("wellby", "pyfixest"),
    "cs": ("wellby", "diff-diff", "csdid"),
}
DESIGNS = {
    "twfe": ("balanced", "unbalanced"),
    "event_study": ("balanced", "unbalanced"),
    "cs": ("balanced",),
}
LIBRARIES = ("wellby", "numpy", "pandas", "scipy", "numba", "pyfixest", "diff-diff", "csdid")


def make_panel(n_rows: int, balanced: bool, seed: int = SEED) -> pd.DataFrame:
    """Simulate a staggered-adoption panel of respondents nested in areas.

    Parameters
    ----------
    n_rows : int
        Target number of rows (exact when ``balanced``).
    balanced : bool
        Every respondent in every wave, or each row kept with probability 0.8 (then
        ``n_rows / 4`` respondents, so about ``n_rows`` rows).
    seed : int, default SEED
        Seed of the generator.

    Returns
    -------
    DataFrame
        Columns ``y``, ``d`` (treated), ``id`` (respondent), ``wave`` (1..5), ``area``
        and ``g`` (the area's first treated wave, 0 for never treated).

    """
    rng = np.random.default_rng(seed)
    n_resp = n_rows // N_WAVES if balanced else round(n_rows / (N_WAVES * KEEP))
    area_of = rng.integers(0, N_AREAS, n_resp)
    area_cohort = rng.choice(np.array([0, 3, 4], dtype=np.int64), N_AREAS, p=[0.5, 0.25, 0.25])
    rid = np.repeat(np.arange(n_resp, dtype=np.int64), N_WAVES)
    wave = np.tile(np.arange(1, N_WAVES + 1, dtype=np.int64), n_resp)
    if not balanced:
        keep = rng.random(rid.size) < KEEP
        rid, wave = rid[keep], wave[keep]
    area = area_of[rid]
    g = area_cohort[area]
    d = ((g > 0) & (wave >= g)).astype(np.int64)
    area_wave = rng.normal(scale=0.3, size=(N_AREAS, N_WAVES + 1))
    y = (
        EFFECT * d
        + rng.normal(size=n_resp)[rid]
        + 0.1 * wave
        + area_wave[area, wave]
        + rng.normal(size=rid.size)
    )
    return pd.DataFrame({"y": y, "d": d, "id": rid, "wave": wave, "area": area, "g": g})


# ---------------------------------------------------------------------------------------
# Worker: one tool, one task, one size, in its own process
# ---------------------------------------------------------------------------------------


def _estimator(tool: str, task: str):
    """Import the library (untimed) and return a no-argument-but-data fitting function.

    The function returns a dict of named ``[estimate, std_error]`` pairs; ``"headline"``
    is the one reported.
    """
    if tool == "wellby" and task == "twfe":
        from wellby.estimators.twfe import fit_twfe

        def fit(data):
            res = fit_twfe(data, "y", "d", "id", "wave", cluster="area")
            return {"headline": [res.estimate, res.std_error]}

        return fit
    if tool == "pyfixest" and task == "twfe":
        import pyfixest as pf

        def fit(data):
            res = pf.feols("y ~ d | id + wave", data=data, vcov={"CRV1": "area"})
            return {"headline": [float(res.coef()["d"]), float(res.se()["d"])]}

        return fit
    if tool == "wellby" and task == "event_study":
        from wellby.estimators.event_study import fit_event_study

        def fit(data):
            res = fit_event_study(data, "y", "id", "wave", "g", cluster="area", reference=-1)
            out = {
                f"rel {e}": [c.estimate, c.std_error]
                for e, c in zip(res.rel_times, res.coefficients, strict=True)
                if e != res.reference
            }
            out["headline"] = out["rel 0"]
            return out

        return fit
    if tool == "pyfixest" and task == "event_study":
        import pyfixest as pf

        def fit(data):
            g = data["g"].to_numpy()
            rel = np.where(g > 0, data["wave"].to_numpy() - g, -1)
            frame = data.assign(rel=rel)
            res = pf.feols("y ~ i(rel, ref=-1) | id + wave", data=frame, vcov={"CRV1": "area"})
            coef, se = res.coef(), res.se()
            out = {}
            for name in coef.index:
                e = int(re.search(r"(-?\d+)\]?$", name).group(1))
                out[f"rel {e}"] = [float(coef[name]), float(se[name])]
            out["headline"] = out["rel 0"]
            return out

        return fit
    if tool == "wellby" and task == "cs":
        from wellby.estimators.callaway_santanna import fit_callaway_santanna

        def fit(data):
            res = fit_callaway_santanna(data, "y", "id", "wave", "g")
            return {
                "headline": [res.simple.estimate, res.simple.std_error],
                "att_group": [res.group.estimate, res.group.std_error],
                "att_dynamic": [res.dynamic.estimate, res.dynamic.std_error],
            }

        return fit
    if tool == "diff-diff" and task == "cs":
        from diff_diff import CallawaySantAnna

        def fit(data):
            res = CallawaySantAnna().fit(data, "y", "id", "wave", "g")
            res.aggregate("simple")
            res.aggregate("event_study")
            res.aggregate("group")
            return {"headline": [float(res.overall_att), float(res.overall_se)]}

        return fit
    if tool == "csdid" and task == "cs":
        from csdid.att_gt import ATTgt

        def fit(data):
            with contextlib.redirect_stdout(io.StringIO()):
                att = ATTgt(yname="y", tname="wave", idname="id", gname="g", data=data)
                att.fit(est_method="dr", bstrap=False)
                out = {}
                for typec, key in (
                    ("simple", "headline"),
                    ("dynamic", "att_dynamic"),
                    ("group", "att_group"),
                    ("calendar", None),
                ):
                    agg = att.aggte(typec=typec).atte
                    if key is not None:
                        out[key] = [float(agg["overall_att"]), float(agg["overall_se"])]
            return out

        return fit
    raise ValueError(f"no {tool} estimator for task {task}")


def worker(tool: str, task: str, n_rows: int, design: str, calls: int) -> dict:
    """Build the data, time ``calls`` fits of one tool and return the measurements.

    Parameters
    ----------
    tool : str
        ``wellby``, ``pyfixest``, ``diff-diff`` or ``csdid``.
    task : str
        ``twfe``, ``event_study`` or ``cs``.
    n_rows : int
        Rows of the simulated panel.
    design : str
        ``balanced`` or ``unbalanced``.
    calls : int
        Calls in this process: the first, then ``calls - 1`` warm ones.

    Returns
    -------
    dict
        ``first`` and ``warm`` seconds (``warm`` the median of the later calls, None
        with a single call), ``rows`` and the estimates of the last call.

    """
    warnings.simplefilter("ignore")
    data = make_panel(n_rows, balanced=design == "balanced")
    fit = _estimator(tool, task)
    times, est = [], None
    for _ in range(max(calls, 1)):
        t0 = time.perf_counter()
        est = fit(data)
        times.append(time.perf_counter() - t0)
    return {
        "tool": tool,
        "task": task,
        "design": design,
        "rows": len(data),
        "first": times[0],
        "warm": statistics.median(times[1:]) if len(times) > 1 else None,
        "estimates": est,
    }


# ---------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------


def machine_lines() -> list[str]:
    """Describe the machine and the library versions."""
    cpu = ""
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    versions = []
    for lib in LIBRARIES:
        try:
            versions.append(f"{lib} {metadata.version(lib)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{lib} (not installed)")
    return [
        f"machine: {len(os.sched_getaffinity(0))} cores usable ({os.cpu_count()} in nproc), "
        f"{cpu or platform.machine()}, niceness {os.nice(0)}",
        f"python {platform.python_version()} ({sys.executable}), {platform.platform()}",
        "libraries: " + ", ".join(versions),
    ]


def run_worker(tool: str, task: str, n_rows: int, design: str, calls: int) -> dict | None:
    """Run one measurement in a fresh subprocess and parse its JSON line."""
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        tool,
        task,
        str(n_rows),
        design,
        str(calls),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  {tool} {task} {n_rows} {design} failed: {tail}", file=sys.stderr)
        return None
    return json.loads(lines[-1])


def growth_exponent(rows: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(rows); NaN with fewer than two sizes."""
    pts = [(r, s) for r, s in zip(rows, seconds, strict=True) if s is not None and s > 0]
    if len({r for r, _ in pts}) < 2:
        return float("nan")
    x = np.log([r for r, _ in pts])
    y = np.log([s for _, s in pts])
    return float(np.polyfit(x, y, 1)[0])


def _median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def _max_diff(a: dict, b: dict, keys: list[str] | None = None) -> tuple[float, float]:
    """Largest absolute differences of estimates and of standard errors over shared keys."""
    keys = keys if keys is not None else sorted(set(a) & set(b))
    keys = [k for k in keys if k in a and k in b]
    if not keys:
        return float("nan"), float("nan")
    de = max(abs(a[k][0] - b[k][0]) for k in keys)
    ds = max(abs(a[k][1] - b[k][1]) for k in keys)
    return de, ds


def _fmt(x: float | None, spec: str = "8.3f") -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return f"{'-':>{len(format(1.0, spec))}}"
    return format(x, spec)


def measure(task, design, sizes, repeat, calls, skip_csdid_above):
    """Time every tool of a task at every size, interleaved; medians over processes."""
    tools = TOOLS[task]
    out = {tool: {} for tool in tools}
    for n in sizes:
        active = [t for t in tools if not (t == "csdid" and n > skip_csdid_above)]
        runs = {t: [] for t in active}
        for r in range(repeat):
            for tool in active:
                t0 = time.perf_counter()
                res = run_worker(tool, task, n, design, calls)
                print(
                    f"  [{task} {design} {n:,} rows, process {r + 1}/{repeat}] {tool}: "
                    + (
                        f"first {res['first']:.3f} s, warm {_fmt(res['warm'], '.3f')} s "
                        f"(process {time.perf_counter() - t0:.1f} s)"
                        if res
                        else "failed"
                    ),
                    file=sys.stderr,
                    flush=True,
                )
                if res:
                    runs[tool].append(res)
        for tool in tools:
            if tool not in active:
                out[tool][n] = "skipped"
            elif not runs[tool]:
                out[tool][n] = "failed"
            else:
                out[tool][n] = {
                    "rows": runs[tool][0]["rows"],
                    "first": _median([x["first"] for x in runs[tool]]),
                    "warm": _median([x["warm"] for x in runs[tool]]),
                    "estimates": runs[tool][-1]["estimates"],
                }
    return out


def report(task, design, sizes, results, calls):
    """Print the tables of one task and design."""
    tools = TOOLS[task]
    wb = results["wellby"]
    compare_keys = {"csdid": ["headline", "att_group", "att_dynamic"], "diff-diff": ["headline"]}
    what = {
        "twfe": "coefficient on d",
        "event_study": "every relative-time coefficient",
        "cs": "att_simple",
    }[task]
    for other in tools[1:]:
        ot = results[other]
        agree = what
        if other == "csdid":
            agree = "att_simple, att_group and att_dynamic overall"
        print(f"\n== {task}, {design}: wellby vs {other}")
        print(
            f"   times in seconds, medians over processes; warm = median of calls 2..{calls}; "
            f"ratio = wellby / {other}; |diff| = max abs difference over {agree}"
        )
        head = (
            f"{'rows':>10} | {'wellby first':>12} | {'wellby warm':>11} | "
            f"{other + ' first':>16} | {other + ' warm':>15} | {'ratio first':>11} | "
            f"{'ratio warm':>10} | {'|diff est|':>10} | {'|diff se|':>10}"
        )
        print(head)
        print("-" * len(head))
        for n in sizes:
            w, o = wb.get(n), ot.get(n)
            rows = w["rows"] if isinstance(w, dict) else n
            if not isinstance(o, dict) or not isinstance(w, dict):
                wf = w["first"] if isinstance(w, dict) else None
                ww = w["warm"] if isinstance(w, dict) else None
                status = o if isinstance(o, str) else "failed"
                print(
                    f"{rows:>10,} | {_fmt(wf, '12.3f')} | {_fmt(ww, '11.3f')} | "
                    f"{status:>16} | {status:>15} | {'-':>11} | {'-':>10} | "
                    f"{'-':>10} | {'-':>10}"
                )
                continue
            rf = w["first"] / o["first"]
            rw = w["warm"] / o["warm"] if w["warm"] and o["warm"] else None
            keys = compare_keys.get(other) if task == "cs" else None
            if task == "twfe":
                keys = ["headline"]
            de, ds = _max_diff(w["estimates"], o["estimates"], keys)
            print(
                f"{rows:>10,} | {w['first']:12.3f} | {_fmt(w['warm'], '11.3f')} | "
                f"{o['first']:16.3f} | {_fmt(o['warm'], '15.3f')} | {rf:11.3f} | "
                f"{_fmt(rw, '10.3f')} | {de:10.1e} | {ds:10.1e}"
            )
            if task == "event_study":
                only_w = sorted(set(w["estimates"]) - set(o["estimates"]))
                only_o = sorted(set(o["estimates"]) - set(w["estimates"]))
                if only_w or only_o:
                    print(f"   terms differ: only wellby {only_w}, only {other} {only_o}")
        for tool in ("wellby", other):
            pts = [
                (v["rows"], v["warm"])
                for v in (results[tool].get(n) for n in sizes)
                if isinstance(v, dict) and v["warm"]
            ]
            b = growth_exponent([p[0] for p in pts], [p[1] for p in pts])
            print(
                f"   growth exponent {tool:>9}: {_fmt(b, '.3f')} "
                f"(slope of log warm-call time on log rows over {len(pts)} sizes)"
            )


def main() -> int:
    """Parse the arguments; run a worker or the whole benchmark."""
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        tool, task, n_rows, design, calls = sys.argv[2:7]
        res = worker(tool, task, int(n_rows), design, int(calls))
        print(json.dumps(res), flush=True)
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60000,1000000,3000000", help="comma-separated rows")
    parser.add_argument("--tasks", default="twfe,event_study,cs", help="comma-separated tasks")
    parser.add_argument("--repeat", type=int, default=3, help="processes per tool and size")
    parser.add_argument("--calls", type=int, default=3, help="calls per process (first + warm)")
    parser.add_argument("--skip-csdid-above", type=int, default=1_000_000, help="rows")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in TOOLS]
    if unknown:
        parser.error(f"unknown task(s) {unknown}; choose from {sorted(TOOLS)}")
    if args.calls < 2:
        parser.error("--calls must be at least 2 (a first and a warm call)")

    print("\n".join(machine_lines()))
    print(
        f"sizes {', '.join(f'{n:,}' for n in sizes)} rows; {args.repeat} processes per tool "
        f"and size, {args.calls} calls per process; csdid skipped above "
        f"{args.skip_csdid_above:,} rows"
    )
    t_start = time.perf_counter()
    for task in tasks:
        for design in DESIGNS[task]:
            results = measure(task, design, sizes, args.repeat, args.calls, args.skip_csdid_above)
            report(task, design, sizes, results, args.calls)
            sys.stdout.flush()
    print(f"\ntotal wall time {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
