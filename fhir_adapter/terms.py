"""Code systems, identifier systems and the mapping tables (FHIR ConceptMaps in `mappings/`).

Every system URL is written once, here. The tables are loaded once into an immutable `Terms`; a hospital
adds its own ConceptMaps (same `id` to override rows, extra groups to add local codings) with
`load_terms(extra_dirs=[...])`, without touching code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fhir_adapter.errors import SettingsError

# The project's own namespace: identifier systems, extensions and code systems it defines.
PROJECT_BASE = "https://fhir-adapter.org/fhir"

NCT_SYSTEM = "https://clinicaltrials.gov"
# Seen on servers in the wild for the same NCT number; matched when looking for an existing study.
NCT_SYSTEM_VARIANTS = (
    NCT_SYSTEM,
    "http://clinicaltrials.gov/",
    "https://clinicaltrials.gov/show/",
    "https://www.clinicaltrials.gov/",
)
CTGOV_STUDY_URL = "https://clinicaltrials.gov/study/"
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/"

MESH_SYSTEM = "https://www.nlm.nih.gov/mesh"
ISO_3166_SYSTEM = "urn:iso:std:iso:3166"
SNOMED_SYSTEM = "http://snomed.info/sct"
LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OBJECTIVE_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-objective-type"
PLAN_DEFINITION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
CONTACT_POINT_SYSTEM = "http://hl7.org/fhir/contact-point-system"
# R5 code systems R4 output uses where R4 has none (arm type, party role, title type) or too few codes.
PARTY_ROLE_SYSTEM = "http://hl7.org/fhir/research-study-party-role"
TITLE_TYPE_SYSTEM = "http://hl7.org/fhir/title-type"
R5_STUDY_STATUS_SYSTEM = "http://hl7.org/fhir/research-study-status"
R5_OBJECTIVE_TYPE_SYSTEM = "http://hl7.org/fhir/research-study-objective-type"
R5_CLASSIFIER_SYSTEM = "http://hl7.org/fhir/research-study-classifiers"

SNOMED_AGE = "397669002"

# Adapter-owned identifier systems: conditional updates find our resources again by these.
ORGANIZATION_ID_SYSTEM = f"{PROJECT_BASE}/sid/ctgov-organization"
# Named when only officials became Practitioners; site investigators and contacts share it since.
PRACTITIONER_ID_SYSTEM = f"{PROJECT_BASE}/sid/ctgov-official"
PRACTITIONER_ROLE_ID_SYSTEM = f"{PROJECT_BASE}/sid/ctgov-practitioner-role"
LOCATION_ID_SYSTEM = f"{PROJECT_BASE}/sid/ctgov-site"
GROUP_ID_SYSTEM = f"{PROJECT_BASE}/sid/ctgov-eligibility"
PLAN_DEFINITION_ID_SYSTEM = f"{PROJECT_BASE}/sid/ctgov-arm"
ORG_STUDY_ID_TYPE_TEXT = "Organization's unique protocol ID"

# The project's own code systems for CT.gov values FHIR has no code for (study type, design, ...).
CTGOV_CODE_SYSTEM_BASE = f"{PROJECT_BASE}/CodeSystem/"
CHARACTERISTIC_SYSTEM = f"{PROJECT_BASE}/CodeSystem/eligibility-characteristic"

# Extensions.
EXT_CTGOV_STATUS = f"{PROJECT_BASE}/StructureDefinition/ctgov-overall-status"
EXT_SITE_STATUS = f"{PROJECT_BASE}/StructureDefinition/ctgov-site-recruitment-status"
# HL7's cross-version extensions for R5 elements in R4: http://hl7.org/fhir/5.0/StructureDefinition/
# extension-<element path> (xver-r5.r4). A backbone element (associatedParty, progressStatus, recruitment,
# outcomeMeasure) is a complex extension whose sub-extensions are its children, named and typed as in R5.
R5_EXTENSION_BASE = "http://hl7.org/fhir/5.0/StructureDefinition/extension-"
EXT_R5_ASSOCIATED_PARTY = f"{R5_EXTENSION_BASE}ResearchStudy.associatedParty"
EXT_R5_GROUP_DESCRIPTION = f"{R5_EXTENSION_BASE}Group.description"
EXT_R5_DESCRIPTION_SUMMARY = f"{R5_EXTENSION_BASE}ResearchStudy.descriptionSummary"
EXT_R5_LABEL = f"{R5_EXTENSION_BASE}ResearchStudy.label"
EXT_R5_DATE = f"{R5_EXTENSION_BASE}ResearchStudy.date"
EXT_R5_PROGRESS_STATUS = f"{R5_EXTENSION_BASE}ResearchStudy.progressStatus"
EXT_R5_RECRUITMENT = f"{R5_EXTENSION_BASE}ResearchStudy.recruitment"
EXT_R5_OUTCOME_MEASURE = f"{R5_EXTENSION_BASE}ResearchStudy.outcomeMeasure"
# HL7's cross-version extension for an R4 element in R5: ResearchStudy.contact (the central contacts' phones).
EXT_R4_CONTACT = "http://hl7.org/fhir/4.0/StructureDefinition/extension-ResearchStudy.contact"
# R4 core extension: the coded value of a string (here Address.country as an ISO 3166 code).
EXT_STRING_CODING = "http://hl7.org/fhir/StructureDefinition/iso21090-SC-coding"

MAPPINGS_PACKAGE = "fhir_adapter.mappings"


@dataclass(frozen=True)
class Target:
    """One target of a ConceptMap row: a coding, or `code is None` for an explicit 'unmatched' row."""

    system: str
    code: str | None
    display: str | None = None

    def coding(self) -> dict[str, str]:
        coding = {"system": self.system, "code": self.code or ""}
        if self.display:
            coding["display"] = self.display
        return coding


@dataclass(frozen=True)
class Terms:
    """The loaded mapping tables: table id -> source code -> its targets, first group first."""

    tables: Mapping[str, Mapping[str, tuple[Target, ...]]]

    def map(self, table: str, code: str) -> Target | None:
        """Return the first coded target for `code`, or None when the table has none (or says unmatched)."""
        coded = [t for t in self.targets(table, code) if t.code]
        return coded[0] if coded else None

    def codings(self, table: str, code: str) -> list[dict[str, str]]:
        """Return every coded target as a FHIR Coding: the standard one first, then any local ones."""
        return [t.coding() for t in self.targets(table, code) if t.code]

    def targets(self, table: str, code: str) -> tuple[Target, ...]:
        return self.tables.get(table, {}).get(code, ())

    def knows(self, table: str, code: str) -> bool:
        """Return True when the table has a row for `code`, mapped or explicitly unmatched."""
        return code in self.tables.get(table, {})


def load_terms(extra_dirs: Iterable[str | Path] = ()) -> Terms:
    """Return the built-in mapping tables, overlaid with the ConceptMaps found in `extra_dirs`."""
    tables: dict[str, dict[str, list[Target]]] = {}
    for name, document in _builtin_maps():
        _add_concept_map(tables, document, name)
    for directory in extra_dirs:
        for path in _mapping_files(Path(directory)):
            _add_concept_map(tables, _read_json(path), str(path), override=True)
    frozen = {
        table: MappingProxyType({code: tuple(targets) for code, targets in rows.items()})
        for table, rows in tables.items()
    }
    return Terms(MappingProxyType(frozen))


def _mapping_files(directory: Path) -> list[Path]:
    """Return the ConceptMap files of a hospital's folder; SettingsError when there are none to read."""
    if not directory.is_dir():
        reason = "is not a folder" if directory.exists() else "does not exist"
        raise SettingsError(f"mappings folder {directory}: {reason}")
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise SettingsError(f"mappings folder {directory}: holds no ConceptMap (*.json) file")
    return paths


def _builtin_maps() -> Iterable[tuple[str, Any]]:
    for entry in sorted(resources.files(MAPPINGS_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            yield entry.name, json.loads(entry.read_text(encoding="utf-8"))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read the mapping file: {exc}") from exc


def _add_concept_map(
    tables: dict[str, dict[str, list[Target]]], document: Any, origin: str, *, override: bool = False
) -> None:
    if not isinstance(document, dict) or document.get("resourceType") != "ConceptMap":
        raise SettingsError(f"{origin}: not a FHIR ConceptMap")
    table_id = document.get("id")
    if not isinstance(table_id, str):
        raise SettingsError(f"{origin}: a ConceptMap needs an id, which names its table")
    rows = tables.setdefault(table_id, {})
    overridden: set[str] = set()
    for group in document.get("group", []):
        for element in group.get("element", []):
            code = element["code"]
            if override and code not in overridden:
                rows[code] = []  # a hospital's row replaces ours for that code, all its groups together
                overridden.add(code)
            rows.setdefault(code, []).extend(_targets(group, element))


def _targets(group: Mapping[str, Any], element: Mapping[str, Any]) -> list[Target]:
    system = group.get("target", "")
    return [
        Target(system=system, code=None)
        if target.get("equivalence") == "unmatched"
        else Target(system=system, code=target["code"], display=target.get("display"))
        for target in element.get("target", [])
    ]
