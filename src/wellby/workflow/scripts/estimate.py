"""Estimate the programme's effect on one outcome with every configured estimator."""

import pandas as pd

from wellby.analysis.describe import outcome_label
from wellby.analysis.effects import estimate_outcome
from wellby.prepare.panel import analysis_columns
from wellby.prepare.scales import scale_labels
from wellby.report.figures import save_figure
from wellby.runner import run_step


def main(smk):
    columns = analysis_columns(smk.params.columns, smk.wildcards.outcome,
                               covariates=smk.params.models["covariates"])
    data = pd.read_parquet(smk.input[0], columns=columns)
    estimates = estimate_outcome(data, smk.wildcards.outcome, columns=smk.params.columns,
                                 design=smk.params.design, models=smk.params.models)
    estimates.did.to_csv(smk.output.did, index=False)
    estimates.event_study.to_csv(smk.output.event_study, index=False)
    estimates.group_time.to_csv(smk.output.group_time, index=False)
    if "figure" in smk.output.keys():
        labels = {}
        for name, items in smk.params.scales.items():
            labels.update(scale_labels(name, items))
        label = outcome_label(smk.wildcards.outcome, labels)
        save_figure(estimates.event_study_result.plot(label=label).figure, smk.output.figure)


run_step(snakemake, main)  # noqa: F821
