"""Validate FHIR JSON files: each gives a ValidationReport (issues, the resources checked, time taken)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fhir_adapter.errors import InputError
from fhir_adapter.resources import FhirVersion
from fhir_adapter.validation.invariants import catalog
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.server import ServerValidator, validate_on_server
from fhir_adapter.validation.versions import check_resource_as, validate_bundle_as


@dataclass(frozen=True)
class ValidationReport:
    """What validating one document found."""

    source: str  # the file (or what the caller named the document)
    resource_type: str
    issues: tuple[ValidationIssue, ...]
    resources: tuple[tuple[str, str], ...]  # (location, resource type) of the document and each entry
    seconds: float  # our layers only, not the server's answer
    notes: tuple[str, ...] = ()  # what was not checked, and what the server said

    def count(self, severity: str) -> int:
        return sum(1 for issue in self.issues if issue.severity == severity)

    def failed(self, *, strict: bool = False) -> bool:
        """Return True with any error, or with any warning when `strict`."""
        return self.count("error") > 0 or (strict and self.count("warning") > 0)


def fhir_files(inputs: Iterable[str | Path]) -> list[Path]:
    """Return the files named, and the *.json files in the directories named, in order.

    Raises InputError for a directory without any: a CI job pointed at the wrong folder must not pass.
    """
    files: list[Path] = []
    for item in map(Path, inputs):
        found = sorted(item.glob("*.json")) if item.is_dir() else [item]
        if not found:
            raise InputError("no *.json files in this directory", file=str(item))
        files += found
    return files


def validate_file(
    path: str | Path,
    *,
    server: ServerValidator | None = None,
    best_practice: bool = False,
    version: FhirVersion = FhirVersion.R4,
) -> ValidationReport:
    """Return the report for one FHIR JSON file (a Bundle or a single resource).

    Raises InputError when the file cannot be read, is not JSON, or is not a FHIR resource.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(path)) from exc
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise InputError("not a FHIR resource: no resourceType", file=str(path))
    return validate_document(
        document, source=str(path), server=server, best_practice=best_practice, version=version
    )


def validate_document(
    document: dict[str, Any],
    *,
    source: str,
    server: ServerValidator | None = None,
    best_practice: bool = False,
    version: FhirVersion = FhirVersion.R4,
) -> ValidationReport:
    """Return the report for one parsed resource or Bundle, checked against `version`'s rules; with
    `server`, its $validate answer too."""
    resource_type = str(document.get("resourceType"))
    start = time.perf_counter()
    if resource_type == "Bundle":
        issues = validate_bundle_as(document, version, best_practice=best_practice)
    else:
        issues = check_resource_as(document, version, best_practice=best_practice)
    seconds = time.perf_counter() - start
    resources = _resources(document)
    notes = _notes(resources, best_practice=best_practice)
    if server:
        answer = validate_on_server(document, server)
        issues += answer.issues
        notes.append(answer.note)
    return ValidationReport(source, resource_type, tuple(issues), resources, seconds, tuple(notes))


def _resources(document: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    resource_type = str(document.get("resourceType"))
    found = [(resource_type, resource_type)]
    entries = document.get("entry") if resource_type == "Bundle" else None
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            found.append((f"Bundle.entry[{index}].resource", str(resource.get("resourceType", "?"))))
    return tuple(found)


def _notes(resources: Iterable[tuple[str, str]], *, best_practice: bool) -> list[str]:
    known = catalog().by_type
    unknown = sorted({resource_type for _, resource_type in resources if resource_type not in known})
    notes = []
    if unknown:
        notes.append(
            f"no resource-specific invariants are known for {', '.join(unknown)}: only those of "
            "Resource/DomainResource, the datatypes and ele-1 were checked"
        )
    if not best_practice:
        notes.append("best-practice invariants (dom-6: a resource should have narrative) not checked")
    return notes
