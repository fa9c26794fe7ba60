"""Find the studies in files and directories, one at a time, so memory does not grow with the corpus.

Accepted layouts of ClinicalTrials.gov API v2 JSON:
- one study object (`{"protocolSection": ...}`), as `GET /api/v2/studies/NCT...` returns it;
- a page of the search API (`{"studies": [...], "nextPageToken": ...}`);
- a JSON array of studies (the website's "Download JSON" export).
And a legacy XML record (`*.xml`, one `<clinical_study>` per file, the format before API v2).
A directory may hold any of these (`*.json` and `*.xml` together, read in name order, not recursive into
hidden folders). JSON files are streamed study by study (`json_stream`), and a study read twice in one run is
read once, from its newest record (`duplicates`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from fhir_adapter.errors import InputError
from fhir_adapter.pool import ordered_map
from fhir_adapter.sources.ctgov_json import parse_study
from fhir_adapter.sources.ctgov_xml import parse_clinical_study
from fhir_adapter.sources.duplicates import (
    DuplicateIndex,
    DuplicateRecord,
    Place,
    StudyVersion,
    v2_study_version,
    xml_study_version,
)
from fhir_adapter.sources.fields import Where
from fhir_adapter.sources.json_stream import read_json_studies
from fhir_adapter.sources.model import TrialRecord
from fhir_adapter.sources.xml_fields import parse_xml

ReadResult = TrialRecord | InputError | DuplicateRecord

log = logging.getLogger(__name__)

XML_SUFFIX = ".xml"
RECORD_SUFFIXES = frozenset({".json", XML_SUFFIX})
VERSIONS_CHUNK = 128  # files per task of the first pass (0.5 ms each); a folder of fewer runs in-process


def read_trials(inputs: Iterable[str | Path], *, workers: int = 1) -> Iterator[ReadResult]:
    """Yield each study found in `inputs` as a TrialRecord, as the InputError that stopped it, or as a
    DuplicateRecord when the inputs hold a newer record of the same study.

    The files are read twice: first for each study's NCT id and last update date only, to find the
    duplicates (in up to `workers` processes: nothing else runs yet), then record by record. A broken file
    or study yields its error and reading goes on.
    """
    paths = list(inputs)
    dropped = DuplicateIndex(_study_versions(paths, workers)).dropped()
    for file_number, path in enumerate(record_files(paths)):
        if path.suffix == XML_SUFFIX:
            yield _read_xml_file(Place(str(path), file_number), dropped)
        else:
            yield from _read_json_file(path, file_number, dropped)


def read_study(study: object, *, source: str = "<in memory>") -> TrialRecord:
    """Return the TrialRecord for one API v2 study already in memory (a parsed `GET /api/v2/studies/NCT...`
    answer, or one item of a search page's `studies`); raise InputError naming the field that is wrong.
    `source` names it in messages, as a file name would."""
    result = _read_study(study, Where(source))
    if isinstance(result, InputError):
        raise result
    return result


def record_files(inputs: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the record files the inputs name: files as given, folders' *.json and *.xml in name order."""
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.suffix in RECORD_SUFFIXES and not _is_hidden(p.relative_to(path)) and p.is_file()
            )
        else:
            yield path


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _study_versions(inputs: list[str | Path], workers: int) -> Iterator[StudyVersion]:
    """Yield how new each readable study is, in reading order; what cannot be read is left for the second
    pass to report."""
    files = enumerate(record_files(inputs))
    for versions in ordered_map(_file_versions, files, None, workers=workers, chunk=VERSIONS_CHUNK):
        yield from versions


def _file_versions(_: None, numbered: tuple[int, Path]) -> list[StudyVersion]:
    """Return how new each readable study of one file is (none when the file cannot be read)."""
    file_number, path = numbered
    place = Place(str(path), file_number)
    versions: list[StudyVersion] = []
    try:
        if path.suffix == XML_SUFFIX:
            found = xml_study_version(parse_xml(path.read_bytes(), place.file), place)
            versions.extend([found] if found is not None else [])
        else:
            versions.extend(v for v in _json_study_versions(path, place) if v is not None)
    except (OSError, InputError):
        pass  # the versions read before the fault stay, as when this pass was a loop over the files
    return versions


def _json_study_versions(path: Path, place: Place) -> Iterator[StudyVersion | None]:
    with path.open("rb") as handle:
        for record, study in read_json_studies(handle, place.file):
            yield v2_study_version(study, replace(place, record=record))


def _read_xml_file(place: Place, dropped: dict[Place, DuplicateRecord]) -> ReadResult:
    if place in dropped:
        return dropped[place]
    try:
        data = Path(place.file).read_bytes()
    except OSError as exc:
        return InputError(f"cannot read the file: {exc.strerror or exc}", file=place.file)
    try:
        return parse_clinical_study(data, place.file)
    except InputError as exc:
        return exc


def _read_json_file(
    path: Path, file_number: int, dropped: dict[Place, DuplicateRecord]
) -> Iterator[ReadResult]:
    file = str(path)
    try:
        with path.open("rb") as handle:
            for record, study in read_json_studies(handle, file):
                duplicate = dropped.get(Place(file, file_number, record))
                yield duplicate if duplicate is not None else _read_study(study, Where(file, record))
    except OSError as exc:
        yield InputError(f"cannot read the file: {exc.strerror or exc}", file=file)
    except InputError as exc:
        yield exc


def _read_study(study: object, where: Where) -> TrialRecord | InputError:
    try:
        trial = parse_study(study, where)
    except InputError as exc:
        return exc
    _log_people(trial)
    return replace(trial, reading_issues=tuple(where.findings)) if where.findings else trial


def _log_people(trial: TrialRecord) -> None:
    """Log the record's contacts and officials, at DEBUG only: names, phones and emails never appear in a
    log at INFO or above (STYLE 23)."""
    if not log.isEnabledFor(logging.DEBUG):
        return
    contacts = [", ".join(filter(None, (c.name, c.phone, c.email))) for c in trial.central_contacts]
    officials = [official.name for official in trial.officials]
    log.debug("%s: read: central contacts: %s; officials: %s", trial.nct_id, contacts, officials)
