"""What the layers found in a resource, remembered by its content, so identical content is checked once.

A sponsor's Organization, or the same site under several trials, comes back Bundle after Bundle (issue 16:
do not validate the same sub-structure twice). Every layer but "references" reads only the resource itself,
so a resource with the same JSON (key order included) gets the same issues; the references are kept as
sites and resolved against each Bundle's own entries. A resource's `id`, when it is a valid id, takes no part
in the key: no layer reports anything about a valid id, and nothing else in the resource depends on it (the
invariants read the ids of contained resources only). The cache holds a bounded number of resources (the
oldest go first), so memory stays flat over any number of records.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.references import BundleTargets, ReferenceSite, resolve_references

MAX_RESOURCES = 16_384
VALID_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # R4 and R5 `id`, as both schemas and models have it


@dataclass(frozen=True)
class CheckedContent:
    """The issues of one resource's content: before the references layer (model, schema, invariants), its
    references to resolve, and after them (units, project rules), in the layers' order."""

    before: tuple[ValidationIssue, ...]
    sites: tuple[ReferenceSite, ...]
    after: tuple[ValidationIssue, ...]

    def issues(self, targets: BundleTargets | None) -> list[ValidationIssue]:
        """Return every issue, the references resolved against `targets` (None: outside a Bundle)."""
        return [*self.before, *resolve_references(self.sites, targets), *self.after]


def content_key(resource: dict[str, Any], *flags: Hashable) -> tuple[Hashable, ...] | None:
    """Return the key of `resource`'s content under `flags` (the rules that ran), None when it has none (not
    plain JSON)."""
    identifier = resource.get("id")
    body = resource
    if isinstance(identifier, str) and VALID_ID.fullmatch(identifier):
        body = {key: value for key, value in resource.items() if key != "id"}
    try:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return (digest, *flags)


class ContentCache:
    """A bounded map of content key -> CheckedContent; the oldest entry goes when it is full."""

    def __init__(self, size: int = MAX_RESOURCES) -> None:
        self._size = size
        self._found: dict[tuple[Hashable, ...], CheckedContent] = {}
        self.hits = 0  # how many resources were not checked again (benchmarks/validate.py reports it)

    def get(self, key: tuple[Hashable, ...]) -> CheckedContent | None:
        found = self._found.get(key)
        if found is not None:
            self.hits += 1
        return found

    def put(self, key: tuple[Hashable, ...], checked: CheckedContent) -> None:
        if len(self._found) >= self._size:
            del self._found[next(iter(self._found))]
        self._found[key] = checked

    def checked(
        self,
        resource: dict[str, Any],
        check: Callable[[dict[str, Any], bool, bool], CheckedContent],
        best_practice: bool,
        project: bool,
    ) -> CheckedContent:
        """Return what `check(resource, best_practice, project)` finds, checking content seen before once."""
        key = content_key(resource, best_practice, project)
        found = self.get(key) if key is not None else None
        if found is None:
            found = check(resource, best_practice, project)
            if key is not None:
                self.put(key, found)
        return found

    def clear(self) -> None:
        """Forget every resource and the hit count."""
        self._found.clear()
        self.hits = 0

    def __len__(self) -> int:
        return len(self._found)
