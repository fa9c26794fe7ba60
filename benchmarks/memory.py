"""Benchmark memory: peak RSS of reading and converting one large JSON export, in a fresh process each.

    python benchmarks/memory.py [--size MB ...] [--stage json-load|read|convert ...] [--keep DIR]

For each size (default 200 MB) it writes a "Download JSON" array of the fixture records (fixtures/ctgov/,
in turn, each copy with its own NCT id) into a temporary folder, then runs each stage in a subprocess and
reports that process's peak resident set size (`wait4`'s ru_maxrss) and its time:

- json-load: `json.load` of the whole file, as the reader did before it streamed (for comparison);
- read: `read_trials` over the file, both passes (duplicate index, then every TrialRecord);
- convert: `fhir-adapter convert FILE --out TMP`, everything a user runs (about 0.5 s a record here).

Flat means the peak does not grow with the size: compare `--size 20 200`. The issue's target is under
200 MB for any single input file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "ctgov"
FIRST_ID = 90_000_000  # NCT9xxxxxxx: no real record has one yet, so the copies never meet a real id

STAGES = {
    "json-load": "import json, sys\nwith open(sys.argv[1], 'rb') as f:\n    json.load(f)\n",
    "read": (
        "import sys\nfrom fhir_adapter.sources import TrialRecord, read_trials\n"
        "n = sum(isinstance(r, TrialRecord) for r in read_trials([sys.argv[1]]))\nprint(n, 'records read')\n"
    ),
    "convert": (  # one line a record: kept in the output folder, the benchmark shows the totals
        "import sys\nfrom pathlib import Path\nfrom fhir_adapter.cli import main\n"
        "Path(sys.argv[2]).mkdir(parents=True, exist_ok=True)\n"
        "sys.stdout = open(Path(sys.argv[2]) / 'convert.log', 'w')\n"
        "sys.exit(main(['convert', sys.argv[1], '--out', sys.argv[2]]))\n"
    ),
}


def fixture_studies() -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(FIXTURES.glob("*.json"))]


def write_export(path: Path, megabytes: float) -> int:
    """Write a JSON array of at least `megabytes` MB of fixture studies with new ids; return the count."""
    studies = fixture_studies()
    target = int(megabytes * 2**20)
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for study in _cycle(studies):
            if written >= target:
                break
            study["protocolSection"]["identificationModule"]["nctId"] = f"NCT{FIRST_ID + count:08d}"
            text = ("," if count else "") + json.dumps(study, ensure_ascii=False)
            out.write(text)
            written += len(text.encode("utf-8"))
            count += 1
        out.write("]")
    return count


def _cycle(studies: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    while True:
        yield from studies


def run_stage(stage: str, export: Path, out_dir: Path) -> tuple[float, float, int]:
    """Run one stage in a fresh Python; return its peak RSS in MiB, its seconds and its exit code."""
    started = time.perf_counter()
    pid = os.spawnv(
        os.P_NOWAIT, sys.executable, [sys.executable, "-c", STAGES[stage], str(export), str(out_dir)]
    )
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    return usage.ru_maxrss / 1024, seconds, os.waitstatus_to_exitcode(status)


def _totals(log: Path) -> str:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return next((line for line in reversed(lines) if " records: " in line), "no totals line")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=float, nargs="+", default=[200.0], help="export sizes in MB")
    parser.add_argument("--stage", nargs="+", choices=sorted(STAGES), default=["read", "convert"])
    parser.add_argument("--keep", type=Path, help="write the exports and Bundles here instead of a temp dir")
    args = parser.parse_args()
    print(f"ijson {ijson.__version__}, backend {ijson.backend}; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="fhir-adapter-memory-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in args.size:
            export = folder / f"export-{size:g}mb.json"
            count = write_export(export, size)
            mib = export.stat().st_size / 2**20
            print(f"export: {mib:7.1f} MiB, {count} studies")
            for stage in args.stage:
                out_dir = folder / f"out-{size:g}mb"
                peak, seconds, code = run_stage(stage, export, out_dir)
                print(f"  {stage:10s} peak RSS {peak:7.1f} MiB  {seconds:8.1f} s  exit {code}", flush=True)
                if stage == "convert":
                    print(f"    {_totals(out_dir / 'convert.log')}", flush=True)


if __name__ == "__main__":
    main()
