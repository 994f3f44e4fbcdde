"""Value the effect on life satisfaction in WELLBYs, with its uncertainty and who gains."""

import pandas as pd

from wellby.analysis.subgroups import population_shares, value_published_levels
from wellby.config.typed import Cba
from wellby.prepare.panel import residents
from wellby.report.figures import save_figure
from wellby.runner import run_step
from wellby.valuation.appraisal import benefit_schedule, cost_benefit, headline_effect
from wellby.valuation.inputs import cba_inputs
from wellby.valuation.uncertainty import (
    monte_carlo,
    montecarlo_plot,
    one_way_sensitivity,
    tornado_plot,
)


def main(smk):
    inputs = cba_inputs(Cba.coerce(smk.params.cba))  # validated at the start, not again
    estimate, std_error = headline_effect(pd.read_csv(smk.input.did), inputs.outcome,
                                          inputs.estimator)
    cost_benefit(inputs, estimate).to_csv(smk.output.cba, index=False)
    benefit_schedule(inputs, estimate).to_csv(smk.output.schedule, index=False)
    simulation = monte_carlo(inputs, estimate, std_error)
    simulation.summary().to_csv(smk.output.montecarlo, index=False)
    sensitivity = one_way_sensitivity(inputs, estimate, std_error, alpha=smk.params.alpha)
    sensitivity.to_csv(smk.output.sensitivity, index=False)
    save_figure(tornado_plot(sensitivity, inputs.price_year), smk.output.tornado)
    save_figure(montecarlo_plot(simulation), smk.output.distribution)

    panel = residents(pd.read_parquet(smk.input.panel), smk.params.columns)
    shares = population_shares(panel, smk.params.subgroups, columns=smk.params.columns,
                               design=smk.params.design)
    min_cell = smk.params.min_cell
    table = value_published_levels(inputs, pd.read_csv(smk.input.subgroups), shares,
                                   min_cell=min_cell)
    table.to_csv(smk.output.subgroups, index=False)


run_step(snakemake, main)  # noqa: F821
