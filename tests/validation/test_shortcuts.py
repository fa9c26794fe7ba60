"""The plain-Python shortcuts (validation/shortcuts.py) only ever say "holds" where fhirpathpy finds no
failure: checked on every element of every file of HL7's R4 examples and of every fixture record's R4
Bundle, with the entries' resources walked in place. A shortcut that says "holds" where fhirpathpy gives
false (or cannot evaluate) would hide a finding; where a shortcut says nothing, fhirpathpy decides anyway.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.bundle import build_bundle
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.validation.elements import walk_resource
from fhir_adapter.validation.invariant_table import catalog
from fhir_adapter.validation.invariants import (
    applicable,
    dom_3_variables,
    evaluate_in_fhirpathpy,
    shortcut,
)
from fhir_adapter.validation.shortcuts import SHORTCUTS
from tests.conftest import CTGOV
from tests.validation.findings import r4_example_files

Disagreements = list[tuple[str, str, str, Any]]


def _disagreements(name: str, document: dict[str, Any], confirmed: Counter[str]) -> Disagreements:
    """Return (file, location, invariant, fhirpathpy's answer) wherever a shortcut says "holds" but
    fhirpathpy does not agree; count the agreements by invariant in `confirmed`."""
    found: Disagreements = []
    elements = walk_resource(document)
    variables = dom_3_variables(elements)
    for element in elements:
        for invariant in applicable(element):
            answer = shortcut(invariant)
            if answer is None or not answer(element):
                continue
            try:
                result: Any = evaluate_in_fhirpathpy(invariant, element, variables)
            except Exception as exc:  # fhirpathpy raises plain Exception
                result = exc
            if isinstance(result, Exception) or result == [False]:
                found.append((name, element.location, invariant.key, result))
            else:
                confirmed[invariant.key] += 1
    return found


def test_shortcuts_agree_with_fhirpathpy_on_the_r4_examples(r4_examples: Path) -> None:
    confirmed: Counter[str] = Counter()
    found: Disagreements = []
    for path in r4_example_files(r4_examples):
        found += _disagreements(path.name, json.loads(path.read_text(encoding="utf-8")), confirmed)
    assert found == []
    # every shortcut of an R4 invariant was exercised, the frequent ones thousands of times
    keys = {
        invariant.key
        for found_here in [*catalog().by_type.values(), *catalog().by_path.values()]
        for invariant in found_here
        if shortcut(invariant) is not None
    }
    assert len(keys) >= len(SHORTCUTS) - 2  # two expressions are shared by two keys each
    assert set(confirmed) == keys
    assert min(confirmed[key] for key in ("ref-1", "ext-1", "cpt-2", "bdl-5", "bdl-8")) > 1_000


def test_shortcuts_agree_with_fhirpathpy_on_the_fixture_bundles(terms: Terms) -> None:
    confirmed: Counter[str] = Counter()
    found: Disagreements = []
    for item in read_trials([CTGOV]):
        assert isinstance(item, TrialRecord)
        bundle = build_bundle(build_trial_resources(item, terms))
        found += _disagreements(item.nct_id, bundle, confirmed)
    assert found == []
    assert confirmed["ref-1"] > 1_000 and confirmed["bdl-3"] == len(list(CTGOV.glob("*.json")))


EXTENSION = {"url": "http://example.org/x"}


@pytest.mark.parametrize(
    ("key", "element", "resource_type"),
    [
        ("ext-1", {"extension": [{**EXTENSION, "valueString": "a"}], **EXTENSION, "valueCode": "b"}, None),
        ("ext-1", EXTENSION, None),
        ("cpt-2", {"value": "555-0100"}, None),
        ("ref-1", {"reference": "#missing"}, None),
        ("org-1", {"active": True}, "Organization"),
    ],
    ids=["extension-and-value", "neither", "contact-value-without-system", "local-reference", "no-name"],
)
def test_shortcuts_say_nothing_where_the_invariant_fails(
    key: str, element: dict[str, Any], resource_type: str | None
) -> None:
    if resource_type is not None:
        document = element = {"resourceType": resource_type, **element}
    else:
        field = {"ext-1": "extension", "cpt-2": "telecom", "ref-1": "partOf"}[key]
        document = {"resourceType": "Organization", "name": "x", field: element}
        if key != "ref-1":
            document[field] = [element]
    elements = walk_resource(document)
    variables = dom_3_variables(elements)
    checked = 0
    for item in (item for item in elements if item.value is element):
        for invariant in applicable(item):
            if invariant.key == key:
                answer = shortcut(invariant)
                assert answer is not None and not answer(item)
                assert evaluate_in_fhirpathpy(invariant, item, variables) == [False]
                checked += 1
    assert checked >= 1
