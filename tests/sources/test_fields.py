"""Node.nodes: a missing or empty list gives no nodes (and no holder is made for it, issue 16); a null in
a list is still noted and a wrong type still refused."""

from __future__ import annotations

import pytest

from fhir_adapter.errors import InputError
from fhir_adapter.sources.fields import NULL_IN_LIST, Node, Where


def _site(data: dict[str, object]) -> Node:
    return Node(data, 0, Where("f.json"), Node({}, "locations", Where("f.json")))


@pytest.mark.parametrize("data", [{}, {"contacts": []}, {"contacts": None}])
def test_missing_or_empty_list_gives_no_nodes(data: dict[str, object]) -> None:
    assert _site(data).nodes("contacts") == []


def test_null_in_list_is_noted_with_its_path() -> None:
    site = _site({"contacts": [None, {"name": "A"}]})
    found = site.nodes("contacts")
    assert [n.text("name") for n in found] == ["A"]
    assert found[0].path == "locations[0].contacts[1]"
    assert [(f.field, f.message) for f in site.where.findings] == [("locations[0].contacts[0]", NULL_IN_LIST)]


def test_wrong_type_is_refused_with_its_path() -> None:
    with pytest.raises(InputError, match="expected a list"):
        _site({"contacts": {"name": "A"}}).nodes("contacts")
