# Clean, per wave: missing codes, range checks, scale scores, derived groups; every excluded
# row goes to the exclusions table with its reason. Then the per-wave tables are gathered.


rule clean:
    input:
        ingested_wave,
    output:
        data="results/interim/clean/wave_{wave}.parquet",
        exclusions="results/interim/clean/wave_{wave}_exclusions.csv",
        corrections="results/interim/clean/wave_{wave}_corrections.csv",
        summary="results/interim/clean/wave_{wave}_summary.csv",
        checks="results/interim/clean/wave_{wave}_checks.csv",
    params:
        wave=wave_params,
        study=WAVE_STUDY,
    log:
        "results/logs/clean/wave_{wave}.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/clean.py"


rule cleaning_tables:
    input:
        exclusions=per_wave("results/interim/clean/wave_{wave}_exclusions.csv"),
        corrections=per_wave("results/interim/clean/wave_{wave}_corrections.csv"),
        summaries=per_wave("results/interim/clean/wave_{wave}_summary.csv"),
    output:
        exclusions=report(
            "results/tables/exclusions.csv",
            caption="../report/exclusions.rst",
            category="Cleaning",
        ),
        corrections="results/tables/corrections.csv",
        summary=report(
            "results/tables/cleaning_summary.csv",
            caption="../report/cleaning_summary.rst",
            category="Cleaning",
        ),
    log:
        "results/logs/cleaning_tables.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/cleaning_tables.py"


rule data_checks:
    input:
        ingest=per_wave_ingest_checks(),
        clean=per_wave("results/interim/clean/wave_{wave}_checks.csv"),
        panel="results/interim/panel_checks.csv",
    output:
        report(
            "results/tables/data_checks.csv",
            caption="../report/data_checks.rst",
            category="Cleaning",
        ),
    log:
        "results/logs/data_checks.log",
    conda:
        "../envs/wellby.yaml"
    script:
        "../scripts/data_checks.py"
