"""Identical entry content is checked once (validation/content_cache.py): the findings stay those of a full
check. A valid id takes no part in the key, an invalid one does; references resolve against each Bundle."""

from __future__ import annotations

import copy
from typing import Any

from fhir_adapter.validation import validate_bundle
from fhir_adapter.validation.content_cache import CheckedContent, ContentCache, content_key
from fhir_adapter.validation.layers import CHECKED_CONTENT

Json = dict[str, Any]

ORGANIZATION: Json = {"resourceType": "Organization", "name": "Acme", "telecom": [{"value": "555-0100"}]}


def _bundle(*resources: Json) -> Json:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-00000000000{i}", "resource": r}
            for i, r in enumerate(resources)
        ],
    }


def _lines(bundle: Json) -> list[str]:
    return [str(issue) for issue in validate_bundle(bundle)]


def test_the_same_content_under_another_valid_id_gives_the_same_findings_from_the_cache() -> None:
    first, second = {**ORGANIZATION, "id": "a"}, {**ORGANIZATION, "id": "b-2.x"}
    assert content_key(first) == content_key(second)
    CHECKED_CONTENT.clear()
    alone = _lines(_bundle(first))
    assert any("cpt-2" in line for line in alone)  # a telecom value without a system
    CHECKED_CONTENT.clear()
    both = _lines(_bundle(first, second))
    assert CHECKED_CONTENT.hits == 1
    assert both == alone + [line.replace("entry[0]", "entry[1]") for line in alone]


def test_an_invalid_id_is_part_of_the_key_and_still_reported() -> None:
    bad = {**ORGANIZATION, "id": "not valid!"}
    assert content_key(bad) != content_key({**ORGANIZATION, "id": "valid"})
    CHECKED_CONTENT.clear()
    lines = _lines(_bundle({**ORGANIZATION, "id": "valid"}, bad))
    assert CHECKED_CONTENT.hits == 0
    assert any("entry[1].resource.id" in line for line in lines)


def test_references_resolve_against_each_bundle_even_for_cached_content() -> None:
    role = {"resourceType": "PractitionerRole", "organization": {"reference": "Organization/acme"}}
    with_target = _bundle({**ORGANIZATION, "id": "acme"}, copy.deepcopy(role))
    without = _bundle(copy.deepcopy(role))
    CHECKED_CONTENT.clear()
    assert not [line for line in _lines(with_target) if "not in this Bundle" in line]
    assert [line for line in _lines(without) if "not in this Bundle" in line]
    assert CHECKED_CONTENT.hits == 1


def test_the_cache_keeps_at_most_its_size_the_oldest_going_first() -> None:
    cache = ContentCache(size=2)
    keys = [content_key({**ORGANIZATION, "name": name}) for name in "abc"]
    for key in keys:
        assert key is not None
        cache.put(key, CheckedContent((), (), ()))
    assert len(cache) == 2
    assert [cache.get(key) is not None for key in keys if key is not None] == [False, True, True]
