"""A fake ClinicalTrials.gov API v2 on 127.0.0.1: real records from fixtures/ctgov/, the real API's paging.

It answers what fhir-adapter asks, the way https://clinicaltrials.gov/data-api/api documents it:

- `GET /api/v2/studies`: `query.term` (anywhere in the record), `query.cond` (conditions, keywords, titles,
  condition MeSH terms), `query.spons` (lead sponsor, collaborators), `query.locn` (facility, city, state,
  zip, country), each matching when every word of it appears (case-insensitive; Essie's operators are not
  implemented); `filter.overallStatus` and `filter.ids` (comma- or pipe-separated; ids match nctId and
  nctIdAliases); `filter.advanced` only as `AREA[LastUpdatePostDate]RANGE[from,to]` (MIN/MAX allowed);
  `fields=NCTId`; `pageSize` (default 10, coerced down to 1,000); `pageToken` (opaque; it must come with the
  same other parameters, else 400); `countTotal` (totalCount on the first page only). The last page has no
  `nextPageToken`. Any other parameter answers 400, so a misspelt one fails a test instead of being ignored.
- `GET /api/v2/studies/{nctId}`: the study; 301 to the current id for an alias; 404 for an unknown id.
- `GET /api/v2/version`: `apiVersion` and `dataTimestamp`.

Tests change it while it runs: `update_study` (a new version of a record, posted on a given day),
`throttle` (the next requests answer 429 with Retry-After), and read `requests` (what was asked).
Run by hand: `python -m tests.ctgov_api --port 8081` (see __main__.py).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Json = dict[str, Any]
API_PREFIX = "/api/v2"
FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "ctgov"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
_PAGING = {"pageSize", "pageToken", "countTotal"}
_KNOWN = {
    "format",
    "query.term",
    "query.cond",
    "query.spons",
    "query.locn",
    "filter.overallStatus",
    "filter.ids",
    "filter.advanced",
    "fields",
} | _PAGING
_RANGE = re.compile(
    r"^AREA\[LastUpdatePostDate\]RANGE\[\s*(MIN|\d{4}-\d{2}-\d{2})\s*,\s*(MAX|\d{4}-\d{2}-\d{2})\s*\]$"
)


class BadRequest(Exception):
    """A request the real API would refuse (400), with its one-line reason."""


def load_studies(folder: Path = FIXTURES) -> dict[str, Json]:
    """Return the study records in `folder` (top level only), keyed by NCT id."""
    studies = {}
    for path in sorted(folder.glob("NCT*.json")):
        study = json.loads(path.read_text(encoding="utf-8"))
        studies[nct_id_of(study)] = study
    return studies


def nct_id_of(study: Json) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def _module(study: Json, name: str) -> Json:
    value = study.get("protocolSection", {}).get(name)
    return value if isinstance(value, dict) else {}


def last_update(study: Json) -> str:
    return str(_module(study, "statusModule").get("lastUpdatePostDateStruct", {}).get("date", ""))


def _area_text(study: Json, area: str) -> str:
    """Return the text a `query.*` parameter searches in (lower case)."""
    ident = _module(study, "identificationModule")
    if area == "query.cond":
        conditions = _module(study, "conditionsModule")
        browse = study.get("derivedSection", {}).get("conditionBrowseModule", {})
        parts = [
            *conditions.get("conditions", []),
            *conditions.get("keywords", []),
            ident.get("briefTitle", ""),
            ident.get("officialTitle", ""),
            *(mesh.get("term", "") for mesh in browse.get("meshes", [])),
        ]
    elif area == "query.spons":
        sponsors = _module(study, "sponsorCollaboratorsModule")
        parts = [sponsors.get("leadSponsor", {}).get("name", "")]
        parts += [c.get("name", "") for c in sponsors.get("collaborators", [])]
    elif area == "query.locn":
        sites = _module(study, "contactsLocationsModule").get("locations", [])
        keys = ("facility", "city", "state", "zip", "country")
        parts = [str(site.get(key, "")) for site in sites for key in keys]
    else:  # query.term: anywhere in the record
        parts = [json.dumps(study.get("protocolSection", {}), ensure_ascii=False)]
    return " ".join(str(p) for p in parts).lower()


def _matches(study: Json, params: dict[str, str]) -> bool:
    for area in ("query.term", "query.cond", "query.spons", "query.locn"):
        if area in params and not all(
            word in _area_text(study, area) for word in params[area].lower().split()
        ):
            return False
    if "filter.overallStatus" in params:
        statuses = set(_split(params["filter.overallStatus"]))
        if _module(study, "statusModule").get("overallStatus") not in statuses:
            return False
    if "filter.ids" in params:
        ident = _module(study, "identificationModule")
        known = {ident.get("nctId"), *ident.get("nctIdAliases", [])}
        if not known & {i.upper() for i in _split(params["filter.ids"])}:
            return False
    if "filter.advanced" in params:
        low, high = _range(params["filter.advanced"])
        updated = last_update(study)
        if (low and updated < low) or (high and updated > high):
            return False
    return True


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,|]", value) if part.strip()]


def _range(expression: str) -> tuple[str | None, str | None]:
    match = _RANGE.match(expression.strip())
    if match is None:
        raise BadRequest(
            f"filter.advanced: the fake API knows only AREA[LastUpdatePostDate]RANGE[..]: {expression}"
        )
    low, high = match.groups()
    return (None if low == "MIN" else low), (None if high == "MAX" else high)


class FakeCtgovApi:
    """The fake API, serving in a thread; use as a context manager or call start() and stop()."""

    def __init__(self, studies: dict[str, Json] | None = None, *, port: int = 0) -> None:
        self.studies = copy.deepcopy(studies) if studies is not None else load_studies()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.data_timestamp = "2026-12-01T09:00:00"
        self.delay = 0.0  # seconds each answer waits: a slow API, so a test can stop a run midway
        self._throttled: list[int] = []  # Retry-After seconds of the next 429 answers
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_PREFIX}"

    def start(self) -> FakeCtgovApi:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-ctgov", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeCtgovApi:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what tests change ------------------------------------------------------------------------------

    def update_study(self, nct_id: str, change: Callable[[Json], None], *, posted: date) -> None:
        """Publish a new version of a study: `change` edits it, and its LastUpdatePostDate becomes `posted`."""
        with self._lock:
            study = self.studies[nct_id]
            change(study)
            status = study["protocolSection"].setdefault("statusModule", {})
            status["lastUpdatePostDateStruct"] = {"date": posted.isoformat(), "type": "ACTUAL"}

    def throttle(self, count: int = 1, *, retry_after: int = 1) -> None:
        """Answer the next `count` requests with 429 and `Retry-After: retry_after`."""
        with self._lock:
            self._throttled += [retry_after] * count

    def calls(self, path_suffix: str = "/studies") -> list[dict[str, str]]:
        """Return the parameters of the requests made to paths ending in `path_suffix`, in order."""
        return [params for path, params in self.requests if path.endswith(path_suffix)]

    # -- answering --------------------------------------------------------------------------------------

    def answer(self, path: str, query: str) -> tuple[int, dict[str, str], Json | str]:
        """Return (status, headers, body) for one GET."""
        params_list = parse_qsl(query, keep_blank_values=True)
        params = dict(params_list)
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.requests.append((path, params))
            if self._throttled:
                wait = self._throttled.pop(0)
                return 429, {"Retry-After": str(wait)}, "Too many requests"
            try:
                return self._route(path, params, [k for k, _ in params_list])
            except BadRequest as exc:
                return 400, {}, str(exc)

    def _route(
        self, path: str, params: dict[str, str], names: list[str]
    ) -> tuple[int, dict[str, str], Json | str]:
        if not path.startswith(API_PREFIX):
            return 404, {}, "Not found"
        path = path[len(API_PREFIX) :].rstrip("/")
        if path == "/version":
            return 200, {}, {"apiVersion": "2.0.3", "dataTimestamp": self.data_timestamp}
        if path == "/studies":
            return 200, {}, self._search(params, names)
        if match := re.fullmatch(r"/studies/([A-Za-z]{3}\d+)", path):
            return self._one(match.group(1).upper())
        return 404, {}, "Not found"

    def _one(self, nct_id: str) -> tuple[int, dict[str, str], Json | str]:
        if nct_id in self.studies:
            return 200, {}, self.studies[nct_id]
        for current, study in self.studies.items():
            if nct_id in _module(study, "identificationModule").get("nctIdAliases", []):
                return 301, {"Location": f"{API_PREFIX}/studies/{current}"}, ""
        return 404, {}, f"Study {nct_id} not found"

    def _search(self, params: dict[str, str], names: Iterable[str]) -> Json:
        unknown = sorted(set(names) - _KNOWN)
        if unknown:
            raise BadRequest(f"unknown parameter(s): {', '.join(unknown)}")
        if params.get("format", "json") != "json":
            raise BadRequest("the fake API serves JSON only")
        fields = params.get("fields")
        if fields is not None and fields not in ("NCTId", "protocolSection.identificationModule.nctId"):
            raise BadRequest(f"the fake API knows only fields=NCTId, not {fields}")
        matching = [s for _, s in sorted(self.studies.items()) if _matches(s, params)]
        offset = self._offset(params)
        size = _page_size(params.get("pageSize"))
        page = matching[offset : offset + size]
        body: Json = {"studies": [_only_id(s) if fields else copy.deepcopy(s) for s in page]}
        if params.get("countTotal", "false").lower() == "true" and "pageToken" not in params:
            body["totalCount"] = len(matching)
        if offset + size < len(matching):
            body["nextPageToken"] = _token(offset + size, _fingerprint(params))
        return body

    @staticmethod
    def _offset(params: dict[str, str]) -> int:
        token = params.get("pageToken")
        if token is None:
            return 0
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
            offset, fingerprint = int(decoded["o"]), str(decoded["q"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequest(f"pageToken: not a token this API gave: {token[:40]}") from exc
        if fingerprint != _fingerprint(params):
            raise BadRequest("pageToken: the other parameters differ from the first page's")
        return offset


def _page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except ValueError as exc:
        raise BadRequest(f"pageSize: not a number: {value}") from exc
    if size < 0:
        raise BadRequest("pageSize: must not be negative")
    return min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _fingerprint(params: dict[str, str]) -> str:
    kept = sorted((k, v) for k, v in params.items() if k not in _PAGING)
    return hashlib.sha256(json.dumps(kept).encode("utf-8")).hexdigest()[:16]


def _token(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "q": fingerprint}).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _only_id(study: Json) -> Json:
    return {"protocolSection": {"identificationModule": {"nctId": nct_id_of(study)}}}


def _handler(api: FakeCtgovApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, headers, body = api.answer(parts.path, parts.query)
            data = (json.dumps(body) if isinstance(body, dict) else body).encode("utf-8")
            self.send_response(status)
            kind = "application/json" if isinstance(body, dict) else "text/plain; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: tests read `api.requests` instead

    return Handler
