"""The command line's logging: `--log-level`, `--log-format text|json`, `--log-file`, on every command.

The library only logs (STYLE 20: `logging.getLogger(__name__)`, a NullHandler on the package); this module is
the one place a handler is set up. Every message starts with the trial and the stage
(`"NCT06158412: push: ..."`, STYLE 23), so both formats can show them as fields: text lines are
`2026-12-02T10:41:29.123Z WARNING NCT06158412: push: ...`, JSON lines are one object each,
`{"time", "level", "trial", "stage", "message"}`, for a log shipper. Contact names, phones and emails are
logged at DEBUG only (tests/cli/test_logs.py greps the real fixtures' contacts out of an INFO run).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from fhir_adapter.errors import SettingsError

PACKAGE_LOGGER = "fhir_adapter"
LEVELS = ("debug", "info", "warning", "error")
DEFAULT_LEVEL = "warning"
FORMATS = ("text", "json")
# The trial (an NCT id) and the stage open a message: "NCT06158412: push: ...", or "client: ..." alone.
_TRIAL = re.compile(r"(NCT\d{8}): ")
_STAGE = re.compile(r"([a-z][a-z0-9-]{0,30}): ")


def add_log_arguments(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """Add the logging flags to `parser`. On a subcommand they default to SUPPRESS, so a flag given before
    the subcommand (`fhir-adapter --log-level info push ...`) is not reset by the subcommand's default."""
    group = parser.add_argument_group("logging")
    defaults: dict[str, Any] = {} if top_level else {"default": argparse.SUPPRESS}
    group.add_argument(
        "--log-level",
        choices=LEVELS,
        help=f"least severe messages logged on stderr (default {DEFAULT_LEVEL}; "
        "contact names and phones only at debug)",
        **({"default": DEFAULT_LEVEL} if top_level else defaults),
    )
    group.add_argument(
        "--log-format",
        choices=FORMATS,
        help="text (default): timestamped lines; json: one object per line "
        "(time, level, trial, stage, message)",
        **({"default": "text"} if top_level else defaults),
    )
    group.add_argument(
        "--log-file",
        type=Path,
        metavar="FILE",
        help="append the log to FILE instead of stderr",
        **({"default": None} if top_level else defaults),
    )


def split_message(message: str) -> tuple[str | None, str | None, str]:
    """Return the trial, the stage and the rest of a message written as STYLE 23 asks.

    >>> split_message("NCT06158412: push: transaction of 12 entries written")
    ('NCT06158412', 'push', 'transaction of 12 entries written')
    >>> split_message("client: TLS verification is off")
    (None, 'client', 'TLS verification is off')
    >>> split_message("GET /metadata -> 200 in 0.01 s")
    (None, None, 'GET /metadata -> 200 in 0.01 s')
    """
    trial = _TRIAL.match(message)
    rest = message[trial.end() :] if trial else message
    stage = _STAGE.match(rest)
    rest = rest[stage.end() :] if stage else rest
    return (trial.group(1) if trial else None, stage.group(1) if stage else None, rest)


def _utc_time(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def _stage_of_logger(name: str) -> str | None:
    """Return the stage a logger's module belongs to: 'fhir_adapter.client.retry' -> 'client'."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE_LOGGER else None


class TextFormatter(logging.Formatter):
    """`<UTC time> <LEVEL> <message>`, the message as written (it already names trial and stage)."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_utc_time(record)} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, trial, stage, message (and `error` for a traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        trial, stage, message = split_message(record.getMessage())
        entry: dict[str, Any] = {
            "time": _utc_time(record),
            "level": record.levelname,
            "trial": getattr(record, "trial", None) or trial,
            "stage": getattr(record, "stage", None) or stage or _stage_of_logger(record.name),
            "message": message,
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_handler(args: argparse.Namespace, *, stderr: TextIO | None = None) -> logging.Handler:
    """Return the handler the command's flags ask for: stderr or `--log-file`, text or JSON lines.
    Raises SettingsError naming `--log-file` when that file cannot be opened for appending."""
    handler: logging.Handler
    if args.log_file is not None:
        try:
            args.log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(args.log_file, encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"--log-file {args.log_file}: {exc.strerror or exc}") from exc
    else:
        handler = logging.StreamHandler(stderr or sys.stderr)
    handler.setFormatter(JsonFormatter() if args.log_format == "json" else TextFormatter())
    return handler


def log_level(args: argparse.Namespace) -> str:
    """Return the level name the flags ask for: `-v` is `--log-level debug`."""
    return "DEBUG" if getattr(args, "verbose", False) else str(args.log_level).upper()


@contextmanager
def logging_to(handler: logging.Handler, level: str) -> Iterator[None]:
    """Send the package's records at `level` and above to `handler` while the block runs; then remove and
    close it, so `main()` can run many times in one process (the tests do).

    The level is the handler's; the package logger is only lowered to it, never raised, so a handler an
    embedding program (or pytest's caplog) set up at a lower level still gets what it asked for."""
    handler.setLevel(level)
    logger = logging.getLogger(PACKAGE_LOGGER)
    previous = logger.level
    logger.setLevel(min(logging.getLevelName(level), logger.getEffectiveLevel()))
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        handler.close()
