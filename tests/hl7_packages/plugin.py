"""pytest fixtures for HL7's official packages (register with ``pytest_plugins``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hl7_packages import R4_EXAMPLES, R5_CORE, hl7_package


@pytest.fixture(scope="session")
def r4_examples() -> Path:
    """The folder of npm ``hl7.fhir.r4.examples`` 4.0.1 (one JSON resource per file)."""
    return hl7_package(R4_EXAMPLES)


@pytest.fixture(scope="session")
def r5_core() -> Path:
    """The folder of npm ``hl7.fhir.r5.core`` 5.0.0 (one JSON resource per file)."""
    return hl7_package(R5_CORE)
