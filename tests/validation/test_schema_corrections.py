"""The corrections to the published R4 JSON Schema: FHIR version 4.0.1, `_name` for canonicals, and FHIR's
(XML Schema's) whitespace in patterns. Each still finds what it corrects, and each fixes a false alarm the
HL7 examples raised (issue 11, items 3 and 13)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.validation import RuleSet, check_resource
from fhir_adapter.validation.schema import definitions, published_definitions
from fhir_adapter.validation.schema_corrections import MISSING_FHIR_VERSION, PATTERNS, fhir_pattern

# Valid in FHIR strings (only characters below U+0020 other than TAB, CR and LF are not); Python's \s
# matches each of them, so `[ \r\n\t\S]+` refused them.
UNICODE_SPACES = {
    "no-break space": "\u00a0",
    "line separator": "\u2028",
    "narrow no-break space": "\u202f",
    "ideographic space": "\u3000",
    "next line": "\u0085",
}


def _patterns(schema: dict[str, Any]) -> set[str]:
    found = set()
    for definition in schema.values():
        found |= {definition["pattern"]} if "pattern" in definition else set()
        for prop in definition.get("properties", {}).values():
            for item in (prop, prop.get("items", {})):
                if "pattern" in item:
                    found.add(item["pattern"])
    return found


def test_every_pattern_that_says_whitespace_is_corrected() -> None:
    published = {p for p in _patterns(published_definitions()) if "\\s" in p or "\\S" in p}
    assert published == set(PATTERNS)
    assert not [p for p in _patterns(definitions()) if "\\s" in p or "\\S" in p]


@pytest.mark.parametrize("name", sorted(UNICODE_SPACES))
def test_unicode_spaces_are_valid_in_strings_codes_and_uris(name: str) -> None:
    space = UNICODE_SPACES[name]
    organization = {
        "resourceType": "Organization",
        "name": f"Centre{space}Hospitalier",
        "type": [{"coding": [{"system": "http://example.org/kinds", "code": f"a{space}b"}]}],
        "endpoint": [{"display": f"Endpoint{space}1"}],
    }
    assert [str(issue) for issue in check_resource(organization, rules=RuleSet.BASE)] == []


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x0b", "\x1f"], ids=["nul", "bell", "vt", "us"])
def test_control_characters_are_still_refused_in_strings(character: str) -> None:
    organization = {"resourceType": "Organization", "name": f"Acme{character}Inc"}
    issues = check_resource(organization, rules=RuleSet.BASE)
    assert [(i.location, i.layer) for i in issues] == [("Organization.name", "r4-schema")]


@pytest.mark.parametrize(
    "value",
    ["QUJD", "QUJD RUZH", "QUJD\nRUZH\n", " QUJD", "QUJ", "QUJD RUZ", "QU JD", "", "QUJD  RUZH\t"],
)
def test_base64_pattern_means_what_the_published_one_means(value: str) -> None:
    published = r"^(\s*([0-9a-zA-Z\+/=]){4}\s*)+$"
    as_xml = published.replace(r"\s", r"[ \t\n\r]")  # the published pattern with XML Schema's \s
    assert bool(re.match(fhir_pattern(published), value)) is bool(re.match(as_xml, value))


def test_fhir_version_4_0_1_is_allowed_as_r4_itself_says(r4_examples: Path) -> None:
    codesystem = json.loads((r4_examples / "CodeSystem-FHIR-version.json").read_text(encoding="utf-8"))
    official = [concept["code"] for concept in codesystem["concept"]]
    assert official[-1] == MISSING_FHIR_VERSION
    assert definitions()["StructureDefinition"]["properties"]["fhirVersion"]["enum"] == official
    capability = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2019-11-01",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
    }
    assert check_resource(capability, rules=RuleSet.BASE) == []


def test_a_canonical_may_carry_an_extension_as_any_primitive() -> None:
    definition = {
        "resourceType": "StructureDefinition",
        "url": "http://example.org/StructureDefinition/x",
        "name": "X",
        "status": "draft",
        "kind": "resource",
        "abstract": False,
        "type": "Patient",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
        "_baseDefinition": {"extension": [{"url": "http://example.org/why", "valueString": "a test"}]},
        "derivation": "constraint",
    }
    assert check_resource(definition, rules=RuleSet.BASE) == []
    definition["_nonsense"] = {"id": "x"}
    assert [(i.location, i.message) for i in check_resource(definition, rules=RuleSet.BASE)] == [
        ("StructureDefinition._nonsense", "unknown element")
    ]
