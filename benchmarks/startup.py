"""Benchmark start-up: `fhir-adapter --help`, and converting one record, as whole processes.

    python -m benchmarks.startup [--rounds 7]

Targets (issue 16): `--help` under 0.3 s, converting one record under 0.8 s. Each figure is the median of
`--rounds` runs, wall clock and CPU (user + system), with bytecode cached as an installed package has it
(a temporary PYTHONPYCACHEPREFIX, filled by a warm-up run). `python -c pass` is the interpreter's own floor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.convert import CLI, Timing, python_env, run_process

REPO = Path(__file__).resolve().parent.parent
ONE_RECORD = REPO / "fixtures" / "ctgov" / "NCT06158412.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7, help="median of N runs (7)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fhir-adapter-startup-") as temp:
        work = Path(temp)
        env = python_env(work / "pycache")
        out = str(work / "bundles")
        runs = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "fhir-adapter --help": [sys.executable, "-c", CLI, "--help"],
            **{
                f"convert one record --check {level}": [
                    *(sys.executable, "-c", CLI, "convert", str(ONE_RECORD), "--out", out),
                    *("--check", level),
                ]
                for level in ("none", "self", "full")
            },
        }
        seen: dict[str, list[Timing]] = {label: [] for label in runs}
        for round_number in range(args.rounds + 1):  # round 0 warms the bytecode cache
            for label, command in runs.items():
                timing = run_process(command, env, work / "scratch")
                if round_number:
                    seen[label].append(timing)
        for label, timings in seen.items():
            wall = statistics.median(t.wall for t in timings)
            cpu = statistics.median(t.cpu for t in timings)
            print(f"{label:34s} {wall:6.3f} s wall  {cpu:6.3f} s CPU")


if __name__ == "__main__":
    main()
