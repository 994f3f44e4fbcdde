"""A quiet terminal, a closing summary, and a printable report.

The unit tests build small tables by hand; the workflow tests run the demo once in a
temporary copy of the clone (with its profile, as ``snakemake --cores 2`` there does) and
read what it printed.
"""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from wellby.report import pdf as pdf_module
from wellby.report.pdf import PRINT_CSS, find_chromium, write_pdf
from wellby.report.staleness import failure_message, set_aside
from wellby.report.summary import (
    FailedJob,
    RunOutcome,
    caller_outcome,
    closing_to_caller,
    failure_lines,
    run_summary,
)
from wellby.run import failure_text

# --------------------------------------------------------------------------- run_summary


def did_table(**changes) -> pd.DataFrame:
    """A did.csv of two outcomes: twfe, Callaway-Sant'Anna, an event-study test."""
    table = pd.DataFrame({
        "outcome": ["life_satisfaction"] * 3 + ["swemwbs_metric"] * 3,
        "estimator": ["twfe", "callaway_santanna", "event_study"] * 2,
        "term": ["att", "att_simple", "pretrend_wald"] * 2,
        "estimate": [0.0958, 0.0947, 0.99, 0.424, -0.2071, 0.1],
        "ci_low": [0.0372, 0.0211, np.nan, 0.342, -0.61, np.nan],
        "ci_high": [0.1546, 0.1683, np.nan, 0.506, 0.19, np.nan],
        "p_value": [0.001, 0.012, 0.37, 0.0, 0.3, 0.9],
        "inference": ["analytic", "analytic", "test", "wild_bootstrap", "analytic", "test"],
        "headline_ci_low": [0.0372, 0.0211, np.nan, 0.301, -0.61, np.nan],
        "headline_ci_high": [0.1546, 0.1683, np.nan, 0.555, 0.19, np.nan],
        "note": ["", "", "", "", "", ""],
    })
    for column, values in changes.items():
        table[column] = values
    return table


def cba_table() -> pd.DataFrame:
    return pd.DataFrame({"scenario": ["low", "central", "high"],
                         "bcr": [0.9975, 1.2968, 1.5961], "npv": [-3.2e5, 3.8e7, 7.7e7]})


def checks_table(severities) -> pd.DataFrame:
    return pd.DataFrame({
        "check": ["linkage_rate"] * len(severities), "wave": range(2016, 2016 + len(severities)),
        "column": "person_id", "severity": severities, "count": 10,
        "message": [f"wave {2016 + i}: message {i}" for i in range(len(severities))]})


def write_results(root: Path, did=None, cba=None, checks=None, report=True) -> Path:
    tables = root / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    for name, table in (("did", did), ("cba", cba), ("data_checks", checks)):
        if table is not None:
            table.to_csv(tables / f"{name}.csv", index=False)
    if report:
        (root / "report.html").write_text("<html></html>")
    return root


def line_with(text: str, *parts: str) -> str:
    found = [line for line in text.splitlines() if all(p in line for p in parts)]
    assert len(found) == 1, (parts, text)
    return found[0]


def test_summary_gives_each_outcomes_headline_effects_the_bcr_checks_and_report(tmp_path):
    results = write_results(tmp_path / "results", did_table(), cba_table(),
                            checks_table(["info", "info"]))
    text = run_summary(results, alpha=0.05)
    lines = text.splitlines()
    assert lines[0].startswith("wellby: finished")
    assert len(lines) <= 15
    twfe = line_with(text, "life_satisfaction", "twfe")
    assert "0.096 (95% CI 0.037 to 0.155)" in twfe and "includes 0" not in twfe
    assert "0.095 (95% CI 0.021 to 0.168)" in line_with(text, "life_satisfaction",
                                                        "callaway_santanna")
    # The headline interval is did.csv's headline one (here the wild bootstrap's).
    assert "0.424 (95% CI 0.301 to 0.555; wild cluster bootstrap)" in line_with(
        text, "swemwbs_metric", "twfe")
    assert "pretrend" not in text and "event_study" not in text
    bcr = line_with(text, "Benefit-cost ratio")
    assert "1.30 at the central WELLBY value" in bcr and "low 1.00" in bcr
    assert "high 1.60" in bcr
    assert "Data checks: none of 2 needs attention" in text
    assert lines[-1] == f"Report: {(results / 'report.html').as_posix()}"


def test_a_non_significant_effect_says_its_interval_includes_zero(tmp_path):
    results = write_results(tmp_path / "results", did_table(), cba_table(), checks_table([]))
    line = line_with(run_summary(results, alpha=0.05), "swemwbs_metric", "callaway_santanna")
    assert "-0.207 (95% CI -0.610 to 0.190, includes 0)" in line


def test_the_level_comes_from_alpha_and_a_missing_interval_is_said(tmp_path):
    did = did_table(inference=["analytic", "none_reliable", "test", "t_few_clusters",
                               "analytic", "test"])
    did.loc[4, ["headline_ci_low", "headline_ci_high"]] = np.nan
    did.loc[0, "note"] = "WARNING: only 4 treated clusters"
    results = write_results(tmp_path / "results", did, cba_table(), checks_table([]))
    text = run_summary(results, alpha=0.1)
    assert "90% CI 0.037 to 0.155" in line_with(text, "life_satisfaction", "twfe")
    assert "see the warning in the report" in line_with(text, "life_satisfaction", "twfe")
    assert "(no reliable interval)" in line_with(text, "life_satisfaction", "callaway")
    assert "(no reliable interval)" in line_with(text, "swemwbs_metric", "callaway")
    assert "few-cluster t" in line_with(text, "swemwbs_metric", "twfe")
    assert "0.424 (CI 0.301 to 0.555" in run_summary(results)  # no alpha: no level


def test_a_study_without_a_cost_benefit_case(tmp_path):
    results = write_results(tmp_path / "results", did_table(), None, checks_table(["info"]))
    assert "Benefit-cost ratio: no cost-benefit table" in run_summary(results)
    # A cba.csv left by an earlier config is not read when the study has no cba section.
    write_results(results, cba=cba_table())
    text = run_summary(results, cba=False)
    assert "Benefit-cost ratio: none (the study has no cba section)" in text
    assert "1.30" not in text


def test_data_checks_that_need_attention_are_counted_and_quoted(tmp_path):
    results = write_results(tmp_path / "results", did_table(), cba_table(),
                            checks_table(["warning", "info", "warning"]))
    text = run_summary(results)
    assert "Data checks: 2 of 3 NEED ATTENTION" in text
    assert "  - wave 2016: message 0" in text and "  - wave 2018: message 2" in text
    assert "message 1" not in text  # an info row is for the record only
    many = write_results(tmp_path / "many", did_table(), cba_table(),
                         checks_table(["warning"] * 6))
    text = run_summary(many)
    assert "6 of 6 NEED ATTENTION" in text and "... and 3 more" in text
    assert len(text.splitlines()) <= 15


def test_missing_tables_and_report_are_said_to_be_missing(tmp_path):
    text = run_summary(tmp_path / "results")
    assert "no effects table" in text and "no cost-benefit table" in text
    assert "Data checks: no table" in text and "Report: not written" in text
    results = write_results(tmp_path / "results", did_table(), cba_table(), checks_table([]))
    (results / "report.pdf").write_bytes(b"%PDF-1.4")
    assert run_summary(results).splitlines()[-1] == (
        f"Report: {(results / 'report.html').as_posix()} "
        f"(to print: {(results / 'report.pdf').as_posix()})")


# --------------------------------------------------------------------------- failures


def test_failure_lines_name_the_step_and_its_log():
    jobs = [FailedJob("clean", "wave=2016", ("results/logs/clean/wave_2016.log",)),
            FailedJob("report")]
    assert failure_lines(jobs) == [
        "wellby: rule clean (wave=2016) failed; its log: results/logs/clean/wave_2016.log",
        "wellby: rule report failed; it has no log (see the messages above)"]
    assert failure_lines(jobs[:1], workdir="/studies/a")[0].endswith(
        "its log: /studies/a/results/logs/clean/wave_2016.log")
    assert failure_lines([]) == []


def test_wellby_run_says_which_step_failed_its_log_and_where_the_results_went(tmp_path):
    outcome = RunOutcome(failed=[FailedJob("clean", "wave=2016",
                                           ("results/logs/clean/wave_2016.log",))],
                         set_aside=True)
    text = failure_text(tmp_path, outcome, RuntimeError("At least one job did not complete"))
    lines = text.splitlines()
    assert lines[0] == (f"rule clean (wave=2016) failed; its log: "
                        f"{(tmp_path / 'results/logs/clean/wave_2016.log').as_posix()}")
    assert lines[1] == failure_message(tmp_path / "results")
    # Stopped before any step ran: Snakemake's message and the logs folder.
    text = failure_text(tmp_path, RunOutcome(), RuntimeError("missing input"))
    assert text.startswith("the workflow failed: missing input") and "\n" not in text


def test_hooks_hand_the_outcome_to_the_caller_only_inside_the_block():
    assert caller_outcome() is None
    with closing_to_caller() as outcome:
        assert caller_outcome() is outcome
        with closing_to_caller() as inner:
            assert caller_outcome() is inner
        assert caller_outcome() is outcome
    assert caller_outcome() is None


def test_steps_print_each_warning_once_on_one_line(tmp_path):
    """A step's warnings reach the terminal one line each, naming the step, and once; the
    step's log keeps every one."""
    log = tmp_path / "step.log"
    script = textwrap.dedent(f"""
        import warnings
        from types import SimpleNamespace
        from wellby.runner import run_step

        def step(smk):
            for _ in range(3):
                warnings.warn("the same thing", UserWarning)
                with warnings.catch_warnings():  # resets Python's once-per-place memory
                    pass
            warnings.warn("another thing", RuntimeWarning)

        run_step(SimpleNamespace(log=[{str(log)!r}], rule="value",
                                 wildcards={{"outcome": "swemwbs"}}), step)
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 2, lines
    assert re.fullmatch(r"wellby: value \(outcome=swemwbs\): warning: UserWarning: the same "
                        r"thing \(<string>:\d+\)", lines[0]), lines[0]
    assert lines[1].startswith("wellby: value (outcome=swemwbs): warning: RuntimeWarning: "
                               "another thing")
    assert log.read_text().count("UserWarning: the same thing") == 3


# --------------------------------------------------------------------------- the PDF


def chromium_or_skip() -> str:
    """Chromium's path; skipped where it is not installed, but CI must have it."""
    found = find_chromium()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium (installed by .ci/run)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_the_print_stylesheet_hides_the_navigation_and_breaks_before_sections():
    assert PRINT_CSS.strip().startswith("@media print{") and PRINT_CSS.strip().endswith("}")
    css = PRINT_CSS.replace("\n", "")
    assert "nav{display:none}" in css
    assert "h2{break-before:page" in css
    assert re.search(r"table,figure[^{]*\{break-inside:avoid", css)
    assert "max-width:100%" in css


def test_write_pdf_prints_the_report_with_each_section_on_a_new_page(tmp_path):
    chromium_or_skip()
    body = ("<h1>Report</h1><nav><ul><li><a href='#a'>A</a></li></ul></nav>"
            "<section id='a'><h2>A</h2><table><tr><td>1</td></tr></table></section>"
            "<section id='b'><h2>B</h2><p>text</p></section>")
    plain, printable = tmp_path / "plain.html", tmp_path / "report.html"
    plain.write_text(f"<!DOCTYPE html><html><body>{body}</body></html>")
    printable.write_text(f"<!DOCTYPE html><html><head><style>{PRINT_CSS}</style></head>"
                         f"<body>{body}</body></html>")
    assert write_pdf(plain, tmp_path / "plain.pdf")
    assert write_pdf(printable, tmp_path / "out" / "report.pdf")
    data = (tmp_path / "out" / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert pages((tmp_path / "plain.pdf").read_bytes()) == 1
    assert pages(data) == 3  # the title, then each h2 on a page of its own
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["report.pdf"]  # no scratch


def test_without_chromium_no_pdf_is_made_and_an_old_one_is_removed(tmp_path, monkeypatch):
    html = tmp_path / "report.html"
    html.write_text("<html><body>x</body></html>")
    old = tmp_path / "report.pdf"
    old.write_bytes(b"%PDF old")
    monkeypatch.setattr(pdf_module, "find_chromium", lambda: None)
    messages = []
    assert write_pdf(html, old, stream=_Lines(messages)) is False
    assert not old.exists()
    assert "".join(messages).strip() == ("wellby: no PDF of the report: Chromium is not "
                                         "installed (apt-get install chromium)")
    messages.clear()
    assert write_pdf(html, old, chromium=str(tmp_path / "no-such-chromium"),
                     stream=_Lines(messages)) is False
    assert "".join(messages).startswith("wellby: no PDF of the report: Chromium did not run")
    assert list(tmp_path.iterdir()) == [html]


class _Lines:
    def __init__(self, into: list):
        self.into = into

    def write(self, text: str) -> None:
        self.into.append(text)

    def flush(self) -> None:
        pass


def test_a_failed_run_sets_the_pdf_aside_with_the_report(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "report.html").write_text("<html></html>")
    (results / "report.pdf").write_bytes(b"%PDF-1.4")
    moved = {p.as_posix() for p in set_aside(results)}
    assert moved == {"report.html", "report.pdf"}
    assert (results / "stale" / "report.pdf").read_bytes() == b"%PDF-1.4"


# --------------------------------------------------------------------------- the demo


def _copy_clone(dest: Path) -> Path:
    """The clone as a user has it: the Snakefile, the demo config and the profile."""
    from .test_workflow import copy_workflow

    return copy_workflow(dest)


def _terminal(workdir: Path, *args: str) -> tuple[int, list[str]]:
    """Run ``snakemake --cores 2`` there and return its exit status and the lines printed
    (standard output and error together, in the order printed)."""
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args],
                          cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=900)
    return done.returncode, done.stdout.splitlines()


@pytest.fixture(scope="module")
def demo_terminal(tmp_path_factory):
    workdir = _copy_clone(tmp_path_factory.mktemp("terminal"))
    status, lines = _terminal(workdir)
    assert status == 0, "\n".join(lines[-80:])
    results = workdir / "results"
    pdf = results / "report.pdf"
    return {
        "workdir": workdir, "lines": lines,
        "did": pd.read_csv(results / "tables" / "did.csv"),
        "cba": pd.read_csv(results / "tables" / "cba.csv"),
        "checks": pd.read_csv(results / "tables" / "data_checks.csv"),
        "pdf": pdf.read_bytes()[:8] if pdf.is_file() else None,
    }


def _summary(lines: list[str]) -> list[str]:
    starts = [i for i, line in enumerate(lines) if line.startswith("wellby: finished")]
    assert len(starts) == 1, lines
    return lines[starts[0]:]


@pytest.mark.workflow
def test_the_demo_prints_under_60_lines_without_noise(demo_terminal):
    lines = demo_terminal["lines"]
    assert len(lines) < 60, "\n".join(lines)
    text = "\n".join(lines)
    for noise in ("Shell command: None", "Select jobs to execute", "localrule",
                  "steps (", "Workflow ID", "Complete log(s)"):
        assert noise not in text, noise
    printed = [line for line in lines if line.strip()]
    repeated = {line for line in printed if printed.count(line) > 1}
    assert not repeated, repeated
    stamp = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.\d]*")
    warned = [stamp.sub("", line) for line in lines if "warning" in line.lower()]
    assert len(warned) == len(set(warned)), warned


@pytest.mark.workflow
def test_the_demo_prints_no_warnings(demo_terminal):
    """The demo is clean: a warning on its terminal is a problem in wellby's own code (as
    was matplotlib's "The figure layout has changed to tight", from tight_layout() on a
    figure with a constrained layout)."""
    assert not [line for line in demo_terminal["lines"] if "warning:" in line.lower()]


@pytest.mark.workflow
def test_the_demo_ends_with_the_summary_of_its_tables(demo_terminal):
    summary = _summary(demo_terminal["lines"])
    assert len(summary) <= 15, summary
    assert summary[-1].startswith("Report: results/report.html")
    text = "\n".join(summary)
    # The headline numbers are did.csv's (its headline intervals), read here on their own.
    did = demo_terminal["did"]
    overall = did[((did["estimator"] == "twfe") & (did["term"] == "att"))
                  | ((did["estimator"] == "callaway_santanna") & (did["term"] == "att_simple"))]
    assert len(overall) == 2 * did["outcome"].nunique()
    for _, row in overall.iterrows():
        line = line_with(text, f"{row['outcome']} ", f" {row['estimator']} ")
        expected = (f"{row['estimate']:.3f} (95% CI {row['headline_ci_low']:.3f} to "
                    f"{row['headline_ci_high']:.3f}")
        assert expected in line, (expected, line)
    cba = demo_terminal["cba"]
    central = cba.loc[cba["scenario"] == "central", "bcr"].item()
    assert f"Benefit-cost ratio {central:.2f} at the central WELLBY value" in text
    warnings = int((demo_terminal["checks"]["severity"] == "warning").sum())
    total = len(demo_terminal["checks"])
    assert (f"Data checks: none of {total} needs attention" if warnings == 0
            else f"Data checks: {warnings} of {total} NEED ATTENTION") in text


@pytest.mark.workflow
def test_the_demo_writes_a_pdf_of_the_report(demo_terminal):
    if demo_terminal["pdf"] is None:
        chromium_or_skip()  # skips (fails in CI) where Chromium is missing
        pytest.fail("Chromium is installed but the run wrote no results/report.pdf")
    assert demo_terminal["pdf"].startswith(b"%PDF")
    assert "(to print: results/report.pdf)" in _summary(demo_terminal["lines"])[-1]


@pytest.mark.workflow
def test_a_dry_run_still_lists_the_jobs(demo_terminal):
    status, lines = _terminal(demo_terminal["workdir"], "-n", "--forcerun", "value")
    assert status == 0, lines
    text = "\n".join(lines)
    assert "Job stats:" in text and "rule value:" in text and "reason: Forced" in text


@pytest.mark.workflow
def test_a_failed_run_ends_with_the_failed_step_its_log_and_the_stale_results(demo_terminal):
    """Last in this module: it breaks the demo's first wave (as test_stale_results does)."""
    workdir = demo_terminal["workdir"]
    wave = workdir / "resources" / "demo" / "wave_2016.csv"
    raw = pd.read_csv(wave)
    raw["happy"] = raw["happy"].astype(object)
    raw.loc[41, "happy"] = "very"
    raw.to_csv(wave, index=False)
    status, lines = _terminal(workdir)
    assert status != 0
    text = "\n".join(lines)
    # The error in full: the step's message and Snakemake's copy of its log.
    assert "wellby: rule clean stopped: non-numeric values ['very']" in text
    assert "Error in rule clean:" in text and "Logfile results/logs/clean/wave_2016.log:" in text
    assert [line for line in lines if line.strip()][-2:] == [
        "wellby: rule clean (wave=2016) failed; its log: results/logs/clean/wave_2016.log",
        failure_message("results")]
    assert len(lines) < 60, text


@pytest.mark.workflow
def test_wellby_run_ends_with_the_failed_step_in_full_paths(tmp_path):
    """``wellby run`` of a small study whose first wave is broken, in a folder that holds
    results of an earlier run: the last lines name the step, its log and the stale folder."""
    from wellby.demo import write_demo_study

    from .conftest import copy_demo_study

    files = tmp_path / "files"
    write_demo_study(files, seed=11, n_programme_areas=8, n_comparison_areas=8,
                     residents_per_area=10)
    config, data_dir = copy_demo_study(files, tmp_path)
    config.pop("cba", None)
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    wave = data_dir / "wave_2016.csv"
    raw = pd.read_csv(wave)
    raw["happy"] = raw["happy"].astype(object)
    raw.loc[3, "happy"] = "very"
    raw.to_csv(wave, index=False)
    earlier = tmp_path / "small-wellby" / "results"
    earlier.mkdir(parents=True)
    (earlier / "report.html").write_text("<html>an earlier run</html>")
    command = Path(sys.executable).parent / "wellby"
    done = subprocess.run([str(command), "run", "small.yaml", "--cores", "2"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 1
    last = [line for line in done.stderr.splitlines() if line.strip()][-2:]
    log = earlier.resolve() / "logs" / "clean" / "wave_2016.log"
    assert last == [f"wellby: rule clean (wave=2016) failed; its log: {log.as_posix()}",
                    failure_message(earlier.resolve())], done.stderr[-3000:]
    assert (earlier / "stale" / "report.html").is_file()
    assert "wellby: finished" not in done.stdout
