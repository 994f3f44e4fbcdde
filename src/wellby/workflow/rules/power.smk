# Power, for all outcomes at once: each outcome's minimum detectable effect from the
# design's own variance components, beside the WELLBY break-even effect, and what a
# follow-up wave needs to detect it (skipped with power.enabled: false).

if POWER:

    rule power:
        input:
            unpack(comparison_weights),
            panel="results/interim/panel.parquet",
        output:
            power=report(
                "results/tables/power.csv",
                caption="../report/power.rst",
                category="Power",
            ),
            planning="results/tables/power_planning.csv",
        params:
            study=POWER_STUDY,
        log:
            "results/logs/power.log",
        conda:
            "../envs/wellby.yaml"
        script:
            "../scripts/power.py"
