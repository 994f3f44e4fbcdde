"""The mess of the demo study's raw wave files, injected into each wave's clean rows.

This module's one concern is turning a wave of clean demo data into the raw frame written
to its file, :func:`raw_wave`: the wave's source column names and codings (from
:mod:`wellby.demo.layouts`), the residents' direct identifiers, missing codes (about 2% of
item answers and 6% of household income quintiles, completely at random), a few
out-of-range typos per wave, and, in one wave, keying errors that break respondent linkage.
Partnership members' rows get missing codes only. The random draws come from the stream the
caller passes, in a fixed order, so the files are a deterministic function of the study's
seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellby.demo.layouts import (
    ITEMS,
    MEMBER_COLUMN,
    MISSING_CODES,
    ONS_ITEMS,
    column_order,
    source_names,
)

__all__ = ["INCOME_MISSING_RATE", "MISSING_RATE", "raw_wave"]

#: Share of item answers replaced by a missing code, completely at random.
MISSING_RATE = 0.02
#: Share of household income quintiles replaced by a missing code (mostly -9, refused).
INCOME_MISSING_RATE = 0.06
_INCOME_CODE_PROBS = (0.7, 0.3)  # -9 refused, -8 don't know
_TYPOS_PER_WAVE = (5, 20)
_TYPO_VALUES = {"ons": np.array([11, 77, 99]), "swemwbs": np.array([0, 6])}


def _put_missing_codes(rng, values: np.ndarray) -> np.ndarray:
    """Replace about 2% of ``values`` (in place) by missing codes; return the mask."""
    missing = rng.random(values.shape) < MISSING_RATE
    codes = np.array(list(MISSING_CODES))
    values[missing] = rng.choice(codes, size=int(missing.sum()))
    return missing


def _inject_missing(rng, frame: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Put missing codes (no typos) into a frame's item columns."""
    values = frame[items].to_numpy().copy()
    _put_missing_codes(rng, values)
    out = frame.copy()
    out[items] = values
    return out


def _inject_missing_and_typos(rng, frame: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Put missing codes and a few out-of-range typos into a wave's item columns."""
    values = frame[items].to_numpy().copy()
    missing = _put_missing_codes(rng, values)
    n_typos = int(rng.integers(_TYPOS_PER_WAVE[0], _TYPOS_PER_WAVE[1] + 1))
    cells = rng.choice(np.flatnonzero(~missing.ravel()), size=n_typos, replace=False)
    rows, cols = np.unravel_index(cells, values.shape)
    is_ons = cols < len(ONS_ITEMS)
    typo_ons = rng.choice(_TYPO_VALUES["ons"], size=n_typos)
    typo_sw = rng.choice(_TYPO_VALUES["swemwbs"], size=n_typos)
    values[rows, cols] = np.where(is_ons, typo_ons, typo_sw)
    out = frame.copy()
    out[items] = values
    return out


def _income_missing(rng, income: pd.Series) -> np.ndarray:
    """Replace about 6% of income quintiles by missing codes, completely at random."""
    values = income.to_numpy().copy()
    missing = rng.random(len(values)) < INCOME_MISSING_RATE
    codes = rng.choice(list(MISSING_CODES), size=int(missing.sum()), p=_INCOME_CODE_PROBS)
    values[missing] = codes
    return values


#: Waves (by position) whose files carry keying errors that break respondent linkage.
_LINKAGE_ERROR_WAVES = (3,)


def _inject_linkage_errors(frame: pd.DataFrame) -> pd.DataFrame:
    """Mis-key gender for three long-standing respondents and age for two others.

    The respondents with the smallest ids joined in the first wave, so the change is
    visible across waves. Chosen by position, not by the random stream, so the rest of
    the study does not depend on this step.
    """
    out = frame.copy()
    binary = out.loc[out["gender"].isin([1, 2]), "person_id"].nsmallest(3).index
    out.loc[binary, "gender"] = out.loc[binary, "gender"].map({1: 2, 2: 1})
    others = out.loc[~out.index.isin(binary), "person_id"].nsmallest(2).index
    out.loc[others, "age"] = out.loc[others, "age"] + 6
    return out


def raw_wave(
    rng,
    clean: pd.DataFrame,
    persons: pd.DataFrame,
    layout: dict,
    index: int,
    flag: int | None = None,
) -> pd.DataFrame:
    """Turn one wave of clean data into its raw frame (source names, codes and mess).

    ``flag`` is None for a wave without a member column, else the member flag of these
    rows: 0 (residents: linkage errors, missing codes and typos; written empty in layouts
    that leave residents' flag empty) or 1 (members: missing codes only). Both get
    missing codes in the household income quintile.
    """
    frame = clean.copy()
    members = flag == 1
    if index in _LINKAGE_ERROR_WAVES and not members:
        frame = _inject_linkage_errors(frame)
    frame["qualification"] = frame["qualification"] + layout["qualification_offset"]
    if layout["gender_strings"]:
        frame["gender"] = frame["gender"].map({1: "M", 2: "F", 3: "X"})
    never = frame["cohort"] == 0
    if layout["never_treated"] is None:
        frame["cohort"] = frame["cohort"].astype("Int64").mask(never)
    ids = persons.set_index("person_id").loc[frame["person_id"], ["name", "postcode"]]
    frame["name"] = ids["name"].to_numpy()
    frame["postcode"] = ids["postcode"].to_numpy()
    if members:
        frame = _inject_missing(rng, frame, list(ITEMS))
    else:
        frame = _inject_missing_and_typos(rng, frame, list(ITEMS))
    frame["income_quintile"] = _income_missing(rng, frame["income_quintile"])
    if flag is not None:
        blank = layout["member_blank_residents"] and not members
        frame[MEMBER_COLUMN] = pd.array([pd.NA if blank else flag] * len(frame), dtype="Int64")
        if not blank:
            frame[MEMBER_COLUMN] = frame[MEMBER_COLUMN].astype("int64")
    names = source_names(layout)
    order = column_order(layout, member=flag is not None)
    return frame[order].rename(columns=names).reset_index(drop=True)
