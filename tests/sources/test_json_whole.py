"""A small file of one study is parsed whole by orjson, or the json module where orjson reads numbers
differently (issue 16: ten times faster than building it from stream events); it must give exactly what
the stream gives, and leave to the stream what the decoders might read differently."""

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
        b'{"u": 18446744073709551615}',  # past int64: orjson takes it, yajl does not
        b'{"n": -9223372036854775808, "m": 9223372036854775807, "l": -9223372036854775809}',
        b'{"s": "12345678901234567890123", "f": 0.1, "g": 1.7976931348623157e308, "h": 5e-324, "i": -0.0}',
        b'{"f": 123456789012345678.25, "g": 1e-400, "h": 0.30000000000000004, "i": 4.35, "j": 1E+2}',
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
        "uint64",
        "int64-bounds",
        "long-digits-in-string",
        "floats",
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
@pytest.mark.parametrize("shape", ["objects", "lists", "mixed"])
def test_nesting_at_and_past_the_bound_reads_the_same_whole_as_streamed(
    depth: int, shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    openers = {"objects": ['{"a":'], "lists": ["["], "mixed": ['{"a":', '[1, "x]]}", ']}[shape]
    closers = {"objects": ["}"], "lists": ["]"], "mixed": ["}", "]"]}[shape]
    data = "".join(
        ['{"b":', *(openers[i % len(openers)] for i in range(depth - 1)), "1"]
        + [closers[i % len(closers)] for i in reversed(range(depth - 1))]
        + ["}"]
    ).encode()
    outcomes = []
    for whole in (True, False):
        try:
            outcomes.append(repr(_read(data, whole=whole, monkeypatch=monkeypatch)))
        except InputError as exc:
            outcomes.append(f"InputError: {exc}")
    assert outcomes[0] == outcomes[1]
    assert ("nested more than" in outcomes[0]) == (depth > MAX_DEPTH)


def test_a_fixture_is_decoded_by_orjson_not_the_json_module(monkeypatch: pytest.MonkeyPatch) -> None:
    data = next(iter(sorted(CTGOV.glob("*.json")))).read_bytes()
    expected = [(None, json.loads(data))]

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("the json module is for the rare file orjson cannot read alike")

    monkeypatch.setattr(json, "loads", refused)  # the module json_stream calls
    assert _read(data, whole=True, monkeypatch=monkeypatch) == expected
