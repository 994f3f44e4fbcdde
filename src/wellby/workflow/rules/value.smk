# Value: the WELLBY cost-benefit case under the Green Book (only when the config has `cba:`):
# scenarios, Monte Carlo, one-way sensitivity, the benefit schedule and who gains.
#
# It reads the valued outcome's own tables, not the study tables of every outcome: it
# starts as soon as that outcome's subgroups are done (while the others' run), and a
# change to another outcome does not rerun it.

if "cba" in config:
    VALUED = f"results/interim/estimates/{config['cba']['outcome']}"

    rule value:
        input:
            did=f"{VALUED}/did.csv",
            subgroups=f"{VALUED}/subgroups.csv",
            panel="results/interim/panel.parquet",
            trend_sensitivity=f"{VALUED}/sensitivity.csv",
        output:
            cba=report(
                "results/tables/cba.csv",
                caption="../report/cba.rst",
                category="Value for money",
            ),
            montecarlo="results/tables/cba_montecarlo.csv",
            sensitivity="results/tables/cba_sensitivity.csv",
            schedule="results/tables/cba_schedule.csv",
            subgroups="results/tables/cba_subgroups.csv",
            tornado=report(
                "results/figures/cba_tornado.png",
                caption="../report/cba_tornado.rst",
                category="Value for money",
            ),
            distribution=report(
                "results/figures/cba_montecarlo.png",
                caption="../report/cba_montecarlo.rst",
                category="Value for money",
            ),
            robust="results/tables/cba_robust.csv",
            robust_figure=report(
                "results/figures/cba_robust.png",
                caption="../report/cba_robust.rst",
                category="Value for money",
            ),
            robust_svg="results/figures/cba_robust.svg",
            tornado_svg="results/figures/cba_tornado.svg",
            distribution_svg="results/figures/cba_montecarlo.svg",
            **distribution_outputs(),
        params:
            study=VALUE_STUDY,
        priority: 15
        log:
            "results/logs/value.log",
        conda:
            "../envs/wellby.yaml"
        script:
            "../scripts/value.py"

    if GAPS:

        rule gaps:
            input:
                unpack(comparison_weights),
                panel="results/interim/panel.parquet",
            output:
                report(
                    "results/tables/gaps.csv",
                    caption="../report/gaps.rst",
                    category="Who gained",
                ),
            params:
                study=GAPS_STUDY,
            log:
                "results/logs/gaps.log",
            conda:
                "../envs/wellby.yaml"
            script:
                "../scripts/gaps.py"
