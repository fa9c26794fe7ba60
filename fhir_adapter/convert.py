"""Convert trial records to checked transaction Bundles on disk, one result per record, nothing lost.

Every record ends converted (its Bundle and data-quality OperationOutcome written), failed (with the
reason), or left out as a duplicate (the inputs hold a newer record of the same study, which is converted
instead); one bad record never stops the others.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fhir_adapter.bundle import build_bundle, quality_outcome, to_json_bytes
from fhir_adapter.errors import FhirAdapterError, InputError, SettingsError
from fhir_adapter.resources import FhirVersion, build_trial_resources
from fhir_adapter.sources import DataQualityIssue, DuplicateRecord, TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.validation import ValidationIssue, validate_bundle_as

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConversionResult:
    """What became of one record: converted (with its files), failed (with the reason) or a duplicate."""

    source: str
    nct_id: str | None
    bundle_path: Path | None = None
    resource_counts: Counter[str] = field(default_factory=Counter)
    quality: tuple[DataQualityIssue, ...] = ()
    problems: tuple[ValidationIssue, ...] = ()
    error: str | None = None
    duplicate: DuplicateRecord | None = None  # set when left out for a newer record of the same study

    @property
    def ok(self) -> bool:
        """Return True unless the record failed: a duplicate left out is not a failure."""
        return self.error is None

    @property
    def outcome(self) -> str:
        """Return 'converted', 'failed' or 'duplicate'."""
        if self.duplicate is not None:
            return "duplicate"
        return "converted" if self.ok else "failed"


def convert_trials(
    inputs: Iterable[str | Path],
    out_dir: Path,
    terms: Terms,
    *,
    version: FhirVersion = FhirVersion.R4,
    indent: int | None = None,
) -> Iterator[ConversionResult]:
    """Yield a ConversionResult for every record found in `inputs`, writing Bundles into `out_dir`.

    Raises SettingsError, before reading any record, when `out_dir` is a file or cannot be made.
    """
    make_out_dir(out_dir)
    for item in read_trials(inputs):
        if isinstance(item, DuplicateRecord):
            log.warning("%s: read: %s", item.nct_id, item)
            yield ConversionResult(source=item.file, nct_id=item.nct_id, duplicate=item)
        elif isinstance(item, InputError):
            log.warning("%s: read: %s", item.nct_id or item.file, item)
            yield ConversionResult(source=item.file or "?", nct_id=item.nct_id, error=str(item))
        else:
            yield convert_trial(item, out_dir, terms, version=version, indent=indent)


def make_out_dir(out_dir: Path) -> None:
    """Make the output folder if it is missing; raise SettingsError when it is a file or cannot be made."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SettingsError(f"output folder {out_dir}: is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a parent that is a file, no permission, a read-only disk
        raise SettingsError(f"output folder {out_dir}: cannot be made: {exc.strerror or exc}") from exc


def convert_trial(
    trial: TrialRecord, out_dir: Path, terms: Terms, *, version: FhirVersion, indent: int | None = None
) -> ConversionResult:
    """Build, check and write one trial's Bundle; return what happened."""
    try:
        built = build_trial_resources(trial, terms, version=version)
    except FhirAdapterError as exc:
        log.warning("%s: build: %s", trial.nct_id, exc)
        return ConversionResult(source=trial.source, nct_id=trial.nct_id, error=str(exc))
    bundle = build_bundle(built, version=version)
    problems = validate_bundle_as(bundle, version)
    counts = Counter(item.key.resource_type for item in built.resources)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        log.warning("%s: validate: %d errors, Bundle not written", trial.nct_id, len(errors))
        return ConversionResult(
            source=trial.source,
            nct_id=trial.nct_id,
            resource_counts=counts,
            quality=tuple(built.issues),
            problems=tuple(problems),
            error=f"{len(errors)} validation errors; first: {errors[0]}",
        )
    bundle_path = out_dir / f"{trial.nct_id}.json"
    bundle_path.write_bytes(to_json_bytes(bundle, indent=indent))
    outcome = quality_outcome(trial.nct_id, built.issues)
    (out_dir / f"{trial.nct_id}.issues.json").write_bytes(to_json_bytes(outcome, indent=indent))
    log.info("%s: convert: %d resources written to %s", trial.nct_id, len(built.resources), bundle_path)
    return ConversionResult(
        source=trial.source,
        nct_id=trial.nct_id,
        bundle_path=bundle_path,
        resource_counts=counts,
        quality=tuple(built.issues),
        problems=tuple(problems),
    )
