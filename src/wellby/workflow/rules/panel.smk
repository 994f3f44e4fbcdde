# Panel: stack the cleaned waves, attach the area file's timing, check linkage and cohorts,
# attach treatment timing.


rule panel:
    input:
        waves=per_wave("results/interim/clean/wave_{wave}.parquet"),
        areas=area_file(),
    output:
        panel="results/interim/panel.parquet",
        linkage=report(
            "results/tables/linkage.csv",
            caption="../report/linkage.rst",
            category="Cleaning",
        ),
        checks="results/interim/panel_checks.csv",
    params:
        study=PANEL_STUDY,
    # Nothing else can run while the panel is built: its second thread writes the file
    # while the first checks the rows, and Arrow reads the waves on both.
    threads: 2
    log:
        "results/logs/panel.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/panel.py"
