"""Read survey files of any supported format into a DataFrame.

The reader is chosen by the file's extension. SPSS and Stata files keep their numeric
codes unless the wave asks for its value labels (``data.waves[i].value_labels``), in which
case labelled codes are read as their label text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from wellby.errors import DataError


def _read_csv(path: Path, encoding: str, value_labels: bool) -> pd.DataFrame:
    return pd.read_csv(path, low_memory=False, encoding=encoding)


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    # pyreadstat returns labelled columns as categoricals; plain text is easier to map.
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    return frame


def _read_sav(path: Path, encoding: str, value_labels: bool) -> pd.DataFrame:
    import pyreadstat

    frame, _meta = pyreadstat.read_sav(path, apply_value_formats=value_labels)
    return _labelled(frame)


def _read_dta(path: Path, encoding: str, value_labels: bool) -> pd.DataFrame:
    import pyreadstat

    frame, _meta = pyreadstat.read_dta(path, apply_value_formats=value_labels)
    return _labelled(frame)


def _read_excel(path: Path, encoding: str, value_labels: bool) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=0)


def _read_parquet(path: Path, encoding: str, value_labels: bool) -> pd.DataFrame:
    return pd.read_parquet(path)


READERS: dict[str, Callable[[Path, str, bool], pd.DataFrame]] = {
    ".csv": _read_csv,
    ".sav": _read_sav,
    ".zsav": _read_sav,
    ".dta": _read_dta,
    ".xlsx": _read_excel,
    ".parquet": _read_parquet,
}


def read_survey_file(path: str | Path, config_key: str | None = None,
                     encoding: str = "utf-8", value_labels: bool = False) -> pd.DataFrame:
    """Read one survey file, choosing the reader by its extension.

    Parameters
    ----------
    path : str or Path
        The file: ``.csv``, ``.sav``/``.zsav`` (SPSS), ``.dta`` (Stata), ``.xlsx`` or
        ``.parquet``.
    config_key : str, optional
        The config key that names this file, quoted in errors (e.g. ``data.waves[0].path``).
    encoding : str, default "utf-8"
        Text encoding of a CSV file (SPSS and Stata files carry their own).
    value_labels : bool, default False
        For SPSS and Stata files, replace codes by their value labels (e.g. 1 -> "Male"),
        so recodes and subgroup levels can name the labels. Codes without a label stay.

    Returns
    -------
    pandas.DataFrame
        The file's rows in source order, with the source column names.

    Raises
    ------
    DataError
        When the file is missing, has an unsupported extension or cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("the data file does not exist", file=str(path), config_key=config_key)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DataError(
            f"unsupported file type '{path.suffix}' (supported: {', '.join(sorted(READERS))})",
            file=str(path),
            config_key=config_key,
        )
    try:
        frame = reader(path, encoding, value_labels)
    except UnicodeDecodeError as err:
        wave_key = config_key.rsplit(".", 1)[0] if config_key else "data.waves[i]"
        raise DataError(
            f"the file is not valid {encoding} text (byte {err.object[err.start]:#04x} at "
            f"position {err.start}); if it was saved by Excel or SPSS on Windows, set its "
            "encoding, e.g. encoding: cp1252",
            file=str(path),
            config_key=f"{wave_key}.encoding",
        ) from None
    except Exception as err:  # noqa: BLE001 - any reader failure is the file's fault
        raise DataError(
            f"the file could not be read as {path.suffix} ({type(err).__name__}: {err})",
            file=str(path),
            config_key=config_key,
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
