"""Push trials to a FHIR server, writing only what changed, so a second run writes nothing.

For each trial: build its Bundle; find what the server already holds for each resource (by identifier; the
study by every NCT system seen in the wild); leave out resources whose content is unchanged; send the rest
as one transaction. Existing resources are updated by id with If-Match on the version read, so a resource
changed by someone else meanwhile fails with 412 instead of being overwritten; new ones are conditional
creates. References to unchanged resources become `Type/id`. A journal records each trial's outcome, so an
interrupted run resumes where it stopped; one failing trial never stops the others (unless its failure
would fail them all, below).

Two things make outcomes exact. A write that failed may still have landed (its answer was cut short, and the
retry then met the If-Match versions it had itself moved on): the server is read again, and a trial whose
resources all hold what we sent is reported as written. A failure that would repeat for every trial (the
server is down, our credentials are refused: `stops_run`) stops the run; the trials after it are reported
`not attempted` and stay unjournaled, so the next run pushes them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir_adapter.bundle import build_bundle, to_json_bytes
from fhir_adapter.client import FhirClient
from fhir_adapter.errors import FhirAdapterError, InputError
from fhir_adapter.resources import BuiltResource, FhirVersion, ResourceKey, build_trial_resources
from fhir_adapter.sources import DuplicateRecord, TrialRecord, read_trials
from fhir_adapter.sync.diff import comparable, describe_changes
from fhir_adapter.sync.journal import Journal
from fhir_adapter.sync.release import check_release
from fhir_adapter.terms import NCT_SYSTEM, NCT_SYSTEM_VARIANTS, Terms
from fhir_adapter.validation import validate_bundle_as

log = logging.getLogger(__name__)

SEARCH_CHUNK = 40  # identifiers per search: keeps URLs well under common 8 KB limits
SEARCH_PAGE_SIZE = 100  # one page holds every match of a chunk, even with a duplicate or two
NOT_ATTEMPTED = "not attempted"
# A duplicate left out is no failure: the newer record of its study is pushed in its place.
SUCCEEDED = frozenset({"created", "updated", "unchanged", "resumed", "duplicate"})


@dataclass(frozen=True)
class ResourceChange:
    """What sync does to one resource: 'create', 'update' or 'unchanged', with readable differences."""

    key: ResourceKey
    action: str
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrialSync:
    """One trial's outcome: created | updated | unchanged | failed | resumed (done in an earlier run) |
    not attempted (the run stopped before it); or
    duplicate (a newer record of the same study was read; `error` says which and why)."""

    source: str
    nct_id: str | None
    outcome: str
    changes: tuple[ResourceChange, ...] = ()
    error: str | None = None
    content_hash: str | None = None  # of the trial's full Bundle: the journal's "same input" check
    stops_run: bool = False  # this failure would repeat for every trial: the run stopped here

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCEEDED


@dataclass
class SyncOptions:
    version: FhirVersion = FhirVersion.R4
    dry_run: bool = False
    journal: Journal | None = None
    on_trial: Callable[[TrialSync], None] = field(default=lambda _: None)


def sync_trials(
    inputs: Iterable[str], server: FhirClient, terms: Terms, options: SyncOptions | None = None
) -> Iterator[TrialSync]:
    """Yield the outcome of pushing every trial found in `inputs` to `server`.

    After a failure that stops the run, every later trial is yielded `not attempted` without being built
    or sent (a record that cannot be read is still reported failed, with its reason).
    """
    options = options or SyncOptions()
    stopped = False
    for item in read_trials(inputs):
        if isinstance(item, DuplicateRecord):
            result = TrialSync(item.file, item.nct_id, "duplicate", error=str(item))
        elif isinstance(item, InputError):
            result = TrialSync(item.file or "?", item.nct_id, "failed", error=str(item))
        elif stopped:
            result = TrialSync(item.source, item.nct_id, NOT_ATTEMPTED)
        else:
            result = sync_trial(item, server, terms, options)
            stopped = result.stops_run
        if options.journal is not None and not options.dry_run and result.outcome not in _UNJOURNALED:
            options.journal.record(
                result.nct_id or result.source, result.outcome, result.content_hash, result.error
            )
        options.on_trial(result)
        yield result


# A duplicate's line would stand as its study's last line in the journal, hiding the kept one's.
_UNJOURNALED = frozenset({"resumed", "duplicate", NOT_ATTEMPTED})


def sync_trial(trial: TrialRecord, server: FhirClient, terms: Terms, options: SyncOptions) -> TrialSync:
    """Push one trial; return what happened. Never raises for a trial-level failure."""
    try:
        built = build_trial_resources(trial, terms, version=options.version)
        bundle = build_bundle(built, version=options.version)
        content_hash = hashlib.sha256(to_json_bytes(bundle)).hexdigest()
        if options.journal is not None and options.journal.is_done(trial.nct_id, content_hash):
            return TrialSync(trial.source, trial.nct_id, "resumed")
        if options.version is not FhirVersion.R4:
            check_release(server, options.version, trial.nct_id)
        existing = _existing(server, built.resources, trial.nct_id)
        plan = _plan(built.resources, existing)
        if any(change.action != "unchanged" for change, _ in plan):
            # Checked only when something will be written, and before it is: a re-sync stays cheap.
            errors = [i for i in validate_bundle_as(bundle, options.version) if i.severity == "error"]
            if errors:
                raise _InvalidBundle(f"{len(errors)} validation errors; first: {errors[0]}")
            if not options.dry_run:
                _write(server, _write_bundle(bundle, plan, existing), built.resources, trial.nct_id)
    except FhirAdapterError as exc:
        log.warning("%s: push: %s", trial.nct_id, exc)
        return TrialSync(trial.source, trial.nct_id, "failed", error=str(exc), stops_run=exc.stops_run)
    changes = tuple(change for change, _ in plan)
    return TrialSync(trial.source, trial.nct_id, _outcome(changes), changes, content_hash=content_hash)


def _write(
    server: FhirClient, bundle: dict[str, Any], resources: Sequence[BuiltResource], nct_id: str
) -> None:
    """Send the write Bundle; on a failure that may hide a landed write, read the server again.

    Raises the write's error unless the server now holds every resource exactly as we built it.
    """
    try:
        sent = server.send_bundle(bundle, nct_id=nct_id)
        if not sent.ok:
            raise _PartlyWritten(nct_id, [str(failure.error) for failure in sent.failures])
    except FhirAdapterError as exc:
        if exc.stops_run or not _has_landed(server, resources, nct_id):
            raise
        log.info("%s: push: the write reported %s, but the server holds every resource as sent", nct_id, exc)


def _has_landed(server: FhirClient, resources: Sequence[BuiltResource], nct_id: str) -> bool:
    """Return whether the server holds each resource with our content (a failed re-read says no)."""
    try:
        plan = _plan(resources, _existing(server, resources, nct_id))
    except FhirAdapterError as exc:
        log.info("%s: push: could not read the server again after a failed write: %s", nct_id, exc)
        return False
    return all(change.action == "unchanged" for change, _ in plan)


class _InvalidBundle(FhirAdapterError):
    """The trial's own Bundle breaks a rule: it is not sent."""


class _PartlyWritten(FhirAdapterError):
    """A server without transactions took some entries and refused others; the next run retries them."""

    def __init__(self, nct_id: str, reasons: list[str]) -> None:
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        super().__init__(f"{nct_id}: {len(reasons)} entries refused, first: {reasons[0]}{more}")


@dataclass(frozen=True)
class _Existing:
    """A resource the server already holds: its id, version and content."""

    resource_type: str
    id: str
    version: str | None
    resource: dict[str, Any]

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"


def _existing(
    server: FhirClient, resources: Sequence[BuiltResource], nct_id: str
) -> dict[ResourceKey, _Existing]:
    """Return what the server holds for each of our resources, found by identifier."""
    found: dict[ResourceKey, _Existing] = {}
    by_type: dict[str, list[ResourceKey]] = {}
    for item in resources:
        by_type.setdefault(item.key.resource_type, []).append(item.key)
    for resource_type, keys in by_type.items():
        for start in range(0, len(keys), SEARCH_CHUNK):
            found.update(_search_keys(server, resource_type, keys[start : start + SEARCH_CHUNK], nct_id))
    return found


def _search_keys(
    server: FhirClient, resource_type: str, keys: list[ResourceKey], nct_id: str
) -> dict[ResourceKey, _Existing]:
    tokens = [_token(key) for key in keys]
    params = {"identifier": ",".join(tokens), "_count": str(SEARCH_PAGE_SIZE)}
    matches = server.search(resource_type, params, nct_id=nct_id)
    found: dict[ResourceKey, _Existing] = {}
    for key in keys:
        hits = [r for r in matches if _has_identifier(r, key)]
        if len(hits) > 1:
            ids = ", ".join(str(r.get("id")) for r in hits)
            raise FhirAdapterError(
                f"{nct_id}: {len(hits)} {resource_type} resources carry {_token(key)} ({ids})"
            )
        if hits:
            hit = hits[0]
            version = hit.get("meta", {}).get("versionId")
            found[key] = _Existing(resource_type, str(hit["id"]), version, hit)
    return found


def _token(key: ResourceKey) -> str:
    if key.system == NCT_SYSTEM:
        return key.value  # the value alone matches every NCT system variant; _has_identifier filters
    return f"{key.system}|{key.value}"


def _has_identifier(resource: Mapping[str, Any], key: ResourceKey) -> bool:
    systems = NCT_SYSTEM_VARIANTS if key.system == NCT_SYSTEM else (key.system,)
    return any(
        i.get("value") == key.value and i.get("system") in systems for i in resource.get("identifier", [])
    )


def _plan(
    resources: Sequence[BuiltResource], existing: Mapping[ResourceKey, _Existing]
) -> list[tuple[ResourceChange, BuiltResource]]:
    """Return each resource with what to do to it, comparing content with server references resolved."""
    references = {key.full_url: found.reference for key, found in existing.items()}
    plan = []
    for item in resources:
        found = existing.get(item.key)
        ours = comparable(item.resource, references)
        if found is None:
            plan.append((ResourceChange(item.key, "create", ("new resource",)), item))
        elif comparable(found.resource, {}) == ours:
            plan.append((ResourceChange(item.key, "unchanged"), item))
        else:
            differences = tuple(describe_changes(comparable(found.resource, {}), ours))
            plan.append((ResourceChange(item.key, "update", differences), item))
    return plan


def _write_bundle(
    bundle: dict[str, Any],
    plan: list[tuple[ResourceChange, BuiltResource]],
    existing: Mapping[ResourceKey, _Existing],
) -> dict[str, Any]:
    """Return the transaction that writes only the changed resources."""
    unchanged = {
        change.key.full_url: existing[change.key].reference
        for change, _ in plan
        if change.action == "unchanged"
    }
    entries = []
    for change, item in plan:
        if change.action == "unchanged":
            continue
        resource = comparable(item.resource, unchanged)
        request: dict[str, Any] = {"method": "PUT", "url": item.key.conditional_url}
        found = existing.get(item.key)
        if found is not None:
            # Update the very resource we compared against, even when its NCT system is a variant.
            resource = {"resourceType": resource["resourceType"], "id": found.id, **resource}
            request = {"method": "PUT", "url": found.reference}
            if found.version:
                request["ifMatch"] = f'W/"{found.version}"'
        entries.append({"fullUrl": item.key.full_url, "resource": resource, "request": request})
    return {**{k: v for k, v in bundle.items() if k != "entry"}, "entry": entries}


def _outcome(changes: Sequence[ResourceChange]) -> str:
    study = next((c for c in changes if c.key.resource_type == "ResearchStudy"), None)
    if study is not None and study.action == "create":
        return "created"
    if any(c.action != "unchanged" for c in changes):
        return "updated"
    return "unchanged"
