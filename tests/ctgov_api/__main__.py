"""Run the fake ClinicalTrials.gov API by hand: `python -m tests.ctgov_api [--port 8081] [--fixtures DIR]`.

Serves the records of fixtures/ctgov/ at http://127.0.0.1:PORT/api/v2 until stopped (Ctrl-C).
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from tests.ctgov_api.server import FIXTURES, FakeCtgovApi, load_studies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free one (default 8081)")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="folder of API v2 study records")
    args = parser.parse_args()
    api = FakeCtgovApi(load_studies(args.fixtures), port=args.port).start()
    print(f"fake ClinicalTrials.gov API: {api.base_url} ({len(api.studies)} studies)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        api.stop()


if __name__ == "__main__":
    main()
