"""Drug names: the drugs inside an intervention name, name tokens and keys, the interventions of an arm.

An arm's drugs are the components of its linked Drug/Biological interventions ("Paclitaxel + Carboplatin/
cisplatin for squamous cell carcinoma" is three drugs). A name is matched by its tokens, so "APG-2575" and
"APG2575" are one drug, with one key. Plain results, no FHIR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fhir_adapter.sources import Arm, Intervention, TrialRecord
from fhir_adapter.text.regimen.doses import normalize

MAX_NAME_CHARS = 500
DRUG_TYPES = frozenset({"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "DIETARY_SUPPLEMENT"})
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
# Patterns over free text are linear (issue 11): one that starts with a run of spaces may start only where
# the run starts ("(?<!\s)"), and a number or word only where it starts, so no search rescans a long run
# from each of its positions.
_SPLIT = re.compile(
    r"(?<!\s)\s*(?:,\s*(?:and|or|plus)\b|/|\+|,(?!\d{3}\b)|;|&|\bplus\b|\band\b|\bor\b|\bwith(?:\s+or\s+without)?\b|\bin\s+combination\s+with\b"
    r"|\bcombined\s+with\b|\bfollowed\s+by\b|\bthen\b|\bversus\b|\bvs\b\.?)\s*",
    re.IGNORECASE,
)
# "co-administration of cefepime and nacubactam" (NCT05905055) names cefepime and nacubactam.
_QUALIFIER = re.compile(
    r"^(?:(?:co-?)?administration\s+of\s+)?(?:the\s+)?"
    r"(?:(?:reduced|standard|high|low|full|fixed|escalating|optimal)[- ]dose\s+)?",
    re.IGNORECASE,
)
_TRAILER = re.compile(
    r"(?<!\s)\s+(?:(?:once|twice)\s+(?:daily|weekly)(?:\s+dosing)?|dose\s+escalation|dosing|dose|tablets?|capsules?|injection|infusion|cocktail"
    # a route or a device left once the dosage form is gone: "Vericiguat Oral Tablet", "Semaglutide Pen
    # Injector" (set 16) name vericiguat and semaglutide; never the name's first word (the "(?<!\s)\s+")
    r"|oral|film[- ]coated|(?:pre-?filled\s+)?(?:pen(?:\s+injector)?|auto-?injector|injector|syringe)"
    r"|for\s+injection|oral\s+solution|(?s:\d+(?:[.,]\d+)?\s*(?:(?:mg|g|mcg|ug)\b|%).*|as\s+determined\b.*"
    r"|for\s+\w.*|in\s+phase\b.*)|\((?:[^()]|\([^()]*\))*\))$",
    re.IGNORECASE,
)
# "DHAP + 0.25 mg/kg primaquine administered to G6PD deficient" (NCT02654730): a dose or the people a drug is
# given to, inside a name, are not part of the drug's name; removed before "/" and "+" split the name.
_DOSE_IN_NAME = re.compile(
    # "Ferric Carboxymaltose 50 MG/ML" (NCT05702970, set 15): a product's concentration, its "/ML" no drug
    r"(?<![\w.])\d+(?:[.,]\d+)?\s*(?:mg|g|mcg|ug|iu|units?)(?:\s*/\s*(?:kg|m2|m\^2|day|d|ml))?(?:\s+of)?\b",
    re.IGNORECASE,
)
# ... nor a description after a spaced dash: "Efalizumab - anti CD11a recombinant human monoclonal antibody"
# (NCT00739882), "Cabotegravir - Injectable Suspension (CAB LA)"; never "Fludarabine - Cyclophosphamide".
_PURPOSE_IN_NAME = re.compile(
    # "adjuvant tislelizumab and chemotherapy for MRD+ patients" (NCT05286957): not a drug named "patients"
    r"(?<!\s)\s+(?:(?i:administered|given)\s+(?i:to|in|as)\b"
    r"|(?i:for)\s+(?:[^\s]{1,20}\s+){0,3}?(?i:patients|participants|subjects|children|adults)\b"
    r"|[-\u2013]\s+(?=[a-z]|(?i:injectable|oral|tablets?\b|"
    r"capsules?\b|suspension|solution|powder)))(?s:.*)$"
)
# A regimen's name ("HAG Regimen", "CALGE-VEN- RIC-conditioning", NCT05870995) is no drug's: its doses are
# its drugs', written by their own names.
_REGIMEN_NAME = re.compile(r"\b(?:regimens?|protocols?|conditioning)$", re.IGNORECASE)
# An intervention named as a group ("Lutein group", "Combination group", "Normal lutein control group",
# NCT01534533, set 17; "Lazertinib group", NCT05463224): the arm's label, not a drug's name. Without "group",
# one drug name is left or a description of the group (a generic word in it), which names no drug.
_GROUP_NAME = re.compile(r"(?<!\s)\s+groups?$", re.IGNORECASE)
_SALT = re.compile(
    r"(?<!\s)\s+(?:hydrochloride|hcl|disodium|sodium|mesylate|mesylat|maleate|citrate|tosylate|sulfate|phosphate|acetate|"
    r"malate|besylate|fumarate|dihydrochloride)$",
    re.IGNORECASE,
)
_GENERIC_WORDS = frozenset(
    {
        *("once", "twice", "daily", "weekly", "dosing", "dose", "doses", "regimen", "chemotherapy"),
        *("treatment", "study", "placebo", "standard", "of", "care", "the", "best", "supportive", "therapy"),
        *("drug", "drugs", "platinum", "observation", "control", "agent", "agents", "matching"),
        *("investigational", "product", "medication", "medications", "combination"),
        # A route or a dosage form alone ("Oral Hypoglycemic Agents,Oral", NCT05417880) names no drug.
        *("oral", "orally", "intravenous", "intravenously", "iv", "po", "subcutaneous", "sc", "topical"),
        *("tablet", "tablets", "capsule", "capsules", "injection", "infusion", "solution"),
    }
)
_STEM = re.compile(
    r"(?<![a-z])[a-z]{3,}(?:mab|nib|mib|lisib|parib|ciclib|clax|domide|phamide|famide|lutamide|zolomide|platin|taxel|"
    r"rubicin|mycin|abine|ribine|citidine|mustine|sulfan|tecan|trexed|trexate|relbine|blastine|cristine|flunine|"
    r"poside|methasone|nisone|nisolone|retinoin|inostat|leucel|leukin|trozole|estrant|uracil|quine)"
)
_OR = re.compile(r"\bor\b", re.IGNORECASE)
_WITH_OR_WITHOUT = re.compile(r"\bwith\s+or\s+without\b.*", re.IGNORECASE)
_INACTIVE = ("placebo", "vehicle", "sham", "saline control")


@dataclass(frozen=True)
class DrugName:
    """One drug of an arm: its key, the name shown, every other name, and the intervention it belongs to
    (`intervention` its index in the record, `linked` True when the arm links it, `choice` the intervention
    name when that names alternatives)."""

    key: str
    display: str
    aliases: tuple[str, ...] = ()
    intervention: int | None = None
    intervention_type: str | None = None
    linked: bool = False
    choice: str | None = None


@dataclass(frozen=True, slots=True)
class Token:
    """A lower-case word or number of a text and where it is written."""

    word: str
    start: int
    end: int


@lru_cache(maxsize=64)
def text_tokens(text: str) -> tuple[Token, ...]:
    """Return each word and number of `text`, lower case, with its span (cached per text).

    >>> [t.word for t in text_tokens("APG-2575 20mg")]
    ['apg', '2575', '20', 'mg']
    """
    low = text.lower()
    return tuple(Token(low[m.start() : m.end()], m.start(), m.end()) for m in _TOKEN.finditer(low))


@lru_cache(maxsize=8192)
def is_stem(word: str) -> bool:
    """Return True for a lower-case word with an INN stem ("-mab", "-platin", "-taxel", ...)."""
    return _STEM.fullmatch(word) is not None


@lru_cache(maxsize=4096)
def tokens_of(name: str) -> tuple[str, ...]:
    """Return the lower-case word and number tokens of a name, the unit names are matched by.

    >>> tokens_of("APG-2575"), tokens_of("APG2575"), tokens_of("CD19 CAR-T cells")
    (('apg', '2575'), ('apg', '2575'), ('cd', '19', 'car', 't', 'cells'))
    """
    return tuple(m.group().lower() for m in _TOKEN.finditer(name))


def drug_key(name: str) -> str:
    """Return a name's key: its tokens joined, so "APG-2575" and "APG2575" are one drug.

    >>> drug_key("Gemcitabine Hydrochloride"), drug_key("APG-2575")
    ('gemcitabinehydrochloride', 'apg2575')
    """
    return "".join(tokens_of(name))


def without_salt(name: str) -> str | None:
    """Return the name without its salt word ("Gemcitabine Hydrochloride": "Gemcitabine"), or None."""
    return _SALT.sub("", name) if _SALT.search(name) else None


# "Postoperative methadone" (NCT05693675, set 15): a word for when or how a drug is given, written before one
# other word, names that drug; the text then writes it alone ("oral/IV methadone postoperatively"). Not a
# product form ("liposomal doxorubicin" is another product, lexicon.py), only timing and route words.
_SETTING_BEFORE = re.compile(
    r"^(?:pre|post|intra|peri)-?operative[ \t]++(?=[A-Za-z][\w-]{3,}$)"
    r"|^(?:oral|intravenous|iv|inhaled|nebuli[sz]ed|intranasal|sublingual|prophylactic)[ \t]++"
    r"(?=[A-Za-z][\w-]{3,}$)",
    re.IGNORECASE,
)


def without_setting(name: str) -> str | None:
    """Return a one-word drug name without the timing or route word written before it, or None.

    >>> without_setting("Postoperative methadone"), without_setting("Oral Vinorelbine")
    ('methadone', 'Vinorelbine')
    >>> without_setting("Rescue Analgesia") is None
    True
    >>> without_setting("Liposomal doxorubicin"), without_setting("Postoperative placebo tablets")
    (None, None)
    """
    stripped = _SETTING_BEFORE.sub("", name.strip())
    return stripped if stripped != name.strip() else None


@lru_cache(maxsize=2048)
def name_components(name: str) -> tuple[str, ...]:
    """Return the drug names inside an intervention name, qualifiers and dosing words removed.

    >>> name_components("Paclitaxel + Carboplatin/cisplatin for squamous cell carcinoma")
    ('Paclitaxel', 'Carboplatin', 'cisplatin')
    >>> name_components("All-trans Retinoic Acid in combination with the KPD Regimen")
    ('All-trans Retinoic Acid',)
    >>> name_components("Poziotinib Once Daily Dosing or Twice Daily Dosing as determined in Phase 1")
    ('Poziotinib',)
    >>> name_components("Reduced-dose HHT"), name_components("co-administration of cefepime and nacubactam")
    (('HHT',), ('cefepime', 'nacubactam'))
    >>> name_components("QL1706 plus bevacizumab with or without chemotherapy")
    ('QL1706', 'bevacizumab')
    >>> name_components("DHA-piperaquine + 0.25 mg/kg primaquine administered to G6PD normal")
    ('DHA-piperaquine', 'primaquine')
    >>> name_components("Ropivacaine, Epinephrine, and Ketorolac Injection Cocktail")
    ('Ropivacaine', 'Epinephrine', 'Ketorolac')
    >>> name_components("S-1 [Tegafur/Oteracil/gimeracil]")
    ('S-1',)
    >>> name_components("Darolutamide (Nubeqa, BAY1841788)")
    ('Darolutamide',)
    >>> name_components("PD 0299685 at 15mg BID"), name_components("TY-9591(10mg,40mg) qd. po")
    (('PD 0299685',), ('TY-9591',))
    """
    components: list[str] = []
    # CT.gov caps an intervention name at 200 characters; a longer one is read that far.
    written = _without_dosing_tail(_PURPOSE_IN_NAME.sub("", _unbracketed(normalize(name[:MAX_NAME_CHARS]))))
    written = _DOSE_IN_NAME.sub(" ", written)
    for part in _SPLIT.split(_INGREDIENTS_IN_NAME.sub(_without_ingredients, written)):
        cleaned = clean_name(part)
        if cleaned and cleaned.lower() not in (c.lower() for c in components):
            components.append(cleaned)
    return tuple(components)


# The words a dose written at the end of a name may carry: units, counts of tablets, schedules and routes.
_DOSING_WORDS = frozenset(
    {
        *("mg", "g", "mcg", "ug", "iu", "units", "kg", "m", "x", "at", "per", "day", "d", "and", "or"),
        *("tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps"),
        # "Aspirin 162 mg EC Tab once daily for 7 days", "Aspirin 81Mg Chew Tab" (NCT05702463): a coating, a
        # form and a length.
        *("ec", "chew", "chewable", "for", "days", "months"),
        *("bid", "qd", "od", "tid", "qid", "qw", "daily", "once", "twice", "weekly"),
        # "Pembrolizumab 200 mg Q6W" (NCT05692999): an interval code "Q6W" / "q3wk" reads q, 6, w.
        *("q", "w", "wk", "every", "week", "weeks"),
        *("po", "iv", "sc", "oral", "orally"),
    }
)


def _without_dosing_tail(name: str) -> str:
    """Return `name` cut before a dose that only dosing words follow: "PD 0299685 at 15mg BID", "Voriconazole
    200 mg x 2 Tablets", "TY-9591(10mg,40mg) qd. po" (NCT00739739, NCT05380245, NCT04204473) name PD 0299685,
    voriconazole and TY-9591; the dose is the product's or the arm's, not part of the drug's name. A dose
    followed by another name ("0.25 mg/kg primaquine") is left to _DOSE_IN_NAME."""
    dose = _DOSE_IN_NAME.search(name)
    if dose is None or dose.start() == 0:
        return name
    tail = tokens_of(name[dose.start() :])
    head = name[: dose.start()].rstrip(" \t\n(:")  # "Milciclib Dose: 150 mg/day"
    dosing_only = all(word.isdigit() or word in _DOSING_WORDS for word in tail)
    if not dosing_only and not _describes_dosing(head, name[dose.end() :]):
        return name
    if head.lower().endswith(" at"):  # "PD 0299685 at 15mg BID"
        head = head[:-3].rstrip()
    return head if tokens_of(head) else name


def _describes_dosing(head: str, tail: str) -> bool:
    """Return True when the words after a name's dose can only describe how that dose is given: the name
    before the dose is one drug (no list of drugs), and the words after it name no other drug (no list
    word, no drug stem, no product code). "Empagliflozin 25 mg thrice-weekly post-hemodialysis dosing"
    (NCT05687058) names empagliflozin; the schedule words are too many to list (each blind set brought new
    ones: "EC Tab", "Q6W", "x 2 Tablets"), while what a drug name looks like is known."""
    if not tokens_of(head) or _SPLIT.search(head) or _SPLIT.search(tail):
        return False
    return _CODE.search(tail) is None and _STEM.search(tail.lower()) is None


# "S-1 [Tegafur/Oteracil/gimeracil]" (NCT06109779): the bracket after a name lists the product's
# ingredients, one other name of one drug, not drugs of their own. Bounded, so linear.
_LIST_WORD = re.compile(r"\b(?:or|and|plus|with|then|vs)\b", re.IGNORECASE)
_INGREDIENTS_IN_NAME = re.compile(r"(?<=\S)\s*+(?:\[[^\[\]\n]{1,200}\]|\([^()\n]{1,200}\))")


# "Darolutamide (Nubeqa, BAY1841788)" (NCT05348876): a bracket of one-word names, one of them a development
# code, gives the drug's other names, not drugs of their own.
_CODE = re.compile(r"[A-Za-z]{1,5}-?\d{3,}")
_ALIAS_PART = re.compile(r"[^\s,;+/()\[\]]{2,30}")


def _without_ingredients(match: re.Match[str]) -> str:
    group = match.group()
    return "" if _is_ingredient_list(group) or _is_alias_list(group) else group


def _is_alias_list(group: str) -> bool:
    parts = [p.strip() for p in group.strip(" []()").split(",")]
    return (
        len(parts) > 1
        and not _LIST_WORD.search(group)
        and all(_ALIAS_PART.fullmatch(p) for p in parts)
        and any(_CODE.fullmatch(p) for p in parts)
    )


def _is_ingredient_list(group: str) -> bool:
    """Return True for "Tegafur/Oteracil/gimeracil": words joined by slashes only; "(Gemcitabine + Carboplatin
    or Eribulin)" lists the drugs of a regimen, each a drug of its own."""
    return "/" in group and not any(c in group for c in "+,;") and not _LIST_WORD.search(group)


def ingredient_lists(name: str) -> tuple[str, ...]:
    """Return the ingredient lists bracketed after a name, each one other name of its drug.

    >>> ingredient_lists("S-1 [Tegafur/Oteracil/gimeracil]"), ingredient_lists("Pembrolizumab (MK-3475)")
    (('Tegafur/Oteracil/gimeracil',), ())
    """
    found = (m.group().strip(" []()") for m in _INGREDIENTS_IN_NAME.finditer(name[:MAX_NAME_CHARS]))
    return tuple(f for f in found if _is_ingredient_list(f))


def own_other_names(
    name: str, other_names: tuple[str, ...], record_names: tuple[str, ...]
) -> tuple[str, ...]:
    """Return the other names that name the intervention `name`, labels removed.

    A record may list every drug's aliases under each intervention, each labelled with its drug
    ("Osimertinib: AZD9291", "Datopotamab Deruxtecan: Dato-DXd"): an alias labelled with another of
    the record's interventions (`record_names`) is that one's, not this intervention's.

    >>> names = ("Osimertinib", "Datopotamab Deruxtecan")
    >>> own_other_names("Osimertinib", ("Osimertinib: AZD9291", "Datopotamab Deruxtecan: Dato-DXd"), names)
    ('AZD9291',)
    >>> own_other_names("Selinexor", ("KPT-330", "Brand: Xpovio"), ("Selinexor",))
    ('KPT-330', 'Brand: Xpovio')
    """
    others = {n.strip().casefold() for n in record_names} - {name.strip().casefold()}
    own: list[str] = []
    for other in other_names:
        label, colon, alias = other.partition(":")
        label_key = label.strip().casefold()
        if colon and alias.strip() and label_key == name.strip().casefold():
            own.append(alias.strip())
        elif not (colon and label_key in others):
            own.append(other)
    return tuple(own)


@lru_cache(maxsize=4096)
def _unbracketed(name: str) -> str:
    """Return a name written wholly in one pair of brackets without them: the other name "(Idhifa, AG 221)"
    (NCT05282459) is Idhifa and AG 221, not "(Idhifa" and "AG 221)"."""
    inner = name.strip()
    if inner.startswith("(") and inner.endswith(")") and "(" not in inner[1:] and ")" not in inner[:-1]:
        return inner[1:-1]
    return name


def clean_name(part: str) -> str | None:
    """Return one name without qualifiers and dosing words, or None when nothing drug-like is left."""
    text = _QUALIFIER.sub("", part[:MAX_NAME_CHARS].strip())
    while True:  # each pass strips one trailer: bounded by the name's length
        shorter = _TRAILER.sub("", text)
        if shorter == text:
            break
        text = shorter
    if _REGIMEN_NAME.search(text):
        return None
    grouped = _GROUP_NAME.sub("", text)
    if grouped != text and any(w in _GENERIC_WORDS for w in tokens_of(grouped)):
        return None
    text = grouped
    words = tokens_of(text)
    if not words or all(w in _GENERIC_WORDS or w.isdigit() for w in words):
        return None
    return text.strip(" -")


def linked_interventions(trial: TrialRecord, arm: Arm) -> tuple[Intervention, ...]:
    """Return the arm's interventions; two interventions sharing a name are told apart by armGroupLabels."""
    linked = trial.interventions_for(arm)
    labels = [i.label for i in linked]
    claimed = {label for label, i in zip(labels, linked, strict=True) if arm.label in i.arm_labels}
    return tuple(
        i
        for label, i in zip(labels, linked, strict=True)
        if not i.arm_labels or arm.label in i.arm_labels or label not in claimed
    )


# A diet or an activity registered as a Dietary Supplement ("Cyclic, 5-day calorie restriction", NCT05703997,
# set 15): no substance given at a dose, so no entries and no days of its own.
_NO_SUBSTANCE = re.compile(
    r"\b(?:diets?|calori(?:c|e)[ \t]++restrict\w*|fasting|fasting-mimicking|exercise"
    r"|physical[ \t]++activity)\b",
    re.IGNORECASE,
)


def is_drug_intervention(intervention: Intervention) -> bool:
    """Return True for an intervention that is a drug given at a dose (not a placebo, not a procedure, not a
    diet)."""
    name = intervention.name.lower()
    if intervention.type not in DRUG_TYPES or any(word in name for word in _INACTIVE):
        return False
    return _NO_SUBSTANCE.search(intervention.name[:MAX_NAME_CHARS]) is None


def choice_of(name: str) -> str | None:
    """Return the intervention name when it names drugs as alternatives ("Tislelizumab, atezolizumab or
    sugemalimab", NCT06097962): one of them is given, not all.

    >>> choice_of("Tislelizumab，atezolizumab or sugemalimab"), choice_of("QL1706 plus X with or without Y")
    ('Tislelizumab，atezolizumab or sugemalimab', None)
    """
    plain = _WITH_OR_WITHOUT.sub(" ", name)
    return name if len(name_components(name)) > 1 and _OR.search(plain) else None
