# Compare: match or reweight the comparison areas on the area file's attributes and the
# baseline outcome means (comparison.method); the weights feed every estimator.
#
# Priorities: when a core frees, the longest chain to the report goes first (compare,
# then each outcome's estimate, then its subgroups, which value needs); describe, gaps and
# power, which only the report needs, fill the other core.


rule compare:
    input:
        panel="results/interim/panel.parquet",
    output:
        weights="results/interim/comparison_weights.parquet",
        balance=report(
            "results/tables/balance.csv",
            caption="../report/balance.rst",
            category="Comparison",
        ),
        figure=report(
            "results/figures/balance.png",
            caption="../report/balance_figure.rst",
            category="Comparison",
        ),
        figure_svg="results/figures/balance.svg",
    params:
        study=COMPARE_STUDY,
    priority: 30
    log:
        "results/logs/compare.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/compare.py"
