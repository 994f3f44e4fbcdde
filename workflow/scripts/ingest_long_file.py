"""Split one long file into ingested waves: read, rename, drop identifiers."""

from wellby.ingest import ingest_long_file
from wellby.reading import read_survey_file
from wellby.runner import run_step


def main(smk):
    data = smk.params.data
    frame = read_survey_file(smk.input[0], config_key="data.path", encoding=data["encoding"],
                             value_labels=data["value_labels"])
    waves = ingest_long_file(frame, wave_column=smk.params.wave_column, rename=data["rename"],
                             identifiers=data["identifiers"], source=smk.input[0])
    for wave, path in zip(smk.params.waves, smk.output, strict=True):
        waves[wave].data.to_parquet(path, index=False)


run_step(snakemake, main)  # noqa: F821
