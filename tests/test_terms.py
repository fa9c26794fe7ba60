"""The mapping tables: complete for every CT.gov value, each row what the specifications say, overridable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.errors import SettingsError
from fhir_adapter.terms import Terms, load_terms
from fhir_adapter.validation import check_resource
from tests.conftest import FIXTURES, REPO, load_json

ENUMS: dict[str, list[str]] = {
    k: v for k, v in load_json(FIXTURES / "ctgov-enums.json").items() if k != "_about"
}


@pytest.mark.parametrize(("table", "code"), [(t, c) for t, codes in ENUMS.items() for c in codes])
def test_every_ctgov_value_has_a_row(terms: Terms, table: str, code: str) -> None:
    assert terms.knows(table, code), f"{table} has no row for {code}: add a target or an 'unmatched' row"


@pytest.mark.parametrize(
    ("table", "code", "expected"),
    [
        ("ctgov-status-r4", "RECRUITING", "active"),
        ("ctgov-status-r4", "NOT_YET_RECRUITING", "approved"),
        ("ctgov-status-r4", "ACTIVE_NOT_RECRUITING", "closed-to-accrual"),
        ("ctgov-status-r4", "SUSPENDED", "temporarily-closed-to-accrual"),
        ("ctgov-status-r4", "TERMINATED", "administratively-completed"),
        ("ctgov-status-r4", "COMPLETED", "completed"),
        ("ctgov-status-r4", "WITHDRAWN", "withdrawn"),
        ("ctgov-status-r4", "UNKNOWN", None),
        ("ctgov-status-r5", "RECRUITING", "recruiting"),
        ("ctgov-status-r5", "ACTIVE_NOT_RECRUITING", "active-but-not-recruiting"),
        ("ctgov-phase", "NA", "n-a"),
        ("ctgov-phase", "EARLY_PHASE1", "early-phase-1"),
        ("ctgov-phase", "PHASE1+PHASE2", "phase-1-phase-2"),
        ("ctgov-phase", "PHASE2+PHASE3", "phase-2-phase-3"),
        ("ctgov-phase", "PHASE4", "phase-4"),
        ("ctgov-primary-purpose", "TREATMENT", "treatment"),
        ("ctgov-primary-purpose", "SUPPORTIVE_CARE", "supportive-care"),
        ("ctgov-primary-purpose", "ECT", None),
        ("ctgov-primary-purpose", "OTHER", None),
        ("ctgov-arm-type", "PLACEBO_COMPARATOR", "placebo-comparator"),
        ("ctgov-arm-type", "OTHER", "other-arm-type"),
        ("ctgov-intervention-type", "DRUG", "MedicationRequest"),
        ("ctgov-intervention-type", "DEVICE", "DeviceRequest"),
        ("ctgov-intervention-type", "OTHER", None),
        ("ctgov-site-status", "RECRUITING", "active"),
        ("ctgov-site-status", "SUSPENDED", "suspended"),
        ("ctgov-site-status", "COMPLETED", "inactive"),
        ("ctgov-agency-class", "NIH", "govt"),
        ("ctgov-agency-class", "INDIV", None),
        ("ctgov-official-role", "PRINCIPAL_INVESTIGATOR", "primary-investigator"),
        ("ctgov-sex", "FEMALE", "female"),
        ("ctgov-sex", "ALL", None),
        ("ctgov-age-unit", "Years", "a"),
        ("ctgov-age-unit", "Months", "mo"),
        ("ctgov-age-unit", "Weeks", "wk"),
    ],
)
def test_rows_map_to_the_specified_code(terms: Terms, table: str, code: str, expected: str | None) -> None:
    target = terms.map(table, code)
    assert (target.code if target else None) == expected


def test_age_units_never_use_metre_or_y(terms: Terms) -> None:
    codes = {t.code for targets in terms.tables["ctgov-age-unit"].values() for t in targets}
    assert not codes & {"m", "y", "Y", "M"}


def test_unknown_value_gives_none_not_keyerror(terms: Terms) -> None:
    assert terms.map("ctgov-phase", "PHASE5") is None
    assert terms.map("no-such-table", "X") is None
    assert terms.codings("ctgov-phase", "PHASE5") == []


@pytest.mark.parametrize("path", sorted((REPO / "mappings").glob("*.json")), ids=lambda p: p.stem)
def test_every_mapping_file_names_its_source_and_is_a_valid_r4_conceptmap(path: Path) -> None:
    document = load_json(path)
    assert document["id"] == path.stem
    assert document["url"].endswith(f"/ConceptMap/{path.stem}")
    assert document["version"] and "Source" in document["description"]
    assert check_resource(document) == []


@pytest.mark.parametrize("path", sorted((REPO / "mappings").glob("*.json")), ids=lambda p: p.stem)
def test_every_mapping_file_is_described_in_the_mapping_reference(path: Path) -> None:
    """A hospital edits these tables from docs/mappings.md: a table it does not list is one nobody can find."""
    reference = (REPO / "docs" / "mappings.md").read_text(encoding="utf-8")
    assert f"| `{path.name}` |" in reference


def _hospital_map(tmp_path: Path, document: dict[str, Any]) -> Path:
    folder = tmp_path / "site-maps"
    folder.mkdir()
    (folder / "local.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def test_hospital_conceptmap_overrides_a_row_and_adds_local_codings(tmp_path: Path) -> None:
    folder = _hospital_map(
        tmp_path,
        {
            "resourceType": "ConceptMap",
            "id": "ctgov-phase",
            "group": [
                {
                    "target": "http://terminology.hl7.org/CodeSystem/research-study-phase",
                    "element": [
                        {"code": "PHASE2", "target": [{"code": "phase-2", "equivalence": "equivalent"}]}
                    ],
                },
                {
                    "target": "urn:oid:1.2.3.4.5",
                    "element": [{"code": "PHASE2", "target": [{"code": "P2", "equivalence": "equivalent"}]}],
                },
            ],
        },
    )
    terms = load_terms([folder])
    assert [c["code"] for c in terms.codings("ctgov-phase", "PHASE2")] == ["phase-2", "P2"]
    assert terms.map("ctgov-phase", "PHASE3") is not None  # rows the hospital did not touch stay


def test_a_file_that_is_not_a_conceptmap_is_a_settings_error(tmp_path: Path) -> None:
    folder = _hospital_map(tmp_path, {"resourceType": "ValueSet", "id": "x"})
    with pytest.raises(SettingsError, match="not a FHIR ConceptMap"):
        load_terms([folder])


def test_every_criteria_fact_kind_has_a_code_row(terms: Terms) -> None:
    from fhir_adapter.text.criteria.measures import BOOLEAN_KINDS, MEASURES  # noqa: PLC0415 - text-stage detail

    kinds = (
        {kind for kind, _ in MEASURES if kind != "transaminases"} | {k for k, _ in BOOLEAN_KINDS} | {"age"}
    )
    missing = sorted(kind for kind in kinds if not terms.knows("criteria-codes", kind))
    assert missing == []
