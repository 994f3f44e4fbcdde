# Panel: stack the cleaned waves, check linkage and cohorts, attach treatment timing.


rule panel:
    input:
        expand("results/interim/clean/wave_{wave}.parquet", wave=WAVES),
    output:
        panel="results/interim/panel.parquet",
        linkage=report(
            "results/tables/linkage.csv",
            caption="../report/linkage.rst",
            category="Cleaning",
        ),
    params:
        study={k: config[k] for k in ("data", "columns", "design")},
    benchmark:
        "results/benchmarks/panel.tsv",
    log:
        "results/logs/panel.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/panel.py"
