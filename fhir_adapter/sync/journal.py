"""The push journal: one JSON line per trial and outcome, so an interrupted run resumes where it stopped.

A trial is skipped on the next run only when the journal's last line for it, on the same server, says it
landed (created, updated or unchanged) from the very same Bundle (same SHA-256). A changed record, a
failure, or another server means it is pushed again. The journal holds ids, outcomes and error texts:
never a token, and no contact details.

By default each server has its own journal in the state directory (`default_journal_path`), and `push`
removes it after a run in which every trial ended done: the journal is the record of a run in progress, so a
plain second push checks the server again (and reports `unchanged`), while a run that was interrupted, stopped
or had failures leaves it, and the next run resumes (`resumed`). Sync keeps its journal the same way
(state.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fhir_adapter.errors import SettingsError
from fhir_adapter.settings import read_env

LANDED = frozenset({"created", "updated", "unchanged"})
STATE_FOLDER = "fhir-adapter"


def default_state_dir() -> Path:
    """Return `$XDG_STATE_HOME/fhir-adapter`, else `~/.local/state/fhir-adapter` (XDG Base Directory):
    state that outlives a run but is no user's document, never the working directory."""
    base = read_env("XDG_STATE_HOME")
    return (Path(base) if base else Path.home() / ".local" / "state") / STATE_FOLDER


def default_journal_path(server_url: str, state_dir: Path | None = None) -> Path:
    """Return the push journal for `server_url`: `push-<hash of the URL>.jsonl` in the state directory.

    >>> default_journal_path("https://ehr.example/fhir/", Path("/state")).as_posix()
    '/state/push-f2db1e76a1e26a202527.jsonl'
    """
    name = hashlib.sha256(server_url.rstrip("/").encode("utf-8")).hexdigest()[:20]
    return (state_dir or default_state_dir()) / f"push-{name}.jsonl"


class Journal:
    """Append-only outcomes of one server's pushes, read back on start."""

    def __init__(self, path: Path, server_url: str) -> None:
        self.path = path
        self.server_url = server_url.rstrip("/")
        self._last: dict[str, dict[str, Any]] = {}

    def load(self) -> Journal:
        """Read what earlier runs recorded (a missing file is an empty journal); return self."""
        if not self.path.exists():
            return self
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SettingsError(f"{self.path}: cannot read the journal: {exc}") from exc
        for line in lines:
            entry = self._parse(line)
            if entry is not None and entry.get("server") == self.server_url:
                self._last[str(entry.get("trial"))] = entry
        return self

    @staticmethod
    def _parse(line: str) -> dict[str, Any] | None:
        if not line.strip():
            return None
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            return None  # a line cut short by an interrupted write: that trial is simply pushed again
        return entry if isinstance(entry, dict) else None

    def is_done(self, trial: str, content_hash: str) -> bool:
        """Return True when `trial` already landed on this server from the same Bundle."""
        last = self._last.get(trial)
        if last is None:
            return False
        return last.get("outcome") in LANDED and last.get("bundle_sha256") == content_hash

    def record(self, trial: str, outcome: str, content_hash: str | None, error: str | None = None) -> None:
        """Append one outcome and flush it to disk before going on."""
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "server": self.server_url,
            "trial": trial,
            "outcome": outcome,
            "bundle_sha256": content_hash,
            "error": error,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._last[trial] = entry
