"""R5 EvidenceVariable stating who may enrol, exactly, after the EBM IG's StudyEligibilityCriteria pattern.

One characteristic combines the whole set (`definitionByCombination` all-of); in it, the structured fields
(age, sex, healthy volunteers) as the Group states them, then one characteristic per written criterion
(`linkId` "inclusion-3", its verbatim text as `description`, `exclude` for an exclusion criterion). A
criterion's recognised facts are `definitionByTypeAndValue` (LOINC/SNOMED type, UCUM Quantity or Range, the
method when stated), coded exactly as the Group codes them (criteria_characteristics.py):

- all-of: one fact is the criterion's definition, several are an all-of combination; an exclusion's facts
  are an any-of combination under `exclude` (excluding A and excluding B is excluding "A or B", which is how
  the Group states them);
- an inclusion "A or B": `any-of` over the alternatives (R4 keeps it as text). An alternative with its own
  subgroup ("creatinine < ULN or CrCl >= 60 for patients with creatinine above ULN") is an all-of of the
  subgroup's words and its threshold; an alternative the parser read no threshold from is its own
  characteristic in its verbatim words (`definitionCodeableConcept.text`: "Age >= 18 years (or per national
  guidelines)" is age >= 18 any-of "per national guidelines"; "ECOG 0 or 1 (age >= 16 years) or Lansky (age
  < 16 years)"); words an alternative adds with "and" sit beside its threshold ("...; or free light chain
  >= 100 mg/L and abnormal kappa/lambda ratio", the seed's inclusion 2). An alternative whose value has its
  own time and which ends with a value of the same measure that no value of the first can meet is an all-of
  of the two, the second at the time its words say (`timeFromEvent` in the text's words): "WBC <= 20 x
  10^9/L; or WBC > 20 x 10^9/L before using hydroxyurea or cytarabine, use for a period of time and stop the
  drug After 3 days, check the WBC <= 20 x 10^9/L" (NCT04946890) is WBC <= 20, or WBC > 20 before the drug
  and <= 20 at "use for a period of time and stop the drug After 3 days"; a value read after an alternative
  that is neither keeps the criterion text. A matcher knows "met" when a coded alternative is met and
  "unknown" when only words could be: neither stricter nor looser. Exact only when the choice's clause has
  as many alternatives as its "or"s say (an "or" inside a condition's, a time's or an alternative's words
  chooses nothing), and "; or" separates them when one adds words with "and" or a later value ("A or B and
  C" does not say whose C is);
- list items the parser joins by an "OR" ending each but the last ("ECOG 0-2 OR" / "Karnofsky 70-100%",
  NCT00002475; three cohort definitions ending ", or", NCT02958956): one choice over two numbered criteria.
  Each item of the run keeps its own characteristic (`linkId`, its verbatim text as `description`) and all
  carry the SAME `any-of`, one alternative per item, so that a matcher ANDing the criteria gets "A or B"
  and "A or B", which is "A or B": neither stricter (each item's threshold required) nor looser (one item
  dropped); a reader of one criterion sees the whole choice. An alternative is its item read as its own
  statement without the joining "OR" (`read_statement`): its coded thresholds, stated by the rules here,
  and beside them, in an all-of, its verbatim words when they say more than the thresholds' words
  ("has been in the KPNC diabetes registry ..., aged 40 years or older and are members of KPNC as of
  January 1, 1997": age >= 40 and those words); an item the parser read nothing from is its words
  ("Shortening fraction at least 27% by echocardiogram OR" / "Ejection fraction at least 50% by MUGA",
  NCT00070200: those words, or LVEF >= 50%), as an alternative read with no threshold is. Not a
  choice, the items stay as before (R4's text), when the parser marked none of them (no threshold: a list
  that lost its depth, NCT00399243's contraception methods), when the item before them ends with ':' or
  one of them heads a list ("Women must be:" / "aged >= 50 OR" / ...: the choice is a subgroup's), when
  an item has sub-items, a comparator the parser did not read beside a value it did ("Age >= 50 years
  and FSH > 40 IU/L"), or facts that differ read alone (a sub-heading "Age:" gave the value its
  measure), or cannot be stated exactly;
- thresholds for subgroups (each threshold carries its own condition from the parser), per measure:
  `any-of` over (not in any of the subgroups AND the threshold for everyone else) and, per subgroup, (the
  subgroup's words AND its thresholds): "ECOG 0-2 (0-3 for participants >= 60 to 74 years)"; the two
  limits of a range open at its top are that subgroup's ("Age 4 to <8 years (phase 1) or age 4 to <13 years
  (phase 2)"). A condition "unless X" / "except X" is everyone not X ("bilirubin <= 1.5 x ULN (unless
  Gilbert's syndrome, for which <= 3 x ULN)": the 1.5 x ULN for everyone not X, the 3 x ULN, which the
  parser gives the condition X, for X). With no threshold for everyone else the text sets none:
  an inclusion adds the option "in none of the subgroups" ("CrCl >= 45 for patients with creatinine above
  normal"), an exclusion excludes the subgroups only ("eGFR < 30 ... for individuals >= 1 year of age");
  only when every threshold in the text was read, each condition says whom it is for ("for", "if",
  "unless"... not a bare "Gilbert's syndrome") and an inclusion does not say "excluded". Two subgroups
  that split everyone in two ("Male: > 450 ms, Female: > 470 ms"; "ECOG <= 2 for >= 16 years, Lansky > 50
  for < 16 years") need no such option. Exclusions likewise, under `exclude` (R4 keeps them as text), a
  group's thresholds of several measures an any-of (excluding whoever has either, as for everyone) and an
  exclusion's "A or B" read as its other facts, unless a subgroup's value shares its clause with another
  measure stated for everyone ("ALT > 3 or AST > 3 x ULN (> 5 x ULN each for ...)": whose is it?);
- a value at another time ("age at diagnosis <= 18 years"): the threshold with `timeFromEvent`;
- subgroups over different measures may overlap ("If there is no clear liver metastasis, bilirubin <= 1.5
  ULN, AST and ALT <= 2.5 ULN; if there is clear Gilbert syndrome, bilirubin <= 3.0 ULN", NCT04946890): then
  each measure is its own any-of with its own subgroups (one any-of would let a Gilbert's patient in by
  bilirubin alone whatever the AST);
- an inclusion whose heading introduces its sub-items (_nested: "Laboratory inspection must meet the following
  standards:", "at least one of the following:"; text/criteria/statement.py `heading_logic`) that the whole
  cannot state exactly: the heading's all-of / any-of of its sub-items, each read on its own
  (`read_statement`: its facts, "or" alternatives, subgroups) and stated by the rules here, `linkId`
  "inclusion-6.1"... A sub-item that cannot be stated exactly keeps its words with the eligibility-logic
  extension, as R4 keeps the whole criterion: a matcher knows it only from the words, inside an all-of the
  whole is unknown until they are read, inside an any-of a coded sub-item met is enough; neither stricter nor
  looser; an all-of sub-item that names a measure or value the parser did not read ("the international
  standardized ratio of prothrombin time and partial thromboplastin time <= 1.5 x ULN") is its coded facts
  beside its words (_piece). `r5_statement` says "partly exact" then. Not nested: a heading that does not say
  how its list joins (a bare ':' may head a table of cases, NCT02028676's "Meeting criteria for requiring ART
  according to WHO stage and CD4 percent or count:", whose rows are alternatives and from which the parser
  reads no CD4 value, whose list also lost its depth), a heading stating a value itself, a list whose depth
  the sub-items lost (a sub-item ending in ':' or "or", a wrapped line), a list under a subgroup's sub-heading
  ("For patients in Part B:"), an exclusion (its facts' any-of already excludes each sub-item), a list none of
  whose sub-items can be stated exactly.

What the parser's result cannot state exactly stays text as in R4 (the verbatim criterion as
`definitionCodeableConcept.text`, with the eligibility-logic extension): two thresholds of one measure under
one condition, a choice whose "or"s outnumber its alternatives, a lone subgroup's threshold beside words or
numbers left unread, conditions whose words hold an "or" the count of alternatives cannot place. Words
outside the choice or the subgroups (another clause, a preamble) are on the criterion's `description`, as
for every criterion. A text that does not say who meets it stays text, and no rule should make it exact,
since any statement would be a guess (reviewed by hand in benchmarks/eligibility_not_statable.json, which
eligibility_exact counts "not statable"):
- NCT02526537 inclusion 7, a translation, "Total bilirubin <= the normal value of 1.5 times the upper limit
  of normal (ULN); liver metastases, aspartate aminotransferase (AST), and alanine aminotransferase (ALT) <=
  2.5 times of upper limit of normal (ULN)", does not say whether 2.5 x ULN is everyone's or only with liver
  metastases (nor, then, everyone else's limit); its bilirubin clause alone would be certain, but it is one
  part of one criterion, and a reading made for this sentence would be a guess at the original;
- NCT02028676 inclusion 6, the WHO table of who requires ART (stage IV; stage III by age; stage II or I by
  age band and CD4 percent): over 5 years the heading allows "CD4 percent or count" but the row gives two
  counts in advisory words ("<200 cells/mm3 can be used to guide starting ART and CD4 should generally be
  <350"), stage III over 12 months with tuberculosis, LIP, OHL or thrombocytopenia is "guided by CD4 cell
  assays (see below)", and the bands leave out exactly 5 years ("3-<5years", "> 5years"). With CD4 count
  and percent coded and the age bands as conditions, choosing the count, resolving the reference or closing
  the bands would still be a guess; the parser reads no CD4 value today, which is not why it stays text.
Nothing is ever stated stricter or looser than the criterion.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from fhir_adapter.resources.common import Json, ResourceKey, compact
from fhir_adapter.resources.criteria_characteristics import (
    EXT_LOGIC,
    fact_coding,
    fact_value,
    is_held_by_logic,
    subgroup_kinds,
)
from fhir_adapter.resources.group import structured_characteristics
from fhir_adapter.sources import TrialRecord
from fhir_adapter.terms import Terms
from fhir_adapter.text import ALL_OF, ANY_OF, EXCLUSION, Criterion, Fact, parse_eligibility
from fhir_adapter.text.criteria.statement import (
    heading_logic,
    joined_by_or,
    read_statement,
    read_values,
    without_join,
)
from fhir_adapter.text.criteria.words import COMPARATOR, NUMBER

# "AST and/or ALT" names the measures, and "ECOG 0 or 1" is one range: no choice between alternatives.
_OR = re.compile(r"(?<!and/)(?<!\d)(?<!\d\s)\bor\b(?!\s?\d)", re.IGNORECASE)
# Subgroups that split everyone in two (_complementary): a sex, or one side of an age ("≥16 years").
_SEX = re.compile(r"\b(female|male|wom[ae]n|m[ae]n)s?\b")
_FEMALE = {"female": "f", "woman": "f", "women": "f"}
_AGE_SIDE = re.compile(r"(>=|<=|=>|=<|≥|≤|>|<)\s*(\d+(?:\.\d+)?)\s*(?:years?|yrs?|y\b)")
_SIDE = {">=": "ge", "=>": "ge", "≥": "ge", "<": "lt", ">": "gt", "<=": "le", "=<": "le", "≤": "le"}
_SIDES = {">": "lower", ">=": "lower", "<": "upper", "<=": "upper"}
_TIME_OF = re.compile(r"^at\s+(?:the\s+)?(?:time\s+of\s+)?", re.IGNORECASE)
# Where the clause of a choice starts or ends: ";" (not "; or"), a line, a sentence, a list's ":".
_CLAUSE_BREAK = re.compile(r";(?!\s*+or\b)|\n|\.\s++(?=[A-Z(])|:\s")
_AND = re.compile(r"\band\b(?!/)", re.IGNORECASE)
_NEGATED = re.compile(r"(?:unless|except)\s++(?:(?:for|in|if|when)\s++)?", re.IGNORECASE)
# A threshold the text states: a comparator with its number ("< 30", "at least 18"), a bare sign ("<= the
# normal value"), a range ("PS score 2-3").
# A comparator with its number, a sign, or a range ("4-8", "4 to 8"): each must lie inside what was read.
_COMPARED = re.compile(
    rf"(?:{COMPARATOR})\s*+{NUMBER}|[<>≤≥≦≧⩽⩾﹤]|{NUMBER}\s*+(?:[-–]|to\b)\s*+{NUMBER}", re.I
)
# Words that say whom a condition is for, at its start.
_WHO = re.compile(r"(?:for|in|among|if|unless|except|when|where|with|age[sd]?)\b", re.IGNORECASE)
_EXCLUDED = re.compile(r"\b(?:excluded|ineligible|not\s++(?:be\s++)?eligible)\b", re.IGNORECASE)
# A sub-item that continues a wrapped line, or heads deeper items, or joins the next one.
_CONTINUES = re.compile(r"[a-z(]")
_JOINS_NEXT = re.compile(r":$|\b(?:or|and|and/or)$", re.IGNORECASE)
# Measure names joined before one value: "AST and ALT", "INR, aPTT", "AST/ALT".
_NAMES_JOINED = re.compile(r"\b(?:and|or)\b|[,/]", re.IGNORECASE)
_WORD = re.compile(r"\w")
# An item heading a list of its own: "one of the following", "Female patients who:".
_LIST_HEAD = re.compile(r"\bthe\s++following\b|:\s*+$", re.IGNORECASE)
VALUE_KEYS = ("valueCodeableConcept", "valueBoolean", "valueQuantity", "valueRange")


def build_eligibility_variable(trial: TrialRecord, key: ResourceKey, terms: Terms) -> Json:
    """Return the EvidenceVariable of who may enrol in `trial` (R5 only). Findings are the Group's."""
    structured = [_from_group(c) for c in structured_characteristics(trial, terms, [])]
    parsed = parse_eligibility(trial.eligibility)
    choices = _choices_across_items(parsed, terms)
    criteria = [choices.get(id(c)) or _criterion(c, terms) for c in parsed]
    members = structured + criteria
    return compact(
        {
            "resourceType": "EvidenceVariable",
            "identifier": [key.identifier()],
            "title": f"Eligibility criteria of {trial.nct_id}",
            "status": "active",
            "description": trial.eligibility.criteria,
            "characteristic": [
                {
                    "description": f"Who may enrol in {trial.nct_id}: all of the following",
                    "definitionByCombination": {"code": ALL_OF, "characteristic": members},
                }
            ]
            if members
            else None,
        }
    )


def _from_group(characteristic: Json) -> Json:
    """Return a Group characteristic (age, sex, healthy volunteers) as an EvidenceVariable one."""
    code = characteristic["code"]
    [value_key] = [k for k in VALUE_KEYS if k in characteristic]
    return {
        "description": code["text"],
        "exclude": characteristic["exclude"],
        "definitionByTypeAndValue": {
            "type": {"coding": code["coding"]},
            value_key: characteristic[value_key],
        },
    }


def r5_statement(criterion: Criterion, terms: Terms, among: Sequence[Criterion] = ()) -> str | None:
    """Return how the EvidenceVariable states an "A or B" or subgroup criterion, for people (`criteria`
    command); None for a criterion whose facts all hold for everyone.

    Exact: its logic is stated as combinations (any-of over the alternatives, a subgroup's words with its
    threshold, a value at another time with `timeFromEvent`), every threshold read is coded, and an
    alternative read without one is its own characteristic in its verbatim words inside the any-of ("Age
    >= 18 years (or per national guidelines)": age >= 18, or "per national guidelines"). A matcher then
    knows "met" when a coded alternative is met and "unknown" when only the words could be: neither
    stricter nor looser than the text. Otherwise the criterion is kept as text, as in R4; "partly exact" when
    it is its sub-items' combination (_nested) with some of them kept as text so. `among`, the trial's
    criteria, lets an item joined to the next by "OR" be said as their one choice (_choices_across_items)."""
    if criterion.logic == ALL_OF:
        return None
    across = _choice_across(among, criterion, terms) if among else None
    stated = across or _criterion(criterion, terms)
    found = _walk(stated)
    if across is not None:
        items = across["definitionByCombination"]["characteristic"]
        words = sum(1 for c in found[1:] if "definitionCodeableConcept" in c)
        in_words = f", {words} in its words" if words else ""
        joined = f"any-of of {len(items)} items joined by OR ({criterion.logic})"
        return f"exact: {joined}, each threshold coded{in_words}"
    # the eligibility-logic marker of a text kept as in R4: the criterion's, or a sub-item's (_nested)
    kept = [c for c in found if "extension" in c]
    if any(not _is_piece(c) for c in kept):
        return f"kept as text ({criterion.logic}), as in R4"
    code = stated.get("definitionByCombination", {}).get("code", "one characteristic")
    words = sum(
        1 for c in found[1:] if "definitionCodeableConcept" in c and "exclude" not in c and c not in kept
    )
    in_words = f", {words} in its words" if words else ""
    if kept:
        pieces = len(stated["definitionByCombination"]["characteristic"])
        return (
            f"partly exact: {code} of {pieces} sub-items ({criterion.logic}), each read on its own;"
            f" {len(kept)} kept as text as in R4{in_words}"
        )
    return f"exact: {code} ({criterion.logic}), each threshold coded{in_words}"


def _choices_across_items(criteria: Sequence[Criterion], terms: Terms) -> dict[int, Json]:
    """Return, by the id of each item, the characteristic of a choice spanning list items the parser joins
    by an "OR" ending each but the last ("ECOG 0-2 OR" / "Karnofsky 70-100%"): every item of the run
    carries the same any-of, one alternative per item, under its own `linkId` and words. A matcher that
    ANDs the criteria then gets the any-of once more for each item: "A or B" and "A or B" is "A or B",
    neither stricter nor looser; a matcher reading one criterion alone sees the whole choice. Items of a
    run that cannot be stated exactly are left out (as R4 keeps them: text), and so is a run the parser did
    not mark (no item has a threshold: "non-childbearing potential or," / "child-bearing potential, ...
    agrees to one of the following: ...; or," / "Female sterilization; or," NCT00399243, a list that lost
    its depth) or whose list may have lost its depth (_lost_depth)."""
    found: dict[int, Json] = {}
    for run in joined_by_or(criteria):
        choice = _run_choice(criteria, run, terms)
        found.update({id(item): _carrying(item, choice) for item in run} if choice is not None else {})
    return found


def _choice_across(criteria: Sequence[Criterion], criterion: Criterion, terms: Terms) -> Json | None:
    """Return the characteristic of the choice across items that `criterion` is one of, or None."""
    run = next((r for r in joined_by_or(criteria) if any(c is criterion for c in r)), None)
    choice = None if run is None else _run_choice(criteria, run, terms)
    return None if choice is None else _carrying(criterion, choice)


def _carrying(item: Criterion, choice: Json) -> Json:
    """Return an item of a choice across items: its own linkId and words, the run's any-of."""
    return _ordered(
        {
            "linkId": f"{item.section}-{item.index}",
            "description": item.full_text,
            "exclude": False,
            "definitionByCombination": copy.deepcopy(choice),  # each its own: a later edit changes one
        }
    )


def _run_choice(criteria: Sequence[Criterion], run: Sequence[Criterion], terms: Terms) -> Json | None:
    """Return the any-of (its definitionByCombination) of one run of items joined by "OR", or None."""
    if not any(item.logic == ANY_OF for item in run) or _lost_depth(criteria, run):
        return None
    options = [_item_option(item, terms) for item in run]
    stated = [o for o in options if o is not None]
    if len(stated) < len(options):
        return None
    combination: Json = _any_of("\n".join(item.full_text for item in run), stated)["definitionByCombination"]
    return combination


def _lost_depth(criteria: Sequence[Criterion], run: Sequence[Criterion]) -> bool:
    """Return True when the items joined by "OR" may be the sub-items of a heading the list flattened: the
    item before them ends with ':' ("If female the subject is:"), or one of them heads a list of its own
    ("agrees to one of the following: ...", "Female patients who:"); their choice would then be that
    heading's, not the whole trial's."""
    at = next(i for i, c in enumerate(criteria) if c is run[0])
    before = criteria[at - 1] if at else None
    if before is not None and before.section == run[0].section and before.text.rstrip().endswith(":"):
        return True
    return any(_LIST_HEAD.search(item.text) for item in run)


def _item_option(item: Criterion, terms: Terms) -> Json | None:
    """Return one item of a choice across items, read as its own statement (without the "OR" joining it to
    the next): its coded thresholds, stated by the rules here, beside its verbatim words when it says more
    than they do ("has been in the DM registry, aged 40 years or older and are members of KPNC as of January
    1, 1997": age >= 40 and those words; "ECOG 0-2": ECOG 0-2 alone); an item with no fact is its words.
    None when that reading is not certain: an item with sub-items, an item whose facts alone differ from
    those the parser read in the list (a sub-heading gave them words: "Age:" above "18 and over"), an item
    with a comparator or range outside the values read beside one read, or a statement kept as text."""
    words = without_join(item.text)
    if item.sub_items or not words:
        return None
    statement = read_statement(item.section, item.index, words, item.unclear)
    if _values(statement.facts) != _values(item.facts):
        return None  # the list gave its facts words read alone it has not (a sub-heading "Age:")
    if not statement.facts:  # its words, values the parser did not read among them
        return _words(words)
    if not _every_threshold_read(statement):
        return None  # a value left unread beside one coded: which words are whose is not certain
    stated = _criterion(statement, terms)
    if any("extension" in c for c in _walk(stated)):
        return None
    option = {k: v for k, v in stated.items() if k.startswith("definition")}
    if _says_more(statement, words):
        [fact] = statement.facts if len(statement.facts) == 1 else [None]
        coded = {"description": fact.phrase.strip() if fact else words, **option}
        option = _combined([coded, _words(words)], ALL_OF)
    return {"description": words, **option}


def _values(facts: Sequence[Fact]) -> list[str]:
    """Return what the facts state, apart from their words and from being alternatives of another item."""
    return sorted(
        repr((f.kind, f.comparator, f.value, f.low, f.high, f.unit, f.method, f.condition, f.timing))
        for f in facts
    )


def _says_more(statement: Criterion, words: str) -> bool:
    """Return True when an item has words outside its facts' phrases, conditions, times and alternatives'
    words: a requirement beside the threshold ("has been in the DM registry, aged 40 years or older")."""
    rest = words
    said = {f.phrase for f in statement.facts} | {
        w for f in statement.facts for w in (f.condition, f.timing) if w
    }
    for phrase in sorted(said | set(statement.alternative_words), key=len, reverse=True):
        rest = rest.replace(phrase.strip(), " ")
    return bool(_WORD.search(rest))


def _nested(criterion: Criterion, terms: Terms) -> Json | None:
    """Return an inclusion whose heading introduces its sub-items ("Laboratory inspection must meet the
    following standards:") as the heading's combination of them, each sub-item read and stated on its own
    (its facts, "or" alternatives, subgroups), one kept as text as in R4 where it cannot be stated exactly;
    None when the heading does not say how the sub-items join, states a value itself, the list's nesting
    is not certain (a sub-item heading deeper items, a wrapped line), the criterion sits under a subgroup's
    sub-heading, or no sub-item can be stated exactly.

    Within an all-of a sub-item kept as text is unknown to a matcher until read, within an any-of a coded
    sub-item met is enough: neither stricter nor looser. An exclusion is not nested: its sub-items would be
    excluded one by one, which the any-of of its facts already states."""
    code = heading_logic(criterion.text)
    if code is None or criterion.section == EXCLUSION or len(criterion.sub_items) < 2:
        return None
    if _COMPARED.search(criterion.text) or not all(_stands_alone(item) for item in criterion.sub_items):
        return None
    # under a sub-heading naming a subgroup ("For patients in Part B:"), the parser gave its thresholds that
    # condition from outside the criterion's words: read alone, the sub-items would hold for everyone
    if any(f.condition and f.condition not in criterion.full_text for f in criterion.facts):
        return None
    pieces = [
        _piece(read_statement(criterion.section, criterion.index, item, criterion.unclear), number, terms)
        for number, item in enumerate(criterion.sub_items, 1)
    ]
    if all("extension" in piece for piece in pieces):
        return None
    return _ordered(
        {
            "linkId": f"{criterion.section}-{criterion.index}",
            "description": criterion.full_text,
            "exclude": False,
            "definitionByCombination": {"code": code, "characteristic": pieces},
        }
    )


def _piece(statement: Criterion, number: int, terms: Terms) -> Json:
    """Return one sub-item as its own characteristic ("inclusion-6.2"). An all-of sub-item with a value or a
    measure's name the parser did not read ("the international standardized ratio of prothrombin time and
    partial thromboplastin time <= 1.5 x ULN": INR read, the thromboplastin time not) is its coded facts and
    its words: a matcher knows "not met" from a coded value, and no more than "unknown" otherwise."""
    stated = _criterion(statement, terms)
    if statement.logic == ALL_OF and statement.facts and not _read_whole(statement):
        coded = [c for f in statement.facts if (c := _fact(statement, f, terms))]
        words = _words(_trimmed(statement.text))
        stated = {**stated, **_combined([*coded, words], ALL_OF)}
        stated.pop("definitionByTypeAndValue", None)
    return {**stated, "linkId": f"{stated['linkId']}.{number}"}


def _read_whole(statement: Criterion) -> bool:
    """Return True when every comparator of a statement is inside a value read and no threshold's measure
    names ("X and Y <= 1.5 x ULN") hold more measures than facts were read from them."""
    if not _every_threshold_read(statement):
        return False
    for fact in statement.facts:
        value = _COMPARED.search(fact.phrase) if fact.is_threshold else None
        if value is None:
            continue
        sharing = sum(1 for other in statement.facts if other.phrase == fact.phrase)
        if sharing == 1 and _NAMES_JOINED.search(fact.phrase, 0, value.start()):
            return False
    return True


def _stands_alone(item: str) -> bool:
    """Return True for a sub-item that reads as a statement of its own: not a wrapped line ("count"), not
    the heading of deeper items (its ':' at the end), not joined to the next by a trailing "or" / "and"."""
    stripped = item.strip().rstrip(";,.")
    return bool(stripped) and not _CONTINUES.match(stripped) and not _JOINS_NEXT.search(stripped)


def _is_piece(characteristic: Json) -> bool:
    """Return True for a sub-item's characteristic (_nested's "inclusion-6.1")."""
    return "." in characteristic.get("linkId", "")


def _walk(characteristic: Json) -> list[Json]:
    inner = characteristic.get("definitionByCombination", {}).get("characteristic", [])
    return [characteristic, *(c for i in inner for c in _walk(i))]


def _criterion(criterion: Criterion, terms: Terms) -> Json:
    exclusion = criterion.section == EXCLUSION
    held = [f for f in criterion.facts if is_held_by_logic(criterion, f)]
    coded = [c for f in criterion.facts if f not in held and (c := _fact(criterion, f, terms))]
    free_kinds = {f.kind for f in criterion.facts if f not in held}
    logic = _logic(criterion, held, free_kinds, terms) if criterion.logic != ALL_OF else None
    parts = [*coded, *logic] if logic else coded
    if criterion.logic != ALL_OF and logic is None and (held or not coded):
        nested = _nested(criterion, terms)
        if nested is not None:
            return nested
        parts = [*coded, _text(criterion, criterion.logic)]  # as R4: the criterion's text, not exact
    definition = (
        _combined(parts, ANY_OF if exclusion else ALL_OF)
        if parts
        else {"definitionCodeableConcept": {"text": criterion.full_text}}
    )
    return _ordered(
        {
            "linkId": f"{criterion.section}-{criterion.index}",
            "description": criterion.full_text,
            "exclude": exclusion,
            **definition,
        }
    )


# EvidenceVariable.characteristic's element order in R5 (the definition[x] choices come last).
_ORDER = {name: index for index, name in enumerate(("extension", "linkId", "description", "note", "exclude"))}
_KEPT_BY_COMBINED = ("extension", "timeFromEvent")


def _ordered(characteristic: Json) -> Json:
    """Return a characteristic with its keys in R5's element order."""
    return dict(sorted(characteristic.items(), key=lambda item: _ORDER.get(item[0], len(_ORDER))))


def _combined(parts: Sequence[Json], code: str) -> Json:
    """Return the definition of one part as it is, of several as a combination."""
    if len(parts) == 1:
        return {k: v for k, v in parts[0].items() if k.startswith("definition") or k in _KEPT_BY_COMBINED}
    return {"definitionByCombination": {"code": code, "characteristic": list(parts)}}


def _fact(criterion: Criterion, fact: Fact, terms: Terms) -> Json | None:
    value = fact_value(criterion, fact)
    if value is None:
        return None
    method = [{"text": fact.method}] if fact.method else None
    typed = compact({"type": {"coding": [fact_coding(fact, terms)]}, "method": method, **value})
    characteristic: Json = {"description": fact.phrase, "definitionByTypeAndValue": typed}
    if fact.timing:  # the patient's value at that time ("age at diagnosis"): R5 says when it is determined
        event = _TIME_OF.sub("", fact.timing, count=1)
        characteristic["timeFromEvent"] = [
            {"description": fact.timing, "eventCodeableConcept": {"text": event}}
        ]
    return characteristic


def _text(criterion: Criterion, logic: str) -> Json:
    return {
        "extension": [{"url": EXT_LOGIC, "valueCode": logic}],
        "description": criterion.full_text,
        "definitionCodeableConcept": {"text": criterion.full_text},
    }


def _logic(criterion: Criterion, held: list[Fact], free_kinds: set[str], terms: Terms) -> list[Json] | None:
    """Return the exact statement of a criterion's alternatives, subgroup thresholds and values at another
    time, as parts beside its facts for everyone, or None when the parser's result cannot state it exactly
    (see the module docstring)."""
    subgroup = subgroup_kinds(criterion)
    untimed = {f.kind for f in held if f.timing is None or f.alternative or f.kind in subgroup}
    if not held or free_kinds & untimed:
        return None  # a measure both held and stated for everyone: which threshold holds for whom is unsure
    facts = [(f, c) for f in held if (c := _fact(criterion, f, terms))]
    exclusion = criterion.section == EXCLUSION
    chosen = exclusion and any(f.alternative for f in held)  # "A or B": whose is a subgroup's value?
    if len(facts) < len(held) or (chosen and not _subgroups_apart(criterion, subgroup)):
        return None
    # An exclusion's "A or B" ("Meet any of the following: ...") is already its any-of: excluding A or B is
    # excluding A and excluding B, so its alternatives are read as its other facts are.
    topical = [(f, c) for f, c in facts if f.kind in subgroup]
    alternatives = [] if exclusion else [(f, c) for f, c in facts if f.alternative]
    # values at another time
    parts = [c for f, c in facts if f.kind not in subgroup and (exclusion or not f.alternative)]
    if alternatives:
        if len(alternatives) < len(facts) - len(parts):
            return None
        choice = _choice(criterion, alternatives, terms)
        return None if choice is None else [*parts, choice]
    all_read = _every_threshold_read(criterion)
    for topic in _complements(_topics(topical)):
        stated = _topic(topic, criterion.full_text, exclusion=exclusion, all_read=all_read)
        if stated is None:
            return None
        parts.append(stated)
    return parts


def _subgroups_apart(criterion: Criterion, subgroup: set[str]) -> bool:
    """Return True when no clause with a subgroup's threshold holds a threshold of a measure stated for
    everyone: in an exclusion's "ALT > 3 x ULN or AST > 3 x ULN (> 5 x ULN each for liver metastases)" the
    subgroup's value may be ALT's too, though read as AST's only ("ALT > 3 x ULN (liver metastasis >= 5 x
    ULN); AST > 3 x ULN (...)" keeps each apart)."""
    text = criterion.full_text
    for fact in criterion.facts:
        if fact.condition is None:
            continue
        words = _where_said(text, fact.phrase)
        if words is None:
            return False
        start, end = _clause(text, *words)
        for other in criterion.facts:
            if (
                other.is_threshold
                and other.kind not in subgroup
                and start <= text.find(other.phrase, start) < end
            ):
                return False
    return True


def _where_said(text: str, phrase: str) -> tuple[int, int] | None:
    """Return where a threshold's words are: its phrase, or from its comparator on when the parser joined
    the measure's name to a value written apart ("QTcF or > 470 ms" of "QTcF > 450 ms (males) or > 470
    ms")."""
    at = text.find(phrase)
    if at < 0 and (value := _COMPARED.search(phrase)) is not None:
        phrase = phrase[value.start() :]
        at = text.find(phrase)
    return (at, at + len(phrase)) if at >= 0 else None


def _choice(criterion: Criterion, alternatives: list[tuple[Fact, Json]], terms: Terms) -> Json | None:
    """Return the any-of of "A or B", "A or B for patients with C": each alternative with its own condition,
    each side the parser read no threshold from in its words, words an alternative adds with "and"
    ("...; or free light chain >= 100 mg/L and abnormal kappa/lambda ratio") beside its threshold, and a
    later value of its own measure (_later_value) beside it. None unless the clause of the choice has as many
    alternatives as its "or"s say (an alternative the parser did not see would make it stricter), or when
    "A or B and C" does not say whether C is B's or the whole choice's (only "; or" between the alternatives
    does)."""
    text = criterion.full_text
    options = _alternatives(alternatives, text)
    if options is None:
        return None
    conditions = {f.condition for f, _ in alternatives if f.condition}
    timings = {f.timing for f, _ in alternatives if f.timing}
    placed = sorted(
        (span, index, option)
        for index, option in enumerate([*options, *map(_words, criterion.alternative_words)])
        if (span := _span(text, option)) is not None
    )
    if len(placed) < len(options) + len(criterion.alternative_words):
        return None
    start, end = _clause(text, placed[0][0][0], placed[-1][0][1])
    # "or"s inside a condition, a time ("before using hydroxyurea or cytarabine") or an alternative's words
    # choose nothing (a threshold's phrase may hold the "or" before it: "<= 2.5 x ULN if no liver
    # metastases or <= 5 x ULN")
    words = _covered(text, start, [*conditions, *timings, *criterion.alternative_words])
    ors = [m.start() for m in _OR.finditer(text, start, end) if not _inside(m.start(), words)]
    if not len(placed) == len(ors) + 1 >= 2:
        return None
    stated: list[Json] = []
    separated = all(";" in text[a[0][1] : b[0][0]] for a, b in pairwise(placed))
    threshold_of = {id(c): f for f, c in alternatives}
    for index, ((first, last), _, option) in enumerate(placed):
        until = placed[index + 1][0][0] if index + 1 < len(placed) else end
        gap = _without(text[last:until], conditions | timings)
        fact = threshold_of.get(id(option))
        later = _later_value(criterion, fact, gap, terms) if fact is not None else None
        if later is None and any(found.fact.is_threshold for found in read_values(gap)):
            return None  # a value read after the alternative, neither its own later one nor coded: unsure
        added = "" if later else _added_words(gap)
        if (added or later) and not separated:
            return None
        if later is not None:
            both = _combined([option, later], ALL_OF)
            stated.append({"description": _trimmed(text[first:until]), **both})
        else:
            stated.append(_with_words(text[first:until], option, added) if added else option)
    return _any_of(text, stated)


def _span(text: str, option: Json) -> tuple[int, int] | None:
    """Return where an option's words are in the text: from the first to the last found of its parts."""
    spans = []
    for characteristic in _walk(option):
        concept = characteristic.get("definitionCodeableConcept", {})
        for words in (characteristic["description"], concept.get("text")):
            if words and (at := text.find(words)) >= 0:
                spans.append((at, at + len(words)))
    return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None


def _clause(text: str, first: int, last: int) -> tuple[int, int]:
    """Return the clause around the alternatives: from the last break before them to the first after."""
    starts = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, first)]
    after = _CLAUSE_BREAK.search(text, last)
    return (starts[-1] if starts else 0), (after.start() if after else len(text))


def _covered(text: str, start: int, said: list[str]) -> list[tuple[int, int]]:
    return [(at, at + len(words)) for words in said if (at := text.find(words, start)) >= 0]


def _inside(position: int, covered: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in covered)


def _without(gap: str, said: set[str]) -> str:
    """Return the words after an alternative's threshold without its condition's or its time's words."""
    for words in said:
        gap = gap.replace(words, " ")
    return gap


def _later_value(criterion: Criterion, fact: Fact, gap: str, terms: Terms) -> Json | None:
    """Return the value an alternative's measure must have later, after the words before it: "WBC > 20 x
    10^9/L before using hydroxyurea or cytarabine, use for a period of time and stop the drug After 3 days,
    check the WBC <= 20 x 10^9/L" is WBC > 20 before the drug and <= 20 at the time those words say. One
    measure cannot be above 20 and at most 20 at once, so the second value is another time's, whatever the
    words: coded, with `timeFromEvent` in the text's words up to the last comma before it (", check the"
    introduces the measure). None unless the alternative's threshold has its own time ("before using ...":
    stated as now, it would be the patient's value today) and the words after it end with one value of its
    measure, the only fact read from them, that no value of the first can meet."""
    words = _trimmed(gap).lstrip(" ,;:")
    found = read_values(words)
    if (
        fact.timing is None
        or len(found) != 1
        or found[0].fact.kind != fact.kind
        or _trimmed(words[found[0].end :])
    ):
        return None
    later = found[0].fact
    before = words[: found[0].start]
    event = _trimmed(before[: before.rfind(",")] if "," in before else before)
    if not event or not _disjoint(fact, later):
        return None
    characteristic = _fact(criterion, replace(later, timing=event), terms)
    return None if characteristic is None else {**characteristic, "description": words}


def _disjoint(first: Fact, second: Fact) -> bool:
    """Return True when no value meets both thresholds (> 20 and <= 20): two times, not one range."""
    if first.unit != second.unit or first.value is None or second.value is None:
        return False
    sides = (_SIDES.get(first.comparator or ""), _SIDES.get(second.comparator or ""))
    if sides == ("lower", "upper"):
        low, high, inclusive = first, second, {first.comparator, second.comparator} == {">=", "<="}
    elif sides == ("upper", "lower"):
        low, high, inclusive = second, first, {first.comparator, second.comparator} == {">=", "<="}
    else:
        return False
    assert low.value is not None and high.value is not None
    return high.value < low.value or (high.value == low.value and not inclusive)


def _added_words(gap: str) -> str:
    """Return the words an alternative adds with "and" after its threshold ("and abnormal ... ratio"), up
    to the "or" of the next alternative; "" when it adds none ("(10 mg/dL)", its condition)."""
    joined = _AND.search(gap)
    if joined is None:
        return ""
    ors = [m.start() for m in _OR.finditer(gap, joined.end())]
    return _trimmed(gap[joined.end() : ors[-1] if ors else len(gap)])


def _with_words(segment: str, option: Json, added: str) -> Json:
    both = _combined([option, _words(added)], ALL_OF)
    return {"description": _trimmed(segment), **both}


def _trimmed(words: str) -> str:
    return words.strip().rstrip(" \t\n,;:.(").strip()


def _words(words: str) -> Json:
    """Return an alternative the parser read no threshold from, in its verbatim words."""
    return {"description": words, "definitionCodeableConcept": {"text": words}}


def _in_text_order(text: str, options: list[Json]) -> list[Json]:
    """Return the options in the order the text names them (each at its earliest words found)."""

    def position(option: Json) -> int:
        found = [text.find(c["description"]) for c in _walk(option)]
        return min((p for p in found if p >= 0), default=len(text))

    return sorted(options, key=position)


def _every_threshold_read(criterion: Criterion) -> bool:
    """Return True when every comparator or range of the criterion is inside a threshold the parser read or
    the words of a condition (nothing the text says for everyone else was left unread), and an inclusion
    does not turn its threshold into an exclusion ("patients with creatinine clearance < 60 mL/min should
    be excluded", NCT01852578)."""
    text = criterion.full_text
    if criterion.section != EXCLUSION and _EXCLUDED.search(text):
        return False
    said = {f.phrase for f in criterion.facts if f.is_threshold}
    said |= {w for f in criterion.facts for w in (f.condition, f.timing) if w}
    covered: list[tuple[int, int]] = []
    for words in said:
        start = text.find(words)
        if start < 0:
            return False
        covered.append((start, start + len(words)))
    return all(any(a <= m.start() < b for a, b in covered) for m in _COMPARED.finditer(text))


def _complements(topics: list[list[tuple[Fact, Json]]]) -> list[list[tuple[Fact, Json]]]:
    """Return the topics with two lone subgroups that are each other's complement joined: "ECOG <= 2 for
    patients >= 16 years old, Lansky > 50 for patients < 16 years old" (NCT05464836) is one choice by age."""
    lone = [t for t in topics if len({f.condition for f, _ in t}) == 1 and all(f.condition for f, _ in t)]
    joined: list[list[tuple[Fact, Json]]] = []
    used: set[int] = set()
    for i, first in enumerate(lone):
        for j in range(i + 1, len(lone)):
            if i not in used and j not in used and _complementary(first[0][0], lone[j][0][0]):
                joined.append(first + lone[j])
                used |= {i, j}
    merged = [t for i, t in enumerate(lone) if i in used]
    return [t for t in topics if not any(t is m for m in merged)] + joined


def _complementary(first: Fact, second: Fact) -> bool:
    """Return True when two subgroups split everyone in two: opposite sexes, or the two sides of one age."""
    one, other = (first.condition or "").lower(), (second.condition or "").lower()
    sexes = [
        {_FEMALE.get(w, "m") for w in _SEX.findall(one)},
        {_FEMALE.get(w, "m") for w in _SEX.findall(other)},
    ]
    if all(len(s) == 1 for s in sexes) and sexes[0] != sexes[1]:
        return True
    ages = [_AGE_SIDE.findall(one), _AGE_SIDE.findall(other)]
    if [len(a) for a in ages] != [1, 1]:
        return False
    (left, number), (right, other_number) = ages[0][0], ages[1][0]
    return number == other_number and (_SIDE[left], _SIDE[right]) in (
        ("ge", "lt"),
        ("lt", "ge"),
        ("gt", "le"),
        ("le", "gt"),
    )


def _alternatives(facts: list[tuple[Fact, Json]], text: str) -> list[Json] | None:
    """Return one option per alternative, the thresholds of one condition together with its words; None
    when two thresholds of one measure share a condition, or neither has one."""
    options: list[Json] = []
    groups: dict[str, list[tuple[Fact, Json]]] = {}
    for fact, characteristic in facts:
        if fact.condition is None:
            options.append(characteristic)
        elif fact.condition not in groups:
            groups[fact.condition] = [(fact, characteristic)]
            options.append({"condition": fact.condition})  # where its group goes, in the text's order
        else:
            groups[fact.condition].append((fact, characteristic))
    alone = [(f, c) for f, c in facts if f.condition is None]
    if not all(_distinct_measures(group) for group in (alone, *groups.values())):
        return None  # two thresholds of one measure, one condition: whose threshold is which is unsure
    if not all(_exempts(text, condition, thresholds) for condition, thresholds in groups.items()):
        return None
    return [_in_subgroup(o["condition"], groups[o["condition"]]) if "condition" in o else o for o in options]


def _in_subgroup(condition: str, thresholds: list[tuple[Fact, Json]], *, exclusion: bool = False) -> Json:
    both = _combined([_subgroup(condition, exclude=False), *_limits(thresholds, exclusion=exclusion)], ALL_OF)
    return {"description": condition, **both}


def _limits(thresholds: list[tuple[Fact, Json]], *, exclusion: bool) -> list[Json]:
    """Return what a group's thresholds state beside its words: an inclusion's each (all are met); an
    exclusion's one any-of over its measures ("ALT > 3 x ULN; AST > 3 x ULN (liver metastases >= 5 x ULN
    each)" excludes whoever has either, as the exclusion's facts for everyone are an any-of), the two
    limits of one range together."""
    if not exclusion:
        return [c for _, c in thresholds]
    by_measure: dict[str, list[Json]] = {}
    for fact, characteristic in thresholds:
        by_measure.setdefault(fact.kind, []).append(characteristic)
    measures = [_measure(limits) for limits in by_measure.values()]
    if len(measures) == 1:
        return measures
    return [_any_of(_phrases(thresholds), measures)]


def _measure(limits: list[Json]) -> Json:
    if len(limits) == 1:
        return limits[0]
    return {"description": "; ".join(c["description"] for c in limits), **_combined(limits, ALL_OF)}


def _topics(facts: list[tuple[Fact, Json]]) -> list[list[tuple[Fact, Json]]]:
    """Return the subgroup thresholds and the thresholds for everyone else, by measure, joined where one
    subgroup's condition covers several measures ("AST and ALT <= 5 x ULN for liver metastases")."""
    kinds_of: dict[str, set[str]] = {}
    for fact, _ in facts:
        if fact.condition is not None:
            kinds_of.setdefault(fact.condition, set()).add(fact.kind)
    topics: list[set[str]] = []
    for kinds in kinds_of.values():
        joined = [t for t in topics if t & kinds]
        topics = [t for t in topics if not t & kinds] + [kinds.union(*joined)]
    # Subgroups over different measures may overlap ("If there is no clear liver metastasis, bilirubin <=
    # 1.5 x ULN, AST and ALT <= 2.5 x ULN; if Gilbert syndrome, bilirubin <= 3 x ULN", NCT04946890): joined,
    # a Gilbert's patient would meet the any-of by bilirubin alone, looser than the text; each measure
    # apart holds each limit for its own subgroups.
    split = [
        [{kind} for kind in dict.fromkeys(f.kind for f, _ in facts) if kind in topic]
        if len({frozenset(k & topic) for k in kinds_of.values() if k & topic}) > 1
        else [topic]
        for topic in topics
    ]
    return [[item for item in facts if item[0].kind in kinds] for group in split for kinds in group]


def _topic(facts: list[tuple[Fact, Json]], text: str, *, exclusion: bool, all_read: bool) -> Json | None:
    """Return any-of: the thresholds for everyone outside the subgroups (and not in any of them), and per
    subgroup an all-of of its words and its thresholds; None when that would guess.

    With no threshold for everyone else, the text sets no limit on them: an inclusion's any-of gets the
    option "in none of the subgroups" with no threshold ("CrCl >= 45 for patients with creatinine above
    normal": anyone else meets it), an exclusion's excludes only the subgroups ("eGFR < 30 for individuals
    >= 1 year of age"). Only when every threshold of the text was read (`all_read`: one left unread may be
    the limit for everyone else) and each condition says whom it is for ("for ...", "if ...", "unless ...":
    a bare "Gilbert's syndrome" may stand in "not due to Gilbert's syndrome"). Two subgroups that are each
    other's complement ("Male: > 450 ms, Female: > 470 ms") need no such option. Two thresholds of one
    measure side by side mean one of them belongs to another group: None.
    """
    general = [(f, c) for f, c in facts if f.condition is None]
    groups: dict[str, list[tuple[Fact, Json]]] = {}
    for fact, characteristic in facts:
        if fact.condition is not None:
            groups.setdefault(fact.condition, []).append((fact, characteristic))
    if any(not _distinct_measures(group) for group in (general, *groups.values())):
        return None
    if not all(_exempts(text, condition, thresholds) for condition, thresholds in groups.items()):
        return None
    pair = [thresholds[0][0] for thresholds in groups.values()]
    complementary = len(pair) == 2 and _complementary(*pair)
    said_who = all(_WHO.match(condition) for condition in groups)  # not a bare "Gilbert's" ...
    if not general and not complementary and not (all_read and said_who):
        return None
    options = []
    outside = [_subgroup(condition, exclude=True) for condition in groups]
    if general:
        everyone = _combined([*outside, *_limits(general, exclusion=exclusion)], ALL_OF)
        options.append({"description": _phrases(general), **everyone})
    elif not (complementary or exclusion):  # in none of the subgroups: no limit
        options.append(outside[0] if len(outside) == 1 else _all_of_outside(outside))
    options.extend(
        _in_subgroup(condition, thresholds, exclusion=exclusion) for condition, thresholds in groups.items()
    )
    if len(options) == 1:
        return {"description": _phrases(facts), **_combined(options, ANY_OF)}
    return _any_of(_phrases(facts), options)


def _all_of_outside(outside: list[Json]) -> Json:
    return {"description": "; ".join(o["description"] for o in outside), **_combined(outside, ALL_OF)}


def _exempts(text: str, condition: str, thresholds: list[tuple[Fact, Json]]) -> bool:
    """Return True unless a condition "unless X" / "except X" is not after the thresholds it holds for:
    "bilirubin <= 1.5 x ULN (unless Gilbert's ...)" exempts the 1.5 x ULN written before it. The parser gives
    X's own value after it ("unless Gilbert's syndrome, for which bilirubin <= 3 x ULN") the condition X
    (conditions.py); an "unless X" left on a value after it ("Unless X, bilirubin <= 1.5 x ULN") is kept as
    text."""
    if not _NEGATED.match(condition):
        return True
    at = text.find(condition)
    return at >= 0 and all(0 <= text.find(f.phrase) < at for f, _ in thresholds)


def _subgroup(condition: str, *, exclude: bool) -> Json:
    """Return who a subgroup is, in the parser's words; with `exclude`, everyone not in it. A condition
    "unless X" / "except X" is everyone not X: "Total bilirubin <= 1.5 x ULN (unless documented Gilbert's
    syndrome ...)" holds for those without Gilbert's."""
    negated = _NEGATED.match(condition)
    who = condition[negated.end() :] if negated else condition
    outside = exclude != bool(negated)
    return _ordered(
        {
            "description": f"not {who}" if outside else who,
            "exclude": outside,
            "definitionCodeableConcept": {"text": who},
        }
    )


def _distinct_measures(facts: list[tuple[Fact, Json]]) -> bool:
    """Return True when no measure has two thresholds, but for the two limits of one range ("4 to <8
    years": >= 4 and < 8)."""
    sides: dict[str, list[str]] = {}
    for fact, _ in facts:
        sides.setdefault(fact.kind, []).append(_SIDES.get(fact.comparator or "", "whole"))
    return all(len(limits) == 1 or sorted(limits) == ["lower", "upper"] for limits in sides.values())


def _any_of(description: str, options: list[Json]) -> Json:
    return {
        "description": description,
        "definitionByCombination": {"code": ANY_OF, "characteristic": options},
    }


def _phrases(facts: list[tuple[Fact, Json]]) -> str:
    return "; ".join(f.phrase for f, _ in facts)
