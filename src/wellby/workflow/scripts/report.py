"""Write the HTML report and the provenance record."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import report_step


def main(smk):
    report_step(dict(zip(smk.params.sheets, smk.input.tables, strict=True)),
                dict(zip(smk.params.figure_names, smk.input.figures, strict=True)),
                sources=list(smk.input.sources), study=Study.coerce(smk.params.study),
                outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
