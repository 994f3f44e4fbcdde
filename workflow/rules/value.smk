# Value: the WELLBY cost-benefit case under the Green Book (only when the config has `cba:`).

if "cba" in config:

    rule value:
        input:
            "results/tables/did.csv",
        output:
            report(
                "results/tables/cba.csv",
                caption="../report/cba.rst",
                category="Value for money",
            ),
        params:
            cba=config["cba"],
        log:
            "results/logs/value.log",
        conda:
            "../envs/wellby.yaml"
        script:
            "../scripts/value.py"
