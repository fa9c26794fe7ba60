"""HTML of the regimen: per arm, one calendar table per cycle phase (drugs as rows, cycle days as columns).

Every cell of a dosing day says the dose and the route, or says that the plan states none ("dose
missing"); nothing is filled in. A dose given in one phase only (cycle 1) and a conditional dose are
marked in words in the row header, and their cells are drawn dashed: never by colour alone.
"""

from __future__ import annotations

from html import escape

from fhir_adapter.report.calendar import ArmCalendar, DayColumn, DoseRow, Phase

FULL_WIDTH_COLUMNS = 12  # from this many day columns a calendar takes the page's width
MISSING_DOSE = '<span class="missing">dose missing</span>'
MISSING_ROUTE = '<span class="missing">route missing</span>'


def regimen_html(calendars: tuple[ArmCalendar, ...]) -> str:
    """Return the regimen section: every arm's calendars, its stop rule and its other interventions."""
    if not calendars:
        return '<p class="none">The record names no arm or intervention.</p>'
    legend = LEGEND if any(c.phases for c in calendars) else ""
    return "\n".join([legend, *(_arm_html(calendar) for calendar in calendars)])


def _arm_html(calendar: ArmCalendar) -> str:
    parts = [f"<h3>{escape(calendar.title)}</h3>"]
    if calendar.subtitle:
        parts.append(f"<p>{escape(calendar.subtitle)}</p>")
    if calendar.description:
        parts.append(f'<p class="verbatim">{escape(calendar.description)}</p>')
    if calendar.stop:
        parts.append(f"<p><strong>Stop:</strong> {escape(calendar.stop)}</p>")
    if not calendar.phases and not calendar.others:
        parts.append('<p class="none">No drug dosing was read for this arm.</p>')
    parts.extend(_phase_html(phase, calendar.title) for phase in calendar.phases)
    if calendar.others:
        items = "".join(
            f"<li><strong>{escape(title)}</strong>{': ' + escape(text) if text else ''}</li>"
            for title, text in calendar.others
        )
        parts.append(f"<p>Other interventions of this arm (not dosed):</p><ul>{items}</ul>")
    return "\n".join(parts)


LEGEND = (
    '<p class="legend">Each dosing day shows the dose and the route as the plan states them; '
    '<span class="missing">dose missing</span> or <span class="missing">route missing</span> where the '
    'record gives none (never filled in). <span class="tag only">cycle 1 only</span> marks a dose given '
    'in that phase only; <span class="tag cond">if …</span> a conditional dose (one of the alternatives '
    "applies); grey columns are days without a dose.</p>"
)


def _phase_html(phase: Phase, arm: str) -> str:
    caption = f"{arm}: {phase.title}" + (f" ({phase.description})" if phase.description else "")
    if not phase.rows:
        return f'<p class="none">{escape(caption)}: no drug dose.</p>'
    head = "".join(
        f'<th scope="col" class="day"><span class="sr">Day </span>{escape(c.label)}</th>'
        for c in phase.columns
    )
    day_header = '<th scope="col">Drug (dose, route, schedule)</th>'
    rows = "\n".join(_row_html(row, phase) for row in phase.rows)
    texts = list(dict.fromkeys(row.text for row in phase.rows if row.text))
    written = "".join(f'<li class="verbatim">{escape(t)}</li>' for t in texts)
    return (
        f'<table class="{"calendar full" if len(phase.columns) >= FULL_WIDTH_COLUMNS else "calendar"}">'
        f"<caption>{escape(caption)}</caption>\n"
        f"<thead><tr>{day_header}{head}</tr></thead>\n<tbody>\n{rows}\n</tbody></table>\n"
        f"<details open><summary>Dosing as written ({escape(phase.title)})</summary><ul>{written}</ul>"
        "</details>"
    )


def _row_html(row: DoseRow, phase: Phase) -> str:
    return f"<tr>{_row_header(row, phase)}{_cells(row, phase.columns)}</tr>"


def _row_header(row: DoseRow, phase: Phase) -> str:
    tags = []
    if row.only_here:
        tags.append(f'<span class="tag only">{escape(phase.title.lower())} only</span>')
    if row.condition:
        tags.append(f'<span class="tag cond">if {escape(row.condition)}</span>')
    elif row.choice:
        tags.append(f'<span class="tag cond">one of: {escape(row.choice)}</span>')
    schedule = f'<span class="schedule">{escape(row.schedule)}</span>' if row.schedule else ""
    return f'<th scope="row">{escape(row.drug)} {"".join(tags)}{schedule}</th>'


def _cells(row: DoseRow, columns: tuple[DayColumn, ...]) -> str:
    if not columns:
        return ""
    if row.days is None:
        when = f"timed {escape(row.offset)}" if row.offset else "days not stated"
        return (
            f'<td class="undated" colspan="{len(columns)}"><span class="missing">day numbers missing</span>'
            f" ({when}): {_dose_and_route(row)}</td>"
        )
    return "".join(_cell(row, column) for column in columns)


def _cell(row: DoseRow, column: DayColumn) -> str:
    if not any(column.covers(day) for day in row.days or ()):
        return '<td class="rest"></td>' if column.first != column.last else '<td class="off"></td>'
    kind = "dose cond" if row.condition or row.choice else "dose"
    return f'<td class="{kind}">{_dose_and_route(row)}</td>'


def _dose_and_route(row: DoseRow) -> str:
    dose = f'<span class="dose-amount">{escape(row.dose)}</span>' if row.dose else MISSING_DOSE
    route = f'<span class="route">{escape(row.route)}</span>' if row.route else MISSING_ROUTE
    return f"{dose} {route}"
