"""The model shortcut (validation/model_shortcut.py) only ever says "the model surely finds nothing" where the
fhir.resources R4B model indeed finds nothing (and does not raise), given a clean R4 schema result.

Checked on every resource of HL7's R4 examples (Bundle entries one by one, and the Bundles' shells), on every
resource of every fixture record's R4 Bundle, and on broken variants of resources of the types fhir-adapter
writes: every element nulled, emptied, given a wrong value, wrapped in or taken out of a list, removed; a
second choice type (value[x]) added; `_name` objects, ids, extensions and unknown keys added.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from fhir_adapter.bundle import build_bundle
from fhir_adapter.resources import build_trial_resources
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.validation.model import check_model
from fhir_adapter.validation.model_shortcut import surely_accepted
from fhir_adapter.validation.schema import check_schema
from tests.conftest import CTGOV
from tests.validation.findings import r4_example_files

Document = dict[str, Any]
# The types fhir-adapter writes (R4), whose HL7 examples get broken variants.
OUR_TYPES = ("Location", "Organization", "Practitioner", "PractitionerRole", "Group", "ResearchStudy")
# Smaller examples of the types with contained resources and backbone elements nested in themselves.
MORE_EXAMPLES = (
    "ActivityDefinition-citalopramPrescription.json",
    "PlanDefinition-options-example.json",
    "Questionnaire-f201.json",
)
WRONG_VALUES: tuple[Any, ...] = (
    None, "", {}, [], " x", "x ", "2024-02-30", "2023-02-29T10:00:00Z", 2**40, -1, 0, 1.5, True, "true",
    "a\u0000b", "urn:uuid:x",
)  # fmt: skip
ADDED_INSIDE: tuple[tuple[str, Any], ...] = (
    ("id", "a"), ("extension", [{"url": "http://x"}]), ("extension", [{"valueString": "x"}]),
    ("fhir_comments", ["x"]), ("resourceType", "Patient"),
)  # fmt: skip
OTHER_CHOICES: tuple[tuple[str, Any], ...] = (
    ("String", "x"), ("Boolean", True), ("Reference", {"reference": "Patient/1"}), ("Quantity", {"value": 1}),
    ("CodeableConcept", {"text": "x"}), ("DateTime", "2020"),
)  # fmt: skip
Change = Callable[[Any, Any], None]  # change(parent, key): one change at one element
CHOICE = re.compile(r"^([a-z]+)([A-Z]\w*)$")
PRIMITIVE_EXTENSIONS: tuple[Any, ...] = (
    {}, {"id": "a"}, {"extension": [{"url": "http://x", "valueString": "y"}]}, {"extension": []}, [None],
    {"x": 1},
)  # fmt: skip


def _resources(document: Document) -> list[Document]:
    """Return what the layers check one by one: a Bundle's shell and entries, or the resource itself."""
    if document.get("resourceType") != "Bundle" or not isinstance(document.get("entry"), list):
        return [document]
    entries = [entry for entry in document["entry"] if isinstance(entry, dict)]
    shell = {k: v for k, v in document.items() if k != "entry"}
    shell["entry"] = [{k: v for k, v in entry.items() if k != "resource"} for entry in entries]
    return [shell] + [entry["resource"] for entry in entries if isinstance(entry.get("resource"), dict)]


def _model_finds(resource: Document) -> list[str]:
    try:
        return [str(issue) for issue in check_model(resource)]
    except Exception as exc:  # the model raises on some broken shapes: that too must not be skipped
        return [f"raised {exc!r}"]


def _wrongly_accepted(resources: list[Document], counts: Counter[str]) -> list[tuple[str, list[str]]]:
    """Return (resource, the model's findings) wherever the shortcut says "nothing to find" but the model
    finds something; count the cases in `counts`."""
    found = []
    for resource in resources:
        if check_schema(resource):
            counts["schema finds"] += 1
            continue
        accepted = surely_accepted(resource)
        model = _model_finds(resource)
        counts[f"accepted={accepted} model finds={bool(model)}"] += 1
        if accepted and model:
            found.append((json.dumps(resource)[:300], model[:2]))
    return found


def _fixture_bundles(terms: Terms) -> Iterator[Document]:
    for item in read_trials([CTGOV]):
        assert isinstance(item, TrialRecord)
        yield build_bundle(build_trial_resources(item, terms))


def test_the_model_finds_nothing_where_the_shortcut_says_so_on_the_r4_examples(r4_examples: Path) -> None:
    counts: Counter[str] = Counter()
    found = []
    for path in r4_example_files(r4_examples):
        found += _wrongly_accepted(_resources(json.loads(path.read_text(encoding="utf-8"))), counts)
    assert found == []
    assert counts["accepted=True model finds=False"] > 15_000  # the shortcut applies almost everywhere
    assert counts["accepted=False model finds=True"] > 0  # and the model still runs where it finds something


def test_the_shortcut_accepts_every_resource_of_the_fixture_bundles(terms: Terms) -> None:
    counts: Counter[str] = Counter()
    found = []
    for bundle in _fixture_bundles(terms):
        found += _wrongly_accepted(_resources(bundle), counts)
    assert found == []
    assert set(counts) == {"accepted=True model finds=False"}  # the model need not run on our own output


def _nodes(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, (*path, index))


def _changed(document: Document, path: tuple[str | int, ...], change: Change) -> Document:
    """Return a copy of `document` with `change(parent, key)` applied at `path`."""
    copied = copy.deepcopy(document)
    parent: Any = copied
    for part in path[:-1]:
        parent = parent[part]
    change(parent, path[-1])
    return copied


def _put(value: Any, parent: Any, key: Any) -> None:
    parent[key] = copy.deepcopy(value)


def _put_beside(name: str, value: Any, parent: Any, key: Any) -> None:
    parent[name.replace("{key}", str(key))] = copy.deepcopy(value)


def _put_inside(name: str, value: Any, parent: Any, key: Any) -> None:
    parent[key][name] = copy.deepcopy(value)


def _first_only(parent: Any, key: Any) -> None:
    parent[key] = parent[key][0]


def _null_appended(parent: Any, key: Any) -> None:
    parent[key].append(None)


def _in_a_list(parent: Any, key: Any) -> None:
    parent[key] = [parent[key]]


def _removed(parent: Any, key: Any) -> None:
    del parent[key]


def _only_its_id(parent: Any, key: Any) -> None:
    parent[f"_{key}"] = {"id": "a"}
    del parent[key]


def _broken_variants(document: Document) -> Iterator[Document]:
    """Yield variants of `document`, each broken (or not) in one place."""
    for path, value in list(_nodes(document)):
        if path and path != ("resourceType",):
            for change in _changes(path[-1], value):
                yield _changed(document, path, change)


def _changes(last: str | int, value: Any) -> list[Change]:
    """Return the changes to make to an element (`last`: its name or index; `value`: its value)."""
    changes: list[Change] = [partial(_put, wrong) for wrong in WRONG_VALUES]
    if isinstance(value, list) and value:
        changes += [_first_only, _null_appended]
    elif not isinstance(value, list):
        changes.append(_in_a_list)
    if isinstance(value, dict):
        changes += [partial(_put_inside, key, added) for key, added in ADDED_INSIDE]
    if not isinstance(last, str):
        return changes
    changes.append(_removed)
    choice = CHOICE.match(last)
    if choice:
        changes += [partial(_put_beside, choice.group(1) + suffix, added) for suffix, added in OTHER_CHOICES]
    if not isinstance(value, dict | list):
        changes += [partial(_put_beside, "_{key}", extension) for extension in PRIMITIVE_EXTENSIONS]
        changes.append(_only_its_id)
    return changes


def test_the_model_finds_nothing_where_the_shortcut_says_so_on_broken_variants(
    r4_examples: Path, terms: Terms
) -> None:
    documents = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in r4_example_files(r4_examples)
        if path.name.split("-", 1)[0] in OUR_TYPES or path.name in MORE_EXAMPLES
    ]
    bundle = next(_fixture_bundles(terms))
    by_type = {resource["resourceType"]: resource for resource in _resources(bundle)[1:]}
    documents += [*by_type.values(), _resources(bundle)[0]]
    counts: Counter[str] = Counter()
    found = []
    for document in documents:
        found += _wrongly_accepted(list(_broken_variants(document)), counts)
    assert found == []
    # the variants reach both answers, and many the schema does not see but the model does
    assert counts["accepted=True model finds=False"] > 5_000
    assert counts["accepted=False model finds=True"] > 5_000
