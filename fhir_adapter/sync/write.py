"""Send one trial's write Bundle and learn what it left on the server; a failed write that landed is a write.

A write may fail on our side after the server carried it out (its answer was cut short, and the retry met
the If-Match versions the first try had moved on). Then the server is read again: when every resource holds
what we built, the write landed and the trial is reported written, not failed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from fhir_adapter.client import FhirClient, assigned_reference, entries, written_version
from fhir_adapter.errors import FhirAdapterError, counted
from fhir_adapter.resources import BuiltResource, ResourceKey
from fhir_adapter.sync.diff import comparable
from fhir_adapter.sync.index import Held, ServerIndex, TrialKeys
from fhir_adapter.sync.plan import plan_trial

log = logging.getLogger(__name__)

Json = dict[str, Any]
Written = dict[ResourceKey, Held]


class PartlyWritten(FhirAdapterError):
    """A server without transactions took some entries and refused others; the next run retries them."""

    def __init__(self, nct_id: str, reasons: list[str]) -> None:
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        super().__init__(
            f"{nct_id}: {counted(len(reasons), 'entry', 'entries')} refused, first: {reasons[0]}{more}"
        )


def write_trial(
    server: FhirClient,
    index: ServerIndex,
    resources: Sequence[BuiltResource],
    keys: TrialKeys,
    bundle: Json,
) -> Written:
    """Send `bundle` (one trial's changes); return what each shared resource it wrote (an Organization other
    trials name) now is on the server: the index keeps those for the run, and no other.

    Raises the write's error unless the server, read again, holds every resource exactly as we built it
    (then nothing is returned: the index holds what was read).
    """
    try:
        sent = server.send_bundle(bundle, nct_id=keys.nct_id)
        if not sent.ok:
            raise PartlyWritten(keys.nct_id, [str(failure.error) for failure in sent.failures])
    except FhirAdapterError as exc:
        if exc.stops_run or not _has_landed(index, resources, keys):
            raise
        log.info(
            "%s: push: the write reported %s, but the server holds every resource as sent", keys.nct_id, exc
        )
        return {}
    return written_entries(bundle, sent.response, resources, keep=frozenset(keys.shared))


def written_entries(
    bundle: Json, response: Json, resources: Sequence[BuiltResource], *, keep: Collection[ResourceKey]
) -> Written:
    """Return, per key of `keep`, the id, version and content the server now holds for the entry it wrote.

    References between the written entries are resolved to the ids the server gave them, as the server did.
    Only the kept keys' content is made: the index drops a trial's own resources once it is written, so a
    copy of each of them (hundreds of sites in some trials) would be made for nothing.
    """
    by_url = {item.key.full_url: item.key for item in resources if item.key in keep}
    sent = entries(bundle)
    answers = entries(response)
    assigned = {
        str(entry.get("fullUrl")): reference
        for entry, answer in zip(sent, answers, strict=False)
        if (reference := assigned_reference(answer)) is not None
    }
    written: Written = {}
    for entry, answer in zip(sent, answers, strict=False):
        key = by_url.get(str(entry.get("fullUrl")))
        reference = assigned.get(str(entry.get("fullUrl")))
        if key is None or reference is None or not isinstance(entry.get("resource"), Mapping):
            continue
        resource_type, resource_id = reference.split("/", 1)
        content = {
            "resourceType": resource_type,
            "id": resource_id,
            **comparable(entry["resource"], assigned),
        }
        written[key] = Held(resource_type, resource_id, written_version(answer), content)
    return written


def _has_landed(index: ServerIndex, resources: Sequence[BuiltResource], keys: TrialKeys) -> bool:
    """Return whether the server holds each resource with our content (a failed re-read says no)."""
    try:
        plan = plan_trial(resources, index.refresh(keys), shared=set(keys.shared))
    except FhirAdapterError as exc:
        log.info("%s: push: could not read the server again after a failed write: %s", keys.nct_id, exc)
        return False
    return all(change.action == "unchanged" for change, _ in plan)
