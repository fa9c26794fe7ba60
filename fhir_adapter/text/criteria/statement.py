"""One piece of a criterion read on its own, and how a criterion's heading joins its sub-items (issue 12).

A criterion whose heading introduces a list ("Laboratory inspection must meet the following standards:")
is the list's sub-items, each a statement of its own: its facts, its "or" alternatives, its subgroups.
`read_statement` reads one such piece as `parse_criteria` reads a whole criterion (facts.py, then logic.py);
`heading_logic` says how the heading joins the pieces: ALL_OF for "the following", "as follows", "defined
as", ANY_OF for "one of / any of the following", None when the heading does not say (a heading that only
ends with ':' may head a table of cases, "Meeting criteria ... according to WHO stage ...:", whose rows are
alternatives, not requirements). `read_values` reads the facts of a few words with where each is (the
clause an alternative adds after its threshold). `joined_by_or` finds the list items the parser made each
other's alternatives because each but the last ends with "OR" ("ECOG 0-2 OR" / "Karnofsky 70-100%"), by
the parser's own rule, and `without_join` gives an item's words without that "OR". Additive: nothing here
changes what `parse_criteria` returns.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from fhir_adapter.text.criteria.confidence import gated
from fhir_adapter.text.criteria.facts import read_part
from fhir_adapter.text.criteria.logic import ITEM_ENDS_WITH_OR, ONE_OF, combine, or_runs, unread_alternatives
from fhir_adapter.text.criteria.model import ALL_OF, ANY_OF, Criterion, Found, Unclear

# "one of the following" as the logic pass reads it (logic.ONE_OF), and "either (one) of the following"
_EITHER_OF = re.compile(r"\beither\s++(?:one\s++(?:or\s++more\s++)?)?of\s++the\s++following\b", re.IGNORECASE)
# "must meet the following standards:", "all of the following", "as follows", "defined as:"
_ALL_OF = re.compile(
    r"\b(?:(?:all|each|every)\s++of\s++)?the\s++following\b|\bas\s++follows\b|\bdefined\s++(?:as|by)\b",
    re.IGNORECASE,
)
# "none of the following" / "neither": a negation the pieces do not carry
_NEGATED = re.compile(r"\b(?:none|neither|no|not|without)\b", re.IGNORECASE)
_HEADING_LIMIT = 200


def heading_logic(heading: str) -> str | None:
    """Return how a criterion's heading joins the sub-items below it, or None when it does not say so.

    >>> heading_logic("Laboratory inspection must meet the following standards:")
    'all-of'
    >>> heading_logic("Meet one of the following:"), heading_logic("Adequate organ function:")
    ('any-of', None)
    >>> heading_logic("None of the following:")
    """
    stripped = heading.strip()
    if len(stripped) > _HEADING_LIMIT or not stripped.endswith(":") or _NEGATED.search(stripped):
        return None
    if ONE_OF.search(stripped) or _EITHER_OF.search(stripped):
        return ANY_OF
    return ALL_OF if _ALL_OF.search(stripped) else None


def read_statement(section: str, index: int, text: str, withheld: Collection[Unclear] = ()) -> Criterion:
    """Return one piece of a criterion (a sub-item) read as a criterion of its own: its facts, logic and
    the words of the alternatives read without a threshold, with no sub-items; a doubtful fact withheld as
    `parse_criteria` withholds it (confidence.py), so a piece does not code what the criterion withheld.
    `withheld` are the criterion's own withheld phrases: a fact read from one of them is withheld here too
    (a reason only the whole record gives, such as its structured age range, registry_ages.py)."""
    reading = read_part(text)
    facts, logic = combine(section, (text,), (reading,))
    words = unread_alternatives((text,), (reading,)) if logic == ANY_OF else ()
    statement = gated(Criterion(section, index, text, (), facts, reading.unclear, logic, words))
    return _without_withheld(statement, withheld)


def _without_withheld(statement: Criterion, withheld: Collection[Unclear]) -> Criterion:
    """Return the statement with its facts read from a phrase in `withheld` moved to `unclear`."""
    reasons = {(u.kind, u.phrase): u for u in withheld}
    return statement.withholding(
        [(f, reasons[(f.kind, f.phrase)]) for f in statement.facts if (f.kind, f.phrase) in reasons]
    )


def read_values(text: str) -> tuple[Found, ...]:
    """Return the facts stated in a few words with their spans, in order, as `read_part` finds them (an
    alternative's added clause: "..., check the white blood cell count (WBC) ≤20×109/L")."""
    return read_part(text).found


def joined_by_or(criteria: Sequence[Criterion]) -> tuple[tuple[Criterion, ...], ...]:
    """Return the runs of consecutive inclusion items joined by an "OR" that ends each but the last, the
    parser's own runs (logic.or_runs; `parse_criteria` marks their thresholds alternatives): "has been in
    the DM registry ..., or" / "has joined KPNC after ..., or" / "...". Only runs of two items or more."""
    return tuple(tuple(criteria[index] for index in run) for run in or_runs(criteria))


def without_join(text: str) -> str:
    """Return an item's words without the "OR" that joins it to the next item.

    >>> without_join("ECOG 0-2 OR"), without_join("aged 40 years or older and members as of 1997, or")
    ('ECOG 0-2', 'aged 40 years or older and members as of 1997')
    """
    return ITEM_ENDS_WITH_OR.sub("", text).rstrip(" \t\n,;:")
