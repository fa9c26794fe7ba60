"""Find the studies in files and directories, one at a time, so memory does not grow with the corpus.

Accepted layouts of ClinicalTrials.gov API v2 JSON:
- one study object (`{"protocolSection": ...}`), as `GET /api/v2/studies/NCT...` returns it;
- a page of the search API (`{"studies": [...], "nextPageToken": ...}`);
- a JSON array of studies (the website's "Download JSON" export).
And a legacy XML record (`*.xml`, one `<clinical_study>` per file, the format before API v2).
A directory may hold any of these (`*.json` and `*.xml` together, read in name order, not recursive into
hidden folders).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fhir_adapter.errors import InputError
from fhir_adapter.sources.ctgov_json import parse_study
from fhir_adapter.sources.ctgov_xml import parse_clinical_study
from fhir_adapter.sources.fields import Where
from fhir_adapter.sources.model import TrialRecord

ReadResult = TrialRecord | InputError

XML_SUFFIX = ".xml"
RECORD_SUFFIXES = frozenset({".json", XML_SUFFIX})


def read_trials(inputs: Iterable[str | Path]) -> Iterator[ReadResult]:
    """Yield each study found in `inputs` as a TrialRecord, or as the InputError that stopped it.

    A broken file or study yields its error and reading goes on with the next one.
    """
    for path in _record_files(inputs):
        yield from _read_file(path)


def _record_files(inputs: Iterable[str | Path]) -> Iterator[Path]:
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


def _read_file(path: Path) -> Iterator[ReadResult]:
    if path.suffix == XML_SUFFIX:
        yield _read_xml_file(path)
    else:
        yield from _read_json_file(path)


def _read_xml_file(path: Path) -> ReadResult:
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return InputError(f"cannot read the file: {exc.strerror or exc}", file=file)
    try:
        return parse_clinical_study(data, file)
    except InputError as exc:
        return exc


def _read_json_file(path: Path) -> Iterator[ReadResult]:
    file = str(path)
    try:
        with path.open("rb") as handle:
            document = json.load(handle)
    except OSError as exc:
        yield InputError(f"cannot read the file: {exc.strerror or exc}", file=file)
        return
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield InputError(f"not valid JSON: {exc}", file=file)
        return
    studies = _studies_in(document, file)
    if isinstance(studies, InputError):
        yield studies
        return
    for index, study in studies:
        try:
            yield parse_study(study, Where(file, index))
        except InputError as exc:
            yield exc


def _studies_in(document: Any, file: str) -> list[tuple[int | None, Any]] | InputError:
    """Return (index in file, study) pairs; the index is None for a file holding one study."""
    if isinstance(document, list):
        return list(enumerate(document))
    if isinstance(document, dict) and "studies" in document:
        studies = document["studies"]
        if not isinstance(studies, list):
            return InputError("expected a list of studies", file=file, field="studies")
        return list(enumerate(studies))
    if isinstance(document, dict):
        return [(None, document)]
    return InputError('expected a study object, a {"studies": [...]} page or a list of studies', file=file)
