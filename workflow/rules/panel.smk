# Panel: stack the cleaned waves, check linkage and cohorts, attach treatment timing.


rule panel:
    input:
        expand("results/interim/clean/wave_{wave}.parquet", wave=WAVES),
    output:
        "results/interim/panel.parquet",
    params:
        study={k: config[k] for k in ("columns", "design")},
    log:
        "results/logs/panel.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/panel.py"
