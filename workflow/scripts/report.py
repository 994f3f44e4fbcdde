"""Write the workbook, the HTML report and the provenance record."""

import json

import pandas as pd

from wellby.reporting import build_provenance, render_html, write_workbook
from wellby.runner import run_step


def main(smk):
    tables = {name: pd.read_csv(path) for name, path in
              zip(smk.params.sheets, smk.input.tables, strict=True)}
    write_workbook(tables, smk.output.workbook)
    provenance = build_provenance(smk.params.config, smk.input.sources)
    with open(smk.output.provenance, "w", encoding="utf-8") as handle:
        json.dump(provenance, handle, indent=2)
    html = render_html(tables, smk.params.config, provenance,
                       min_cell=smk.params.min_cell)
    with open(smk.output.html, "w", encoding="utf-8") as handle:
        handle.write(html)


run_step(snakemake, main)  # noqa: F821
