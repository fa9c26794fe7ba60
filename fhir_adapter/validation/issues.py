"""What a validation layer reports: one issue per problem, located by a FHIRPath-like path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "information"]


@dataclass(frozen=True)
class ValidationIssue:
    """One problem: where (resource and path), how bad, what, and which layer found it.

    `code` is the OperationOutcome issue type (http://hl7.org/fhir/issue-type) when the layer knows a more
    precise one than its default (a server's own answer, for instance).
    """

    resource: str
    location: str
    severity: Severity
    message: str
    layer: str
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.severity}: {self.location}: {self.message} [{self.layer}]"


def fhirpath(resource_type: str, path: Iterable[str | int]) -> str:
    """Return a path such as ResearchStudy.identifier[0].system from a JSON path.

    >>> fhirpath("ResearchStudy", ["identifier", 0, "system"])
    'ResearchStudy.identifier[0].system'
    """
    text = resource_type
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text
