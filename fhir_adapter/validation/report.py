"""Validate FHIR JSON files: each gives a ValidationReport (issues, the resources checked, time taken)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fhir_adapter.errors import InputError
from fhir_adapter.resources import FhirVersion
from fhir_adapter.validation.invariant_table import catalog
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.layers import RuleSet
from fhir_adapter.validation.model import r4_model_class
from fhir_adapter.validation.server import ServerValidator, validate_on_server
from fhir_adapter.validation.versions import check_document_as

INPUT_LAYER = "input"
UNREADABLE = "unreadable"


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


def validate_files(
    paths: Iterable[str | Path],
    *,
    server: ServerValidator | None = None,
    best_practice: bool = False,
    rules: RuleSet = RuleSet.AUTO,
    version: FhirVersion = FhirVersion.R4,
) -> Iterator[ValidationReport]:
    """Yield one report per file, in order. A file that cannot be read, is not JSON or is not a FHIR resource
    gives a report holding that one error (layer "input"): one bad file never stops the others."""
    for path in paths:
        try:
            yield validate_file(
                path, server=server, best_practice=best_practice, rules=rules, version=version
            )
        except InputError as exc:
            yield _unreadable(path, exc.reason)
        except RecursionError:  # JSON nested deeper than the checks can follow (valid JSON, no FHIR does it)
            yield _unreadable(path, "nested too deeply to check")


def _unreadable(path: str | Path, reason: str) -> ValidationReport:
    issue = ValidationIssue("?", "(file)", "error", reason, INPUT_LAYER, "structure")
    return ValidationReport(str(path), UNREADABLE, (issue,), (("(file)", UNREADABLE),), 0.0)


def validate_file(
    path: str | Path,
    *,
    server: ServerValidator | None = None,
    best_practice: bool = False,
    rules: RuleSet = RuleSet.AUTO,
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
    except RecursionError as exc:
        raise InputError("not readable: JSON nested too deeply", file=str(path)) from exc
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise InputError("not a FHIR resource: no resourceType", file=str(path))
    return validate_document(
        document, source=str(path), server=server, best_practice=best_practice, rules=rules, version=version
    )


def validate_document(
    document: dict[str, Any],
    *,
    source: str,
    server: ServerValidator | None = None,
    best_practice: bool = False,
    rules: RuleSet = RuleSet.AUTO,
    version: FhirVersion = FhirVersion.R4,
) -> ValidationReport:
    """Return the report for one parsed resource or Bundle, checked against `version`'s rules; with
    `server`, its $validate answer too."""
    resource_type = str(document.get("resourceType"))
    rules = RuleSet(rules)
    start = time.perf_counter()
    checked = check_document_as(document, version, best_practice=best_practice, rules=rules)
    issues = checked.issues
    seconds = time.perf_counter() - start
    resources = _resources(document)
    notes = (
        _notes(resources, best_practice=best_practice)
        if version is FhirVersion.R4
        else _r5_notes(best_practice)
    )
    notes.append(_rules_note(checked.project_rules, rules, version))
    if server:
        answer = validate_on_server(document, server)
        issues += answer.issues
        notes.append(answer.note)
    return ValidationReport(source, resource_type, tuple(issues), resources, seconds, tuple(notes))


def _rules_note(project_rules: bool, rules: RuleSet, version: FhirVersion) -> str:
    release = "R4" if version is FhirVersion.R4 else "R5"
    ran = (
        f"fhir-adapter's rules and the base {release} rules"
        if project_rules
        else f"base {release} rules only"
    )
    if rules == RuleSet.AUTO:
        why = "fhir-adapter's own output" if project_rules else "not fhir-adapter's output"
        return f"{ran} ({why}; --rules fhir-adapter or --rules base to choose)"
    return f"{ran} (--rules {rules.value})"


def _resources(document: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    resource_type = str(document.get("resourceType"))
    found = [(resource_type, resource_type)]
    entries = document.get("entry") if resource_type == "Bundle" else None
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            found.append((f"Bundle.entry[{index}].resource", str(resource.get("resourceType", "?"))))
    return tuple(found)


def _r5_notes(best_practice: bool) -> list[str]:
    """Return what the R5 checks leave out: every R5 resource type has its model, schema and invariants."""
    return (
        []
        if best_practice
        else ["best-practice invariants (dom-6: a resource should have narrative) not checked"]
    )


def _notes(resources: Iterable[tuple[str, str]], *, best_practice: bool) -> list[str]:
    types = {resource_type for _, resource_type in resources}
    unknown = sorted(types - set(catalog().by_type))
    notes = []
    if unknown:
        notes.append(
            f"no resource-specific invariants are known for {', '.join(unknown)}: only those of "
            "Resource/DomainResource, the datatypes and ele-1 were checked"
        )
    without_model = sorted(t for t in types if r4_model_class(t) is None and t != "Bundle")
    if without_model:
        notes.append(
            f"no fhir.resources R4B model has R4's elements for {', '.join(without_model)}: checked by the "
            "R4 schema, invariant, reference and UCUM layers, not the model layer"
        )
    if not best_practice:
        notes.append("best-practice invariants (dom-6: a resource should have narrative) not checked")
    return notes
