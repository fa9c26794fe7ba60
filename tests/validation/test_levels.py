"""`convert --check self` walks only the primitive elements its layers read (levels.SELF_CHECK_PRIMITIVES);
its findings must be those of a walk of every element, on every fixture document (records as R4 and R5,
the broken, old and golden Bundles)."""

from __future__ import annotations

import pytest

from fhir_adapter.validation import levels
from fhir_adapter.validation.levels import CheckLevel, check_bundle_at
from tests.validation.findings import fixture_documents, issue_line


def test_the_self_check_finds_the_same_with_the_primitives_it_reads_as_with_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents = [item for item in fixture_documents() if item[2].get("resourceType") == "Bundle"]
    found = {
        name: [issue_line(issue) for issue in check_bundle_at(document, version, CheckLevel.SELF)]
        for name, version, document in documents
    }
    monkeypatch.setattr(levels, "SELF_CHECK_PRIMITIVES", None)
    everything = {
        name: [issue_line(issue) for issue in check_bundle_at(document, version, CheckLevel.SELF)]
        for name, version, document in documents
    }
    assert found == everything
    layers = {line.split("|")[1] for lines in found.values() for line in lines}
    assert {"references", "project"} <= layers  # the documents have findings (no UCUM ones here)
