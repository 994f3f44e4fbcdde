"""Every evaluation design runs, or says exactly why it cannot.

Small generated studies with a known, homogeneous effect (:mod:`tests.design_data`) go
through every DiD estimator (``twfe``, ``event_study``, ``callaway_santanna``; not
``mixed_cohort``, which models a followed cohort, not a design) the way the workflow's
estimate step runs them: :func:`wellby.analysis.effects.estimate_outcome` with a ``models``
section that
config validation filled. Each design has one verdict, and every estimator must reach it:

- *estimate*: each returns an estimate whose 99% interval covers the truth (TWFE ``att``
  and its wild bootstrap interval where given; every post-start event-study coefficient;
  Callaway-Sant'Anna's four aggregations);
- *stop*: each raises :class:`wellby.errors.DataError` whose message names the outcome, the
  specific problem, and the config key to fix.

The matrix crosses the design's dimensions (panel or repeated cross-sections; respondents
nested in areas or the area as the unit; 2 to 8 waves; one cohort or staggered; with a
never-treated group or all areas treated in the end; balanced or not; weights; a
covariate; 1 to 300 areas; the comparison group) so that every pair of values of any two
dimensions occurs in some cell. Designs the generator cannot vary (cohorts outside the
waves, colliding ids, a wave without outcome values, bad weights, one treated area) are
cells of their own below.

Verdicts follow R's did where it has one: areas first treated after the last wave are
never treated; areas treated from the first wave have no pre-period and are left out; a
wave without the outcome adds nothing. A design with no comparison group, a cohort before
the first wave, ids that collide within a wave and weights that are infinite or zero in a
whole wave stop. One treated area estimates, with a warning in ``did.csv``.

A cell where estimators disagree goes into ``KNOWN_GAPS`` (or ``DESIGN_GAPS``) with what
each one does, and runs as ``xfail(strict=True)``: that list is the work left to do, and
it is empty today. A fixed cell then passes, and strict xfail fails until its entry goes.
"""

from __future__ import annotations

import re
import warnings
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wellby.analysis.effects import estimate_outcome
from wellby.config import validate_config
from wellby.errors import DataError

from .conftest import SCHEMA, minimal_config
from .design_data import COVARIATE, FIRST_WAVE, OUTCOME, WEIGHT, make_study, wave_labels

ESTIMATORS = ("twfe", "event_study", "callaway_santanna")
ALPHA = 0.01
EFFECT = 0.5

# --------------------------------------------------------------------------- the matrix

LAYOUTS = ("panel/nested", "panel/cluster", "rcs/nested", "rcs/cluster")
"""Design and unit together: panel or repeated cross-sections (rcs), with respondents
nested in areas or the area as the unit (so every layout meets every other value)."""

COMMON: dict[str, tuple] = {
    "layout": LAYOUTS,
    "waves": (2, 3, 5, 8),
    "balanced": (True, False),
    "weights": (False, True),
    "covariates": (False, True),
}

ESTIMABLE: dict[str, tuple] = {
    **COMMON,
    "timing": ("one_cohort", "staggered", "staggered_all"),
    "clusters": (4, 8, 30, 300),
    "control": ("never_treated", "not_yet_treated"),
}
"""Designs with a comparison group. ``timing``: one cohort or two staggered cohorts, with
never-treated areas or (``_all``) every area treated in the end, compared with the not yet
treated. ``control``: ``models.control_group``."""

UNESTIMABLE: dict[str, tuple] = {
    **COMMON,
    "timing": ("one_cohort_all", "staggered_all"),
    "clusters": (1, 4, 30, 300),
    "control": ("never_treated", "not_yet_treated"),
}
"""Designs without one: every area treated at once (or a single area), or staggered
cohorts with no never-treated area while ``models.control_group`` asks for them."""


def feasible(cell: Mapping[str, Any], stop: bool = False) -> bool:
    """Tell whether a (partial) cell is a design of its matrix.

    Parameters
    ----------
    cell : mapping
        Factor -> value, for some of the factors.
    stop : bool
        The cell belongs to :data:`UNESTIMABLE`, not :data:`ESTIMABLE`.
    """
    timing, waves, control = cell.get("timing"), cell.get("waves"), cell.get("control")
    if timing is not None and timing.startswith("staggered") and waves is not None and waves < 3:
        return False  # two cohorts, each with a wave before its start, need 3 waves
    if timing == "staggered_all" and control is not None:
        if control != ("never_treated" if stop else "not_yet_treated"):
            return False
    if cell.get("clusters") == 1 and timing not in (None, "one_cohort_all"):
        return False  # one area: it is treated and there is nothing else
    return True


def pairwise(factors: Mapping[str, tuple], ok: Callable[[Mapping[str, Any]], bool]
             ) -> list[dict[str, Any]]:
    """Return cells covering every feasible pair of values of any two factors.

    Greedy, deterministic (factors and values in the order given): each new cell starts
    from the first pair not yet covered and fills the other factors with the value that
    covers most new pairs.
    """
    names = list(factors)

    def pair(a: str, va: Any, b: str, vb: Any) -> tuple:
        return ((a, va), (b, vb)) if names.index(a) < names.index(b) else ((b, vb), (a, va))

    todo = [pair(a, va, b, vb) for a, b in combinations(names, 2)
            for va in factors[a] for vb in factors[b] if ok({a: va, b: vb})]
    uncovered = set(todo)
    cells = []
    while uncovered:
        (a, va), (b, vb) = next(p for p in todo if p in uncovered)
        cell = {a: va, b: vb}
        for name in names:
            if name in cell:
                continue
            gains = [sum(pair(n, v, name, value) in uncovered for n, v in cell.items())
                     if ok({**cell, name: value}) else -1 for value in factors[name]]
            cell[name] = factors[name][int(np.argmax(gains))]
        cells.append({name: cell[name] for name in names})
        uncovered -= {pair(a, cell[a], b, cell[b]) for a, b in combinations(names, 2)}
    return cells


MATRIX = ([{**cell, "stop": False} for cell in pairwise(ESTIMABLE, feasible)]
          + [{**cell, "stop": True} for cell in pairwise(UNESTIMABLE,
                                                         lambda c: feasible(c, stop=True))])


def cell_id(cell: Mapping[str, Any]) -> str:
    """A readable test id, e.g. ``panel-nested-w5-staggered-unbal-wt-cov-G30-nyt``."""
    parts = [cell["layout"].replace("/", "-"), f"w{cell['waves']}", cell["timing"],
             "bal" if cell["balanced"] else "unbal"]
    parts += ["wt"] if cell["weights"] else []
    parts += ["cov"] if cell["covariates"] else []
    parts += [f"G{cell['clusters']}", "nyt" if cell["control"] == "not_yet_treated" else "nt"]
    return "-".join(parts)


def design_of(cell: Mapping[str, Any]) -> str:
    """The config's ``design`` of a cell."""
    return "panel" if cell["layout"].startswith("panel") else "repeated_cross_section"


def cohorts_for(timing: str, n_waves: int) -> tuple[int, ...]:
    """First treated waves: one mid-study cohort, or two staggered ones (3+ waves)."""
    labels = wave_labels(n_waves)
    if timing.startswith("one_cohort"):
        return (labels[n_waves // 2],)
    return (labels[max(1, n_waves // 3)], labels[max(2, 2 * n_waves // 3)])


def draw(cell: Mapping[str, Any]) -> tuple[pd.DataFrame, dict, float]:
    """Draw the cell's study (seeded by its id, so cells do not share draws)."""
    return make_study(
        design=design_of(cell), n_clusters=cell["clusters"], n_waves=cell["waves"],
        cohorts=cohorts_for(cell["timing"], cell["waves"]),
        never_treated=not cell["timing"].endswith("_all"), balanced=cell["balanced"],
        weights=cell["weights"], covariates=cell["covariates"],
        unit_is_cluster=cell["layout"].endswith("cluster"), effect=EFFECT,
        seed=zlib.crc32(cell_id(cell).encode()))


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class Stop:
    """The verdict that a design cannot be estimated.

    Attributes
    ----------
    problem : str
        Regular expression the message must match (the specific problem).
    key : str
        Regular expression of the config key the message must name.
    """

    problem: str
    key: str


ESTIMATE = "estimate"

NO_COMPARISON = Stop(r"(?i)compar", r"columns\.cohort")
NO_NEVER_TREATED = Stop(r"(?i)never[- ]treated", r"models\.control_group")
TOO_FEW_FOR_COVARIATES = Stop(r"(?i)covariate.*comparison group for wave \d+ has \d row",
                              r"models\.covariates")


def smallest_comparison(cell: Mapping[str, Any]) -> int:
    """Fewest comparison rows in a wave, in a design of area rows (``layout`` ``*/cluster``).

    :func:`tests.design_data.make_study` treats half the areas (rounded up) when some are
    never treated, and spreads the treated over the cohorts in turn; the smallest comparison
    group is then the never-treated half, or without it the last cohort (half the areas,
    rounded down, of two cohorts). An unbalanced study misses one row of every third area.
    """
    areas = cell["clusters"] // 2
    return areas - (0 if cell["balanced"] else 1)


def verdict(cell: Mapping[str, Any]) -> Stop | str:
    """The verdict a mature tool gives the cell's design.

    Every area treated at once leaves nothing to compare with; staggered cohorts without
    never-treated areas compare with the not yet treated, which the config must allow. A
    covariate adjusted for within a comparison group of two area rows (its intercept and
    slope fit them exactly) leaves nothing to estimate with: Callaway-Sant'Anna's outcome
    regression is singular, and every estimator must stop alike.
    """
    if cell["timing"] == "one_cohort_all" or cell["clusters"] == 1:
        return NO_COMPARISON
    if cell["timing"] == "staggered_all" and cell["control"] == "never_treated":
        return NO_NEVER_TREATED
    if (cell["covariates"] and cell["layout"].endswith("cluster")
            and smallest_comparison(cell) <= 2):
        return TOO_FEW_FOR_COVARIATES
    return ESTIMATE


def study_models(design: str, columns: Mapping[str, Any], *, covariates: bool = False,
                 control: str = "never_treated") -> dict[str, Any]:
    """The ``models`` section as config validation fills it for the study."""
    config = minimal_config(
        design=design, columns=dict(columns), outcomes=[OUTCOME],
        models={"estimators": list(ESTIMATORS), "alpha": ALPHA, "control_group": control,
                "covariates": [COVARIATE] if covariates else [],
                "bootstrap": {"reps": 999, "seed": 11}})
    return validate_config(config, SCHEMA)["models"]


def run_each(data: pd.DataFrame, columns: Mapping[str, Any], design: str,
             models: Mapping[str, Any]) -> dict[str, Any]:
    """Run every estimator on its own; the result or the exception, by estimator."""
    results = {}
    for estimator in ESTIMATORS:
        try:
            results[estimator] = estimate_outcome(
                data, OUTCOME, columns=columns, design=design,
                models={**models, "estimators": [estimator]})
        except Exception as err:  # any exception is a verdict to report
            results[estimator] = err
    return results


def intervals(estimator: str, result: Any) -> list[tuple[str, float, float, float]]:
    """The (label, estimate, low, high) headline intervals that must cover the truth.

    did.csv names the headline inference of each row (``inference``: analytic, the wild
    cluster bootstrap, or few-cluster t intervals) and gives its interval in
    ``headline_ci_low``/``headline_ci_high``; event_study.csv does the same per row.
    """
    did = result.did
    if (did["inference"] == "none_reliable").any() or (
            "inference" in result.event_study
            and (result.event_study["inference"] == "none_reliable").any()):
        # No interval is claimed (a cohort with one treated cluster): the rows must say why.
        assert did["note"].str.contains("WARNING: cohort").any(), did["note"].tolist()
    if estimator == "twfe":
        att = did[did["term"] == "att"].iloc[0]
        return [(f"att ({att['inference']})", att["estimate"], att["headline_ci_low"],
                 att["headline_ci_high"])]
    if estimator == "event_study":
        rows = result.event_study
        rows = rows[(rows["estimator"] == "event_study") & (rows["rel_time"] >= 0)]
        return [(f"rel_time={int(r.rel_time)} ({r.inference})", r.estimate,
                 r.headline_ci_low, r.headline_ci_high) for r in rows.itertuples()
                if r.inference != "none_reliable"]
    rows = did[did["term"].str.startswith("att_")]
    return [(f"{r.term} ({r.inference})", r.estimate, r.headline_ci_low, r.headline_ci_high)
            for r in rows.itertuples() if r.inference != "none_reliable"]


def describe(estimator: str, outcome: Any) -> str:
    """One line on what an estimator did, for failure messages."""
    if isinstance(outcome, BaseException):
        text = " | ".join(line.strip() for line in str(outcome).splitlines())
        return f"{estimator}: {type(outcome).__name__}: {text}"
    shown = ", ".join(f"{label} {est:.3f} [{low:.3f}, {high:.3f}]"
                      for label, est, low, high in intervals(estimator, outcome))
    return f"{estimator}: {shown}"


def covers(est: float, low: float, high: float, truth: float, widen: float = 1.0) -> bool:
    """Tell whether the interval, stretched ``widen`` times about the estimate, holds the
    truth (each side stretched on its own, as bootstrap intervals need not be symmetric)."""
    return bool(np.isfinite(est) and est - widen * (est - low) <= truth
                <= est + widen * (high - est))


def check_verdict(results: Mapping[str, Any], expected: Stop | str, truth: float,
                  widen: float = 1.0) -> None:
    """Assert that every estimator reached the expected verdict.

    With ``widen`` above 1, an estimate need only lie within ``widen`` times its interval's
    half-width of the truth (see :func:`test_matrix_intervals_miss_as_often_as_their_level`).
    """
    report = "\n  ".join(describe(name, outcome) for name, outcome in results.items())
    problems = []
    for name, outcome in results.items():
        if expected == ESTIMATE:
            if isinstance(outcome, BaseException):
                problems.append(f"{name} did not estimate")
                continue
            found = intervals(name, outcome)
            warned = outcome.did["note"].str.contains("WARNING: cohort").any()
            if not found and not warned:
                problems.append(f"{name} reported no effect")
            for label, est, low, high in found:
                if not covers(est, low, high, truth, widen):
                    problems.append(f"{name} {label} interval [{low:.3f}, {high:.3f}]"
                                    + (f" widened {widen:g} times" if widen != 1 else "")
                                    + f" misses the truth {truth}")
            continue
        if not isinstance(outcome, DataError):
            problems.append(f"{name} did not stop with a DataError")
            continue
        message = str(outcome)
        if not re.search(expected.problem, message):
            problems.append(f"{name}'s message does not name the problem /{expected.problem}/")
        if not re.search(rf"config key to fix: (?:{expected.key})\b", message):
            problems.append(f"{name}'s message does not name the key /{expected.key}/")
        if OUTCOME not in message:
            problems.append(f"{name}'s message does not name the outcome '{OUTCOME}'")
    wanted = "estimate" if expected == ESTIMATE else f"stop ({expected.key})"
    assert not problems, f"expected every estimator to {wanted}:\n  " + "\n  ".join(
        problems) + "\nwhat each did:\n  " + report


# --------------------------------------------------------------------------- matrix test


KNOWN_GAPS: dict[str, str] = {}
"""Cells that fail today, with what each estimator does: the work left to do."""


def matrix_params():
    for cell in MATRIX:
        gap = KNOWN_GAPS.get(cell_id(cell))
        marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
        yield pytest.param(cell, id=cell_id(cell), marks=marks)


@pytest.mark.parametrize("stop", [False, True])
def test_matrix_covers_every_pair_of_values(stop):
    factors = UNESTIMABLE if stop else ESTIMABLE
    cells = [cell for cell in MATRIX if cell["stop"] == stop]
    seen = {((a, cell[a]), (b, cell[b])) for cell in cells
            for a, b in combinations(factors, 2)}
    for a, b in combinations(factors, 2):
        for va in factors[a]:
            for vb in factors[b]:
                if feasible({a: va, b: vb}, stop=stop):
                    assert ((a, va), (b, vb)) in seen, (a, va, b, vb)
    if stop:
        assert all(verdict(cell) != ESTIMATE for cell in cells)
    else:  # a comparison group exists, though it may be too small for a covariate
        assert {verdict(cell) for cell in cells} == {ESTIMATE, TOO_FEW_FOR_COVARIATES}


def test_known_gaps_are_cells_of_the_matrix():
    assert set(KNOWN_GAPS) <= {cell_id(cell) for cell in MATRIX}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("cell", list(matrix_params()))
def test_design_matrix(cell):
    results, truth = matrix_results(cell_id(cell))
    check_verdict(results, verdict(cell), truth, widen=WIDEN)


WIDEN = 2.0
"""A cell's estimate must lie within twice its 99% interval's half-width of the truth.

Some 160 intervals at 99% in the matrix miss about 1.6 times in all when their level is
right, so asking each cell to cover at 99% fails on a chance draw; twice the half-width is
over 5 standard errors, which a right estimate misses with negligible chance and a biased
one does not. How often the 99% intervals themselves miss is tested over the whole matrix.
"""


@cache
def matrix_results(name: str) -> tuple[dict[str, Any], float]:
    """Run every estimator on the matrix cell called ``name`` (once per test session)."""
    cell = next(cell for cell in MATRIX if cell_id(cell) == name)
    data, columns, truth = draw(cell)
    design = design_of(cell)
    models = study_models(design, columns, covariates=cell["covariates"],
                          control=cell["control"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return run_each(data, columns, design, models), truth


def test_matrix_intervals_miss_as_often_as_their_level():
    # Misses of a right 99% interval are at most Binomial(n, 0.01); more than its 99.9%
    # quantile says the intervals are too narrow somewhere.
    checked, missed = 0, []
    for cell in MATRIX:
        if verdict(cell) != ESTIMATE:
            continue
        results, truth = matrix_results(cell_id(cell))
        for name, result in results.items():
            for label, est, low, high in intervals(name, result):
                checked += 1
                if not covers(est, low, high, truth):
                    missed.append(f"{cell_id(cell)} {name} {label} [{low:.3f}, {high:.3f}]")
    allowed = int(stats.binom.ppf(0.999, checked, ALPHA))
    assert checked > 100
    print(f"{len(missed)} of {checked} intervals miss:", *missed, sep="\n  ")
    assert len(missed) <= allowed, (
        f"{len(missed)} of {checked} 99% intervals miss the truth (at most {allowed} by "
        "chance):\n" + "\n".join(missed))


# --------------------------------------------------------------------------- designs of their own
# Panels of 30 areas and 4 waves (2016-2019), changed in one respect each.


def _cohorts(first: int, second: int, never_treated: bool = True) -> Callable[[], tuple]:
    def build():
        return make_study(n_clusters=30, n_waves=4, cohorts=(first, second),
                          never_treated=never_treated, seed=first + second)
    return build


def _changed(change: Callable[[pd.DataFrame], None], **study: Any) -> Callable[[], tuple]:
    def build():
        data, columns, truth = make_study(**{"n_clusters": 30, "n_waves": 4, "seed": 5,
                                             **study})
        change(data)
        return data, columns, truth
    return build


def _blank(column: str, wave: int, value: float) -> Callable[[pd.DataFrame], None]:
    def change(data: pd.DataFrame) -> None:
        data.loc[data["wave"] == wave, column] = value
    return change


def _collapse_ids(data: pd.DataFrame) -> None:
    data["person_id"] = data["area_id"]  # every respondent of an area gets the area's id


def _infinite_weights(data: pd.DataFrame) -> None:
    data.loc[data.index[:3], WEIGHT] = np.inf


LAST = FIRST_WAVE + 3  # the last of the 4 waves of these studies

DESIGNS = {
    # R did codes cohorts after the last period as never treated (and so must wellby)
    "cohort-after-last-wave": (_cohorts(FIRST_WAVE + 2, LAST + 2), ESTIMATE),
    "cohort-after-last-wave-is-the-comparison": (
        _cohorts(FIRST_WAVE + 2, LAST + 2, never_treated=False), ESTIMATE),
    # R did drops units treated from the first period (no pre-period) and estimates
    "cohort-at-first-wave": (_cohorts(FIRST_WAVE, FIRST_WAVE + 2), ESTIMATE),
    # a wave without the outcome (a question not asked that year) adds nothing; R did takes
    # the last observed wave before a cohort's start as its base period
    "no-outcome-in-a-pre-period-wave": (
        _changed(_blank(OUTCOME, FIRST_WAVE, np.nan)), ESTIMATE),
    "no-outcome-in-the-first-treated-wave": (
        _changed(_blank(OUTCOME, FIRST_WAVE + 2, np.nan)), ESTIMATE),
    # areas treated before the study began have no untreated wave: a cohort coding error
    "cohort-before-first-wave": (
        _cohorts(FIRST_WAVE - 2, FIRST_WAVE + 2),
        Stop(rf"(?is)(?=.*\b{FIRST_WAVE - 2}\b)(?=.*first wave)", r"columns\.cohort")),
    "ids-collapse": (
        _changed(_collapse_ids),
        Stop(r"(?is)(?=.*person_id)(?=.*(more than one row|twice|duplicate))", r"columns\.id")),
    "infinite-weights": (
        _changed(_infinite_weights, weights=True),
        Stop(rf"(?is)(?=.*{WEIGHT})(?=.*infinite)", r"columns\.weight")),
    "zero-weights-in-a-wave": (
        _changed(_blank(WEIGHT, FIRST_WAVE, 0.0), weights=True),
        Stop(rf"(?is)(?=.*{WEIGHT})(?=.*\b{FIRST_WAVE}\b)(?=.*zero)", r"columns\.weight")),
}


DESIGN_GAPS: dict[str, str] = {
}


def design_params():
    for name, (build, expected) in DESIGNS.items():
        gap = DESIGN_GAPS.get(name)
        marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
        yield pytest.param(build, expected, id=name, marks=marks)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("build", "expected"), list(design_params()))
def test_design_of_its_own(build, expected):
    data, columns, truth = build()
    models = study_models("panel", columns)
    check_verdict(run_each(data, columns, "panel", models), expected, truth)


NOTE_COLUMNS = ("note", "notes", "warning", "warnings")


def notes(result: Any) -> str:
    """The warnings and notes a ``did.csv`` table carries, as one text."""
    did = result.did
    found = [c for c in did.columns if c.lower() in NOTE_COLUMNS]
    return " ".join(did[c].dropna().astype(str).str.cat(sep=" ") for c in found)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("design", ["panel", "repeated_cross_section"])
def test_one_treated_cluster_estimates_with_a_warning(design):
    data, columns, _ = make_study(design=design, n_clusters=8, n_treated=1, seed=17)
    results = run_each(data, columns, design, study_models(design, columns))
    report = "\n  ".join(describe(name, outcome) for name, outcome in results.items())
    for name, outcome in results.items():
        assert not isinstance(outcome, BaseException), f"{name} did not estimate:\n  {report}"
        assert all(np.isfinite(est) for _, est, _, _ in intervals(name, outcome)), report
        assert re.search(r"(?i)\b(one|single|1) treated (cluster|area)", notes(outcome)), (
            f"{name}'s did.csv rows carry no warning that one treated cluster makes inference "
            f"unreliable (columns: {list(outcome.did.columns)})")


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("n_areas", "expected"), [(4, TOO_FEW_FOR_COVARIATES), (6, ESTIMATE)])
def test_covariate_needs_more_comparison_rows_than_parameters(n_areas, expected):
    # A panel of areas, half never treated: 2 comparison rows per wave fit the intercept
    # and the covariate's slope exactly (stop); 3 leave one degree of freedom (estimate,
    # with R did's small-group caution in the note, as 3 < 1 covariate + 5).
    data, columns, truth = make_study(n_clusters=n_areas, n_waves=4, unit_is_cluster=True,
                                      covariates=True, seed=n_areas)
    assert (data.loc[data["cohort"] == 0, "wave"].value_counts() == n_areas // 2).all()
    models = study_models("panel", columns, covariates=True)
    results = run_each(data, columns, "panel", models)
    check_verdict(results, expected, truth)
    if expected == ESTIMATE:
        for name, result in results.items():
            assert "rests on few comparison rows: 3" in notes(result), name


def test_a_unit_in_two_clusters_stops_naming_how_many():
    from wellby.analysis.designs import check_design

    rows = []
    for area in range(6):
        for person in range(4):
            for wave in (2016, 2017, 2018):
                rows.append({"pid": f"a{area}p{person}", "area": f"A{area}", "wave": wave,
                             "cohort": 2017 if area < 3 else 0, "y": 1.0 + area})
    data = pd.DataFrame(rows)
    data.loc[(data["pid"] == "a1p0") & (data["wave"] == 2018), "area"] = "A4"
    data.loc[(data["pid"] == "a2p3") & (data["wave"] == 2016), "area"] = "A5"
    models = validate_config(minimal_config())["models"]
    columns = {"id": "pid", "area": "area", "wave": "wave", "cohort": "cohort"}
    with pytest.raises(DataError, match="2 unit\\(s\\) of 'pid' lie in more than one cluster"):
        check_design(data, "y", columns=columns, design="panel", models=models)
    kept = data[~data["pid"].isin(["a1p0", "a2p3"])]
    assert len(check_design(kept, "y", columns=columns, design="panel", models=models).data)


@pytest.mark.parametrize("ids", ["codes", "text", "sparse"])
def test_repeated_person_waves_counts_what_pandas_duplicated_counts(ids):
    from wellby.analysis.designs import _repeated_person_waves

    rng = np.random.default_rng(8)
    persons = rng.integers(0, 400, 3000)
    waves = rng.choice([2016.0, 2018.0, np.nan], 3000)
    values = {"codes": persons, "text": np.array([f"p{p}" for p in persons], dtype=object),
              "sparse": persons * 1_000_003}[ids]
    expected = int(pd.DataFrame({"p": values, "w": waves}).duplicated().sum())
    assert _repeated_person_waves(values, waves) == expected > 0
    once = pd.DataFrame({"p": values, "w": waves}).drop_duplicates()
    assert _repeated_person_waves(once["p"].to_numpy(), once["w"].to_numpy()) == 0
