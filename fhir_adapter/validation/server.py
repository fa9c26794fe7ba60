"""Optional layer: a FHIR server's own `$validate`, reported beside ours (layer "server").

This is the one HTTP call in validation/. It uses `requests` directly, with a timeout and TLS verification,
because validation runs before client/ in the stages (DESIGN.md section 1) and may not import it; one
read-only call needs none of the client's retries or auth. `$validate` is a type-level operation
(https://hl7.org/fhir/R4/resource-operation-validate.html): `POST [base]/[type]/$validate`, for a Bundle too.
A server that does not offer it (not in its CapabilityStatement, or 404/405/501) is reported, not an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from fhir_adapter.validation.issues import Severity, ValidationIssue

LAYER = "server"
DEFAULT_TIMEOUT = (5.0, 60.0)  # connect, read: a large Bundle takes a server a while to validate
FHIR_JSON = "application/fhir+json"
NOT_SUPPORTED = frozenset({404, 405, 501})
SEVERITIES: Mapping[str, Severity] = {
    "fatal": "error",
    "error": "error",
    "warning": "warning",
    "information": "information",
}


@dataclass(frozen=True)
class ServerAnswer:
    """What the server said: its issues, whether it validated at all, and a line saying what happened."""

    issues: tuple[ValidationIssue, ...]
    supported: bool
    note: str


def validate_on_server(
    resource: Mapping[str, Any],
    base_url: str,
    *,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
) -> ServerAnswer:
    """Return the server's $validate answer for `resource` as ValidationIssues."""
    if session is None:
        with requests.Session() as own:
            return validate_on_server(resource, base_url, session=own, timeout=timeout)
    base = base_url.rstrip("/")
    resource_type = str(resource.get("resourceType", "?"))
    if _offers_validate(session, base, resource_type, timeout) is False:
        note = f"{base} does not offer $validate for {resource_type} (per its CapabilityStatement)"
        return ServerAnswer((), False, note)
    url = f"{base}/{resource_type}/$validate"
    headers = {"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
    try:
        response = session.post(url, data=json.dumps(resource), headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        text = f"POST {url} -> no response: {type(exc).__name__}: {exc}"
        return ServerAnswer(
            (ValidationIssue(resource_type, resource_type, "warning", text, LAYER),), False, text
        )
    if response.status_code in NOT_SUPPORTED:
        note = f"{base} does not support $validate for {resource_type} (POST {url} -> {response.status_code})"
        return ServerAnswer((), False, note)
    outcome = _outcome(response)
    if outcome is None:
        text = f"POST {url} -> {response.status_code}: the answer is not an OperationOutcome"
        return ServerAnswer(
            (ValidationIssue(resource_type, resource_type, "warning", text, LAYER),), True, text
        )
    issues = tuple(_issue(resource_type, raw) for raw in outcome.get("issue", []) if isinstance(raw, dict))
    return ServerAnswer(
        issues, True, f"{base} $validate answered {response.status_code}: {len(issues)} issues"
    )


def _offers_validate(
    session: requests.Session, base: str, resource_type: str, timeout: tuple[float, float]
) -> bool | None:
    """Return whether the CapabilityStatement lists $validate, or None when there is none to read."""
    try:
        response = session.get(f"{base}/metadata", headers={"Accept": FHIR_JSON}, timeout=timeout)
        statement = response.json() if response.ok else None
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(statement, dict) or statement.get("resourceType") != "CapabilityStatement":
        return None
    for rest in _dicts(statement.get("rest")):
        operations = _dicts(rest.get("operation"))
        for entry in _dicts(rest.get("resource")):
            if entry.get("type") in (resource_type, "Resource"):
                operations += _dicts(entry.get("operation"))
        if any(_is_validate(operation) for operation in operations):
            return True
    return False


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _is_validate(operation: Mapping[str, Any]) -> bool:
    definition = str(operation.get("definition", ""))
    return operation.get("name") in ("validate", "$validate") or definition.endswith("/Resource-validate")


def _outcome(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        return body
    return None


def _issue(resource_type: str, raw: Mapping[str, Any]) -> ValidationIssue:
    expressions = raw.get("expression") or raw.get("location") or [resource_type]
    details = raw.get("details", {}) if isinstance(raw.get("details"), dict) else {}
    message = details.get("text") or raw.get("diagnostics") or str(raw.get("code", "no details"))
    severity = SEVERITIES.get(str(raw.get("severity")), "error")
    code = raw.get("code") if isinstance(raw.get("code"), str) else None
    return ValidationIssue(resource_type, str(expressions[0]), severity, str(message), LAYER, code)
