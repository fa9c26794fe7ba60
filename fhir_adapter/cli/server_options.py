"""The options that reach a FHIR server (`--server`, auth, TLS), shared by `push` and `validate --server`.

Files named by these options are checked before anything is sent, so a missing one is a usage error that
names the flag and the path, not a traceback or a failure repeated for every trial.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from fhir_adapter.cli.exit_codes import EXIT_CANNOT_PROCEED, EXIT_USAGE
from fhir_adapter.client import FhirClient, ServerValidation
from fhir_adapter.client.smart import load_private_key
from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import AuthKind, AuthSettings, Settings, parse_auth_kind

Run = Callable[[argparse.Namespace], int]


def add_server_arguments(parser: argparse.ArgumentParser, *, required: bool, server_help: str) -> None:
    """Add `--server URL` and the auth and TLS options to `parser`."""
    parser.add_argument("--server", required=required, metavar="URL", help=server_help)
    auth = parser.add_argument_group("authentication (secrets are read from the environment variables named)")
    auth.add_argument("--auth", default="none", help="none | bearer | basic | client-secret | smart")
    auth.add_argument("--token-env", metavar="VAR", help="bearer: variable holding the access token")
    auth.add_argument("--username", help="basic: the user name")
    auth.add_argument("--password-env", metavar="VAR", help="basic: variable holding the password")
    auth.add_argument("--client-id", help="client-secret, smart: the client id")
    auth.add_argument("--client-secret-env", metavar="VAR", help="client-secret: variable holding the secret")
    auth.add_argument("--token-url", help="token endpoint (smart: instead of .well-known discovery)")
    auth.add_argument("--scope", help='e.g. "system/ResearchStudy.write system/Group.write"')
    auth.add_argument("--private-key", type=Path, metavar="PEM", help="smart: the private key file")
    auth.add_argument("--key-id", help="smart: the key's kid in the JWKS the server knows")
    auth.add_argument("--algorithm", default="RS384", help="smart: RS384 (default) or ES384")
    tls = parser.add_argument_group("TLS")
    tls.add_argument("--ca-bundle", type=Path, help="trust this CA bundle (PEM, or a c_rehash folder) too")
    tls.add_argument("--insecure-no-verify-tls", action="store_true", help="turn TLS certificate checks off")


def settings_from(args: argparse.Namespace) -> Settings:
    """Return the run's Settings from the flags; SettingsError when they are incomplete or name a file
    that cannot be used (checked here, before any request, so the error names the flag)."""
    auth = AuthSettings(
        kind=parse_auth_kind(args.auth),
        token_env=args.token_env,
        username=args.username,
        password_env=args.password_env,
        client_id=args.client_id,
        client_secret_env=args.client_secret_env,
        token_url=args.token_url,
        scope=args.scope,
        private_key_path=args.private_key,
        key_id=args.key_id,
        algorithm=args.algorithm,
    )
    settings = Settings(
        base_url=args.server, auth=auth, verify_tls=not args.insecure_no_verify_tls, ca_bundle=args.ca_bundle
    )
    if settings.ca_bundle is not None:
        check_readable(settings.ca_bundle, flag="--ca-bundle", folder_too=True)
    if auth.kind is AuthKind.SMART and auth.private_key_path is not None:
        check_readable(auth.private_key_path, flag="--private-key")
        try:
            load_private_key(auth.private_key_path, algorithm=auth.algorithm)
        except SettingsError as exc:
            raise SettingsError(f"--private-key: {exc}") from None
    return settings


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
        if not args.server:
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
