"""pytest fixtures for the in-memory FHIR R4 test server.

Register from tests/conftest.py with ``pytest_plugins = ["tests.fhir_server.plugin"]``.

- ``fhir_server`` (session): one started :class:`FhirTestServer` for the whole run.
- ``clean_fhir_server`` (function): the same server, emptied before the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .harness import FhirTestServer


@pytest.fixture(scope="session")
def fhir_server() -> Iterator[FhirTestServer]:
    """One running test FHIR server for the whole session (npm ci on first use, stopped at the end)."""
    server = FhirTestServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def clean_fhir_server(fhir_server: FhirTestServer) -> Iterator[FhirTestServer]:
    """The session's test FHIR server, emptied (POST /$reset) before the test."""
    fhir_server.reset()
    yield fhir_server
