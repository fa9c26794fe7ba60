"""Find the studies a run reads more than once (one NCT id, several records) and keep the newest of each.

Without this the record read last silently won, in `convert` (its file overwrote the other's) and in `push`
(a 2014 version of a record overwrote the 2015 one on the server). The newest is the one with the latest
last update date (v2 `lastUpdatePostDateStruct`; legacy XML `last_update_posted`, or `lastchanged_date` on
records from before 2017), then the latest data version date (v2 `versionHolder`, the day the registry
exported it; XML `download_date`), then the one read last. The newest is kept even when it then fails to
convert: an older version in its place would publish facts the registry has since changed.

The index holds a few fields per study, never a record, so a run stays flat in memory however many studies
it reads.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_adapter.sources.ctgov_json import NCT_ID_PATTERN
from fhir_adapter.sources.xml_values import parse_legacy_date

V2_LAST_UPDATE = "protocolSection.statusModule.lastUpdatePostDateStruct.date"
V2_VERSION = "derivedSection.miscInfoModule.versionHolder"
XML_LAST_UPDATES = ("last_update_posted", "lastchanged_date")
XML_VERSION = "required_header/download_date"
_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_DOWNLOAD_PREFIX = "processed this data on"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a record was read: the file, its position among the run's files, its record number there."""

    file: str
    file_number: int  # tells apart a file named twice in one run
    record: int | None = None  # from 1; None for a file holding one study

    def __str__(self) -> str:
        return self.file if self.record is None else f"{self.file} record {self.record}"


@dataclass(frozen=True, slots=True)
class StudyVersion:
    """How new one record of a study is: its last update date, then its data version date (ISO dates)."""

    nct_id: str
    place: Place
    last_update: str | None = None
    last_update_field: str | None = None
    version_date: str | None = None

    def rank(self) -> tuple[str, str, int, int]:
        """Return what orders records from oldest to newest; the place, last, is the reading order."""
        place = self.place
        return (self.last_update or "", self.version_date or "", place.file_number, place.record or 0)


@dataclass(frozen=True, slots=True)
class DuplicateRecord:
    """A record left out because the run holds a newer record of the same study, which was kept."""

    dropped: StudyVersion
    kept: StudyVersion

    @property
    def nct_id(self) -> str:
        return self.dropped.nct_id

    @property
    def file(self) -> str:
        return self.dropped.place.file

    @property
    def record(self) -> int | None:
        return self.dropped.place.record

    @property
    def reason(self) -> str:
        """Return why the kept record won, e.g. 'last updated 2015-03-02 against 2014-11-20 (...)'."""
        kept, dropped = self.kept, self.dropped
        if kept.last_update != dropped.last_update:
            against = dropped.last_update or "no last update date"
            return f"last updated {kept.last_update} ({kept.last_update_field}) against {against}"
        if kept.version_date != dropped.version_date:
            against = dropped.version_date or "no version date"
            same = f"both last updated {kept.last_update}" if kept.last_update else "no last update dates"
            return f"{same}; data version of {kept.version_date} against {against}"
        return "same last update and version dates; the record read last is kept"

    def __str__(self) -> str:
        where = f"{self.nct_id} ({self.dropped.place})"
        return f"{where}: duplicate, left out; kept {self.kept.place}: {self.reason}"


class DuplicateIndex:
    """The newest record of every study read, and the records left out in its favour."""

    def __init__(self, versions: Iterable[StudyVersion] = ()) -> None:
        self._newest: dict[str, StudyVersion] = {}
        self._older: dict[str, list[StudyVersion]] = {}  # only for studies read more than once
        for version in versions:
            self.add(version)

    def add(self, version: StudyVersion) -> None:
        current = self._newest.get(version.nct_id)
        if current is None:
            self._newest[version.nct_id] = version
            return
        older, newer = sorted((current, version), key=StudyVersion.rank)
        self._newest[version.nct_id] = newer
        self._older.setdefault(version.nct_id, []).append(older)

    def dropped(self) -> dict[Place, DuplicateRecord]:
        """Return each record left out, by its place, with the record kept instead."""
        return {
            older.place: DuplicateRecord(older, self._newest[nct_id])
            for nct_id, olders in self._older.items()
            for older in olders
        }


def v2_study_version(study: Any, place: Place) -> StudyVersion | None:
    """Return how new a v2 study is, or None when it has no readable NCT id (reading it will say why)."""
    protocol = _object(study, "protocolSection")
    nct_id = _text(_object(protocol, "identificationModule"), "nctId")
    if nct_id is None or not NCT_ID_PATTERN.match(nct_id):
        return None
    last_update = _iso(_text(_object(_object(protocol, "statusModule"), "lastUpdatePostDateStruct"), "date"))
    version = _iso(_text(_object(_object(study, "derivedSection"), "miscInfoModule"), "versionHolder"))
    return StudyVersion(nct_id, place, last_update, V2_LAST_UPDATE if last_update else None, version)


def xml_study_version(root: ET.Element, place: Place) -> StudyVersion | None:
    """Return how new a legacy XML record is, or None when it has no readable NCT id."""
    nct_id = (root.findtext("id_info/nct_id") or "").strip()
    if not NCT_ID_PATTERN.match(nct_id):
        return None
    found = ((tag, _legacy_date(root.findtext(tag))) for tag in XML_LAST_UPDATES)
    tag, last_update = next(((t, d) for t, d in found if d), (None, None))
    download = (root.findtext(XML_VERSION) or "").partition(_DOWNLOAD_PREFIX)[2]
    return StudyVersion(nct_id, place, last_update, tag, _legacy_date(download))


def _object(value: Any, key: str) -> Mapping[str, Any]:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _text(value: Mapping[str, Any], key: str) -> str | None:
    found = value.get(key)
    return found.strip() or None if isinstance(found, str) else None


def _iso(value: str | None) -> str | None:
    """Return an ISO (partial) date as given, None for anything else.

    >>> _iso("2015-03-02"), _iso("2015-03"), _iso("March 2015"), _iso(None)
    ('2015-03-02', '2015-03', None, None)
    """
    return value if value is not None and _ISO_DATE.fullmatch(value) else None


def _legacy_date(text: str | None) -> str | None:
    """Return a legacy XML date ('March 9, 2020') as ISO, None when absent or unreadable."""
    if not text or not text.strip():
        return None
    try:
        return parse_legacy_date(text.strip())
    except ValueError:
        return None
