"""Mutual TLS for real: `push` through a TLS proxy that demands a client certificate (tls_server.py), in
front of the test FHIR server. With our certificate the trial lands; without it, or with one the gateway
does not trust, or without the CA bundle, the run stops at once and says what to check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from fhir_adapter.cli import EXIT_CANNOT_PROCEED, EXIT_OK, main
from tests.client.tls_server import MutualTlsProxy, Pki, make_pki
from tests.conftest import SEED
from tests.fhir_server.harness import FhirTestServer

NCT = "NCT06158412"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def gateway(clean_fhir_server: FhirTestServer, pki: Pki) -> Iterator[MutualTlsProxy]:
    with MutualTlsProxy(pki, upstream=clean_fhir_server.base_url) as proxy:
        yield proxy


def _push(gateway: MutualTlsProxy, tmp_path: Path, *tls: str) -> list[str]:
    return [
        "push",
        str(SEED),
        "--server",
        gateway.base_url,
        "--journal",
        str(tmp_path / "journal.jsonl"),
        "--identifier-base",
        "https://fhir.hospital.example/fhir-adapter",
        *tls,
    ]


def _studies(server: FhirTestServer) -> int:
    found = requests.get(f"{server.base_url}/ResearchStudy", params={"_summary": "count"}, timeout=10)
    total: int = found.json()["total"]
    return total


def test_push_through_a_mutual_tls_gateway_with_our_client_certificate(
    gateway: MutualTlsProxy,
    clean_fhir_server: FhirTestServer,
    pki: Pki,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tls = ["--ca-bundle", str(pki.ca_cert), "--client-cert", str(pki.client_cert)]
    code = main(_push(gateway, tmp_path, *tls, "--client-key", str(pki.client_key)))
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert ": 1 created, 0 updated, 0 unchanged, 0 failed" in out
    assert _studies(clean_fhir_server) == 1
    assert gateway.requests_forwarded > 0


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("no client certificate", "client certificate"),
        ("a certificate from another CA", "client certificate"),
        (
            "no CA bundle",
            "CERTIFICATE_VERIFY_FAILED: the server's certificate is not trusted: see --ca-bundle",
        ),
    ],
)
def test_push_without_a_usable_tls_setup_stops_and_says_why(
    gateway: MutualTlsProxy,
    clean_fhir_server: FhirTestServer,
    pki: Pki,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    case: str,
    reason: str,
) -> None:
    tls = {
        "no client certificate": ["--ca-bundle", str(pki.ca_cert)],
        "a certificate from another CA": [
            "--ca-bundle",
            str(pki.ca_cert),
            "--client-cert",
            str(pki.stranger_cert),
            "--client-key",
            str(pki.stranger_key),
        ],
        "no CA bundle": ["--client-cert", str(pki.client_cert), "--client-key", str(pki.client_key)],
    }[case]
    code = main(_push(gateway, tmp_path, *tls))
    out = capsys.readouterr()
    assert code == EXIT_CANNOT_PROCEED, out
    assert "TLS handshake failed" in out.out + out.err
    assert reason in out.out + out.err
    assert gateway.requests_forwarded == 0
    assert _studies(clean_fhir_server) == 0


def test_a_client_key_without_its_certificate_is_a_usage_error(
    pki: Pki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["push", str(SEED), "--server", "https://127.0.0.1:1", "--client-key", str(pki.client_key)]
    assert main(argv) == 2
    assert "--client-key needs --client-cert" in capsys.readouterr().err
