"""`--fhir-version r4|r5`, shared by convert, validate, criteria and push (R4 stays the default)."""

from __future__ import annotations

import argparse

from fhir_adapter.resources import FhirVersion

VERSIONS = {"r4": FhirVersion.R4, "r5": FhirVersion.R5}


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    """Add `--fhir-version` to `parser`; `args.fhir_version` is then a FhirVersion."""
    parser.add_argument(
        "--fhir-version",
        type=fhir_version,
        default="r4",  # a string default goes through `type` too
        metavar="r4|r5",
        help="r4 (4.0.1, the default: what EHRs serve) or r5 (5.0.0)",
    )


def fhir_version(name: str) -> FhirVersion:
    """Return the FhirVersion a `--fhir-version` value names (any case).

    >>> fhir_version("R5").value
    '5.0.0'
    """
    try:
        return VERSIONS[name.lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"{name!r} is not r4 or r5") from None
