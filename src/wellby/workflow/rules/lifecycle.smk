# Run lifecycle: a quiet terminal, a closing summary, a printable report, no stale results.
#
# Terminal: a real run prints no job-by-job lines (each job's rule, files and reason, its
# start and finish, "N of M steps done"): they stay in Snakemake's complete log
# (.snakemake/log/), and `snakemake -p` or `--verbose` prints them as before. Snakemake's
# own `--quiet` cannot do this alone: `--quiet rules` also hides a failed job's error and
# log (show-failed-logs), `--quiet progress` also hides a dry run's job counts, and no
# value hides "Select jobs to execute..." and "Execute N jobs...". So the profile asks
# for `quiet: [host]` only and the filter below keeps the job lines off the terminal;
# errors, warnings and dry runs are printed as Snakemake prints them.
#
# When the run succeeds, the report is printed to results/report.pdf (where Chromium is
# installed) and a summary ends the output: the headline effects, the central
# benefit-cost ratio, the data checks that need attention, where the report is.
#
# No stale results: when a run fails, the published results (report, workbook,
# provenance, tables, figures) are moved to results/stale/ with a note, results/STALE.txt,
# so nothing left in results/ looks current; the last lines say which step failed, where
# its log is, and that the results were set aside. The next successful run rebuilds them
# and deletes the stale copies. Snakemake calls these hooks only for a run that got as far
# as running jobs: not for a dry run (-n), not with --no-hooks, not when there is nothing
# to be done, and not when the workflow stops while being read (config validation in
# common.smk): that stop runs and changes nothing, and while the workflow is read
# Snakemake cannot yet tell a dry run from a real one. The next run redoes the rules whose
# outputs were moved: every step from panel on (panel writes tables/linkage.csv with the
# analysis file), which a corrected wave reruns anyway; ingest and clean are not redone.
#
# `wellby run` prints the closing lines itself, after Snakemake's output and with full
# paths: while it runs the workflow the hooks only record what happened (closing_to_caller).

import logging
import sys
from pathlib import Path

from wellby.report.pdf import write_pdf
from wellby.report.staleness import RESULTS_DIR, clear_stale, failure_message, set_aside, stale_files
from wellby.report.summary import PDF, REPORT, FailedJob, caller_outcome, failure_lines, run_summary


class _NoJobLines(logging.Filter):
    """Keep Snakemake's job-by-job lines off the terminal, and its closing lines that the
    hooks below replace (the log and time lines; "At least one job did not complete
    successfully", after the onerror hook has said which one)."""

    EVENTS = {"job_info", "job_started", "job_finished", "group_info", "shellcmd",
              "progress", "resources_info", "run_info"}
    MESSAGES = ("Select jobs to execute...", "Using shell:", "Conda environments: ignored",
                "Complete log(s):", "Elapsed time:")
    FAILED = "At least one job did not complete successfully."

    def filter(self, record):
        if str(getattr(record, "event", "") or "") in self.EVENTS:
            return False
        message = record.msg if isinstance(record.msg, str) else ""
        if getattr(record, "exception", None) == "WorkflowError" and message.strip().endswith(
                self.FAILED):
            return False
        return not message.startswith(self.MESSAGES)


def _quiet_terminal():
    """Add the filter to Snakemake's terminal handler, for a real run in the main process
    without -p or --verbose (an unknown Snakemake logging setup is left as it is)."""
    output = getattr(workflow, "output_settings", None)
    if output is None or not getattr(workflow, "is_main_process", False):
        return
    if any(getattr(output, name, True) for name in ("dryrun", "verbose", "printshellcmds")):
        return
    manager = getattr(workflow, "logger_manager", None)
    for handler in getattr(getattr(manager, "logger", None), "handlers", []):
        if getattr(handler, "name", None) == "DefaultStreamHandler" and not any(
                isinstance(f, _NoJobLines) for f in handler.filters):
            handler.addFilter(_NoJobLines())


_quiet_terminal()


def _failed_jobs():
    """The jobs that failed in this run (none known if Snakemake's scheduler changes)."""
    jobs = getattr(getattr(workflow, "scheduler", None), "failed", None) or ()
    failed = []
    for job in jobs:
        try:
            wildcards = ", ".join(f"{k}={v}" for k, v in job.wildcards.items())
            failed.append(FailedJob(job.rule.name, wildcards, tuple(str(p) for p in job.log)))
        except AttributeError:
            continue
    return sorted(failed, key=lambda job: (job.rule, job.wildcards))


onerror:
    failed = _failed_jobs()
    logs = [log] if isinstance(log, str) else list(log or [])
    why = "; ".join([line.removeprefix("wellby: ") for line in failure_lines(failed)]
                    or ["the run failed"])
    set_aside(RESULTS_DIR, reason="; ".join([why] + [f"Snakemake's log: {p}" for p in logs]))
    outcome = caller_outcome()
    if outcome is not None:
        outcome.failed, outcome.set_aside = failed, bool(stale_files(RESULTS_DIR))
    else:
        lines = failure_lines(failed)
        if stale_files(RESULTS_DIR):
            lines.append(failure_message(RESULTS_DIR))
        sys.stderr.write("\n" + "\n".join(lines or ["wellby: the run failed: see the errors "
                                                      "above"]) + "\n")


onsuccess:
    clear_stale(RESULTS_DIR)
    report, pdf = Path(RESULTS_DIR) / REPORT, Path(RESULTS_DIR) / PDF
    if report.is_file() and (not pdf.is_file() or pdf.stat().st_mtime < report.stat().st_mtime):
        write_pdf(report, pdf)
    outcome = caller_outcome()
    if outcome is not None:
        outcome.finished = True
    else:
        try:
            summary = run_summary(RESULTS_DIR, alpha=config["models"]["alpha"],
                                  cba="cba" in config)
        except Exception as err:  # the summary must never turn a finished run into a failure
            summary = f"wellby: finished; no summary ({err}): see {Path(RESULTS_DIR) / REPORT}"
        sys.stderr.flush()
        print(f"\n{summary}", flush=True)
