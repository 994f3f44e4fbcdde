"""Write the workbook, the HTML report and the provenance record."""

import json

import pandas as pd

from wellby.report.disclosure import disclosure_notes, published_tables
from wellby.report.html import render_report
from wellby.report.workbook import build_provenance, write_workbook
from wellby.runner import run_step


def main(smk):
    min_cell = smk.params.min_cell
    tables = {name: pd.read_csv(path) for name, path in
              zip(smk.params.sheets, smk.input.tables, strict=True)}
    figures = dict(zip(smk.params.figure_names, smk.input.figures, strict=True))
    write_workbook(published_tables(tables, min_cell), smk.output.workbook,
                   notes=disclosure_notes(min_cell))
    provenance = build_provenance(smk.params.config, smk.input.sources)
    with open(smk.output.provenance, "w", encoding="utf-8") as handle:
        json.dump(provenance, handle, indent=2)
    html = render_report(tables, figures, smk.params.config, provenance, min_cell=min_cell)
    with open(smk.output.html, "w", encoding="utf-8") as handle:
        handle.write(html)


run_step(snakemake, main)  # noqa: F821
