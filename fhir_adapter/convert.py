"""Convert trial records to checked transaction Bundles on disk, one result per record, nothing lost.

Every record ends converted (its Bundle and data-quality OperationOutcome written), failed (with the
reason), or left out as a duplicate (the inputs hold a newer record of the same study, which is converted
instead); one bad record never stops the others.

`output="ndjson"` writes, instead of a Bundle per trial, one ndjson file per resource type (NdjsonWriter):
the input of a FHIR Bulk Data `$import`, for loads of the whole registry.

`check` says how much each Bundle is checked before it is written (validation.levels: none, self, model,
full; `self` by default). `workers` builds, checks and writes in that many processes (pool.py); the results
come in the records' order and the files are the same bytes whatever the number.
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
from fhir_adapter.pool import ordered_map
from fhir_adapter.resources import BuiltResource, FhirVersion, Json, ResourceKey
from fhir_adapter.sources import DataQualityIssue, DuplicateRecord, ReadResult, TrialRecord, read_trials
from fhir_adapter.terms import Terms
from fhir_adapter.validation.eligibility_guard import guarded_resources
from fhir_adapter.validation.issues import ValidationIssue
from fhir_adapter.validation.levels import DEFAULT_CHECK_LEVEL, CheckLevel, check_bundle_at

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
    check: CheckLevel = DEFAULT_CHECK_LEVEL,
    workers: int = 1,
) -> Iterator[ConversionResult]:
    """Yield a ConversionResult for every record found in `inputs`, in order, writing into `out_dir` a
    Bundle per trial (`output="bundle"`) or ndjson files per resource type (`output="ndjson"`).

    Raises SettingsError, before reading any record, when `out_dir` is a file or cannot be made (or, for
    ndjson, already holds ndjson files).
    """
    make_out_dir(out_dir)
    ndjson = NdjsonWriter(out_dir) if output == "ndjson" else None
    job = ConvertJob(out_dir, terms, version, indent, check, write_bundles=ndjson is None)
    items = (_to_convert(item) for item in read_trials(inputs, workers=workers))
    try:
        for done in ordered_map(_convert_item, items, job, workers=workers):
            yield done.written_to(ndjson) if isinstance(done, CheckedTrial) else done
    finally:
        if ndjson is not None:
            ndjson.close()


@dataclass(frozen=True)
class ConvertJob:
    """What every record of a run is converted with (sent once to each worker process)."""

    out_dir: Path
    terms: Terms
    version: FhirVersion
    indent: int | None
    check: CheckLevel
    write_bundles: bool  # False for ndjson: the parent writes the shared files, in order


def _to_convert(item: ReadResult) -> TrialRecord | ConversionResult:
    """Return a trial read, or the result of a record that was not (a duplicate left out, an input error)."""
    if isinstance(item, DuplicateRecord):
        log.warning("%s: read: %s", item.nct_id, item)
        return ConversionResult(source=item.file, nct_id=item.nct_id, duplicate=item)
    if isinstance(item, InputError):
        log.warning("%s: read: %s", item.nct_id or item.file, item)
        return ConversionResult(source=item.file or "?", nct_id=item.nct_id, error=str(item))
    return item


def _convert_item(job: ConvertJob, item: TrialRecord | ConversionResult) -> ConversionResult | CheckedTrial:
    """Convert one record (in a worker process or not); a record already decided passes through."""
    if isinstance(item, ConversionResult):
        return item
    checked = check_trial(item, job.terms, version=job.version, check=job.check)
    if isinstance(checked, ConversionResult) or not job.write_bundles:
        return checked
    return checked.written(job.out_dir, indent=job.indent)


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
    check: CheckLevel = DEFAULT_CHECK_LEVEL,
) -> ConversionResult:
    """Build, check and write one trial's Bundle (or its resources to `ndjson`); return what happened."""
    checked = check_trial(trial, terms, version=version, check=check)
    if isinstance(checked, ConversionResult):
        return checked
    return checked.written_to(ndjson) if ndjson is not None else checked.written(out_dir, indent=indent)


def check_trial(
    trial: TrialRecord, terms: Terms, *, version: FhirVersion, check: CheckLevel
) -> CheckedTrial | ConversionResult:
    """Return one trial built and checked, ready to write; or its failed result (not built, or its
    Bundle has errors and is not written)."""
    try:
        built = guarded_resources(trial, terms, version=version)
    except FhirAdapterError as exc:
        log.warning("%s: build: %s", trial.nct_id, exc)
        return ConversionResult(source=trial.source, nct_id=trial.nct_id, error=str(exc))
    bundle = build_bundle(built, version=version)
    problems = tuple(check_bundle_at(bundle, version, check))
    counts = Counter(item.key.resource_type for item in built.resources)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        log.warning("%s: validate: %s, Bundle not written", trial.nct_id, counted(len(errors), "error"))
        return ConversionResult(
            source=trial.source,
            nct_id=trial.nct_id,
            resource_counts=counts,
            quality=tuple(built.issues),
            problems=problems,
            error=f"{counted(len(errors), 'validation error')}; first: {errors[0]}",
        )
    return CheckedTrial(trial, built.resources, bundle, tuple(built.issues), problems, counts)


@dataclass(frozen=True)
class CheckedTrial:
    """One trial built and checked without errors: what is written, and what its result reports."""

    trial: TrialRecord
    resources: tuple[BuiltResource, ...]
    bundle: Json
    quality: tuple[DataQualityIssue, ...]
    problems: tuple[ValidationIssue, ...]
    counts: Counter[str]

    def written(self, out_dir: Path, *, indent: int | None) -> ConversionResult:
        """Write the Bundle and its data-quality OperationOutcome into `out_dir`; return the result."""
        nct_id = self.trial.nct_id
        bundle_path = out_dir / f"{nct_id}.json"
        bundle_path.write_bytes(to_json_bytes(self.bundle, indent=indent))
        outcome = quality_outcome(nct_id, self.quality)
        (out_dir / f"{nct_id}.issues.json").write_bytes(to_json_bytes(outcome, indent=indent))
        return self._result(bundle_path)

    def written_to(self, ndjson: NdjsonWriter | None) -> ConversionResult:
        """Add the resources to the ndjson files; return the result."""
        assert ndjson is not None, "a trial is left unwritten only for ndjson output"
        outcome = quality_outcome(self.trial.nct_id, self.quality)
        return self._result(ndjson.add(self.trial.nct_id, self.resources, outcome))

    def _result(self, bundle_path: Path) -> ConversionResult:
        nct_id = self.trial.nct_id
        log.info("%s: convert: %d resources written to %s", nct_id, len(self.resources), bundle_path)
        return ConversionResult(
            source=self.trial.source,
            nct_id=nct_id,
            bundle_path=bundle_path,
            resource_counts=self.counts,
            quality=self.quality,
            problems=self.problems,
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
