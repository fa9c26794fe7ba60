"""Fetch studies from ClinicalTrials.gov into a folder, one file per study; account for every id asked for.

By NCT id, the ids go to `/studies` as `filter.ids` lists (the API matches them against NCTId and
NCTIdAlias), so a thousand ids cost a handful of requests instead of a thousand; an id the lists did not
return is asked for alone (`/studies/{nctId}`), which tells an unknown id (404) from one that exists but
does not match the other criteria of the query.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fhir_adapter.client import IDS_PER_REQUEST, CtgovClient, StudyQuery, study_aliases, study_nct_id

log = logging.getLogger(__name__)

Json = dict[str, Any]


@dataclass
class FetchReport:
    """What a fetch found: the API's count, the ids fetched, and what became of ids asked for by name."""

    total: int | None = None  # matching studies, as the API counted them (first page)
    fetched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # NCT ids the registry does not know
    not_matching: list[str] = field(default_factory=list)  # NCT ids that exist but fail the other criteria
    renamed: dict[str, str] = field(default_factory=dict)  # an alias asked for -> the study's current id

    @property
    def ok(self) -> bool:
        return not self.missing


def fetch_pages(api: CtgovClient, query: StudyQuery, report: FetchReport) -> Iterator[list[Json]]:
    """Yield the studies `query` selects, a page at a time, recording totals and unknown ids in `report`."""
    if not query.nct_ids:
        for page in api.pages(query):
            report.total = page.total if report.total is None else report.total
            yield _kept(page.studies, report)
        return
    found: set[str] = set()
    report.total = 0
    for start in range(0, len(query.nct_ids), IDS_PER_REQUEST):
        chunk = query.nct_ids[start : start + IDS_PER_REQUEST]
        for page in api.pages(query, nct_ids=chunk):
            report.total += page.total or 0
            found.update(_known_ids(page.studies, set(chunk), report))
            yield _kept(page.studies, report)
    if query.since is not None:
        return  # an id not returned was not updated since then: asking for it alone would defeat the limit
    unknown = [nct_id for nct_id in query.nct_ids if nct_id not in found]
    extra = [study for study in (_one(api, query, nct_id, report) for nct_id in unknown) if study]
    if extra:
        yield _kept(tuple(extra), report)


def matching_ids(api: CtgovClient, query: StudyQuery) -> set[str]:
    """Return the NCT ids of every study `query` selects now (its date limit aside), a page of 1,000 ids
    per request (`fields=NCTId`)."""
    everything = query.since_date(None)
    ids: set[str] = set()
    chunks: Sequence[Sequence[str]] = [
        everything.nct_ids[start : start + IDS_PER_REQUEST]
        for start in range(0, len(everything.nct_ids), IDS_PER_REQUEST)
    ] or [()]
    for chunk in chunks:
        for page in api.pages(everything, nct_ids=chunk, fields=["NCTId"], count_total=False):
            ids.update(nct_id for nct_id in map(study_nct_id, page.studies) if nct_id)
    return ids


def fetch_to_folder(
    api: CtgovClient,
    query: StudyQuery,
    out_dir: Path,
    *,
    on_study: Callable[[str, Path], None] = lambda _id, _path: None,
) -> FetchReport:
    """Write every study `query` selects to `out_dir/<NCT id>.json`; return what was found."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = FetchReport()
    for studies in fetch_pages(api, query, report):
        for study in studies:
            path = write_study(out_dir, study)
            on_study(path.stem, path)
    return report


def write_study(out_dir: Path, study: Json) -> Path:
    """Write one study as the API gave it to `out_dir/<NCT id>.json`, whole or not at all; return the path."""
    nct_id = study_nct_id(study)
    if nct_id is None:
        raise ValueError("a study without protocolSection.identificationModule.nctId")
    path = out_dir / f"{nct_id}.json"
    handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=f".{nct_id}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(json.dumps(study, ensure_ascii=False).encode("utf-8") + b"\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _kept(studies: Sequence[Json], report: FetchReport) -> list[Json]:
    kept = []
    for study in studies:
        nct_id = study_nct_id(study)
        if nct_id is None:
            log.warning("ctgov: a study without an NCT id was left out")
            continue
        report.fetched.append(nct_id)
        kept.append(study)
    return kept


def _known_ids(studies: Sequence[Json], asked: set[str], report: FetchReport) -> set[str]:
    """Return the ids `studies` answer to: their NCT ids and their aliases (noting the aliases asked for)."""
    known: set[str] = set()
    for study in studies:
        nct_id = study_nct_id(study)
        if nct_id is None:
            continue
        known.add(nct_id)
        for alias in study_aliases(study):
            known.add(alias)
            if alias in asked:
                report.renamed[alias] = nct_id
    return known


def _one(api: CtgovClient, query: StudyQuery, nct_id: str, report: FetchReport) -> Json | None:
    """Return the study `nct_id` when it belongs in the result; note it as missing or not matching else."""
    study = api.study(nct_id)
    if study is None:
        log.warning("ctgov: %s: no such study", nct_id)
        report.missing.append(nct_id)
        return None
    current = study_nct_id(study)
    if current is not None and current != nct_id:
        report.renamed[nct_id] = current
    if query.selection().keys() - {"nct_ids"}:
        log.info("ctgov: %s exists but does not match the other criteria of the query", nct_id)
        report.not_matching.append(nct_id)
        return None
    return study
