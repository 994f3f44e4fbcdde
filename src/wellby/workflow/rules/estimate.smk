# Estimate, per outcome: difference-in-differences with every configured estimator; then
# one table of each kind for all outcomes.


rule estimate:
    input:
        "results/interim/panel.parquet",
    output:
        **estimate_outputs(),
    params:
        columns=config["columns"],
        design=config["design"],
        models=estimate_models(config),
        scales={name: scale["items"] for name, scale in config["scales"].items()},
    benchmark:
        "results/benchmarks/estimate/{outcome}.tsv",
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
    benchmark:
        "results/benchmarks/did_table.tsv",
    log:
        "results/logs/did_table.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/concat_tables.py"


rule event_study_table:
    input:
        expand("results/interim/estimates/{outcome}/event_study.csv", outcome=OUTCOMES),
    output:
        report(
            "results/tables/event_study.csv",
            caption="../report/event_study.rst",
            category="Effects",
        ),
    benchmark:
        "results/benchmarks/event_study_table.tsv",
    log:
        "results/logs/event_study_table.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/concat_tables.py"


rule group_time_table:
    input:
        expand("results/interim/estimates/{outcome}/group_time.csv", outcome=OUTCOMES),
    output:
        "results/tables/group_time.csv",
    benchmark:
        "results/benchmarks/group_time_table.tsv",
    log:
        "results/logs/group_time_table.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/concat_tables.py"
