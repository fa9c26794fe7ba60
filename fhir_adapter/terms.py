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
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fhir_adapter.errors import SettingsError

# The namespace of every identifier system, code system and extension the adapter defines. The default is a
# placeholder under `.invalid`, a top-level domain reserved so that no one can ever own it (RFC 2606, RFC
# 6761): identifiers written under it say plainly that nobody set a namespace. A deployment sets a base under
# a domain the hospital controls (`identifier_base` in the config file, `--identifier-base URL`). Builders
# write PROJECT_BASE; `rebase` moves their output to the deployment's base in one place, so nothing a
# builder adds can be missed. The NCT system (clinicaltrials.gov's) is not ours and never moves.
DEFAULT_IDENTIFIER_BASE = "https://fhir-adapter.invalid/fhir"
PROJECT_BASE = DEFAULT_IDENTIFIER_BASE
# Our Bundles name themselves by `{base}/sid/ctgov-bundle` (bundle.py), whatever the base: readers find the
# base there (`bundle_base`), so output written under any base, or by 0.1.0 under fhir-adapter.org, is known.
BUNDLE_ID_PATH = "/sid/ctgov-bundle"
GROUP_ID_PATH = "/sid/ctgov-eligibility"  # an eligibility Group of ours read back from a server

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
    """The loaded mapping tables (table id -> source code -> its targets, first group first) and the
    namespace our identifiers, code systems and extensions are written under."""

    tables: Mapping[str, Mapping[str, tuple[Target, ...]]]
    identifier_base: str = DEFAULT_IDENTIFIER_BASE

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier_base", check_identifier_base(self.identifier_base))

    @property
    def is_placeholder_base(self) -> bool:
        """Return True while the identifiers would go under the placeholder namespace."""
        return self.identifier_base == DEFAULT_IDENTIFIER_BASE

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


def load_terms(extra_dirs: Iterable[str | Path] = (), *, identifier_base: str | None = None) -> Terms:
    """Return the built-in mapping tables, overlaid with the ConceptMaps found in `extra_dirs`, for output
    under `identifier_base` (default: the placeholder)."""
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
    return Terms(MappingProxyType(frozen), identifier_base or DEFAULT_IDENTIFIER_BASE)


def check_identifier_base(base: str) -> str:
    """Return `base` without a trailing slash; SettingsError unless it is an http(s) URL with a host and no
    query or fragment.

    >>> check_identifier_base("https://fhir.hospital.example/ids/")
    'https://fhir.hospital.example/ids'
    """
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(
            f"--identifier-base {base[:200]!r}: must be an http(s) URL with a host and no query, "
            "under a domain your organisation controls"
        )
    if parts.username is not None or parts.password is not None:
        raise SettingsError("--identifier-base: must not carry a user name or password")
    return base.rstrip("/")


J = TypeVar("J")


def bundle_base(document: Mapping[str, Any]) -> str | None:
    """Return the namespace a Bundle (or eligibility Group) of ours was written under, from its identifier;
    None for anyone else's.

    >>> bundle_base({"identifier": {"system": "https://h.example/fa/sid/ctgov-bundle", "value": "NCT1"}})
    'https://h.example/fa'
    >>> bundle_base({"identifier": [{"system": "https://h.example/fa/sid/ctgov-eligibility"}]})
    'https://h.example/fa'
    """
    identifier = document.get("identifier")
    found = identifier if isinstance(identifier, list) else [identifier]
    for item in found:
        system = item.get("system") if isinstance(item, dict) else None
        for path in (BUNDLE_ID_PATH, GROUP_ID_PATH):
            if isinstance(system, str) and system.endswith(path):
                return system.removesuffix(path)
    return None


def in_default_namespace(document: J) -> J:
    """Return our Bundle or Group `document` moved from the base it names to PROJECT_BASE (where the
    validator and the screening know our code systems and extensions); anything else as it is."""
    base = bundle_base(document) if isinstance(document, Mapping) else None
    return rebase(document, from_base=base, to_base=PROJECT_BASE) if base else document


def rebase(value: J, *, from_base: str, to_base: str) -> J:
    """Return JSON `value` with every string under `from_base` (the base itself, or it followed by `/`)
    moved under `to_base`; anything else (the NCT system, HL7's URLs, free text) is left as it is.

    >>> rebase({"system": f"{PROJECT_BASE}/sid/ctgov-site", "x": [NCT_SYSTEM]}, from_base=PROJECT_BASE,
    ...        to_base="https://h.example/fa")
    {'system': 'https://h.example/fa/sid/ctgov-site', 'x': ['https://clinicaltrials.gov']}
    """
    if from_base == to_base:
        return value
    prefix = from_base + "/"

    def moved(item: Any) -> Any:
        if isinstance(item, str):
            if item == from_base or item.startswith(prefix):
                return to_base + item[len(from_base) :]
            return item
        if isinstance(item, dict):
            return {key: moved(child) for key, child in item.items()}
        if isinstance(item, list):
            return [moved(child) for child in item]
        return item

    result: J = moved(value)
    return result


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
