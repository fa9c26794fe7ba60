"""Optional layer: a FHIR server's own `$validate`, reported beside ours (layer "server").

Validation sends nothing itself: it runs before client/ in the stages (docs/architecture.md, "Stages"), and a
call to a hospital's server needs the push client's auth, TLS settings, CA bundle, retries and timeouts. The
caller passes the step as a `ServerValidator` (`fhir_adapter.client.ServerValidation` is the real one); this
module turns what the server answered into ValidationIssues. `$validate` is a type-level operation
(https://hl7.org/fhir/R4/resource-operation-validate.html): `POST [base]/[type]/$validate`, for a Bundle too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_adapter.errors import counted
from fhir_adapter.validation.issues import Severity, ValidationIssue

LAYER = "server"
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


# Takes one resource or Bundle, returns the server's answer; never raises for what the server did.
ServerValidator = Callable[[Mapping[str, Any]], ServerAnswer]


def validate_on_server(resource: Mapping[str, Any], server: ServerValidator) -> ServerAnswer:
    """Return `server`'s $validate answer for `resource` as ValidationIssues."""
    return server(resource)


def answer_from_outcome(
    resource_type: str, outcome: Mapping[str, Any], *, server: str, status: int
) -> ServerAnswer:
    """Return the issues of the OperationOutcome that `server`'s $validate answered with `status`.

    >>> outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "fatal", "code": "structure",
    ...     "diagnostics": "bad JSON", "expression": ["Group.type"]}]}
    >>> answer = answer_from_outcome("Group", outcome, server="https://x.org/fhir", status=400)
    >>> [(i.severity, i.location, i.message) for i in answer.issues], answer.note
    ([('error', 'Group.type', 'bad JSON')], 'https://x.org/fhir $validate answered 400: 1 issue')
    """
    raw_issues = outcome.get("issue")
    found = [raw for raw in raw_issues if isinstance(raw, dict)] if isinstance(raw_issues, list) else []
    issues = tuple(_issue(resource_type, raw) for raw in found)
    return ServerAnswer(
        issues, True, f"{server} $validate answered {status}: {counted(len(issues), 'issue')}"
    )


def unanswered(resource_type: str, text: str, *, supported: bool = False) -> ServerAnswer:
    """Return a warning that the server gave no usable answer: our own layers' verdict stands alone."""
    issue = ValidationIssue(resource_type, resource_type, "warning", text, LAYER)
    return ServerAnswer((issue,), supported, "no usable $validate answer from the server (see its warning)")


def _issue(resource_type: str, raw: Mapping[str, Any]) -> ValidationIssue:
    expressions = raw.get("expression") or raw.get("location") or [resource_type]
    details = raw.get("details", {}) if isinstance(raw.get("details"), dict) else {}
    message = details.get("text") or raw.get("diagnostics") or str(raw.get("code", "no details"))
    severity = SEVERITIES.get(str(raw.get("severity")), "error")
    code = raw.get("code") if isinstance(raw.get("code"), str) else None
    return ValidationIssue(resource_type, str(expressions[0]), severity, str(message), LAYER, code)
