"""A patient's data for screening, and reading it from a folder of patient Bundles.

A folder holds FHIR JSON files, each a Bundle (any type: collection, transaction, searchset) with one or
more Patients and their Observations and Conditions, or a single Patient. A resource belongs to the Patient
its `subject` (or `patient`) references: `Patient/<id>`, the Patient entry's `fullUrl`, or an absolute URL
ending in `Patient/<id>`. Files are read one at a time, so memory does not grow with the folder. A file
that cannot be read yields an InputError naming it and the reading goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fhir_adapter.errors import InputError
from fhir_adapter.screening.evidence import codes_of
from fhir_adapter.screening.trial import Code, Json

DATA_TYPES = ("Observation", "Condition")


@dataclass
class PatientRecord:
    """One patient and the resources of theirs the screening reads."""

    id: str
    patient: Json
    observations: list[Json] = field(default_factory=list)
    conditions: list[Json] = field(default_factory=list)
    source: str = ""
    _by_code: dict[Code, list[Json]] | None = field(default=None, repr=False, compare=False)

    def add(self, resource: Json) -> None:
        if resource.get("resourceType") == "Observation":
            self.observations.append(resource)
            self._by_code = None
        elif resource.get("resourceType") == "Condition":
            self.conditions.append(resource)

    def observations_with(self, codes: Iterable[Code]) -> list[Json]:
        """Return the observations coded with any of `codes` (indexed once, as every criterion asks)."""
        if self._by_code is None:
            index: dict[Code, list[Json]] = {}
            for observation in self.observations:
                for code in codes_of(observation.get("code")):
                    index.setdefault(code, []).append(observation)
            self._by_code = index
        found = {id(o): o for code in codes for o in self._by_code.get(code, ())}
        return list(found.values())


def read_patient_folder(folder: Path) -> Iterator[PatientRecord | InputError]:
    """Yield every patient in the folder's JSON files (name order), or the error that stopped a file."""
    if not folder.is_dir():
        yield InputError("not a folder", file=str(folder))
        return
    files = sorted(p for p in folder.rglob("*.json") if p.is_file() and not _hidden(p.relative_to(folder)))
    for path in files:
        yield from read_patient_file(path)


def read_patient_file(path: Path) -> Iterator[PatientRecord | InputError]:
    """Yield the patients of one file, or one InputError naming the file and what is wrong with it."""
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        yield InputError(f"cannot read the file: {exc.strerror or exc}", file=str(path))
        return
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield InputError(f"not JSON: {exc}", file=str(path))
        return
    try:
        yield from patients_in(document, source=str(path))
    except InputError as exc:
        yield exc


def patients_in(document: Any, *, source: str) -> list[PatientRecord]:
    """Return the patients of a Bundle (or a lone Patient), each with the resources that reference them."""
    if isinstance(document, dict) and document.get("resourceType") == "Patient":
        return [_record(document, source)]
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise InputError("neither a Bundle nor a Patient", file=source, field="resourceType")
    entries = [e for e in document.get("entry") or [] if isinstance(e, dict)]
    resources: list[tuple[Any, Json]] = [
        (e.get("fullUrl"), e["resource"]) for e in entries if isinstance(e.get("resource"), dict)
    ]
    records: dict[str, PatientRecord] = {}
    by_reference: dict[str, PatientRecord] = {}
    for full_url, resource in resources:
        if resource.get("resourceType") == "Patient":
            record = _record(resource, source)
            records[record.id] = record
            by_reference.update(dict.fromkeys(_names(record.id, full_url), record))
    if not records:
        raise InputError("the Bundle holds no Patient", file=source, field="Bundle.entry")
    for _, resource in resources:
        if resource.get("resourceType") in DATA_TYPES:
            owner = by_reference.get(_subject(resource))
            if owner is not None:
                owner.add(resource)
    return list(records.values())


def _record(patient: Json, source: str) -> PatientRecord:
    patient_id = patient.get("id")
    if not isinstance(patient_id, str) or not patient_id:
        raise InputError("a Patient without an id", file=source, field="Patient.id")
    return PatientRecord(patient_id, patient, source=source)


def _names(patient_id: str, full_url: Any) -> Iterable[str]:
    yield f"Patient/{patient_id}"
    if isinstance(full_url, str) and full_url:
        yield full_url


def _subject(resource: Mapping[str, Any]) -> str:
    """Return the reference of a resource's subject (or patient), reduced to `Patient/<id>` when absolute."""
    holder = resource.get("subject") or resource.get("patient")
    reference = str(holder.get("reference", "")) if isinstance(holder, dict) else ""
    if "/Patient/" in reference and not reference.startswith("urn:"):
        return "Patient/" + reference.rsplit("/Patient/", 1)[1].split("/_history", 1)[0]
    return reference


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
