# Describe: outcome means by wave for programme and comparison areas, small cells suppressed.


rule describe:
    input:
        "results/interim/panel.parquet",
    output:
        report(
            "results/tables/descriptives.csv",
            caption="../report/descriptives.rst",
            category="Descriptives",
        ),
    params:
        columns=config["columns"],
        outcomes=OUTCOMES,
        min_cell=config["report"]["min_cell"],
    log:
        "results/logs/describe.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/describe.py"
