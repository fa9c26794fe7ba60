"""`--summary FILE`: a run of `convert`, `validate` or `push` as one JSON document, for CI and monitoring.

The shape follows `sync --summary` (cli/sync.py): `command`, `started`, `finished`, `seconds`, `exit_code`,
`outcomes` (count per outcome) and `trials` (one object per trial or file: `nct_id`, `source`, `outcome`,
`error`, `finished_after_seconds` since the run started), plus what the command adds (`server`, `dry_run`
and `stopped` for push; `issues` per file for validate; `resources` and `warnings` per trial for convert).
Convert and validate work one trial at a time, so their trials also carry `seconds`, the time spent on each;
push writes several at once, where only the moment each finished is meaningful.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fhir_adapter.errors import SettingsError


@dataclass
class RunSummary:
    """The outcomes of one run, collected as they come, written at the end."""

    command: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    details: dict[str, Any] = field(default_factory=dict)  # what this command adds at the top level
    trials: list[dict[str, Any]] = field(default_factory=list)
    monotonic_start: float = field(default_factory=time.monotonic)  # for durations; `started` is the date
    _lap: float = 0.0

    def add(self, *, nct_id: str | None, source: str, outcome: str, error: str | None, **extra: Any) -> None:
        """Record one trial's (or file's) outcome; `extra` adds command-specific fields."""
        elapsed = time.monotonic() - self.monotonic_start
        entry: dict[str, Any] = {"nct_id": nct_id, "source": source, "outcome": outcome, "error": error}
        entry.update(extra)
        entry["finished_after_seconds"] = round(elapsed, 3)
        self.trials.append(entry)

    def lap(self) -> float:
        """Return the seconds since the last lap (or the start): one trial's time in a sequential run."""
        now = time.monotonic() - self.monotonic_start
        seconds, self._lap = now - self._lap, now
        return round(seconds, 3)

    def to_json(self, *, exit_code: int) -> dict[str, Any]:
        """Return the summary document of the finished run."""
        finished = datetime.now(UTC)
        return {
            "command": self.command,
            **self.details,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - self.monotonic_start, 3),
            "exit_code": exit_code,
            "outcomes": dict(Counter(trial["outcome"] for trial in self.trials)),
            "trials": self.trials,
        }

    def write(self, path: Path, *, exit_code: int) -> None:
        """Write the summary to `path` as indented JSON."""
        document = json.dumps(self.to_json(exit_code=exit_code), indent=2, ensure_ascii=False)
        path.write_text(document + "\n", encoding="utf-8")


def trials_junit_xml(
    summary: RunSummary, *, failed: Collection[str] = ("failed",), skipped: Collection[str] = ()
) -> str:
    """Return JUnit XML for a CI server: one test suite for the run, one test case per trial.

    A trial whose outcome is in `failed` is a failure (its error the message), one in `skipped` is skipped
    (a push stopped before it), any other passed; the outcome and the resources written go to system-out.
    """
    suite = ET.Element("testsuite", name=f"fhir-adapter {summary.command}")
    counts = Counter(
        "failed" if t["outcome"] in failed else "skipped" if t["outcome"] in skipped else "ok"
        for t in summary.trials
    )
    previous = 0.0
    for trial in summary.trials:
        case = ET.SubElement(
            suite, "testcase", classname=trial["source"], name=trial["nct_id"] or trial["source"]
        )
        finished = float(trial["finished_after_seconds"])
        case.set("time", f"{finished - previous:.3f}")
        previous = finished
        if trial["outcome"] in failed:
            ET.SubElement(case, "failure", message=str(trial["error"]), type=trial["outcome"]).text = str(
                trial["error"]
            )
        elif trial["outcome"] in skipped:
            ET.SubElement(case, "skipped", message=trial["outcome"])
        written = trial.get("resources")
        ET.SubElement(case, "system-out").text = f"{trial['outcome']}" + (f": {written}" if written else "")
    suite.set("tests", str(len(summary.trials)))
    suite.set("failures", str(counts["failed"]))
    suite.set("skipped", str(counts["skipped"]))
    suite.set("errors", "0")
    suite.set("time", f"{time.monotonic() - summary.monotonic_start:.3f}")
    suites = ET.Element("testsuites", name=f"fhir-adapter {summary.command}")
    suites.append(suite)
    for name in ("tests", "failures", "skipped", "errors", "time"):
        suites.set(name, suite.get(name, ""))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def add_summary_argument(parser: argparse.ArgumentParser) -> None:
    """Add `--summary FILE` (the run as JSON: counts, each trial's outcome, timings; cli/summary.py)."""
    parser.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="also write the run's summary as JSON (outcomes, timings)",
    )


def check_writable(path: Path, *, flag: str) -> None:
    """Raise SettingsError unless `path` is a file we can append to, or one we can create."""
    if path.is_dir():
        raise SettingsError(f"{flag} {path}: is a directory, not a file")
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise SettingsError(f"{flag} {path}: cannot be read and written")
        return
    folder = path.parent
    while not folder.exists():  # the journal makes missing folders; the first existing one must allow it
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise SettingsError(f"{flag} {path}: cannot be created in {folder}")
