"""Stack cleaned waves into one analysis file and attach treatment timing.

The treatment indicator is derived from the cohort (the first treated wave of the area),
never typed in by hand: a row is treated when its area's cohort is set (non-zero) and the
row's wave is at or after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.typed import Columns, Study
from wellby.errors import DataError, format_rows
from wellby.prepare.analysis_file import person_codes, with_person_codes
from wellby.prepare.areas import attach_areas
from wellby.prepare.checks import check_row, check_rows
from wellby.prepare.clean import shift_message
from wellby.prepare.codes import map_distinct
from wellby.prepare.grouping import (
    codes_with_several_values,
    counts_by_group_and_value,
    groups_with_several_values,
    sorted_codes,
)
from wellby.prepare.ingest import ID_FORMAT, SOURCE_ROW
from wellby.prepare.variables import ValidRange, compares_areas, ranged_columns

TREATED = "treated"
EVER_TREATED = "ever_treated"
REL_TIME = "rel_time"


def stack_waves(waves: Sequence[pd.DataFrame], wave_column: str) -> pd.DataFrame:
    """Stack cleaned waves in wave order, keeping categorical subgroup columns.

    Parameters
    ----------
    waves : sequence of pandas.DataFrame
        The cleaned waves.
    wave_column : str
        The wave column, used to order the stacked rows.

    Returns
    -------
    pandas.DataFrame
    """
    if not waves:
        raise DataError("no waves to stack", config_key="data.waves")
    # Frames of one wave each are concatenated in wave order, which leaves nothing to sort:
    # a sort would copy the whole analysis file once more.
    in_order = list(waves)
    if all(w[wave_column].nunique(dropna=False) <= 1 for w in waves):
        in_order.sort(key=lambda w: w[wave_column].iloc[0] if len(w) else -np.inf)  # stable
    stacked = pd.concat(in_order, ignore_index=True, sort=False)
    for column in stacked.columns:
        kinds = {pd.api.types.is_numeric_dtype(w[column]) for w in waves if column in w}
        if len(kinds) > 1:  # numeric codes in one wave, text in another: keep all as text
            stacked[column] = map_distinct(
                stacked[column],
                lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v),
            ).astype("string")
    for column in waves[0].columns:
        if isinstance(waves[0][column].dtype, pd.CategoricalDtype):
            stacked[column] = pd.Categorical(stacked[column],
                                             categories=waves[0][column].cat.categories)
    if stacked[wave_column].is_monotonic_increasing:  # a stable sort would change nothing
        return stacked
    return stacked.sort_values(wave_column, kind="stable").reset_index(drop=True)


def _where(rows: pd.DataFrame, wave: str, sources: Mapping[int, str]) -> tuple[str, list]:
    """Files and ``wave:row`` positions of some rows, for an error message."""
    waves = sorted(rows[wave].unique())
    files = ", ".join(str(sources.get(int(w), f"wave {w}")) for w in waves)
    positions = [f"{w}:{r}" for w, r in zip(rows[wave], rows[SOURCE_ROW], strict=True)]
    return files, positions


def check_cohort_constant(data: pd.DataFrame, area: str, cohort: str, wave: str,
                          sources: Mapping[int, str] | None = None) -> None:
    """Raise when an area has more than one cohort (first treated wave) across rows.

    The message names the files and the ``wave:row`` positions of the minority values.
    """
    bad = groups_with_several_values(data[area], data[cohort]).tolist()
    if not bad:
        return
    rows = data[data[area].isin(bad)]
    usual = rows.groupby(area, observed=True)[cohort].agg(lambda s: s.mode().iloc[0])
    odd = rows[rows[cohort].to_numpy() != usual.loc[rows[area]].to_numpy()]
    detail = rows[rows[area].isin(bad[:5])].groupby(area, observed=True)[cohort].unique()
    shown = "; ".join(
        f"{a}: {sorted(v.tolist())[:6]}{' ...' if len(v) > 6 else ''}"
        for a, v in list(detail.items())[:3])
    files, positions = _where(odd, wave, sources or {})
    raise DataError(
        f"the cohort (first treated wave) differs between rows of the same area in "
        f"{len(bad)} area(s): {shown}; rows shown as wave:row differ from their area's "
        "usual cohort",
        file=files, column=cohort, rows=positions, config_key="columns.cohort")


def check_one_area_per_person(data: pd.DataFrame, person: str, area: str, wave: str,
                              sources: Mapping[int, str] | None = None) -> None:
    """Raise when a respondent appears in more than one area."""
    codes = person_codes(data, person)
    moving = np.isin(codes, codes_with_several_values(codes, data[area]))
    bad = sorted(data.loc[moving, person].unique().tolist())
    if bad:
        rows = data[data[person].isin(bad[:10])].sort_values([person, wave])
        files, positions = _where(rows, wave, sources or {})
        raise DataError(
            f"{len(bad)} respondent(s) appear in more than one area, e.g. "
            f"{format_rows(bad, 5)}; person fixed effects must be nested in areas "
            "(rows shown as wave:row)",
            file=files, column=person, rows=positions, config_key="columns.id")


def attach_treatment(data: pd.DataFrame, wave: str, cohort: str) -> pd.DataFrame:
    """Add ``treated``, ``ever_treated`` and ``rel_time`` (wave - cohort) columns.

    Parameters
    ----------
    data : pandas.DataFrame
        Stacked waves with integer wave labels and cohorts (0 = never treated).
    wave, cohort : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        A copy with the three columns; ``rel_time`` is missing for never-treated rows.
    """
    out = data.copy(deep=False)  # new columns only: the existing ones are not copied
    cohort_values = out[cohort].to_numpy()
    ever = cohort_values > 0
    out[EVER_TREATED] = ever.astype(np.int8)
    out[TREATED] = (ever & (out[wave].to_numpy() >= cohort_values)).astype(np.int8)
    rel = pd.array(out[wave].to_numpy() - cohort_values, dtype="Int64")
    rel[~ever] = pd.NA
    out[REL_TIME] = rel
    return out


def linkage_rates(data: pd.DataFrame, person: str, wave: str) -> pd.DataFrame:
    """Share of each wave's respondents who are also seen in another wave.

    Parameters
    ----------
    data : pandas.DataFrame
        Stacked waves of a panel.
    person, wave : str
        Respondent id and wave columns.

    Returns
    -------
    pandas.DataFrame
        Columns wave, persons, linked, rate; one row per wave in ascending order.
    """
    # Integer codes, not the text ids: 0 stands for a missing id or wave. A missing id
    # counts once among a wave's persons and is never linked.
    persons = person_codes(data, person).astype(np.int64) + 1
    wave_codes, wave_values = pd.factorize(data[wave], sort=True)
    n_codes = len(wave_values) + 1
    # Distinct person-waves, as the positions marked in a bitmap (a sort or a hash table
    # of millions of keys takes seconds; the bitmap has one byte per person and wave).
    seen = np.zeros((persons.max(initial=0) + 1) * n_codes, dtype=bool)
    seen[persons * n_codes + (wave_codes + 1)] = True
    pairs = np.flatnonzero(seen)
    pair_person, pair_wave = np.divmod(pairs, n_codes)
    waves_per_person = np.bincount(pair_person)[pair_person]
    linked = (waves_per_person > 1) & (pair_person > 0)
    table = pd.DataFrame({
        "wave": wave_values,
        "persons": np.bincount(pair_wave, minlength=n_codes)[1:].astype(np.int64),
        "linked": np.bincount(pair_wave, weights=linked, minlength=n_codes)[1:].astype(np.int64),
    })
    table["rate"] = table["linked"] / table["persons"]
    return table


def _formats(data: pd.DataFrame, waves: Sequence[int], wave: str) -> str:
    rows = data[data[wave].isin(list(waves))]
    if ID_FORMAT not in rows or rows[ID_FORMAT].isna().all():
        return "not recorded"
    shares = rows[ID_FORMAT].astype(str).value_counts(normalize=True).head(3)
    return ", ".join(f"{shape} ({share:.0%})" for shape, share in shares.items())


def check_linkage_health(data: pd.DataFrame, *, person: str, wave: str,
                         min_relative_rate: float, min_rate: float,
                         wave_keys: Mapping[int, str], sources: Mapping[int, str]
                         ) -> list[dict]:
    """Stop a panel whose waves do not link; return the linkage rates as data checks.

    A wave whose linkage rate is below ``min_relative_rate`` times the median rate of the
    other waves stops the run (the usual cause is a wave that writes ids differently, e.g.
    ``R00002`` for ``2``), and so does a panel in which no wave links ``min_rate`` of its
    respondents. The message gives each side's id formats (digits as 9, letters as A), never
    an id, and the key to fix (the wave's ``id_transform``).

    Returns
    -------
    list of dict
        Check rows: each wave's rate (``info``), or a ``warning`` for a wave linking under
        0.8 times the others' median.
    """
    rates = linkage_rates(data, person, wave)
    if len(rates) < 2:
        return []
    checks = []
    by_wave = rates.set_index("wave")
    if by_wave["rate"].max() < min_rate:
        raise DataError(
            f"the panel links almost no respondent across waves (the best wave links "
            f"{by_wave['rate'].max():.1%}, data.linkage.min_rate is {min_rate:.0%}); id "
            "formats by wave: " + "; ".join(
                f"{w}: {_formats(data, [w], wave)}" for w in by_wave.index)
            + ". If a wave writes ids differently, undo it with that wave's id_transform "
            "(strip_prefix, strip_suffix, strip_leading_zeros); if the study follows no one, "
            "set design: repeated_cross_section",
            file=", ".join(str(sources.get(int(w), f"wave {w}")) for w in by_wave.index),
            column=person, config_key="data.waves[i].id_transform")
    for current, row in by_wave.iterrows():
        others = by_wave.drop(index=current)["rate"]
        typical = float(others.median())
        ratio = row["rate"] / typical if typical > 0 else 1.0
        message = (f"wave {current}: {row['rate']:.0%} of the wave's respondents are also "
                   f"seen in another wave (other waves' median {typical:.0%})")
        if ratio < min_relative_rate:
            key = wave_keys.get(int(current), "data.waves")
            raise DataError(
                f"wave {current} links far less than the others: {message}. Its ids are "
                f"written {_formats(data, [current], wave)}; the other waves' "
                f"{_formats(data, [w for w in by_wave.index if w != current], wave)}. Undo "
                f"the difference with {key}.id_transform (strip_prefix, strip_suffix, "
                "strip_leading_zeros), or lower data.linkage.min_relative_rate if the wave "
                "really is mostly new respondents",
                file=str(sources.get(int(current), f"wave {current}")), column=person,
                config_key=f"{key}.id_transform")
        checks.append(check_row(
            "linkage_rate", message, wave=int(current), column=person,
            severity="warning" if ratio < 0.8 else "info", count=int(row["linked"])))
    return checks


def distribution_checks(data: pd.DataFrame, columns: Sequence[str], wave: str,
                        threshold: float = 1.0, rows: np.ndarray | None = None) -> list[dict]:
    """Flag a wave whose mean of a measure differs implausibly from the other waves'.

    The difference is taken from the median of the other waves' means, in units of the
    pooled standard deviation; more than ``threshold`` (a whole SD, far beyond a
    programme's effect or a year's drift) points at a coding change in that wave.

    Parameters
    ----------
    data : pandas.DataFrame
        The rows, with the wave and the measures.
    columns : sequence of str
        The measures; those missing from ``data`` or not numeric are skipped.
    wave : str
        The wave column.
    threshold : float
        The difference, in pooled SDs, beyond which a wave is flagged.
    rows : numpy.ndarray, optional
        Which rows to use (booleans, e.g. :func:`resident_rows`); every row when not given.

    Returns
    -------
    list of dict
        ``warning`` check rows naming the wave, the column and the fix.
    """
    checks = []
    numeric = [c for c in dict.fromkeys(columns)
               if c in data and pd.api.types.is_numeric_dtype(data[c])]
    if not numeric:
        return checks
    # one coding of the rows by wave for every measure; means by bincount, not a groupby
    # of a copy of the rows
    wave_codes, wave_labels = sorted_codes(data[wave])
    used = np.ones(len(data), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    for column in numeric:
        values = data[column].to_numpy(dtype=float, na_value=np.nan)
        answered = used & ~np.isnan(values)
        spread = float(np.std(values[answered], ddof=1)) if answered.sum() > 1 else np.nan
        in_wave = answered & (wave_codes >= 0)
        counts = np.bincount(wave_codes[in_wave], minlength=len(wave_labels))
        sums = np.bincount(wave_codes[in_wave], weights=values[in_wave],
                           minlength=len(wave_labels))
        means = pd.Series(sums[counts > 0] / counts[counts > 0],
                          index=pd.Index(wave_labels)[counts > 0])
        if len(means) < 3 or not spread > 0:
            continue
        for current, mean in means.items():
            typical = float(means.drop(index=current).median())
            gap = (mean - typical) / spread
            if abs(gap) > threshold:
                checks.append(check_row(
                    "distribution_shift",
                    f"wave {current}: the mean of {column} is {mean:.2f}, the other waves' "
                    f"median {typical:.2f} ({gap:+.1f} SD); check the wave's coding "
                    "(reversed or shifted codes: the wave's recode)",
                    wave=int(current), column=column, count=None))
    return checks


def outcome_coverage(data: pd.DataFrame, outcomes: Sequence[str], wave: str,
                     rows: np.ndarray | None = None) -> list[dict]:
    """Stop when an outcome has no value at all; flag a wave without any value of one.

    ``rows`` (booleans, optional) limits the check to those rows, as if only they were
    given: a wave none of whose rows is used is not flagged.

    Returns
    -------
    list of dict
        ``warning`` check rows for waves in which an outcome was never answered.
    """
    checks = []
    waves = data[wave] if rows is None else data[wave][rows]
    for outcome in outcomes:
        answered = data[outcome].notna()
        if rows is not None:
            answered = answered[rows]
        if not answered.any():
            raise DataError(
                f"the outcome '{outcome}' is missing in every row of every wave (after missing "
                "codes and range checks): check its column in the rename maps and "
                "data.missing_codes", column=outcome, config_key="outcomes")
        by_wave = answered.groupby(waves).sum()
        for current, count in by_wave.items():
            if count == 0:
                checks.append(check_row(
                    "outcome_missing_in_wave",
                    f"wave {current} has no value of {outcome}: the wave adds nothing to its "
                    "estimates; check the wave's rename map", wave=int(current),
                    column=outcome, count=0))
    return checks


SHIFT_MIN_DISTANCE = 0.1
"""Total variation distance from the other waves at which a one-step shift is considered.

A 0-10 item answered as widely as life satisfaction (SD about 1.9) moves only 0.14 by a
one-step shift, so 0.2 missed shifted ONS waves; a programme's effect or a wave's drift
moves it by a few hundredths. The difference must also be beyond sampling noise (a small
wave's distance reaches a tenth by chance), and undoing the shift must halve it.
"""


def _shares(counts: pd.Series, categories: np.ndarray) -> np.ndarray:
    """Shares of the given categories among themselves, from counts indexed by value."""
    kept = counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    total = kept.sum()
    return kept / total if total else kept


def _differs_beyond_chance(wave_counts: pd.Series, other_counts: pd.Series,
                           categories: np.ndarray, p_value: float = 1e-6) -> bool:
    """Whether the wave's answers differ from the others' by more than sampling noise.

    A chi-square test of homogeneity on the inner categories: a small wave's distance can
    reach a tenth by chance alone, a shifted wave of any useful size far exceeds it.
    """
    table = np.vstack([wave_counts.reindex(categories, fill_value=0).to_numpy(dtype=float),
                       other_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return False
    from scipy import stats  # here: every step imports this module; only this check uses it

    return bool(stats.chi2_contingency(table, correction=False).pvalue < p_value)


def shift_from_counts(wave_counts: pd.Series, other_counts: pd.Series, bounds: ValidRange,
                      min_distance: float = SHIFT_MIN_DISTANCE, min_values: int = 20) -> int:
    """Return -1, +1 or 0 as :func:`shifted_wave`, from answer counts indexed by value."""
    if (not bounds.integer
            or min(wave_counts.sum(), other_counts.sum()) < min_values):
        return 0
    # Only the inner categories are compared: a shifted wave has lost one end category to
    # the range check (its 0s or 11s were set aside), which would blur the comparison.
    categories = np.arange(bounds.low + 1, bounds.high)
    if not 2 <= len(categories) <= 21:
        return 0
    others = _shares(other_counts, categories)
    as_coded = 0.5 * np.abs(_shares(wave_counts, categories) - others).sum()
    if as_coded < min_distance or not _differs_beyond_chance(wave_counts, other_counts,
                                                              categories):
        return 0
    for step in (-1, 1):
        # A wave coded one step low (step -1) holds at value v what belongs at v + 1.
        moved = wave_counts.rename(lambda v, step=step: v - step)
        if 0.5 * np.abs(_shares(moved, categories) - others).sum() <= as_coded / 2:
            return step
    return 0


def shifted_wave(wave_values: pd.Series, other_values: pd.Series, bounds: ValidRange,
                 min_distance: float = SHIFT_MIN_DISTANCE, min_values: int = 20) -> int:
    """Return -1 or +1 when a wave's answers match the other waves' one step lower or higher.

    The wave's distribution over the inner valid categories is compared with the other
    waves' by total variation distance, as coded and moved by one step: a wave coded 0-4 for a
    1-5 item (its 0s already set aside as out of range) is far from the others as coded and
    close once moved up. A shift is reported when the distance as coded is at least
    ``min_distance`` and moving the wave halves it or better. A programme's effect or a
    year's drift moves a distribution by a small fraction of that.

    Returns
    -------
    int
        -1 when the wave is coded one step low, +1 one step high, else 0.
    """
    return shift_from_counts(wave_values.value_counts(), other_values.value_counts(), bounds,
                             min_distance, min_values)


def check_shifted_waves(data: pd.DataFrame, ranges: Mapping[str, ValidRange], *, wave: str,
                        sources: Mapping[int, str], wave_keys: Mapping[int, str],
                        rows: np.ndarray | None = None) -> None:
    """Stop when a wave's coding of a bounded measure is the other waves' moved by one step.

    ``rows`` (booleans, optional) limits the check to those rows (e.g. :func:`resident_rows`).

    Raises
    ------
    DataError
        Naming the wave's file, the column, and the recode that undoes the shift.
    """
    if (data[wave] if rows is None else data[wave][rows]).nunique() < 2:
        return
    for column, bounds in ranges.items():
        if column not in data:
            continue
        # One pass over the rows per column: answers counted by wave and value.
        counts = counts_by_group_and_value(data[wave], data[column], rows=rows)
        total = counts.sum()
        for current, mine in counts.iterrows():
            step = shift_from_counts(mine, total - mine, bounds)
            if step:
                key = wave_keys.get(int(current), "data")
                raise DataError(shift_message(int(current), column, bounds, step)
                                + " (found by comparing the wave with the other waves; "
                                "values outside the range were already set aside)",
                                file=str(sources.get(int(current), f"wave {current}")),
                                column=column, config_key=f"{key}.recode")


@dataclass(frozen=True)
class AssembledPanel:
    """The analysis file and what the panel step found.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per respondent and wave, with treatment timing.
    checks : pandas.DataFrame
        Data checks (linkage rates, distribution shifts).
    """

    data: pd.DataFrame
    checks: pd.DataFrame


def _wave_keys(study: Study) -> dict[int, str]:
    """Return the config key of each wave's file entry (none for a long file, ``data.path``)."""
    return {int(w.wave): f"data.waves[{i}]" for i, w in enumerate(study.data.waves or [])}


def _wave_sources(study: Study, data: pd.DataFrame) -> dict[int, str]:
    """Return the file each stacked wave came from, for messages."""
    if study.data.path is not None:  # one long file holds every wave
        return {int(w): study.data.path for w in data[study.columns.wave].unique()}
    return {int(w.wave): w.path for w in study.data.waves}


def assemble_panel(waves: Sequence[pd.DataFrame], config: Study | Mapping[str, Any],
                   areas: pd.DataFrame | None = None) -> AssembledPanel:
    """Stack cleaned waves, check linkage and cohorts, and attach treatment timing.

    The two phases, :func:`panel_rows` then :func:`panel_checks`; the panel step runs the
    second while the first's rows are being written.

    Parameters
    ----------
    waves : sequence of pandas.DataFrame
        The cleaned waves.
    config : Study or mapping
        The study config: typed (:class:`wellby.config.typed.Study`), or as
        :func:`wellby.config.validate_config` returns it (every default filled in). The
        panel step's slice will do (:func:`wellby.step_slices.panel_step_study`): it reads
        ``columns``, ``design``, ``scales``, ``outcomes``, ``data`` (with its ``waves`` or
        ``path``) and ``models.covariates`` and ``models.estimators``.
    areas : pandas.DataFrame, optional
        The area file (:func:`wellby.prepare.areas.read_area_file`), when ``data.areas`` is set:
        cohorts and area attributes come from it.

    Returns
    -------
    AssembledPanel
    """
    rows = panel_rows(waves, config, areas)
    checks = panel_checks(rows, config)
    return AssembledPanel(analysis_rows(rows), checks)


def panel_rows(waves: Sequence[pd.DataFrame], config: Study | Mapping[str, Any],
               areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Stack cleaned waves, attach the areas' timing, person codes and treatment timing.

    Stops on what would make the rows wrong (an area with two cohorts, an area file that
    does not fit, no treated row); the checks that only read the rows are
    :func:`panel_checks`. Parameters as :func:`assemble_panel`.

    Returns
    -------
    pandas.DataFrame
        The analysis file's rows, still with the ids' recorded formats, which only the
        checks read (:func:`analysis_rows` drops them).
    """
    study = Study.coerce(config)
    columns = study.columns
    data = stack_waves(waves, columns.wave)
    sources = _wave_sources(study, data)
    if areas is not None:
        data = attach_areas(data, areas, area=columns.area, cohort=columns.cohort,
                            wave=columns.wave, area_file=study.data.areas.path,
                            sources=sources)
    check_cohort_constant(data, columns.area, columns.cohort, columns.wave, sources)
    if study.design == "panel":
        data = with_person_codes(data, columns)  # coded once for the checks and the steps
    data = attach_treatment(data, columns.wave, columns.cohort)
    if compares_areas(study.models) and not data[TREATED].any():
        raise DataError("no row is treated: no area has a cohort at or before the last wave",
                        column=columns.cohort, config_key="columns.cohort")
    return data


def panel_checks(rows: pd.DataFrame, config: Study | Mapping[str, Any]) -> pd.DataFrame:
    """Check the rows of :func:`panel_rows`: linkage, shifted waves, coverage, distributions.

    Parameters
    ----------
    rows : pandas.DataFrame
        :func:`panel_rows`' result.
    config : Study or mapping
        As :func:`assemble_panel`.

    Returns
    -------
    pandas.DataFrame
        The data checks (:func:`wellby.prepare.checks.check_rows`).

    Raises
    ------
    DataError
        A respondent in two areas, waves that do not link, a wave coded one step off,
        an outcome without any value.
    """
    study = Study.coerce(config)
    columns = study.columns
    sources = _wave_sources(study, rows)
    wave_keys = _wave_keys(study)
    checks: list[dict] = []
    if study.design == "panel":
        check_one_area_per_person(rows, columns.id, columns.area, columns.wave, sources)
        linkage = study.data.linkage
        checks += check_linkage_health(
            rows, person=columns.id, wave=columns.wave,
            min_relative_rate=linkage.min_relative_rate, min_rate=linkage.min_rate,
            wave_keys=wave_keys, sources=sources)
    ranges = ranged_columns(study)
    outcomes = list(study.outcomes)
    measured = list(dict.fromkeys([*ranges, *outcomes]))
    # the residents' rows, as a mask: a copy of them took as long as the checks
    kept = resident_rows(rows, columns)
    check_shifted_waves(rows, ranges, wave=columns.wave, sources=sources,
                        wave_keys=wave_keys, rows=kept)
    checks += outcome_coverage(rows, outcomes, columns.wave, rows=kept)
    checks += distribution_checks(rows, measured, columns.wave, rows=kept)
    return check_rows(checks)


def analysis_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Return the analysis file from :func:`panel_rows`' rows: without the ids' formats."""
    return rows.drop(columns=[ID_FORMAT], errors="ignore")


def build_panel(waves: Sequence[pd.DataFrame], config: Study | Mapping[str, Any],
                areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the analysis file of :func:`assemble_panel` (without its checks)."""
    return assemble_panel(waves, config, areas).data


def resident_rows(data: pd.DataFrame, columns: Columns | Mapping[str, Any]
                  ) -> np.ndarray | None:
    """Which rows :func:`residents` keeps (None: every row), to filter them with others."""
    member = Columns.coerce(columns).member
    if not member or member not in data.columns:
        return None
    return (data[member] != 1).to_numpy()


def residents(data: pd.DataFrame, columns: Columns | Mapping[str, Any]) -> pd.DataFrame:
    """Rows of the area-level survey: everything but a followed cohort's rows.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file.
    columns : Columns or mapping
        The config's ``columns`` (``member`` names the cohort flag, if any).

    Returns
    -------
    pandas.DataFrame
    """
    member = Columns.coerce(columns).member
    if not member or member not in data.columns:
        return data
    return data[data[member] != 1]


def coded_identifiers(data: pd.DataFrame, columns: Columns | Mapping[str, Any]
                      ) -> pd.DataFrame:
    """Replace the person and area identifiers by integer codes, for modelling.

    The estimators group rows by these columns in every fit; pseudonyms are text, which
    pandas hashes anew in each fit (about 0.1 s a million rows). Coded once, a subgroup
    step's dozens of fits group by integers instead. Only the rows' grouping matters to
    the models, so their results are unchanged; a column with a missing value is left as
    it is.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of the analysis file.
    columns : Columns or mapping
        The config's ``columns`` (``id`` and ``area`` are coded).

    Returns
    -------
    pandas.DataFrame
        A copy with the two columns as ``int64`` codes.
    """
    columns = Columns.coerce(columns)
    out = data.copy(deep=False)  # columns are replaced, never written into: nothing copied
    for name in dict.fromkeys((columns.id, columns.area)):
        if name in out.columns and out[name].dtype.kind not in "iu":
            codes = pd.factorize(out[name])[0]
            if (codes >= 0).all():
                out[name] = codes.astype(np.int64)
    return out


def start_waves(data: pd.DataFrame, columns: Columns | Mapping[str, Any]) -> list[int]:
    """Return the distinct first treated waves of the programme areas in the analysis file.

    More than one is a staggered adoption. A cohort of 0 or empty is a comparison area (the
    panel step has already made a cohort after the last wave one).
    """
    cohort = pd.to_numeric(data[Columns.coerce(columns).cohort], errors="coerce")
    return sorted(int(wave) for wave in cohort[cohort > 0].unique())


def cohort_members(data: pd.DataFrame, columns: Columns | Mapping[str, Any]) -> pd.DataFrame:
    """Rows of the followed cohort (``columns.member`` = 1); empty without one."""
    member = Columns.coerce(columns).member
    if not member or member not in data.columns:
        return data.iloc[0:0]
    return data[data[member] == 1]


def analysis_columns(columns: Columns | Mapping[str, Any], *extra: str,
                     covariates: Sequence[str] = ()) -> list[str]:
    """Columns a modelling step needs from the analysis file (read only these).

    Parameters
    ----------
    columns : Columns or mapping
        The config's ``columns``.
    *extra : str
        Further columns (the outcome, subgroup columns).
    covariates : sequence of str
        Model covariates.

    Returns
    -------
    list of str
        Distinct column names, in a stable order.
    """
    columns = Columns.coerce(columns)
    wanted = [getattr(columns, key)
              for key in ("id", "wave", "area", "cohort", "weight", "member")]
    wanted += [TREATED, EVER_TREATED, *extra, *covariates]
    return list(dict.fromkeys(c for c in wanted if c))
