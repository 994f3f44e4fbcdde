# Ingest, per wave: read the raw file, rename to canonical names, drop direct identifiers.
# A study with one long file (data.path) is split into its waves in one step instead.

if LONG_FILE:

    rule ingest_long_file:
        input:
            config["data"]["path"],
        output:
            expand("results/interim/ingest/wave_{wave}.parquet", wave=WAVES),
        params:
            data=config["data"],
            wave_column=config["columns"]["wave"],
            waves=WAVES,
        benchmark:
            "results/benchmarks/ingest/long_file.tsv",
        log:
            "results/logs/ingest/long_file.log",
        conda:
            "../envs/wellby.yaml"
        script:
            "../scripts/ingest_long_file.py"

else:

    rule ingest:
        input:
            wave_source,
        output:
            "results/interim/ingest/wave_{wave}.parquet",
        params:
            wave=wave_params,
            wave_column=config["columns"]["wave"],
            identifiers=config["data"]["identifiers"],
        benchmark:
            "results/benchmarks/ingest/wave_{wave}.tsv",
        log:
            "results/logs/ingest/wave_{wave}.log",
        conda:
            "../envs/wellby.yaml"
        script:
            "../scripts/ingest.py"
