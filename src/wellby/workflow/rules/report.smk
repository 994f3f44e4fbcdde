# Report: one self-contained HTML page and the provenance record; beside it, every table in
# one workbook.


rule report:
    input:
        tables=report_tables().values(),
        figures=report_figures().values(),
        sources=raw_sources(),
    output:
        html=report(
            "results/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
        provenance="results/provenance.json",
    params:
        sheets=list(report_tables()),
        figure_names=list(report_figures()),
        study=config,
    log:
        "results/logs/report.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/report.py"


# The workbook is written from the same tables beside the report, on the other core.
rule workbook:
    input:
        tables=report_tables().values(),
    output:
        "results/tables.xlsx",
    params:
        sheets=list(report_tables()),
        study=config,
    log:
        "results/logs/workbook.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/workbook.py"
