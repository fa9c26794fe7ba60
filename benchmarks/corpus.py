"""Write a benchmark folder: N CT.gov API v2 records, copies of a source folder's records with new ids.

    python benchmarks/corpus.py OUT [--count 2000] [--source ../shared/ctgov/v2]

Record i is a copy of the source's record i mod len(source) (in file name order) whose nctId becomes
NCT9xxxxxxx (no real record has one yet, so the copies never meet a real id), written compact as
`<nctId>.json`. The same arguments always write the same bytes, so runs on different days compare.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "ctgov" / "v2"  # the checkout sits beside shared/
FIRST_ID = 90_000_000


def write_corpus(source: Path, out: Path, count: int) -> list[Path]:
    """Write `count` records copied from `source` with new ids into `out`; return the files written."""
    originals = [path.read_bytes() for path in sorted(source.glob("*.json"))]
    if not originals:
        raise SystemExit(f"no .json records in {source}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(count):
        study = json.loads(originals[index % len(originals)])
        nct_id = f"NCT{FIRST_ID + index:08d}"
        study["protocolSection"]["identificationModule"]["nctId"] = nct_id
        path = out / f"{nct_id}.json"
        path.write_text(json.dumps(study, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="the folder to write (made if missing)")
    parser.add_argument("--count", type=int, default=2000, help="how many records (default 2000)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the records to copy")
    args = parser.parse_args()
    written = write_corpus(args.source, args.out, args.count)
    print(f"{len(written)} records from {args.source} written to {args.out}")


if __name__ == "__main__":
    main()
