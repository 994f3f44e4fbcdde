"""Write the workbook of every published table."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import workbook_step


def main(smk):
    workbook_step(dict(zip(smk.params.sheets, smk.input.tables, strict=True)),
                  study=Study.coerce(smk.params.study), output=smk.output[0])


run_step(snakemake, main)  # noqa: F821
