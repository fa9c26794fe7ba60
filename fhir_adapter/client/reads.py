"""Read many resources by id in a few requests: batch Bundles of `GET Type/id` (R4 http.html#transaction).

A batch answers each entry on its own, in order, with its status: 200 and the resource, or 404 (410 for a
deleted one) when there is none. One request reads a few hundred resources, and a server finds each by its
id, without a search.
"""

from __future__ import annotations

from collections.abc import Sequence

from fhir_adapter.client.bundles import Json, child, entry_status
from fhir_adapter.client.client import FhirClient
from fhir_adapter.client.http import error_for_status, outcome_text

READS_PER_BATCH = 200  # GET entries per batch Bundle: a request of ~15 KB, an answer of a few MB at most
ABSENT_STATUSES = frozenset({404, 410})


def read_by_id(
    client: FhirClient, references: Sequence[str], *, nct_id: str | None = None
) -> dict[str, Json | None]:
    """Return the resource at each `Type/id` of `references`, or None where the server has none.

    Needs a server with batch support. Any other per-entry failure (403, 500...) raises its ServerError,
    naming the reference.
    """
    found: dict[str, Json | None] = {}
    unique = list(dict.fromkeys(references))
    for start in range(0, len(unique), READS_PER_BATCH):
        chunk = unique[start : start + READS_PER_BATCH]
        answers = client.batch([{"request": {"method": "GET", "url": ref}} for ref in chunk], nct_id=nct_id)
        for index, reference in enumerate(chunk):
            answer = answers[index] if index < len(answers) else {}
            found[reference] = _read_answer(client, reference, answer, nct_id)
    return found


def _read_answer(client: FhirClient, reference: str, answer: Json, nct_id: str | None) -> Json | None:
    status = entry_status(answer)
    resource = answer.get("resource")
    if status in ABSENT_STATUSES:
        return None
    if status is not None and 200 <= status < 300 and isinstance(resource, dict):
        return resource
    detail = outcome_text(child(answer, "response").get("outcome")) or (
        "no resource in the batch answer" if answer else "the batch answer has no entry for it"
    )
    url = f"{client.base_url}/{reference}"
    raise error_for_status(status, method="GET", url=url, detail=detail, nct_id=nct_id)
