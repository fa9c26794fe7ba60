"""A hospital gateway for trying a deployment against the test FHIR server: TLS that requires a client
certificate (mutual TLS) and SMART Backend Services tokens, forwarding what it lets through to `--upstream`.

    python -m tests.client.gateway --upstream http://127.0.0.1:8080 --port 8443 --pki ops/tls \\
        --smart-public-key ops/smart-public.pem --smart-kid fhir-adapter-1

`--pki DIR` makes a test CA, a server certificate for 127.0.0.1 and a client certificate there (tls_server.py)
unless DIR already holds them. With `--smart-public-key`, `/.well-known/smart-configuration` names `/token`,
which checks the client assertion (signature with that public key, `kid`, `aud`, `exp`, a `jti` never seen
before) with PyJWT and hands out a bearer token that every other request must carry. docs/operations.md's
walk-through runs it; tests/test_operations_walkthrough.py runs that walk-through.
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization

from tests.client.tls_server import Pki, make_pki

FORWARDED_HEADERS = ("Content-Type", "Accept", "If-None-Exist", "If-Match", "If-None-Match", "Prefer")


class Gateway(ThreadingHTTPServer):
    """The gateway's state: where to forward, the SMART key (if any), tokens issued and `jti`s seen."""

    daemon_threads = True

    def __init__(
        self, port: int, *, upstream: str, public_key: Any | None, kid: str | None, tls: bool
    ) -> None:
        super().__init__(("127.0.0.1", port), GatewayHandler)
        self.upstream = urlsplit(upstream)
        self.public_key = public_key
        self.kid = kid
        self.tokens: set[str] = set()
        self.seen_jti: set[str] = set()
        self.lock = threading.Lock()
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a refused handshake is the point of the exercise, not an error to print


class GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Gateway

    def log_message(self, format: str, *args: object) -> None:
        return

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._body()
        gateway = self.server
        if gateway.public_key is not None:
            if self.path == "/.well-known/smart-configuration":
                self._reply(200, _smart_configuration(gateway.base_url))
                return
            if self.path == "/token" and self.command == "POST":
                self._token(body)
                return
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            with gateway.lock:
                known = token in gateway.tokens
            if not known:
                self._reply(
                    401, {"resourceType": "OperationOutcome", "issue": [_issue("login", "no valid token")]}
                )
                return
        self._forward(body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 - http.server's method names

    def _token(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        gateway = self.server
        assert gateway.public_key is not None, "the token endpoint exists only with a SMART public key"
        try:
            header = jwt.get_unverified_header(form.get("client_assertion", ""))
            claims = jwt.decode(
                form.get("client_assertion", ""),
                gateway.public_key,
                algorithms=["RS384", "ES384"],
                audience=f"{gateway.base_url}/token",
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
            )
        except jwt.PyJWTError as exc:
            self._reply(400, {"error": "invalid_client", "error_description": type(exc).__name__})
            return
        with gateway.lock:
            replayed = claims["jti"] in gateway.seen_jti
            gateway.seen_jti.add(claims["jti"])
            allowed = header.get("kid") == gateway.kid and not replayed and claims["iss"] == claims["sub"]
            token = secrets.token_urlsafe(24)
            if allowed:
                gateway.tokens.add(token)
        if not allowed:
            self._reply(400, {"error": "invalid_client", "error_description": "kid, jti or issuer refused"})
            return
        scope = form.get("scope", "")
        self._reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 300, "scope": scope})

    def _forward(self, body: bytes) -> None:
        target = self.server.upstream
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=60)
        try:
            headers = {name: self.headers[name] for name in FORWARDED_HEADERS if self.headers.get(name)}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        self.send_response(answer.status)
        for name in ("Content-Type", "Location", "ETag", "Last-Modified"):
            if answer.getheader(name):
                self.send_header(name, answer.getheader(name, ""))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _issue(code: str, text: str) -> dict[str, Any]:
    return {"severity": "error", "code": code, "details": {"text": text}}


def _smart_configuration(base_url: str) -> dict[str, Any]:
    return {
        "token_endpoint": f"{base_url}/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "capabilities": ["client-confidential-asymmetric"],
    }


def pki_in(folder: Path) -> Pki:
    """Return the PKI in `folder`, made there first when it is not yet."""
    folder.mkdir(parents=True, exist_ok=True)
    names = (
        "ca_cert",
        "server_cert",
        "server_key",
        "client_cert",
        "client_key",
        "stranger_cert",
        "stranger_key",
    )
    if all((folder / f"{name}.pem").is_file() for name in names):
        return Pki(**{name: folder / f"{name}.pem" for name in names})
    return make_pki(folder)


def serve(args: argparse.Namespace) -> Gateway:
    """Return the gateway the options describe, listening (not yet serving)."""
    public_key = None
    if args.smart_public_key is not None:
        public_key = serialization.load_pem_public_key(args.smart_public_key.read_bytes())
    gateway = Gateway(
        args.port, upstream=args.upstream, public_key=public_key, kid=args.smart_kid, tls=args.pki is not None
    )
    if args.pki is not None:
        pki = pki_in(args.pki)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki.server_cert, pki.server_key)
        context.load_verify_locations(cafile=pki.ca_cert)
        context.verify_mode = ssl.CERT_REQUIRED
        gateway.socket = context.wrap_socket(gateway.socket, server_side=True, do_handshake_on_connect=False)
    return gateway


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--upstream", required=True, help="the FHIR server to forward to (http://...)")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument(
        "--pki", type=Path, help="folder of the test CA and certificates: require client certs"
    )
    parser.add_argument("--smart-public-key", type=Path, help="PEM public key of the SMART client")
    parser.add_argument("--smart-kid", help="the kid the client's assertions must carry")
    gateway = serve(parser.parse_args(argv))
    print(f"gateway: {gateway.base_url} -> {gateway.upstream.geturl()}", flush=True)
    gateway.serve_forever()


if __name__ == "__main__":
    main()
