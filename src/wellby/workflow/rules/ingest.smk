# Ingest, per wave: read the raw file, keep the study's columns, drop direct identifiers,
# pseudonymise the person id. A study with one long file (data.path) is split into its waves
# in one step instead.

if LONG_FILE:

    checkpoint ingest_long_file:
        input:
            config["data"]["path"],
        output:
            folder=directory(LONG_FILE_SPLIT),
        params:
            study=WAVE_STUDY,
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
            data="results/interim/ingest/wave_{wave}.parquet",
            checks="results/interim/ingest/wave_{wave}_checks.csv",
        params:
            wave=wave_params,
            study=WAVE_STUDY,
        # Every wave's ingest before any clean: ingests are the longer jobs (reading and
        # pseudonymising), so the short cleans left at the end fill both cores evenly
        # and the panel, which waits for the last of them, starts sooner.
        priority: 1
        log:
            "results/logs/ingest/wave_{wave}.log",
        conda:
            "../envs/wellby.yaml"
        script:
            "../scripts/ingest.py"
