"""The state of one sync: which query, to which server, when it last succeeded, which studies matched then.

One small JSON file per (server, query), named by a hash of the two, in the state directory
(`$XDG_STATE_HOME/fhir-adapter/`, else `~/.local/state/fhir-adapter/`, or `--state-dir`). Beside it: the
push journal of the run in progress (`.journal.jsonl`, removed after a successful run) and the folder the
run fetches studies into (`.studies/`, emptied as they are pushed). The state only saves work: without it
a sync fetches everything its query selects and still writes only what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fhir_adapter.errors import SettingsError

STATE_VERSION = 1


@dataclass(frozen=True)
class SyncState:
    """What the last successful sync of a query to a server left: when it started, what matched."""

    server: str
    query: dict[str, Any]
    started: datetime  # the moment the run began: the next run fetches what changed since (minus a margin)
    finished: datetime
    matching: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "server": self.server,
            "query": self.query,
            "last_success": {"started": _iso(self.started), "finished": _iso(self.finished)},
            "matching": sorted(self.matching),
        }


@dataclass(frozen=True)
class StatePaths:
    """Where one (server, query) pair keeps its state, journal and fetched studies."""

    state: Path
    journal: Path
    studies: Path

    @staticmethod
    def of(state_dir: Path, server: str, query: dict[str, Any]) -> StatePaths:
        """Return the paths for `server` and `query` (the query as StudyQuery.selection() gives it)."""
        key = json.dumps({"server": server.rstrip("/"), "query": query}, sort_keys=True)
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
        return StatePaths(
            state_dir / f"sync-{name}.json",
            state_dir / f"sync-{name}.journal.jsonl",
            state_dir / f"sync-{name}.studies",
        )


def read_state(path: Path) -> SyncState | None:
    """Return the state in `path`, or None when there is none yet; SettingsError when it is unreadable."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        last = data["last_success"]
        return SyncState(
            server=str(data["server"]),
            query=dict(data["query"]),
            started=datetime.fromisoformat(last["started"]),
            finished=datetime.fromisoformat(last["finished"]),
            matching=frozenset(str(i) for i in data["matching"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SettingsError(
            f"{path}: the sync state cannot be read ({type(exc).__name__}); remove it, or pass --full"
        ) from exc


def write_state(path: Path, state: SyncState) -> None:
    """Write `state` to `path` whole or not at all (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state.to_json(), out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
