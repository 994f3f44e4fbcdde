# Ingest, per wave: read the raw file, rename to canonical names, drop direct identifiers.


rule ingest:
    input:
        wave_source,
    output:
        "results/interim/ingest/wave_{wave}.parquet",
    params:
        wave=wave_params,
        wave_column=config["columns"]["wave"],
        identifiers=config["data"]["identifiers"],
    log:
        "results/logs/ingest/wave_{wave}.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/ingest.py"
