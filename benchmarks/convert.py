"""Benchmark `convert` as a user runs it: whole processes, at each `--check` level, against MITRE and a floor.

    python -m benchmarks.convert [--folder DIR ...] [--records 2000] [--levels none self ...]
                                 [--workers 1 2] [--rounds 3]

For each folder (default: fixtures/ctgov and a folder of `--records` copies of ../shared/ctgov/v2 with new
ids, written by benchmarks/corpus.py into a temporary folder) it runs, alternating, `--rounds` times each:

- floor: a Python process that reads, parses and writes every file with orjson (json without it): no tool
  converts faster in Python than it reads and writes;
- MITRE: `node run.js DIR 1 OUTDIR`, MITRE's converter (one ResearchStudy per trial, no checks), from
  ../shared/peers/mitre (`npm ci --ignore-scripts` in a temporary copy when it has no node_modules; left
  out when node is absent);
- `fhir-adapter convert DIR --out TMP --check LEVEL --workers N` for each level and worker count.

Each figure is the median of the rounds: wall-clock seconds, records per second, and the CPU seconds (user
+ system) of the process and its children, then the ratios of wall-clock to MITRE and to the floor, and
the peak RSS of the largest process (flat from the 92 to the 2,000 records: memory does not grow with
the number of records). Wall
clock is what a user waits for; on a shared machine it is noisy, so compare ratios measured in the same run.
The Python processes run with their bytecode cached (in a temporary PYTHONPYCACHEPREFIX, filled by a
warm-up run), as an installed package runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import DEFAULT_SOURCE, write_corpus

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "ctgov"
MITRE_PLACES = [REPO.parent / "shared" / "peers" / "mitre", REPO.parent.parent / "shared" / "peers" / "mitre"]
LEVELS = ("none", "self", "model", "full")
CLI = "import sys\nfrom fhir_adapter.cli import main\nsys.exit(main())"  # what the fhir-adapter script runs

FLOOR = """
import sys
from pathlib import Path
try:
    import orjson as codec
except ImportError:
    import json as codec
source, out = Path(sys.argv[1]), Path(sys.argv[2])
for path in sorted(source.glob("*.json")):
    written = codec.dumps(codec.loads(path.read_bytes()))
    (out / path.name).write_bytes(written.encode() if isinstance(written, str) else written)
"""


@dataclass(frozen=True)
class Timing:
    """One process run: wall-clock and CPU seconds, and the peak RSS of its largest process in MiB."""

    wall: float
    cpu: float
    rss: float = 0.0


def run_process(command: Sequence[str], env: dict[str, str], out_dir: Path) -> Timing:
    """Run `command` in a fresh, emptied `out_dir`; return its wall-clock and CPU (its children's too)."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    errors = out_dir.parent / "stderr.txt"
    with errors.open("wb") as stderr:  # a file, not a pipe: a chatty run never blocks on a full pipe
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    logged = errors.read_text(encoding="utf-8", errors="replace")
    # Exit 1 is a full run in which some record failed its check; a traceback is a broken run.
    if process.returncode not in (0, 1) or "Traceback (most recent call last)" in logged:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {logged[-2000:]}")
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def python_env(cache: Path) -> dict[str, str]:
    """Return the environment of the Python runs: bytecode written to and read from `cache`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def mitre_dir(work: Path) -> Path | None:
    """Return a MITRE peer folder ready to run (npm ci in a copy if needed), or None without node."""
    if shutil.which("node") is None:
        return None
    peer = next((place for place in MITRE_PLACES if (place / "run.js").exists()), None)
    if peer is None:
        return None
    if (peer / "node_modules").exists():
        return peer
    copy = work / "mitre"
    shutil.copytree(peer, copy)
    subprocess.run(["npm", "ci", "--ignore-scripts", "--silent"], cwd=copy, check=True)
    return copy


def commands(
    folder: Path, out: Path, mitre: Path | None, levels: Sequence[str], workers: Sequence[int]
) -> dict[str, list[str]]:
    """Return the label and command line of every run over `folder`."""
    runs = {"floor (orjson read+parse+write)": [sys.executable, "-c", FLOOR, str(folder), str(out)]}
    if mitre is not None:
        runs["MITRE (node)"] = ["node", str(mitre / "run.js"), str(folder), "1", str(out)]
    for level in levels:
        for count in workers:
            runs[f"convert --check {level} --workers {count}"] = [
                sys.executable,
                "-c",
                CLI,
                "convert",
                str(folder),
                "--out",
                str(out),
                "--check",
                level,
                "--workers",
                str(count),
            ]
    return runs


def measure(runs: dict[str, list[str]], env: dict[str, str], out: Path, rounds: int) -> dict[str, Timing]:
    """Return each run's median Timing over `rounds` alternating rounds."""
    seen: dict[str, list[Timing]] = {label: [] for label in runs}
    for _ in range(rounds):
        for label, command in runs.items():
            seen[label].append(run_process(command, env, out))
    return {
        label: Timing(
            statistics.median(t.wall for t in ts),
            statistics.median(t.cpu for t in ts),
            max(t.rss for t in ts),
        )
        for label, ts in seen.items()
    }


def report(folder: Path, records: int, timings: dict[str, Timing], print_line: Callable[[str], None]) -> None:
    """Print one line per run: seconds, records/s, CPU seconds, ratios to MITRE and to the floor (of wall
    clock, then of CPU seconds)."""
    floor = next(t for label, t in timings.items() if label.startswith("floor"))
    mitre = timings.get("MITRE (node)")
    print_line(f"\n{folder} ({records} records), medians; ratios of wall clock (of CPU seconds):")
    for label, timing in timings.items():
        to_mitre = (
            f"{timing.wall / mitre.wall:6.2f}x ({timing.cpu / mitre.cpu:5.2f}x) MITRE"
            if mitre
            else "(no node: no MITRE)"
        )
        print_line(
            f"  {label:34s} {timing.wall:7.2f} s wall {timing.cpu:7.2f} s CPU"
            f" {records / timing.wall:7.0f} rec/s"
            f"  {to_mitre}  {timing.wall / floor.wall:6.2f}x ({timing.cpu / floor.cpu:5.2f}x) floor"
            f"  {timing.rss:6.0f} MiB peak"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--folder", type=Path, nargs="+", help="record folders (default: fixtures + copies)")
    parser.add_argument("--records", type=int, default=2000, help="records in the copied folder (2000)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="what the copies are made of")
    parser.add_argument("--levels", nargs="+", choices=LEVELS, default=["none", "self"], help="check levels")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="--workers values (1 2)")
    parser.add_argument("--rounds", type=int, default=3, help="median of N alternating rounds (3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fhir-adapter-bench-") as temp:
        work = Path(temp)
        folders = args.folder or [FIXTURES, work / "records"]
        if not args.folder:
            write_corpus(args.source, work / "records", args.records)
        env = python_env(work / "pycache")
        mitre = mitre_dir(work)
        for number, folder in enumerate(folders):
            records = len(list(folder.glob("*.json")))
            runs = commands(folder, work / "out", mitre, args.levels, args.workers)
            for command in runs.values() if number == 0 else ():  # warm-up: bytecode cache, node's start
                run_process(command, env, work / "out")
            report(folder, records, measure(runs, env, work / "out", args.rounds), print)


if __name__ == "__main__":
    main()
