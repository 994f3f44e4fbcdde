"""The verdict: the evaluator's question answered first, in plain words, from the tables.

Did it work (the effect on each outcome, in the outcome's units, with its headline interval),
for whom (the subgroups whose effects differ, and who gained), is it value for money (the
benefit-cost ratio at the central WELLBY value, the chance that benefits exceed costs, the
break-even effect), and how sure are we: the caveats the results call for, each computed
from the tables, none written in advance (a pre-trend test that rejects, few or one treated
clusters, TWFE and Callaway-Sant'Anna disagreeing under staggered starts, a valued effect
that is not significant, a benefit-cost ratio far outside what such programmes achieve,
data checks that need attention, subgroup levels not estimated).

Every number in a statement is a :class:`Number` that names the table, the row and the
column it was read from, so the report can mark it up and a test can check each one
against its table.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from wellby.prepare.derived import SHARE_SUFFIX
from wellby.report.figures import in_sentence, short_label
from wellby.valuation.inputs import HEADLINE_TERM

ESTIMATOR_NAMES = {"twfe": "two-way fixed effects", "callaway_santanna": "Callaway-Sant'Anna",
                   "event_study": "the event study"}
INFERENCE_NAMES = {"wild_bootstrap": "wild cluster bootstrap",
                   "t_few_clusters": "few-cluster t interval"}
FEW_CLUSTER_INFERENCE = {"wild_bootstrap", "t_few_clusters", "none_reliable"}
_RANGE = re.compile(r"\((\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Number:
    """One number of a statement and where it was read.

    Parameters
    ----------
    value : float
        The value in the table.
    table : str
        The table's name (``did``, ``cba``, ...; ``results/tables/<table>.csv``).
    column : str
        Its column.
    key : mapping
        The columns and values that pick its row (``{"outcome": ..., "term": ...}``).
    text : str
        The value as shown.
    """

    value: float
    table: str
    column: str
    key: Mapping[str, Any]
    text: str


@dataclass(frozen=True)
class Statement:
    """A sentence of the verdict: its text with ``{0}``, ``{1}``, ... where its numbers go.

    Parameters
    ----------
    kind : {"effect", "who", "value", "caveat"}
        What the sentence answers.
    template : str
        The sentence, with a placeholder for each number (plain text, not HTML).
    numbers : tuple of Number
        The numbers, in placeholder order.
    """

    kind: str
    template: str
    numbers: tuple[Number, ...] = field(default=())

    def text(self) -> str:
        """Return the sentence as plain text."""
        return self.template.format(*(n.text for n in self.numbers))

    def html(self) -> str:
        """Return the sentence as HTML, each number marked with the cell it came from."""
        spans = [f"<span class='num' data-table='{html.escape(n.table)}' "
                 f"data-column='{html.escape(n.column)}' "
                 f"data-key='{html.escape(_key_text(n.key))}' "
                 f"data-value='{n.value!r}'>{html.escape(n.text)}</span>"
                 for n in self.numbers]
        parts = re.split(r"(\{\d+\})", self.template)
        return "".join(spans[int(p[1:-1])] if re.fullmatch(r"\{\d+\}", p) else html.escape(p)
                       for p in parts)


def safe_text(text: object) -> str:
    """Return text to put in a template as it is (its braces doubled)."""
    return str(text).replace("{", "{{").replace("}", "}}")


def _key_text(key: Mapping[str, Any]) -> str:
    return ";".join(f"{k}={v}" for k, v in key.items())


def number(row: pd.Series, table: str, column: str, key_columns: Sequence[str],
           text: str) -> Number:
    """Return a :class:`Number` for ``row[column]`` of ``table``, picked by ``key_columns``."""
    return Number(float(row[column]), table, column,
                  {k: _plain(row[k]) for k in key_columns}, text)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.item() if hasattr(value, "item") else value


def fmt_estimate(value: float, digits: int = 2) -> str:
    """Format an effect or interval end for a sentence (``0.10``, ``-0.03``)."""
    text = f"{value:.{digits}f}"
    return "0.00"[: len(text)] if text.startswith("-") and float(text) == 0 else text


def fmt_p(value: float) -> str:
    """Format a p-value for a sentence: ``p < 0.001`` below 0.001, else ``p = 0.042``."""
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def fmt_pounds(value: float) -> str:
    """Format money for a sentence: ``£38.3m``, ``-£0.3m``, ``£950,000``."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}£{value / 1e6:,.1f}m"
    return f"{sign}£{value:,.0f}"


def scale_words(label: str | None) -> str:
    """Return the unit of an outcome's label: ``points on the 0-10 scale``, or ``points``.

    A derived share (its label ends "% of residents") changes in percentage points.
    """
    if label and label.endswith(SHARE_SUFFIX):
        return "percentage points"
    match = _RANGE.search(label or "")
    return f"points on the {match.group(1)}-{match.group(2)} scale" if match else "points"


def is_staggered(group_time: pd.DataFrame | None) -> bool:
    """Return True when programme areas start in more than one wave (from ``group_time``)."""
    if group_time is None or not len(group_time) or "group" not in group_time:
        return False
    groups = group_time.loc[group_time["term"] == "att_g", "group"].dropna()
    return groups.nunique() > 1


def headline_estimator(did: pd.DataFrame, outcome: str, staggered: bool) -> str | None:
    """Return the estimator whose overall effect leads for ``outcome``.

    Callaway-Sant'Anna under staggered starts (two-way fixed effects can be biased there by
    effects that change over time), else two-way fixed effects, else whichever ran.
    """
    rows = did[did["outcome"] == outcome]
    present = [e for e, term in HEADLINE_TERM.items()
               if ((rows["estimator"] == e) & (rows["term"] == term)
                   & rows["estimate"].notna()).any()]
    if not present:
        return None
    if staggered and "callaway_santanna" in present:
        return "callaway_santanna"
    return "twfe" if "twfe" in present else present[0]


def overall_row(did: pd.DataFrame, outcome: str, estimator: str) -> pd.Series | None:
    """Return the overall-effect row of one estimator and outcome in ``did``."""
    rows = did[(did["outcome"] == outcome) & (did["estimator"] == estimator)
               & (did["term"] == HEADLINE_TERM.get(estimator, ""))]
    return rows.iloc[0] if len(rows) else None


def headline_interval(row: pd.Series) -> tuple[float, float, float, str, str]:
    """Return the headline interval ends, p-value and their columns' prefix, and inference.

    The headline columns of ``did.csv`` when they hold the interval (the wild bootstrap or
    few-cluster t), else the analytic ones.
    """
    inference = str(row.get("inference", "analytic") or "analytic")
    if inference == "none_reliable":
        p = row.get("headline_p_value", math.nan)
        return math.nan, math.nan, float(p if pd.notna(p) else math.nan), "headline_", inference
    if "headline_ci_low" in row and pd.notna(row["headline_ci_low"]):
        p = row.get("headline_p_value", row["p_value"])
        return (float(row["headline_ci_low"]), float(row["headline_ci_high"]),
                float(p if pd.notna(p) else row["p_value"]),
                "headline_", inference)
    return float(row["ci_low"]), float(row["ci_high"]), float(row["p_value"]), "", inference


DID_KEY = ("outcome", "estimator", "term")


def effect_statement(row: pd.Series, label: str | None, alpha: float) -> Statement:
    """Say what happened to one outcome, in its units, with its headline interval."""
    low, high, p, prefix, inference = headline_interval(row)
    level = round(100 * (1 - alpha))
    name = safe_text((label or str(row["outcome"])).split(" (")[0])
    estimate = float(row["estimate"])
    how = INFERENCE_NAMES.get(inference)
    numbers = (number(row, "did", "estimate", DID_KEY, fmt_estimate(abs(estimate))),
               number(row, "did", f"{prefix}ci_low", DID_KEY, fmt_estimate(low)),
               number(row, "did", f"{prefix}ci_high", DID_KEY, fmt_estimate(high)))
    interval = f"{level}% CI {{1}} to {{2}}" + (f", {how}" if how else "")
    by = ESTIMATOR_NAMES.get(str(row["estimator"]), str(row["estimator"]))
    units = scale_words(label)
    if math.isnan(low):
        return Statement("effect", f"{name} changed by an estimated {{0}} {units} relative to "
                         f"comparison areas ({by}), but there is no reliable interval.",
                         numbers[:1])
    if low > 0 or high < 0:
        verb = "rose" if estimate > 0 else "fell"
        return Statement("effect", f"{name} {verb} by {{0}} {units} ({interval}) relative to "
                         f"comparison areas, on average over the waves since each programme "
                         f"area started ({by}).", numbers)
    signed = number(row, "did", "estimate", DID_KEY, fmt_estimate(estimate))
    return Statement("effect", f"{name}: no change that can be told apart from chance; the "
                     f"estimate is {{0}} {units} ({interval}, which includes no change; "
                     f"{by}).", (signed, *numbers[1:]))


def effect_statements(did: pd.DataFrame | None, outcomes: Sequence[str],
                      labels: Mapping[str, str], alpha: float, staggered: bool
                      ) -> list[Statement]:
    """One :func:`effect_statement` per outcome with an overall effect."""
    if did is None or not len(did):
        return []
    out = []
    for outcome in outcomes:
        estimator = headline_estimator(did, outcome, staggered)
        if estimator is not None:
            out.append(effect_statement(overall_row(did, outcome, estimator),
                                        labels.get(outcome), alpha))
    return out


SUBGROUP_KEY = ("outcome", "subgroup", "level", "estimator", "term")


def gained_levels(levels: pd.DataFrame, subgroup: str, alpha: float, numbers: list[Number],
                  when=None) -> list[str]:
    """Name the levels whose own estimate is above zero at ``alpha`` (adjusted p-value).

    Each level's estimate is appended to ``numbers`` and named in its part as a
    placeholder; ``when(row)``, if given, adds words after the estimate (``by 2018``).
    """
    from wellby.report.subgroup_figures import level_label

    parts = []
    gained = levels[(levels["estimate"] > 0) & (levels["p_adjusted"] < alpha)]
    for _, level in gained.iterrows():
        numbers.append(number(level, "subgroups", "estimate", SUBGROUP_KEY,
                              fmt_estimate(level["estimate"])))
        words = level_label(subgroup, level["level"]).split(": ", 1)[-1]
        extra = f" {safe_text(when(level))}" if when is not None else ""
        parts.append(f"{safe_text(words)} (+{{{len(numbers) - 1}}}{extra})")
    return parts


def who_gained_statements(subgroups: pd.DataFrame | None, outcomes: Sequence[str],
                          labels: Mapping[str, str], alpha: float) -> list[Statement]:
    """Say, per outcome and subgroup, whether effects differed and who gained.

    A subgroup's levels are compared by its heterogeneity test; the levels named as gaining
    are those whose own (stratified TWFE) effect is positive with an adjusted p-value
    below ``alpha``. Crosses of two subgroups are left to the tables.
    """
    from wellby.analysis.subgroups import HETEROGENEITY
    from wellby.report.subgroup_figures import CROSS, subgroup_label

    if subgroups is None or not len(subgroups):
        return []
    out = []
    for outcome in outcomes:
        table = subgroups[(subgroups["outcome"] == outcome)
                          & ~subgroups["subgroup"].astype(str).str.contains(CROSS)]
        name = outcome_name(labels, outcome)
        for subgroup, rows in table.groupby("subgroup", sort=False):
            test = rows[(rows["level"] == HETEROGENEITY)
                        & (rows["estimator"] == "twfe_interaction")]
            levels = rows[(rows["estimator"] == "twfe") & (rows["term"] == "att")
                          & rows["estimate"].notna()]
            if not len(test) or pd.isna(test.iloc[0]["p_value"]) or not len(levels):
                continue
            test_row = test.iloc[0]
            differ = test_row["p_value"] < alpha
            numbers = [number(test_row, "subgroups", "p_value", SUBGROUP_KEY,
                              fmt_p(test_row["p_value"]))]
            parts = gained_levels(levels, str(subgroup), alpha, numbers)
            group = safe_text(subgroup_label(str(subgroup)).lower())
            head = (f"{name}: effects differed by {group} (test of equal effects {{0}})"
                    if differ else
                    f"{name}: no evidence that effects differed by {group} "
                    "(test of equal effects {0})")
            tail = ("; gained: " + ", ".join(parts) if parts
                    else "; no level's own effect is clearly above zero")
            out.append(Statement("who", head + tail + ".", tuple(numbers)))
    return out


def value_statement(cba: pd.DataFrame | None, montecarlo: pd.DataFrame | None,
                    labels: Mapping[str, str]) -> list[Statement]:
    """Say whether the programme is value for money at the central WELLBY value."""
    if cba is None or not len(cba):
        return []
    central = cba[cba["scenario"] == "central"]
    if not len(central):
        return []
    row = central.iloc[0]
    numbers = [number(row, "cba", "bcr", ("scenario",), f"{row['bcr']:.2f}"),
               number(row, "cba", "npv", ("scenario",), fmt_pounds(row["npv"])),
               number(row, "cba", "wellby_value", ("scenario",), fmt_pounds(row["wellby_value"]))]
    text = ("At the central WELLBY value ({2} per WELLBY) benefits are {0} times costs "
            "(net present value {1})")
    if montecarlo is not None and len(montecarlo):
        draws = montecarlo.iloc[0]
        numbers.append(number(draws, "cba_montecarlo", "prob_npv_positive", ("seed",),
                              f"{100 * draws['prob_npv_positive']:.0f}%"))
        text += "; the probability that benefits exceed costs is {3}"
        column = ("breakeven_estimate" if "breakeven_estimate" in draws
                  else "breakeven_effect")
        if pd.notna(draws.get(column)):
            numbers.append(number(draws, "cba_montecarlo", column, ("seed",),
                                  fmt_estimate(draws[column], 3)))
            outcome = labels.get("__valued__")
            text += f"; the break-even effect is {{4}} {scale_words(outcome)}"
    return [Statement("value", text + ".", tuple(numbers))]


ROBUST_KEY = ("estimator", "method", "value")


def robust_value_statement(robust: pd.DataFrame | None) -> list[Statement]:
    """Say what the value for money becomes if parallel trends fail (``cba_robust.csv``).

    From the relative-magnitude rows of the valued estimator: how far the robust lower end
    still pays for the programme, and the range of the central benefit-cost ratio when
    post-start violations are as large as the pre-start ones (the grid's ``Mbar`` nearest 1).
    """
    if robust is None or not len(robust) or "bcr_lb" not in robust:
        return []
    rows = robust[robust["method"] == "relative_magnitudes"].sort_values("value")
    if not len(rows):
        return []
    first = rows.iloc[0]
    pays = first["breakdown_pays"]
    if pd.isna(pays):
        head = ("Allowing for failing parallel trends: even with exact parallel trends the "
                "benefit-cost ratio at the lower end of the robust interval is {0}, below 1")
        numbers = [number(first, "cba_robust", "bcr_lb", ROBUST_KEY,
                          f"{first['bcr_lb']:.2f}")]
    else:
        head = ("The case still pays at the lower end of the robust interval while post-start "
                "violations of parallel trends stay within {0} times the largest pre-start one")
        numbers = [number(first, "cba_robust", "breakdown_pays", ROBUST_KEY, f"{pays:.2f}")]
    near = rows.iloc[int((rows["value"] - 1.0).abs().to_numpy().argmin())]
    k = len(numbers)
    numbers += [number(near, "cba_robust", "value", ROBUST_KEY, f"{near['value']:.2f}"),
                number(near, "cba_robust", "bcr_lb", ROBUST_KEY, f"{near['bcr_lb']:.2f}"),
                number(near, "cba_robust", "bcr_ub", ROBUST_KEY, f"{near['bcr_ub']:.2f}")]
    tail = (f"; with violations as large as the pre-start ones (Mbar = {{{k}}}) the central "
            f"benefit-cost ratio lies between {{{k + 1}}} and {{{k + 2}}} "
            f"({safe_text(ESTIMATOR_NAMES.get(str(near['estimator']), str(near['estimator'])))}"
            "'s robust set, Rambachan and Roth 2023).")
    return [Statement("value", head + tail, tuple(numbers))]


def caveats(tables: Mapping[str, pd.DataFrame], outcomes: Sequence[str],
            labels: Mapping[str, str], alpha: float, staggered: bool,
            bcr_flag_above: float) -> list[Statement]:
    """Return the caveats these results call for, each computed from the tables.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The study's tables (``did``, ``cba``, ``cba_montecarlo``, ``data_checks``,
        ``subgroups``, ``power``), as written (not the published views: the checks read
        numbers).
    outcomes : sequence of str
        The outcomes, in the report's order.
    labels : mapping of str to str
        Each outcome's label.
    alpha : float
        The study's significance level (``models.alpha``).
    staggered : bool
        Whether programme areas start in more than one wave.
    bcr_flag_above : float
        A central benefit-cost ratio above this is flagged as far outside what such
        programmes achieve (``report.bcr_flag_above``).
    """
    did = tables.get("did")
    out: list[Statement] = []
    if did is not None and len(did):
        out += _pretrend_caveats(did, outcomes, labels, alpha)
        out += _cluster_caveats(did, outcomes, labels)
        if staggered:
            out += _disagreement_caveats(did, outcomes, labels)
    out += _value_caveats(tables, labels, alpha, bcr_flag_above)
    out += _power_caveats(tables.get("power"), labels)
    out += _sensitivity_caveats(tables.get("sensitivity"), outcomes, labels)
    out += _check_caveats(tables.get("data_checks"))
    out += _level_caveats(tables.get("subgroups"))
    return out


def outcome_name(labels: Mapping[str, str], outcome: str) -> str:
    """Return an outcome's short name for a sentence (braces doubled for a template)."""
    return safe_text(short_label(labels.get(outcome) or outcome))


def _pretrend_caveats(did, outcomes, labels, alpha) -> list[Statement]:
    out = []
    tests = did[(did["term"] == "pretrend_wald") & did["p_value"].notna()]
    for _, row in tests[tests["outcome"].isin(outcomes)].iterrows():
        if row["p_value"] < alpha:
            by = ESTIMATOR_NAMES.get(row["estimator"], row["estimator"])
            out.append(Statement(
                "caveat", f"Before the programme started, {outcome_name(labels, row['outcome'])} "
                f"already moved differently in programme and comparison areas ({by}'s "
                "pre-trend test, {0}): the parallel-trends assumption the effect rests on is "
                "in doubt.", (number(row, "did", "p_value", DID_KEY, fmt_p(row["p_value"])),)))
    return out


def _cluster_caveats(did, outcomes, labels) -> list[Statement]:
    out, said = [], set()
    overall = did[did["term"].isin(list(HEADLINE_TERM.values()))
                  & did["outcome"].isin(outcomes)]
    for _, row in overall.iterrows():
        note = str(row.get("note", "") or "")
        start = note.find("WARNING")
        inference = str(row.get("inference", "") or "")
        if start >= 0:
            text = safe_text(note[start:].split(";")[0].removeprefix("WARNING:").strip())
            message = f"{outcome_name(labels, row['outcome'])} ({row['estimator']}): {text}."
        elif inference in FEW_CLUSTER_INFERENCE:
            how = INFERENCE_NAMES.get(inference, "no reliable interval")
            message = ("Few programme areas (treated clusters): the headline intervals use "
                       f"the {how}, which is honest about the uncertainty but wide.")
        else:
            continue
        if message not in said:
            said.add(message)
            out.append(Statement("caveat", message))
    return out


def _disagreement_caveats(did, outcomes, labels) -> list[Statement]:
    out = []
    for outcome in outcomes:
        twfe = overall_row(did, outcome, "twfe")
        robust = overall_row(did, outcome, "callaway_santanna")
        if twfe is None or robust is None or pd.isna(twfe["estimate"]) or pd.isna(
                robust["estimate"]):
            continue
        t_low, t_high, *_ = headline_interval(twfe)
        r_low, r_high, *_ = headline_interval(robust)
        outside = (not r_low <= twfe["estimate"] <= r_high
                   or not t_low <= robust["estimate"] <= t_high)
        if not outside:
            continue
        numbers = (number(twfe, "did", "estimate", DID_KEY, fmt_estimate(twfe["estimate"])),
                   number(robust, "did", "estimate", DID_KEY,
                          fmt_estimate(robust["estimate"])))
        out.append(Statement(
            "caveat", f"{outcome_name(labels, outcome)}: two-way fixed effects ({{0}}) and "
            "Callaway-Sant'Anna ({1}) disagree, each outside the other's interval. Programme "
            "areas start in different waves, where two-way fixed effects can be biased by "
            "effects that change over time; the headline uses Callaway-Sant'Anna.", numbers))
    return out


def _value_caveats(tables, labels, alpha, bcr_flag_above) -> list[Statement]:
    cba, did = tables.get("cba"), tables.get("did")
    if cba is None or not len(cba) or did is None:
        return []
    out = []
    central = cba[cba["scenario"] == "central"]
    valued = str(cba["estimator"].iloc[0]) if "estimator" in cba else "twfe"
    outcome = labels.get("__valued_outcome__")
    row = overall_row(did, outcome, valued) if outcome else None
    if row is not None:
        low, high, p, *_ = headline_interval(row)
        if not (low > 0 or high < 0):
            out.append(Statement(
                "caveat", "The effect valued is not statistically distinguishable from zero "
                "({0}): the value-for-money case rests on an uncertain effect, and a "
                "benefit-cost ratio from it should not be read as a finding.",
                (number(row, "did", "headline_p_value" if pd.notna(row.get(
                    "headline_p_value")) else "p_value", DID_KEY, fmt_p(p)),)))
    if len(central):
        bcr_row = central.iloc[0]
        bcr = float(bcr_row["bcr"])
        if bcr > bcr_flag_above:
            out.append(Statement(
                "caveat", "The benefit-cost ratio ({0}) is far above what community "
                f"programmes achieve (flagged above {bcr_flag_above:g}, "
                "report.bcr_flag_above): check the population reached, the benefit years, "
                "the costs and the outcome's scale before using it.",
                (number(bcr_row, "cba", "bcr", ("scenario",), f"{bcr:.2f}"),)))
        elif bcr < 0:
            out.append(Statement(
                "caveat", "The benefit-cost ratio ({0}) is negative: the estimated effect is a "
                "loss of wellbeing.", (number(bcr_row, "cba", "bcr", ("scenario",),
                                              f"{bcr:.2f}"),)))
    return out


def _power_caveats(power: pd.DataFrame | None, labels) -> list[Statement]:
    if power is None or not len(power) or "power_at_breakeven" not in power:
        return []
    out = []
    rows = power[power["power_at_breakeven"].notna()]
    for _, row in rows[rows["power_at_breakeven"] < rows["power"]].iterrows():
        key = ("outcome",)
        out.append(Statement(
            "caveat", f"The design had {{0}} power to detect the break-even effect on "
            f"{in_sentence(outcome_name(labels, row['outcome']))} ({{1}}; the smallest effect it "
            f"detects with "
            f"{100 * row['power']:.0f}% power is {{2}}): an effect just worth the money could "
            "have been missed (see Power).",
            (number(row, "power", "power_at_breakeven", key,
                    f"{100 * row['power_at_breakeven']:.0f}%"),
             number(row, "power", "breakeven_effect", key,
                    fmt_estimate(row["breakeven_effect"], 3)),
             number(row, "power", "mde", key, fmt_estimate(row["mde"], 3)))))
    return out


def _sensitivity_caveats(sensitivity: pd.DataFrame | None, outcomes, labels
                         ) -> list[Statement]:
    """Flag an effect whose sign a violation smaller than the pre-start ones explains."""
    if sensitivity is None or not len(sensitivity) or "breakdown" not in sensitivity:
        return []
    out = []
    rows = sensitivity[(sensitivity["method"] == "relative_magnitudes")
                       & sensitivity["outcome"].isin(outcomes)]
    if "target" in rows:
        rows = rows[rows["target"] == "average"]
    for (outcome, estimator), group in rows.groupby(["outcome", "estimator"], sort=False):
        row = group.iloc[0]
        if pd.notna(row["breakdown"]) and row["breakdown"] < 1:
            by = ESTIMATOR_NAMES.get(estimator, estimator)
            out.append(Statement(
                "caveat", f"{outcome_name(labels, outcome)} ({safe_text(by)}): the effect's "
                "sign holds "
                "only while post-start violations of parallel trends stay below {0} times "
                "the largest pre-start one (Rambachan and Roth 2023): a violation smaller "
                "than those already seen before the start could explain the effect away.",
                (number(row, "sensitivity", "breakdown",
                        ("outcome", "estimator", "method", "value"),
                        f"{row['breakdown']:.2f}"),)))
    return out


def _check_caveats(checks: pd.DataFrame | None) -> list[Statement]:
    if checks is None or not len(checks) or "severity" not in checks:
        return []
    warnings = int((checks["severity"] == "warning").sum())
    if not warnings:
        return []
    return [Statement("caveat", f"{warnings} data check{'s' if warnings > 1 else ''} "
                      "need attention (see Data checks) before these results are published.")]


def _level_caveats(subgroups: pd.DataFrame | None) -> list[Statement]:
    if subgroups is None or not len(subgroups) or "note" not in subgroups:
        return []
    from wellby.analysis.subgroups import HETEROGENEITY, NO_OBSERVATIONS

    levels = subgroups[(subgroups["level"] != HETEROGENEITY)
                       & (subgroups["estimator"] == "twfe")
                       & (subgroups["note"].fillna("") != NO_OBSERVATIONS)]
    missing = levels[levels["estimate"].isna()]
    if not len(missing):
        return []
    return [Statement("caveat", f"{len(missing)} subgroup level"
                      f"{'s were' if len(missing) > 1 else ' was'} not estimated (too few "
                      "persons to publish, or too few observations); see Who gained.")]


@dataclass(frozen=True)
class Verdict:
    """The verdict's statements, by what they answer."""

    effects: list[Statement]
    who: list[Statement]
    value: list[Statement]
    caveats: list[Statement]

    def statements(self) -> list[Statement]:
        """Return every statement, in the report's order."""
        return [*self.effects, *self.who, *self.value, *self.caveats]


def build_verdict(tables: Mapping[str, pd.DataFrame], *, outcomes: Sequence[str],
                  labels: Mapping[str, str], alpha: float,
                  valued_outcome: str | None = None,
                  bcr_flag_above: float = math.inf) -> Verdict:
    """Answer the evaluator's question from the study's tables.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The study's tables by name, as written (``did``, ``group_time``, ``subgroups``,
        ``cba``, ``cba_montecarlo``, ``data_checks``).
    outcomes : sequence of str
        The outcomes, in the report's order.
    labels : mapping of str to str
        Each outcome's label with its range (:func:`wellby.steps.outcome_labels`).
    alpha : float
        The study's significance level (``models.alpha``).
    valued_outcome : str, optional
        The outcome the cost-benefit case values (``cba.outcome``).
    bcr_flag_above : float, optional
        A central benefit-cost ratio above this is flagged (``report.bcr_flag_above``).

    Returns
    -------
    Verdict
    """
    staggered = is_staggered(tables.get("group_time"))
    names = dict(labels)
    if valued_outcome is not None:
        names["__valued_outcome__"] = valued_outcome
        names["__valued__"] = labels.get(valued_outcome, valued_outcome)
    from wellby.report.verdict_distribution import (
        gap_statements,
        member_statements,
        weighted_statement,
    )

    return Verdict(
        effects=effect_statements(tables.get("did"), outcomes, labels, alpha, staggered),
        who=[*who_gained_statements(tables.get("subgroups"), outcomes, labels, alpha),
             *member_statements(tables.get("subgroups"), outcomes, labels, alpha),
             *gap_statements(tables.get("gaps"), labels)],
        value=[*value_statement(tables.get("cba"), tables.get("cba_montecarlo"), names),
               *weighted_statement(tables.get("distribution")),
               *robust_value_statement(tables.get("cba_robust"))],
        caveats=caveats(tables, outcomes, names, alpha, staggered, bcr_flag_above),
    )
