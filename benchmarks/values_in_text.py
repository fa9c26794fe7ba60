"""Count the coded numbers that are not written in their own verbatim text (issue 10: "0 invented values").

    python -m benchmarks.values_in_text [FOLDER ...] [--show]

Converts every record of the folders (default: fixtures/ctgov, fixtures/ctgov-xml and every
fixtures/ctgov-holdout*) to R4, or to R5 when R4 cannot carry the record, and looks at each number the
parsers coded:

- a Group characteristic's valueQuantity and valueRange low/high, against the characteristic's code.text
  (the verbatim criterion);
- a Dosage's doseAndRate quantities and ranges, against Dosage.text (the verbatim dosing phrase).

A number counts as written when its text holds it: with thousands grouped by a comma, a dot or a space
("100,000", "100.000", "100 000"), with a decimal comma ("1,5"), as a power of ten ("5×10^5"), in words up
to twelve ("two", "twice"), or, for a multiple of the upper limit of normal, as "ULN" alone (1 x ULN). A
coded number its text does not hold is one the tool invented or took from somewhere else, and a reader of
the EHR could not check it against the words beside it. Precision on the blind sets counts misreadings;
this counts inventions on every record the project holds, blind or not.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from fhir_adapter.api import convert_files
from fhir_adapter.resources.common import FhirVersion

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

# A number as registry texts write it: digits, with groups or a decimal part after a comma, dot or space.
_NUMBER = re.compile(r"\d+(?:[.,\u00a0 \u202f]\d+)*")
_GROUP_SEPARATORS = re.compile(r"[.,\u00a0 \u202f]")
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "once": 1, "twice": 2, "thrice": 3, "double": 2, "triple": 3,
}  # fmt: skip
_WORD = re.compile(r"[a-z]+")
# "5×10^5", "1.5 x 10e6" (clinical writing: times ten to the sixth), "1x10*9", "2 × 10⁹".
_SCIENTIFIC = re.compile(r"(\d+(?:[.,]\d+)?)\s?[x×*]\s?10\s?(?:\^|e|E|\*\*?)?\s?([-−]?\d+|[⁰¹²³⁴-⁹]+)")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_ULN = re.compile(r"\bULN\b|upper limit", re.IGNORECASE)


class Unwritten(NamedTuple):
    """A coded number its verbatim text does not hold."""

    nct_id: str
    where: str
    value: float
    text: str


def written_numbers(text: str) -> set[float]:
    """Every number `text` can be read to say, under each reading of its separators."""
    numbers: set[float] = set()
    for match in _NUMBER.finditer(text):
        numbers |= _readings(match.group())
    numbers |= {float(_WORDS[word]) for word in _WORD.findall(text.lower()) if word in _WORDS}
    for mantissa, exponent in _SCIENTIFIC.findall(text):
        power = int(exponent.translate(_SUPERSCRIPTS).replace("−", "-"))
        numbers.add(float(mantissa.replace(",", ".")) * 10.0**power)
    if _ULN.search(text):
        numbers.add(1.0)
    return numbers


def _readings(token: str) -> set[float]:
    """`token` read whole (groups joined, or its last separator a decimal point) and part by part."""
    parts = _GROUP_SEPARATORS.split(token)
    readings = {float(part) for part in parts}
    separators = _GROUP_SEPARATORS.findall(token)
    readings.add(float("".join(parts)))
    if separators and separators[-1] in ".,":
        readings.add(float("".join(parts[:-1]) + "." + parts[-1]))
    for index in range(1, len(parts)):  # "0,1 or 2": a list; "1.5 x 10": a decimal among words
        readings.add(float(parts[index - 1] + "." + parts[index]))
    return readings


def _resources(bundle: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The Bundle's resources and the resources they contain (a PlanDefinition's ActivityDefinitions)."""
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        yield resource
        yield from resource.get("contained", [])


class Coded(NamedTuple):
    """A coded number, where it is, and the verbatim text beside it."""

    where: str
    value: float
    text: str


def coded_numbers(bundle: Mapping[str, Any]) -> Iterator[Coded]:
    """Every coded criterion threshold and dose of `bundle`, with its own verbatim text."""
    for resource in _resources(bundle):
        if resource.get("resourceType") == "Group":
            for index, characteristic in enumerate(resource.get("characteristic", [])):
                text = characteristic.get("code", {}).get("text", "")
                for key in ("valueQuantity", "valueRange"):
                    for path, value in _numbers(characteristic.get(key), f".{key}"):
                        yield Coded(f"Group.characteristic[{index}]{path}", float(value), text)
        elif resource.get("resourceType") == "ActivityDefinition":
            for index, dosage in enumerate(resource.get("dosage", [])):
                where = f"ActivityDefinition/{resource.get('id')}.dosage[{index}]"
                for path, value in _numbers(dosage.get("doseAndRate"), ".doseAndRate"):
                    yield Coded(where + path, float(value), dosage.get("text", ""))


def unwritten_values(bundle: Mapping[str, Any], nct_id: str) -> Iterator[Unwritten]:
    """The coded criteria thresholds and doses of `bundle` whose number their own text does not hold."""
    return _unwritten(coded_numbers(bundle), nct_id)


def _unwritten(numbers: Iterable[Coded], nct_id: str) -> Iterator[Unwritten]:
    for coded in numbers:
        if coded.value not in written_numbers(coded.text):
            yield Unwritten(nct_id, coded.where, coded.value, coded.text)


def _numbers(node: Any, path: str) -> Iterator[tuple[str, float]]:
    """Every Quantity value under `node`, with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "value" and isinstance(value, int | float):
                yield path + ".value", value
            else:
                yield from _numbers(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _numbers(item, f"{path}[{index}]")


def count(folders: list[Path]) -> tuple[int, int, list[Unwritten]]:
    """Convert the folders' records; return how many numbers were coded, how many records were read in R5
    (those R4 cannot carry, such as a status R4 has no code for), and the numbers not written."""
    coded = 0
    unwritten: list[Unwritten] = []
    with tempfile.TemporaryDirectory() as out:
        results = list(convert_files(folders, Path(out) / "r4"))
        failed = [result.source for result in results if not result.ok]
        results = [result for result in results if result.ok]
        if failed:
            results += convert_files(failed, Path(out) / "r5", version=FhirVersion.R5)
        for result in results:
            if result.bundle_path is None:
                continue
            bundle = json.loads(result.bundle_path.read_bytes())
            numbers = list(coded_numbers(bundle))
            coded += len(numbers)
            unwritten += _unwritten(numbers, result.nct_id or "?")
    return coded, len(failed), unwritten


def default_folders() -> list[Path]:
    """fixtures/ctgov, fixtures/ctgov-xml and every held-out set."""
    return [FIXTURES / "ctgov", FIXTURES / "ctgov-xml", *sorted(FIXTURES.glob("ctgov-holdout*"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folders", nargs="*", type=Path, help="record folders (default: every fixture set)")
    parser.add_argument("--show", action="store_true", help="print each number not written in its text")
    args = parser.parse_args()
    coded, in_r5, unwritten = count(args.folders or default_folders())
    if args.show:
        for item in unwritten:
            print(f"{item.nct_id} {item.where}: {item.value:g} not in {item.text[:160]!r}")
    print(
        f"{coded} coded numbers (criteria thresholds and doses; {in_r5} records R4 cannot carry read in R5);"
        f" {len(unwritten)} not written in their own text"
    )
    sys.exit(1 if unwritten else 0)


if __name__ == "__main__":
    main()
