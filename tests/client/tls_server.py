"""A TLS-terminating proxy on 127.0.0.1 that requires a client certificate, in front of the test FHIR server,
and the throwaway PKI it needs (a CA, a server certificate, a client certificate), made with `cryptography`.

Hospital gateways often sit in front of the EHR's FHIR server this way (mutual TLS). The proxy is the fault
proxy (faulty_proxy.py) forwarding every answer as it is, its listening socket wrapped in an `ssl` context
that demands a certificate signed by the test CA.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.client.faulty_proxy import FaultyServer

Key = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Pki:
    """PEM files: the CA's certificate, the server's certificate and key, the client's certificate and key."""

    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path  # a client certificate from a CA the server does not trust
    stranger_key: Path


def make_pki(folder: Path) -> Pki:
    """Return a fresh CA, a server certificate for 127.0.0.1/localhost and client certificates, as files."""
    ca_key, ca_cert = _self_signed("fhir-adapter test CA")
    stranger_ca_key, stranger_ca = _self_signed("some other CA")
    server_key, server_cert = _issued("127.0.0.1", ca_key, ca_cert, server=True)
    client_key, client_cert = _issued("fhir-adapter client", ca_key, ca_cert, server=False)
    stranger_key, stranger_cert = _issued("stranger", stranger_ca_key, stranger_ca, server=False)
    files = {
        "ca_cert": _pem_cert(ca_cert),
        "server_cert": _pem_cert(server_cert),
        "server_key": _pem_key(server_key),
        "client_cert": _pem_cert(client_cert),
        "client_key": _pem_key(client_key),
        "stranger_cert": _pem_cert(stranger_cert),
        "stranger_key": _pem_key(stranger_key),
    }
    for name, data in files.items():
        (folder / f"{name}.pem").write_bytes(data)
    return Pki(**{name: folder / f"{name}.pem" for name in files})


class MutualTlsProxy:
    """`https://127.0.0.1:PORT` forwarding to `upstream`; the handshake fails without a trusted client cert."""

    def __init__(self, pki: Pki, *, upstream: str) -> None:
        self._proxy = FaultyServer(upstream=upstream)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki.server_cert, pki.server_key)
        context.load_verify_locations(cafile=pki.ca_cert)
        context.verify_mode = ssl.CERT_REQUIRED
        listener = self._proxy._server  # the proxy's own ThreadingHTTPServer, a test helper of ours
        # The handshake runs in the handler's thread, on first read, so a refused client does not stall
        # the accepting thread.
        listener.socket = context.wrap_socket(
            listener.socket, server_side=True, do_handshake_on_connect=False
        )
        listener.handle_error = lambda request, address: None  # type: ignore[method-assign,assignment]  # refused
        self.base_url = self._proxy.base_url.replace("http://", "https://")

    def __enter__(self) -> MutualTlsProxy:
        self._proxy.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._proxy.stop()

    @property
    def requests_forwarded(self) -> int:
        return len(self._proxy.seen)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return builder.not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(
        now + datetime.timedelta(days=1)
    )


def _self_signed(common_name: str) -> tuple[Key, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return key, _validity(builder).sign(key, hashes.SHA256())


def _issued(
    common_name: str, ca_key: Key, ca_cert: x509.Certificate, *, server: bool
) -> tuple[Key, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if server:
        names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return key, _validity(builder).sign(ca_key, hashes.SHA256())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _pem_key(key: Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
