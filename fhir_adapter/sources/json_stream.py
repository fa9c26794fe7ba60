"""Stream the studies of a ClinicalTrials.gov JSON file one at a time, so memory does not grow with the file.

`json.load` of a 200 MB "Download JSON" export took 1.28 GB, and a file of 10,000 nested `[` raised
RecursionError out of it. Here ijson's `basic_parse` (its yajl2 C backend when installed, as the wheels
ship it) turns the bytes into events and the objects are built from them in this module, one study at a
time, with the nesting depth bounded before anything is built. ijson's own builders (`ijson.items`) are not
used: they keep the path of every open container as a string, which grows with the square of the depth
(10,000 `[` took 250 MB; 1,000,000, a 2 MB file, were killed for want of memory).

A file of one study object up to WHOLE_FILE_LIMIT bytes (every file of a folder of records from the API)
is parsed whole by orjson instead: ten times faster than building from events, and the same values,
nesting bound and character rule. A file with a run of 19 digits (where orjson turns an integer past 64
bits into a float) or one orjson refuses is parsed by the json module's C decoder, with yajl's number
rules, as before orjson. Anything else, or anything the decoders and yajl might read differently (invalid
UTF-8, NaN, a lone surrogate escape, a decoder error), is streamed.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

import ijson
import orjson

from fhir_adapter.errors import InputError
from fhir_adapter.sources.characters import CHANGED, normalize_characters

# A v2 study nests 10 levels deep, 12 inside an export array or a search page; CT.gov adds a level now and
# then, so the bound leaves room, yet stops a hostile file long before it costs memory or recursion.
MAX_DEPTH = 64
STUDIES_KEY = "studies"
UTF8_BOM = b"\xef\xbb\xbf"
LAYOUTS = 'a study object, a {"studies": [...]} page or a list of studies'

# (record number from 1, or None for a file holding one study object; the study as parsed JSON)
NumberedStudy = tuple[int | None, Any]

WHOLE_FILE_LIMIT = 4 * 2**20  # a larger file is streamed: memory stays flat in the size of one file
# Bytes that may decode to a character normalize_characters changes: such a character's UTF-8 encoding, or
# an escape (\r, \b, \f, \uXXXX) that may stand for one. Without any, the parsed strings are already
# normalised.
_MAY_NEED_WORK_BYTES = re.compile(b"|".join([*(re.escape(c.encode()) for c in CHANGED), rb"\\[rbfu]"]))
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # yajl and json may read these differently
# Every integer of up to 18 digits fits in 64 bits, where orjson and yajl read integers alike; a longer run
# of digits (maybe in a string: then the json module reads the file, to the same values) is left to json.
# Found as a run of "0"s once every digit is "0" and every other byte a space: ten times faster than \d{19}.
_DIGITS_AS_ZEROS = bytes(ord("0") if ord("0") <= byte <= ord("9") else ord(" ") for byte in range(256))
_LONG_DIGITS = b"0" * 19
_OPENERS = frozenset({"start_map", "start_array"})
_CLOSERS = frozenset({"end_map", "end_array"})


def read_json_studies(handle: IO[bytes], file: str) -> Iterator[NumberedStudy]:
    """Yield each study in a v2 JSON file with its record number, as the file is read.

    Raises InputError naming the file (and the record, once inside one) when the file is not JSON, nests
    deeper than MAX_DEPTH or has none of the accepted layouts; the studies before the fault were yielded.
    """
    whole = _parsed_whole(handle)
    if whole is not None:
        yield from whole
        return
    handle.seek(0)
    builder = _StudyBuilder(file)
    try:
        yield from builder.studies(ijson.basic_parse(_without_bom(handle), use_float=True))
    except ijson.JSONError as exc:
        raise builder.error(f"not valid JSON: {_first_line(exc)}") from exc


def _parsed_whole(handle: IO[bytes]) -> list[NumberedStudy] | None:
    """Return the study of a small file holding one study object, parsed whole; or None when the file
    must be streamed (too large, another layout, or bytes the decoders may disagree on: the stream then
    reads it, and reports its faults as always). Exports and search pages are always streamed, so their
    first studies come before the rest of the file is read."""
    data = _whole_file(handle)
    value = None if data is None or _SURROGATE_ESCAPE.search(data) else _decoded(data)
    if data is None or not isinstance(value, dict) or STUDIES_KEY in value:
        return None
    try:
        if _MAY_NEED_WORK_BYTES.search(data):
            return [(None, _normalized(value, 1))]
        _check_depth(value)
    except (RecursionError, _TooDeep):
        return None
    return [(None, value)]


def _whole_file(handle: IO[bytes]) -> bytes | None:
    """Return the bytes of a file that may hold one study object (starting with `{`, without "studies",
    up to WHOLE_FILE_LIMIT bytes), without a byte order mark; None for a file to stream."""
    start = handle.read(len(UTF8_BOM) + 64).removeprefix(UTF8_BOM).lstrip()
    if not start.startswith(b"{"):  # an export array (or not JSON): streamed
        return None
    data = start + _read_at_most(handle, WHOLE_FILE_LIMIT)
    if len(data) > WHOLE_FILE_LIMIT or b'"studies"' in data:  # large, or maybe a search page: streamed
        return None
    return data


def _read_at_most(handle: IO[bytes], limit: int) -> bytes:
    """Return `handle.read(limit)`, without the buffer of `limit` bytes that read() makes first: 4 MB for
    each 35 kB record file cost more than the reading (issue 16). Where the handle is a file, what is left
    of it is asked for, and one byte more, which says whether it grew since: then the rest is read too."""
    try:
        left = os.fstat(handle.fileno()).st_size - handle.tell()
    except (OSError, ValueError):  # not a file (io.UnsupportedOperation is both), or closed
        return handle.read(limit)
    data = handle.read(max(min(limit, left + 1), 0))
    if left < len(data) < limit:  # the file grew after fstat: read on, up to `limit`, as read() would
        data += handle.read(limit - len(data))
    return data


def _decoded(data: bytes) -> Any:
    """Return the JSON value of `data`, or None where the stream must read it (None is also JSON's null,
    which is not a study object either)."""
    if _LONG_DIGITS not in data.translate(_DIGITS_AS_ZEROS):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the json module decides, as before orjson: the same files are streamed
    try:
        return json.loads(
            data.decode("utf-8"), parse_constant=_not_json, parse_float=_finite_float, parse_int=_int64
        )
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        return None


class _TooDeep(Exception):
    """Nested deeper than MAX_DEPTH: the stream says so, naming the record."""


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _int64(text: str) -> int:
    """Return the integer; raise ValueError where yajl reports an overflow (past 64 bits)."""
    number = int(text)
    if not -(2**63) <= number < 2**63:
        raise ValueError(f"{text}: integer overflow")
    return number


def _finite_float(text: str) -> float:
    """Return the number; raise ValueError where yajl reports an overflow (1e400), so the stream says so."""
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"{text}: numeric overflow")
    return number


def _check_depth(root: dict[str, Any]) -> None:
    """Raise _TooDeep when an object or list of `root` (a decoder's output: dicts, lists and scalars only)
    nests deeper than MAX_DEPTH, the root being at 1. Level by level, without recursion: only the
    containers are visited, as cheaply as Python visits them."""
    level: list[Any] = [root]
    for _ in range(MAX_DEPTH):
        below = []
        for container in level:
            for item in container.values() if type(container) is dict else container:
                kind = type(item)
                if kind is dict or kind is list:
                    below.append(item)
        if not below:
            return
        level = below
    raise _TooDeep


def _normalized(value: Any, level: int) -> Any:
    """Return `value` (at nesting `level`, the file's root being 1) with its strings normalised, as the
    stream builds it; raise _TooDeep past MAX_DEPTH."""
    if isinstance(value, dict):
        if level > MAX_DEPTH:
            raise _TooDeep
        return {key: _normalized(item, level + 1) for key, item in value.items()}
    if isinstance(value, list):
        if level > MAX_DEPTH:
            raise _TooDeep
        return [_normalized(item, level + 1) for item in value]
    if isinstance(value, str):
        return normalize_characters(value)
    return value


def _without_bom(handle: IO[bytes]) -> IO[bytes]:
    """Return `handle` past a UTF-8 byte order mark, which json.load accepted and yajl does not."""
    if handle.read(len(UTF8_BOM)) != UTF8_BOM:
        handle.seek(0)
    return handle


def _first_line(exc: Exception) -> str:
    r"""Return yajl's message without the excerpt of the file it appends (or its bytes repr).

    >>> _first_line(ValueError("parse error: premature EOF\n   [1,\n  (right here) ------^\n"))
    'parse error: premature EOF'
    >>> _first_line(ValueError("b'lexical error: invalid bytes in UTF8 string.\\n  [\"\\xff\"]'"))
    'lexical error: invalid bytes in UTF8 string.'
    """
    text = re.split(r"\\n|\n", str(exc), maxsplit=1)[0].strip()
    return text[2:] if text.startswith(("b'", 'b"')) else text


class _StudyBuilder:
    """Builds JSON values from parse events; the children of the studies list are yielded, not kept.

    The studies list is the root array of an export, or the `studies` array of a search page. A root object
    without a `studies` key is one study, yielded whole when it closes.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.open: list[Any] = []  # the containers being built, outermost first
        self.key: str | None = None  # the key waiting for its value in the innermost open object
        self.studies_list: list[Any] | None = None  # whose children are studies, once known
        self.count = 0  # studies yielded so far

    def studies(self, events: Iterable[tuple[str, Any]]) -> Iterator[NumberedStudy]:
        """Return the studies built from `events` (ijson basic_parse), each as soon as it is complete."""
        for event, value in events:
            if event == "map_key":
                self.key = value
            elif event in _OPENERS:
                self._start({} if event == "start_map" else [])
            elif event in _CLOSERS:
                yield from self._end()
            elif self._is_study_place():
                self.count += 1
                yield self.count, value  # not an object: parse_study names it as the wrong type
            else:
                self._add(value)

    def error(self, reason: str, field: str | None = None) -> InputError:
        """Return an InputError naming the file, and the record being read if inside one."""
        if self._inside_study():
            return InputError(reason, file=self.file, record=self.count + 1, field=field)
        after = f" (after record {self.count})" if self.count else ""
        return InputError(f"{reason}{after}", file=self.file, field=field)

    def _inside_study(self) -> bool:
        return self.studies_list is not None and any(c is self.studies_list for c in self.open[:-1])

    def _is_study_place(self) -> bool:
        return bool(self.open) and self.open[-1] is self.studies_list

    def _start(self, container: dict[str, Any] | list[Any]) -> None:
        if len(self.open) >= MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep: not a ClinicalTrials.gov record")
        if not self.open:
            if isinstance(container, list):
                self.studies_list = container
        elif self._is_studies_key():
            if not isinstance(container, list):
                raise self.error("expected a list of studies", field=STUDIES_KEY)
            self.studies_list = container  # not added to the page: its studies are yielded one by one
        elif not self._is_study_place():
            self._add(container)
        self.open.append(container)
        self.key = None

    def _end(self) -> Iterator[NumberedStudy]:
        closed = self.open.pop()
        self.key = None
        if not self.open and self.studies_list is None:
            yield None, closed  # a file holding one study object
        elif self._is_study_place():
            self.count += 1
            yield self.count, closed

    def _add(self, value: Any) -> None:
        if not self.open:
            raise self.error(f"expected {LAYOUTS}")
        if self._is_studies_key():
            raise self.error("expected a list of studies", field=STUDIES_KEY)
        if isinstance(value, str):
            value = normalize_characters(value)
        parent = self.open[-1]
        if isinstance(parent, list):
            parent.append(value)
        else:
            parent[self.key] = value

    def _is_studies_key(self) -> bool:
        """Return True at the value of a root object's `studies` key: the object is a search page."""
        return len(self.open) == 1 and self.studies_list is None and self.key == STUDIES_KEY
