"""`fhir-adapter criteria`: a trial's eligibility criteria as parsed, each fact with the code and value the
Group gets for it, for a reviewer to read against the registry text."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

from fhir_adapter.cli.exit_codes import EXIT_OK, EXIT_SOME_FAILED
from fhir_adapter.errors import InputError
from fhir_adapter.resources import FhirVersion, fact_coding, fact_value, is_held_by_logic, r5_statement
from fhir_adapter.sources import DuplicateRecord, read_trials
from fhir_adapter.terms import CHARACTERISTIC_SYSTEM, LOINC_SYSTEM, SNOMED_SYSTEM, Terms, load_terms
from fhir_adapter.text import EXCLUSION, INCLUSION, Criterion, Fact, parse_eligibility

CODE_SYSTEM_NAMES = {LOINC_SYSTEM: "LOINC", SNOMED_SYSTEM: "SNOMED CT", CHARACTERISTIC_SYSTEM: "fhir-adapter"}


def run_criteria(args: argparse.Namespace) -> int:
    failed = False
    terms = load_terms()
    for item in read_trials(args.inputs):
        if isinstance(item, InputError):
            print(f"FAILED  {item}", file=sys.stdout)
            failed = True
        elif isinstance(item, DuplicateRecord):
            print(f"DUPLICATE  {item}", file=sys.stdout)
        else:
            criteria = parse_eligibility(item.eligibility)
            statements = None
            if args.fhir_version is FhirVersion.R5:
                statements = [r5_statement(criterion, terms, criteria) for criterion in criteria]
            print_criteria(item.nct_id, criteria, sys.stdout, terms=terms, r5=statements)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def print_criteria(
    nct_id: str,
    criteria: Sequence[Criterion],
    out: TextIO,
    *,
    terms: Terms,
    width: int = 72,
    r5: Sequence[str | None] | None = None,
) -> None:
    """Print criteria as a table: section and number, the text (wrapped), then each fact found with the
    code and value the Group gets for it; with `r5`, how the R5 EvidenceVariable states each "A or B" or
    subgroup criterion."""
    counts = Counter(c.section for c in criteria)
    print(f"{nct_id}: {counts[INCLUSION]} inclusion, {counts[EXCLUSION]} exclusion criteria", file=out)
    for position, criterion in enumerate(criteria):
        label = f"{criterion.section[:3].upper()} {criterion.index:>2}"
        lines = textwrap.wrap(" ".join(criterion.full_text.split()), width) or [""]
        print(f"  {label}  {lines[0]}", file=out)
        for line in lines[1:]:
            print(f"          {line}", file=out)
        for fact in criterion.facts:
            print(f"          -> {describe_fact(criterion, fact, terms)}", file=out)
        for unclear in criterion.unclear:
            print(f"          !! unclear, kept as text: {unclear.phrase!r}", file=out)
        statement = r5[position] if r5 else None
        if statement:
            print(f"          R5: {statement}", file=out)


def describe_fact(criterion: Criterion, fact: Fact, terms: Terms) -> str:
    """Return a fact as the Group codes it: 'LOINC 777-3 Platelets [#/volume] in Blood < 30 10*9/L'; a
    fact the Group keeps as text (a subgroup's threshold, one of an inclusion's alternatives, a status of
    unknown polarity) says so."""
    coding = fact_coding(fact, terms)
    system = CODE_SYSTEM_NAMES.get(coding["system"], coding["system"])
    display = f" {coding['display']}" if coding.get("display") else ""
    value = fact_value(criterion, fact)
    if value is None or is_held_by_logic(criterion, fact):
        return (
            f"{system} {coding['code']}{display} {_fact_value_text(fact)}: not coded, kept as text".rstrip()
        )
    return f"{system} {coding['code']}{display} {_group_value_text(value)}".rstrip()


def _fact_value_text(fact: Fact) -> str:
    unit = f" {fact.unit}" if fact.unit and fact.unit != "1" else ""
    if fact.low is not None:
        return f"{fact.low:g}..{fact.high:g}{unit}"
    if fact.comparator is not None and fact.value is not None:
        return f"{fact.comparator} {fact.value:g}{unit}"
    return ""


def _group_value_text(value: dict[str, Any]) -> str:
    """Return a characteristic's value as written: '< 30 10*9/L', '0..2 1', 'true'."""
    if "valueBoolean" in value:
        return "true" if value["valueBoolean"] else "false"
    if "valueQuantity" in value:
        quantity = value["valueQuantity"]
        return f"{quantity['comparator']} {quantity['value']} {_unit_code(quantity)}".rstrip()
    bounds = value["valueRange"]
    low, high = bounds.get("low", {}), bounds.get("high", {})
    return f"{low.get('value', '')}..{high.get('value', '')} {_unit_code(low or high)}".rstrip()


def _unit_code(quantity: dict[str, Any]) -> str:
    """Return a Quantity's UCUM code, or nothing for a plain number (UCUM "1", a score)."""
    code = str(quantity.get("code", ""))
    return "" if code == "1" else code
