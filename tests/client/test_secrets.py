"""No token, password, client secret, client assertion or private key reaches a log line or an error.

Every flow runs with all loggers at DEBUG; the captured text and every raised error (with its causes and
repr) are searched for each secret, and for each line of the PEM so that no part of the key slips out.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses

from fhir_adapter.client import FhirClient
from fhir_adapter.errors import FhirAdapterError
from fhir_adapter.settings import AuthKind, AuthSettings, Settings
from tests.client.conftest import BASE, NCT, TOKEN_URL, MakeClient, outcome, study_bundle
from tests.fhir_server.harness import FhirTestServer

GROUP = f"{BASE}/Group/1"
WELL_KNOWN = f"{BASE}/.well-known/smart-configuration"
SECRETS = {
    "FHIR_TEST_TOKEN": "static-bearer-Zq81",
    "FHIR_TEST_PASSWORD": "basic-pass-Wm27",
    "FHIR_TEST_CLIENT_SECRET": "client-secret-Kx93",
    "FHIR_TEST_KEY_PASSPHRASE": "key-passphrase-Tr55",
}
ISSUED = ["issued-token-Aa11", "issued-token-Bb22"]


@dataclass
class Watch:
    """The run's secrets, the throwaway key files, and every log record at DEBUG."""

    secrets: list[str]
    keys: dict[str, Path]
    logs: pytest.LogCaptureFixture

    def check(self, *texts: str, extra: Sequence[str] = ()) -> None:
        """Fail when any secret (or any of `extra`, found during the flow) occurs in the logs or `texts`."""
        haystack = "\n".join([self.logs.text, *texts])
        leaked = [s for s in [*self.secrets, *extra] if s in haystack]
        assert leaked == [], f"secrets leaked: {[s[:4] + '...' for s in leaked]}"


@pytest.fixture
def watch(
    monkeypatch: pytest.MonkeyPatch, key_files: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> Watch:
    """Every secret of the run (env values, issued tokens, the Basic credential, each PEM line), logs at DEBUG."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    known = [
        *SECRETS.values(),
        *ISSUED,
        base64.b64encode(f"etl:{SECRETS['FHIR_TEST_PASSWORD']}".encode()).decode(),
    ]
    for path in key_files.values():
        known += [line for line in path.read_text().splitlines() if line and not line.startswith("-----")]
    caplog.set_level(logging.DEBUG)
    return Watch(known, key_files, caplog)


def _assertions(fake: responses.RequestsMock) -> list[str]:
    """Return the client assertions the client sent: secrets too, found only after the fact."""
    sent = [
        parse_qs(str(c.request.body)).get("client_assertion", [])
        for c in fake.calls
        if c.request.url == TOKEN_URL
    ]
    return [a for batch in sent for a in batch]


def _error_text(error: BaseException) -> str:
    parts = []
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current)]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


AUTHS: dict[str, Callable[[dict[str, Path]], AuthSettings]] = {
    "bearer": lambda keys: AuthSettings(AuthKind.BEARER, token_env="FHIR_TEST_TOKEN"),
    "basic": lambda keys: AuthSettings(AuthKind.BASIC, username="etl", password_env="FHIR_TEST_PASSWORD"),
    "client-secret": lambda keys: AuthSettings(
        AuthKind.CLIENT_SECRET,
        client_id="adapter",
        client_secret_env="FHIR_TEST_CLIENT_SECRET",
        token_url=TOKEN_URL,
        scope="system/*.write",
    ),
    "smart-rs384": lambda keys: AuthSettings(
        AuthKind.SMART,
        client_id="adapter",
        private_key_path=keys["RS384"],
        key_id="k1",
        algorithm="RS384",
        scope="system/*.write",
    ),
    "smart-es384": lambda keys: AuthSettings(
        AuthKind.SMART,
        client_id="adapter",
        private_key_path=keys["ES384"],
        key_id="k2",
        algorithm="ES384",
        scope="system/*.write",
    ),
}


def _token_endpoint(fake: responses.RequestsMock) -> None:
    fake.get(WELL_KNOWN, json={"token_endpoint": TOKEN_URL})
    for token in ISSUED:
        fake.post(TOKEN_URL, json={"access_token": token, "token_type": "Bearer", "expires_in": 300})


@pytest.mark.parametrize("kind", list(AUTHS))
def test_no_secret_in_logs_or_errors_on_success_renewal_and_refusal(
    fake: responses.RequestsMock,
    make_client: MakeClient,
    watch: Watch,
    kind: str,
) -> None:
    _token_endpoint(fake)
    fake.get(GROUP, status=401, json=outcome("token not accepted"))
    fake.get(GROUP, json={"resourceType": "Group", "id": "1"})
    fake.get(f"{BASE}/Group/2", status=401, json=outcome("token not accepted"))
    fake.post(
        BASE,
        status=422,
        json=outcome("ResearchStudy.status: 'bogus' is not a valid code", expression="ResearchStudy.status"),
    )
    client = make_client(AUTHS[kind](watch.keys))
    errors = []
    for action in (
        lambda: client.read("Group/1"),
        lambda: client.read("Group/1"),
        lambda: client.read("Group/2"),
        lambda: client.send_bundle(study_bundle(status="bogus"), nct_id=NCT),
    ):
        try:
            action()
        except FhirAdapterError as exc:
            errors.append(_error_text(exc))
    assert len(errors) >= 2  # Group/2 refused, the bundle rejected (and, for static auth, the first 401)
    sent = [c.request.headers.get("Authorization", "") for c in fake.calls if c.request.url == GROUP]
    assert any(secret in header for header in sent for secret in watch.secrets)  # the check is not vacuous
    assert "client: GET" in watch.logs.text
    watch.check(*errors, repr(client), repr(client.settings), extra=_assertions(fake))
    assert any(f"401 with auth {kind.removesuffix('-rs384').removesuffix('-es384')}:" in e for e in errors)


@pytest.mark.parametrize("kind", ["client-secret", "smart-rs384", "smart-es384"])
def test_no_secret_in_a_token_endpoint_error_that_echoes_the_request(
    fake: responses.RequestsMock,
    make_client: MakeClient,
    watch: Watch,
    kind: str,
) -> None:
    fake.get(WELL_KNOWN, json={"token_endpoint": TOKEN_URL})

    def echo(request: object) -> tuple[int, dict[str, str], str]:
        body = str(getattr(request, "body", ""))
        assertion = parse_qs(body).get("client_assertion", [""])[0]
        echoed = f"rejected {assertion} for {SECRETS['FHIR_TEST_CLIENT_SECRET']}"
        return (
            401,
            {"Content-Type": "application/json"},
            f'{{"error": "invalid_client", "error_description": "{echoed}"}}',
        )

    fake.add_callback(responses.POST, TOKEN_URL, callback=echo)
    with pytest.raises(FhirAdapterError) as raised:
        make_client(AUTHS[kind](watch.keys)).read("Group/1", nct_id=NCT)
    assert "answered 401: invalid_client (rejected" in str(raised.value)
    watch.check(_error_text(raised.value), extra=_assertions(fake))


def test_no_secret_when_the_key_file_is_wrong_or_locked(
    tmp_path: Path,
    make_client: MakeClient,
    watch: Watch,
) -> None:
    locked = tmp_path / "locked.pem"
    locked.write_text(watch.keys["RS384"].read_text())  # unencrypted, but a passphrase is given: refused
    auth = AuthSettings(
        AuthKind.SMART,
        client_id="c",
        private_key_path=locked,
        key_id="k",
        scope="s",
        token_url=TOKEN_URL,
        private_key_password_env="FHIR_TEST_KEY_PASSPHRASE",
    )
    with pytest.raises(FhirAdapterError) as raised:
        make_client(auth).read("Group/1")
    assert "is not a PEM private key or its passphrase is wrong" in str(raised.value)
    watch.check(_error_text(raised.value))


@pytest.mark.server
@pytest.mark.parametrize("kind", ["bearer", "basic"])
def test_no_secret_in_debug_logs_against_the_real_server(
    clean_fhir_server: FhirTestServer,
    watch: Watch,
    kind: str,
) -> None:
    """Real sockets: urllib3's own DEBUG lines are captured too."""
    with FhirClient(Settings(clean_fhir_server.base_url, auth=AUTHS[kind](watch.keys))) as client:
        assert client.send_bundle(study_bundle(), nct_id=NCT).ok
        with pytest.raises(FhirAdapterError) as raised:
            client.send_bundle(study_bundle(status="bogus"), nct_id=NCT)
    assert "urllib3" in {r.name.split(".")[0] for r in watch.logs.records}
    watch.check(_error_text(raised.value))
