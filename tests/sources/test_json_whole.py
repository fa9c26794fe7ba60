"""A small file of one study is parsed whole by the json module (issue 16: ten times faster than building
it from stream events); it must give exactly what the stream gives, and leave to the stream what the two
decoders might read differently."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from fhir_adapter.errors import InputError
from fhir_adapter.sources import json_stream
from fhir_adapter.sources.json_stream import MAX_DEPTH, read_json_studies
from tests.conftest import CTGOV, study_json


def _read(data: bytes, *, whole: bool, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int | None, Any]]:
    """Return what the reader yields, parsing small files whole or (`whole=False`) streaming everything."""
    with monkeypatch.context() as patch:
        if not whole:
            patch.setattr(json_stream, "WHOLE_FILE_LIMIT", 0)
        return list(read_json_studies(io.BytesIO(data), "x.json"))


@pytest.mark.parametrize("path", sorted(CTGOV.glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_reads_the_same_whole_as_streamed(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    whole = _read(data, whole=True, monkeypatch=monkeypatch)
    assert whole == _read(data, whole=False, monkeypatch=monkeypatch)
    assert json.dumps(whole, ensure_ascii=False) == json.dumps(
        _read(data, whole=False, monkeypatch=monkeypatch), ensure_ascii=False
    )  # key order too


def _study_with(text: str) -> bytes:
    study = study_json()
    study["protocolSection"]["descriptionModule"] = {"briefSummary": text}
    return json.dumps(study).encode()


@pytest.mark.parametrize(
    "data",
    [
        _study_with("Age\u00a0\u2265\u202f18\u2028ECOG\r\n0-1\u200b\u0007"),  # \\u escapes, \\r
        json.dumps(study_json(), ensure_ascii=False).replace("Study", "Study\u00a0\u3000").encode(),  # raw
        b"\xef\xbb\xbf" + json.dumps(study_json()).encode(),  # byte order mark
        b'{"a": "\\ud83d\\ude00 pair", "b": 1}',  # a surrogate pair: streamed, to be safe
        b'{"a": "\\ud800 alone", "b": 1}',
        b'{"a": NaN}',  # not JSON, though json.loads takes it
        b'{"a": 1e400, "b": -0}',
        b'{"c": 12345678901234567890123, "d": 9223372036854775807, "e": 1.5E3}',
        b'{"a": 1, "a": 2, "b": 3}',  # a repeated key: the last value, in the first place
        b'{"studies": 5}',
        b'  \n {"protocolSection": {}}  ',
        b'{"a": "caf\xe9"}',  # not UTF-8
        b'{"a": [1, 2}',
    ],
    ids=[
        "escaped-specials",
        "raw-specials",
        "bom",
        "surrogate-pair",
        "lone-surrogate",
        "nan",
        "float-overflow",
        "integer-overflow",
        "repeated-key",
        "page-not-list",
        "whitespace",
        "latin-1",
        "broken",
    ],
)
def test_edge_cases_read_the_same_whole_as_streamed(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = []
    for whole in (True, False):
        try:
            outcomes.append(repr(_read(data, whole=whole, monkeypatch=monkeypatch)))
        except InputError as exc:
            outcomes.append(f"InputError: {exc}")
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 5_000])
def test_nesting_at_and_past_the_bound_reads_the_same_whole_as_streamed(
    depth: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ('{"a":' * depth + "1" + "}" * depth).encode()
    outcomes = []
    for whole in (True, False):
        try:
            outcomes.append(repr(_read(data, whole=whole, monkeypatch=monkeypatch)))
        except InputError as exc:
            outcomes.append(f"InputError: {exc}")
    assert outcomes[0] == outcomes[1]
    assert ("nested more than" in outcomes[0]) == (depth > MAX_DEPTH)
