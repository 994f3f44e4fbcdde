# Subgroups, per outcome: the effect within each level of each configured subgroup (and
# their crosses), the pooled interaction model and its heterogeneity test, a forest plot.


rule subgroups:
    input:
        unpack(comparison_weights),
        panel="results/interim/panel.parquet",
        did="results/interim/estimates/{outcome}/did.csv",
    output:
        table="results/interim/estimates/{outcome}/subgroups.csv",
        figure=report(
            "results/figures/subgroups_{outcome}.png",
            caption="../report/subgroups_figure.rst",
            category="Who gained",
        ),
        figure_svg="results/figures/subgroups_{outcome}.svg",
    params:
        study=SUBGROUPS_STUDY,
    priority: 10
    log:
        "results/logs/subgroups/{outcome}.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/subgroups.py"
