"""What sending a Bundle gives back, and how the server's per-entry answers map to our resources.

A transaction-response or batch-response has one entry per request entry, in the same order
(https://hl7.org/fhir/R4/http.html#transaction-response), with `response.status` starting with the
three-digit code ("201 Created", or just "201" as our test server writes it) and an optional
`response.outcome`. A refused transaction has no per-entry answer: its OperationOutcome's `expression`
points at the entry (`Bundle.entry[2]...`, as HAPI writes it) or at an element of a resource type
(`ResearchStudy.status`, as Medplum writes it), which names the entry when only one has that type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import requests

from fhir_adapter.client.http import error_for_status, error_from_response, json_body, outcome_text
from fhir_adapter.errors import FatalServerError, ServerError

Json = dict[str, Any]
SendMode = Literal["transaction", "batch", "single"]
_ENTRY_EXPRESSION = re.compile(r"^Bundle\.entry\[(\d+)\]")
_TYPE_EXPRESSION = re.compile(r"^([A-Z][A-Za-z]+)(?:\.|$)")
_LOCATION = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?/?$")


@dataclass(frozen=True)
class ResourceRef:
    """Which of our resources an entry carried: its type and first identifier (`system|value`)."""

    resource_type: str
    identifier: str | None = None
    full_url: str | None = None

    def __str__(self) -> str:
        return f"{self.resource_type} {self.identifier or self.full_url or '(no identifier)'}"


@dataclass(frozen=True)
class EntryFailure:
    """One entry the server did not write: its place in the Bundle, its resource, and the error."""

    index: int
    resource: ResourceRef
    error: ServerError

    @property
    def status(self) -> int | None:
        return self.error.status

    def __str__(self) -> str:
        return str(self.error)


@dataclass(frozen=True)
class Written:
    """What the server said about one write: status, `Type/id`, version, and the resource if it sent it."""

    status: int
    reference: str | None
    version_id: str | None
    resource: Json | None = field(default=None, repr=False)


@dataclass(frozen=True)
class BundleResult:
    """The server's answer to one trial's Bundle, and the entries that failed (only batch/single can)."""

    nct_id: str
    mode: SendMode
    response: Json = field(repr=False)  # transaction-response or batch-response, entries in request order
    failures: tuple[EntryFailure, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures


class BundleRejected(FatalServerError):
    """The server refused a whole transaction; `failures` holds the entries its OperationOutcome blamed."""

    def __init__(
        self,
        *,
        method: str,
        url: str,
        status: int | None,
        detail: str,
        nct_id: str | None,
        failures: Sequence[EntryFailure] = (),
    ) -> None:
        self.failures = tuple(failures)
        super().__init__(method=method, url=url, status=status, detail=detail, nct_id=nct_id)


def child(node: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """Return `node[key]` when it is an object, else an empty one (servers leave elements out).

    >>> child({"response": {"status": "200"}}, "response"), child({}, "response")
    ({'status': '200'}, {})
    """
    value = node.get(key)
    return value if isinstance(value, Mapping) else {}


def is_idempotent_entry(entry: Mapping[str, Any]) -> bool:
    """Return whether sending `entry` twice has the effect of sending it once (STYLE 22).

    >>> is_idempotent_entry({"request": {"method": "PUT", "url": "Group?identifier=s|v"}})
    True
    >>> is_idempotent_entry({"request": {"method": "POST", "url": "Group"}})
    False
    """
    request = entry.get("request")
    if not isinstance(request, Mapping):
        return False
    method = str(request.get("method", "")).upper()
    return method in ("GET", "HEAD", "PUT", "DELETE") or (
        method == "POST" and bool(request.get("ifNoneExist"))
    )


def entries(bundle: Mapping[str, Any]) -> list[Json]:
    """Return a Bundle's entries (an absent list is an empty one)."""
    return [e for e in bundle.get("entry") or [] if isinstance(e, dict)]


def resource_ref(entry: Mapping[str, Any]) -> ResourceRef:
    """Return the type and first identifier of the resource in `entry` (or the type its request names)."""
    resource = child(entry, "resource")
    request = child(entry, "request")
    resource_type = resource.get("resourceType") or re.split(r"[/?]", str(request.get("url", "?")))[0] or "?"
    identifier = None
    for item in resource.get("identifier") or []:
        if isinstance(item, Mapping) and item.get("value"):
            identifier = f"{item['system']}|{item['value']}" if item.get("system") else str(item["value"])
            break
    full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
    return ResourceRef(str(resource_type), identifier, full_url)


def entry_status(answer: Mapping[str, Any]) -> int | None:
    """Return the status code of a response entry ("201 Created" -> 201), or None when it has none.

    >>> entry_status({"response": {"status": "400"}}), entry_status({"response": {}})
    (400, None)
    """
    response = answer.get("response")
    status = str(response.get("status", "")) if isinstance(response, Mapping) else ""
    match = re.match(r"\s*(\d{3})", status)
    return int(match.group(1)) if match else None


def entry_failure(
    entry: Mapping[str, Any], index: int, *, status: int | None, detail: str, nct_id: str, base_url: str
) -> EntryFailure:
    """Return the failure of one entry: the error names the trial, the entry's request and its resource."""
    ref = resource_ref(entry)
    request = child(entry, "request")
    method = str(request.get("method", "?")).upper()
    url = f"{base_url}/{str(request.get('url', '')).lstrip('/')}"
    error = error_for_status(status, method=method, url=url, detail=f"{ref}: {detail}", nct_id=nct_id)
    return EntryFailure(index, ref, error)


def failed_entries(
    sent: Sequence[Mapping[str, Any]], answers: Sequence[Mapping[str, Any]], *, nct_id: str, base_url: str
) -> list[EntryFailure]:
    """Return the entries of a batch whose answers are not 2xx (or missing), with the server's words."""
    failures = []
    for index, entry in enumerate(sent):
        answer = answers[index] if index < len(answers) else {}
        status = entry_status(answer)
        if status is not None and 200 <= status < 300:
            continue
        response = child(answer, "response")
        detail = outcome_text(response.get("outcome")) or (
            "no OperationOutcome" if answer else "the server's answer has no entry for it"
        )
        failures.append(
            entry_failure(entry, index, status=status, detail=detail, nct_id=nct_id, base_url=base_url)
        )
    return failures


def rejected_transaction(
    response: requests.Response, bundle: Mapping[str, Any], *, nct_id: str, base_url: str
) -> ServerError:
    """Return the error for a refused transaction, naming the entry the server blamed where it can be told."""
    plain = error_from_response(response, method="POST", url=base_url, nct_id=nct_id)
    if not isinstance(plain, FatalServerError) or plain.status is None:
        return plain  # retryable: the whole request failed, no entry is to blame
    sent = entries(bundle)
    blamed = blamed_entries(sent, json_body(response))
    failures = [
        entry_failure(sent[i], i, status=plain.status, detail=plain.detail, nct_id=nct_id, base_url=base_url)
        for i in blamed
    ]
    detail = f"{failures[0].resource}: {plain.detail}" if failures else plain.detail
    return BundleRejected(
        method="POST", url=plain.url, status=plain.status, detail=detail, nct_id=nct_id, failures=failures
    )


def blamed_entries(sent: Sequence[Mapping[str, Any]], outcome: Any) -> list[int]:
    """Return the indexes of the entries an OperationOutcome's issue expressions point at, in order."""
    blamed: list[int] = []
    issues = outcome.get("issue") if isinstance(outcome, Mapping) else None
    for issue in issues if isinstance(issues, list) else []:
        expressions = issue.get("expression") if isinstance(issue, Mapping) else None
        for expression in expressions if isinstance(expressions, list) else []:
            index = _blamed_index(sent, str(expression))
            if index is not None and index not in blamed:
                blamed.append(index)
    return blamed


def _blamed_index(sent: Sequence[Mapping[str, Any]], expression: str) -> int | None:
    if match := _ENTRY_EXPRESSION.match(expression):
        index = int(match.group(1))
        return index if index < len(sent) else None
    if match := _TYPE_EXPRESSION.match(expression):
        of_type = [i for i, e in enumerate(sent) if resource_ref(e).resource_type == match.group(1)]
        return of_type[0] if len(of_type) == 1 else None
    return None


def assigned_reference(answer: Mapping[str, Any]) -> str | None:
    """Return `Type/id` of what a response entry wrote, from its location or its resource.

    >>> assigned_reference({"response": {"status": "201", "location": "http://x/Group/ab-1/_history/1"}})
    'Group/ab-1'
    """
    response = child(answer, "response")
    location = response.get("location")
    if isinstance(location, str) and (match := _LOCATION.search(location.split("?")[0])):
        return f"{match.group(1)}/{match.group(2)}"
    resource = answer.get("resource")
    if isinstance(resource, Mapping) and resource.get("resourceType") and resource.get("id"):
        return f"{resource['resourceType']}/{resource['id']}"
    return None


def written_version(answer: Mapping[str, Any]) -> str | None:
    """Return the version a response entry reports for what it wrote (its location, etag or resource).

    >>> written_version({"response": {"status": "200", "location": "Group/ab-1/_history/3"}})
    '3'
    >>> written_version({"response": {"status": "201", "etag": 'W/"4"'}})
    '4'
    """
    response = child(answer, "response")
    location = str(response.get("location") or "").split("?")[0]
    if match := re.search(r"/_history/([A-Za-z0-9\-.]{1,64})/?$", location):
        return match.group(1)
    etag = str(response.get("etag") or "").removeprefix("W/").strip('"')
    if etag:
        return etag
    version = child(child(answer, "resource"), "meta").get("versionId")
    return str(version) if version else None


def response_entry(response: requests.Response) -> Json:
    """Return a batch-response entry for a plain response: status, location, etag, resource or outcome."""
    answer: Json = {"response": {"status": f"{response.status_code} {response.reason or ''}".strip()}}
    location = response.headers.get("Location") or response.headers.get("Content-Location")
    if location:
        answer["response"]["location"] = location
    if response.headers.get("ETag"):
        answer["response"]["etag"] = response.headers["ETag"]
    body = json_body(response)
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        answer["response"]["outcome"] = body
    elif isinstance(body, dict) and body.get("resourceType"):
        answer["resource"] = body
    return answer


def written(response: requests.Response) -> Written:
    """Return what a plain write's answer says: status, `Type/id`, version (from the ETag) and resource."""
    answer = response_entry(response)
    resource = answer.get("resource")
    etag = response.headers.get("ETag", "")
    version = etag.removeprefix("W/").strip('"') or None
    if version is None and isinstance(resource, dict):
        version = (resource.get("meta") or {}).get("versionId")
    return Written(response.status_code, assigned_reference(answer), version, resource)
