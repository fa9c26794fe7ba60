"""_read_at_most reads what `handle.read(limit)` reads, asking a file for its size instead of making a
buffer of `limit` bytes first (issue 16): the same bytes for a file smaller, equal to or larger than the
limit, for a handle that is not a file, and for a file that grows while it is read."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from fhir_adapter.sources.json_stream import _read_at_most


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 5000])
@pytest.mark.parametrize("skip", [0, 7])
def test_a_file_gives_what_read_gives(tmp_path: Path, size: int, skip: int) -> None:
    path = tmp_path / "study.json"
    path.write_bytes(bytes(range(256)) * (size // 256) + bytes(size % 256))
    with path.open("rb") as expected, path.open("rb") as handle:
        expected.read(skip)
        handle.read(skip)  # buffered ahead: tell() says where the reader is, not the OS
        assert _read_at_most(handle, 100) == expected.read(100)
        assert handle.read() == expected.read()  # and leaves the handle where read() leaves it


def test_a_handle_without_a_file_is_read_as_before() -> None:
    assert _read_at_most(io.BytesIO(b"x" * 300), 100) == b"x" * 100


def test_a_file_that_grows_after_its_size_was_taken_is_read_up_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "study.json"
    path.write_bytes(b"y" * 50)
    real_fstat = os.fstat

    def fstat_then_grow(fd: int) -> os.stat_result:
        found = real_fstat(fd)
        with path.open("ab") as more:
            more.write(b"z" * 200)
        return found

    monkeypatch.setattr(os, "fstat", fstat_then_grow)  # the module json_stream calls
    with path.open("rb") as handle:
        assert _read_at_most(handle, 100) == b"y" * 50 + b"z" * 50
