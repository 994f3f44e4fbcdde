# Run lifecycle: no stale results. When a run fails, the published results (report,
# workbook, provenance, tables, figures) are moved to results/stale/ with a note,
# results/STALE.txt, so nothing left in results/ looks current; the next successful run
# rebuilds them and deletes the stale copies. Snakemake calls these hooks only for a run
# that got as far as running jobs: not for a dry run (-n), not with --no-hooks, and not
# when the workflow stops while being read (config validation in common.smk): that stop
# runs and changes nothing, and while the workflow is read Snakemake cannot yet tell a dry
# run from a real one. The next run redoes the rules whose outputs were moved: every step
# from panel on (panel writes tables/linkage.csv with the analysis file), which a corrected
# wave reruns anyway; ingest and clean are not redone.

import sys

from wellby.report.staleness import RESULTS_DIR, clear_stale, failure_message, set_aside, stale_files


onerror:
    logs = [log] if isinstance(log, str) else list(log or [])
    why = "; ".join(["the run failed"] + [f"Snakemake's log: {path}" for path in logs])
    set_aside(RESULTS_DIR, reason=why)
    if stale_files(RESULTS_DIR):
        sys.stderr.write(f"\n{failure_message(RESULTS_DIR)}\n\n")


onsuccess:
    clear_stale(RESULTS_DIR)
