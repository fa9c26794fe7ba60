"""Where each setting comes from: a flag, else a `FHIR_ADAPTER_*` environment variable, else the config file
(`fhir-adapter.toml`, its top-level keys overlaid by the chosen `[profiles.NAME]` table), else the default.

The file holds server URLs, auth kinds and the *names* of the environment variables or files that hold
secrets, never a secret: a key that looks like one is refused, naming the key and not its value. Relative
paths in the file are relative to the file, so a deployment folder can be moved whole. Every value keeps
where it came from (`--client-cert`, `FHIR_ADAPTER_CLIENT_CERT`, `client_cert in ops/fhir-adapter.toml
[profiles.prod]`), so an error names the place to fix.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fhir_adapter.cli.versions import fhir_version
from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import read_env
from fhir_adapter.terms import DEFAULT_IDENTIFIER_BASE

logger = logging.getLogger(__name__)

CONFIG_NAME = "fhir-adapter.toml"  # read from the working directory when nothing names another
ENV_PREFIX = "FHIR_ADAPTER_"
# The commands that build resources, so take --identifier-base.
BUILDING_COMMANDS = ("convert", "push", "sync", "screen", "report")
WRITING_COMMANDS = ("push", "sync")  # where the placeholder namespace earns a warning
FLAG_ONLY_SERVER = ("validate",)  # asks a server's $validate only when --server names one
# Keys that would put a secret in the file; the message says what to write instead.
SECRET_KEYS = {
    "token": "token_env or token_file",
    "password": "password_env or password_file",
    "client_secret": "client_secret_env or client_secret_file",
    "private_key_password": "private_key_password_env",
    "secret": "an *_env or *_file key",
}


@dataclass(frozen=True)
class Source:
    """Where a value came from, as the operator would write it."""

    text: str

    def __str__(self) -> str:
        return self.text


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise SettingsError(f"{where}: must be a non-empty string, not {value!r}")
    return value


def _integer(value: Any, where: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{where}: must be a whole number, not {value!r}") from None
    if isinstance(value, bool) or (isinstance(value, float) and value != number):
        raise SettingsError(f"{where}: must be a whole number, not {value!r}")
    return number


def _seconds(value: Any, where: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{where}: must be a number of seconds, not {value!r}") from None
    if isinstance(value, bool) or not seconds > 0:
        raise SettingsError(f"{where}: must be a positive number of seconds, not {value!r}")
    return seconds


def _version(value: Any, where: str) -> Any:
    try:
        return fhir_version(_text(value, where))
    except argparse.ArgumentTypeError as exc:
        raise SettingsError(f"{where}: {exc}") from None


PATH_KEYS = frozenset(
    {
        "token_file",
        "password_file",
        "client_secret_file",
        "private_key",
        "ca_bundle",
        "client_cert",
        "client_key",
        "mappings",
    }
)
Parse = Callable[[Any, str], Any]
# Config key = argparse dest = environment variable suffix. Every flag has the key's name with dashes.
OPTIONS: dict[str, Parse] = {
    "server": _text,
    "auth": _text,
    "token_env": _text,
    "token_file": _text,
    "username": _text,
    "password_env": _text,
    "password_file": _text,
    "client_id": _text,
    "client_secret_env": _text,
    "client_secret_file": _text,
    "token_url": _text,
    "scope": _text,
    "private_key": _text,
    "private_key_password_env": _text,
    "key_id": _text,
    "algorithm": _text,
    "ca_bundle": _text,
    "client_cert": _text,
    "client_key": _text,
    "connect_timeout": _seconds,
    "read_timeout": _seconds,
    "max_attempts": _integer,
    "concurrency": _integer,
    "identifier_base": _text,
    "mappings": _text,  # a list: each item is parsed
    "fhir_version": _version,
}


def flag_of(key: str) -> str:
    """Return the command-line flag of a setting: `client_cert` -> `--client-cert`."""
    return "--" + key.replace("_", "-")


@dataclass(frozen=True)
class ConfigFile:
    """The settings one config file gives a run: its top-level keys overlaid by one profile's."""

    path: Path
    profile: str | None
    values: Mapping[str, Any]

    def source(self, key: str) -> Source:
        table = f" [profiles.{self.profile}]" if self.profile else ""
        return Source(f"{key} in {self.path}{table}")


def read_config(path: Path, profile: str | None) -> ConfigFile:
    """Return the settings of `path` for `profile` (None: the file's `default_profile`, else none)."""
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except OSError as exc:
        raise SettingsError(f"--config {path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"--config {path}: not valid TOML: {exc}") from None
    profiles = document.pop("profiles", {})
    default_profile = document.pop("default_profile", None)
    chosen = profile or default_profile
    values = dict(document)
    if chosen is not None:
        if not isinstance(profiles, dict) or chosen not in profiles:
            known = ", ".join(sorted(profiles)) if isinstance(profiles, dict) and profiles else "none"
            raise SettingsError(f"--profile {chosen}: {path} has no [profiles.{chosen}] (profiles: {known})")
        values.update(profiles[chosen])
    config = ConfigFile(path, chosen, values)
    _check_keys(config)
    return config


def _check_keys(config: ConfigFile) -> None:
    for key in config.values:
        if key in SECRET_KEYS or key.endswith(("_secret", "_password", "_token")):
            instead = SECRET_KEYS.get(key, "an *_env or *_file key")
            raise SettingsError(
                f"{config.source(key)}: secrets never go in the config file; name where it is kept: {instead}"
            )
        if key not in OPTIONS:
            close = difflib.get_close_matches(key, OPTIONS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SettingsError(f"{config.source(key)}: not a setting{hint}")


def find_config(given: Path | None) -> Path | None:
    """Return the config file to read: --config, else $FHIR_ADAPTER_CONFIG, else ./fhir-adapter.toml."""
    if given is not None:
        return given
    named = read_env(f"{ENV_PREFIX}CONFIG")
    if named:
        return Path(named)
    local = Path(CONFIG_NAME)
    return local if local.is_file() else None


def add_config_arguments(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """Add `--config FILE` and `--profile NAME` (after the command too, where they override nothing)."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        metavar="FILE",
        help=f"settings file (default: $FHIR_ADAPTER_CONFIG, else ./{CONFIG_NAME} if there is one)",
    )
    parser.add_argument(
        "--profile", default=default, metavar="NAME", help="the [profiles.NAME] table of the settings file"
    )


def prepare_layers(commands: Mapping[str, argparse.ArgumentParser]) -> None:
    """Make every configurable flag of `commands` default to None, keeping its real default aside, so a
    value given on the command line can be told from one that was not; add --identifier-base and
    --config/--profile to the commands."""
    for name, parser in commands.items():
        add_config_arguments(parser, top_level=False)
        if name in BUILDING_COMMANDS:
            parser.add_argument(
                "--identifier-base",
                metavar="URL",
                help="namespace of the identifiers, code systems and extensions we write, under a domain "
                f"your organisation controls (default: the placeholder {DEFAULT_IDENTIFIER_BASE})",
            )
        originals = {key: parser.get_default(key) for key in OPTIONS}
        parser.set_defaults(layer_defaults=originals, **dict.fromkeys(OPTIONS))


def apply_layers(args: argparse.Namespace) -> None:
    """Fill each setting the command line left out from the environment, the config file or the default;
    record where each came from in `args.sources`."""
    path = find_config(args.config)
    profile = args.profile or read_env(f"{ENV_PREFIX}PROFILE")
    if profile and path is None:
        raise SettingsError(f"--profile {profile}: no config file (give --config FILE)")
    config = read_config(path, profile) if path is not None else None
    sources: dict[str, Source] = {}
    defaults: dict[str, Any] = getattr(args, "layer_defaults", {})
    for key, parse in OPTIONS.items():
        if key not in defaults or (key == "server" and args.command in FLAG_ONLY_SERVER):
            continue  # this command has no such setting, or takes it from its flag only
        value, source = _layered(args, key, parse, config)
        if source is None:
            value = defaults[key]
            if isinstance(value, str) and key == "fhir_version":
                value = parse(value, flag_of(key))
        setattr(args, key, value)
        sources[key] = source or Source(flag_of(key))
    args.sources = sources
    if args.command in WRITING_COMMANDS and not args.identifier_base:
        logger.warning(
            "%s: identifiers go under the placeholder namespace %s; set identifier_base in the config file "
            "or --identifier-base URL (a domain your organisation controls) before writing to a real server",
            args.command,
            DEFAULT_IDENTIFIER_BASE,
        )


def _layered(
    args: argparse.Namespace, key: str, parse: Parse, config: ConfigFile | None
) -> tuple[Any, Source | None]:
    given = getattr(args, key, None)
    if given not in (None, []):
        return given, Source(flag_of(key))
    env_name = f"{ENV_PREFIX}{key.upper()}"
    from_env = read_env(env_name)
    if from_env:
        if key == "mappings":
            return [Path(p) for p in from_env.split(os.pathsep) if p], Source(env_name)
        value = parse(from_env, env_name)
        return (Path(value) if key in PATH_KEYS else value), Source(env_name)
    if config is not None and key in config.values:
        return _from_file(config, key, parse), config.source(key)
    return None, None


def _from_file(config: ConfigFile, key: str, parse: Parse) -> Any:
    where = str(config.source(key))
    raw = config.values[key]
    if key == "mappings":
        items = raw if isinstance(raw, list) else [raw]
        return [config.path.parent / _text(item, where) for item in items]
    value = parse(raw, where)
    return config.path.parent / value if key in PATH_KEYS else value
