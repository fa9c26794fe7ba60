"""Fixtures for the client tests: a fake server (`responses`), a frozen clock, recorded sleeps, throwaway keys.

The real test FHIR server's fixtures (`fhir_server`, `clean_fhir_server`) come from the plugin that
tests/conftest.py registers; pytest refuses `pytest_plugins` in a conftest below the root one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fhir_adapter.client import Capabilities, FhirClient
from fhir_adapter.settings import AuthSettings, RetrySettings, Settings

BASE = "https://fhir.example.org/fhir"
TOKEN_URL = "https://auth.example.org/token"
CTGOV = "https://clinicaltrials.gov"
NCT = "NCT00000001"
START = 1_750_000_000.0  # the frozen clock's start, seconds since the epoch

FULL = Capabilities("4.0.1", transaction=True, batch=True, conditional_update=frozenset({"*"}))
BATCH_ONLY = Capabilities("4.0.1", transaction=False, batch=True, conditional_update=frozenset({"*"}))
NEITHER = Capabilities("4.0.1", transaction=False, batch=False, conditional_update=frozenset({"*"}))

Json = dict[str, Any]


@dataclass
class FrozenClock:
    """A clock that moves only when told to."""

    now: float = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Sleeps:
    """Records each wait instead of waiting."""

    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    """A fake server: only the answers a test registers; any other request fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


MakeClient = Callable[..., FhirClient]


@pytest.fixture
def make_client(clock: FrozenClock, sleeps: Sleeps) -> Iterator[MakeClient]:
    """Return a factory of clients on BASE with the frozen clock, recorded sleeps and jitter 1.0."""
    made: list[FhirClient] = []

    def factory(
        auth: AuthSettings | None = None,
        *,
        capabilities: Capabilities | None = FULL,
        retry: RetrySettings | None = None,
        base_url: str = BASE,
        **settings: Any,
    ) -> FhirClient:
        client = FhirClient(
            Settings(base_url, auth=auth or AuthSettings(), retry=retry or RetrySettings(), **settings),
            capabilities=capabilities,
            sleep=sleeps,
            clock=clock,
            jitter=lambda: 1.0,
        )
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture(scope="session")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Throwaway private keys made for this run (never committed): RS384 -> RSA 2048, ES384 -> EC P-384."""
    folder = tmp_path_factory.mktemp("keys")
    keys: dict[str, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey] = {
        "RS384": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES384": ec.generate_private_key(ec.SECP384R1()),
    }
    paths = {}
    for algorithm, key in keys.items():
        path = folder / f"{algorithm}.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        paths[algorithm] = path
    return paths


def study_entry(nct: str = NCT, *, status: str = "active", group_urn: str | None = None) -> Json:
    """A ResearchStudy by conditional PUT without id, optionally enrolling a Group by urn:uuid."""
    study: Json = {
        "resourceType": "ResearchStudy",
        "identifier": [{"use": "official", "system": CTGOV, "value": nct}],
        "status": status,
    }
    if group_urn:
        study["enrollment"] = [{"reference": group_urn}]
    return {
        "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, nct + '/study')}",
        "resource": study,
        "request": {"method": "PUT", "url": f"ResearchStudy?identifier={CTGOV}|{nct}"},
    }


def group_entry(nct: str = NCT) -> Json:
    """An eligibility Group by conditional PUT without id."""
    system = "https://fhir-adapter.invalid/fhir/sid/ctgov-eligibility"
    return {
        "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, nct + '/group')}",
        "resource": {
            "resourceType": "Group",
            "identifier": [{"system": system, "value": nct}],
            "type": "person",
            "actual": False,
        },
        "request": {"method": "PUT", "url": f"Group?identifier={system}|{nct}"},
    }


def study_bundle(nct: str = NCT, *, status: str = "active") -> Json:
    """A transaction: the Group first, then the ResearchStudy that references it by urn:uuid."""
    group = group_entry(nct)
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [group, study_entry(nct, status=status, group_urn=group["fullUrl"])],
    }


def outcome(text: str, *, expression: str | None = None) -> Json:
    issue: Json = {"severity": "error", "code": "invalid", "details": {"text": text}}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
