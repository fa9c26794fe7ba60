"""The broken corpus: each deliberately broken resource or Bundle in tests/validation/broken/ is reported at
the right FHIRPath location, with the right severity, by the right layer, and nothing else is an error. The
corpus is checked with fhir-adapter's rules, as our own output is."""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_adapter.validation import RuleSet, ValidationIssue, validate_file

BROKEN = Path(__file__).resolve().parent / "broken"

# file -> the issues it must produce: (location, severity, layer, words in the message)
EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    "research-study-status-not-in-value-set.json": [
        ("ResearchStudy.status", "error", "r4-schema", "'recruiting' is not one of the codes"),
    ],
    "group-missing-type.json": [("Group.type", "error", "model", "required")],
    "organization-unknown-element.json": [
        ("Organization.nickname", "error", "model", "unknown element"),
        ("Organization.nickname", "error", "r4-schema", "unknown element"),
    ],
    "research-study-impossible-date.json": [
        ("ResearchStudy.period.start", "error", "model", "day value is outside expected range"),
    ],
    "group-members-on-definitional-group.json": [("Group", "error", "invariant", "grp-1")],
    "organization-without-name-or-identifier.json": [("Organization", "error", "invariant", "org-1")],
    "research-study-without-nct-identifier.json": [
        ("ResearchStudy.identifier", "error", "project", "needs its NCT number"),
    ],
    "research-study-malformed-nct-number.json": [
        ("ResearchStudy.identifier[0].value", "error", "project", "'NCT123' is not an NCT number"),
    ],
    "group-empty-characteristic-code.json": [
        ("Group.characteristic[0].code", "error", "invariant", "ele-1"),
        ("Group.characteristic[0].code", "error", "project", "verbatim criterion in code.text"),
    ],
    "organization-primitive-without-value.json": [("Organization.name", "error", "invariant", "ele-1")],
    "research-study-valued-primitive-with-extension.json": [],
    "organization-extension-with-value-and-extensions.json": [
        ("Organization.extension[0]", "error", "invariant", "ext-1"),
    ],
    "group-age-range-low-above-high.json": [
        ("Group.characteristic[0].valueRange", "error", "invariant", "rng-2")
    ],
    "research-study-period-ends-before-it-starts.json": [
        ("ResearchStudy.period", "error", "invariant", "per-1")
    ],
    "group-characteristic-without-verbatim-text.json": [
        ("Group.characteristic[0].code", "error", "project", "verbatim criterion in code.text"),
    ],
    "group-bad-ucum-units.json": [
        ("Group.characteristic[0].valueQuantity.code", "warning", "ucum", "write '10*9/L'"),
        ("Group.characteristic[1].valueQuantity.code", "error", "ucum", "'²' is not allowed"),
        ("Group.characteristic[2].valueQuantity.code", "error", "ucum", "a year is 'a'"),
        ("Group.characteristic[3].valueQuantity.code", "error", "ucum", "not a unit of time"),
    ],
    "plan-definition-regimen-errors.json": [
        (
            "PlanDefinition.contained[0].dosage[0].timing.repeat.periodUnit",
            "error",
            "r4-schema",
            "'m' is not one",
        ),
        (
            "PlanDefinition.action[1].definitionCanonical",
            "error",
            "references",
            "names no contained resource",
        ),
        ("PlanDefinition.action[1].relatedAction[0].offsetDuration.code", "error", "ucum", "a month is 'mo'"),
        (
            "PlanDefinition.contained[0].dosage[0].doseAndRate[0].doseQuantity",
            "error",
            "project",
            "a dose needs a UCUM unit",
        ),
    ],
    "plan-definition-unreferenced-contained.json": [
        ("PlanDefinition", "error", "invariant", "dom-3"),
        ("PlanDefinition.useContext[0].valueReference", "error", "invariant", "ref-1"),
    ],
    "organization-narrative-with-script.json": [
        ("Organization.text.div", "error", "invariant", "txt-1"),  # the script, not missing content (txt-2)
    ],
    "bundle-dangling-reference.json": [
        ("Bundle.entry[0].resource.enrollment[0].reference", "error", "references", "no entry's fullUrl"),
        ("Bundle.entry[0].resource.sponsor.reference", "warning", "references", "not in this Bundle"),
    ],
    "bundle-duplicate-full-url.json": [("Bundle", "error", "invariant", "bdl-7")],
    "bundle-entry-group-members.json": [
        ("Bundle.entry[0].resource", "error", "invariant", "grp-1"),
        ("Bundle.entry[0].resource.member[0].entity.reference", "warning", "references", "'Patient/p1'"),
    ],
}


def _matches(issue: ValidationIssue, expected: tuple[str, str, str, str]) -> bool:
    location, severity, layer, words = expected
    return (issue.location, issue.severity, issue.layer) == (
        location,
        severity,
        layer,
    ) and words in issue.message


def test_every_broken_file_has_expectations() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.removesuffix(".json"))
def test_broken_file_is_reported_at_the_right_location(name: str) -> None:
    issues = validate_file(BROKEN / name, rules=RuleSet.FHIR_ADAPTER).issues
    for expected in EXPECTED[name]:
        assert any(_matches(issue, expected) for issue in issues), (expected, [str(i) for i in issues])
    unexpected = [i for i in issues if not any(_matches(i, e) for e in EXPECTED[name])]
    assert unexpected == []


def test_every_layer_is_exercised_by_the_corpus() -> None:
    layers = {layer for rows in EXPECTED.values() for _, _, layer, _ in rows}
    assert layers == {"model", "r4-schema", "invariant", "references", "ucum", "project"}
