"""Where the trial comes from: a CT.gov record (converted in memory), our Bundle, a Group, or a server.

`NCT...` reads the ResearchStudy from the server by identifier (every NCT system variant seen in the wild),
then its eligibility Group through `ResearchStudy.enrollment`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fhir_adapter.client import FhirClient
from fhir_adapter.errors import InputError
from fhir_adapter.resources import FhirVersion
from fhir_adapter.screening.trial import Json, ScreeningTrial, trial_from_group
from fhir_adapter.sources import DuplicateRecord, read_trials
from fhir_adapter.terms import NCT_SYSTEM_VARIANTS, Terms
from fhir_adapter.validation.eligibility_guard import guarded_resources

NCT_ID = re.compile(r"^NCT\d{8}$")


def is_nct_id(text: str) -> bool:
    """Return True for an NCT number ("NCT06158412").

    >>> is_nct_id("NCT06158412"), is_nct_id("fixtures/ctgov/NCT06158412.json")
    (True, False)
    """
    return bool(NCT_ID.match(text))


def read_trial_file(path: Path, terms: Terms) -> ScreeningTrial:
    """Return the trial in `path`: a Bundle of ours, a Group resource, or a CT.gov record (JSON or XML)."""
    document = _json_or_none(path)
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        return trial_from_bundle(document, source=str(path))
    if isinstance(document, dict) and document.get("resourceType") == "Group":
        return trial_from_group(document, nct_id=_group_name(document, path))
    return _trial_from_record(path, terms)


def trial_from_bundle(bundle: Mapping[str, Any], *, source: str) -> ScreeningTrial:
    """Return the trial of one of our transaction Bundles: its ResearchStudy and eligibility Group."""
    entries = [e for e in bundle.get("entry") or [] if isinstance(e, dict)]
    resources = [e["resource"] for e in entries if isinstance(e.get("resource"), dict)]
    study = next((r for r in resources if r.get("resourceType") == "ResearchStudy"), None)
    group = next((r for r in resources if r.get("resourceType") == "Group"), None)
    if group is None:
        raise InputError("the Bundle holds no eligibility Group", file=source, field="Bundle.entry")
    nct_id = nct_id_of(study) if study else None
    return trial_from_group(group, nct_id=nct_id or _group_name(group, Path(source)), title=_title(study))


def read_trial_from_server(client: FhirClient, nct_id: str) -> ScreeningTrial:
    """Return the trial the server holds for `nct_id`: its ResearchStudy and the Group it enrols from."""
    study = find_study(client, nct_id)
    if study is None:
        raise InputError(f"{client.base_url} holds no ResearchStudy with this NCT number", nct_id=nct_id)
    enrollment = [r for r in study.get("enrollment") or [] if isinstance(r, dict) and r.get("reference")]
    if not enrollment:
        raise InputError("the ResearchStudy has no enrollment Group", nct_id=nct_id, field="enrollment")
    group = client.read(str(enrollment[0]["reference"]), nct_id=nct_id)
    reference = f"ResearchStudy/{study['id']}"
    return trial_from_group(group, nct_id=nct_id, title=_title(study), study_reference=reference)


def find_study(client: FhirClient, nct_id: str) -> Json | None:
    """Return the server's ResearchStudy for `nct_id`, trying each NCT identifier system in turn."""
    for system in NCT_SYSTEM_VARIANTS:
        found = client.search("ResearchStudy", {"identifier": f"{system}|{nct_id}"}, nct_id=nct_id)
        studies = [r for r in found if r.get("resourceType") == "ResearchStudy" and r.get("id")]
        if studies:
            return studies[0]
    return None


def nct_id_of(study: Mapping[str, Any]) -> str | None:
    """Return the NCT number among a ResearchStudy's identifiers."""
    for identifier in study.get("identifier") or []:
        value = str(identifier.get("value", ""))
        if identifier.get("system") in NCT_SYSTEM_VARIANTS and is_nct_id(value):
            return value
    return None


def _trial_from_record(path: Path, terms: Terms) -> ScreeningTrial:
    for item in read_trials([path]):
        if isinstance(item, InputError):
            raise item
        if isinstance(item, DuplicateRecord):
            continue  # an older record of a study the file holds again; the newest is screened
        built = guarded_resources(item, terms, version=FhirVersion.R4)
        resources = [b.resource for b in built.resources]
        group = next(r for r in resources if r.get("resourceType") == "Group")
        return trial_from_group(group, nct_id=item.nct_id, title=item.brief_title or item.official_title)
    raise InputError("no study found in the file", file=str(path))


def _json_or_none(path: Path) -> Any:
    if path.suffix.lower() != ".json":
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg} at line {exc.lineno}", file=str(path)) from exc


def _group_name(group: Mapping[str, Any], path: Path) -> str:
    """Return the NCT number a Group names in its identifier, else the file's name."""
    for identifier in group.get("identifier") or []:
        value = str(identifier.get("value", ""))
        if is_nct_id(value):
            return value
    return path.stem


def _title(study: Mapping[str, Any] | None) -> str | None:
    return str(study["title"]) if study and study.get("title") else None
