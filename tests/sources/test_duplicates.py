"""Two records of one study in a run: the newest is read, the others are reported as duplicates naming the
file, the record number and the record kept, with the reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.errors import InputError
from fhir_adapter.sources import DuplicateRecord, TrialRecord, read_trials
from fhir_adapter.sources.duplicates import V2_LAST_UPDATE, DuplicateIndex, Place, StudyVersion
from fhir_adapter.sources.files import VERSIONS_CHUNK
from tests.conftest import CTGOV, FIXTURES, study_json

CTGOV_XML = FIXTURES / "ctgov-xml"


def _version(
    title: str, last_update: str | None, *, version: str | None = None, nct_id: str = "NCT03418623"
) -> dict[str, Any]:
    """Return a fixture study with its title, last update date and data version date set."""
    study = study_json(nct_id)
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    status = study["protocolSection"]["statusModule"]
    if last_update is None:
        del status["lastUpdatePostDateStruct"]
    else:
        status["lastUpdatePostDateStruct"] = {"date": last_update, "type": "ACTUAL"}
    study.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["versionHolder"] = version
    return study


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _by_kind(results: list[Any]) -> tuple[list[TrialRecord], list[DuplicateRecord]]:
    assert not [r for r in results if isinstance(r, InputError)]
    trials = [r for r in results if isinstance(r, TrialRecord)]
    return trials, [r for r in results if isinstance(r, DuplicateRecord)]


@pytest.mark.parametrize("newer_first", [True, False], ids=["newer-read-first", "newer-read-last"])
def test_the_newer_record_is_kept_whichever_is_read_last(tmp_path: Path, newer_first: bool) -> None:
    newer, older = _version("2015 title", "2015-03-02"), _version("2014 title", "2014-11-20")
    first, second = (newer, older) if newer_first else (older, newer)
    a, b = _write(tmp_path / "a.json", first), _write(tmp_path / "b.json", second)
    [trial], [duplicate] = _by_kind(list(read_trials([tmp_path])))
    assert trial.brief_title == "2015 title"
    kept, dropped = (a, b) if newer_first else (b, a)
    assert (duplicate.nct_id, duplicate.file, duplicate.record) == ("NCT03418623", str(dropped), None)
    assert duplicate.kept.place.file == str(kept)
    assert duplicate.reason == f"last updated 2015-03-02 ({V2_LAST_UPDATE}) against 2014-11-20"
    assert str(duplicate) == (
        f"NCT03418623 ({dropped}): duplicate, left out; kept {kept}: {duplicate.reason}"
    )


def test_duplicates_inside_one_export_are_named_by_record_number(tmp_path: Path) -> None:
    export = [
        _version("old", "2014-11-20"),
        study_json("NCT06158412"),
        _version("new", "2015-03-02"),
        _version("middle", "2015-01-05"),
    ]
    path = _write(tmp_path / "export.json", export)
    results = list(read_trials([path]))
    trials, duplicates = _by_kind(results)
    assert [t.brief_title for t in trials if t.nct_id == "NCT03418623"] == ["new"]
    assert [(d.record, d.kept.place.record) for d in duplicates] == [(1, 3), (4, 3)]
    assert "export.json record 1): duplicate, left out; kept " in str(duplicates[0])
    assert [type(r).__name__ for r in results] == [
        "DuplicateRecord",
        "TrialRecord",
        "TrialRecord",
        "DuplicateRecord",
    ]


def test_the_2023_v2_record_wins_over_the_2020_xml_snapshot_of_the_same_study(tmp_path: Path) -> None:
    shutil.copy(CTGOV_XML / "NCT02513394.xml", tmp_path / "a.xml")
    shutil.copy(CTGOV / "NCT02513394.json", tmp_path / "b.json")
    [trial], [duplicate] = _by_kind(list(read_trials([tmp_path])))
    assert trial.source == str(tmp_path / "b.json")
    assert duplicate.file == str(tmp_path / "a.xml")
    assert duplicate.reason == f"last updated 2023-06-15 ({V2_LAST_UPDATE}) against 2020-03-09"


def test_legacy_lastchanged_date_counts_as_the_last_update(tmp_path: Path) -> None:
    text = (CTGOV_XML / "NCT01341288.xml").read_text(encoding="utf-8")
    assert "<lastchanged_date>April 10, 2017</lastchanged_date>" in text
    (tmp_path / "a.xml").write_text(text, encoding="utf-8")
    (tmp_path / "b.xml").write_text(text.replace("April 10, 2017<", "April 10, 2016<"), encoding="utf-8")
    [trial], [duplicate] = _by_kind(list(read_trials([tmp_path])))
    assert trial.source == str(tmp_path / "a.xml")
    assert duplicate.reason == "last updated 2017-04-10 (lastchanged_date) against 2016-04-10"


def test_same_last_update_the_later_data_version_wins(tmp_path: Path) -> None:
    _write(tmp_path / "a.json", _version("exported 2025", "2015-03-02", version="2025-10-02"))
    _write(tmp_path / "b.json", _version("exported 2024", "2015-03-02", version="2024-06-14"))
    [trial], [duplicate] = _by_kind(list(read_trials([tmp_path])))
    assert trial.brief_title == "exported 2025"
    assert duplicate.reason == "both last updated 2015-03-02; data version of 2025-10-02 against 2024-06-14"


def test_a_record_with_a_last_update_date_wins_over_one_without(tmp_path: Path) -> None:
    _write(tmp_path / "a.json", _version("dated", "2010-01-01"))
    _write(tmp_path / "b.json", _version("undated", None, version="2025-10-02"))
    [trial], [duplicate] = _by_kind(list(read_trials([tmp_path])))
    assert trial.brief_title == "dated"
    assert duplicate.reason.endswith("against no last update date")


def test_identical_dates_keep_the_record_read_last(tmp_path: Path) -> None:
    _write(tmp_path / "a.json", _version("first", "2015-03-02"))
    _write(tmp_path / "b.json", _version("second", "2015-03-02"))
    [trial], [duplicate] = _by_kind(list(read_trials([tmp_path])))
    assert trial.brief_title == "second"
    assert duplicate.reason == "same last update and version dates; the record read last is kept"


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.json", study_json())
    [trial], [duplicate] = _by_kind(list(read_trials([path, path])))
    assert trial.nct_id == duplicate.nct_id == "NCT06158412"
    assert (duplicate.dropped.place.file_number, duplicate.kept.place.file_number) == (0, 1)


def test_the_newest_is_kept_even_when_it_fails_to_read(tmp_path: Path) -> None:
    # An older version in its place would publish what the registry has since changed.
    newer = _version("new", "2015-03-02")
    newer["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = "many"
    _write(tmp_path / "a.json", newer)
    _write(tmp_path / "b.json", _version("old", "2014-11-20"))
    error, duplicate = list(read_trials([tmp_path]))
    assert (
        isinstance(error, InputError) and error.field == "protocolSection.designModule.enrollmentInfo.count"
    )
    assert isinstance(duplicate, DuplicateRecord) and duplicate.kept.place.file == str(tmp_path / "a.json")


def test_unreadable_records_are_not_taken_for_duplicates(tmp_path: Path) -> None:
    broken = _version("no id", "2030-01-01")
    del broken["protocolSection"]["identificationModule"]["nctId"]
    path = _write(tmp_path / "export.json", [broken, _version("good", "2015-03-02"), "not a study"])
    error, trial, other = list(read_trials([path]))
    assert isinstance(trial, TrialRecord) and trial.brief_title == "good"
    assert isinstance(error, InputError) and isinstance(other, InputError)


def test_every_older_record_names_the_one_finally_kept() -> None:
    versions = [
        StudyVersion("NCT03418623", Place("a.json", 0), "2014-01-01"),
        StudyVersion("NCT03418623", Place("b.json", 1), "2016-01-01"),
        StudyVersion("NCT03418623", Place("c.json", 2), "2015-01-01"),
        StudyVersion("NCT06158412", Place("d.json", 3), "2015-01-01"),
    ]
    dropped = DuplicateIndex(versions).dropped()
    assert {place.file: d.kept.place.file for place, d in dropped.items()} == {
        "a.json": "b.json",
        "c.json": "b.json",
    }


def test_the_first_pass_in_worker_processes_finds_the_same_duplicates(tmp_path: Path) -> None:
    # More files than one task of the first pass takes (twice over), a duplicate among the last, a broken file.
    for path in sorted(CTGOV.glob("*.json")):
        shutil.copy(path, tmp_path / path.name)
        shutil.copy(path, tmp_path / f"copy-{path.name}")  # the same studies again: all duplicates
    _write(tmp_path / "zz-newer.json", _version("2031 title", "2031-01-01"))
    (tmp_path / "zz-broken.json").write_text('{"protocolSection": [', encoding="utf-8")
    serial, parallel = (list(read_trials([tmp_path], workers=n)) for n in (1, 2))
    assert [str(r) if not isinstance(r, TrialRecord) else r for r in parallel] == [
        str(r) if not isinstance(r, TrialRecord) else r for r in serial
    ]
    duplicates = [r for r in serial if isinstance(r, DuplicateRecord)]
    assert len(duplicates) == len(list(CTGOV.glob("*.json"))) + 1  # each copy, and the 2031 one's elders
    assert len(serial) > VERSIONS_CHUNK  # so the first pass runs in the workers
