"""Estimate the programme's effect by subgroup for one outcome, and its forest plot."""

import pandas as pd

from wellby.analysis.subgroups import estimate_subgroups, forest_plot
from wellby.prepare.panel import analysis_columns, residents
from wellby.report.figures import save_figure
from wellby.runner import run_step


def main(smk):
    outcome = smk.wildcards.outcome
    needed = analysis_columns(smk.params.columns, outcome, *smk.params.subgroups,
                              covariates=smk.params.models["covariates"])
    data = residents(pd.read_parquet(smk.input.panel, columns=needed), smk.params.columns)
    table = estimate_subgroups(data, outcome, subgroups=smk.params.subgroups,
                               columns=smk.params.columns, design=smk.params.design,
                               models=smk.params.models, min_cell=smk.params.min_cell)
    table.to_csv(smk.output.table, index=False)
    did = pd.read_csv(smk.input.did)
    overall = did.loc[(did["estimator"] == "twfe") & (did["term"] == "att"), "estimate"]
    figure = forest_plot(table, outcome, float(overall.iloc[0]) if len(overall) else None,
                         alpha=smk.params.models["alpha"])
    save_figure(figure, smk.output.figure)


run_step(snakemake, main)  # noqa: F821
