# Describe: outcome means by wave for programme and comparison areas (with a trends figure
# per outcome), and scale reliability (Cronbach's alpha per scale and wave); small cells
# suppressed.


rule describe:
    input:
        "results/interim/panel.parquet",
    output:
        means=report(
            "results/tables/descriptives.csv",
            caption="../report/descriptives.rst",
            category="Descriptives",
        ),
        reliability=report(
            "results/tables/reliability.csv",
            caption="../report/reliability.rst",
            category="Cleaning",
        ),
        figures=report(
            expand("results/figures/trends_{outcome}.png", outcome=OUTCOMES),
            caption="../report/trends.rst",
            category="Descriptives",
        ),
        svgs=expand("results/figures/trends_{outcome}.svg", outcome=OUTCOMES),
    params:
        study=DESCRIBE_STUDY,
    log:
        "results/logs/describe.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/describe.py"
