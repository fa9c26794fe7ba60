"""What a FHIR server holds for our resources: read in bulk ahead of the writes, kept current after them.

Reads, the fewest requests first:
1. By id. A resource the adapter created lives at its deterministic id (`ResourceKey.uuid`, see plan.py), so
   a batch Bundle of `GET Type/id` reads a few hundred of them in one request, and the server finds each by
   its id, without a search (servers that declare batch and updateCreate).
2. By identifier, for what is not at its id (written by a conditional update, by another tool, or under a
   variant NCT system): one search per resource type for up to SEARCH_CHUNK identifiers at once.
A trial's own resources (its Group, arms, officials and sites, keyed under its NCT id) are looked for only
when its ResearchStudy is on the server. Without the study the trial is new and its writes create them: by
their deterministic id, where a leftover of an earlier, interrupted write of ours sits and is updated, or
by conditional update, which finds a leftover by itself. Shared resources (Organizations) are always looked
for, once per run.

Several trials are pushed at once: a trial holds the locks of its shared keys (and of its study) from its
plan to the end of its write, so two trials never plan against the same version of one Organization, and
the index is updated with what each write left on the server before the next trial reads it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_adapter.client import FhirClient, read_by_id
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.resources import ResourceKey
from fhir_adapter.terms import NCT_SYSTEM, NCT_SYSTEM_VARIANTS

Json = dict[str, Any]
SEARCH_CHUNK = 40  # identifiers per search: keeps URLs well under common 8 KB limits
SEARCH_PAGE_SIZE = 100  # one page holds every match of a chunk, even with a duplicate or two


@dataclass(frozen=True)
class Held:
    """A resource the server holds: its type, id, version and content."""

    resource_type: str
    id: str
    version: str | None
    resource: Json

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    @staticmethod
    def of(resource: Json) -> Held:
        version = (resource.get("meta") or {}).get("versionId")
        return Held(str(resource["resourceType"]), str(resource["id"]), version, resource)


class Ambiguous(FhirAdapterError):
    """Several resources on the server carry one of our identifiers: which to update is not ours to guess."""

    def __init__(self, key: ResourceKey, found: Sequence[Json]) -> None:
        self.key = key
        ids = ", ".join(str(r.get("id")) for r in found)
        super().__init__(f"{len(found)} {key.resource_type} resources carry {token(key)} ({ids})")


@dataclass(frozen=True)
class TrialKeys:
    """The keys of one trial's resources: its study, and every key with whether it is the trial's own."""

    nct_id: str
    study: ResourceKey
    keys: tuple[ResourceKey, ...]

    def is_own(self, key: ResourceKey) -> bool:
        """Return whether `key` belongs to this trial alone (keyed by its NCT id), not shared with others."""
        return key.value == self.nct_id or key.value.startswith(f"{self.nct_id}/")

    @property
    def shared(self) -> tuple[ResourceKey, ...]:
        return tuple(k for k in self.keys if not self.is_own(k))

    @property
    def own(self) -> tuple[ResourceKey, ...]:
        return tuple(k for k in self.keys if self.is_own(k))


class ServerIndex:
    """What the server holds for each key the run has looked at: a Held, None (not there) or Ambiguous."""

    def __init__(self, server: FhirClient) -> None:
        self.server = server
        self._known: dict[ResourceKey, Held | Ambiguous | None] = {}
        self._guard = threading.Lock()
        self._locks: dict[ResourceKey, threading.Lock] = {}

    # -- reading -----------------------------------------------------------------------------------------

    def load(self, trials: Sequence[TrialKeys], *, nct_id: str | None = None) -> None:
        """Read what the server holds for the keys of `trials` not known yet, in as few requests as we can."""
        first = [k for t in trials for k in (t.study, *t.shared)]
        self._fill(self._read(self._unknown(first), nct_id))
        with self._guard:
            on_server = [t for t in trials if self._known.get(t.study) is not None]
            found = {t.study for t in on_server}
            for key in (k for t in trials if t.study not in found for k in t.own):
                self._known.setdefault(key, None)
        self._fill(self._read(self._unknown(k for t in on_server for k in t.own), nct_id))

    def lookup(self, trial: TrialKeys) -> dict[ResourceKey, Held]:
        """Return what the server holds of `trial`'s resources (reading the keys not loaded yet).

        Raises Ambiguous when several resources carry one of its identifiers.
        """
        if self._unknown(trial.keys):
            self.load([trial], nct_id=trial.nct_id)
        held: dict[ResourceKey, Held] = {}
        with self._guard:
            for key in trial.keys:
                value = self._known.get(key)
                if isinstance(value, Ambiguous):
                    raise value
                if value is not None:
                    held[key] = value
        return held

    def refresh(self, trial: TrialKeys) -> dict[ResourceKey, Held]:
        """Return `trial`'s resources as the server holds them now, read again."""
        self.forget(trial.keys)
        return self.lookup(trial)

    # -- keeping current -----------------------------------------------------------------------------------

    def record(self, key: ResourceKey, held: Held) -> None:
        """Note what a write of ours left on the server for `key`."""
        with self._guard:
            self._known[key] = held

    def forget(self, keys: Iterable[ResourceKey]) -> None:
        """Drop what is known of `keys`: the next lookup reads them again."""
        with self._guard:
            for key in keys:
                self._known.pop(key, None)

    def release(self, trial: TrialKeys) -> None:
        """Drop `trial`'s own keys (no other trial needs them), keeping the shared ones for the run."""
        self.forget(trial.own)
        with self._guard:
            lock = self._locks.get(trial.study)
            if lock is not None and not lock.locked():
                del self._locks[trial.study]

    @contextlib.contextmanager
    def locked(self, trial: TrialKeys) -> Iterator[None]:
        """Hold the locks of `trial`'s shared keys and its study, taken in one global order (no deadlock)."""
        keys = sorted({trial.study, *trial.shared}, key=lambda k: (k.resource_type, k.system, k.value))
        with self._guard:
            locks = [self._locks.setdefault(key, threading.Lock()) for key in keys]
        with contextlib.ExitStack() as stack:
            for lock in locks:
                stack.enter_context(lock)
            yield

    # -- requests --------------------------------------------------------------------------------------------

    def _unknown(self, keys: Iterable[ResourceKey]) -> list[ResourceKey]:
        with self._guard:
            return [k for k in dict.fromkeys(keys) if k not in self._known]

    def _fill(self, found: Mapping[ResourceKey, Held | Ambiguous | None]) -> None:
        # setdefault: a write recorded while these reads were on their way is newer than what they found.
        with self._guard:
            for key, value in found.items():
                self._known.setdefault(key, value)

    def _read(
        self, keys: list[ResourceKey], nct_id: str | None
    ) -> dict[ResourceKey, Held | Ambiguous | None]:
        if not keys:
            return {}
        found: dict[ResourceKey, Held | Ambiguous | None] = {}
        capabilities = self.server.capabilities()
        by_id = [
            k for k in keys if capabilities.batch and capabilities.supports_update_create(k.resource_type)
        ]
        if by_id:
            at_id = read_by_id(self.server, [f"{k.resource_type}/{k.uuid}" for k in by_id], nct_id=nct_id)
            for key in by_id:
                resource = at_id.get(f"{key.resource_type}/{key.uuid}")
                if resource is not None and has_identifier(resource, key):
                    found[key] = Held.of(resource)
        rest = [k for k in keys if k not in found]
        found.update(self._search(rest, nct_id))
        return found

    def _search(
        self, keys: list[ResourceKey], nct_id: str | None
    ) -> dict[ResourceKey, Held | Ambiguous | None]:
        by_type: dict[str, list[ResourceKey]] = {}
        for key in keys:
            by_type.setdefault(key.resource_type, []).append(key)
        found: dict[ResourceKey, Held | Ambiguous | None] = {}
        for resource_type, of_type in by_type.items():
            for start in range(0, len(of_type), SEARCH_CHUNK):
                chunk = of_type[start : start + SEARCH_CHUNK]
                params = {"identifier": ",".join(token(k) for k in chunk), "_count": str(SEARCH_PAGE_SIZE)}
                matches = self.server.search(resource_type, params, nct_id=nct_id)
                for key in chunk:
                    hits = [r for r in matches if has_identifier(r, key)]
                    found[key] = Ambiguous(key, hits) if len(hits) > 1 else Held.of(hits[0]) if hits else None
        return found


def token(key: ResourceKey) -> str:
    """Return the search token for `key`: `system|value`, or the NCT number alone for a study."""
    if key.system == NCT_SYSTEM:
        return _escaped(key.value)  # the value alone matches every NCT system variant; has_identifier filters
    return f"{_escaped(key.system)}|{_escaped(key.value)}"


def _escaped(part: str) -> str:
    r"""Return `part` with the characters that separate search values escaped (R4 search.html#escaping).

    >>> _escaped("a,b|c")
    'a\\,b\\|c'
    """
    return "".join(f"\\{c}" if c in "\\,|$" else c for c in part)


def has_identifier(resource: Mapping[str, Any], key: ResourceKey) -> bool:
    """Return whether `resource` carries `key`'s identifier (a study: under any NCT system variant)."""
    systems = NCT_SYSTEM_VARIANTS if key.system == NCT_SYSTEM else (key.system,)
    return any(
        isinstance(i, Mapping) and i.get("value") == key.value and i.get("system") in systems
        for i in resource.get("identifier") or []
    )
