"""HTML of the eligibility criteria table and of the patients' per-criterion screening results.

In each criterion's verbatim text the words a fact was read from are marked: `<mark>` for a coded fact,
a dotted underline for a fact read but kept as text. The codes (system, code, display) and values are
beside it; "A or B" is listed as alternatives joined by "or", a conditional threshold with its condition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from html import escape

from fhir_adapter.report.criteria import CriterionRow, FactView, combination_text
from fhir_adapter.report.model import PatientSection
from fhir_adapter.screening import CriterionResult, PatientScreen, Result
from fhir_adapter.text import ALL_OF

OR_ITEM = '<li class="or">'
NO_DATA = '<span class="none">none</span>'
RESULT_WORDS = {Result.MET: "met", Result.NOT_MET: "not met", Result.UNKNOWN: "unknown"}
# Whether the result lets the patient through, which for an exclusion is its being not met.
STANDING = {True: ("pass", "✓ passes"), False: ("fail", "✗ fails"), None: ("unknown", "? undecided")}


def criteria_html(rows: tuple[CriterionRow, ...]) -> str:
    """Return the criteria table."""
    if not rows:
        return '<p class="none">The record states no eligibility criteria.</p>'
    counts = Counter(row.section for row in rows)
    coded = sum(row.r4 == "coded" for row in rows)
    caption = (
        f"Eligibility: {counts['inclusion']} inclusion and {counts['exclusion']} exclusion rows; "
        f"{coded} coded in the R4 Group, the others kept (wholly or partly) as text"
    )
    body = "\n".join(_row_html(row) for row in rows)
    return (
        f'<table class="criteria"><caption>{escape(caption)}</caption>\n<thead><tr>'
        '<th scope="col">Criterion</th><th scope="col">As written (facts read are marked)</th>'
        '<th scope="col">Coded facts: code, display, value</th><th scope="col">Logic</th>'
        f"</tr></thead>\n<tbody>\n{body}\n</tbody></table>\n"
        '<p class="legend"><mark>Marked words</mark> were coded; <span class="read">underlined words</span> '
        "were read but are kept as text. An exclusion's value is what excludes a patient.</p>"
    )


def _row_html(row: CriterionRow) -> str:
    return (
        f'<tr class="{escape(row.section)}"><th scope="row">{escape(row.label.capitalize())}</th>'
        f'<td class="text verbatim">{highlight(row.text, row.facts)}</td>'
        f"<td>{_facts_html(row)}</td><td>{escape(combination_text(row))}</td></tr>"
    )


def _facts_html(row: CriterionRow) -> str:
    """Return the facts as a list; in an "A or B" or conditional criterion, the alternatives (the facts
    not holding for everyone on their own) are joined by "or"."""
    if not row.facts:
        return '<span class="none">nothing coded: criterion kept as text</span>'
    items = []
    for position, fact in enumerate(row.facts):
        joined = row.logic != ALL_OF and position > 0 and _is_alternative(fact, row.facts[position - 1])
        items.append(f"{OR_ITEM if joined else '<li>'}{_fact_html(fact)}</li>")
    return f'<ul class="facts">{"".join(items)}</ul>'


def _is_alternative(fact: FactView, previous: FactView) -> bool:
    return fact.held and previous.held


def _fact_html(fact: FactView) -> str:
    value = f" <strong>{escape(fact.value)}</strong>" if fact.value else ""
    condition = f" <em>only when: {escape(fact.condition)}</em>" if fact.condition else ""
    if fact.coding is None:
        words = f"“{escape(fact.phrase)}”" if fact.phrase else "a fact"
        why = "no comparator or unit: not a threshold, kept as text" if fact.unclear else "read, not coded"
        return f'{words}{value}{condition} <span class="none">({why})</span>'
    code = f'<span class="code">{escape(fact.coding.system_name)} {escape(fact.coding.code)}</span>'
    display = f" {escape(fact.coding.display)}" if fact.coding.display else ""
    return f"{code}{display}:{value}{condition}"


def highlight(text: str, facts: Iterable[FactView]) -> str:
    """Return `text` escaped, each fact's words marked where they occur (first occurrence, no overlap).

    >>> highlight("ANC < 1.0 <b>", [FactView("ANC < 1.0", None, None)])
    '<span class="read">ANC &lt; 1.0</span> &lt;b&gt;'
    """
    spans: list[tuple[int, int, bool]] = []
    for fact in facts:
        start = text.find(fact.phrase) if fact.phrase else -1
        end = start + len(fact.phrase or "")
        if start >= 0 and not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, fact.coding is not None))
    out, at = [], 0
    for start, end, coded in sorted(spans):
        words = escape(text[start:end])
        out.append(escape(text[at:start]))
        out.append(f"<mark>{words}</mark>" if coded else f'<span class="read">{words}</span>')
        at = end
    out.append(escape(text[at:]))
    return "".join(out)


def patients_html(section: PatientSection) -> str:
    """Return each patient's per-criterion results, with the reason and the data used."""
    intro = (
        f"<p>Screened on {escape(section.screening_date)}; results from the {section.lookback_days} days "
        "before it count. Criteria kept as text are never decided by the tool: they are listed as unknown "
        "for the coordinator to review.</p>"
    )
    parts = [intro, _overview_html(section.screens)]
    if not section.screens:
        parts.append('<p class="none">No patient was found in the sources given.</p>')
    parts.extend(_patient_html(screen, index) for index, screen in enumerate(section.screens, start=1))
    if section.unreadable:
        items = "".join(f"<li>{escape(problem)}</li>" for problem in section.unreadable)
        parts.append(f"<h3>Patients that could not be read</h3><ul>{items}</ul>")
    return "\n".join(parts)


def _overview_html(screens: Iterable[PatientScreen]) -> str:
    rows = "".join(
        f'<tr><th scope="row"><a href="#patient-{index}">{escape(s.patient_id)}</a></th>'
        f"<td>{escape(s.verdict.value)}</td>"
        + "".join(f"<td>{n}</td>" for n in _standing_counts(s))
        + "</tr>"
        for index, s in enumerate(screens, start=1)
    )
    if not rows:
        return ""
    return (
        '<table class="patients"><caption>Patients: verdict and coded criteria passed, failed, undecided'
        '</caption>\n<thead><tr><th scope="col">Patient</th><th scope="col">Verdict</th>'
        '<th scope="col">Passed</th><th scope="col">Failed</th><th scope="col">Undecided</th>'
        f"</tr></thead>\n<tbody>{rows}</tbody></table>"
    )


def _standing_counts(screen: PatientScreen) -> tuple[int, int, int]:
    coded = Counter(r.passed for r in screen.results if not r.review)
    return coded[True], coded[False], coded[None]


def _patient_html(screen: PatientScreen, index: int) -> str:
    rows = "\n".join(_result_html(result) for result in screen.results)
    title = f"Patient {screen.patient_id}: {screen.verdict.value}"
    return (
        f'<h3 id="patient-{index}">{escape(title)}</h3>\n'
        f'<table class="patient"><caption>{escape(title)}, criterion by criterion</caption>\n'
        '<thead><tr><th scope="col">Criterion</th><th scope="col">Result</th><th scope="col">Why</th>'
        f'<th scope="col">Data used</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table>'
    )


def _result_html(result: CriterionResult) -> str:
    value = result.result
    evidence = [e for finding in result.findings for e in finding.evidence]
    used = "".join(
        f"<li>{escape(' · '.join(p for p in (e.resource, e.value, e.date, e.note) if p))}</li>"
        for e in evidence
    )
    review = "review by hand" if result.review else ""
    kind, standing = STANDING[result.passed]
    return (
        f'<tr class="{escape(result.criterion.section)}"><th scope="row">'
        f"{escape(result.criterion.label.capitalize())}</th>"
        f'<td class="result-{kind}">{escape(RESULT_WORDS[value])}: {escape(review or standing)}</td>'
        f"<td>{escape(result.reason)}</td>"
        f"<td>{f'<ul>{used}</ul>' if used else NO_DATA}</td></tr>"
    )
