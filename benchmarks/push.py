"""Benchmark push: trials per second for a first push and an unchanged re-push, against the test server.

    python benchmarks/push.py [--trials 1000] [--concurrency 4] [--source fixtures/ctgov]

Makes `--trials` records from the fixture records (each copy gets a new NCT id, NCT9CCCIIII: copy CCC of
fixture IIII; names of sponsors stay, so Organizations are shared across copies as they are in the
registry), starts the project's test FHIR server (tests/fhir_server, Node) on a free 127.0.0.1 port, pushes
every record, pushes them again (nothing may be written), and stops the server. For each run it prints the
wall time, trials per second, the outcomes, HTTP requests per trial, transactions sent, and the CPU seconds
spent by this process, by its worker processes and by the server, which shows which side the time goes to
(on a shared machine the wall time varies with the load; the CPU seconds and request counts much less).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the test server harness lives in tests/

from fhir_adapter.cli.push import worker_processes  # noqa: E402
from fhir_adapter.client import FhirClient  # noqa: E402
from fhir_adapter.settings import Settings  # noqa: E402
from fhir_adapter.sync import SyncOptions, sync_trials  # noqa: E402
from fhir_adapter.terms import load_terms  # noqa: E402
from tests.fhir_server.harness import FhirTestServer  # noqa: E402


def make_trials(source: Path, count: int, out_dir: Path) -> int:
    """Write `count` records made from the records in `source` (top level), each with a new NCT id."""
    records = sorted(source.glob("NCT*.json"))
    for number in range(count):
        copy, index = divmod(number, len(records))
        study = json.loads(records[index].read_text(encoding="utf-8"))
        nct_id = f"NCT9{copy:03d}{index:04d}"
        study["protocolSection"]["identificationModule"]["nctId"] = nct_id
        (out_dir / f"{nct_id}.json").write_text(json.dumps(study), encoding="utf-8")
    return len(records)


def cpu_seconds(pid: int | None = None) -> tuple[float, float]:
    """Return the CPU seconds (user + system) of this process and of its ended children (the worker
    processes, which end with each push), or of process `pid` (from /proc) and 0."""
    if pid is None:
        times = os.times()
        return times.user + times.system, times.children_user + times.children_system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 0.0


class Counted:
    """Counts the transactions a client sends (the writes), leaving everything else as it is."""

    def __init__(self, client: FhirClient) -> None:
        self.writes = 0
        send = client.send_bundle

        def counted(bundle: Any, *, nct_id: str) -> Any:
            self.writes += 1
            return send(bundle, nct_id=nct_id)

        client.send_bundle = counted  # type: ignore[method-assign]


def timed_push(folder: Path, server: FhirTestServer, options: SyncOptions, label: str) -> None:
    terms = load_terms()
    with FhirClient(Settings(base_url=server.base_url)) as client:
        counted = Counted(client)
        (main, workers), (server_cpu, _) = cpu_seconds(), cpu_seconds(server.pid)
        start = time.perf_counter()
        outcomes = Counter(result.outcome for result in sync_trials([str(folder)], client, terms, options))
        seconds = time.perf_counter() - start
        (main_after, workers_after), (server_after, _) = cpu_seconds(), cpu_seconds(server.pid)
        main, workers, server_cpu = main_after - main, workers_after - workers, server_after - server_cpu
        total = sum(outcomes.values())
        print(
            f"{label:18s} {total} trials in {seconds:6.1f} s = {total / seconds:6.2f} trials/s; "
            f"{client.requests_sent / total:.2f} requests/trial ({client.requests_sent}), "
            f"{counted.writes} transactions; CPU: adapter {main:.1f} s + workers {workers:.1f} s, "
            f"server {server_cpu:.1f} s ({server_cpu / (main + workers + server_cpu):.0%} of all CPU); "
            f"{dict(outcomes)}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=1000, help="how many trials to push (default 1000)")
    parser.add_argument("--concurrency", type=int, default=4, help="trials written at once (default 4)")
    parser.add_argument(
        "--processes", type=int, help="worker processes (default: as the CLI, min(concurrency, CPUs))"
    )
    parser.add_argument("--source", type=Path, default=REPO / "fixtures" / "ctgov", help="records to copy")
    args = parser.parse_args()
    processes = args.processes or worker_processes(args.concurrency)
    options = SyncOptions(concurrency=args.concurrency, processes=processes)
    with tempfile.TemporaryDirectory(prefix="fhir-adapter-push-") as tmp:
        folder = Path(tmp)
        used = make_trials(args.source, args.trials, folder)
        with FhirTestServer() as server:
            print(
                f"{args.trials} trials from {used} records in {args.source}; server {server.base_url}; "
                f"concurrency {args.concurrency}, {processes} worker processes; "
                f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
            )
            timed_push(folder, server, options, "first push")
            timed_push(folder, server, options, "unchanged re-push")


if __name__ == "__main__":
    main()
