"""`convert --check self` checks each resource in one pass (validation/self_check.py); it must find exactly
what the layers it stands for (check_references, check_units, check_rules) find over walk_resource's
Elements, every element walked, in the same order: on every fixture document (records as R4 and R5, the
broken, old and golden Bundles) and on variants of them made to give findings the fixtures do not."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from fhir_adapter.resources import FhirVersion
from fhir_adapter.terms import UCUM_SYSTEM
from fhir_adapter.validation.elements import r4_tables, walk_resource
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.levels import CheckLevel, _in_entry, check_bundle_at
from fhir_adapter.validation.references import bundle_targets, check_references
from fhir_adapter.validation.release import r5_tables
from fhir_adapter.validation.rules import check_rules
from fhir_adapter.validation.units import check_units
from tests.validation.findings import fixture_documents, issue_line

Document = dict[str, Any]


def _layered(bundle: Document, version: FhirVersion) -> list[str]:
    """Return what the layers find in the Bundle's entries over walk_resource's Elements (every element)."""
    r5 = version is FhirVersion.R5
    targets = bundle_targets(bundle)
    issues: list[ValidationIssue] = []
    for index, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            elements = walk_resource(resource, tables=r5_tables() if r5 else r4_tables())
            found = check_references(elements, targets) + check_units(elements) + check_rules(elements, r5=r5)
            issues += [_in_entry(index, issue) for issue in found]
    return [issue_line(issue) for issue in issues]


def _one_pass(bundle: Document, version: FhirVersion) -> list[str]:
    return [issue_line(issue) for issue in check_bundle_at(bundle, version, CheckLevel.SELF)]


@cache
def _bundles() -> list[tuple[str, FhirVersion, Document]]:
    return [item for item in fixture_documents() if item[2].get("resourceType") == "Bundle"]


def _strings_escaped(node: Any) -> Any:
    """Return `node` with a Markdown escape in every string but the resource types (codes and URLs too:
    more findings)."""
    if isinstance(node, dict):
        return {
            key: value if key == "resourceType" else _strings_escaped(value) for key, value in node.items()
        }
    if isinstance(node, list):
        return [_strings_escaped(item) for item in node]
    return f"{node} \\> 5" if isinstance(node, str) else node


def _primitive_extensions(node: Any) -> Any:
    """Return `node` with a `_name` object (an extension holding a Coding) before every string element,
    and a `_name` list beside every list of strings: the walk's general case."""
    if isinstance(node, list):
        return [_primitive_extensions(item) for item in node]
    if not isinstance(node, dict):
        return node
    extension = {
        "extension": [{"url": "http://example.org/x", "valueCoding": {"system": UCUM_SYSTEM, "code": "y"}}]
    }
    out: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, str) and key not in ("resourceType", "reference", "url"):
            out[f"_{key}"] = extension
        elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            out[f"_{key}"] = [None, extension]
        out[key] = _primitive_extensions(value)
    return out


def _broken_codes_and_units(node: Any) -> Any:
    """Return `node` with every Coding and Quantity code made wrong (a code no system has, a unit no UCUM
    has), every reference and local canonical left dangling."""
    if isinstance(node, list):
        return [_broken_codes_and_units(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _broken_codes_and_units(value) for key, value in node.items()}
    if isinstance(out.get("code"), str):
        out["code"] = "mo/y" if out.get("system") == UCUM_SYSTEM else f"{out['code']}9"
    if isinstance(out.get("reference"), str):
        out["reference"] += "0"
    if isinstance(out.get("definitionCanonical"), str):
        out["definitionCanonical"] = "#nothing"
    return out


def _r5_extensions(node: Any) -> Any:
    """Return `node` with every extension an R5 cross-version one, where R5's codes count."""
    if isinstance(node, list):
        return [_r5_extensions(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _r5_extensions(value) for key, value in node.items()}
    if isinstance(out.get("url"), str):
        out["url"] = "http://hl7.org/fhir/5.0/StructureDefinition/extension-X.y"
        out["extension"] = [*out.get("extension", []), {"url": "a", "valueCoding": R4_ONLY_CODE}]
    return out


R4_ONLY_CODE = {"system": "http://hl7.org/fhir/encounter-status", "code": "finished"}  # not in R5's

VARIANTS: dict[str, Callable[[Any], Any]] = {
    "as-built": copy.deepcopy,
    "markdown-escapes": _strings_escaped,
    "primitive-extensions": _primitive_extensions,
    "broken-codes-units-references": _broken_codes_and_units,
    "r5-extensions": _r5_extensions,
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_one_pass_self_check_finds_what_the_layers_find(variant: str) -> None:
    found, expected = {}, {}
    for name, version, document in _bundles():
        changed = VARIANTS[variant](document)
        found[name] = _one_pass(changed, version)
        expected[name] = _layered(changed, version)
    assert found == expected
    layers = {line.split("|")[1] for lines in found.values() for line in lines}
    assert {"references", "project"} <= layers  # the documents have findings
    if variant != "as-built":
        assert sum(map(len, found.values())) > 100


def test_a_contained_group_and_a_dose_are_checked_as_the_layers_check_them() -> None:
    group = {
        "resourceType": "Group",
        "id": "g",
        "type": "person",
        "actual": False,
        "characteristic": [
            {
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "397669002"}]},
                "exclude": False,
                "valueRange": {"low": {"value": 18, "system": UCUM_SYSTEM, "code": "m"}},
            },
        ],
    }
    plan = {
        "resourceType": "PlanDefinition",
        "status": "active",
        "contained": [
            group,
            {
                "resourceType": "ActivityDefinition",
                "id": "a",
                "status": "active",
                "dosage": [
                    {
                        "doseAndRate": [
                            {
                                "doseQuantity": {"value": 1, "unit": "mg"},
                                "rateRatio": {"denominator": {"value": 1, "code": "d"}},
                            }
                        ]
                    }
                ],
            },
        ],
        "action": [{"definitionCanonical": "#b", "_title": {"id": "t"}, "title": "A \\* b"}],
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"fullUrl": "urn:uuid:1", "resource": plan}],
    }
    for version in FhirVersion:
        assert _one_pass(bundle, version) == _layered(bundle, version)
    assert len(_one_pass(bundle, FhirVersion.R4)) >= 4
