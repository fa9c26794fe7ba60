"""The errors fhir-adapter raises, all under one root.

    FhirAdapterError
    ├── InputError (also a ValueError)     a record file that cannot be read as a trial
    ├── MappingError                       a value no mapping table can translate where one is required
    ├── ValidationFailed                   a resource or Bundle broke a rule; holds the issues
    ├── ServerError                        the FHIR server answered with an error
    │   ├── RetryableServerError           429/5xx/timeouts, answers cut short: worth another try
    │   │   └── ServerUnavailable          no connection, or 502/503 after every retry     (stops a run)
    │   └── FatalServerError               4xx and the like: trying again will not help
    ├── AuthError                          a token could not be had or was refused            (stops a run)
    └── SettingsError                      the run's settings are incomplete or contradict each other
                                                                                               (stops a run)

Every error carries what failed as attributes (trial id, file, field path, value) and builds its message from
them, so reports read the attributes and never parse the text. `stops_run` marks the errors that would fail
every trial the same way (the server is down, our credentials or settings are refused): a run stops at the
first one instead of failing each remaining trial in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar


class FhirAdapterError(Exception):
    """The root of every error fhir-adapter raises."""

    stops_run: ClassVar[bool] = False  # True: every other trial of the run would fail the same way


class InputError(FhirAdapterError, ValueError):
    """A record that cannot be read: names the file, the record's place in it, the field and the value."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        record: int | None = None,
        nct_id: str | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.record = record
        self.nct_id = nct_id
        self.field = field
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = [part for part in (self.nct_id, self.file) if part]
        head = " ".join(where[:1] + [f"({p})" for p in where[1:]])
        if self.record is not None:
            head = f"{head} record {self.record}".strip()
        field = f"{self.field}: " if self.field else ""
        return f"{head}: {field}{self.reason}" if head else f"{field}{self.reason}"


class MappingError(FhirAdapterError):
    """A value that no mapping table translates, where FHIR needs a code."""

    def __init__(self, *, nct_id: str, field: str, value: str, table: str) -> None:
        self.nct_id = nct_id
        self.field = field
        self.value = value
        self.table = table
        super().__init__(f"{nct_id}: {field}: {value!r} has no entry in the mapping table {table!r}")


class ValidationFailed(FhirAdapterError):
    """A resource or Bundle broke one or more rules; `issues` lists them."""

    def __init__(self, subject: str, issues: Sequence[Any]) -> None:
        self.subject = subject
        self.issues = list(issues)
        first = str(self.issues[0]) if self.issues else "no details"
        more = f" (and {len(self.issues) - 1} more)" if len(self.issues) > 1 else ""
        super().__init__(f"{subject}: {first}{more}")


class ServerError(FhirAdapterError):
    """The FHIR server answered with an error: method, URL (no query secrets), status, the server's words."""

    def __init__(
        self, *, method: str, url: str, status: int | None, detail: str, nct_id: str | None = None
    ) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.detail = detail
        self.nct_id = nct_id
        status_text = str(status) if status is not None else "no response"
        prefix = f"{nct_id}: " if nct_id else ""
        super().__init__(f"{prefix}{method} {url} -> {status_text}: {detail}")


class RetryableServerError(ServerError):
    """A server error worth another try (429, 502, 503, 504, timeouts, dropped connections, cut answers)."""


class ServerUnavailable(RetryableServerError):
    """No server answered (connection refused, unknown host, connect timeout) or it said 502/503 to the
    last try: the run cannot go on, every other trial would wait for the same retries."""

    stops_run = True


class FatalServerError(ServerError):
    """A server error that another try will not fix."""


class AuthError(FhirAdapterError):
    """A token could not be obtained or was refused. The message never contains the secret."""

    stops_run = True


class SettingsError(FhirAdapterError):
    """The run's settings are incomplete or contradict each other (or name a file or variable not there)."""

    stops_run = True


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """Return `number` with `noun` in the right number, for messages and summaries.

    >>> counted(1, "record"), counted(2, "record"), counted(0, "trial")
    ('1 record', '2 records', '0 trials')
    >>> counted(1, "entry", "entries"), counted(3, "entry", "entries")
    ('1 entry', '3 entries')
    """
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
