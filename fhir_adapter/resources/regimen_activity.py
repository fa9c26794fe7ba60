"""The contained ActivityDefinition of one drug dose: product (RxNorm, MeSH), dosage in UCUM, route in SNOMED.

Only what the parser read is written: no number, no doseQuantity; no route word, no route. A daily total
("40 mg/day") is a rate of 40 mg per 1 d (`rateRatio`), since the text does not say in how many
administrations it is given. An AUC target (carboplatin "AUC 6") has no UCUM unit and stays text.
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

    def warn(self, drug: DrugDose, message: str) -> None:
        field_path = drug.fields[0] if drug.fields else "protocolSection.armsInterventionsModule"
        issue = DataQualityIssue(self.trial.nct_id, field_path, message, "warning", self.arm_label, drug.drug)
        if issue not in self.report:
            self.report.append(issue)


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
            "description": _note(drug),
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
            "timing": _timing(drug),
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


def _timing(drug: DrugDose) -> Json | None:
    frequency = drug.frequency
    repeat = compact(
        {
            "boundsDuration": _quantity(
                drug.duration.value, _UNIT_WORDS[drug.duration.unit], drug.duration.unit
            )
            if drug.duration
            else None,
            **(_frequency(frequency) if frequency else {}),
        }
    )
    return {"repeat": repeat} if repeat else None


def _frequency(frequency: Frequency) -> Json:
    if frequency.once:
        return {"count": 1}
    return {"frequency": frequency.times, "period": _number(frequency.period), "periodUnit": frequency.unit}


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
    code = target.code
    if drug.per_day:
        if drug.dose_high is not None:
            low, high = (
                _quantity(drug.dose, f"{unit}/d", f"{code}/d"),
                _quantity(drug.dose_high, f"{unit}/d", f"{code}/d"),
            )
            return {"rateRange": {"low": low, "high": high}}
        return {
            "rateRatio": {
                "numerator": _quantity(drug.dose, unit, code),
                "denominator": _quantity(1, "d", "d"),
            }
        }
    if drug.dose_high is not None:
        return {
            "doseRange": {
                "low": _quantity(drug.dose, unit, code),
                "high": _quantity(drug.dose_high, unit, code),
            }
        }
    return {"doseQuantity": _quantity(drug.dose, unit, code)}


def _quantity(value: float, unit: str, code: str) -> Json:
    return {"value": _number(value), "unit": unit, "system": UCUM_SYSTEM, "code": code}


def _number(value: float) -> int | float:
    """Return a whole number as an int, so JSON reads 27, not 27.0.

    >>> _number(27.0), _number(2.5)
    (27, 2.5)
    """
    return int(value) if float(value).is_integer() else value


def _note(drug: DrugDose) -> str | None:
    if drug.unit == "AUC" and drug.dose is not None:
        return (
            f"Dose written as a target area under the curve, {drug.dose_text}: not an amount, so it has no "
            "UCUM quantity and is kept as text."
        )
    return None
