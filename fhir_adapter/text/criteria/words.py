"""How criteria write numbers, comparators and units, and which units each measure can have.

These are spellings, not codes: which LOINC or SNOMED code a kind becomes lives in mappings/.
"""

# ruff: noqa: E501 - spelling tables (regex alternatives) read best one entry per line, however long

from __future__ import annotations

import re
from collections.abc import Sequence

# Numbers: "1,500", "100 000", "100.000" (European thousands), "2,5" (decimal comma), "1.5".
# Linear on any text (issue 11): a number starts where no digit precedes it and, once read, is never split
# again (an atomic group), so a run of 100,000 digits, or "1,1,1,...", is read once per number.
NUMBER = r"(?<!\d)(?>\d{1,3}(?:[,\u00a0 ]\d{3})+(?![\d.])|\d+(?:[.,]\d+)?)"

_COMPARATOR_WORDS: Sequence[tuple[str, str]] = (
    (
        ">=",
        # "greater than or equal 18" (NCT05813925): "to" is often left out
        # "LVEF> = 50%", "Age> = 60 years" (NCT05697510): the two signs with a space between them
        r"≥\s*=?|>=|>\s++=|=>|≧|⩾|＞\s*=|＞＝|>\s*/\s*=|>\s*or\s*=|(?:greater|more|higher) than or equal(?: to)?|greater or equal(?: to)?",
    ),
    (">=", r"equal to or older than|older than or equal to|=\s*/\s*>"),
    (">=", r"equal to or (?:greater|more|higher) than|equal or (?:greater|more) than|at least|not less than"),
    (">=", r"no less than|not lower than|not below|minimum(?: of)?|a minimum of"),
    # "at or above", "above or equal to", "no lower than"; "superior or equal to" (French-English)
    (
        ">=",
        r"at or above|(?:above|superior|more|over) or equal(?: to)?|equal to or above|no lower than|no fewer than",
    ),
    (
        "<=",
        r"≤\s*=?|<=|<\s++=|=<|≦|⩽|＜\s*=|＜＝|<\s*/\s*=|<\s*or\s*=|(?:less|lesser|lower) than or equal(?: to)?|less or equal(?: to)?",
    ),
    ("<=", r"equal to or younger than|younger than or equal to|=\s*/\s*<"),
    ("<=", r"equal to or (?:less|lower) than|equal or less than|at most|not more than|no more than"),
    (
        "<=",
        r"not greater than|no greater than|not higher than|not exceeding|does not exceed|maximum(?: of)?|up to",
    ),
    # "not older than 65 years" (NCT05698095): the age limit, inclusive; read as "older than" it would invert
    ("<=", r"not above|not older than|no older than"),
    (">=", r"not younger than|no younger than"),
    ("<=", r"at or below|(?:below|inferior|under) or equal(?: to)?|equal to or below|no higher than"),
    # "＞", "＜": the full-width signs of Chinese text
    (">", r">|＞|greater than|more than|higher than|above|over|exceeding|exceeds|in excess of|older than"),
    # "lesser than 30" (NCT05813925 exclusion 4): a common non-native spelling
    # "Cockcroft-Gault formula(below) ≥50 mL/min" (NCT02795884): "(below)" points to the text below
    ("<", r"<|﹤|＜|less than|lesser than|lower than|below(?!\))|under|fewer than|younger than"),
    (">", r"superior to"),
    ("<", r"inferior to"),
    # "less then 6, and older then 18 years" (NCT04767165): "then" for "than", a frequent typo
    (">", r"(?:greater|more|higher|older) then"),
    ("<", r"(?:less|lesser|lower|fewer|younger) then"),
)
# "greater than or equal to (>=) 18 years", "less than (<) 40 years" (NCT02958956): words, then the same
# comparator as a symbol in brackets. The echo is part of the comparator; COMPARATOR_CODES reads the words.
_ECHO = r"(?:\s*+\((?:[<>≤≥]=?|=[<>])\))?"
COMPARATOR = "(?:(?:" + "|".join(pattern for _, pattern in _COMPARATOR_WORDS) + ")" + _ECHO + ")"

# "25 and less than 90": "and less" that "than" follows starts the next comparator, it does not end this one.
# "under 18 or over 80 years": "or over" that a number follows starts the next value too.
_NOT_THAN = r"(?!\s{1,3}than\b)(?!\s*+\d)"
_POST_WORDS: Sequence[tuple[str, str]] = (
    (">=", rf"(?:or|and) (?:older|over|above|more|greater|higher|up|beyond){_NOT_THAN}|\+"),
    ("<=", rf"(?:or|and) (?:younger|under|below|less|lower|fewer){_NOT_THAN}"),
)
POST_COMPARATOR = "(?:" + "|".join(pattern for _, pattern in _POST_WORDS) + ")"
# "ECOG score is 0~2" (NCT05380986): the tilde (and its full-width form) of Chinese text joins a range
RANGE_JOIN = r"(?:-|–|—|~|～|to|through)"


class _ComparatorCodes:
    """Turns a written comparator ("at least", "≤", "or older") into <, <=, > or >=."""

    def __init__(self) -> None:
        words = (*_COMPARATOR_WORDS, *_POST_WORDS)
        self._patterns = [(code, re.compile(rf"^(?:{pattern})$", re.IGNORECASE)) for code, pattern in words]

    def lookup(self, text: str) -> str | None:
        """Return the comparator code.

        >>> COMPARATOR_CODES.lookup("at least"), COMPARATOR_CODES.lookup(" or older"), COMPARATOR_CODES.lookup("<")
        ('>=', '>=', '<')
        >>> COMPARATOR_CODES.lookup("greater than or equal to (>=)"), COMPARATOR_CODES.lookup("less then")
        ('>=', '<')
        """
        cleaned = " ".join(text.split())
        if cleaned.endswith(")") and "(" in cleaned:  # the bracketed echo of "greater than or equal to (>=)"
            cleaned = cleaned[: cleaned.rindex("(")].rstrip()
        return next((code for code, pattern in self._patterns if pattern.match(cleaned)), None)


COMPARATOR_CODES = _ComparatorCodes()

# Unit spellings -> UCUM codes, longest first (the order matters: "mL/min/1.73 m2" before "mL/min").
# "1.5 ´ 109/L" (NCT03058094): a multiplication sign that copying turned into an acute accent
# "platelets >= 80 X 109/L" (NCT05694936): a capital X is the multiplication sign too
_TEN9 = r"(?:(?:x|X|×|\*|´)\s*+)?10\s*+(?:\^|\*|e|E|\*\*)?\s*+(?:9|⁹|\(9\))\s*+(?:cells\s*+)?/\s*+[lL]\b|G\s*+/\s*+[lL]\b|Giga\s*+/\s*+[lL]\b|(?:x|X|×|´)\s*+109\s*+(?:cells\s*+)?/\s*+[lL]\b"
_TEN3 = r"(?:(?:x|X|×|\*|´)\s*+)?10\s*+(?:\^|\*|e|E)?\s*+(?:3|³|\(3\))\s*+/\s*+(?:µ|u|μ|mc)[lL]\b|K\s*+/\s*+(?:µ|u|μ|mc)[lL]\b"
# Units spelled out in words, as some sponsors write them before the symbol ("27.0 kilograms per square meter
# (kg/m^2)", "30 milliliters per minute per 1.73 square meter"): the same codes, in any case.
_ML = r"(?:[mM][lL]|(?i:milli[- ]?lit(?:er|re)s?))"
_PER_MIN = r"\s*(?:/|(?i:per)\s)\s*(?i:min(?:ute)?s?)"
_SQUARE_METRE = r"(?:m\s*(?:2|²|\^2)|(?i:square\s+met(?:er|re)s?|met(?:er|re)s?\s+squared?|sq\.?\s*+m(?:et(?:er|re)s?)?\b))"
_PER_LITRE = r"\s+per\s+lit(?:er|re)\b"
UNIT_SPELLINGS: Sequence[tuple[str, str]] = (
    ("10*9/L", _TEN9),
    ("10*3/uL", _TEN3),
    # "x 10^3/mm3": thousands per cubic millimetre, kept as written
    (
        "10*3/mm3",
        r"(?:(?:x|×|\*)\s*+)?10\s*+(?:\^|\*|e|E)?\s*+(?:3|³|\(3\))\s*+/\s*+(?:mm\s*+(?:3|³|\^3)|cu\.?\s*+mm)\b",
    ),
    # "1•73 m2" (NCT06095492): a bullet typed for the decimal point
    ("mL/min/{1.73_m2}", rf"{_ML}{_PER_MIN}\s*(?:/|(?i:per)\s)\s*1[.,•·]73\s*{_SQUARE_METRE}"),
    ("mL/min", rf"[mM][lL]\s*/\s*min(?:ute)?\b|{_ML}\s+(?i:per)\s+(?i:min(?:ute)?)\b"),
    ("mg/dL", r"(?i:milligrams?\s+per\s+decilit(?:er|re)s?)\b"),
    ("g/dL", r"(?i:grams?\s+per\s+decilit(?:er|re)s?)\b"),  # "grams per deciliters" (NCT02227251)
    ("umol/L", rf"(?i:micromoles?{_PER_LITRE})"),
    ("mmol/mol", r"(?i:millimoles?\s+per\s+mole?)\b"),
    ("mmol/L", rf"(?i:millimoles?{_PER_LITRE})"),
    ("mg/L", rf"(?i:milligrams?{_PER_LITRE})"),
    ("g/L", rf"(?i:grams?{_PER_LITRE})"),
    ("kg/m2", rf"(?i:kilograms?\s+per\s+){_SQUARE_METRE}"),
    ("/mm3", r"(?i:(?:cells\s+)?per\s+cubic\s+millimet(?:er|re)s?)\b"),
    ("/mm3", r"(?:cells\s*)?(?:/|per)\s*(?:mm|cu\.?\s*mm)\s*(?:3|³|\^3)?(?![\w/])|/\s*cmm(?:3|³)?\b"),
    # "/ µ L": a space some editors put after the micro sign
    # "Platelet ≥ 80,000 counts/μL" (NCT05687682): counts per microlitre, as cells per microlitre
    ("/uL", r"(?:(?:cells|counts)\s*)?(?:/|per)\s*(?:(?:µ|μ) ?|u|mc)[lL]\b|(?:per\s|/)\s*microlit(?:er|re)"),
    ("/mL", r"(?:/|per)\s*m[lL]\b(?!\s*/)"),
    # "Platelets >= 50,000/L" (NCT05705570): per litre as written, never corrected to per microlitre
    ("/L", r"(?:cells\s*)?/\s*L\b(?!\s*/)"),
    ("g/dL", r"g\s*/\s*d[lL]\b|gm\s*/\s*d[lL]\b|g%|G/DL\b"),
    ("mg/dL", r"mg\s*/\s*d[lL]\b|MG/DL\b"),
    ("mg/(24.h)", r"mg\s*(?:/|per)\s*24\s*(?:h|hours?|hrs?)\b"),
    # "urine M-protein level >= 200 milligram (mg) per 24 hours" (NCT06208150): spelled, with its symbol echoed
    ("mg/(24.h)", r"(?i:milligrams?)\s*+(?:\(mg\)\s*+)?(?:/|(?i:per))\s*+24\s*+(?i:h|hours?|hrs?)\b"),
    ("mg/L", r"mg\s*/\s*[lL]\b"),
    ("g/L", r"g\s*/\s*[lL]\b"),
    ("umol/L", r"(?:µ|u|μ|micro)mol\s*/\s*[lL]\b|(?:µ|u|μ)MOL/L\b"),
    ("mmol/mol", r"mmol\s*/\s*mol\b"),
    ("mmol/L", r"mmol\s*/\s*[lL]\b"),
    ("meq/L", r"m[eE]q\s*/\s*[lL]\b"),
    ("kg/m2", r"kg\s*/\s*m\s*(?:2|²|\^2)"),
    (
        "{ULN}",
        # "≤ 1.5 times greater than the upper limit of normal" (NCT02795884): a multiple, not a second comparator
        # "<1.5?ULN" (NCT03416231), "1.5 ´ ULN": a multiplication sign lost in copying, before ULN
        r"(?:(?:x|X|×|⋅|·|\*|´|\?(?=\s*+(?:ULN|UNL|IULN|ULRR|upper))|times(?:\s++(?:greater|higher)\s++than)?|-?fold)\s*+)?(?:of\s++)?(?:the\s++)?(?:(?:[Ii]nstitutional|[Ll]ocal)\s++)?"
        # "bilirubin >2N", "Scr ≤ 1.5 N" (NCT05870995): N for the upper limit of normal; IULN (institutional),
        # ULRR and "the upper limit of the reference range" (the same limit by another name)
        # the spelled-out names in any case: "1.5 × Upper limit of normal value (ULN)" (NCT05690425), "2.5 x Upper
        # Limit Normal (ULN)" (NCT05694715)
        r"(?:ULN\b|UNL\b|IULN\b|ULRR\b|N(?![\w/\-])|(?i:upper limits? of (?:the\s+)?(?:institutional\s+)?normal(?: range| value)?)(?:\s*\(ULN\))?|"
        r"(?i:upper limits? of (?:the\s+)?reference range)(?:\s*\(ULRR\))?|(?i:normal upper limits?)\b|"
        r"(?i:upper normal (?:limit|value)s?)\b|(?i:upper limits? normal)\b(?:\s*\(ULN\))?)|(?:x|X|×|times)\s*(?:the\s+)?normal (?:value|limit)s?\b",
    ),
    ("ms", r"(?:ms|msec|(?i:milliseconds?))\b"),
    ("s", r"(?:s|sec|(?i:seconds?))\b"),  # "QT/QTc interval > 0.45 second" (NCT01785420)
    ("%", r"%|(?i:percent(?:age)?)\b"),  # "LVEF greater than or equal to 50 percentage" (NCT03671044)
    ("U/L", r"(?:U|u)\s*/\s*[lL]\b"),
    ("[IU]/L", r"(?:IU|iu)\s*/\s*[lL]\b"),
    ("h", r"(?i:hours?|hrs?)\b"),
    ("mo", r"(?i:months?|mos?)\b"),
    ("wk", r"(?i:weeks?|wks?)\b"),
    # "y.o.", "y/o": years old; "Adult patients (≥ 18y)" (NCT05703555): a lone "y" after a number
    ("a", r"(?i:years?|yrs?|ans)\b|(?i:y\.\s?o\.|y/o\b|yo\b)|y\b"),
    ("d", r"(?i:days?)\b"),
)
# Case matters in units (G/L is giga per litre, g/L grams): the spellings say which letters may vary. No
# spelling starts with white space (the caller's own white space comes before it): a run of spaces is then
# skipped once, never re-read by each of the thirty alternatives (issue 11).
UNITS = "(?-i:" + "|".join(f"(?:{pattern})" for _, pattern in UNIT_SPELLINGS) + ")"
_UNIT_CODES = [(code, re.compile(rf"^\s*+(?:{pattern})\s*+$")) for code, pattern in UNIT_SPELLINGS]

_COUNTS = {"10*9/L", "10*3/uL", "10*3/mm3", "/mm3", "/uL", "/mL", "/L"}
_LIVER = {"{ULN}", "mg/dL", "umol/L", "U/L", "[IU]/L"}
KIND_UNITS: dict[str, set[str]] = {
    "platelets": _COUNTS,
    "anc": _COUNTS,
    "wbc": _COUNTS,
    "hemoglobin": {"g/dL", "g/L", "mg/dL", "mmol/L"},
    "creatinine": {"mg/dL", "umol/L", "{ULN}", "meq/L", "mmol/L"},
    "creatinine_clearance": {"mL/min", "mL/min/{1.73_m2}"},
    "egfr": {"mL/min/{1.73_m2}", "mL/min"},
    "bilirubin": _LIVER,
    "ast": _LIVER,
    "alt": _LIVER,
    "alkaline_phosphatase": _LIVER,
    "inr": {"{ULN}"},
    "qtc": {"ms", "s"},
    "lvef": {"%"},
    "karnofsky": {"%"},
    "life_expectancy": {"mo", "wk", "a", "d"},
    "bmi": {"kg/m2"},
    "hba1c": {"%", "mmol/mol"},
    "age": {"a", "mo", "wk", "d", "h"},
    "m_protein": {"g/dL", "g/L", "mg/dL"},
    "urine_m_protein": {"mg/(24.h)"},
    "free_light_chain": {"mg/L", "mg/dL"},
    "lansky": {"%"},
}
# The unit a kind has when the text writes none: scores and ratios are unitless ("1"); a BMI is kg/m2 by
# definition; an age with no unit is in years ("Age >= 18").
UNITLESS_DEFAULT = {
    "ecog": "1",
    "karnofsky": "1",
    "lansky": "1",
    "inr": "1",
    "bmi": "kg/m2",
    "age": "a",
    "hba1c": "1",
    "psqi": "1",
    "phq9": "1",
    "audit": "1",
}


def allowed_units(kind: str, unit_text: str) -> str | None:
    """Return the UCUM code of `unit_text` if a `kind` can be measured in it.

    >>> allowed_units("platelets", "x 109/L"), allowed_units("qtc", "msec"), allowed_units("qtc", "%")
    ('10*9/L', 'ms', None)
    """
    code = next((code for code, pattern in _UNIT_CODES if pattern.match(unit_text)), None)
    return code if code in KIND_UNITS.get(kind, set()) else None


_THOUSANDS = re.compile(r"\d{1,3}(?:[, ]\d{3})+")
_THOUSANDS_POINT = re.compile(r"\d{1,3}(?:\.\d{3})+")
_SEPARATORS = re.compile(r"[, ]")


def parse_number(text: str, *, unit: str | None = None) -> float:
    """Return the value of a written number: thousands separators dropped, a decimal comma read as a point.

    >>> parse_number("1,500"), parse_number("2,5"), parse_number("100 000"), parse_number("1.5")
    (1500.0, 2.5, 100000.0, 1.5)
    >>> parse_number("100.000", unit="/mm3"), parse_number("1.000", unit="10*9/L")
    (100000.0, 1.0)
    """
    text = text.replace("\u00a0", " ")
    if _THOUSANDS.fullmatch(text):
        return float(_SEPARATORS.sub("", text))
    if unit in {"/mm3", "/uL", "/mL"} and _THOUSANDS_POINT.fullmatch(text):
        return float(text.replace(".", ""))  # "100.000/mm3": a European thousands point
    return float(text.replace(",", "."))
