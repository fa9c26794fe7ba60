"""Which studies to ask ClinicalTrials.gov for: NCT ids and a query, as API v2 `/studies` parameters.

The parameter names and their meaning come from the API's own reference (https://clinicaltrials.gov/data-api/api,
generated from its OpenAPI 3.0 spec, https://clinicaltrials.gov/api/oas/v2, read 2026-12):

- `query.term` ("Other terms", BasicSearch area), `query.cond` (ConditionSearch: conditions, keywords, titles,
  condition MeSH terms), `query.spons` (SponsorSearch: lead sponsor and collaborators), `query.locn`
  (LocationSearch: facility, city, state, country): all in Essie expression syntax, passed on as written.
- `filter.overallStatus`: a comma- or pipe-separated list of the 14 Status values below.
- `filter.ids`: a comma- or pipe-separated list of NCT ids, "searched in NCTId and NCTIdAlias fields". Ids go
  here and never into a `query.*` parameter, because "if any query parameter contains only NCT IDs
  (comma- and/or space-separated), filters are ignored".
- `filter.advanced`: an Essie expression; a date range on the last update is
  `AREA[LastUpdatePostDate]RANGE[2026-01-01,MAX]` (the reference's own example for this area).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from fhir_adapter.errors import SettingsError

# The API's Status enum (OpenAPI 2.0.3), the values filter.overallStatus accepts.
OVERALL_STATUSES = (
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "ENROLLING_BY_INVITATION",
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "SUSPENDED",
    "TERMINATED",
    "WITHDRAWN",
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
    "UNKNOWN",
)
# The spec's pattern for an NCT number is ^[Nn][Cc][Tt]0*[1-9]\d{0,7}$; registry ids are NCT + 8 digits.
_NCT_ID = re.compile(r"^[Nn][Cc][Tt](\d{8})$")
_TEXT_FIELDS = ("term", "condition", "sponsor", "location")  # named as the command line's flags


def normalize_nct_id(value: str) -> str:
    """Return `value` as an NCT id (upper case), or raise SettingsError naming it.

    >>> normalize_nct_id(" nct06158412 ")
    'NCT06158412'
    """
    match = _NCT_ID.match(value.strip())
    if match is None:
        raise SettingsError(f"{value!r} is not an NCT id (NCT followed by 8 digits)")
    return f"NCT{match.group(1)}"


def parse_statuses(values: Iterable[str]) -> tuple[str, ...]:
    """Return the overall statuses named in `values` (each may be a comma-separated list), checked.

    >>> parse_statuses(["recruiting", "NOT_YET_RECRUITING,RECRUITING"])
    ('NOT_YET_RECRUITING', 'RECRUITING')
    """
    found: set[str] = set()
    for value in values:
        for part in value.replace("|", ",").split(","):
            status = part.strip().upper()
            if not status:
                continue
            if status not in OVERALL_STATUSES:
                raise SettingsError(f"status {part.strip()!r} is not one of {', '.join(OVERALL_STATUSES)}")
            found.add(status)
    return tuple(sorted(found))


@dataclass(frozen=True)
class StudyQuery:
    """A selection of studies: NCT ids, text queries and filters, all combined with AND.

    `since` limits it to studies whose LastUpdatePostDate is on or after that day. An empty query selects
    the whole registry (about 560,000 studies), which the command line refuses unless asked for.
    """

    nct_ids: tuple[str, ...] = ()
    term: str | None = None
    condition: str | None = None
    sponsor: str | None = None
    location: str | None = None
    statuses: tuple[str, ...] = ()
    since: date | None = None

    def __post_init__(self) -> None:
        ids = tuple(dict.fromkeys(normalize_nct_id(i) for i in self.nct_ids))
        object.__setattr__(self, "nct_ids", ids)
        object.__setattr__(self, "statuses", parse_statuses(self.statuses))
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise SettingsError(f"--{name} is empty")

    @property
    def is_everything(self) -> bool:
        """Return True when nothing narrows the selection down (the whole registry)."""
        return not (self.nct_ids or self.statuses or any(getattr(self, n) for n in _TEXT_FIELDS))

    def since_date(self, day: date | None) -> StudyQuery:
        """Return this query limited to studies updated on or after `day` (None: no date limit)."""
        return replace(self, since=day)

    def api_params(self) -> list[tuple[str, str]]:
        """Return the `/studies` parameters for everything but the NCT ids (see `ids_param`)."""
        params = [
            (name, value)
            for name, value in (
                ("query.term", self.term),
                ("query.cond", self.condition),
                ("query.spons", self.sponsor),
                ("query.locn", self.location),
            )
            if value
        ]
        if self.statuses:
            params.append(("filter.overallStatus", ",".join(self.statuses)))
        if self.since is not None:
            params.append(("filter.advanced", f"AREA[LastUpdatePostDate]RANGE[{self.since.isoformat()},MAX]"))
        return params

    def selection(self) -> dict[str, object]:
        """Return what selects the studies (the date limit aside), as plain JSON: it keys the sync state."""
        chosen: Mapping[str, object] = {
            "nct_ids": sorted(self.nct_ids),
            "term": self.term,
            "condition": self.condition,
            "sponsor": self.sponsor,
            "location": self.location,
            "statuses": list(self.statuses),
        }
        return {key: value for key, value in chosen.items() if value}

    def describe(self) -> str:
        """Return the selection as a person reads it, e.g. `condition='myeloma' statuses=RECRUITING`.

        >>> StudyQuery(condition="myeloma", statuses=("RECRUITING",)).describe()
        "condition='myeloma' statuses=RECRUITING"
        """
        parts = []
        for key, value in self.selection().items():
            shown = ",".join(map(str, value)) if isinstance(value, list) else repr(value)
            parts.append(f"{key}={shown}")
        return " ".join(parts) or "the whole registry"


def ids_param(nct_ids: Iterable[str]) -> tuple[str, str]:
    """Return the `filter.ids` parameter for `nct_ids`.

    >>> ids_param(["NCT00000001", "NCT00000002"])
    ('filter.ids', 'NCT00000001,NCT00000002')
    """
    return ("filter.ids", ",".join(nct_ids))
