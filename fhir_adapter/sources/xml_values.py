"""Turn the words, dates and text blocks of legacy ClinicalTrials.gov XML into TrialRecord values.

The legacy format (`clinical_study`, https://clinicaltrials.gov/ct2/html/images/info/public.xsd, last
version 2019-02-14) writes enum values as display words ("Active, not recruiting", "Phase 1/Phase 2") where
API v2 writes codes ("ACTIVE_NOT_RECRUITING", ["PHASE1", "PHASE2"]). Most words become their code by one
rule (`normalise_word`); the few that do not are listed in `LEGACY_CODES`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from fhir_adapter.sources.characters import normalize_characters

# Legacy words whose v2 code is not the word normalised. Keys are the words as public.xsd (or, for the
# agency classes "Other U.S. Federal agency" and "Individual", AACT's legacy exports) writes them; they are
# matched after normalisation, so case and punctuation variants match too.
LEGACY_CODES: Mapping[str, str] = MappingProxyType(
    {
        "Unknown status": "UNKNOWN",  # overall_status; v2 keeps the old status in lastKnownStatus
        "U.S. Fed": "FED",  # agency_class
        "Other U.S. Federal agency": "FED",
        "Individual": "INDIV",
        "N/A": "NA",  # phase, allocation
        "Anticipated": "ESTIMATED",  # date and enrollment type attribute
        "Estimate": "ESTIMATED",
        "Educational/Counseling/Training": "ECT",  # primary_purpose
        "Single Group Assignment": "SINGLE_GROUP",  # intervention_model
        "Parallel Assignment": "PARALLEL",
        "Crossover Assignment": "CROSSOVER",
        "Factorial Assignment": "FACTORIAL",
        "Sequential Assignment": "SEQUENTIAL",
        "No masking": "NONE",  # masking, as NCT01341288 writes it
        "Observational [Patient Registry]": "OBSERVATIONAL",  # v2 keeps the registry flag apart
        "Both": "ALL",  # gender before 2017 (public.xsd change history, 01/11/2017)
    }
)

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DATE = re.compile(r"(?P<month>[A-Za-z]+) +(?:(?P<day>\d{1,2}), *)?(?P<year>\d{4})")


def normalise_word(word: str) -> str:
    """Return a legacy word as a v2 code by rule: upper case, each run of other characters one '_', and no
    '_' before a digit (v2 writes PHASE1, EARLY_PHASE1).

    >>> normalise_word("Active, not recruiting")
    'ACTIVE_NOT_RECRUITING'
    >>> normalise_word("Sub-Investigator")
    'SUB_INVESTIGATOR'
    >>> normalise_word("Early Phase 1")
    'EARLY_PHASE1'
    """
    code = re.sub(r"[^A-Z0-9]+", "_", word.upper()).strip("_")
    return re.sub(r"_(?=\d)", "", code)


_EXCEPTIONS: Mapping[str, str] = {normalise_word(word): code for word, code in LEGACY_CODES.items()}


def legacy_code(word: str) -> str:
    """Return the v2 code for a legacy word: its `LEGACY_CODES` entry, else the word normalised.

    >>> legacy_code("Unknown status"), legacy_code("U.S. Fed"), legacy_code("Non-Randomized")
    ('UNKNOWN', 'FED', 'NON_RANDOMIZED')
    >>> legacy_code("Placebo Comparator"), legacy_code("Educational/Counseling/Training")
    ('PLACEBO_COMPARATOR', 'ECT')
    """
    normalised = normalise_word(word)
    return _EXCEPTIONS.get(normalised, normalised)


def parse_phases(text: str) -> tuple[str, ...]:
    """Return the v2 phase codes of a legacy phase; a combined phase gives two.

    >>> parse_phases("Phase 1/Phase 2"), parse_phases("N/A"), parse_phases("Early Phase 1")
    (('PHASE1', 'PHASE2'), ('NA',), ('EARLY_PHASE1',))
    """
    if normalise_word(text) in _EXCEPTIONS:  # "N/A" holds a slash but is one value
        return (legacy_code(text),)
    return tuple(legacy_code(part) for part in text.split("/") if part.strip())


def parse_masking(text: str) -> tuple[str, tuple[str, ...]]:
    """Return the v2 masking code and who is masked, from the parenthesised list.

    >>> parse_masking("Double (Participant, Investigator)")
    ('DOUBLE', ('PARTICIPANT', 'INVESTIGATOR'))
    >>> parse_masking("None (Open Label)")
    ('NONE', ())
    """
    head, _, people = text.partition("(")
    masking = legacy_code(head)
    if masking == "NONE":  # "(Open Label)" restates the masking, it names nobody
        return masking, ()
    return masking, tuple(legacy_code(p) for p in people.rstrip(") ").split(",") if p.strip())


def parse_legacy_date(text: str) -> str | None:
    """Return a legacy date as an ISO partial date, None for "Unknown"; raise ValueError if not a date.

    >>> parse_legacy_date("May 2008"), parse_legacy_date("May 11, 2018"), parse_legacy_date("Unknown")
    ('2008-05', '2018-05-11', None)
    """
    if text.lower() == "unknown":  # allowed by public.xsd's variable_date_type
        return None
    match = _DATE.fullmatch(text)
    month = match["month"].lower() if match else ""
    if not match or month not in _MONTHS:
        raise ValueError("expected a date such as 'May 2008' or 'May 11, 2018'")
    year, number = int(match["year"]), _MONTHS.index(month) + 1
    if match["day"] is None:
        return f"{year:04d}-{number:02d}"
    return date(year, number, int(match["day"])).isoformat()  # ValueError for February 30


def unify_newlines(text: str) -> str:
    r"""Return `text` with CR LF and lone CR as LF, and the other characters as `normalize_characters` says.

    An XML parser does this to the line ends it reads, but not to CRs written as `&#xD;`, which some
    records carry at the end of every line (NCT04452435).

    >>> unify_newlines("a\r\nb\rc")
    'a\nb\nc'
    """
    return normalize_characters(text)


def dedent_textblock(text: str) -> str | None:
    """Return a textblock without the indentation the XML gave it, every line and blank line kept.

    >>> dedent_textblock("\\n        Inclusion:\\n\\n          -  Age 18\\n    ")
    'Inclusion:\\n\\n  -  Age 18'
    """
    lines = [line.rstrip() for line in textwrap.dedent(unify_newlines(text)).splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) or None
