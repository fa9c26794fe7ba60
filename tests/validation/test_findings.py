"""Full validation finds today exactly what it found before issue 16 made it fast: every issue, in order, on
every fixture document (records converted to R4 and R5 Bundles, the broken resources, the old and golden
Bundles; default rules and best-practice invariants on). The golden file findings/fixtures.json was written
by `python -m tests.validation.findings --write` on the code before that work (commit b60fc60) and reviewed;
it is regenerated only by that flagged command, when a change in findings is intended. HL7's R4 examples are
compared in test_r4_examples.py (they share its run).
"""

from __future__ import annotations

import pytest

from tests.validation.findings import FIXTURES_FILE, Findings, differences, fixture_findings, read_golden


@pytest.fixture(scope="module")
def found() -> Findings:
    return fixture_findings()


@pytest.fixture(scope="module")
def golden() -> Findings:
    return read_golden(FIXTURES_FILE)


def test_every_fixture_document_is_checked(found: Findings, golden: Findings) -> None:
    assert len(golden) >= 500
    assert sorted(found) == sorted(golden)


def test_every_fixture_document_gives_the_findings_it_gave_before(found: Findings, golden: Findings) -> None:
    changed = {name: (golden[name], found[name]) for name in golden if found.get(name) != golden[name]}
    assert changed == {}


def test_the_golden_findings_hold_errors_and_warnings_of_every_layer(golden: Findings) -> None:
    """The comparison means something: the golden file is not a list of empty results."""
    layers = {line.split("|")[1] for lines in golden.values() for line in lines}
    expected = {"model", "r4-schema", "invariant", "references", "ucum", "project"}
    assert layers >= expected | {"r5-model", "r5-schema", "r5-invariant"}


def test_the_differences_name_each_changed_line_once_and_whole_documents_by_count() -> None:
    golden = {"a:R4": ["error|x|1", "warning|y|2", "warning|y|2"], "gone:R4": ["error|x|1"]}
    now = {"a:R4": ["warning|y|2", "error|z|3"], "new:R4": ["error|x|1", "error|x|2"]}

    assert list(differences(golden, now)) == [
        "- a:R4: error|x|1",
        "- a:R4: warning|y|2",
        "+ a:R4: error|z|3",
        "- gone:R4: document gone (1 findings)",
        "+ new:R4: new document (2 findings)",
    ]
    assert list(differences(golden, golden)) == []
