"""Typed access to one study's JSON, so a wrong type fails with the file, record and field named."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir_adapter.errors import InputError
from fhir_adapter.sources.quality import DataQualityIssue

NULL_IN_LIST = "null in the list, left out"


@dataclass(frozen=True)
class Where:
    """Where a study came from: the file, its record number there (from 1; None for a file of one study),
    once known its NCT id, and the data-quality findings made while reading it."""

    file: str
    record: int | None = None
    nct_id: str | None = None
    findings: list[DataQualityIssue] = field(default_factory=list, compare=False, repr=False)

    def named(self, nct_id: str) -> Where:
        """Return this place with the study's NCT id; its findings go on into the same list."""
        return Where(self.file, self.record, nct_id, self.findings)

    def note(self, field: str, message: str) -> None:
        """Record a data-quality finding about `field`: read on, nothing refused."""
        self.findings.append(DataQualityIssue(self.nct_id or "?", field, message))

    def error(self, field: str, reason: str, value: Any = None) -> InputError:
        return InputError(
            reason, file=self.file, record=self.record, nct_id=self.nct_id, field=field, value=value
        )


class Node:
    """A JSON object at a known path; every getter checks the type it promises.

    Unknown extra fields are ignored; a present field of the wrong type raises InputError.
    """

    __slots__ = ("_at", "_parent", "data", "where")

    def __init__(
        self, data: Mapping[str, Any], at: str | int, where: Where, parent: Node | None = None
    ) -> None:
        self.data = data
        self.where = where
        self._at = at  # the key (or list index) under the parent; the path is spelled out only for errors
        self._parent = parent

    @property
    def path(self) -> str:
        """Return the JSON path of this object, e.g. protocolSection.armsInterventionsModule.armGroups[0]."""
        if self._parent is None:
            return str(self._at)
        if isinstance(self._at, int):
            return f"{self._parent.path}[{self._at}]"
        parent = self._parent.path
        return f"{parent}.{self._at}" if parent else self._at

    def _field(self, key: str) -> str:
        path = self.path
        return f"{path}.{key}" if path else key

    def _typed(self, key: str, kinds: type | tuple[type, ...], label: str) -> Any:
        value = self.data.get(key)
        if value is None:
            return None
        # bool is an int in Python; CT.gov never means a boolean where it says number.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _as_tuple(kinds)):
            raise self.where.error(self._field(key), f"expected {label}, got {_json_type(value)}", value)
        return value

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if type(value) is str:  # the common case, checked first: reading is the hot path of `convert`
            return value.strip() or None
        checked: str | None = self._typed(key, str, "a string")
        return checked

    def boolean(self, key: str) -> bool | None:
        value: bool | None = self._typed(key, bool, "true or false")
        return value

    def integer(self, key: str) -> int | None:
        value: int | float | None = self._typed(key, (int, float), "a number")
        if isinstance(value, float) and not value.is_integer():
            raise self.where.error(self._field(key), "expected a whole number", value)
        return None if value is None else int(value)

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if type(value) is float:  # the common case first (a site's latitude and longitude)
            return value
        checked: int | float | None = self._typed(key, (int, float), "a number")
        return None if checked is None else float(checked)

    def node(self, key: str) -> Node:
        value = self.data.get(key)
        if type(value) is not dict:  # missing, or not an object: _typed says which
            value = self._typed(key, dict, "an object") or {}
        return Node(value, key, self.where, self)

    def nodes(self, key: str) -> list[Node]:
        items = self.data.get(key)
        if type(items) is not list:
            items = self._typed(key, list, "a list") or []
        if not items:  # most sites list no contacts: no holder to make for them
            return []
        holder = Node({}, key, self.where, self)
        where = self.where
        result = []
        for index, item in enumerate(items):
            if type(item) is dict:  # the common case, checked first: a thousand sites, say
                result.append(Node(item, index, where, holder))
            elif item is None:  # seen in hand-edited exports; the other items are still good
                where.note(f"{holder.path}[{index}]", NULL_IN_LIST)
            elif isinstance(item, dict):
                result.append(Node(item, index, where, holder))
            else:
                path = f"{holder.path}[{index}]"
                raise where.error(path, f"expected an object, got {_json_type(item)}", item)
        return result

    def texts(self, key: str) -> tuple[str, ...]:
        items = self.data.get(key)
        if type(items) is not list:
            items = self._typed(key, list, "a list of strings") or []
        texts = []
        for index, item in enumerate(items):
            if type(item) is str or isinstance(item, str):
                if stripped := item.strip():
                    texts.append(stripped)
            elif item is None:
                self.where.note(f"{self._field(key)}[{index}]", NULL_IN_LIST)
            else:
                path = f"{self._field(key)}[{index}]"
                raise self.where.error(path, f"expected a string, got {_json_type(item)}", item)
        return tuple(texts)


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _json_type(value: Any) -> str:
    """Name a Python value by its JSON type.

    >>> _json_type([1]), _json_type(True), _json_type(None), _json_type(2.5)
    ('a list', 'true/false', 'null', 'a number')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
