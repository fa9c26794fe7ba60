"""Streaming JSON record files: studies come one at a time as the file is read, every layout, and hostile
files (deep nesting, broken JSON) end as an InputError naming the file, never as a traceback."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.errors import InputError
from fhir_adapter.sources import TrialRecord, read_trials
from fhir_adapter.sources.json_stream import MAX_DEPTH, read_json_studies
from tests.conftest import SEED, study_json


def _studies(data: bytes, file: str = "x.json") -> list[tuple[int | None, Any]]:
    return list(read_json_studies(io.BytesIO(data), file))


def _error(data: bytes, file: str = "x.json") -> tuple[list[tuple[int | None, Any]], InputError]:
    """Return the studies read before the error, and the error."""
    read: list[tuple[int | None, Any]] = []
    with pytest.raises(InputError) as caught:
        read.extend(read_json_studies(io.BytesIO(data), file))
    return read, caught.value


class _WatchedFile(io.BytesIO):
    """A file that remembers how far it has been read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.furthest = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return chunk


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([{"a": 1}, {"b": [1, 2.5, None, True]}], [(1, {"a": 1}), (2, {"b": [1, 2.5, None, True]})]),
        ({"studies": [{"a": 1}, {"b": 2}], "nextPageToken": "x"}, [(1, {"a": 1}), (2, {"b": 2})]),
        ({"totalCount": 1, "studies": [{"a": {"b": {}}}]}, [(1, {"a": {"b": {}}})]),
        ({"protocolSection": {"x": [1, {"y": "z"}]}}, [(None, {"protocolSection": {"x": [1, {"y": "z"}]}})]),
        ([], []),
        ({"studies": []}, []),
        ([None, 5, "s", []], [(1, None), (2, 5), (3, "s"), (4, [])]),
    ],
    ids=["array", "page", "page-studies-not-first", "one-study", "empty-array", "empty-page", "non-objects"],
)
def test_every_layout_gives_its_studies_numbered_from_one(document: Any, expected: list[Any]) -> None:
    assert _studies(json.dumps(document).encode()) == expected


def test_numbers_are_python_numbers_as_json_load_gives_them() -> None:
    [(_, study)] = _studies(b'[{"count": 25, "lat": 40.5, "whole": 1.0, "big": 1e2}]')
    assert study == {"count": 25, "lat": 40.5, "whole": 1.0, "big": 100.0}
    assert [type(v) for v in study.values()] == [int, float, float, float]


def test_studies_come_before_the_rest_of_the_file_is_read() -> None:
    study = json.dumps(study_json()).encode()
    data = b"[" + b",".join([study] * 40) + b"]"
    handle = _WatchedFile(data)
    first = next(read_json_studies(handle, "export.json"))
    assert first[0] == 1 and first[1]["protocolSection"]["identificationModule"]["nctId"] == "NCT06158412"
    assert handle.furthest < len(data) / 4


def test_utf8_byte_order_mark_is_accepted() -> None:
    assert _studies(b'\xef\xbb\xbf[{"a": "\xc3\xa9"}]') == [(1, {"a": "é"})]


@pytest.mark.parametrize("opener", ["[", '{"a":'], ids=["arrays", "objects"])
def test_ten_thousand_levels_of_nesting_is_an_error_not_a_recursion_error(opener: str) -> None:
    depth = 10_000
    closer = "]" if opener == "[" else "}"
    _, error = _error((opener * depth + "1" + closer * depth).encode())
    assert error.file == "x.json"
    assert f"nested more than {MAX_DEPTH} levels deep" in str(error)


def test_a_million_levels_of_nesting_stop_at_the_bound_without_building_them() -> None:
    # ijson's own builders kept a path string per level: this 2 MB file was killed for want of memory.
    _, error = _error(b"[" * 1_000_000)
    assert "nested more than" in str(error)


def test_deep_record_names_its_record_after_the_good_ones_were_read() -> None:
    good = json.dumps({"a": 1})
    deep = '{"x": ' + "[" * 100 + "]" * 100 + "}"
    read, error = _error(f"[{good}, {good}, {deep}, {good}]".encode())
    assert read == [(1, {"a": 1}), (2, {"a": 1})]
    assert (error.file, error.record) == ("x.json", 3)


def test_nesting_up_to_the_bound_is_read() -> None:
    inner = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)
    [(number, study)] = _studies(f'[{{"x": {inner}}}]'.encode())
    assert number == 1 and isinstance(study["x"], list)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "not valid JSON: parse error: premature EOF"),
        (b"{not json", "not valid JSON: lexical error"),
        (b'[{"a": 1}, {"b": ', "x.json record 2: not valid JSON: parse error: premature EOF"),
        (b'[{"a": 1}] trailing', "not valid JSON: parse error: trailing garbage (after record 1)"),
        (b'["\xff"]', "not valid JSON: lexical error: invalid bytes in UTF8 string."),
        (b"42", 'expected a study object, a {"studies": [...]} page or a list of studies'),
        (b'"text"', "expected a study object"),
        (b'{"studies": {"a": 1}}', "studies: expected a list of studies"),
        (b'{"studies": "none"}', "studies: expected a list of studies"),
        (b'{"studies": null}', "studies: expected a list of studies"),
    ],
    ids=[
        "empty",
        "not-json",
        "truncated",
        "trailing-garbage",
        "bad-utf8",
        "number",
        "string",
        "studies-object",
        "studies-string",
        "studies-null",
    ],
)
def test_bad_files_are_errors_naming_the_file(data: bytes, expected: str) -> None:
    _, error = _error(data)
    assert error.file == "x.json"
    assert str(error).startswith("x.json") and expected in str(error)
    assert "\n" not in str(error)


def test_deep_file_in_a_folder_is_reported_and_the_other_files_convert(tmp_path: Path) -> None:
    (tmp_path / "a-deep.json").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    (tmp_path / "b.json").write_bytes(SEED.read_bytes())
    results = list(read_trials([tmp_path]))
    assert [type(r) for r in results] == [InputError, TrialRecord]
    error = results[0]
    assert isinstance(error, InputError) and error.file == str(tmp_path / "a-deep.json")
    assert "nested more than" in str(error)


def test_records_before_a_truncation_are_read_and_the_truncation_reported(tmp_path: Path) -> None:
    studies = [json.dumps(study_json("NCT06158412")), json.dumps(study_json("NCT03418623"))]
    path = tmp_path / "cut.json"
    path.write_text("[" + ",".join(studies)[:-500], encoding="utf-8")
    [trial, error] = list(read_trials([path]))
    assert isinstance(trial, TrialRecord) and trial.nct_id == "NCT06158412"
    assert isinstance(error, InputError)
    assert str(error).startswith(f"{path} record 2: not valid JSON")


def test_reading_an_export_holds_one_study_at_a_time_not_the_file(tmp_path: Path) -> None:
    # json.load held the whole file as objects, several times its size (200 MB took 1.28 GB RSS);
    # benchmarks/memory.py measures the real thing. Traced memory, not time: the bound does not flake.
    study = study_json()
    path = tmp_path / "export.json"
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for number in range(400):
            study["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{number:07d}"
            out.write(("," if number else "") + json.dumps(study))
        out.write("]")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        read = sum(1 for item in read_trials([path]) if isinstance(item, TrialRecord))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read == 400
    assert peak < size / 2, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.1f} MiB file"
