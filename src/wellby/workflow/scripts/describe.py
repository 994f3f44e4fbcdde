"""Describe outcomes by wave and group, and the reliability of each scale by wave."""

import pandas as pd

from wellby.analysis.describe import outcome_label, outcome_means, trends_plot
from wellby.analysis.reliability import cronbach_alpha_by_wave
from wellby.prepare.panel import residents
from wellby.prepare.scales import scale_labels
from wellby.report.figures import save_figure
from wellby.runner import run_step


def main(smk):
    columns = smk.params.columns
    data = residents(pd.read_parquet(smk.input[0]), columns)
    person = columns.get("id")
    means = outcome_means(data, smk.params.outcomes, wave=columns["wave"],
                          min_cell=smk.params.min_cell,
                          person=person if person in data.columns else None)
    means.to_csv(smk.output.means, index=False)
    reliability = cronbach_alpha_by_wave(data, smk.params.scales, columns["wave"],
                                         min_cell=smk.params.min_cell)
    reliability.to_csv(smk.output.reliability, index=False)
    labels = {}
    for name, items in smk.params.scales.items():
        labels.update(scale_labels(name, items))
    for outcome, path in zip(smk.params.outcomes, smk.output.figures, strict=True):
        save_figure(trends_plot(means, outcome, outcome_label(outcome, labels),
                                alpha=smk.params.alpha), path)


run_step(snakemake, main)  # noqa: F821
