"""The regimen calendar: read from the PlanDefinition, one row per dose, one column per cycle day, nothing
filled in. Expected values are written from the seed's dosing text (NCT06158412, intervention 1):
"ATRA mg/m2/day in 2 oral doses for 3 days ... two days prior to carfilzomib", "Carfilzomib 27mg/m2 2
consecutive days per week x 3 weeks (20mg/m2 on day 1 and day 2 of cycle 1)", "Pomalidomide 4mg orally
daily, d1-21", "Dexamethasone given orally only on days 1, 8, 15, and 22 of each cycle; ≤75 years: 40
mg/day; >75 years: 20 mg/day", "1 course of treatment for 28 days"."""

from __future__ import annotations

import pytest

from fhir_adapter.report.calendar import DoseRow, day_columns, read_calendar
from tests.report.pages import Cell, Table, read_page, table_with_caption


def _calendar(html: str, phase: str) -> Table:
    return table_with_caption(read_page(html), phase)


def _day_cells(table: Table, row: list[Cell]) -> dict[str, Cell]:
    """Return a row's cells by their column's day label ("1", "23–28")."""
    labels = [c.text.removeprefix("Day ") for c in table.rows[0][1:]]
    return dict(zip(labels, row[1:], strict=True))


def test_calendar_columns_are_the_cycle_days_with_rest_days_run_together(seed_html: str) -> None:
    table = _calendar(seed_html, "Cycle 1 (28-day cycle")
    header = table.rows[0]
    assert header[0].attrs["scope"] == "col"
    assert all(c.tag == "th" and c.attrs["scope"] == "col" for c in header)
    assert [c.text for c in header[1:]] == [*(f"Day {d}" for d in range(1, 23)), "Day 23–28"]


def test_cycle_1_carfilzomib_20_on_days_1_and_2_only_in_cycle_1_route_missing(seed_html: str) -> None:
    table = _calendar(seed_html, "Cycle 1 (28-day cycle")
    first, later = table.rows_starting("Carfilzomib")
    assert first[0].tag == "th" and first[0].attrs["scope"] == "row"
    assert "cycle 1 only" in first[0].text
    cells = _day_cells(table, first)
    dosed = {day for day, cell in cells.items() if "dose" in cell.attrs.get("class", "").split()}
    assert dosed == {"1", "2"}
    assert "20 mg/m2" in cells["1"].text and "route missing" in cells["1"].text
    assert "cycle 1 only" not in later[0].text
    later_cells = _day_cells(table, later)
    assert {d for d, c in later_cells.items() if c.text} == {"8", "9", "15", "16"}
    assert all("27 mg/m2" in later_cells[d].text for d in ("8", "9", "15", "16"))


def test_cycles_2_plus_carfilzomib_27_on_days_1_2_8_9_15_16(seed_html: str) -> None:
    table = _calendar(seed_html, "Cycles 2+")
    [row] = table.rows_starting("Carfilzomib")
    cells = _day_cells(table, row)
    assert {d for d, c in cells.items() if c.text} == {"1", "2", "8", "9", "15", "16"}
    assert "cycle" not in row[0].text.lower().replace("carfilzomib", "")


def test_atra_dose_without_number_is_shown_missing_never_filled(seed_html: str) -> None:
    table = _calendar(seed_html, "Cycle 1 (28-day cycle")
    [row] = table.rows_starting("All-trans Retinoic Acid")
    [cell] = row[1:]
    assert cell.attrs["colspan"] == str(len(table.rows[0]) - 1)
    assert "dose missing" in cell.text and "day numbers missing" in cell.text
    assert "2 days before the start of Carfilzomib" in cell.text
    assert "oral" in cell.text and "twice a day" in row[0].text
    assert not any(ch.isdigit() for ch in cell.text.replace("2 days", ""))  # no amount was made up


def test_dexamethasone_doses_are_conditional_on_age_on_days_1_8_15_22(seed_html: str) -> None:
    table = _calendar(seed_html, "Cycle 1 (28-day cycle")
    young, old = table.rows_starting("Dexamethasone")
    assert "if ≤75 years" in young[0].text and "if >75 years" in old[0].text
    for row, dose in ((young, "40 mg"), (old, "20 mg")):
        cells = _day_cells(table, row)
        dosed = {d for d, c in cells.items() if c.text}
        assert dosed == {"1", "8", "15", "22"}
        assert all(dose in cells[d].text and "oral" in cells[d].text for d in dosed)
        assert all("cond" in cells[d].attrs["class"].split() for d in dosed)


def test_pomalidomide_4_mg_oral_days_1_to_21(seed_html: str) -> None:
    table = _calendar(seed_html, "Cycles 2+")
    [row] = table.rows_starting("Pomalidomide")
    cells = _day_cells(table, row)
    assert {d for d, c in cells.items() if c.text} == {str(d) for d in range(1, 22)}
    assert cells["21"].text.split() == ["4", "mg", "oral"]


PLAN_WITHOUT_CYCLE = {
    "resourceType": "PlanDefinition",
    "title": "Arm A",
    "contained": [
        {
            "resourceType": "ActivityDefinition",
            "id": "ad-x",
            "productCodeableConcept": {"text": "Busulfan"},
            "dosage": [{"text": "busulfan days -7 to -4"}],
        }
    ],
    "action": [
        {
            "id": "regimen",
            "action": [
                {
                    "id": "drug-busulfan",
                    "extension": [
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle",
                            "extension": [{"url": "day", "valueInteger": d} for d in (-7, -6, -5, -4)],
                        }
                    ],
                    "definitionCanonical": "#ad-x",
                }
            ],
        },
        {"title": "Procedure: Transplant", "description": "stem cells on day 0"},
    ],
}


def test_a_plan_without_cycles_is_one_phase_with_days_before_day_1() -> None:
    calendar = read_calendar(PLAN_WITHOUT_CYCLE)
    [phase] = calendar.phases
    [row] = phase.rows
    assert (row.drug, row.dose, row.route, row.days) == ("Busulfan", None, None, (-7, -6, -5, -4))
    assert [c.label for c in phase.columns] == ["-7", "-6", "-5", "-4", "-3–0"]  # to day 0, the transplant
    assert calendar.others == (("Procedure: Transplant", "stem cells on day 0"),)


@pytest.mark.parametrize(
    ("days", "length", "labels"),
    [
        ((1, 8), 10, ["1", "2–7", "8", "9", "10"]),
        ((1, 3), None, ["1", "2", "3"]),
        ((), None, []),
        ((), 3, ["1–3"]),
    ],
    ids=["rest-run", "no-length", "nothing", "no-dose"],
)
def test_day_columns(days: tuple[int, ...], length: int | None, labels: list[str]) -> None:
    rows = [DoseRow("x", None, None, None, days, "")] if days else []
    assert [c.label for c in day_columns(rows, length)] == labels
