"""A trial's whole page and the index page: one self-contained HTML document each, no script, no asset.

Registry text is hostile input: every string from a record (or a patient's data) goes through
`html.escape` before it reaches the page; only the markup written here is unescaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from fhir_adapter.report.html_calendar import regimen_html
from fhir_adapter.report.html_criteria import criteria_html, patients_html
from fhir_adapter.report.model import StudySummary, TrialPage
from fhir_adapter.report.style import CSS
from fhir_adapter.sources import DataQualityIssue

SAFE_LINK_SCHEMES = ("https://", "http://")
PATIENTS_HEADER = '<th scope="col">Patients</th>'
SEVERITY_ORDER = {"error": 0, "warning": 1, "information": 2}


def page_html(page: TrialPage) -> str:
    """Return the trial's page."""
    summary = page.summary
    sections = [
        ("summary", "Study summary", summary_html(summary)),
        ("regimen", "Regimen: cycle calendar", regimen_html(page.calendars)),
        ("eligibility", "Eligibility criteria", criteria_html(page.criteria) + _unsplit(page)),
    ]
    if page.patients is not None:
        sections.append(("patients", "Pre-screening of patients", patients_html(page.patients)))
    sections.append(("quality", "Data-quality findings", findings_html(page.findings)))
    nav = " · ".join(f'<a href="#{anchor}">{escape(title)}</a>' for anchor, title, _ in sections)
    body = "\n".join(
        f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{escape(title)}</h2>\n{html}\n</section>'
        for anchor, title, html in sections
    )
    header = (
        f'<p class="nav"><a href="index.html">All trials</a> · {nav}</p>'
        f"<h1>{escape(summary.title)}</h1><p>{escape(summary.nct_id)}"
        f"{' · ' + escape(summary.status) if summary.status else ''}</p>"
    )
    return document(f"{summary.nct_id}: {summary.title}", header, body)


def _unsplit(page: TrialPage) -> str:
    if not page.unsplit_criteria:
        return ""
    return (
        "\n<p>The criteria text was not split into criteria (see the data-quality findings); as written:</p>"
        f'<p class="verbatim">{escape(page.unsplit_criteria)}</p>'
    )


def document(title: str, header: str, body: str) -> str:
    """Return a whole HTML document around `header` and `body` (markup already escaped)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to content</a>\n'
        f'<header class="page">{header}</header>\n<main id="main">\n{body}\n</main>\n</body>\n</html>\n'
    )


def summary_html(summary: StudySummary) -> str:
    """Return the study summary: a definition list of its facts, the arms and the description."""
    facts = [
        ("NCT number", summary.nct_id),
        ("Status", summary.status),
        ("Phase", summary.phase),
        ("Primary purpose", summary.purpose),
        ("Design", ", ".join(summary.design) or None),
        ("Conditions", "; ".join(summary.conditions) or None),
        ("Sponsor", summary.sponsor),
        ("Principal investigator", summary.investigator),
        ("Target enrolment", str(summary.enrollment) if summary.enrollment is not None else None),
        ("Start", summary.start),
        ("End (planned or actual)", summary.end),
    ]
    items = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(value) if value else _missing()}</dd>" for name, value in facts
    )
    parts = [f'<dl class="summary">{items}</dl>']
    if summary.registry_url and summary.registry_url.startswith(SAFE_LINK_SCHEMES):  # never javascript:
        parts.append(f'<p>Registry record: <a href="{escape(summary.registry_url)}">'
                     f"{escape(summary.registry_url)}</a></p>")  # fmt: skip
    if summary.arms:
        arms = "".join(
            f"<li><strong>{escape(name)}</strong>{': ' + escape(text) if text else ''}</li>"
            for name, text in summary.arms
        )
        parts.append(f"<h3>Arms</h3><ul>{arms}</ul>")
    if summary.description:
        parts.append(f'<h3>Description</h3><p class="verbatim">{escape(summary.description)}</p>')
    return "\n".join(parts)


def _missing() -> str:
    return '<span class="missing">not stated</span>'


def findings_html(findings: Sequence[DataQualityIssue]) -> str:
    """Return the data-quality findings, warnings first, as a table."""
    if not findings:
        return '<p class="none">No data-quality finding.</p>'
    counts = Counter(f.severity for f in findings)
    caption = ", ".join(f"{n} {severity}" for severity, n in sorted(counts.items(), key=_severity_key))
    ordered = sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 3))
    rows = "\n".join(
        f'<tr><td class="severity-{escape(f.severity)}">{escape(f.severity)}</td>'
        f'<td><span class="code">{escape(f.field)}</span></td>'
        f"<td>{escape(_where(f))}</td><td>{escape(f.message)}</td></tr>"
        for f in ordered
    )
    return (
        f'<table class="findings"><caption>Data-quality findings: {escape(caption)}</caption>\n'
        '<thead><tr><th scope="col">Severity</th><th scope="col">Field</th><th scope="col">Where</th>'
        f'<th scope="col">Finding</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table>'
    )


def _severity_key(item: tuple[str, int]) -> int:
    return SEVERITY_ORDER.get(item[0], 3)


def _where(finding: DataQualityIssue) -> str:
    parts = [f"arm {finding.arm}" if finding.arm else "", f"drug {finding.drug}" if finding.drug else ""]
    return ", ".join(p for p in parts if p) or "trial"


@dataclass(frozen=True)
class IndexEntry:
    """One line of the index: a trial's page (or why it has none)."""

    source: str
    nct_id: str | None
    page: str | None = None
    title: str | None = None
    status: str | None = None
    criteria: int = 0
    coded: int = 0
    warnings: int = 0
    verdicts: str = ""
    error: str | None = None


def index_html(entries: Sequence[IndexEntry]) -> str:
    """Return the index page: a table of every trial's page, then the records that have none."""
    made = [e for e in entries if e.page]
    screened = any(e.verdicts for e in made)  # a Patients column only when patients were screened
    rows = "\n".join(
        f'<tr><th scope="row"><a href="{escape(e.page or "")}">{escape(e.nct_id or "")}</a></th>'
        f"<td>{escape(e.title or '')}</td><td>{escape(e.status or '')}</td>"
        f"<td>{e.coded} of {e.criteria}</td><td>{e.warnings}</td>"
        f"{f'<td>{escape(e.verdicts)}</td>' if screened else ''}</tr>"
        for e in made
    )
    table = (
        f"<table><caption>{len(made)} trial page{'' if len(made) == 1 else 's'}</caption>\n<thead><tr>"
        '<th scope="col">Trial</th><th scope="col">Title</th><th scope="col">Status</th>'
        '<th scope="col">Criteria rows coded in R4</th><th scope="col">Data-quality warnings</th>'
        f"{PATIENTS_HEADER if screened else ''}</tr></thead>\n<tbody>\n{rows}\n</tbody></table>"
    )
    failed = [e for e in entries if not e.page]
    listed = "".join(
        f"<li>{escape(e.nct_id or e.source)}: {escape(e.error or 'no page')}</li>" for e in failed
    )
    body = f'<section aria-labelledby="trials"><h2 id="trials">Trials</h2>\n{table}\n</section>'
    if failed:
        body += (
            '\n<section aria-labelledby="failed"><h2 id="failed">Records without a page</h2>'
            f"<ul>{listed}</ul></section>"
        )
    return document("fhir-adapter report", "<h1>fhir-adapter report</h1>", body)
