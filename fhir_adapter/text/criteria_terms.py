"""The words of eligibility criteria: how measures, comparators, numbers and units are written.

These are spellings, not codes: which LOINC or SNOMED code a kind becomes lives in mappings/.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Numbers: "1,500", "100 000", "100.000" (European thousands), "2,5" (decimal comma), "1.5".
NUMBER = r"(?:\d{1,3}(?:[,\u00a0 ]\d{3})+(?![\d.])|\d+(?:[.,]\d+)?)"

_COMPARATOR_WORDS: Sequence[tuple[str, str]] = (
    (
        ">=",
        r"≥\s*=?|>=|=>|≧|⩾|>\s*/\s*=|>\s*or\s*=|greater than or equal to|greater or equal to|more than or equal to",
    ),
    (">=", r"equal to or older than|older than or equal to|=\s*/\s*>"),
    (">=", r"equal to or (?:greater|more|higher) than|equal or (?:greater|more) than|at least|not less than"),
    (">=", r"no less than|not lower than|not below|minimum(?: of)?|a minimum of"),
    (
        "<=",
        r"≤\s*=?|<=|=<|≦|⩽|<\s*/\s*=|<\s*or\s*=|less than or equal to|less or equal to|lower than or equal to",
    ),
    ("<=", r"equal to or younger than|younger than or equal to|=\s*/\s*<"),
    ("<=", r"equal to or (?:less|lower) than|equal or less than|at most|not more than|no more than"),
    (
        "<=",
        r"not greater than|no greater than|not higher than|not exceeding|does not exceed|maximum(?: of)?|up to",
    ),
    ("<=", r"not above"),
    (">", r">|greater than|more than|higher than|above|over|exceeding|exceeds|in excess of|older than"),
    ("<", r"<|﹤|less than|lower than|below|under|fewer than|younger than"),
)
COMPARATOR = "(?:" + "|".join(pattern for _, pattern in _COMPARATOR_WORDS) + ")"

_POST_WORDS: Sequence[tuple[str, str]] = (
    (">=", r"(?:or|and) (?:older|over|above|more|greater|higher|up|beyond)|\+"),
    ("<=", r"(?:or|and) (?:younger|under|below|less|lower|fewer)"),
)
POST_COMPARATOR = "(?:" + "|".join(pattern for _, pattern in _POST_WORDS) + ")"
RANGE_JOIN = r"(?:-|–|—|to|through)"


class _ComparatorCodes:
    """Turns a written comparator ("at least", "≤", "or older") into <, <=, > or >=."""

    def __init__(self) -> None:
        words = (*_COMPARATOR_WORDS, *_POST_WORDS)
        self._patterns = [(code, re.compile(rf"^(?:{pattern})$", re.IGNORECASE)) for code, pattern in words]

    def lookup(self, text: str) -> str | None:
        """Return the comparator code.

        >>> COMPARATOR_CODES.lookup("at least"), COMPARATOR_CODES.lookup(" or older"), COMPARATOR_CODES.lookup("<")
        ('>=', '>=', '<')
        """
        cleaned = " ".join(text.split())
        return next((code for code, pattern in self._patterns if pattern.match(cleaned)), None)


COMPARATOR_CODES = _ComparatorCodes()

# Unit spellings -> UCUM codes, longest first (the order matters: "mL/min/1.73 m2" before "mL/min").
_TEN9 = (
    r"(?:x|×|\*)?\s*10\s*(?:\^|\*|e|E|\*\*)?\s*(?:9|⁹|\(9\))\s*/\s*[lL]\b|G/L\b|(?:x|×)\s*109\s*/\s*[lL]\b"
)
_TEN3 = (
    r"(?:x|×|\*)?\s*10\s*(?:\^|\*|e|E)?\s*(?:3|³|\(3\))\s*/\s*(?:µ|u|μ|mc)[lL]\b|K\s*/\s*(?:µ|u|μ|mc)[lL]\b"
)
UNIT_SPELLINGS: Sequence[tuple[str, str]] = (
    ("10*9/L", _TEN9),
    ("10*3/uL", _TEN3),
    ("mL/min/{1.73_m2}", r"[mM][lL]\s*/\s*min(?:ute)?\s*(?:/|per)\s*1[.,]73\s*m\s*(?:2|²|\^2)"),
    ("mL/min", r"[mM][lL]\s*/\s*min(?:ute)?\b|[mM][lL] per min(?:ute)?\b"),
    ("/mm3", r"(?:cells\s*)?(?:/|per)\s*(?:mm|cu\.?\s*mm)\s*(?:3|³|\^3)?(?![\w/])|/\s*cmm\b"),
    ("/uL", r"(?:cells\s*)?(?:/|per)\s*(?:µ|u|μ|mc)[lL]\b|per microlit(?:er|re)"),
    ("/mL", r"(?:/|per)\s*m[lL]\b(?!\s*/)"),
    ("g/dL", r"g\s*/\s*d[lL]\b|gm\s*/\s*d[lL]\b|g%|G/DL\b"),
    ("mg/dL", r"mg\s*/\s*d[lL]\b|MG/DL\b"),
    ("g/L", r"g\s*/\s*[lL]\b"),
    ("umol/L", r"(?:µ|u|μ|micro)mol\s*/\s*[lL]\b|(?:µ|u|μ)MOL/L\b"),
    ("mmol/mol", r"mmol\s*/\s*mol\b"),
    ("mmol/L", r"mmol\s*/\s*[lL]\b"),
    ("meq/L", r"m[eE]q\s*/\s*[lL]\b"),
    ("kg/m2", r"kg\s*/\s*m\s*(?:2|²|\^2)"),
    (
        "{ULN}",
        r"(?:x|X|×|times|fold)?\s*(?:of\s+)?(?:the\s+)?(?:institutional\s+|local\s+)?"
        r"(?:ULN\b|upper limits? of (?:the\s+)?normal(?: range| value)?(?:\s*\(ULN\))?|"
        r"upper normal (?:limit|value)s?\b|upper limits? normal\b)|(?:x|X|×|times)\s*(?:the\s+)?normal (?:value|limit)s?\b",
    ),
    ("ms", r"(?:ms|msec|(?i:milliseconds?))\b"),
    ("%", r"%|(?i:percent)\b"),
    ("U/L", r"(?:U|u)\s*/\s*[lL]\b"),
    ("[IU]/L", r"(?:IU|iu)\s*/\s*[lL]\b"),
    ("h", r"(?i:hours?|hrs?)\b"),
    ("mo", r"(?i:months?|mos?)\b"),
    ("wk", r"(?i:weeks?|wks?)\b"),
    ("a", r"(?i:years?|yrs?|ans)\b"),
    ("d", r"(?i:days?)\b"),
)
# Case matters in units (G/L is giga per litre, g/L grams): the spellings say which letters may vary.
UNITS = "(?-i:" + "|".join(f"(?:{pattern})" for _, pattern in UNIT_SPELLINGS) + ")"
_UNIT_CODES = [(code, re.compile(rf"^\s*(?:{pattern})\s*$")) for code, pattern in UNIT_SPELLINGS]

_COUNTS = {"10*9/L", "10*3/uL", "/mm3", "/uL", "/mL"}
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
    "qtc": {"ms"},
    "lvef": {"%"},
    "karnofsky": {"%"},
    "life_expectancy": {"mo", "wk", "a", "d"},
    "bmi": {"kg/m2"},
    "hba1c": {"%", "mmol/mol"},
    "age": {"a", "mo", "wk", "d", "h"},
}
# The unit a kind has when the text writes none: scores and ratios are unitless ("1"); a BMI is kg/m2 by
# definition; an age with no unit is in years ("Age >= 18").
UNITLESS_DEFAULT = {"ecog": "1", "karnofsky": "1", "inr": "1", "bmi": "kg/m2", "age": "a", "hba1c": "1"}
# Criteria whose ages are not the patient's (a menopause definition, relatives, donors): no age facts.
NOT_PATIENT_AGE = re.compile(
    r"menopaus|relatives?\b|siblings?\b|donors?\b|famil(?:y|ies)\b|parents?\b|caregivers?\b|mothers?\b|cohorts?\b",
    re.I,
)
# Pregnancy words in a contraception rule ("should a woman become pregnant, she must inform...") are not a
# pregnancy criterion; a required pregnancy test still is.
CONTRACEPTION = re.compile(r"contracept|birth control|abstinen|barrier method", re.I)
PREGNANCY_TEST = re.compile(
    r"pregnancy test|h?CG\b|pregnant\s*(?:or|/|,)\s*(?:breast|lactat|nursing)|\b(?:are|is) not pregnant\b",
    re.I,
)


def allowed_units(kind: str, unit_text: str) -> str | None:
    """Return the UCUM code of `unit_text` if a `kind` can be measured in it.

    >>> allowed_units("platelets", "x 109/L"), allowed_units("qtc", "msec"), allowed_units("qtc", "%")
    ('10*9/L', 'ms', None)
    """
    code = next((code for code, pattern in _UNIT_CODES if pattern.match(unit_text)), None)
    return code if code in KIND_UNITS.get(kind, set()) else None


def parse_number(text: str, *, unit: str | None = None) -> float:
    """Return the value of a written number: thousands separators dropped, a decimal comma read as a point.

    >>> parse_number("1,500"), parse_number("2,5"), parse_number("100 000"), parse_number("1.5")
    (1500.0, 2.5, 100000.0, 1.5)
    >>> parse_number("100.000", unit="/mm3"), parse_number("1.000", unit="10*9/L")
    (100000.0, 1.0)
    """
    text = text.replace("\u00a0", " ")
    if re.fullmatch(r"\d{1,3}(?:[, ]\d{3})+", text):
        return float(re.sub(r"[, ]", "", text))
    if unit in {"/mm3", "/uL", "/mL"} and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return float(text.replace(".", ""))  # "100.000/mm3": a European thousands point
    return float(text.replace(",", "."))


def _words(*alternatives: str) -> re.Pattern[str]:
    """Words in any case; the flag is inline so that ANY_MEASURE, which joins the patterns, keeps it."""
    return re.compile(r"\b(?i:" + "|".join(alternatives) + r")\b")


def _mixed(sensitive: str, insensitive: str) -> re.Pattern[str]:
    """Acronyms match case-sensitively (ALT, not "alt"; EF, not "ef"); spelled-out names in any case."""
    return re.compile(rf"\b(?:{sensitive}|(?i:{insensitive}))\b")


# Order matters where names overlap: HbA1c before haemoglobin, creatinine clearance before creatinine.
MEASURES: Sequence[tuple[str, re.Pattern[str]]] = (
    (
        "hba1c",
        _mixed(
            r"HbA1[cC]|HbA 1c|Hb A1c|A1C|A1c",
            r"ha?emoglobin A1c|glycated ha?emoglobin|glycosylated ha?emoglobin",
        ),
    ),
    ("creatinine_clearance", _mixed(r"CrCl|CLcr|CrCL|CCr", r"creatinine clearance|clearance of creatinine")),
    ("egfr", _mixed(r"eGFR|GFR", r"(?:estimated )?glomerular filtration rate")),
    ("creatinine", _mixed(r"SCr|sCr|Cr", r"(?:serum )?creatinine?")),
    ("platelets", _mixed(r"PLT|Plt", r"platelets?(?: counts?)?|thrombocytes?(?: counts?)?|thrombocytopenia")),
    (
        "anc",
        _mixed(
            r"ANC|AGC",
            r"absolute neutrophils?(?: counts?)?|neutrophils?(?: counts?)?|absolute granulocytes?(?: counts?)?|granulocytes?",
        ),
    ),
    (
        "wbc",
        _mixed(r"WBC", r"white blood cells?(?: counts?)?|white cell counts?|leu[ck]ocytes?(?: counts?)?"),
    ),
    ("hemoglobin", _mixed(r"Hb|Hgb|HGB|HB", r"ha?emoglobin")),
    ("bilirubin", _mixed(r"TBIL|TBil|T-bil", r"(?:total |serum )?bilirubin")),
    (
        "ast",
        _mixed(
            r"AST|SGOT|GOT",
            r"aspartate (?:amino ?)?transferase|aspartate transaminase|serum glutam(?:ic|ate)[- ]oxaloacetic transaminase",
        ),
    ),
    (
        "alt",
        _mixed(
            r"ALT|SGPT|GPT",
            r"alanine (?:amino ?)?transferase|alanine transaminase|serum glutam(?:ic|ate)[- ]pyruv(?:ic|ate) transaminase",
        ),
    ),
    ("transaminases", _words(r"transaminases?", r"aminotransferases")),
    ("alkaline_phosphatase", _mixed(r"ALP|ALKP", r"alkaline phosphatase")),
    ("inr", _mixed(r"INR", r"international normali[sz]ed ratio")),
    ("qtc", _mixed(r"QTc[FB]?|QTcF|QTcB|QTC", r"corrected QT(?: interval)?|QT interval")),
    ("lvef", _mixed(r"LVEF|EF", r"(?:left ventricular )?ejection fraction")),
    (
        "ecog",
        _mixed(
            r"ECOG|WHO PS",
            r"eastern cooperative oncology group|zubrod|"
            r"(?:world health organi[sz]ation\s*)?(?:\(WHO\)|WHO) performance status",
        ),
    ),
    ("karnofsky", _mixed(r"KPS", r"karnofsky")),
    (
        "life_expectancy",
        _words(r"life expectancy", r"expected survival", r"survival expectancy", r"estimated survival"),
    ),
    ("bmi", _mixed(r"BMI", r"body mass index")),
)
# All measures in one pattern, scanned once per criterion; `match.lastgroup` names the kind. At a given
# position the first alternative that matches wins, hence the order above.
# The leading guard (a word start whose first letter some name starts with) lets the engine skip most
# positions without trying twenty alternatives: five times faster on real criteria, same matches.
_MEASURE_START = r"(?<![\w])(?=[aAbBcCeEgGhHiIkKlLnNpPqQsStTwWzZ])"
ANY_MEASURE = re.compile(
    _MEASURE_START + "(?:" + "|".join(f"(?P<{kind}>{pattern.pattern})" for kind, pattern in MEASURES) + ")"
)

# Only punctuation and joining words between two mentions: they share the threshold that follows.
CONNECTOR = re.compile(r"(?:\s|/|,|&|\(|\)|\[|\]|-|\band\b|\bor\b|\bserum\b|\blevels?\b)*", re.IGNORECASE)
# A measure or value introduced this way is a condition on a subgroup, not the criterion's threshold.
CONDITIONAL_BEFORE = re.compile(
    r"(?:\b(?:for|in)\s+(?:patients|subjects|participants|individuals|those|women|men|children)\b(?:\s+with)?|"
    r"\bif\b|\bunless\b|\bexcept\b|\bfor\b)\s*[^.;]{0,12}$",
    re.IGNORECASE,
)
AGE_BETWEEN = re.compile(
    rf"between (?:the )?ages? of\s*(?P<num>{NUMBER})\s*(?:years?\s*)?and\s*(?P<num2>{NUMBER})", re.I
)

AGE_CONTEXT = re.compile(
    r"(?<!childbearing )(?<!reproductive )(?<!bearing )\bage[ds]?\b|\bages\b", re.IGNORECASE
)
_YEARS = r"(?:years?|yrs?|months?)"
# "18 years of age or older", "at least 18 years old", "18 years and older": the number comes before.
AGE_BEFORE = re.compile(
    rf"(?P<comp>{COMPARATOR})?\s*(?P<num>{NUMBER})\s*(?P<unit>{_YEARS})[\s-]*(?P<of>of\s+age|old)?"
    rf"(?P<post>\s*,?\s*{POST_COMPARATOR})?",
    re.IGNORECASE,
)
# "between 18 and 65 years of age", "18-75 years old".
AGE_RANGE = re.compile(
    rf"(?P<num>{NUMBER})\s*(?:years?\s*)?(?:-|–|to|and)\s*(?P<num2>{NUMBER})\s*(?P<unit>{_YEARS})[\s-]*(?:of\s+age|old)",
    re.IGNORECASE,
)
# "Patients >= 18 years": a comparator and years right after who the criterion is about.
AGE_SUBJECT = re.compile(
    r"\b(?:patients?|subjects?|participants?|adults?|men|women|males?|females?|individuals?|volunteers?|persons?|"
    r"people|children|adolescents?)\b[^.;\n\d]{0,25}?(?=(?:"
    + COMPARATOR
    + r")\s*\d|\d+\s*(?:-|to)\s*\d+\s*years)",
    re.IGNORECASE,
)

BOOLEAN_KINDS: Sequence[tuple[str, re.Pattern[str]]] = (
    (
        "pregnancy",
        re.compile(
            r"(?<!during )\bpregnan(?:t|cy|cies)\b(?! prevention)"
            r"(?<!prevent pregnancy)(?<!avoid pregnancy)|positive (?:serum |urine )?(?:β-?|beta[- ]?)?h?CG\b",
            re.IGNORECASE,
        ),
    ),
    (
        "breastfeeding",
        _words(
            r"breast[- ]?feeding",
            r"breast[- ]?feed",
            r"breastfeed(?:ing|s)?",
            r"lactat(?:ing|ion)",
            r"nursing(?! home)(?! care)(?! staff)",
            r"nursing mothers?",
        ),
    ),
    ("hiv", _mixed(r"HIV|AIDS", r"human immunodeficiency virus")),
    (
        "hepatitis_b",
        _mixed(r"HBV|HBsAg|HBcAb|anti-HBc", r"hepatitis B|hep B|hepatitis (?:C|A)\s*(?:/|,|or|and)\s*B"),
    ),
    ("hepatitis_c", _mixed(r"HCV", r"hepatitis C|hep C|hepatitis B\s*(?:/|,|or|and|and/or)\s*C")),
)
