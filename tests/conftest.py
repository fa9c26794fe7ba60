"""Shared test fixtures: the fixture corpus, the loaded mapping tables, and a clean environment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.terms import Terms, load_terms

# The real test FHIR server (Node, tests/fhir_server): `fhir_server` (session) and `clean_fhir_server`;
# HL7's official packages from npm (tests/hl7_packages): `r4_examples` and `r5_core`.
pytest_plugins = ["tests.fhir_server.plugin", "tests.hl7_packages.plugin"]

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
CTGOV = FIXTURES / "ctgov"
SEED = CTGOV / "NCT06158412.json"

_SCRUBBED_PREFIXES = ("FHIR_", "FHIR-ADAPTER", "SMART_")
_SCRUBBED_NAMES = {
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run every test without the developer's FHIR settings, tokens or proxies."""
    for name in list(os.environ):
        if name.upper().startswith(_SCRUBBED_PREFIXES) or name.upper() in _SCRUBBED_NAMES:
            monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="session")
def terms() -> Terms:
    return load_terms()


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def study_json(nct_id: str = "NCT06158412") -> dict[str, Any]:
    """Return a fresh, mutable copy of a fixture study."""
    data: dict[str, Any] = load_json(CTGOV / f"{nct_id}.json")
    return data
