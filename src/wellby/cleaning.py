"""Clean one ingested wave: recodes, missing codes, range checks, scores, derived groups.

Every row that leaves the data is written to the exclusions table with its 1-based source
row, the rule that excluded it and a detail; every item value set to missing for being out
of range is written to the corrections table. ``rows_in = rows_out + rows_excluded`` holds
for each wave by construction and is checked before the result is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wellby.errors import DataError
from wellby.ingest import SOURCE_ROW
from wellby.scales import SCALES, score_scale

EXCLUSION_COLUMNS = ["wave", "row", "rule", "detail"]
CORRECTION_COLUMNS = ["wave", "row", "column", "value", "rule"]
SUMMARY_COLUMNS = ["wave", "rows_in", "rows_excluded", "rows_out"]
UNKNOWN_LEVEL = "unknown"


@dataclass(frozen=True)
class CleanedWave:
    """A wave after cleaning.

    Attributes
    ----------
    data : pandas.DataFrame
        The rows kept, with scale scores and derived subgroup columns.
    exclusions : pandas.DataFrame
        One row per excluded source row: wave, row, rule, detail.
    corrections : pandas.DataFrame
        One row per item value set to missing: wave, row, column, value, rule.
    summary : pandas.DataFrame
        One row: wave, rows_in, rows_excluded, rows_out.
    """

    data: pd.DataFrame
    exclusions: pd.DataFrame
    corrections: pd.DataFrame
    summary: pd.DataFrame


class _Excluder:
    """Collect exclusions while rows are removed step by step."""

    def __init__(self, wave: int) -> None:
        self.wave = wave
        self.records: list[pd.DataFrame] = []

    def drop(self, data: pd.DataFrame, mask: pd.Series, rule: str, detail: Any) -> pd.DataFrame:
        if not mask.any():
            return data
        detail_values = detail[mask] if isinstance(detail, pd.Series) else detail
        self.records.append(
            pd.DataFrame(
                {
                    "wave": self.wave,
                    "row": data.loc[mask, SOURCE_ROW].to_numpy(),
                    "rule": rule,
                    "detail": detail_values,
                }
            )
        )
        return data.loc[~mask]

    def table(self) -> pd.DataFrame:
        if not self.records:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                                 zip(EXCLUSION_COLUMNS, ["int64", "int64", "str", "str"],
                                     strict=True)})
        return pd.concat(self.records, ignore_index=True)


def _code_key(value: Any) -> Any:
    """Normalise a source code so that 1, 1.0 and "1" match, and text is compared stripped."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return text
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def map_distinct(values: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """Apply ``function`` once per distinct value (not once per row) and broadcast back.

    Survey code columns hold a handful of distinct values over many rows, so recoding
    them this way is a vectorised pass over the rows. Missing values stay missing.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [function(value) for value in uniques]
    mapped[-1] = None
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def map_levels(codes: pd.Series, levels: Mapping[str, list]) -> pd.Series:
    """Map source codes to named levels; codes that map to nothing become ``unknown``.

    Parameters
    ----------
    codes : pandas.Series
        The source column.
    levels : mapping
        Level name -> list of source codes, in the order levels should be reported.

    Returns
    -------
    pandas.Series
        An ordered categorical with the configured levels and ``unknown`` last.
    """
    lookup = {_code_key(code): level for level, level_codes in levels.items()
              for code in level_codes}
    mapped = map_distinct(codes, lambda v: lookup.get(_code_key(v), UNKNOWN_LEVEL))
    mapped = mapped.fillna(UNKNOWN_LEVEL)
    categories = [*levels, UNKNOWN_LEVEL] if UNKNOWN_LEVEL not in levels else list(levels)
    return pd.Series(pd.Categorical(mapped, categories=categories), index=codes.index)


def _apply_recode(data: pd.DataFrame, recode: Mapping[str, Mapping], source: str,
                  config_key: str) -> pd.DataFrame:
    for column, mapping in recode.items():
        if column not in data.columns:
            raise DataError("a recoded column is not in the wave (after renaming)",
                            file=source, column=column, config_key=f"{config_key}.recode")
        lookup = {_code_key(k): v for k, v in mapping.items()}
        recoded = map_distinct(data[column], lambda v, table=lookup: table.get(_code_key(v), v))
        data[column] = recoded.where(data[column].notna(), data[column]).infer_objects()
    return data


def _to_numeric(data: pd.DataFrame, column: str, source: str, config_key: str) -> pd.Series:
    values = pd.to_numeric(data[column], errors="coerce")
    bad = values.isna() & data[column].notna() & (data[column].astype(str).str.strip() != "")
    if bad.any():
        examples = data.loc[bad, column].astype(str).unique()[:5].tolist()
        raise DataError(
            f"non-numeric values {examples} in a numeric column: correct the file, or map "
            "the text to a code (or to a missing code) in the wave's recode",
            file=source, column=column, rows=data.loc[bad, SOURCE_ROW].tolist(),
            config_key=config_key,
        )
    return values.astype(float)


def _item_columns(config: Mapping[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Return item column -> (scale name, items of the scale) for every configured scale."""
    out = {}
    for name, scale in config.get("scales", {}).items():
        for item in scale["items"]:
            out[item] = (name, scale["items"])
    return out


def text_columns_as_strings(data: pd.DataFrame) -> pd.DataFrame:
    """Store every non-numeric column as text, so mixed codes (1, "M") stack and serialise.

    Parameters
    ----------
    data : pandas.DataFrame
        A cleaned wave.

    Returns
    -------
    pandas.DataFrame
        The same frame with object columns as pandas strings (missing values kept).
    """
    for column in data.columns:
        if data[column].dtype == object:
            data[column] = map_distinct(
                data[column],
                lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v),
            ).astype("string")
    return data


def canonical_ids(ids: pd.Series) -> pd.Series:
    """Store respondent ids the same way in every wave: whole numbers as int64, else text.

    SPSS and Stata store every number as a double, so an id read as 100003.0 in one wave
    and 100003 in another would not link; text ids are stripped of surrounding spaces.
    """
    numbers = pd.to_numeric(ids, errors="coerce")
    if numbers.notna().all() and (numbers == np.round(numbers)).all():
        return numbers.astype("int64")
    return ids.astype(str).str.strip()


def member_flags(data: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Return the cohort-member flag as 0/1: a missing column or an empty cell means 0."""
    if column not in data.columns:
        return pd.Series(0, index=data.index, dtype="int8")
    values = pd.to_numeric(data[column], errors="coerce").fillna(0)
    bad = ~values.isin([0, 1])
    if bad.any():
        raise DataError("the member flag must be 1 (member), 0 or empty", file=source,
                        column=column, rows=data.loc[bad, SOURCE_ROW].tolist(),
                        config_key="columns.member")
    return values.astype("int8")


def clean_wave(
    data: pd.DataFrame,
    config: Mapping[str, Any],
    *,
    wave: int,
    source: str,
    config_key: str,
    recode: Mapping[str, Mapping] | None = None,
) -> CleanedWave:
    """Clean one ingested wave according to the study config.

    Parameters
    ----------
    data : pandas.DataFrame
        The ingested wave (canonical names, ``_row`` column).
    config : mapping
        The validated study config.
    wave : int
        The wave's label.
    source : str
        The wave's source file, for error messages.
    config_key : str
        The config key of the wave's entry, for error messages.
    recode : mapping, optional
        Per-column code recodes for this wave (``data.waves[i].recode``).

    Returns
    -------
    CleanedWave

    Notes
    -----
    Steps, in order: per-wave recodes; configured missing codes to missing; item columns
    to numbers (text in a numeric column is an error); item values outside their scale's
    range set to missing or the row excluded (``data.out_of_range``); rows without an
    area, or without an id in a panel, excluded; duplicate ids in the wave excluded after
    the first or an error (``data.duplicate_ids``); scale scores; subgroup levels; rows with
    no outcome at all excluded.
    """
    columns = config["columns"]
    rows_in = len(data)
    data = data.copy()
    excluder = _Excluder(wave)
    corrections: list[pd.DataFrame] = []
    if recode:
        data = _apply_recode(data, recode, source, config_key)

    keys = {SOURCE_ROW, columns["wave"], columns["area"], columns.get("id")}
    required = [columns["area"], columns["cohort"]]
    if config["design"] == "panel":
        required.append(columns["id"])
    if columns.get("weight"):
        required.append(columns["weight"])
    for column in required:
        if column not in data.columns:
            raise DataError("a required column is missing from the wave (after renaming)",
                            file=source, column=column, config_key=f"{config_key}.rename")

    missing_codes = {float(c) for c in config["data"]["missing_codes"]}
    items = _item_columns(config)
    for item in items:
        if item not in data.columns:
            raise DataError("a scale item is missing from the wave (after renaming)",
                            file=source, column=item, config_key=f"{config_key}.rename")
    must_be_numeric = [*items, columns["cohort"]]
    if columns.get("weight"):
        must_be_numeric.append(columns["weight"])
    for column in must_be_numeric:
        if column in data.columns:
            data[column] = _to_numeric(data, column, source, f"{config_key}.recode")
    member = columns.get("member")
    if member:
        data[member] = member_flags(data, member, source)
    weight = columns.get("weight")
    if weight:
        invalid = data[weight].isna() | (data[weight] < 0)
        if invalid.any():
            raise DataError("survey weights must be present and not negative",
                            file=source, column=weight,
                            rows=data.loc[invalid, SOURCE_ROW].tolist(),
                            config_key="columns.weight")
    for column in data.columns:
        if (missing_codes and column not in keys | {weight, columns["cohort"]}
                and pd.api.types.is_numeric_dtype(data[column])):
            data[column] = data[column].mask(data[column].isin(missing_codes))

    for item, (scale_name, _) in items.items():
        spec = SCALES[scale_name]
        values = data[item]
        out = values.notna() & ((values < spec.item_min) | (values > spec.item_max) |
                                (values != np.round(values)))
        if not out.any():
            continue
        detail = (f"{item}=" + values[out].astype(str) +
                  f" outside {spec.name} range {spec.item_min}-{spec.item_max}")
        if config["data"]["out_of_range"] == "exclude_row":
            data = excluder.drop(data, out, "out_of_range", detail)
        else:
            corrections.append(pd.DataFrame({
                "wave": wave, "row": data.loc[out, SOURCE_ROW].to_numpy(), "column": item,
                "value": values[out].to_numpy(), "rule": "out_of_range_set_missing"}))
            data.loc[out, item] = np.nan

    data = excluder.drop(data, data[columns["area"]].isna(), "missing_area",
                         f"no value in {columns['area']}")
    if config["design"] == "panel":
        id_col = columns["id"]
        data = excluder.drop(data, data[id_col].isna(), "missing_id", f"no value in {id_col}")
        duplicated = data[id_col].duplicated(keep="first")
        if duplicated.any():
            if config["data"]["duplicate_ids"] == "error":
                raise DataError(
                    "respondent ids occur more than once in the wave",
                    file=source, column=id_col, rows=data.loc[duplicated, SOURCE_ROW].tolist(),
                    config_key="data.duplicate_ids")
            first_row = data.groupby(id_col)[SOURCE_ROW].transform("first")
            data = excluder.drop(data, duplicated, "duplicate_id",
                                 f"{id_col} already seen at row " + first_row.astype(str))

    if config["design"] == "panel":
        data[columns["id"]] = canonical_ids(data[columns["id"]])
    cohort = data[columns["cohort"]].fillna(0)
    data[columns["cohort"]] = cohort.astype("int64")

    for scale_name, scale in config.get("scales", {}).items():
        scores = score_scale(scale_name, data[scale["items"]], scale.get("max_missing", 0))
        for column in scores:
            data[column] = scores[column]

    for name, group in config.get("subgroups", {}).items():
        if group["column"] not in data.columns:
            raise DataError("a subgroup's source column is missing from the wave",
                            file=source, column=group["column"],
                            config_key=f"subgroups.{name}.column")
        data[name] = map_levels(data[group["column"]], group["levels"])

    outcomes = config["outcomes"]
    absent = [o for o in outcomes if o not in data.columns]
    if absent:
        raise DataError(f"outcomes {absent} are neither columns of the wave nor scale scores",
                        file=source, column=absent[0], config_key="outcomes")
    data = excluder.drop(data, data[outcomes].isna().all(axis=1), "no_outcome",
                         f"all outcomes missing ({', '.join(outcomes)})")

    data = text_columns_as_strings(data)
    exclusions = excluder.table()
    summary = pd.DataFrame([{"wave": wave, "rows_in": rows_in,
                             "rows_excluded": len(exclusions), "rows_out": len(data)}])
    if rows_in != len(data) + len(exclusions):  # pragma: no cover - guards the bookkeeping
        raise AssertionError("row accounting does not reconcile")
    corrections_table = (pd.concat(corrections, ignore_index=True) if corrections
                         else pd.DataFrame(columns=CORRECTION_COLUMNS))
    return CleanedWave(data.reset_index(drop=True), exclusions, corrections_table, summary)
