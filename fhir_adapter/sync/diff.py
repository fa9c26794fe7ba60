"""Compare what the adapter would write with what a FHIR server already holds.

A server copy differs from ours in ways that mean nothing: `id`, `meta`, `text`, and references written as
`Type/id` where ours are `urn:uuid` fullUrls. `comparable` removes those differences, so equal content
compares equal and a re-sync writes nothing (our test server versions every update, so this is on us).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SERVER_ONLY = ("id", "meta", "text")


def comparable(resource: Mapping[str, Any], references: Mapping[str, str]) -> dict[str, Any]:
    """Return `resource` without server-only elements, with `urn:uuid` references replaced by `Type/id`
    where `references` knows the server's id (a reference to a resource not yet on the server stays)."""
    stripped = {k: v for k, v in resource.items() if k not in SERVER_ONLY}
    if not references:
        return stripped  # nothing to rewrite: no need to copy the whole tree
    result: dict[str, Any] = _rewrite(stripped, references)
    return result


def _rewrite(node: Any, references: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: references.get(v, v) if k == "reference" and isinstance(v, str) else _rewrite(v, references)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(item, references) for item in node]
    return node


def describe_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any], *, limit: int = 12) -> list[str]:
    """Return readable lines for what changes between `old` and `new` (paths in FHIRPath style).

    >>> describe_changes({"status": "active", "title": "A"}, {"status": "completed", "title": "A"})
    ["status: 'active' -> 'completed'"]
    >>> describe_changes(None, {"status": "active"})
    ['new resource']
    """
    if old is None:
        return ["new resource"]
    before, after = _flatten(old), _flatten(new)
    lines = []
    for path in sorted(before.keys() | after.keys()):
        if path not in after:
            lines.append(f"{path}: {_short(before[path])} -> (removed)")
        elif path not in before:
            lines.append(f"{path}: (added) {_short(after[path])}")
        elif before[path] != after[path]:
            was, now = _changed_parts(before[path], after[path])
            lines.append(f"{path}: {was} -> {now}")
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more changes"]
    return lines


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        flat: dict[str, Any] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else key))
        return flat
    if isinstance(node, list):
        flat = {}
        for index, value in enumerate(node):
            flat.update(_flatten(value, f"{prefix}[{index}]"))
        return flat
    return {prefix: node}


def _changed_parts(old: Any, new: Any, *, width: int = 60, context: int = 20) -> tuple[str, str]:
    """Return `old` and `new` for a diff line; two long strings as a window around their first difference
    (`context` characters before it), so a change deep in a description is seen, not cut off.

    >>> text = "Inclusion: adults with relapsed myeloma, ECOG 0-2, and platelets >= 75,000/uL at screening"
    >>> _changed_parts(text, text.replace("75,000", "50,000"))
    ("...'2, and platelets >= 75,000/uL at screening'", "...'2, and platelets >= 50,000/uL at screening'")
    >>> _changed_parts("active", "completed")
    ("'active'", "'completed'")
    """
    if not (isinstance(old, str) and isinstance(new, str)) or max(len(old), len(new)) + 2 <= width:
        return _short(old, width), _short(new, width)
    first = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new))
    )
    start = max(0, first - context)
    return _window(old, start, width), _window(new, start, width)


def _window(text: str, start: int, width: int) -> str:
    end = start + width - 8  # room for the quotes and the two "..."
    return f"{'...' if start else ''}{text[start:end]!r}{'...' if end < len(text) else ''}"


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
