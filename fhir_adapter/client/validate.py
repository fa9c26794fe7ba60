"""`fhir-adapter validate --server`: the server's `$validate`, asked through the push client.

The same FhirClient as push sends it, so the run's auth, TLS checks, CA bundle, retries and timeouts apply,
and its messages name the method, the URL without query secrets, the status and the server's first
OperationOutcome issue. What the server answers becomes ValidationIssues beside ours (validation/server.py).
A server that does not offer `$validate` (per its CapabilityStatement, or 404/405/501) is a note, not an
error. A failure that would repeat for every file (the server is down, our credentials are refused) is
reported once, and the server is not asked again in this run: `stopped_by` holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fhir_adapter.client.client import NO_OPERATION, FhirClient
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.validation.server import ServerAnswer, answer_from_outcome, unanswered

logger = logging.getLogger(__name__)


class ServerValidation:
    """A ServerValidator (validation/server.py) backed by `client`; call it with one resource or Bundle."""

    def __init__(self, client: FhirClient) -> None:
        self.client = client
        self.stopped_by: FhirAdapterError | None = None
        self._capabilities_unreadable = False

    def __call__(self, resource: Mapping[str, Any]) -> ServerAnswer:
        resource_type = str(resource.get("resourceType", "Resource"))
        base = self.client.base_url
        if self.stopped_by is not None:
            note = f"{base} $validate not asked: the server failed earlier in this run"
            return ServerAnswer((), False, note)
        try:
            if not self._offers_validate(resource_type):
                note = f"{base} does not offer $validate for {resource_type} (per its CapabilityStatement)"
                return ServerAnswer((), False, note)
            status, outcome = self.client.validate(resource)
        except FhirAdapterError as exc:
            if exc.stops_run:
                self.stopped_by = exc
            logger.info("validate: server: %s", exc)
            return unanswered(resource_type, str(exc))
        url = f"{base}/{resource_type}/$validate"
        if outcome is None and status in NO_OPERATION:
            note = f"{base} does not support $validate for {resource_type} (POST {url} -> {status})"
            return ServerAnswer((), False, note)
        if outcome is None:
            text = f"POST {url} -> {status}: the answer is not an OperationOutcome"
            return unanswered(resource_type, text, supported=True)
        return answer_from_outcome(resource_type, outcome, server=base, status=status)

    def _offers_validate(self, resource_type: str) -> bool:
        """Return whether the CapabilityStatement lists $validate; a server without a readable one is asked.

        Errors that stop a run (the server is down, credentials refused) rise to the caller.
        """
        if self._capabilities_unreadable:
            return True
        try:
            capabilities = self.client.capabilities()
        except FhirAdapterError as exc:
            if exc.stops_run:
                raise
            logger.info("validate: server: no CapabilityStatement (%s); asking $validate anyway", exc)
            self._capabilities_unreadable = True
            return True
        return capabilities.supports_validate(resource_type)
