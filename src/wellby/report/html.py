"""The evaluator's report: one self-contained HTML page.

It opens with the answer (:mod:`wellby.report.verdict`: did it work, for whom, is it value
for money, how sure are we), then the data checks, and states the assumptions the effect
rests on with this study's test of each (:mod:`wellby.report.assumptions`). Every number
on the page comes from a results table, and every section says which table (and which
config keys) it came from, so a reviewer can trace it. Images are embedded as
data URIs and the page loads nothing from the network. Every table is shown through
:func:`wellby.report.disclosure.published_tables` (the same views as ``tables.xlsx``): counts of
fewer than ``min_cell`` persons read ``<10``, counts hidden so that they cannot be
recovered by subtraction read ``suppressed``, and the cleaning audit appears as counts,
never row by row.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from wellby.analysis.describe import outcome_labels
from wellby.config.typed import Cba, Study
from wellby.report.assumptions import study_assumptions
from wellby.report.columns import describe_column
from wellby.report.disclosure import COUNT_COLUMNS as _COUNTS
from wellby.report.disclosure import SECONDARY_MARKER, published_tables, small_count_marker
from wellby.report.formatting import format_value, readable
from wellby.report.methods import methods_text
from wellby.report.pdf import PRINT_CSS
from wellby.report.verdict import build_verdict
from wellby.valuation.greenbook import SCENARIOS, WELLBY_BASE_YEAR, wellby_value

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1050px;margin:2em auto;
padding:0 1em;color:#1d1d1d;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #2a6ebb;
padding-bottom:.2em}h3{margin-top:1.4em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
td,th{padding:3px 9px;border-bottom:1px solid #ddd;text-align:right}
th{background:#eef3fa}td:first-child,th:first-child{text-align:left}
.source{color:#555;font-size:.82em;margin-top:-.2em}
.key{background:#f6f8fb;border-left:4px solid #2a6ebb;padding:.6em 1em;margin:1em 0}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#444}
nav ul{columns:2;font-size:.9em}code{background:#f3f3f3;padding:0 3px}
.wide{overflow-x:auto}
td.text,th.text{text-align:left;min-width:14em;max-width:32em}
.verdict{background:#f6f8fb;border-left:4px solid #0072b2;padding:.4em 1.2em;margin:1em 0}
.verdict li{margin:.3em 0}.caveats{border-left-color:#d55e00}
.status-holds{color:#00734d}.status-in-doubt{color:#b34700;font-weight:bold}
.status-not-tested{color:#666}
""" + PRINT_CSS

SECTIONS = [
    ("verdict", "The answer: did it work, for whom, and is it value for money"),
    ("data-checks", "Data checks: what to look at first"),
    ("study", "The study and its data"),
    ("cleaning", "Cleaning: what was excluded and why"),
    ("methods", "Methods"),
    ("assumptions", "Assumptions and limitations"),
    ("comparison", "The comparison areas: matching and balance"),
    ("results", "The programme's effect"),
    ("event-study", "Effects over time (event study)"),
    ("sensitivity", "If parallel trends fail: robust effects and value for money"),
    ("who-gained", "Who gained"),
    ("value", "Value for money"),
    ("power", "Power: could the study detect an effect worth the money?"),
    ("provenance", "Provenance"),
]


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        if abs(value) >= 1e5:
            return f"{value:,.0f}"
        return f"{value:,.{digits}f}"
    return str(value)


LABEL_COLUMNS = {"wave", "period", "group", "rel_time", "row", "cohort", "df1", "df2",
                 "n_items", "price_year", "seed", "year", "calendar_year"}
COUNT_COLUMNS = set(_COUNTS)


def _cell(column: str, value: Any, digits: int) -> str:
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "—"
    if column in LABEL_COLUMNS and float(value).is_integer():
        return str(int(value))
    if column in COUNT_COLUMNS and float(value).is_integer():
        return f"{int(value):,}"
    return _fmt(value, digits)


def table_html(table: pd.DataFrame, columns: Sequence[str] | None = None,
               digits: int = 3, max_rows: int = 60, *, name: str | None = None,
               labels: Mapping[str, str] | None = None) -> str:
    """Render a table (selected columns) as HTML with numbers formatted for reading.

    With the table's ``name`` every cell is formatted by its column's kind (pounds,
    percentages, counts, p-values below 0.001 as ``<0.001``: :func:`readable`), outcomes
    read as their ``labels``, and each header says what its column holds and in what unit.
    Without it, numbers are shown with ``digits`` decimals.
    """
    if columns is not None:
        table = table[[c for c in columns if c in table.columns]]
    shown = table.head(max_rows)
    if name is not None:
        cells = readable(shown, name, labels)
        described = {c: describe_column(name, c, shown[c]) for c in shown.columns}
        text_columns = {c for c in shown.columns if described[c].kind.name == "text"
                        and c in {"note", "message", "description", "interval"}}
        head = "".join(f"<th class='{'text' if c in text_columns else 'value'}'"
                       f" title='{html.escape(described[c].description)} "
                       f"({html.escape(described[c].unit)})'>{html.escape(str(c))}</th>"
                       for c in shown.columns)
        body = "".join(
            "<tr>" + "".join(
                f"<td class='text'>{html.escape(v)}</td>" if c in text_columns
                else f"<td>{html.escape(v)}</td>"
                for c, v in zip(cells.columns, row, strict=True)) + "</tr>"
            for row in cells.itertuples(index=False))
    else:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(c, v, digits))}</td>"
                             for c, v in zip(shown.columns, row, strict=True)) + "</tr>"
            for row in shown.itertuples(index=False))
    more = (f"<p class='source'>First {max_rows} of {len(table):,} rows; all rows are in "
            "the table file.</p>" if len(table) > max_rows else "")
    return (f"<div class='wide'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            f"</table></div>{more}")


@lru_cache(maxsize=1)
def _templates() -> Environment:
    """Return the report's templates (package data in ``wellby/report/templates``)."""
    return Environment(loader=PackageLoader("wellby.report", "templates"),
                       autoescape=select_autoescape(default=True), keep_trailing_newline=False)


def _render(template: str, **context: Any) -> Markup:
    """Render one of the report's templates; text in ``context`` is escaped."""
    return Markup(_templates().get_template(template).render(**context).strip())


def source_line(tables: Sequence[str], keys: Sequence[str] = ()) -> str:
    """Say which tables (and config keys) a section's numbers come from, as HTML."""
    files = ", ".join(f"<code>results/tables/{html.escape(t)}.csv</code>" for t in tables)
    text = f"Source: {files} (sheet of the same name in <code>results/tables.xlsx</code>)"
    if keys:
        text += "; config: " + ", ".join(f"<code>{html.escape(k)}</code>" for k in keys)
    return f"<p class='source'>{text}.</p>"


def image_html(path: str | Path, caption: str) -> str:
    """Embed a PNG as a data URI in a figure with a caption."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(caption)} (<code>{html.escape(str(path))}</code>)"
            "</figcaption></figure>")


def _verdict_section(tables: Mapping[str, pd.DataFrame], study: Study,
                     labels: Mapping[str, str]) -> Markup:
    """Return the answer first: effects, who gained, value for money, and the caveats."""
    verdict = build_verdict(tables, outcomes=study.outcomes, labels=labels,
                            alpha=study.models.alpha,
                            valued_outcome=study.cba.outcome if study.cba else None,
                            bcr_flag_above=study.report.bcr_flag_above)

    def marked(statements) -> list[Markup]:
        return [Markup(s.html()) for s in statements]  # Statement.html escapes its text

    parts = [("Did it work?", marked(verdict.effects)), ("For whom?", marked(verdict.who)),
             ("Is it value for money?", marked(verdict.value))]
    return _render("verdict.html", parts=parts, caveats=marked(verdict.caveats),
                   bcr_flag_above=f"{study.report.bcr_flag_above:g}")


def _assumptions_section(tables: Mapping[str, pd.DataFrame], study: Study,
                         labels: Mapping[str, str]) -> Markup:
    """Return each assumption the effect rests on, with this study's test of it."""
    source = source_line(["did", "event_study", "descriptives", "cleaning_summary"],
                     ["models.anticipation", "design", "cba.mapping"])
    return _render("assumptions.html", assumptions=study_assumptions(tables, study, labels),
                   source=Markup(source))  # built from escaped names


def _study_section(tables, figures, study: Study, min_cell) -> str:
    waves = tables.get("cleaning_summary", pd.DataFrame())
    design = study.design.replace("_", " ")
    text = [f"<p>Design: <b>{html.escape(design)}</b>. Waves: "
            f"{html.escape(', '.join(str(w) for w in waves.get('wave', [])))}. Outcomes: "
            f"{html.escape(', '.join(study.outcomes))}. The treatment indicator is derived "
            f"from each area's first treated wave (<code>columns.cohort</code> = "
            f"<code>{html.escape(study.columns.cohort)}</code>); areas with no cohort "
            "are the comparison group.</p>"]
    descriptives = tables.get("descriptives")
    if descriptives is not None and len(descriptives):
        text.append("<h3>Outcomes by wave, programme and comparison areas</h3>")
        text.append(f"<p><code>n</code> counts respondents (persons) in the wave; cells of "
                    f"fewer than {min_cell} are suppressed with their mean and SD.</p>")
        text.append(table_html(descriptives, ["outcome", "wave", "group", "n", "mean", "sd",
                                              "ci_low", "ci_high"], name="descriptives",
                               labels=outcome_labels(study)))
        text.append(source_line(["descriptives"], ["outcomes", "report.min_cell"]))
    text.append(_figures(figures, "trends_", "Mean by wave in programme and comparison "
                         "areas, with intervals clustered by area", outcome_labels(study)))
    return "".join(text)


def _data_checks_section(tables) -> str:
    checks = tables.get("data_checks")
    if checks is None:
        return "<p>No data checks table was produced.</p>"
    if not len(checks):
        return ("<p>The data gate found nothing to report: every wave linked, coded and "
                "mapped as the config expects.</p>" + source_line(["data_checks"]))
    warnings = int((checks["severity"] == "warning").sum())
    lead = (f"<p><b>{warnings} finding(s) need attention</b> before these results are "
            "published; each message says which config key changes it." if warnings
            else "<p>No finding needs attention; the rows below are for the record.")
    lead += (" What must not pass (text in a numeric column, a wave coded on a shifted "
             "scale, a wave that does not link) stops the run instead.</p>")
    return lead + table_html(checks, ["severity", "check", "wave", "column", "count",
                                      "message"], max_rows=200, name="data_checks") + source_line(
        ["data_checks"], ["data", "subgroups"])


def _checks_banner(tables) -> str:
    checks = tables.get("data_checks")
    if checks is None or not len(checks):
        return ""
    warnings = int((checks["severity"] == "warning").sum())
    if not warnings:
        return ""
    return (f"<div class='key'><b>{warnings} data check(s) need attention</b>: see "
            "<a href='#data-checks'>Data checks</a> before reading the results.</div>")


def _cleaning_section(tables, min_cell) -> str:
    parts = []
    summary = tables.get("cleaning_summary")
    if summary is not None:
        parts.append("<p>Rows read, excluded and kept per wave "
                     "(rows in = rows excluded + rows out; one row per respondent).</p>")
        parts.append(table_html(summary, name="cleaning_summary"))
        parts.append(source_line(["cleaning_summary"], ["report.min_cell"]))
    exclusions = tables.get("exclusions")
    if exclusions is not None:
        parts.append("<h3>Excluded rows by wave and reason</h3>")
        parts.append(table_html(exclusions, name="exclusions") if len(exclusions)
                     else "<p>No row was excluded.</p>")
        parts.append(source_line(["exclusions"], ["data.out_of_range", "data.duplicate_ids"]))
    corrections = tables.get("corrections")
    if corrections is not None and len(corrections):
        parts.append("<h3>Item values set to missing (out of their scale's range)</h3>")
        parts.append(table_html(corrections, name="corrections"))
        parts.append(source_line(["corrections"], ["scales", "data.out_of_range"]))
    linkage = tables.get("linkage")
    if linkage is not None and len(linkage):
        total = linkage["n_persons"].iloc[-1]
        shown = (f"fewer than {min_cell}" if total == small_count_marker(min_cell)
                 else "suppressed" if total == SECONDARY_MARKER else _cell("n_persons", total, 0))
        parts.append(f"<p>Respondents whose answers do not link across waves (kept, flagged "
                     f"for review): {shown}.</p>")
        if len(linkage) > 1:
            parts.append(table_html(linkage, name="linkage"))
        parts.append(source_line(["linkage"], ["data.linkage"]))
    reliability = tables.get("reliability")
    if reliability is not None and len(reliability):
        parts.append("<h3>Scale reliability (Cronbach's alpha)</h3>")
        parts.append(table_html(reliability, ["scale", "wave", "alpha", "ci_low", "ci_high",
                                              "n_complete"], name="reliability"))
        parts.append(source_line(["reliability"], ["scales"]))
    return "".join(parts)


def _results_section(tables, labels) -> str:
    did = tables.get("did")
    if did is None or not len(did):
        return "<p>No estimates.</p>"
    columns = ["outcome", "estimator", "term", "estimate", "std_error", "ci_low", "ci_high",
               "p_value", "n_obs", "n_clusters"]
    if did["wild_p_value"].notna().any() if "wild_p_value" in did else False:
        columns += ["wild_p_value", "wild_ci_low", "wild_ci_high"]
    tests = did[did["statistic"].notna()] if "statistic" in did else did.iloc[:0]
    effects = did.drop(tests.index)
    out = table_html(effects, [*columns, "inference", "headline_ci_low", "headline_ci_high",
                               "headline_p_value"], name="did", labels=labels)
    if len(tests):
        out += ("<h3>Tests</h3>" + table_html(tests, ["outcome", "estimator", "term",
                                                      "statistic", "df1", "df2",
                                                      "distribution", "p_value"],
                                              name="did", labels=labels))
    return out + source_line(["did"], ["outcomes", "models.estimators"])


FIGURE_NAMES = {"cba_tornado": "one-way sensitivity of the net present value (tornado)",
                "cba_montecarlo": "distribution of the net present value over the Monte Carlo "
                                  "draws"}


def _figures(figures: Mapping[str, str], prefix: str, caption: str,
             labels: Mapping[str, str] | None = None) -> str:
    """Embed the figures whose name starts with ``prefix``, captioned by what they show."""
    from wellby.report.formatting import outcome_label

    def name_of(name: str) -> str:
        if name in FIGURE_NAMES:
            return FIGURE_NAMES[name]
        return outcome_label(name[len(prefix):], labels or {})

    return "".join(image_html(path, f"{caption}: {name_of(name)}")
                   for name, path in figures.items() if name.startswith(prefix))


def _who_gained(tables, figures, min_cell, labels) -> str:
    parts = [_figures(figures, "subgroups_", "Effect within each subgroup level (TWFE)",
                      labels)]
    table = tables.get("subgroups")
    if table is not None and len(table):
        tests = table[table["level"] == "heterogeneity_wald"]
        if len(tests):
            parts.append("<h3>Do effects differ between subgroups?</h3>")
            parts.append(table_html(tests, ["outcome", "subgroup", "estimator", "term",
                                            "statistic", "df1", "df2", "distribution",
                                            "p_value", "p_adjusted", "note"],
                                    name="subgroups", labels=labels))
        effects = table[(table["estimator"] == "twfe") & (table["term"] == "att")]
        parts.append("<h3>Effects within subgroups (TWFE)</h3>")
        parts.append(f"<p><code>n_persons</code> counts respondents, <code>n_obs</code> their "
                     f"answers over the waves. A level of fewer than {min_cell} persons is "
                     "not estimated; where its count could be recovered from the other levels "
                     "and a total, their counts are suppressed too.</p>")
        parts.append(table_html(effects,
                                ["outcome", "subgroup", "level", "estimate", "ci_low",
                                 "ci_high", "p_adjusted", "std_effect", "n_persons", "n_obs",
                                 "note"], name="subgroups", labels=labels))
        members = table[(table["estimator"] == "mixed_cohort")
                        & (table["level"] != "heterogeneity_wald")]
        if len(members):
            parts.append("<h3>Followed cohort: change within subgroups (mixed model)</h3>")
            parts.append("<p>The followed cohort's change from its first wave within each "
                         "level (a random-intercept mixed model fitted to the level's "
                         "members); the joint test above (<code>mixed_cohort_interaction</code>"
                         ") asks whether the change differed between levels. There is no "
                         "comparison group for this cohort: a change, not an effect.</p>")
            parts.append(table_html(members, ["outcome", "subgroup", "level", "term",
                                              "estimate", "ci_low", "ci_high", "p_adjusted",
                                              "n_persons", "n_obs", "note"],
                                    name="subgroups", labels=labels))
        parts.append(source_line(["subgroups"], ["subgroups", "models.subgroups"]))
    return "".join(parts)


def _mapping_note(settings: Cba) -> str:
    mapping = settings.mapping
    if mapping is None:
        return ""
    return (f"<p>{html.escape(settings.outcome)} is converted to life-satisfaction points "
            f"with a factor of {mapping.factor} per unit (source: "
            f"{html.escape(mapping.source)}; config <code>cba.mapping</code>).</p>")


def _value_section(tables, figures, study: Study) -> str:
    from wellby.report.distribution_section import distribution_section

    cba = tables.get("cba")
    if cba is None or not len(cba):
        return "<p>No cost-benefit analysis was configured (config section <code>cba</code>).</p>"
    settings = study.cba
    valued = str(cba["estimator"].iloc[0]) if "estimator" in cba else settings.estimator
    values = ", ".join(f"{scenario} £{wellby_value(scenario, WELLBY_BASE_YEAR):,.0f}"
                       for scenario in SCENARIOS)
    parts = [f"<p>The effect on life satisfaction ({html.escape(settings.outcome)}, "
             f"{html.escape(valued)}) is valued in WELLBYs (one point of life "
             f"satisfaction for one person for one year) at the Green Book values ({values} "
             f"in {WELLBY_BASE_YEAR} prices), rebased to "
             f"{settings.price_year} prices with the GDP deflator and discounted with the "
             f"Green Book {html.escape(settings.discounting)} schedule "
             f"(costs: {html.escape(settings.cost_discounting)}).</p>",
             _mapping_note(settings),
             table_html(cba, name="cba"), source_line(["cba"], ["cba"])]
    montecarlo = tables.get("cba_montecarlo")
    if montecarlo is not None and len(montecarlo):
        long = montecarlo.iloc[0].rename("value").rename_axis("statistic").reset_index()
        long["value"] = [
            format_value(v, describe_column("cba_montecarlo", str(k)).kind)
            for k, v in zip(long["statistic"], long["value"], strict=True)]
        parts += ["<h3>Uncertainty (Monte Carlo)</h3>", table_html(long),
                  source_line(["cba_montecarlo"], ["cba.monte_carlo"])]
    sensitivity = tables.get("cba_sensitivity")
    if sensitivity is not None and len(sensitivity):
        parts += ["<h3>One-way sensitivity of the NPV</h3>",
                  table_html(sensitivity, ["input", "low_value", "high_value", "npv_low",
                                           "npv_high", "swing"], name="cba_sensitivity"),
                  source_line(["cba_sensitivity"], ["cba.sensitivity"])]
    parts.append(distribution_section(tables, outcome_labels(study)))
    parts.append(_figures(figures, "cba_", "Value for money"))
    return "".join(parts)


def _sensitivity_section(tables, figures, labels) -> str:
    """Return the robust sets in words and tables, and the value for money at their ends."""
    from wellby.report.formatting import outcome_label

    sensitivity = tables.get("sensitivity")
    if sensitivity is None or not len(sensitivity):
        return ("<p>No sensitivity analysis (it needs the event study and waves before the "
                "start; config <code>models.sensitivity</code>).</p>")
    said = []
    average = (sensitivity[sensitivity["target"] == "average"] if "target" in sensitivity
               else sensitivity)
    for (outcome, estimator), rows in average.groupby(["outcome", "estimator"],
                                                          sort=False):
        by = {m: g.iloc[0]["breakdown"] for m, g in rows.groupby("method")}
        name = "TWFE event study" if estimator == "event_study" else "Callaway-Sant'Anna"
        said.append(f"{outcome_label(str(outcome), labels)} ({name}): the sign of the "
                    "average effect "
                    f"holds up to Mbar = {by.get('relative_magnitudes', float('nan')):.2f} "
                    "(post-start violations as a multiple of the largest pre-start one) and "
                    f"M = {by.get('smoothness', float('nan')):.3f} (change in the violation's "
                    "slope per wave).")
    parts = ["<p>The effects assume parallel trends. Rambachan and Roth (2023) "
             "ask how large a violation would overturn it: the robust confidence set of the "
             "average post-start effect under bounded violations, as R HonestDiD computes "
             "it (relative magnitudes: conditional/hybrid sets; smoothness: FLCI). A "
             "breakdown value below 1 for Mbar means a violation smaller than those seen "
             "before the start could explain the effect away.</p><ul>"
             + "".join(f"<li>{html.escape(s)}</li>" for s in said) + "</ul>",
             _figures(figures, "sensitivity_", "Robust sets when parallel trends fail",
                      labels),
             table_html(sensitivity, ["outcome", "estimator", "method", "target", "parameter",
                                      "value", "lb", "ub", "original_lb", "original_ub",
                                      "breakdown"],
                        name="sensitivity", labels=labels, max_rows=80)]
    robust = tables.get("cba_robust")
    if robust is not None and len(robust):
        parts.append("<h3>Value for money at the ends of the robust set</h3><p>The central "
                     "benefit-cost ratio is proportional to the effect valued, so at each "
                     "bound it is the BCR times the robust end over the valued estimate. "
                     "<code>breakdown_pays</code> is the largest bound at which the robust "
                     "set's lower end still pays for the programme (empty: not even with "
                     "parallel trends exact).</p>")
        parts.append(table_html(robust, ["estimator", "method", "parameter", "value", "lb",
                                         "ub", "bcr_lb", "bcr_ub", "breakdown_pays"],
                                name="cba_robust", labels=labels))
    parts.append(source_line(["sensitivity", "cba_robust"], ["models.sensitivity"]))
    return "".join(parts)


def _power_section(tables, labels) -> str:
    """Return each outcome's detectable effect beside the break-even effect, and planning."""
    from wellby.report.formatting import outcome_label

    power = tables.get("power")
    if power is None or not len(power):
        return "<p>Power was not computed (config <code>power.enabled</code>).</p>"
    parts = ["<ul>"]
    for _, row in power.iterrows():
        name = outcome_label(str(row["outcome"]), labels)
        text = (f"{name}: the smallest effect this design detects with "
                f"{100 * row['power']:.0f}% power at alpha {row['alpha']:g} is "
                f"{row['mde']:.3f} ({row['mde_sd']:.2f} standard deviations)")
        if pd.notna(row.get("breakeven_effect")):
            text += (f"; the WELLBY break-even effect is {row['breakeven_effect']:.3f}, and "
                     f"the power against it {100 * row['power_at_breakeven']:.0f}%. "
                     f"{row.get('note', '')}")
        parts.append(f"<li>{html.escape(text.strip())}</li>")
    parts.append("</ul><p>From the design's own variance components: the share of the "
                 "variance between areas (<code>icc_area</code>), in area-by-wave shocks "
                 "that more residents cannot average away (<code>icc_area_wave</code>), and "
                 "the correlation of a resident's answers over waves (<code>rho</code>); "
                 "McKenzie (2012) for several waves, with t quantiles on areas - 2 degrees "
                 "of freedom (Bloom 1995). Under staggered starts the earliest cohort's "
                 "waves set the pre- and post-periods.</p>")
    parts.append(table_html(power, ["outcome", "n_areas", "persons_per_area", "n_pre",
                                    "n_post", "icc_area", "icc_area_wave", "rho",
                                    "std_error", "mde", "mde_sd", "breakeven_effect",
                                    "power_at_breakeven"], name="power", labels=labels))
    planning = tables.get("power_planning")
    if planning is not None and len(planning):
        parts.append("<h3>What one more follow-up wave needs</h3>")
        parts.append(table_html(planning, ["areas", "persons_per_area", "mde", "power"],
                                name="power_planning", max_rows=80))
    pretrend = tables.get("pretrend_power")
    if pretrend is not None and len(pretrend):
        joint = pretrend[(pretrend["test"] == "joint_wald") & (pretrend["target_power"] == 0.8)]
        said = [f"{outcome_label(str(r.outcome), labels)}: {r.slope:.3f} per wave"
                for r in joint.itertuples()]
        parts.append("<h3>Could the pre-trend test see a violation?</h3><p>A passed pre-trend "
                     "test rules out only violations it had the power to detect (Roth 2022). "
                     "The event study's joint test detects a linear pre-trend with 80% power "
                     "at a slope of " + html.escape("; ".join(said)) + ".</p>")
        parts.append(table_html(pretrend, name="pretrend_power", labels=labels))
    parts.append(source_line(["power", "power_planning", "pretrend_power"],
                         ["power", "models.alpha", "cba"]))
    return "".join(parts)


def _provenance_section(provenance: Mapping[str, Any]) -> str:
    inputs = "".join(f"<li><code>{html.escape(i['path'])}</code> sha256 "
                     f"<code>{html.escape(i['sha256'][:16])}…</code></li>"
                     for i in provenance.get("inputs", []))
    packages = ", ".join(f"{k} {v}" for k, v in provenance.get("packages", {}).items() if v)
    return (f"<p>Generated {html.escape(str(provenance.get('generated_at')))} from git commit "
            f"<code>{html.escape(str(provenance.get('git_commit')))}</code>, config sha256 "
            f"<code>{html.escape(str(provenance.get('config_sha256', ''))[:16])}…</code>, "
            f"Python {html.escape(str(provenance.get('python')))}.</p><p>Inputs:</p><ul>"
            f"{inputs}</ul><p>Packages: {html.escape(packages)}.</p>"
            "<p class='source'>Source: <code>results/provenance.json</code>.</p>")


def render_report(tables: Mapping[str, pd.DataFrame], figures: Mapping[str, str],
                  config: Study | Mapping[str, Any], provenance: Mapping[str, Any], *,
                  min_cell: int) -> str:
    """Render the self-contained HTML report.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The study's tables by name (``did``, ``subgroups``, ``cba``, ...).
    figures : mapping of str to path
        PNG figures by name (``event_study_<outcome>``, ``subgroups_<outcome>``, ...).
    config : Study or mapping
        The study config, typed, or as :func:`wellby.config.validate_config` returns it
        (every default filled in).
    provenance : mapping
        From :func:`wellby.report.provenance.build_provenance`.
    min_cell : int
        Smallest count of persons shown; smaller counts are marked ``<min_cell`` and
        counts that would give one back by subtraction ``suppressed``.

    Returns
    -------
    str
        The page.
    """
    from wellby.report.comparison_section import comparison_section

    study = Study.coerce(config)
    labels = outcome_labels(study)
    written, tables = tables, published_tables(tables, min_cell)
    body = {
        "verdict": _verdict_section(written, study, labels),
        "assumptions": _assumptions_section(tables, study, labels),
        "data-checks": _data_checks_section(tables),
        "study": _study_section(tables, figures, study, min_cell),
        "cleaning": _cleaning_section(tables, min_cell),
        "methods": methods_text(study, tables.get("did")),
        "comparison": comparison_section(tables, figures, study),
        "results": _results_section(tables, labels),
        "event-study": (_figures(figures, "event_study_", "Effect by wave relative to the "
                                 "start, TWFE event study and Callaway-Sant'Anna", labels)
                        + (table_html(tables["event_study"], name="event_study",
                                      labels=labels) + source_line(["event_study"])
                           if "event_study" in tables and len(tables["event_study"]) else "")),
        "sensitivity": _sensitivity_section(tables, figures, labels),
        "who-gained": _who_gained(tables, figures, min_cell, labels),
        "value": _value_section(tables, figures, study),
        "power": _power_section(tables, labels),
        "provenance": _provenance_section(provenance),
    }
    return str(_render("report.html", css=Markup(CSS), min_cell=min_cell, sections=SECTIONS,
                   secondary_marker=SECONDARY_MARKER, banner=Markup(_checks_banner(tables)),
                   config_sha=str(provenance.get("config_sha256", ""))[:12],
                   body={key: Markup(str(part)) for key, part in body.items()}))
