"""The library API for integration code: convert, validate and push ClinicalTrials.gov records from Python.

The command line is a thin layer over the same calls (docs/architecture.md, "Stages"). Everything here is
also importable as `fhir_adapter.<name>`; `import fhir_adapter` itself loads none of it until first use.

    >>> import fhir_adapter
    >>> study = {"protocolSection": {
    ...     "identificationModule": {"nctId": "NCT06158412", "briefTitle": "ATRA with KPD in myeloma"},
    ...     "statusModule": {"overallStatus": "RECRUITING"},
    ...     "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\\n\\n* Age >= 18 years"}}}
    >>> result = fhir_adapter.convert_record(study)
    >>> result.outcome, sorted(result.resource_counts.items())
    ('converted', [('Group', 1), ('ResearchStudy', 1)])
    >>> report = fhir_adapter.validate(result.bundle)
    >>> report.failed()
    False

Push needs a FHIR server: `with FhirClient(Settings(base_url=...)) as client: push(paths, client)` (tested
against the test server in tests/test_api.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from fhir_adapter.client import FhirClient
from fhir_adapter.convert import ConversionResult, check_trial, convert_trials
from fhir_adapter.errors import InputError
from fhir_adapter.resources import FhirVersion
from fhir_adapter.settings import Settings
from fhir_adapter.sources import ReadResult, TrialRecord, read_study, read_trials
from fhir_adapter.sync import Journal, SyncOptions, TrialPusher, TrialSync
from fhir_adapter.terms import Terms, load_terms
from fhir_adapter.validation import (
    RuleSet,
    ValidationReport,
    validate_document,
    validate_file,
)
from fhir_adapter.validation.levels import CheckLevel

__all__ = [
    "ConversionResult",
    "FhirClient",
    "Settings",
    "convert_files",
    "convert_record",
    "push",
    "validate",
]

Study = Mapping[str, Any]  # one ClinicalTrials.gov API v2 study, as parsed JSON
_DEFAULT_TERMS: list[Terms] = []  # the built-in mapping tables, loaded on first use


def _version(version: FhirVersion | str) -> FhirVersion:
    """Return the FhirVersion `version` names: a FhirVersion, "r4"/"r5" (any case) or "4.0.1"/"5.0.0".

    >>> _version("R5"), _version("4.0.1")
    (<FhirVersion.R5: '5.0.0'>, <FhirVersion.R4: '4.0.1'>)
    """
    if isinstance(version, FhirVersion):
        return version
    named = {"r4": FhirVersion.R4, "r5": FhirVersion.R5}.get(version.lower())
    return named if named is not None else FhirVersion(version)


def _terms(terms: Terms | None) -> Terms:
    if terms is not None:
        return terms
    if not _DEFAULT_TERMS:
        _DEFAULT_TERMS.append(load_terms())
    return _DEFAULT_TERMS[0]


def convert_record(
    study: Study, *, terms: Terms | None = None, version: FhirVersion | str = FhirVersion.R4
) -> ConversionResult:
    """Return a ConversionResult for one API v2 study already in memory, with its transaction Bundle in
    `bundle` (nothing is written to disk).

    `terms` are the mapping tables (the built-in ones by default; `load_terms(["my-mappings"],
    identifier_base="https://fhir.hospital.example")` adds a hospital's own and writes our identifiers under
    its namespace instead of the placeholder, docs/operations.md). A study that cannot be read, built or
    validated gives `outcome == "failed"` and the reason in `error`; the data-quality findings are in
    `quality`, the validation issues in `problems`.

    >>> convert_record({"protocolSection": {"identificationModule": {"nctId": "NCT123"}}}).error
    "<in memory>: protocolSection.identificationModule.nctId: 'NCT123' is not an NCT number"
    """
    version = _version(version)
    try:
        trial = read_study(study)
    except InputError as exc:
        return ConversionResult(source=exc.file or "<in memory>", nct_id=exc.nct_id, error=str(exc))
    return _convert_trial(trial, _terms(terms), version)


def _convert_trial(trial: TrialRecord, terms: Terms, version: FhirVersion) -> ConversionResult:
    """Build and fully check one trial's Bundle, as `convert --check full` does before writing it."""
    checked = check_trial(trial, terms, version=version, check=CheckLevel.FULL)
    if isinstance(checked, ConversionResult):
        return checked
    return ConversionResult(
        source=trial.source,
        nct_id=trial.nct_id,
        resource_counts=checked.counts,
        quality=checked.quality,
        problems=checked.problems,
        bundle=checked.bundle,
    )


def convert_files(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    terms: Terms | None = None,
    version: FhirVersion | str = FhirVersion.R4,
    output: str = "bundle",
) -> Iterator[ConversionResult]:
    """Yield a ConversionResult per record in `inputs` (files or folders of CT.gov JSON or XML), writing
    `<NCT id>.json` and `<NCT id>.issues.json` per trial into `out_dir` (`output="ndjson"`: one file per
    resource type), as `fhir-adapter convert` does. Records are read one at a time; one bad record never
    stops the others. Raises SettingsError when `out_dir` cannot be used, before reading anything."""
    yield from convert_trials(inputs, Path(out_dir), _terms(terms), version=_version(version), output=output)


def validate(
    document: Mapping[str, Any] | str | Path,
    *,
    version: FhirVersion | str = FhirVersion.R4,
    rules: RuleSet | str = RuleSet.AUTO,
) -> ValidationReport:
    """Return the ValidationReport for a Bundle or resource: a dict, or the path of a FHIR JSON file.

    The same layers as `fhir-adapter validate` (model, JSON Schema, invariants, references, UCUM, and with
    `rules="auto"` the project's rules on fhir-adapter's own Bundles). `report.issues` lists what was found,
    `report.failed()` says whether any is an error. Raises InputError for a file that is not FHIR JSON.

    >>> validate({"resourceType": "Group", "type": "person", "actual": False}).failed()
    False
    >>> [issue.location for issue in validate({"resourceType": "Group", "actual": False}).issues][:1]
    ['Group.type']
    """
    version = _version(version)
    if isinstance(document, str | Path):
        return validate_file(document, rules=RuleSet(rules), version=version)
    return validate_document(dict(document), source="<in memory>", rules=RuleSet(rules), version=version)


def push(
    inputs: Iterable[str | Path | Study],
    client: FhirClient,
    *,
    terms: Terms | None = None,
    version: FhirVersion | str = FhirVersion.R4,
    dry_run: bool = False,
    journal: str | Path | None = None,
    concurrency: int = 1,
) -> Iterator[TrialSync]:
    """Yield what became of each trial pushed to `client`'s server, in input order: `created`, `updated`,
    `unchanged`, `failed` (with `error`), `resumed` (done in an earlier run, per `journal`), `duplicate`, or
    `not attempted` after a failure that stops the run (the server is down, credentials refused).

    `inputs` are files or folders of CT.gov records, or studies already in memory (dicts), in any mix. Only
    what changed is written; `dry_run` writes nothing and fills each result's `changes`. `journal` is a file
    recording outcomes, so a run interrupted and started again skips what landed (no journal by default).
    """
    options = SyncOptions(
        version=_version(version),
        dry_run=dry_run,
        journal=Journal(Path(journal), client.base_url).load() if journal and not dry_run else None,
        concurrency=concurrency,
    )
    with TrialPusher(client, _terms(terms), options) as pusher:
        yield from pusher.push(_read_inputs(inputs))


def _read_inputs(inputs: Iterable[str | Path | Study]) -> Iterator[ReadResult]:
    """Yield the records of `inputs` in order: runs of paths through `read_trials` (which finds duplicates
    among them), each study in memory on its own."""
    paths: list[str | Path] = []
    for item in inputs:
        if isinstance(item, str | Path):
            paths.append(item)
            continue
        yield from read_trials(paths)
        paths = []
        try:
            yield read_study(item)
        except InputError as exc:
            yield exc
    yield from read_trials(paths)
