"""Find the doses written in dosing text: amounts, ranges, units, AUC targets and cell counts.

Plain results, no FHIR. Units come back in a small canonical spelling ("mg/m2", "ug", "IU", "mL", "AUC",
"cells/kg", "L/min"); mapping them to UCUM is the builders' job (mappings/dose-unit-ucum.json). A number
is read only when its format is certain: "1,250" is 1250 and "2,5" is 2.5, but "2.670" (a decimal point
or a thousands separator?) is reported as ambiguous rather than guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from fhir_adapter.terms import MAPPINGS_PACKAGE
from fhir_adapter.text.markdown import MARKDOWN_ESCAPE

# One character for one character, so positions found in the normalized text are positions in the
# original, and verbatim passages can be cut from the record's own text.
_CHAR_MAP = str.maketrans(
    {
        "²": "2",
        "³": "3",
        "⁰": "0",
        "¹": "1",
        "⁴": "4",
        "⁵": "5",
        "⁶": "6",
        "⁷": "7",
        "⁸": "8",
        "⁹": "9",
        "µ": "u",
        "μ": "u",
        "×": "x",
        "–": "-",
        "—": "-",
        "−": "-",
        "，": ",",
        "（": "(",
        "）": ")",
        "：": ":",
        "；": ";",
        "＋": "+",
        "～": "~",
        "\u00a0": " ",
        "\u3000": " ",
    }
)
# CT.gov Markdown escapes ASCII punctuation ("\>75 years", "mg/m\^2", "regimens\*", "\_"): CommonMark's rule.

NUMBER = r"\d+(?:[.,]\d+)*"
# A number starts after a non-word character, or after a full stop that ends a sentence ("six weeks.1x10").
_START = r"(?<!\w)(?<!\d[.,])"
_MASS = (
    r"(?P<mass>mg|milligrams?|mcg|ug|micrograms?|ng|g|grams?|IU|international\s+units?"
    r"|ml|milli(?:lit(?:er|re))s?|mmol|millimoles?"
    # "3x5 drops on day 1-3" (NCT05690321, an opium tincture): drops are counted doses of a liquid
    r"|drops?|gtts?)"
    # "20 milligrams (mg)/kilogram (kg)" (NCT00158600): a spelled-out unit followed by its own abbreviation.
    r"(?:(?<=[a-z]{4})\s*\(\s*(?:mg|ug|mcg|g|ml|iu|mmol)\s*\))?"
    # "0.1 mmol Gd/kg body weight" (a gadolinium contrast agent), "0.24 mg hGH/kg/week" (NCT05690386, a
    # growth hormone dosed as its hGH content): one word naming what the amount counts, written between the
    # unit and its "/kg" or "/m2". The unit is per kg (per m2) all the same; read short, it would be a flat
    # dose 10-70 times too high. One word of letters only, then "/" right after: linear.
    r"(?:[ \t]++(?!(?i:tablets?|capsules?|vials?|doses?|day|daily|week|weekly|per|or|and)\b)"
    r"[A-Za-z]{1,12}+(?=[ \t]*+/[ \t]*+(?:kg|m[ \t]*+\^?[ \t]*+2)\b))?"
)
# "75 milligrams per metre squared of body surface area (mg/m2)", "6 milligrams per kilogram (mg/kg)": a
# unit spelled out keeps its per-m2 or per-kg part (NCT05296798, NCT06417814). "25mg/㎡/day" (NCT05519384):
# the one-character square metre sign.
_BODY = (
    # "130 mg per square body surface area" (NCT05701436, set 15): per square metre of body surface, the metre
    # left out; "square" then the body surface words leave no other reading.
    r"(?:\s*(?:/|per)\s*(?:(?P<m2>m\s*\^?\s*2|㎡|sq\.?\s*m\b|square\s+met(?:er|re)s?|met(?:er|re)s?\s+squared?\b"
    r"|square\s+(?=body\s+surface\b))"
    r"|(?P<kg>kg|kilograms?)(?:(?<=[a-z]{4})\s*\(\s*kg\s*\))?))?"
)
# "1mg/(m2.d)", "200ug/(m2·d)", "15 mg/(kg.d)": per m2 (per kg) per day, written as one UCUM-like unit.
_BODY_DAY = r"\s*/\s*\(\s*(?P<body_day>m\s*\^?\s*2|kg)\s*[.·*]?\s*d(?:ays?)?\s*\)"
_BODY_WORD = r"(?:\s*(?:BW|BS|BSA|(?:of\s+)?body\s+(?:weight|surface(?:\s+area)?))\b)?"
_PER_DAY = r"(?:\s*(?:/|per)\s*(?P<day>days?|d)\b)?(?:\s*/\s*dose\b)?"
# A concentration or a rate ("320 mg I/mL", "200-300 ng/mL", "mg/h", "mg/kg/h") is not a dose, nor a unit
# letter run into a code ("Exon 18 G719X", a mutation, is no 18 g).
_NOT_CONCENTRATION = (
    r"(?!\s*(?:[A-Za-z]\s*)?/\s*(?:m?l|dl|h|hr|hours?|min|minutes?)\b)"
    r"(?!\s*per\s+(?:m?l|dl|h|hr|hours?|min|minutes?)\b)"  # "25 mg per mL", "2 mg per hour"
    r"(?!\s*(?:/|per)\s*\d+\s*(?:h|hrs?|hours?|min|minutes?)\b)"  # a patch's "5 mg/24 h": a release rate
    r"(?!\s*/\s*(?:kg|m\s*\^?\s*2)\b)(?![A-Za-z0-9])"
    # "0.4 mg/kg.min", "2 mg/kg·h" (NCT03560323): a rate written with a product sign, not a dose.
    r"(?![.·*](?:h|hr|hours?|min|minutes?)\b)"
)
# A gas flow ("oxygen 1-9 L/min", NCT03511846) is a rate of administration, read as such.
_FLOW = r"(?P<flow>l\s*/\s*min(?:ute)?|(?:lit(?:er|re)s?)\s*(?:/|per)\s*min(?:ute)?)\b"
_UNIT = rf"(?:{_MASS}(?:{_BODY_DAY}|{_BODY}{_BODY_WORD}{_PER_DAY}){_NOT_CONCENTRATION}|{_FLOW})"
_AUC = (
    # "area under the curve \\[AUC\\] of 5" (NCT05209256): the escaped brackets are spaces once normalized.
    rf"(?:\bAUC|\barea\s+under\s+the\s+(?:concentration[- ]time\s+)?curve(?:\s*[(\[]?\s*AUC\s*[)\]]?)?)"
    rf"\s*(?:=|:|of)?\s*(?P<auc>{NUMBER})(?:\s*(?:-|to)\s*(?P<auc_hi>{NUMBER}))?"
    rf"(?:\s*mg\s*/\s*ml\s*[/.x*]?\s*min(?:utes?|s)?\b|(?P<auc_mass>\s*mg\s*/\s*(?:m\s*\^?\s*2|kg))"
    # A busulfan target exposure, "AUC 70-100mg/L x hr", "AUC60-65 mg.h/L": mg.h/L, read in its own unit,
    # never as the mg/mL.min of "AUC 6"; another exposure unit (a concentration alone) is not read.
    r"|(?P<auc_mg_h_l>\s*mg\s*(?:/\s*l\s*[.*x·]\s*h(?:rs?|ours?)?|[.*x·]\s*h(?:rs?|ours?)?\s*/\s*l)\b)"
    r"|(?P<auc_other>\s*(?:mg|ug|mcg|umol|mmol)\s*(?:/\s*d?l|[.*x]\s*h(?:rs?|ours?)?\s*/\s*d?l)\b))?"
    rf"|{_START}(?P<auc_pre>{NUMBER})\s*AUC\b"
)
_CELLS = (
    rf"{_START}(?P<cells>{NUMBER})(?:\s*(?:-|to)\s*(?P<cells_hi>{NUMBER}))?\s*x\s*10\s*(?:\^|e)?\s*"
    # "5x10^5 (±20%) CAR T cells/kg" (NCT04835519): a tolerance in brackets may stand before the cells
    r"(?P<exp>\d{1,2})\s*(?:\(\s*±\s*\d{1,2}\s*%\s*\)\s*)?(?:[A-Za-z0-9+\-]+\s+){0,3}?cells?\b(?:\s*(?:/|per)\s*(?P<cells_kg>kg)\b)?"
)
# "canagliflozin100mg" (NCT05333159): a number glued to a lower-case word of five letters or more is a dose
# when a unit follows it; not one glued to a code ("AK104", "G719X").
# A number glued to "Cohort", "Level", "Group" or "Phase" numbers that ("Cohort3,120mg", NCT04204473:
# cohort 3, then 120 mg), never a dose of 3,120 mg.
_AFTER_WORD = r"(?-i:(?<=[a-z]{5}))(?<!cohort)(?<!level)(?<!group)(?<!phase)"
_AMOUNT = (
    rf"(?:{_START}(?P<times>[1-6])\s*x\s*(?=\d)|{_START}|{_AFTER_WORD})(?P<value>{NUMBER})"
    rf"(?:\s*(?:-|to)\s*(?P<high>{NUMBER}))?\s*(?P<stray>/\s*)?{_UNIT}"
)
# The leading assertions let the scan skip, at one character's cost, every position that cannot start one:
# each alternative starts a word or a number.
DOSE = re.compile(rf"(?:(?<!\w)|{_AFTER_WORD})(?=\d|auc|area)(?:{_AUC}|{_CELLS}|{_AMOUNT})", re.IGNORECASE)
# "(?<!...)" at the start of a pattern: it may start only where a run of spaces (or digits) starts, so a
# search never rescans a long run from each of its positions (issue 11: linear on any text).
NUMBERLESS_UNIT = re.compile(rf"(?<![ \t])[ \t]*{_UNIT}", re.IGNORECASE)
# "between 100 and" right before a dose: its range's low end, searched in a window of this many characters.
_BETWEEN_WINDOW = 40
_BETWEEN_LOW = re.compile(rf"\bbetween\s{{1,3}}(?P<low>{NUMBER})\s{{1,3}}and\s{{1,3}}$", re.IGNORECASE)
# Words before a number that make it a limit or a total, not a dose to give.
_LIMIT = re.compile(
    # "(resulting in total daily doses ranging from 20 to 100 mg per day)" (NCT05693129): a restated total
    r"(?:total(?:\s+daily)?(?:\s+doses?)?(?:\s+(?:ranging|range)\s+from)?|cumulative(?:\s+dose)?|max(?:imum|\.)?(?:\s+(?:total|calculated|daily|single))?(?:\s+dose)?|"
    r"capped\s+at|cap\s+of|"
    # "The lowest dose is 1x10^5 CAR T cells/kg" (NCT04835519): a bound of the allowed doses
    r"(?:lowest|highest|minimum|min\.)(?:\s+(?:allowed|permitted|acceptable))?\s+dose(?:\s+(?:is|of|=|:))?|"
    # "tapered by 250- 500 mg every week" (NCT06442748): a step of change, not a dose to give
    r"(?:taper|reduc|decreas|increas|titrat)(?:ed|ing|e)?\s+(?:(?:down|up)\s+)?by|"
    # "for dosage between 100 and 250 mg rituximab will be diluted in 100 ml" (NCT05704400): the top of a
    # band of doses a rule (a dilution, a rate) applies to, not a dose to give
    r"\bfor\s+(?:a\s+|the\s+)?(?:doses?|dosages?)\s+(?:between|from)\s+\d{1,6}(?:[.,]\d{1,4})?\s+(?:and|to)|"
    # "at 1.5, 2.0 mg/kg (MTD=2.5 mg/kg)" (NCT05688605): a maximum tolerated dose stated in brackets is a
    # remark on the doses given (a known top), not one of them
    r"\(\s*(?:mtd|maximum\s+tolerated\s+dose)\s*(?:=|:|is|was|of)?|"
    r"not\s+(?:to\s+)?exceed(?:ing)?|exceed(?:ing)?|up\s+to|at\s+most|no\s+more\s+than|less\s+than|"
    # "steroids < or = 10 mg/day" (NCT05689879): the sign and "or =" written apart
    r"more\s+than|greater\s+than|[<>]\s*or\s*=|[<>≤≥]=?)\s*(?:of\s+)?(?:\(\s*)?$",
    re.IGNORECASE,
)
# "The cumulative total dose taken per participant within the clinical trial is 150 mg for prednisolone"
# (NCT05698680, set 15; "prednisolone 150 mg in total" in the README's set-15 rulings): a course total
# stated as the subject of its sentence, its number after "is" / "of", is no dose to give. Bounded gap, no
# sentence end.
_COURSE_TOTAL = re.compile(
    r"\b(?:cumulative|total)[ \t]++(?:total[ \t]++|daily[ \t]++)?(?:doses?|dosages?|amount)\b[^.;:\n]{0,60}?"
    r"\b(?:is|of|=|was|will[ \t]++be|amounts?[ \t]++to)[ \t]*+$",
    re.IGNORECASE,
)
_COURSE_TOTAL_REACH = 120
# "In this study, 15mg glibenclamide and 2500 mg metformin will not be exceeded daily" (NCT05688332): the
# doses that are the subject of "will not be exceeded" are caps, not doses to give. Only in the same clause,
# and only when no schedule word stands between (in "100 mg daily, and 400 mg/day will not be exceeded" the
# 100 mg is given; only 400 mg is the cap).
# It starts only where a dose can end (after a letter, digit, ')', '%' or ']', before no word character), so
# a scan of the whole text does not try its 80-character gap at every position.
_EXCEEDED_AFTER = re.compile(
    r"(?<=[^\W_]|[)%\]])(?=\W|$)"
    r"(?P<gap>[^.;:\n]{0,80}?)\b(?:will|shall|should|must|is|are|may|can)\s++not\s++be\s++exceeded\b"
    r"(?:\s++(?:daily|per\s++day|a\s++day|in\s++a\s++day)\b)?",
    re.IGNORECASE,
)
_SCHEDULE_IN_GAP = re.compile(
    r"\b(?:daily|days?|d|weeks?|weekly|once|twice|times|bid|tid|qd|od|tds|doses?|dosages?|this|that|which|then"
    r"|for|every|each|per|given|administered|taken)\b|[()]",
    re.IGNORECASE,
)
# The strength of one unit, not the dose: "2 tablets (500 mg each)", "500 mg (2 injections of 250 mg)".
_UNIT_STRENGTH = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six)\s+"
    r"(?:tablets?|capsules?|pills?|sachets?|vials?|puffs?|drops?|injections?|syringes?|ampoules?)"
    r"\s*(?:of|containing|\(|,)?\s*$",
    re.IGNORECASE,
)
# A bare number chained to the next dose by "or", "," or "/": "60 or 40 mg" is 60 mg or 40 mg. "3 dose
# levels : 7, 9 and 11mg/kg" (NCT05697510) lists three doses too: read alone, 11 mg/kg would be the dose.
# Two numbers joined by "and" alone ("docetaxel and cisplatin 75 and 60 mg/m2") may be two drugs' doses: only
# a list of three or more, its last joined by "and", is chained.
_CHAINED = re.compile(
    rf"(?<![\w.,/+-])(?P<value>{NUMBER})\s*(?:,\s*(?P<comma_and>and)|,\s*or|or|(?P<and>and)|,)\s*$",
    re.IGNORECASE,
)
# "600/100 mg TMC114/rtv", "5/325 mg": a fixed combination's component doses, not one dose or alternatives.
_SLASH_PAIR = re.compile(r"\d\s*/\s*$")
# "Two injections of Dupilumab 300 mg (for a total of 600 mg)": one unit's amount, not the dose given.
_TOTAL_AFTER = re.compile(
    r"(?<!\s)\s*\(\s*(?:for\s+)?(?:a\s+)?total\s+(?:dose\s+)?(?:of\s+)?\d", re.IGNORECASE
)
_NOT_A_DOSE_NUMBER = re.compile(
    r"(?:days?|d|cycles?|cohorts?|levels?|weeks?|arms?|groups?|phases?|parts?|stages?|grades?|lines?)\s*$",
    re.IGNORECASE,
)
# A unit that goes on with "/" and no number ("mg/(m2.h)", "ug/disc"): the unit read so far is cut short.
# "6mg/8mg/10mg" goes on with the next dose.
# "6 milligrams per kilo body weight": a spelled-out "per ..." the unit did not take goes on too.
_UNIT_CONTINUES = re.compile(
    r"(?<![ \t])[ \t]*(?:/(?![ \t]*\d)"
    r"|(?i:per)[ \t]+(?i:met(?:er|re)|square|sq\b|kilo|m2\b|body|pounds?\b|lbs?\b))"
)
# A word between a unit and a "/kg", "/m2" or "/day" the unit did not take ("5 mg tablets/kg"): the unit
# goes on past the word, so the amount read is not the dose. Words only, then "/" at once: linear.
_WORD_THEN_PER = re.compile(
    r"(?<![ \t])[ \t]++[A-Za-z]{1,12}+[ \t]*+/[ \t]*+(?:kg|m[ \t]*+\^?[ \t]*+2|days?|d|weeks?|wk)\b",
    re.IGNORECASE,
)
# "0.7 mg/kg/week" (NCT00739882): an amount a week, its "/week" read as the frequency "weekly".
_PER_WEEK = re.compile(r"/[ \t]*(?:week|wk)\b", re.IGNORECASE)
# "Efavirenz 600 mg/emtricitabine 200 mg/tenofovir disoproxil fumarate 300 mg" (NCT01380080): a fixed
# combination's components, each named with its amount; the "/" starts the next one, not a longer unit.
COMBINATION_NEXT = re.compile(
    r"(?<![ \t])[ \t]*+/[ \t]*+(?!(?i:dose|day|d\b|week|wk|hour|h\b|hr|min|infusion|injection|kilo|kg|body"
    r"|square|sq\b|met(?:er|re)|m2|bsa|cycle|vial|tablet|capsule|unit|patient|person|time|ml\b|l\b))"
    r"(?P<name>[A-Za-z][A-Za-z\-]{3,}(?:[ \t]++[A-Za-z][A-Za-z\-]{2,}){0,3})[ \t]*+"
    r"(?=\d{1,5}(?:\.\d{1,3})?[ \t]*+(?i:mg|g|mcg|ug|µg)\b)"
)
# "Jaktinib hydrochloride tablets, 2 x 50mg dosage, BID" (NCT05686629, set 15): with how often it is given
# written after, "2 x" cannot be the doses of a day ("3x5 drops on day 1-3" can); it counts units, and 50
# mg is one unit's strength, not the dose. Whether the dose is the product (100 mg) is not written: never
# multiplied.
_HOW_OFTEN_AFTER = re.compile(
    r"[^.;\n]{0,30}?\b(?:bid|b\.i\.d|tid|t\.i\.d|qid|qd|od|once|twice|thrice|daily|every|(?:[1-4]|two|three|four)"
    r"[ \t]++times)\b",
    re.IGNORECASE,
)
COUNT_DOUBT = "a count of units before one unit's strength ('2 x 50 mg'), the dose not written"
_UNIT_GOES_ON = "its unit goes on past what is read"
_STRAY_SLASH = "a '/' between the number and its unit"
COMBINATION_DOUBT = "component doses of a combination"
FORM_TABLE = "dose-form-word.json"


@cache
def form_words() -> dict[str, tuple[str, ...]]:
    """Return the words of mappings/dose-form-word.json by what they name: "solid-unit", "device-unit",
    "container", "preparation"."""
    table = resources.files(MAPPINGS_PACKAGE).joinpath(FORM_TABLE)
    document = json.loads(table.read_text(encoding="utf-8"))
    words: dict[str, list[str]] = {}
    for group in document["group"]:
        for element in group["element"]:
            for target in element.get("target", []):
                words.setdefault(target["code"], []).append(element["code"])
    return {kind: tuple(found) for kind, found in words.items()}


def _forms(*kinds: str) -> str:
    """Return a pattern for the words of `kinds`, each also in the plural: "(?:tablet|capsule)s?"."""
    words = sorted(
        {re.escape(w) for kind in kinds for w in form_words().get(kind, ())}, key=len, reverse=True
    )
    return rf"(?:{'|'.join(words)})s?" if words else r"(?!)"


_UNITS = _forms("solid-unit")
_COUNTED = _forms("solid-unit", "device-unit", "container")
_CONTAINERS = _forms("container")
_PREPARATIONS = _forms("preparation")
# A quantity that describes the product, not what a patient is given (set 6, NCT03671044, NCT06103864,
# NCT05110196, NCT05501886): "Docetaxel Injection Concentrate; 20 mg/0.5 mL", "Provided in 100mg vials",
# "equivalent to 20 mg or 80 mg of anhydrous Docetaxel", "film-coated tablet 150 mg", "(2 x 150 mg tablets)".
# Words written right before the quantity:
_STRENGTH_BEFORE = re.compile(
    r"(?:(?<!dose\s)(?<!dosage\s)\bequivalent\s+to(?:\s+(?:approximately|about|approx\.?))?"
    r"|\b(?:supplied|provided|available|presented|packaged|formulated)\s+(?:as|in)\b"
    r"(?:\s+(?:an?|one|single[- ]use|single[- ]dose|glass))?"
    rf"|\b(?:(?:each\s+)?{_COUNTED}\s+(?:each\s+)?|each\s+)contain(?:s|ing)?(?:\s+(?:approximately|about))?"
    rf"|\bstrengths?(?:\s+of)?|\b(?:{_UNITS}|{_CONTAINERS})(?:\s+of)?"
    rf"|\b{_PREPARATIONS}(?:\s+of)?)\s*(?:\(\s*)?$",
    re.IGNORECASE,
)
# A form word right before the amount, the amount then given so often: "oral medroxyprogesterone acetate
# tablets 200 mg daily" is 200 mg a day, not a tablet's strength; "2 tablets 200 mg daily" stays one.
# "PEA capsules(600 mg twice a day)" (NCT05480072): the amount may open a bracket after the form word.
_FORM_THEN_DOSE = re.compile(rf"{_UNITS}\s*+(?:\(\s*+)?", re.IGNORECASE)
_GIVEN_HOW_OFTEN = re.compile(
    r"(?<!\s)\s*+(?:(?:once|twice|thrice|daily|bid|b\.i\.d\.|tid|t\.i\.d\.|qid|qd|every)\b|\d\s*+times\s++(?:a|per)\s++day\b)",
    re.IGNORECASE,
)
_COUNT_WORD_BEFORE = re.compile(
    rf"(?:\d|\b(?:one|two|three|four|five|six|a|an|single))\s*+(?:x\s*+)?(?:film[- ]coated\s++)?"
    rf"{_UNITS}\s*+(?:\(\s*+)?$",
    re.IGNORECASE,
)
# One unit given: "one sachet of 50 mg", "a single tablet of 10 mg".
_ONE_UNIT_OF = re.compile(rf"\b(?:one|1|a\s+single)\s+{_UNITS}\s+of\s*$", re.IGNORECASE)
# One unit given as a single dose: "Single dose oral capsule 50mg BIIB014" (NCT01035515); its content is
# the dose given.
_SINGLE_DOSE_UNIT = re.compile(
    rf"\bsingle[ \t]++dose[ \t]++(?:(?:oral|intravenous|subcutaneous)[ \t]++)?{_UNITS}[ \t]*+$", re.IGNORECASE
)
# ... and right after it: a volume it is dissolved in ("/0.5 mL"), a container or a form of the product.
_STRENGTH_AFTER = re.compile(
    rf"(?<!\s)\s*(?:[),]\s*)?(?:(?:/|per)\s*{NUMBER}\s*m?l\b"
    rf"|(?:single[- ]use\s+|single[- ]dose\s+|glass\s+)?{_CONTAINERS}\b"
    rf"|(?:of\s+)?{_PREPARATIONS}\b|strengths?\b"
    rf"|per\s+(?:{_COUNTED})\b"
    # "Tablets Voriconazole Vfend®, 200 mg by Pfizer, Inc. (USA)" (NCT05380245): the maker's product.
    r"|by\s++(?-i:[A-Z])[^\n.;()]{0,40}?\b(?:inc|ltd|lab|laboratories|gmbh|ag|corp|corporation|llc|plc|pharma\w*)\b)",
    re.IGNORECASE,
)
# An amount of a vehicle that holds the dose: "5 g of gel (one tube) containing 50 mg of testosterone"
# (NCT00848497). The amount contained is the dose; the vehicle's is not. Bounded, so linear.
_HOLDS_DOSE_AFTER = re.compile(
    r"(?<!\s)\s*+of\s++(?:the\s++)?[a-z%.-]{1,20}+\s*+(?:\([^()]{0,30}+\)\s*+)?,?\s*+"
    rf"(?:containing|contains|which\s++contains)\s++(?:approximately\s++|about\s++)?{NUMBER}\s*+(?:mg|g|ug|mcg|iu)\b",
    re.IGNORECASE,
)
# A count of units before and a form after: "(2 x 150 mg tablets)", "(two 300 mg) tablets", "2 x 5 mL
# injections": one unit's strength. One unit ("A 30 milligram (mg) capsule") is the dose itself.
_COUNT_BEFORE = re.compile(
    r"(?:\b(?:[2-9]|1\d)|\b(?:two|three|four|five|six|eight))\s*(?:x\s*)?$", re.IGNORECASE
)
_FORM_AFTER = re.compile(rf"(?<!\s)\s*(?:\)\s*)?(?:film[- ]coated\s+)?{_COUNTED}\b", re.IGNORECASE)
# "4 mg tablets, 2 tablets twice daily", "5 mg Capsules, 3 to be taken in the morning and at bedtime"
# (NCT00739739): the count of units written after the form.
# Searched in the clause's next 40 characters only (`_units_counted_after`); possessive, so linear.
_UNITS_COUNTED = re.compile(
    rf"\b(?:[2-9]|two|three|four|five|six|eight)[ \t]++"
    rf"(?:{_UNITS}\b|to[ \t]++be[ \t]++(?:taken|given|swallowed)\b)",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;\n]")
_UNITS_COUNTED_REACH = 40
# A volume that restates a mass dose or gives the solution it is drawn from: "500 mg (5 mL)", "5 mL (500 mg)",
# "500 mg (5 mL of 100 mg/mL solution)". The mass is the dose.
_MASS_BEFORE_VOLUME = re.compile(
    r"\b(?:mg|g|ug|mcg|iu|units?)(?:\s*/\s*(?:kg|m\s*\^?\s*2))?\s*\(\s*(?:i\.?e\.?,?\s*|=\s*)?$",
    re.IGNORECASE,
)
_MASS_AFTER_VOLUME = re.compile(
    rf"(?<!\s)\s*(?:of\s+(?:an?\s+|the\s+)?{NUMBER}\s*(?:mg|g|ug|mcg)\s*/\s*m?l\b"
    rf"|\(\s*(?:i\.?e\.?,?\s*|=\s*)?{NUMBER}\s*(?:mg|g|ug|mcg|iu|units?)\b)",
    re.IGNORECASE,
)
# The volume of a concentration, "20 mg/0.5 mL": the product's, never a volume given.
_DENOMINATOR_BEFORE = re.compile(r"\b(?:mg|g|ug|mcg|iu|units?)\s*(?:/|\bper\b)\s*$", re.IGNORECASE)
# Alternatives of a strength are strengths: "equivalent to 20 mg or 80 mg".
_STRENGTH_CHAIN = re.compile(r"(?<!\s)\s*+(?:,|/|or|and|,\s*or)\s*+", re.IGNORECASE)
# Between a dose and the units that make it up: "1000 mg (2 x 500 mg)", "600 mg (two 300 mg)", "600 mg daily
# (2 doses of 300 mg ...)" (NCT02679963: a daily amount and the doses it is given in).
_BREAKDOWN_GAP = re.compile(
    r"(?<!\s)\s*+(?:(?:daily|a\s++day|per\s++day)\s*+)?\(\s*+(?:i\.?e\.?,?\s*+|=\s*+)?"
    r"(?:(?P<count>\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s*+(?:x\s*+|doses?\s++of\s*+)?)?",
    re.IGNORECASE,
)
_COUNT_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
# "400 mg twice daily (800 mg/day)", "400 mg BID (i.e., 800 mg per day)": the daily total, restated.
# The doses a day, in the words _TIMES_A_DAY counts: "twice", "three times", "bid", "t.i.d." ...
_TIMES_WORDS = r"twice|two\s+times|three\s+times|thrice|four\s+times"
_TIMES_ABBREVIATIONS = r"bid|b\.i\.d\.|tid|t\.i\.d\.|qid|q\.i\.d\."
_DAILY_TOTAL_GAP = re.compile(
    rf"(?<!\s)\s*+(?:(?:orally|oral|po|iv|sc)\s++)?(?P<times>{_TIMES_WORDS}|[2-4]\s+times"
    rf"|{_TIMES_ABBREVIATIONS})(?:\s++(?:a\s++|per\s++)?(?:day|daily))?\s*+"
    r"\(\s*+(?:i\.?e\.?,?\s*+|=\s*+|total(?:\s++daily)?(?:\s++dose)?(?:\s++of)?\s*+)?",
    re.IGNORECASE,
)
# "240mg (120mg bid) once daily": the bracketed dose splits the one before it into the doses of a day.
_SPLIT_GAP = re.compile(r"(?<!\s)\s*+\(\s*+(?:i\.?e\.?,?\s*+|=\s*+|as\s++)?")
_SPLIT_AFTER = re.compile(
    rf"(?<!\s)\s*+(?P<times>{_TIMES_WORDS}|{_TIMES_ABBREVIATIONS})(?:\s++(?:a\s++|per\s++)?(?:day|daily))?\s*+\)",
    re.IGNORECASE,
)
_DAILY_AFTER = re.compile(r"(?<![ \t])[ \t]*+(?:daily|a[ \t]++day|per[ \t]++day)\b", re.IGNORECASE)
_TIMES_A_DAY = {"twice": 2, "two times": 2, "bid": 2, "b.i.d.": 2, "three times": 3, "thrice": 3, "tid": 3}
_TIMES_A_DAY |= {
    "t.i.d.": 3,
    "four times": 4,
    "qid": 4,
    "q.i.d.": 4,
    "2 times": 2,
    "3 times": 3,
    "4 times": 4,
}
# "AUC 5 or 6": a second target after "or", with no unit or other count after it but the AUC's own ("AUC 5 or
# 6 mg/mL/minute", NCT05687266: the unit written once, after the last target, is both targets').
_TARGET_OR_AFTER = re.compile(
    rf"(?<![ \t])[ \t]*+(?:or|/)[ \t]*+(?P<value>{NUMBER})(?![\d.,])"
    r"(?P<unit>[ \t]*+mg[ \t]*+/[ \t]*+ml[ \t]*+[/.x*]?[ \t]*+min(?:utes?|s)?\b)?"
    r"(?![ \t]*+(?:mg|g\b|ug|mcg|ml|%|cycles?|courses?|weeks?|days?|d\b|hours?|h\b|min|months?|years?|doses?"
    r"|times|x\b|[-/][ \t]*+\d))",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_MASS_UNITS = {"mg": "mg", "milligram": "mg", "mcg": "ug", "ug": "ug", "microgram": "ug", "ng": "ng"}
_MASS_UNITS |= {"g": "g", "gram": "g", "iu": "IU", "international unit": "IU"}
_MASS_UNITS |= {"ml": "mL", "milliliter": "mL", "millilitre": "mL"}
_MASS_UNITS |= {"mmol": "mmol", "millimole": "mmol", "drop": "drop", "gtt": "drop"}
VOLUME_UNITS = frozenset({"mL", "mL/kg", "mL/m2"})
EXPOSURE_UNIT = "AUC mg/L.h"  # a target exposure in mg.h/L (busulfan), as mappings/dose-unit-ucum.json has it
LIMIT_REASON = "a total, a limit or one unit's strength"
DAILY_TOTAL_REASON = "the daily total of the dose before it"
SPLIT_REASON = "the dose before it written as its single doses of the day"
ZERO_REASON = "an amount of zero, the end of a taper (no drug given)"
PART_REASON = "the first part (a bolus) of the total dose before it, the remainder given after"
# "taper their prednisone dose from 5 mg per day to 0 mg per day" (NCT01940094): where the taper ends.
_TO_ZERO = re.compile(r"\bto[ \t]++$", re.IGNORECASE)
STRENGTH_REASON = "a product's strength or an equivalent amount (what a vial, tablet or volume holds)"
VOLUME_REASON = "a volume to dilute in or draw from"
PLACEBO_REASON = "a placebo's amount"
CAP_REASON = "a cap the dose will not exceed"
# Limits read from the words AFTER a dose, so about every bare number chained before it as well.
_SHARED_BY_CHAIN = frozenset({STRENGTH_REASON, CAP_REASON})
# A dose written right before or after "placebo" is the placebo's: "10 mg Placebo and 5 mg Placebo for
# Period 2" (NCT05388825), "Avanafil 100mg(study group) or placebo 100mg(control group)" (NCT01705197).
_PLACEBO_AFTER = re.compile(
    r"(?<!\s)\s*+(?:of\s++)?(?:(?:the|a|matching|matched)\s++)?placebo\b", re.IGNORECASE
)
_PLACEBO_BEFORE = re.compile(r"\bplacebo\s*+(?:\(\s*+)?$", re.IGNORECASE)
# "in 250 mL", "isolated from 50 ml bone marrow" (NCT00711542), "100 mL of normal saline": not a dose; nor
# a diluent's or a total volume ("In sterile water 73 mL (total volume of compound is 100 mL)", NCT06447194;
# "A volume of 9 mL CS10") nor the volume of a cell suspension ("1 mL of the combined TG-C cells").
_DILUENT = r"(?:sterile\s+)?(?:normal\s+saline|saline|NS|NaCl|sodium\s+chloride|dextrose|D5W|glucose|water)"
_VOLUME_BEFORE = re.compile(
    rf"(?:\b(?:in|into|from|with)(?:\s+{_DILUENT}(?:\s+for\s+injection)?)?"
    r"|\bvolume(?:\s+of)?(?:\s+[a-z]+)?(?:\s+(?:is|of|=|:))?"
    # "Each vial contains a nominal fill of 2.0 mL" (NCT05896748): what a vial holds, not a volume given.
    r"|\bfill(?:\s+volume)?(?:\s+(?:is|of|=|:))?)\s*$",
    re.IGNORECASE,
)
_VOLUME_REACH = 40  # how far before a volume its words may start
_DILUENT_AFTER = re.compile(
    rf"(?<!\s)\s*(?:of\s+)?(?:{_DILUENT}|bone\s+marrow|volume"
    r"|(?:the\s+)?(?:(?:combined|mixed|pooled)\s+)?(?:(?<![\w-])[\w-]+\s+)?cells?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Dose:
    """One written dose. `value` is None when the number cannot be read safely (`ambiguous`) or is not
    written at all; `times` is a written multiplier ("2x5 mg" = two doses of 5 mg); `limit` the words that
    make it a total, a maximum or a volume rather than a dose ("for a total of 600 mg", "in 250 mL"), and
    `limit_reason` which of these it is."""

    start: int
    end: int
    value: float | None
    high: float | None
    unit: str
    per_day: bool
    text: str
    times: int | None = None
    ambiguous: bool = False
    limit: str | None = None
    chained: bool = False
    doubt: str | None = None  # why an ambiguous dose cannot be read, for the data-quality warning
    limit_reason: str = LIMIT_REASON


def normalize(text: str) -> str:
    r"""Return `text` with markdown escapes, full-width punctuation and unit glyphs made plain.

    The result has the same length, so a position in it is a position in `text`.

    >>> normalize("mg/m\\^2; \\>75 years，1×10⁹ μg")
    'mg/m ^2;  >75 years,1x109 ug'
    """
    return MARKDOWN_ESCAPE.sub(" ", text).translate(_CHAR_MAP)


def parse_number(text: str) -> float | None:
    """Return the number written as `text`, or None when its format is ambiguous.

    >>> parse_number("1,250"), parse_number("2,5"), parse_number("0.125"), parse_number("27")
    (1250.0, 2.5, 0.125, 27.0)
    >>> parse_number("2.670") is None
    True
    """
    if "," in text and "." in text:
        return None
    if "," in text:
        head, *rest = text.split(",")
        if all(len(part) == 3 for part in rest) and head != "0":
            return float(head + "".join(rest))
        return float(f"{head}.{rest[0]}") if len(rest) == 1 and len(rest[0]) < 3 else None
    if text.count(".") > 1:
        return None
    head, _, tail = text.partition(".")
    if len(tail) == 3 and head not in ("", "0"):
        return None  # "2.670": European thousands or a decimal point; a dose is never guessed
    return float(text)


def find_doses(text: str) -> list[Dose]:
    """Return every dose written in normalized `text`, in order, chained bare numbers included.

    >>> [(d.value, d.unit) for d in find_doses("Carfilzomib 27mg/m2 (20mg/m2 on day 1)")]
    [(27.0, 'mg/m2'), (20.0, 'mg/m2')]
    >>> [(d.value, d.high, d.unit, d.per_day) for d in find_doses("docetaxel 60-75 mg/m2; 2,5mg/kg BW/d")]
    [(60.0, 75.0, 'mg/m2', False), (2.5, None, 'mg/kg', True)]
    >>> [(d.value, d.unit) for d in find_doses("carboplatin (AUC 6) and 1x10 ^9 NK cells/dose")]
    [(6.0, 'AUC'), (1000000000.0, 'cells')]
    >>> [(d.value, d.chained) for d in find_doses("Osimertinib 60 or 40 mg daily")]
    [(60.0, True), (40.0, False)]
    >>> [(d.value, d.unit, d.chained) for d in find_doses("carboplatin AUC 5 or 6 in combination")]
    [(5.0, 'AUC', True), (6.0, 'AUC', False)]
    >>> [d.limit for d in find_doses("300 mg (for a total of 600 mg); 2 tablets (500 mg each)")]
    [None, 'total of ', '2 tablets (']
    >>> [(d.value, d.ambiguous) for d in find_doses("600/100 mg TMC114/rtv; 60 or 40 mg")]
    [(None, True), (60.0, False), (40.0, False)]
    >>> [(d.value, d.unit, d.doubt) for d in find_doses("carboplatin area under the curve 2mg/m2, AUC 5")]
    [(None, 'AUC', 'an AUC target written with a dose unit'), (5.0, 'AUC', None)]
    >>> [(d.value, d.high, d.unit) for d in find_doses("busulfan AUC 70-100mg/L x hr, AUC60-65 mg.h/L")]
    [(70.0, 100.0, 'AUC mg/L.h'), (60.0, 65.0, 'AUC mg/L.h')]
    >>> [(d.value, d.doubt) for d in find_doses("busulfan AUC 900-1350 umol/L, AUC 5 mg/L")]
    [(None, 'an AUC target in another exposure unit'), (None, 'an AUC target in another exposure unit')]
    >>> [(d.value, d.doubt) for d in find_doses("Dupilumab 300 mg (for a total of 600 mg)")]
    [(None, 'written with a different total'), (600.0, None)]
    >>> find_doses("2.5 mg/kg (maximum calculated dose 250 mg)")[1].limit
    'maximum calculated dose '
    >>> find_doses("GE-145-320 mg I/mL, target 200-300ng/mL, over 6-19 minutes, day +1, 10mg")[0].value
    10.0
    >>> [(d.value, d.times) for d in find_doses("2x5 mg/kg BW, six weeks.1x10 ^9 NK cells/dose")]
    [(5.0, 2), (1000000000.0, None)]
    >>> [d.value for d in find_doses("canagliflozin100mg once daily; AK104 15mg; AKB104mg; dosing10 mg")]
    [100.0, 15.0, 10.0]
    >>> [d.value for d in find_doses("Efavirenz 600 mg/emtricitabine 200 mg/tenofovir 300 mg")]
    [600.0, 200.0, 300.0]
    >>> [d.value for d in find_doses("X 4 ug/disc 2 times; 5 mg/kg/day")]
    [None, 5.0]
    """
    doses: list[Dose] = []
    for match in DOSE.finditer(text):
        dose = _with_low_between(_dose(match, text), text)
        if doses and (settled := _settled_by_daily_total(doses[-1], dose, text)) is not None:
            doses[-1] = settled
        previous = doses[-1] if doses else None
        strength = (
            None
            if dose.limit or _per_body_size(dose)
            else _strength(match, dose, text, previous) or _breakdown(dose, text, previous)
        )
        if strength:
            dose = replace(dose, limit=strength, limit_reason=STRENGTH_REASON)
        elif dose.limit is None and (placebo := _placebo(dose, text)):
            dose = replace(dose, limit=placebo, limit_reason=PLACEBO_REASON)
        elif dose.limit is None and (total := _daily_total(dose, text, previous)):
            dose = replace(dose, limit=total, limit_reason=DAILY_TOTAL_REASON)
        elif dose.limit is None and (split := _split_of_total(dose, text, previous)):
            dose = replace(dose, limit=split, limit_reason=SPLIT_REASON)
        elif dose.limit is None and (part := _part_of_total(dose, text, previous)):
            dose = replace(dose, limit=part, limit_reason=PART_REASON)
        elif dose.limit is None and _ends_taper_at_zero(dose, text):
            dose = replace(dose, limit=dose.text, limit_reason=ZERO_REASON)
        if dose.times and dose.limit is None and _HOW_OFTEN_AFTER.match(text, dose.end):
            dose = replace(dose, value=None, high=None, ambiguous=True, doubt=dose.doubt or COUNT_DOUBT)
        if _SLASH_PAIR.search(text, max(0, dose.start - 12), dose.start):
            dose = replace(dose, value=None, high=None, ambiguous=True, doubt=COMBINATION_DOUBT)
        elif dose.limit is None and _TOTAL_AFTER.match(text, dose.end):
            dose = replace(
                dose, value=None, high=None, ambiguous=True, doubt="written with a different total"
            )
        doses.extend(_chained_before(dose, text) or _cell_counts_before(dose, text))
        doses.extend(_with_target_after(dose, text))
    return [_stopped(d, text) for d in _escalation_ranges(doses, text)]


# "Somatostatin analog treatment (octreotide LAR 30 mg or lanreotide 120 mg) will be withdrawn for a
# duration of 18 months" (NCT05701241, set 15; set 13's STOP arm withdraws by its intervention's name): a
# sentence whose only action on its drugs is to stop them names the doses stopped, not doses given. Not when
# the sentence also gives, starts or continues a drug ("started one day after chemotherapy and stopped one
# day before the next cycle"), nor when the stop is a rule for some case ("discontinued if toxicity", "until
# ... withdrawal").
_STOPPED = re.compile(
    r"\b(?:withdrawn|discontinued|stopped|ceased|suspended"
    r"|(?:withdrawal|discontinuation|cessation)[ \t]++of)\b",
    re.IGNORECASE,
)
_GIVEN_OR_CASE = re.compile(
    r"\b(?:receiv\w*|given|gives?|administ\w*|start\w*|begin\w*|began|initiat\w*|continu\w*|resum\w*"
    r"|restart\w*|tak(?:e|es|en|ing)|infused|injected|dosed|if|until|unless|when\w*|upon|case|event|due|because"
    r"|toxicit\w*|progression)\b",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"[;\n]|\.(?!\d)")
_SENTENCE_REACH = 200  # how far a dose's sentence is looked at on each side: bounded, so linear
STOPPED_REASON = "a dose of a drug the sentence stops or withdraws (no dose given)"


def _stopped(dose: Dose, text: str) -> Dose:
    """Return `dose` marked as no dose when its sentence only stops or withdraws its drug, else `dose`."""
    if dose.limit is not None or dose.value is None:
        return dose
    sentence = _sentence_around(text, dose.start, dose.end)
    stop = _STOPPED.search(sentence)
    if stop is None or _GIVEN_OR_CASE.search(sentence):
        return dose
    return replace(dose, limit=sentence.strip(), limit_reason=STOPPED_REASON)


def _sentence_around(text: str, start: int, end: int) -> str:
    """Return the sentence (to ".", ";" or a line end) that holds `start`..`end`, at most _SENTENCE_REACH
    characters on each side."""
    low = max(0, start - _SENTENCE_REACH)
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text, low, start)]
    head = breaks[-1] if breaks else low
    after = _SENTENCE_BREAK.search(text, end, min(len(text), end + _SENTENCE_REACH))
    return text[head : after.start() if after else min(len(text), end + _SENTENCE_REACH)]


# "Dose will be escalated from 0.025 mg/kg to 0.3 mg/kg" (NCT05704985): the span of an escalation's levels,
# one range of doses, not two doses (the levels between are not written).
_ESCALATED_FROM = re.compile(r"\bescalat[a-z]*+(?:[ \t]++[a-z]++){0,3}?[ \t]++from[ \t]*+$", re.IGNORECASE)
# starts only where a run of blanks starts, so a scan over a long run of blanks stays linear
_RANGE_TO = re.compile(r"(?<![ \t])[ \t]*+(?:up[ \t]++)?to[ \t]*+", re.IGNORECASE)
_ESCALATION_REACH = 50


def _escalation_ranges(doses: list[Dose], text: str) -> list[Dose]:
    """Return `doses` with each "escalated from A to B" (same unit, both read, no limit) as one range A-B."""
    joined: list[Dose] = []
    for dose in doses:
        low = joined[-1] if joined else None
        if (
            low is not None
            and low.value is not None
            and dose.value is not None
            and low.high is None
            and dose.high is None
            and (low.unit, low.per_day) == (dose.unit, dose.per_day)
            and low.limit is None
            and dose.limit is None
            and low.value < dose.value
            and _RANGE_TO.fullmatch(text, low.end, dose.start)
            and _ESCALATED_FROM.search(text, max(0, low.start - _ESCALATION_REACH), low.start)
        ):
            text_of = text[low.start : dose.end]
            joined[-1] = replace(low, end=dose.end, high=dose.value, text=text_of)
        else:
            joined.append(dose)
    return joined


def _with_low_between(dose: Dose, text: str) -> Dose:
    """Return `dose` as the range "between N and" it closes: "a dose between 100 and 250 mg" is 100 to 250 mg,
    never 250 mg alone (the number before "and" has no unit of its own, so the dose pattern starts after it).
    The look-back is a window of fixed width, so the scan stays linear."""
    if dose.value is None or dose.high is not None:
        return dose
    window = max(0, dose.start - _BETWEEN_WINDOW)
    before = _BETWEEN_LOW.search(text, window, dose.start)
    low = parse_number(before.group("low")) if before else None
    if before is None or low is None or low == dose.value:
        return dose
    start = before.start("low")
    # written high to low ("between 250 and 100 mg"), the range is still from the smaller number
    value, high = sorted((low, dose.value))
    return replace(dose, start=start, value=value, high=high, text=text[start : dose.end])


def _with_target_after(dose: Dose, text: str) -> list[Dose]:
    """Return `dose`, and the bare target written after it as its alternative: "carboplatin AUC 5 or 6"
    (NCT06726265) is AUC 5 or AUC 6, the first marked chained as "60 or 40 mg"'s 60 is."""
    after = _TARGET_OR_AFTER.match(text, dose.end) if dose.unit == "AUC" and dose.value is not None else None
    value = parse_number(after.group("value")) if after else None
    if after is None or value is None:
        return [dose]
    start = after.start("value")
    end = after.end()  # the value, and the AUC's unit when it is written after it
    alternative = Dose(start, end, value, None, dose.unit, dose.per_day, text[start:end])
    return [replace(dose, chained=True), alternative]


def _per_body_size(dose: Dose) -> bool:
    """Return True for an amount per kilogram or per square metre: a dose worked out for the patient, never
    a product's strength ("Docetaxel 75 mg/m^2 concentrate for solution for intravenous infusion",
    NCT01642004)."""
    return dose.unit.endswith(("/m2", "/kg"))


def _strength(match: re.Match[str], dose: Dose, text: str, previous: Dose | None) -> str | None:
    """Return the passage that makes the quantity `match` describe the product (a vial's, a tablet's, a
    concentrate's content) rather than a dose given, or None; an alternative written right after a strength
    is one too."""
    start, end = match.start(), match.end()
    before = _STRENGTH_BEFORE.search(text, max(0, start - 60), start)
    after = _STRENGTH_AFTER.match(text, end)
    if before and not after and _ONE_UNIT_OF.search(text, max(0, start - 30), start):
        before = None  # "one sachet of 50 mg applied once a day" (NCT00244023): one unit's content is given
    if before and not after and _SINGLE_DOSE_UNIT.search(text, max(0, start - 40), start):
        before = None
    if before and not after and _form_then_dose(text, before.start(), start, end):
        before = None  # "megestrol acetate tablets 40 mg 4 times per day" (NCT00739830): the dose given
    if before or after:
        return text[before.start() if before else start : after.end() if after else end].strip()
    holds = _HOLDS_DOSE_AFTER.match(text, end)
    if holds:
        return text[start : holds.end()]
    volume = _volume_of_product(text, start, end) if dose.unit in VOLUME_UNITS else None
    if volume:
        return volume
    counted = _COUNT_BEFORE.search(text, max(0, start - 12), start)
    form = _FORM_AFTER.match(text, end)
    if form and (counted or match.groupdict().get("times")):
        return text[counted.start() if counted else start : form.end()].strip()
    if form and (units_end := _units_counted_after(text, form.end())):
        return text[start:units_end]
    after_strength = (
        previous is not None and previous.limit is not None and previous.limit_reason == STRENGTH_REASON
    )
    chained = after_strength and previous is not None and _STRENGTH_CHAIN.fullmatch(text, previous.end, start)
    # "Daratumumab vials 20 mg 1 ml" (NCT05704400): the volume written right after a strength is the volume
    # that strength comes in, a concentration written without its "/"
    its_volume = (
        after_strength
        and previous is not None
        and dose.unit in VOLUME_UNITS
        and not text[previous.end : start].strip()
    )
    return text[previous.start : end] if (chained or its_volume) and previous else None


def _form_then_dose(text: str, form_start: int, start: int, end: int) -> bool:
    """Return True when the words before the amount are a form word alone, no count before it, and a
    frequency follows the amount: "tablets 200 mg daily" is a dose, "2 tablets 200 mg" a strength."""
    if not _FORM_THEN_DOSE.fullmatch(text, form_start, start) or not _GIVEN_HOW_OFTEN.match(text, end):
        return False
    return _COUNT_WORD_BEFORE.search(text, max(0, start - 40), start) is None


def _placebo(dose: Dose, text: str) -> str | None:
    """Return the passage when `dose` is written right before or after the word "placebo", else None."""
    after = _PLACEBO_AFTER.match(text, dose.end)
    if after:
        return text[dose.start : after.end()]
    before = _PLACEBO_BEFORE.search(text, max(0, dose.start - 12), dose.start)
    return text[before.start() : dose.end] if before else None


def _units_counted_after(text: str, position: int) -> int | None:
    """Return where a count of units ("2 tablets") written in the same clause soon after `position` ends."""
    reach = min(len(text), position + _UNITS_COUNTED_REACH)
    stop = _CLAUSE_END.search(text, position, reach)
    counted = _UNITS_COUNTED.search(text, position, stop.start() if stop else reach)
    return counted.end() if counted else None


def _breakdown(dose: Dose, text: str, previous: Dose | None) -> str | None:
    """Return the passage when `dose`, counted in brackets right after a dose in the same unit, only says what
    units make that dose up: "1000 mg (2 x 500 mg)", "600 mg (two 300 mg)". Never a dose of its own, even
    when the sum is not the dose: then the text contradicts itself, and the dose before stays as written."""
    if previous is None or previous.value is None or previous.unit != dose.unit:
        return None
    gap = _BREAKDOWN_GAP.fullmatch(text, previous.end, dose.start)
    if gap is None or not (dose.times or gap.group("count")):
        return None
    return text[previous.start : dose.end]


def _daily_total(dose: Dose, text: str, previous: Dose | None) -> str | None:
    """Return the passage when `dose` is a daily amount in brackets that restates the dose before it times the
    number of doses a day written between them: "400 mg twice daily (800 mg/day)"."""
    daily = dose.per_day or _DAILY_AFTER.match(text, dose.end) is not None  # "(160 mg daily)"
    if not daily or previous is None or previous.value is None or dose.value is None:
        return None
    between = _DAILY_TOTAL_GAP.fullmatch(text, previous.end, dose.start)
    if between is None or previous.unit != dose.unit:
        return None
    times = _TIMES_A_DAY.get(_SPACES.sub(" ", between.group("times").lower()), 0)
    return text[previous.start : dose.end] if abs(times * previous.value - dose.value) < 1e-9 else None


_DECIMAL_OR_THOUSANDS = re.compile(r"\d{1,3}\.\d{3}(?!\d)")


def _settled_by_daily_total(previous: Dose, dose: Dose, text: str) -> Dose | None:
    """Return `previous` read as a decimal when the daily total in brackets after it is that decimal times the
    doses of a day written between them: "3.125mg twice a day (6.25mg/day)" (NCT05699824) is 3.125 mg, not
    3125 mg; the record itself says which way its number is written. None when nothing settles it."""
    number = _DECIMAL_OR_THOUSANDS.match(previous.text)
    daily = dose.per_day or _DAILY_AFTER.match(text, dose.end) is not None
    if number is None or not previous.ambiguous or previous.high is not None or not daily:
        return None
    between = _DAILY_TOTAL_GAP.fullmatch(text, previous.end, dose.start)
    if between is None or previous.unit != dose.unit or dose.value is None:
        return None
    times = _TIMES_A_DAY.get(_SPACES.sub(" ", between.group("times").lower()), 0)
    decimal = float(number.group())
    if abs(times * decimal - dose.value) > 1e-9:
        return None
    return replace(previous, value=decimal, ambiguous=False, doubt=None)


def _ends_taper_at_zero(dose: Dose, text: str) -> bool:
    """Return True when `dose` is "to 0 mg": where a taper ends, no amount given."""
    return (
        dose.value == 0
        and not dose.high
        and _TO_ZERO.search(text, max(0, dose.start - 8), dose.start) is not None
    )


# "35 mg, administered intravenously with a bolus of 15 mg within 3 minutes and the remainder by continuous
# infusion" (NCT05700591): the bolus is part of the 35 mg stated first. Bounded gaps, no sentence end: linear.
_BOLUS_OF_GAP = re.compile(
    r"[^.;\n]{0,60}?\b(?:an?\s+)?(?:initial\s+)?(?:iv\s+|intravenous\s+)?bolus\s+(?:dose\s+)?(?:of\s+)?",
    re.IGNORECASE,
)
_REMAINDER_AFTER = re.compile(r"[^.;\n]{0,80}?\b(?:the\s+)?(?:remainder|remaining|rest)\b", re.IGNORECASE)


def _part_of_total(dose: Dose, text: str, previous: Dose | None) -> str | None:
    """Return the passage when `dose` is a bolus written after a larger total of the same unit, with the
    remainder given after it: one dose of the total, not a second one."""
    if previous is None or previous.value is None or dose.value is None or previous.unit != dose.unit:
        return None
    if dose.value >= previous.value or _BOLUS_OF_GAP.fullmatch(text, previous.end, dose.start) is None:
        return None
    remainder = _REMAINDER_AFTER.match(text, dose.end)
    return text[previous.start : remainder.end()] if remainder else None


def _split_of_total(dose: Dose, text: str, previous: Dose | None) -> str | None:
    """Return the passage when `dose`, in brackets right after the dose before it, is that dose divided into
    the doses of a day written after it: "240mg (120mg bid)" is 240 mg a day given as 120 mg twice."""
    if previous is None or previous.value is None or dose.value is None or previous.unit != dose.unit:
        return None
    after = _SPLIT_AFTER.match(text, dose.end)
    if after is None or _SPLIT_GAP.fullmatch(text, previous.end, dose.start) is None:
        return None
    times = _TIMES_A_DAY.get(_SPACES.sub(" ", after.group("times").lower()), 0)
    return text[previous.start : after.end()] if abs(times * dose.value - previous.value) < 1e-9 else None


def _volume_of_product(text: str, start: int, end: int) -> str | None:
    """Return the passage when the volume at `start`..`end` is a concentration's ("20 mg/0.5 mL") or restates
    a mass dose ("500 mg (5 mL)", "5 mL (500 mg)"), else None. "320 mg/ 400 mg" are alternatives, not this."""
    before = _DENOMINATOR_BEFORE.search(text, max(0, start - 12), start)
    before = before or _MASS_BEFORE_VOLUME.search(text, max(0, start - 30), start)
    if before:
        return text[before.start() : end]
    after = _MASS_AFTER_VOLUME.match(text, end)
    return text[start : after.end()] if after else None


def numberless_unit(text: str, position: int) -> Dose | None:
    """Return a unit written with no number right at `position` ("ATRA mg/m2/day"), else None."""
    match = NUMBERLESS_UNIT.match(text, position)
    if not match:
        return None
    unit, per_day = _unit(match)
    return Dose(match.start(), match.end(), None, None, unit, per_day, match.group().strip())


def _auc_dose(match: re.Match[str], text: str) -> Dose:
    groups = match.groupdict()
    low = groups["auc"] or groups["auc_pre"]
    made = _made(match, text, low, groups["auc_hi"], "AUC", per_day=False)
    if groups.get("auc_mass"):  # "area under the curve 2mg/m2": an AUC target or a dose? Not ours to say.
        return replace(
            made, value=None, high=None, ambiguous=True, doubt="an AUC target written with a dose unit"
        )
    if groups.get("auc_mg_h_l"):
        return replace(made, unit=EXPOSURE_UNIT)
    if groups.get("auc_other"):  # its own exposure unit; never relabelled as carboplatin's mg/mL.min
        return replace(
            made, value=None, high=None, ambiguous=True, doubt="an AUC target in another exposure unit"
        )
    return made


def _dose(match: re.Match[str], text: str) -> Dose:
    groups = match.groupdict()
    if groups["auc"] or groups["auc_pre"]:
        return _auc_dose(match, text)
    if groups["cells"]:
        scale = 10.0 ** int(groups["exp"])
        unit = "cells/kg" if groups["cells_kg"] else "cells"
        made = _made(match, text, groups["cells"], groups["cells_hi"], unit, per_day=False)
        if _WORD_THEN_PER.match(text, match.end()):
            # "3x10^7 JK500 cells injection /kg/ time" (NCT05519384): per kg after a word, never per patient
            return replace(made, value=None, high=None, ambiguous=True, doubt=_UNIT_GOES_ON)
        return replace(
            made,
            value=None if made.value is None else made.value * scale,
            high=None if made.high is None else made.high * scale,
        )
    unit, per_day = _unit(match)
    made = _made(match, text, groups["value"], groups["high"], unit, per_day=per_day)
    times = int(groups["times"]) if groups["times"] else None
    # "25/mg/m2/day", "1mg/(m2.h)", "5 ug/disc": a unit read short is another dose; never emitted as one.
    doubt = _STRAY_SLASH if groups["stray"] else None
    goes_on = (
        (_UNIT_CONTINUES.match(text, match.end()) or _WORD_THEN_PER.match(text, match.end()))
        and not _PER_WEEK.match(text, match.end())
        and not COMBINATION_NEXT.match(text, match.end())
    )
    doubt = doubt or (_UNIT_GOES_ON if goes_on else None)
    if _LEADING_ZERO.match(groups["value"] or ""):
        doubt = _DIGIT_GROUP
    if doubt:
        return replace(made, value=None, high=None, times=times, ambiguous=True, doubt=doubt)
    return replace(made, times=times)


# "Polymyxin B (12 500-15 000 IU/kg)" (NCT05685615): thousands written with a space leave "000 IU/kg" to
# the dose pattern, which read 0 IU/kg. No dose is written with a leading zero before another digit.
_LEADING_ZERO = re.compile(r"0\d")
_DIGIT_GROUP = "a number with a leading zero: the last digits of a number grouped by spaces ('15 000')"


def _cap_after(text: str, end: int) -> re.Match[str] | None:
    """Return the words after a dose that make it a cap ("... will not be exceeded"), or None."""
    after = _EXCEEDED_AFTER.match(text, end)
    if after is None or _SCHEDULE_IN_GAP.search(after.group("gap")):
        return None
    return after


def _made(match: re.Match[str], text: str, low: str, high: str | None, unit: str, *, per_day: bool) -> Dose:
    value = parse_number(low)
    high_value = parse_number(high) if high else None
    ambiguous = value is None or (high is not None and high_value is None)
    if value is not None and high_value is not None and high_value < value:
        # "0.8-0.5 mg/m^2" (NCT05687032): a range written high to low is the doses from 0.5 to 0.8; its low
        # end is the smaller number (a range whose high end is below its low is no range).
        value, high_value = high_value, value
    limit = _LIMIT.search(text, max(0, match.start() - 40), match.start())
    limit = limit or _COURSE_TOTAL.search(text, max(0, match.start() - _COURSE_TOTAL_REACH), match.start())
    if limit is None and not _ONE_UNIT_OF.search(text, max(0, match.start() - 30), match.start()):
        limit = _UNIT_STRENGTH.search(text, max(0, match.start() - 30), match.start())
    reason = LIMIT_REASON
    if limit is None and (cap := _cap_after(text, match.end())):
        limit, reason = cap, CAP_REASON
    if limit is None and unit in VOLUME_UNITS:
        before = _VOLUME_BEFORE.search(text, max(0, match.start() - _VOLUME_REACH), match.start())
        limit = before or _DILUENT_AFTER.match(text, match.end())
        reason = VOLUME_REASON
    return Dose(
        match.start(),
        match.end(),
        None if ambiguous else value,
        None if ambiguous else high_value,
        unit,
        per_day,
        match.group(),
        ambiguous=ambiguous,
        limit=limit.group() if limit else None,
        limit_reason=reason,
    )


def _unit(match: re.Match[str]) -> tuple[str, bool]:
    if match.group("flow"):
        return "L/min", False
    mass = _SPACES.sub(" ", match.group("mass").lower()).rstrip("s")
    unit = _MASS_UNITS.get(mass, mass)
    if match.group("body_day"):
        return unit + ("/kg" if match.group("body_day").lower() == "kg" else "/m2"), True
    if match.group("m2"):
        unit += "/m2"
    elif match.group("kg"):
        unit += "/kg"
    return unit, bool(match.group("day"))


# "then increased to 5.0×10^7 and 2.0×10^8 cells" (NCT05686720, set 15): a cell count chained before a cell
# dose, its "cells" written once after the last, is a cell dose too (sets 12, 13, 15 write cell doses).
_CELL_COUNT_CHAINED = re.compile(
    rf"(?<![\w.,])(?P<value>{NUMBER})[ \t]*+x[ \t]*+10[ \t]*+(?:\^|e)?[ \t]*+(?P<exp>\d{{1,2}})[ \t]*+"
    r"(?:,[ \t]*+(?:and|or)|or|and|,)[ \t]*+$",
    re.IGNORECASE,
)
_CELL_CHAIN_REACH = 40


def _cell_counts_before(dose: Dose, text: str) -> list[Dose]:
    """Return the cell counts chained before the cell dose `dose` ("5x10^7 and 2x10^8 cells"), each a dose
    in its unit. Not marked as alternatives: "and" does not say how a patient's count is chosen (the arm's
    several doses are then reported as such)."""
    if dose.value is None or dose.high is not None or not dose.unit.startswith("cells") or dose.limit:
        return []
    chained: list[Dose] = []
    end = dose.start
    while match := _CELL_COUNT_CHAINED.search(text, max(0, end - _CELL_CHAIN_REACH), end):
        number = parse_number(match.group("value"))
        value = None if number is None else number * 10.0 ** int(match.group("exp"))
        written = text[match.start() : match.end("exp")]
        count = Dose(match.start(), match.end("exp"), value, None, dose.unit, False, written)
        chained.insert(0, replace(count, ambiguous=value is None))
        end = match.start()
    return chained


def _chained_before(dose: Dose, text: str) -> list[Dose]:
    """Return the bare numbers chained to `dose` ("60 or 40 mg"), each as a dose with its unit."""
    if dose.value is None or dose.high is not None or dose.unit.startswith("AUC"):
        return []
    chained: list[Dose] = []
    end = dose.start
    joined_by_and = False
    while True:
        match = _CHAINED.search(text, max(0, end - 24), end)
        if not match or _NOT_A_DOSE_NUMBER.search(text, max(0, match.start() - 12), match.start()):
            break
        value = parse_number(match.group("value"))
        chained.insert(
            0,
            Dose(
                match.start(),
                match.start() + len(match.group("value")),
                value,
                None,
                dose.unit,
                dose.per_day,
                match.group("value"),
                ambiguous=value is None,
                chained=True,
            ),
        )
        end = match.start()
        joined_by_and = joined_by_and or bool(match.group("and") or match.group("comma_and"))
    if joined_by_and and len(chained) < 2:
        return []
    if dose.limit and dose.limit_reason in _SHARED_BY_CHAIN:
        # "granules in 10, 15 and 20 mg strengths" (NCT05693129): the words after the last number are about
        # every number of the list; 10 and 15 mg are strengths too, not doses
        return [replace(c, limit=dose.limit, limit_reason=dose.limit_reason) for c in chained]
    return chained
