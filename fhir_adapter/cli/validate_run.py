"""`validate --workers N`: the files checked in N processes, the reports in the files' order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from fhir_adapter.pool import ordered_map
from fhir_adapter.resources import FhirVersion
from fhir_adapter.validation import RuleSet, ValidationReport, validate_files
from fhir_adapter.validation.server import ServerValidator


@dataclass(frozen=True)
class ValidateOptions:
    """What every file of a `validate` run is checked with (sent once to each worker process)."""

    best_practice: bool
    rules: RuleSet
    version: FhirVersion


def validate_in_workers(
    paths: Sequence[Path],
    *,
    server: ServerValidator | None,
    best_practice: bool,
    rules: RuleSet,
    version: FhirVersion,
    workers: int,
) -> Iterator[ValidationReport]:
    """Yield one report per file, in order, as `validate_files` does, checked in up to `workers`
    processes. With a server to ask, every file is checked here: the server's client and its session stay
    in one process."""
    if server is not None:
        yield from validate_files(
            paths, server=server, best_practice=best_practice, rules=rules, version=version
        )
        return
    options = ValidateOptions(best_practice, rules, version)
    yield from ordered_map(_validate_one, paths, options, workers=workers)


def _validate_one(options: ValidateOptions, path: Path) -> ValidationReport:
    [report] = validate_files(
        [path], best_practice=options.best_practice, rules=options.rules, version=options.version
    )
    return report
