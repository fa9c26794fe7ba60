"""Fixtures for the sync tests: the fake ClinicalTrials.gov API (tests/ctgov_api), fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.ctgov_api.server import FakeCtgovApi, load_studies


@pytest.fixture(scope="session")
def fixture_studies() -> dict[str, dict[str, Any]]:
    """The fixture records, read once per session (the fake copies them, so tests may change its copy)."""
    return load_studies()


@pytest.fixture
def ctgov_api(fixture_studies: dict[str, dict[str, Any]]) -> Iterator[FakeCtgovApi]:
    """The fake ClinicalTrials.gov API on a free 127.0.0.1 port, serving every fixture record."""
    with FakeCtgovApi(fixture_studies) as api:
        yield api
