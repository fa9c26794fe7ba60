"""Convert trial records to checked transaction Bundles on disk, one result per record, nothing lost.

Every record ends converted (its Bundle and data-quality OperationOutcome written), failed (with the
reason), or left out as a duplicate (the inputs hold a newer record of the same study, which is converted
instead); one bad record never stops the others.

`output="ndjson"` writes, instead of a Bundle per trial, one ndjson file per resource type (NdjsonWriter):
the input of a FHIR Bulk Data `$import`, for loads of the whole registry.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from fhir_adapter.bundle import build_bundle, quality_outcome, to_json_bytes
from fhir_adapter.errors import FhirAdapterError, InputError, SettingsError, counted
from fhir_adapter.resources import BuiltResource, FhirVersion, Json, ResourceKey, build_trial_resources
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
    bundle: Json | None = None  # the transaction Bundle, when converted in memory (api.convert_record)

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
    output: str = "bundle",
) -> Iterator[ConversionResult]:
    """Yield a ConversionResult for every record found in `inputs`, writing into `out_dir` a Bundle per
    trial (`output="bundle"`) or ndjson files per resource type (`output="ndjson"`).

    Raises SettingsError, before reading any record, when `out_dir` is a file or cannot be made (or, for
    ndjson, already holds ndjson files).
    """
    make_out_dir(out_dir)
    ndjson = NdjsonWriter(out_dir) if output == "ndjson" else None
    try:
        for item in read_trials(inputs):
            if isinstance(item, DuplicateRecord):
                log.warning("%s: read: %s", item.nct_id, item)
                yield ConversionResult(source=item.file, nct_id=item.nct_id, duplicate=item)
            elif isinstance(item, InputError):
                log.warning("%s: read: %s", item.nct_id or item.file, item)
                yield ConversionResult(source=item.file or "?", nct_id=item.nct_id, error=str(item))
            else:
                yield convert_trial(item, out_dir, terms, version=version, indent=indent, ndjson=ndjson)
    finally:
        if ndjson is not None:
            ndjson.close()


def make_out_dir(out_dir: Path) -> None:
    """Make the output folder if it is missing; raise SettingsError when it is a file or cannot be made."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SettingsError(f"output folder {out_dir}: is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a parent that is a file, no permission, a read-only disk
        raise SettingsError(f"output folder {out_dir}: cannot be made: {exc.strerror or exc}") from exc


def convert_trial(
    trial: TrialRecord,
    out_dir: Path,
    terms: Terms,
    *,
    version: FhirVersion,
    indent: int | None = None,
    ndjson: NdjsonWriter | None = None,
) -> ConversionResult:
    """Build, check and write one trial's Bundle (or its resources to `ndjson`); return what happened."""
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
        log.warning("%s: validate: %s, Bundle not written", trial.nct_id, counted(len(errors), "error"))
        return ConversionResult(
            source=trial.source,
            nct_id=trial.nct_id,
            resource_counts=counts,
            quality=tuple(built.issues),
            problems=tuple(problems),
            error=f"{counted(len(errors), 'validation error')}; first: {errors[0]}",
        )
    outcome = quality_outcome(trial.nct_id, built.issues)
    if ndjson is not None:
        bundle_path = ndjson.add(trial.nct_id, built.resources, outcome)
    else:
        bundle_path = out_dir / f"{trial.nct_id}.json"
        bundle_path.write_bytes(to_json_bytes(bundle, indent=indent))
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


class NdjsonWriter:
    """Writes converted trials as FHIR Bulk Data ndjson: one `<Type>.ndjson` file per resource type.

    Each line is one resource with its logical id: the UUID derived from its identifier (ResourceKey.uuid),
    the id `push` gives a resource it creates, so a registry loaded by `$import` and kept up to date by
    `sync` is one set of resources. References between them are `Type/id`, never `urn:uuid`. A trial's own
    resources (keyed under its NCT id) are written as they come; a resource several trials share (an
    Organization) is written once, at the end, with the elements every trial stated (the first trial's
    value where two disagree), as push merges it. The data-quality findings go to `data-quality.jsonl`, one
    OperationOutcome per trial: they are not for the EHR, so not ndjson a folder-wide import would take.
    """

    QUALITY_FILE = "data-quality.jsonl"

    def __init__(self, out_dir: Path) -> None:
        held = sorted(p.name for p in out_dir.glob("*.ndjson"))
        if held:
            raise SettingsError(
                f"output folder {out_dir}: already holds {', '.join(held[:3])}"
                f"{' ...' if len(held) > 3 else ''}; ndjson output goes to an empty folder"
            )
        self.out_dir = out_dir
        self._files: dict[str, BinaryIO] = {}
        self._shared: dict[ResourceKey, Json] = {}
        self._quality = (out_dir / self.QUALITY_FILE).open("wb")

    def add(self, nct_id: str, resources: Sequence[BuiltResource], quality: Json) -> Path:
        """Write one trial's resources (its shared ones are kept for the end); return the folder."""
        references = {r.key.full_url: f"{r.key.resource_type}/{r.key.uuid}" for r in resources}
        for item in resources:
            resource = _with_id(item, references)
            if _is_own(item.key, nct_id):
                self._write(resource)
            else:
                earlier = self._shared.get(item.key, {})
                self._shared[item.key] = {**resource, **earlier}
        self._quality.write(to_json_bytes(quality))
        return self.out_dir

    def close(self) -> None:
        """Write the shared resources and close every file."""
        for key in sorted(self._shared, key=lambda k: (k.resource_type, k.uuid)):
            self._write(self._shared[key])
        self._shared.clear()
        for handle in [*self._files.values(), self._quality]:
            handle.close()

    def _write(self, resource: Json) -> None:
        resource_type = str(resource["resourceType"])
        if resource_type not in self._files:
            self._files[resource_type] = (self.out_dir / f"{resource_type}.ndjson").open("wb")
        self._files[resource_type].write(to_json_bytes(resource))


def _with_id(item: BuiltResource, references: dict[str, str]) -> Json:
    """Return `item`'s resource with its logical id and its `urn:uuid` references as `Type/id`."""
    body = {k: v for k, v in item.resource.items() if k != "resourceType"}
    resource: Json = {"resourceType": item.key.resource_type, "id": item.key.uuid, **body}
    rewritten: Json = _rewrite(resource, references)
    return rewritten


def _rewrite(node: Any, references: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: references.get(v, v) if k == "reference" and isinstance(v, str) else _rewrite(v, references)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(item, references) for item in node]
    return node


def _is_own(key: ResourceKey, nct_id: str) -> bool:
    """Return whether `key` belongs to the trial `nct_id` alone (keyed under its NCT id), not shared."""
    return key.value == nct_id or key.value.startswith(f"{nct_id}/")
