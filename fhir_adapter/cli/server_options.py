"""The options that reach a FHIR server (`--server`, auth, TLS, timeouts, retries), shared by `push`,
`sync`, `screen` and `validate --server`. Each may also come from a `FHIR_ADAPTER_*` variable or the config
file (config.py); messages name where the value came from.

Files named by these options are checked before anything is sent, so a missing one is a usage error that
names the flag (or variable, or config key) and the path, not a traceback or a failure repeated per trial.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from fhir_adapter.cli.config import flag_of
from fhir_adapter.cli.exit_codes import EXIT_CANNOT_PROCEED, EXIT_USAGE
from fhir_adapter.client import FhirClient, ServerValidation
from fhir_adapter.client.smart import load_private_key
from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_TIMEOUT,
    AuthKind,
    AuthSettings,
    RetrySettings,
    Settings,
    parse_auth_kind,
    read_secret,
)

Run = Callable[[argparse.Namespace], int]


def add_server_arguments(parser: argparse.ArgumentParser, *, required: bool, server_help: str) -> None:
    """Add `--server URL` and the auth, TLS, timeout and retry options to `parser`. With `required`, the
    command needs a server from the flag, FHIR_ADAPTER_SERVER or the config file (settings_from checks)."""
    needed = " (or FHIR_ADAPTER_SERVER, or server in the config file)" if required else ""
    parser.add_argument("--server", metavar="URL", help=server_help + needed)
    auth = parser.add_argument_group(
        "authentication (secrets are read from the environment variables or files named, never given)"
    )
    auth.add_argument("--auth", default="none", help="none | bearer | basic | client-secret | smart")
    auth.add_argument("--token-env", metavar="VAR", help="bearer: variable holding the access token")
    auth.add_argument("--token-file", type=Path, metavar="FILE", help="bearer: file holding it")
    auth.add_argument("--username", help="basic: the user name")
    auth.add_argument("--password-env", metavar="VAR", help="basic: variable holding the password")
    auth.add_argument("--password-file", type=Path, metavar="FILE", help="basic: file holding the password")
    auth.add_argument("--client-id", help="client-secret, smart: the client id")
    auth.add_argument("--client-secret-env", metavar="VAR", help="client-secret: variable holding the secret")
    auth.add_argument("--client-secret-file", type=Path, metavar="FILE", help="client-secret: its file")
    auth.add_argument("--token-url", help="token endpoint (smart: instead of .well-known discovery)")
    auth.add_argument("--scope", help='e.g. "system/ResearchStudy.write system/Group.write"')
    auth.add_argument("--private-key", type=Path, metavar="PEM", help="smart: the private key file")
    auth.add_argument(
        "--private-key-password-env", metavar="VAR", help="smart: variable holding the key's passphrase"
    )
    auth.add_argument("--key-id", help="smart: the key's kid in the JWKS the server knows")
    auth.add_argument("--algorithm", default="RS384", help="smart: RS384 (default) or ES384")
    tls = parser.add_argument_group("TLS")
    tls.add_argument("--ca-bundle", type=Path, help="trust this CA bundle (PEM, or a c_rehash folder) too")
    tls.add_argument("--client-cert", type=Path, metavar="PEM", help="mutual TLS: our certificate")
    tls.add_argument("--client-key", type=Path, metavar="PEM", help="mutual TLS: its key (unencrypted PEM)")
    tls.add_argument("--insecure-no-verify-tls", action="store_true", help="turn TLS certificate checks off")
    budget = parser.add_argument_group("timeouts and retries")
    budget.add_argument(
        "--connect-timeout", type=float, metavar="S", help=f"seconds (default {DEFAULT_TIMEOUT[0]:g})"
    )
    budget.add_argument(
        "--read-timeout", type=float, metavar="S", help=f"seconds (default {DEFAULT_TIMEOUT[1]:g})"
    )
    budget.add_argument(
        "--max-attempts", type=int, metavar="N", help=f"tries per request (default {DEFAULT_MAX_ATTEMPTS})"
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Return the run's Settings from the flags, variables and config file (already layered into `args`);
    SettingsError when they are incomplete or name a file that cannot be used (checked here, before any
    request, so the error names the flag, variable or config key)."""
    if not args.server:
        raise SettingsError(
            f"{args.command} needs --server URL (or FHIR_ADAPTER_SERVER, or server in the config file)"
        )
    settings = Settings(
        base_url=_server_url(args),
        auth=_auth_settings(args),
        timeout=(args.connect_timeout or DEFAULT_TIMEOUT[0], args.read_timeout or DEFAULT_TIMEOUT[1]),
        retry=RetrySettings(max_attempts=args.max_attempts or DEFAULT_MAX_ATTEMPTS),
        verify_tls=not args.insecure_no_verify_tls,
        ca_bundle=args.ca_bundle,
        client_cert=args.client_cert,
        client_key=args.client_key,
    )
    _check_files(settings, args)
    return settings


def _server_url(args: argparse.Namespace) -> str:
    try:
        return Settings(base_url=args.server).base_url
    except SettingsError as exc:
        raise SettingsError(f"{source_of(args, 'server')}: {exc}") from None


def _auth_settings(args: argparse.Namespace) -> AuthSettings:
    return AuthSettings(
        kind=parse_auth_kind(args.auth),
        token_env=args.token_env,
        token_file=args.token_file,
        username=args.username,
        password_env=args.password_env,
        password_file=args.password_file,
        client_id=args.client_id,
        client_secret_env=args.client_secret_env,
        client_secret_file=args.client_secret_file,
        token_url=args.token_url,
        scope=args.scope,
        private_key_path=args.private_key,
        private_key_password_env=args.private_key_password_env,
        key_id=args.key_id,
        algorithm=args.algorithm,
    )


def _check_files(settings: Settings, args: argparse.Namespace) -> None:
    """Raise SettingsError naming where a file came from when it cannot be used."""
    auth = settings.auth
    if settings.ca_bundle is not None:
        check_readable(settings.ca_bundle, flag=source_of(args, "ca_bundle"), folder_too=True)
    for key, path in (
        ("client_cert", settings.client_cert),
        ("client_key", settings.client_key),
        ("token_file", auth.token_file),
        ("password_file", auth.password_file),
        ("client_secret_file", auth.client_secret_file),
    ):
        if path is not None:
            check_readable(path, flag=source_of(args, key))
    if auth.kind is AuthKind.SMART and auth.private_key_path is not None:
        where = source_of(args, "private_key")
        check_readable(auth.private_key_path, flag=where)
        env = auth.private_key_password_env
        try:
            load_private_key(
                auth.private_key_path, algorithm=auth.algorithm, password=read_secret(env) if env else None
            )
        except SettingsError as exc:
            raise SettingsError(f"{where}: {exc}") from None


def source_of(args: argparse.Namespace, key: str) -> str:
    """Return where the setting `key` came from: its flag, variable or config key (its flag by default)."""
    sources: dict[str, object] = getattr(args, "sources", {})
    return str(sources.get(key, flag_of(key)))


def check_readable(path: Path, *, flag: str, folder_too: bool = False) -> None:
    """Raise SettingsError naming `flag` and `path` unless `path` is a readable file (or folder)."""
    if not path.exists():
        raise SettingsError(f"{flag} {path}: no such file")
    if path.is_dir() and not folder_too:
        raise SettingsError(f"{flag} {path}: is a directory, not a file")
    try:
        if path.is_file():
            with path.open("rb"):
                pass
    except OSError as exc:
        raise SettingsError(f"{flag} {path}: cannot be read ({exc.strerror or exc})") from None


def with_server_validation(run: Run) -> Run:
    """Return `run` with `args.server_check` set: the `$validate` step for `--server`, or None without it.

    The step sends through the push client (auth, TLS, CA bundle, retries). When the server failed in a way
    that stops the run (down, credentials refused), the exit code is EXIT_CANNOT_PROCEED: the files were
    still checked by our own layers and reported, but not by the server as asked.
    """

    @functools.wraps(run)
    def wrapped(args: argparse.Namespace) -> int:
        if not args.server:  # validate: the server's $validate only when a server is named
            args.server_check = None
            return run(args)
        with FhirClient(settings_from(args)) as client:
            check = args.server_check = ServerValidation(client)
            code = run(args)
        if check.stopped_by is None or code == EXIT_USAGE:
            return code
        print(f"fhir-adapter: the server's $validate could not be used: {check.stopped_by}", file=sys.stderr)
        return EXIT_CANNOT_PROCEED

    return wrapped
