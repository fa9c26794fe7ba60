"""Every code the adapter emits exists in its code system (issue 10, defect 14).

Every fixture record (fixtures/ctgov/*.json and the legacy XML records in fixtures/ctgov-xml/, the same files
as shared/ctgov/xml/) is converted, and every code in every resource is checked against HL7's own
CodeSystems: the validator's table `hl7-codesystems.json` (built from, and tested against, the npm packages
hl7.fhir.r4.examples 4.0.1 and hl7.fhir.r5.core 5.0.0) for the codes, the packages themselves for the
displays. Two kinds of codes are checked:

- Codings (`system` + `code`, in CodeableConcepts and extensions) whose system is an HL7 system. Inside an R5
  cross-version extension the R5 system applies; elsewhere R4's, or R5's for a system only R5 defines (arm
  type, party role, title type, which R4 elements with an example binding may use).
- Bare `code` elements with a required binding (ResearchStudy.status, Location.status, ContactPoint.system,
  ...), found through R4's StructureDefinitions and checked against the codes of their ValueSet.

The mapping tables are checked too: every ConceptMap target in an HL7 system must exist there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from tests.conftest import CTGOV, FIXTURES, REPO, load_json

CODESYSTEMS = REPO / "fhir_adapter" / "validation" / "data" / "hl7-codesystems.json"
XML_RECORDS = FIXTURES / "ctgov-xml"
HL7_PREFIXES = ("http://hl7.org/fhir/", "http://terminology.hl7.org/")
R5_EXTENSION_PREFIX = "http://hl7.org/fhir/5.0/StructureDefinition/"
# Records that cannot become a Bundle at all (each fails with a MappingError naming the field): nothing of
# theirs is emitted, so nothing of theirs is checked. NCT03182660 is WITHHELD, which R4's status cannot say.
UNCONVERTIBLE = {"NCT03182660"}


@dataclass(frozen=True)
class EmittedCode:
    nct_id: str
    where: str  # resource type and element path
    system: str
    code: str
    display: str | None
    version: str  # "r4" or "r5": which release's code system applies


@pytest.fixture(scope="module")
def bundles(terms: Terms) -> dict[str, dict[str, Any]]:
    """Every fixture record's Bundle, by NCT id (JSON and legacy XML records of the same trial both kept)."""
    found: dict[str, dict[str, Any]] = {}
    # One folder at a time: read together, the older of a trial's two records is left out as a duplicate.
    items = [item for folder in (CTGOV, XML_RECORDS) for item in read_trials([folder])]
    for item in items:
        assert isinstance(item, TrialRecord), str(item)
        try:
            bundle = build_bundle(build_trial_resources(item, terms))
        except FhirAdapterError:
            assert item.nct_id in UNCONVERTIBLE
            continue
        found[f"{item.nct_id}{Path(item.source).suffix}"] = bundle
    return found


@pytest.fixture(scope="module")
def hl7_codes() -> dict[str, dict[str, set[str]]]:
    table = load_json(CODESYSTEMS)
    return {version: {url: set(codes) for url, codes in table[version].items()} for version in ("r4", "r5")}


def test_the_corpus_is_converted(bundles: dict[str, dict[str, Any]]) -> None:
    assert len(bundles) >= len(list(CTGOV.glob("*.json"))) + len(list(XML_RECORDS.glob("*.xml"))) - 1


def test_every_emitted_hl7_coding_exists_in_its_code_system(
    bundles: dict[str, dict[str, Any]], hl7_codes: dict[str, dict[str, set[str]]]
) -> None:
    emitted = [code for name, bundle in bundles.items() for code in _codings(name, bundle)]
    checked = [code for code in emitted if code.system.startswith(HL7_PREFIXES)]
    assert len(checked) > 1000, "the walk found the codings"
    unknown = sorted(
        {
            f"{c.where}: {c.system}|{c.code} ({c.version})"
            for c in checked
            if c.code not in _codes_of(hl7_codes, c.system, c.version)
        }
    )
    assert unknown == []


def test_every_emitted_hl7_display_is_the_code_systems_display(
    bundles: dict[str, dict[str, Any]], r4_examples: Path, r5_core: Path
) -> None:
    packages = {"r4": r4_examples, "r5": r5_core}
    wrong = set()
    for name, bundle in bundles.items():
        for c in _codings(name, bundle):
            if not c.system.startswith(HL7_PREFIXES) or c.display is None:
                continue
            displays = _displays(packages[c.version], c.system) or _displays(packages["r5"], c.system)
            if c.display.casefold() != displays.get(c.code, "").casefold():
                wrong.add(f"{c.where}: {c.system}|{c.code} {c.display!r}, expected {displays.get(c.code)!r}")
    assert sorted(wrong) == []


def test_every_required_code_element_holds_a_code_of_its_value_set(
    bundles: dict[str, dict[str, Any]], r4_examples: Path, hl7_codes: dict[str, dict[str, set[str]]]
) -> None:
    definitions = _R4Definitions(r4_examples)
    found: list[tuple[str, str, str]] = []
    for bundle in bundles.values():
        for entry in bundle["entry"]:
            resource = entry["resource"]
            definitions.required_codes(resource, resource["resourceType"], resource["resourceType"], found)
    paths = {path for path, _, _ in found}
    assert {"ResearchStudy.status", "Location.status", "ContactPoint.system", "Group.type"} <= paths
    wrong = sorted(
        {
            f"{path}: {code!r} not in {value_set}"
            for path, code, value_set in found
            if (allowed := definitions.value_set_codes(value_set, hl7_codes["r4"])) is not None
            and code not in allowed
        }
    )
    assert wrong == []


def test_status_phase_purpose_and_arm_codes_are_all_checked(
    bundles: dict[str, dict[str, Any]],
) -> None:
    # The walk must reach the codes this issue is about, or the checks above prove nothing.
    systems = {c.system for name, bundle in bundles.items() for c in _codings(name, bundle)}
    assert {
        "http://terminology.hl7.org/CodeSystem/research-study-phase",
        "http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type",
        "http://terminology.hl7.org/CodeSystem/research-study-objective-type",
        "http://hl7.org/fhir/research-study-arm-type",
        "http://hl7.org/fhir/research-study-party-role",
    } <= systems


def test_the_arm_type_other_is_other_arm_type(bundles: dict[str, dict[str, Any]]) -> None:
    # NCT02513394's arm B ("Standard adjuvant endocrine therapy") is of type OTHER.
    [study] = [
        e["resource"]
        for e in bundles["NCT02513394.json"]["entry"]
        if e["resource"]["resourceType"] == "ResearchStudy"
    ]
    arm_codes = {c["code"] for arm in study["arm"] for c in arm.get("type", {}).get("coding", [])}
    assert "other-arm-type" in arm_codes
    assert "other-arm" not in arm_codes


@pytest.mark.parametrize("path", sorted((REPO / "mappings").glob("*.json")), ids=lambda p: p.stem)
def test_every_hl7_target_of_a_mapping_table_exists(
    path: Path, hl7_codes: dict[str, dict[str, set[str]]]
) -> None:
    document = load_json(path)
    version = "r5" if document["id"].endswith("-r5") else "r4"
    missing = sorted(
        f"{group['target']}|{target['code']}"
        for group in document["group"]
        if group["target"].startswith(HL7_PREFIXES)
        for element in group["element"]
        for target in element.get("target", [])
        if target.get("code") is not None
        and target["code"] not in _codes_of(hl7_codes, group["target"], version)
    )
    assert missing == []


@pytest.mark.parametrize("path", sorted((REPO / "mappings").glob("*.json")), ids=lambda p: p.stem)
def test_every_hl7_target_display_of_a_mapping_table_is_the_code_systems(
    path: Path, r4_examples: Path, r5_core: Path
) -> None:
    document = load_json(path)
    package = r5_core if document["id"].endswith("-r5") else r4_examples
    wrong = sorted(
        f"{group['target']}|{target['code']}: {target['display']!r}"
        for group in document["group"]
        if group["target"].startswith(HL7_PREFIXES)
        for element in group["element"]
        for target in element.get("target", [])
        if target.get("display")
        and target["display"].casefold()
        != (_displays(package, group["target"]) or _displays(r5_core, group["target"]))
        .get(target["code"], "")
        .casefold()
    )
    assert wrong == []


def test_an_unknown_code_is_caught(hl7_codes: dict[str, dict[str, set[str]]]) -> None:
    # The check itself can fail: the code this issue found is not in the arm-type system.
    bundle = {
        "entry": [
            {
                "resource": {
                    "resourceType": "ResearchStudy",
                    "arm": [
                        {
                            "name": "A",
                            "type": {
                                "coding": [
                                    {
                                        "system": "http://hl7.org/fhir/research-study-arm-type",
                                        "code": "other-arm",
                                    }
                                ]
                            },
                        }
                    ],
                }
            }
        ]
    }
    [coding] = list(_codings("hand-made", bundle))
    assert coding.version == "r4"
    assert coding.code not in _codes_of(hl7_codes, coding.system, coding.version)


def _codes_of(hl7_codes: Mapping[str, Mapping[str, set[str]]], system: str, version: str) -> set[str]:
    """Return the codes of `system` in `version`; an R5-only system counts for R4 output too."""
    if system in hl7_codes[version]:
        return hl7_codes[version][system]
    return hl7_codes["r5"].get(system, set())


def _codings(name: str, bundle: Mapping[str, Any]) -> Iterator[EmittedCode]:
    for entry in bundle["entry"]:
        resource = entry["resource"]
        yield from _walk(name, resource, resource["resourceType"], "r4")


def _walk(name: str, node: Any, where: str, version: str) -> Iterator[EmittedCode]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(name, item, where, version)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("system"), str) and isinstance(node.get("code"), str) and "value" not in node:
        yield EmittedCode(name, where, node["system"], node["code"], node.get("display"), version)
    url = node.get("url")
    inner = "r5" if isinstance(url, str) and url.startswith(R5_EXTENSION_PREFIX) else version
    for key, value in node.items():
        yield from _walk(name, value, f"{where}.{key}", inner)


def _displays(package: Path, system: str) -> dict[str, str]:
    """Return code -> display of the CodeSystem `system` in an HL7 package, {} when it has none."""
    return _code_system_displays(package).get(system, {})


@cache
def _code_system_displays(package: Path) -> dict[str, dict[str, str]]:
    found = {}
    for path in package.glob("CodeSystem-*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        found[document.get("url", "")] = dict(_concept_displays(document.get("concept", [])))
    return found


def _concept_displays(concepts: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    for concept in concepts:
        yield concept["code"], concept.get("display", "")
        yield from _concept_displays(concept.get("concept", []))


class _R4Definitions:
    """R4's element definitions from the StructureDefinitions of hl7.fhir.r4.examples, read on demand."""

    def __init__(self, package: Path) -> None:
        self.package = package
        self.elements: dict[str, dict[str, dict[str, Any]]] = {}

    def definition(self, type_name: str) -> dict[str, dict[str, Any]]:
        if type_name not in self.elements:
            path = self.package / f"StructureDefinition-{type_name}.json"
            document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            snapshot = document.get("snapshot", {}).get("element", [])
            self.elements[type_name] = {element["path"]: element for element in snapshot}
        return self.elements[type_name]

    def required_codes(self, node: Any, type_name: str, path: str, found: list[tuple[str, str, str]]) -> None:
        """Add (element path, code, ValueSet) for every bare code with a required binding under `node`."""
        if isinstance(node, list):
            for item in node:
                self.required_codes(item, type_name, path, found)
            return
        if not isinstance(node, dict):
            return
        elements = self.definition(type_name)
        for key, value in node.items():
            if key.startswith("_") or key in ("resourceType", "extension", "modifierExtension"):
                continue
            element, type_code = self._element(elements, f"{path}.{key}")
            if element is None:
                continue
            if type_code == "code" and element.get("binding", {}).get("strength") == "required":
                for code in value if isinstance(value, list) else [value]:
                    found.append((element["path"], code, element["binding"]["valueSet"].split("|")[0]))
            elif type_code in ("BackboneElement", "Element"):
                self.required_codes(value, type_name, element["path"], found)
            elif type_code == "Resource" and isinstance(value, dict):
                self.required_codes(value, value["resourceType"], value["resourceType"], found)
            elif type_code[:1].isupper():
                self.required_codes(value, type_code, type_code, found)

    def _element(self, elements: dict[str, dict[str, Any]], path: str) -> tuple[dict[str, Any] | None, str]:
        element = elements.get(path)
        if element is not None:
            types = element.get("type", [])
            return element, types[0]["code"] if len(types) == 1 else ""
        for choice_path, choice in elements.items():  # value[x], timing[x]: the type is the key's suffix
            if choice_path.endswith("[x]") and path.startswith(choice_path[:-3]):
                suffix = path[len(choice_path) - 3 :]
                for type_ in choice.get("type", []):
                    if type_["code"][:1].upper() + type_["code"][1:] == suffix:
                        return choice, type_["code"]
        return None, ""

    def value_set_codes(self, value_set: str, r4_codes: Mapping[str, set[str]]) -> frozenset[str] | None:
        """Return the codes of an R4 ValueSet, or None when it draws on a system this table cannot check."""
        name = value_set.rsplit("/", 1)[-1]
        path = self.package / f"ValueSet-{name}.json"
        if not path.exists():
            return None
        compose = json.loads(path.read_text(encoding="utf-8")).get("compose", {})
        codes: set[str] = set()
        for include in compose.get("include", []):
            if "concept" in include:
                codes.update(concept["code"] for concept in include["concept"])
            elif include.get("system") in r4_codes and not include.get("filter"):
                codes.update(r4_codes[include["system"]])
            else:
                return None
        return frozenset(codes)


def test_an_r5_status_in_r4_status_is_caught(
    r4_examples: Path, hl7_codes: dict[str, dict[str, set[str]]]
) -> None:
    # R5 added 'recruiting' to the status system; R4's required binding does not have it.
    definitions = _R4Definitions(r4_examples)
    found: list[tuple[str, str, str]] = []
    definitions.required_codes(
        {"resourceType": "ResearchStudy", "status": "recruiting"}, "ResearchStudy", "ResearchStudy", found
    )
    [(path, code, value_set)] = found
    assert path == "ResearchStudy.status"
    allowed = definitions.value_set_codes(value_set, hl7_codes["r4"])
    assert allowed is not None and "active" in allowed and code not in allowed
