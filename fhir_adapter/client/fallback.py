"""Writing a transaction Bundle to a server without transactions: as batches, or as single requests.

Neither is atomic, and neither resolves `urn:uuid` references between entries: R4 forbids references
between the entries of a batch (https://hl7.org/fhir/R4/http.html#brules), and single requests know nothing
of each other. So entries go out in dependency order ("waves": a batch per wave, or one request per entry),
and each reference to an earlier entry's fullUrl is rewritten to the `Type/id` the server gave it. An entry
whose dependency failed is not sent; it is reported with status 424 (Failed Dependency), naming that entry.
Entries that reference each other in a cycle cannot be written without a transaction and are reported too.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fhir_adapter.client.bundles import (
    EntryFailure,
    Json,
    assigned_reference,
    child,
    entries,
    entry_failure,
    entry_status,
    resource_ref,
)
from fhir_adapter.client.http import outcome_text

logger = logging.getLogger(__name__)

FAILED_DEPENDENCY = 424

SendBatch = Callable[[list[Json]], list[Json]]  # entries -> their response entries, in order
SendEntry = Callable[[Json], Json]  # one entry as a plain request -> a response entry


def send_in_waves(
    bundle: Mapping[str, Any],
    *,
    nct_id: str,
    base_url: str,
    send_batch: SendBatch | None,
    send_entry: SendEntry,
) -> tuple[Json, list[EntryFailure]]:
    """Return a batch-response for `bundle` written wave by wave, and the entries that failed.

    With `send_batch`, each wave is one batch; without, each entry is one request, in dependency order.
    """
    run = _WaveRun(entries(bundle), nct_id=nct_id, base_url=base_url)
    waves, cyclic = dependency_waves(run.depends)
    if send_batch is None:
        waves = [[index] for wave in waves for index in wave]
    for wave in waves:
        ready = run.unblocked(wave)
        prepared = [_rewritten(run.sent[index], run.assigned) for index in ready]
        if prepared:
            run.record(ready, send_batch(prepared) if send_batch else [send_entry(e) for e in prepared])
    cycle = ", ".join(map(str, cyclic))
    for index in cyclic:
        run.fail(
            index,
            FAILED_DEPENDENCY,
            f"not sent: it is in a reference cycle (entries {cycle}), which only a transaction can write",
        )
    failures = [run.failures[index] for index in sorted(run.failures)]
    for failure in failures:
        error = failure.error
        logger.warning(
            "%s: client: entry %d not written: %s %s -> %s: %s",
            nct_id,
            failure.index,
            error.method,
            error.url,
            error.status,
            error.detail,
        )
    return run.response(), failures


class _WaveRun:
    """The state of one Bundle written wave by wave: answers, failures, and the ids the server assigned."""

    def __init__(self, sent: list[Json], *, nct_id: str, base_url: str) -> None:
        self.sent = sent
        self.nct_id = nct_id
        self.base_url = base_url
        self.depends = [_depends_on(entry, sent) for entry in sent]
        self.answers: list[Json | None] = [None] * len(sent)
        self.failures: dict[int, EntryFailure] = {}
        self.assigned: dict[str, str] = {}  # fullUrl -> Type/id on the server

    def fail(self, index: int, status: int | None, detail: str) -> None:
        self.failures[index] = entry_failure(
            self.sent[index], index, status=status, detail=detail, nct_id=self.nct_id, base_url=self.base_url
        )

    def unblocked(self, wave: list[int]) -> list[int]:
        """Return the entries of `wave` whose dependencies were written; fail the others (424)."""
        ready = []
        for index in wave:
            blocker = next(
                (d for d in self.depends[index] if self.sent[d].get("fullUrl") not in self.assigned), None
            )
            if blocker is None:
                ready.append(index)
                continue
            why = "which failed" if blocker in self.failures else "whose id on the server is not known"
            detail = f"not sent: it references {resource_ref(self.sent[blocker])} (entry {blocker}), {why}"
            self.fail(index, FAILED_DEPENDENCY, detail)
        return ready

    def record(self, ready: list[int], answered: list[Json]) -> None:
        """Keep each answer; note the failures and the ids assigned to the entries that were written."""
        for index, answer in zip(ready, answered, strict=False):
            self.answers[index] = answer
            status = entry_status(answer)
            full_url = self.sent[index].get("fullUrl")
            if status is None or not 200 <= status < 300:
                detail = outcome_text(child(answer, "response").get("outcome")) or "no OperationOutcome"
                self.fail(index, status, detail)
            elif (where := assigned_reference(answer)) and isinstance(full_url, str):
                self.assigned[full_url] = where
        for index in ready[len(answered) :]:  # a server that answered fewer entries than it was sent
            self.fail(index, None, "the server's answer has no entry for it")

    def response(self) -> Json:
        """Return the batch-response, entries in request order (R4 wants one response per entry)."""
        answers = [
            a if a is not None else _error_answer(self.failures[i]) for i, a in enumerate(self.answers)
        ]
        return {"resourceType": "Bundle", "type": "batch-response", "entry": answers}


def dependency_waves(depends: Sequence[set[int]]) -> tuple[list[list[int]], list[int]]:
    """Return entry indexes in waves (each depends only on earlier waves) and those left in cycles.

    >>> dependency_waves([{1}, set(), {0, 1}])
    ([[1], [0], [2]], [])
    >>> dependency_waves([{1}, {0}, set()])
    ([[2]], [0, 1])
    """
    placed: set[int] = set()
    waves = []
    remaining = list(range(len(depends)))
    while remaining:
        wave = [i for i in remaining if depends[i] <= placed]
        if not wave:
            break
        waves.append(wave)
        placed.update(wave)
        remaining = [i for i in remaining if i not in placed]
    return waves, remaining


def rewrite_references(node: Any, assigned: Mapping[str, str]) -> Any:
    """Return a copy of `node` with each `reference` to a known fullUrl replaced by its `Type/id`.

    >>> rewrite_references({"enrollment": [{"reference": "urn:uuid:1"}]}, {"urn:uuid:1": "Group/7"})
    {'enrollment': [{'reference': 'Group/7'}]}
    """
    if isinstance(node, dict):
        return {
            key: assigned.get(value, value)
            if key == "reference" and isinstance(value, str)
            else rewrite_references(value, assigned)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [rewrite_references(item, assigned) for item in node]
    return node


def _depends_on(entry: Mapping[str, Any], sent: Sequence[Mapping[str, Any]]) -> set[int]:
    """Return the indexes of the other entries whose fullUrl `entry`'s resource references."""
    by_url = {e.get("fullUrl"): i for i, e in enumerate(sent) if isinstance(e.get("fullUrl"), str)}
    found: set[int] = set()
    _collect(entry.get("resource"), by_url, found)
    own = by_url.get(entry.get("fullUrl"))
    return found - {own} if own is not None else found


def _collect(node: Any, by_url: Mapping[Any, int], found: set[int]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and value in by_url:
                found.add(by_url[value])
            else:
                _collect(value, by_url, found)
    elif isinstance(node, list):
        for item in node:
            _collect(item, by_url, found)


def _rewritten(entry: Mapping[str, Any], assigned: Mapping[str, str]) -> Json:
    result = copy.deepcopy(dict(entry))
    if "resource" in result:
        result["resource"] = rewrite_references(result["resource"], assigned)
    return result


def _error_answer(failure: EntryFailure) -> Json:
    """Return a response entry for an entry the server never answered (R4 requires one per entry)."""
    issue = {"severity": "error", "code": "processing", "details": {"text": failure.error.detail}}
    return {
        "response": {
            "status": str(failure.status or 500),
            "outcome": {"resourceType": "OperationOutcome", "issue": [issue]},
        }
    }
