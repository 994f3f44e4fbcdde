# Subgroups, per outcome: the DiD within each level of each configured subgroup.


rule subgroups:
    input:
        "results/interim/panel.parquet",
    output:
        "results/interim/subgroups/{outcome}.csv",
    params:
        columns=config["columns"],
        design=config["design"],
        models=config["models"],
        subgroups=config["subgroups"],
        min_cell=config["report"]["min_cell"],
    log:
        "results/logs/subgroups/{outcome}.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/subgroups.py"


rule subgroups_table:
    input:
        expand("results/interim/subgroups/{outcome}.csv", outcome=OUTCOMES),
    output:
        report(
            "results/tables/subgroups.csv",
            caption="../report/subgroups.rst",
            category="Who gained",
        ),
    log:
        "results/logs/subgroups_table.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/concat_tables.py"
