# Estimate, per outcome: difference-in-differences with every configured estimator; then
# one table of each kind for all outcomes.


rule estimate:
    input:
        unpack(comparison_weights),
        panel="results/interim/panel.parquet",
    output:
        **estimate_outputs(),
    params:
        study=ESTIMATE_STUDY,
    priority: 20
    log:
        "results/logs/estimate/{outcome}.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/estimate.py"


rule gather_table:
    input:
        lambda wildcards: expand(
            "results/interim/estimates/{outcome}/{table}.csv",
            outcome=OUTCOMES,
            table=wildcards.table,
        ),
    output:
        report(
            "results/tables/{table}.csv",
            caption="../report/gathered_table.rst",
            category=lambda wildcards: GATHERED_TABLES[wildcards.table],
        ),
    wildcard_constraints:
        table="|".join(GATHERED_TABLES),
    log:
        "results/logs/gather_table/{table}.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/concat_tables.py"
