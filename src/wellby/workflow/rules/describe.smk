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
    params:
        columns=config["columns"],
        outcomes=OUTCOMES,
        scales={name: scale["items"] for name, scale in config["scales"].items()},
        min_cell=config["report"]["min_cell"],
        alpha=config["models"]["alpha"],
    benchmark:
        "results/benchmarks/describe.tsv",
    log:
        "results/logs/describe.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/describe.py"
