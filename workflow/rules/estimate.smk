# Estimate, per outcome: difference-in-differences; then one table for all outcomes.


rule estimate:
    input:
        "results/interim/panel.parquet",
    output:
        "results/interim/estimates/{outcome}/did.csv",
    params:
        columns=config["columns"],
        design=config["design"],
        models=config["models"],
    log:
        "results/logs/estimate/{outcome}.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/estimate.py"


rule did_table:
    input:
        expand("results/interim/estimates/{outcome}/did.csv", outcome=OUTCOMES),
    output:
        report(
            "results/tables/did.csv",
            caption="../report/did.rst",
            category="Effects",
        ),
    log:
        "results/logs/did_table.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/concat_tables.py"
