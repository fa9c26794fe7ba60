"""Decide what to write for one trial: compare each resource with the server's copy, keep only the changes.

A resource the server holds is updated by its id with If-Match on the version read, so a copy someone else
changed meanwhile fails with 412 instead of being overwritten. A new resource is created at its
deterministic id (`PUT Type/<uuid5 of its identifier>`) where the server declares updateCreate for its type:
the server then finds it by id, without a search, the same id a Bulk Data import of our ndjson gives it, and
a second writer of the same resource meets the same id instead of making a duplicate. Elsewhere it is a
conditional update (`PUT Type?identifier=system|value`), which the server resolves by itself. References to
unchanged resources become `Type/id`; those to resources in the same transaction stay `urn:uuid` fullUrls.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_adapter.resources import BuiltResource, ResourceKey
from fhir_adapter.sync.diff import comparable, describe_changes
from fhir_adapter.sync.index import Held

Json = dict[str, Any]
Plan = list[tuple["ResourceChange", BuiltResource]]


@dataclass(frozen=True)
class ResourceChange:
    """What sync does to one resource: 'create', 'update' or 'unchanged', with readable differences."""

    key: ResourceKey
    action: str
    differences: tuple[str, ...] = ()


def plan_trial(
    resources: Sequence[BuiltResource],
    held: Mapping[ResourceKey, Held],
    *,
    shared: Collection[ResourceKey] = (),
) -> Plan:
    """Return each resource with what to do to it, comparing content with server references resolved.

    A `shared` resource (an Organization several trials name) is merged, not replaced: an element this
    trial's record leaves out is kept from the server's copy. Otherwise two records of which one states the
    sponsor's type and the other does not (Dana-Farber in NCT05584540 and NCT02513394) would rewrite it on
    every sync, and a detail the hospital added to a shared sponsor would be lost.
    """
    references = {key.full_url: found.reference for key, found in held.items()}
    plan: Plan = []
    for item in resources:
        found = held.get(item.key)
        ours = comparable(item.resource, references)
        if found is None:
            plan.append((ResourceChange(item.key, "create", ("new resource",)), item))
            continue
        theirs = comparable(found.resource, {})
        if item.key in shared:
            ours = {**ours, **{k: v for k, v in theirs.items() if k not in ours}}
        written = BuiltResource(item.key, ours) if item.key in shared else item
        if theirs == ours:
            plan.append((ResourceChange(item.key, "unchanged"), written))
        else:
            plan.append((ResourceChange(item.key, "update", tuple(describe_changes(theirs, ours))), written))
    return plan


def has_writes(plan: Plan) -> bool:
    return any(change.action != "unchanged" for change, _ in plan)


def write_bundle(
    bundle: Json, plan: Plan, held: Mapping[ResourceKey, Held], *, create_by_id: Callable[[str], bool]
) -> Json:
    """Return the transaction that writes only the changed resources of `bundle`.

    `create_by_id(resource_type)` says whether the server accepts a new resource at an id we choose.
    """
    unchanged = {
        change.key.full_url: held[change.key].reference for change, _ in plan if change.action == "unchanged"
    }
    entries = []
    for change, item in plan:
        if change.action == "unchanged":
            continue
        resource = comparable(item.resource, unchanged)
        resource_type = item.key.resource_type
        request: Json = {"method": "PUT", "url": item.key.conditional_url}
        found = held.get(item.key)
        if found is not None:
            # Update the very resource we compared against, even when its NCT system is a variant.
            resource = {"resourceType": resource_type, "id": found.id, **resource}
            request = {"method": "PUT", "url": found.reference}
            if found.version:
                request["ifMatch"] = f'W/"{found.version}"'
        elif create_by_id(resource_type):
            resource = {"resourceType": resource_type, "id": item.key.uuid, **resource}
            request = {"method": "PUT", "url": f"{resource_type}/{item.key.uuid}"}
        entries.append({"fullUrl": item.key.full_url, "resource": resource, "request": request})
    return {**{k: v for k, v in bundle.items() if k != "entry"}, "entry": entries}


def outcome(changes: Sequence[ResourceChange]) -> str:
    """Return the trial's outcome: created (its study is new), updated (anything changed) or unchanged."""
    study = next((c for c in changes if c.key.resource_type == "ResearchStudy"), None)
    if study is not None and study.action == "create":
        return "created"
    if any(c.action != "unchanged" for c in changes):
        return "updated"
    return "unchanged"
