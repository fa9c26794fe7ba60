"""The push journal: one JSON line per trial and outcome, so an interrupted run resumes where it stopped.

A trial is skipped on the next run only when the journal's last line for it, on the same server, says it
landed (created, updated or unchanged) from the very same Bundle (same SHA-256). A changed record, a
failure, or another server means it is pushed again. The journal holds ids, outcomes and error texts:
never a token, and no contact details.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fhir_adapter.errors import SettingsError

LANDED = frozenset({"created", "updated", "unchanged"})


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
