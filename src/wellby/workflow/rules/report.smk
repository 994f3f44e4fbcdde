# Report: every table in one workbook, one self-contained HTML page, and provenance.


rule report:
    input:
        tables=report_tables().values(),
        figures=report_figures().values(),
        sources=raw_sources(),
    output:
        workbook="results/tables.xlsx",
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
    benchmark:
        "results/benchmarks/report.tsv",
    log:
        "results/logs/report.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/report.py"
