"""The contained ActivityDefinition of one drug dose: product (RxNorm, MeSH), dosage in UCUM, route in SNOMED.

Only what the parser read is written: no number, no doseQuantity; no route word, no route. A daily dose
("40 mg/day", "2.5 mg/kg/d") is a `doseQuantity` of 40 mg with a Timing of once a day: `rate*` is the speed
of an infusion, never a daily amount (docs/eligibility-r4.md point 6). When the text gives the daily amount
in several administrations ("mg/m2/day in 2 oral doses") the amount of each is not stated, so no dose is
written. A target exposure (carboplatin "AUC 6"; busulfan "AUC 70-100mg/L x hr") is a `doseQuantity` in
mg/mL.min (mg/L.h), never a mass; a gas
flow ("1-9 L/min") is the rate of administration (`rateRange`). Times of day ("in the morning and in the
evening") go to `Timing.repeat.when` when they agree with the frequency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fhir_adapter.resources.common import Json, compact
from fhir_adapter.sources import DataQualityIssue, Mesh, QualityReport, TrialRecord
from fhir_adapter.terms import MESH_SYSTEM, UCUM_SYSTEM, Terms
from fhir_adapter.text import DrugDose, Frequency

DRUG_TABLE = "drug-rxnorm"
UNIT_TABLE = "dose-unit-ucum"
ROUTE_TABLE = "route-snomed"
TIME_TABLE = "dose-time-event-timing"
KIND_TABLE = "ctgov-intervention-type"
DEFAULT_KIND = "MedicationRequest"
_SALT = re.compile(
    r"\s+(?:hydrochloride|hcl|disodium|sodium|mesylate|maleate|citrate|tosylate|sulfate|phosphate|acetate|"
    r"malate|besylate|fumarate)$",
    re.IGNORECASE,
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_UNIT_WORDS = {"d": "days", "wk": "weeks", "mo": "months", "a": "years", "h": "hours"}


@dataclass(frozen=True)
class Context:
    """What every regimen builder needs: the trial, the arm, the mapping tables and the report."""

    trial: TrialRecord
    arm_label: str
    terms: Terms
    report: QualityReport

    def warn(self, drug: DrugDose, message: str, severity: str = "warning") -> None:
        """Report a finding on `drug`; `severity` 'information' for what is read but kept as text."""
        field_path = drug.fields[0] if drug.fields else "protocolSection.armsInterventionsModule"
        issue = DataQualityIssue(self.trial.nct_id, field_path, message, severity, self.arm_label, drug.drug)
        if issue not in self.report:
            self.report.append(issue)

    def note(self, drug: DrugDose, message: str) -> None:
        """Report a dosing phrase read but kept as text (severity 'information')."""
        self.warn(drug, message, "information")


def known_drug_names(terms: Terms) -> frozenset[str]:
    """Return the ingredient names the RxNorm table knows, for the parser to recognise in text."""
    return frozenset(terms.tables.get(DRUG_TABLE, {}))


def build_activity(drug: DrugDose, activity_id: str, ctx: Context) -> Json:
    """Return the contained ActivityDefinition for one dose of `drug`."""
    kind = ctx.terms.map(KIND_TABLE, drug.intervention_type) if drug.intervention_type else None
    return compact(
        {
            "resourceType": "ActivityDefinition",
            "id": activity_id,
            "status": "active",
            "description": _description(drug),
            "kind": kind.code if kind else (DEFAULT_KIND if drug.intervention_type is None else None),
            "productCodeableConcept": product(drug, ctx.trial, ctx.terms),
            "dosage": [dosage(drug, ctx)],
        }
    )


def product(drug: DrugDose, trial: TrialRecord, terms: Terms) -> Json:
    """Return the drug as a CodeableConcept: RxNorm where the table knows it, MeSH from derivedSection."""
    codings: list[dict[str, str]] = []
    for name in _lookup_names(drug):
        codings = terms.codings(DRUG_TABLE, name)
        if codings:
            break
    mesh = _mesh(drug, trial.intervention_meshes)
    if mesh:
        codings = [*codings, {"system": MESH_SYSTEM, "code": mesh.id, "display": mesh.term}]
    return compact({"coding": codings or None, "text": drug.drug})


def dosage(drug: DrugDose, ctx: Context) -> Json:
    """Return the Dosage: the verbatim text, timing, route and the dose where it has a number and a unit."""
    dose_and_rate = _dose_and_rate(drug, ctx) if drug.dose is not None else None
    return compact(
        {
            "text": drug.verbatim or drug.drug,
            "timing": _timing(drug, ctx),
            "route": _route(drug, ctx),
            "doseAndRate": [dose_and_rate] if dose_and_rate else None,
        }
    )


def _lookup_names(drug: DrugDose) -> list[str]:
    names = [n.lower().strip() for n in drug.names]
    return list(dict.fromkeys([*names, *(_SALT.sub("", n) for n in names)]))


def _mesh(drug: DrugDose, meshes: tuple[Mesh, ...]) -> Mesh | None:
    wanted = {_plain(n) for n in _lookup_names(drug)}
    return next((m for m in meshes if _plain(m.term) in wanted), None)


def _plain(name: str) -> str:
    return _NOT_ALNUM.sub("", name.lower())


def _timing(drug: DrugDose, ctx: Context) -> Json | None:
    """Return the dosage Timing: how long (bounds), how often, at which times of day."""
    frequency = _frequency_of(drug)
    duration = drug.duration
    bounds = _quantity(duration.value, _UNIT_WORDS[duration.unit], duration.unit) if duration else None
    repeat = compact(
        {
            "boundsDuration": bounds,
            **(_frequency(frequency) if frequency else {}),
            "when": _when(drug, frequency, ctx),
        }
    )
    if duration and frequency is None:
        ctx.note(drug, f"given over {duration.text!r}; how often within it is not stated")
    return {"repeat": repeat} if repeat else None


def _frequency_of(drug: DrugDose) -> Frequency | None:
    """Return the frequency written, or once a day for a daily dose ("40 mg/day") that states none."""
    if drug.frequency is None and drug.per_day and drug.dose is not None:
        return Frequency(1, 1, "d", drug.dose_text or "")
    return drug.frequency


def _frequency(frequency: Frequency) -> Json:
    if frequency.once:
        return {"count": 1}
    return {"frequency": frequency.times, "period": _number(frequency.period), "periodUnit": frequency.unit}


def _when(drug: DrugDose, frequency: Frequency | None, ctx: Context) -> list[str] | None:
    """Return the EventTiming codes of the times of day written, when they name each daily administration:
    "twice daily ... in the morning ... in the evening" (NCT06158412) gives MORN and EVE."""
    if not drug.times:
        return None
    targets = [ctx.terms.map(TIME_TABLE, time) for time in drug.times]
    codes = [t.code for t in targets if t is not None and t.code]
    if len(codes) != len(drug.times) or not (frequency is None or _is_times_a_day(frequency, len(codes))):
        times = " and ".join(drug.times)
        ctx.note(drug, f"given in the {times}, which does not match its frequency; kept as text")
        return None
    return codes


def _is_times_a_day(frequency: Frequency, times: int) -> bool:
    return not frequency.once and (frequency.times, frequency.period, frequency.unit) == (times, 1, "d")


def _route(drug: DrugDose, ctx: Context) -> Json | None:
    if drug.route is None:
        return None
    coding = ctx.terms.map(ROUTE_TABLE, drug.route)
    if coding is None and " or " not in drug.route:
        ctx.warn(drug, f"route {drug.route!r} has no SNOMED CT mapping; kept as text")
    return compact({"coding": [coding.coding()] if coding else None, "text": drug.route})


def _dose_and_rate(drug: DrugDose, ctx: Context) -> Json | None:
    unit = drug.unit or ""
    target = ctx.terms.map(UNIT_TABLE, unit)
    if target is None or target.code is None or drug.dose is None:
        if not ctx.terms.knows(UNIT_TABLE, unit):
            ctx.warn(drug, f"dose unit {unit!r} has no UCUM mapping; dose kept as text")
        return None
    if drug.per_day and drug.frequency is not None and not _is_once_a_day(drug.frequency):
        ctx.warn(
            drug,
            f"{drug.dose_text!r} is a daily amount given {drug.frequency.text!r}; the amount of each "
            "administration is not stated, so no dose is given",
        )
        return None
    kind = "rate" if drug.is_rate else "dose"
    low = _quantity(drug.dose, unit_display(unit, target.code), target.code)
    if drug.dose_high is not None:
        high = _quantity(drug.dose_high, unit_display(unit, target.code), target.code)
        return {f"{kind}Range": {"low": low, "high": high}}
    return {f"{kind}Quantity": low}


def _is_once_a_day(frequency: Frequency) -> bool:
    return _is_times_a_day(frequency, 1)


def unit_display(unit: str, code: str) -> str:
    """Return the unit as shown to a reader: as written, except a target AUC, shown with its UCUM unit.

    >>> unit_display("mg/m2", "mg/m2"), unit_display("AUC", "mg/mL.min"), unit_display("AUC mg/L.h", "mg/L.h")
    ('mg/m2', 'mg/mL.min', 'mg/L.h')
    """
    return code if unit.startswith("AUC") else unit


def _quantity(value: float, unit: str, code: str) -> Json:
    return {"value": _number(value), "unit": unit, "system": UCUM_SYSTEM, "code": code}


def _number(value: float) -> int | float:
    """Return a whole number as an int, so JSON reads 27, not 27.0.

    >>> _number(27.0), _number(2.5)
    (27, 2.5)
    """
    return int(value) if float(value).is_integer() else value


def _description(drug: DrugDose) -> str | None:
    if drug.unit is not None and drug.unit.startswith("AUC") and drug.dose is not None:
        exposure = drug.unit.removeprefix("AUC").strip() or "mg/mL.min"
        return (
            f"Dose written as a target area under the curve, {drug.dose_text}: an exposure in {exposure}, "
            "not an amount of drug."
        )
    return None
