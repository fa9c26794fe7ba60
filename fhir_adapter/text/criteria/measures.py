"""How criteria name measures, statuses and ages, and the phrases that make a value someone else's.

These are spellings, not codes: which LOINC or SNOMED code a kind becomes lives in mappings/.
"""

# ruff: noqa: E501 - spelling tables (regex alternatives) read best one entry per line, however long

from __future__ import annotations

import re
from collections.abc import Sequence

from fhir_adapter.text.criteria.words import COMPARATOR, NUMBER, POST_COMPARATOR
from fhir_adapter.text.first_chars import guarded

# Criteria whose ages are not the patient's (a menopause definition, relatives, donors): no age facts.
NOT_PATIENT_AGE = re.compile(
    r"menopaus|relatives?\b|siblings?\b|donors?\b|famil(?:y|ies)\b|parents?\b|caregivers?\b|mothers?\b|cohorts?\b"
    # "(Non child bearing potential is defined as age 55 years or older ...)" (NCT05698524): a definition
    r"|child[- ]?bearing\s++potential\s++(?:is\s++|are\s++)?defined\b",
    re.I,
)
# Pregnancy words in a contraception rule ("should a woman become pregnant, she must inform...") are not a
# pregnancy criterion; a required pregnancy test still is.
# "Agreement not to participate in a conception process (e.g., active attempt to become pregnant ...)"
# (NCT01380080): a rule about conceiving is a contraception rule too.
CONTRACEPTION = re.compile(r"contracept|birth control|abstinen|barrier method|\bconception\b", re.I)
PREGNANCY_TEST = re.compile(
    # "Pregnant women, lactating women, and ... contraception": a status listed with breastfeeding
    # "Pregnant females; breastfeeding females; ... contraception" (NCT04747912): a ";" lists them too
    # "Pregnant female patients, breastfeeding female patients, ... contraception" (NCT05687721)
    r"pregnancy test|h?CG\b|pregnan(?:t|cy)(?:\s++(?:female\s++)?(?:wom[ae]n|females?|patients?))?\s*+"
    r"(?:or|/|,|;|and)\s*+(?:breast|lactat|nursing)|\b(?:are|is|be) not pregnant\b"
    # the status listed first: "Pregnant women or patient unable to take contraception" (NCT05697510)
    r"|^\s*+pregnan(?:t|cy)(?:\s++(?:wom[ae]n|females?|patients?))?\s*+(?:or|,|;)\s"
    # the status stated outright: "Not pregnant. ... must agree to use adequate contraception" (NCT01065844),
    # "The serum or urine test indicates nonpregnant woman" (NCT04007835)
    r"|^\s*+not\s++pregnant\b|\bnon-?pregnant\b",
    re.I,
)


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
            r"HbA1[cC]|HbA 1c|Hb A1c|A1C|A1c|HgA1[cC]|HgbA1[cC]",  # "HgA1c >8%" (NCT06053242)
            r"ha?emoglobin A1c|glycated ha?emoglobin|glycosylated ha?emoglobin",
        ),
    ),
    (
        "creatinine_clearance",
        # "Estimated Glomerular Filtration Rate (estimated creatinine clearance)" (NCT04714372): the bracket is
        # one name, so that the two names join (facts.py reads them as one measure)
        _mixed(
            r"CrCl|CLcr|ClCr|Clcr|CrCL|CCr|Crcl|Ccr",
            r"(?:(?:estimated|calculated)\s+)?creatinine clearance|clearance of creatinine",
        ),
    ),
    ("egfr", _mixed(r"eGFR|GFR", r"(?:estimated )?glomerular filtration rate")),
    # "creatinine kinase" is a common slip for creatine kinase, another test; "serum creatinine clearance"
    # (NCT02795884) is a clearance
    (
        "creatinine",
        _mixed(r"SCr|sCr|Scr|Cr", r"(?:serum )?creatinine?(?!\s+(?:(?:phospho)?kinase|clearance))"),
    ),
    ("platelets", _mixed(r"PLT|Plt", r"platelets?(?: counts?)?|thrombocytes?(?: counts?)?|thrombocytopenia")),
    (
        "anc",
        _mixed(
            r"ANC|AGC",
            r"absolute neutrophils?(?: counts?)?|neutrophils?(?: counts?)?|absolute granulocytes?(?: counts?)?|granulocytes?|neutropenia",
        ),
    ),
    (
        "wbc",
        _mixed(
            r"WBC",
            r"white blood cells?(?: counts?)?|white cell counts?|leu[ck]ocytes?(?: counts?)?|leu[ck]openia",
        ),
    ),
    ("hemoglobin", _mixed(r"Hb|Hgb|HGB|HB", r"ha?emoglobin")),
    ("bilirubin", _mixed(r"TBIL|TBil|TBili|T-[Bb]ili?|Tbili?", r"(?:total |serum )?bilirubin")),
    (
        "ast",
        _mixed(
            r"AST|ASAT|SGOT|GOT",  # ASAT/ALAT: the European abbreviations
            r"aspartate (?:amino ?)?transferase|aspartate transaminase|serum glutam(?:ic|ate)[- ]oxaloacetic transaminase",
        ),
    ),
    (
        "alt",
        _mixed(
            r"ALT|ALAT|SGPT|GPT",
            r"alanine (?:amino ?)?transferase|alanine transaminase|serum glutam(?:ic|ate)[- ]pyruv(?:ic|ate) transaminase",
        ),
    ),
    ("transaminases", _words(r"transaminases?", r"aminotransferases")),
    ("alkaline_phosphatase", _mixed(r"ALP|ALKP", r"alkaline phosphatase")),
    # "who can receive warfarin with a target INR= 2.0 to 3.0" (NCT05687448): the goal of a treatment the
    # patient will be given, no limit on the patient's INR now
    (
        "inr",
        _mixed(
            r"(?<!target )(?<!therapeutic )INR",
            r"(?<!target )international (?:normali[sz]ed|standardi[sz]ed) ratio",
        ),
    ),
    ("qtc", _mixed(r"QTc[FB]?|QTcF|QTcB|QTC", r"corrected QT(?: interval)?|QT interval")),
    ("lvef", _mixed(r"LVEF|EF", r"(?:left ventricular )?ejection fraction")),
    (
        "ecog",
        _mixed(
            # "PS 0-2 (WHO scale)" (NCT01852578): a performance status of 0 to 5 is on the ECOG/WHO/Zubrod
            # scale, whatever name it has; values above 5 (Karnofsky's, Lansky's) are no ECOG (values.py)
            # not the anaesthetists' "ASA PS > 3" (ASA physical status, NCT05742711)
            r"ECOG|WHO PS|(?<!ASA )(?<!ASA-)PS",
            r"eastern cooperative oncology group|zubrod|"
            r"(?:world health organi[sz]ation\s*)?(?:\(WHO\)|WHO) performance(?: status)?|"
            # "a performance status of 0 or 2 on the Eastern Cooperative Oncology Group (ECOG) scale"
            # (NCT03799601): the scale named after the value; the look-ahead is bounded, so linear
            r"performance status(?=[^.;\n]{0,60}\b(?:ECOG|eastern cooperative))|"
            # a bare "performance status", unless Karnofsky or Lansky is named after it (their patterns)
            r"performance status(?![^.;\n]{0,60}\b(?:KPS|karnofsky|lan(?:sk|ks)y))",
        ),
    ),
    ("karnofsky", _mixed(r"KPS", r"karnofsky|performance status(?=[^.;\n]{0,60}\b(?:KPS|karnofsky))")),
    (
        "life_expectancy",
        _words(
            r"life expectancy",
            r"expected survival",
            r"survival expectancy",
            r"estimated survival",
            r"predicted survival",
            r"life span",
            r"(?:anticipated|expected) to (?:live|survive)(?: for)?",  # "Anticipated to live for more than 3 months"
        ),
    ),
    ("bmi", _mixed(r"BMI", r"body mass index")),
    # Myeloma's measurable disease (seed NCT06158412): urine before serum, whose names it contains.
    (
        "urine_m_protein",
        _mixed(
            r"(?i:urine|urinary)\s+(?:M[- ]?protein|M[- ]?spike|M[- ]component)",
            r"(?:urine|urinary)\s+(?:monoclonal protein|paraprotein)|Bence[- ]Jones protein",
        ),
    ),
    (
        "m_protein",
        _mixed(
            r"M[- ]?protein|M[- ]?spike|M[- ]component",
            r"monoclonal (?:protein|component|gammaglobulin|paraprotein)|paraprotein",
        ),
    ),
    ("free_light_chain", _mixed(r"s?FLC", r"free light[- ]chains?")),
    ("psqi", _mixed(r"PSQI", r"pittsburgh sleep quality index")),
    ("phq9", _mixed(r"PHQ-?9", r"patient health questionnaire[- ]?9")),
    ("audit", _mixed(r"AUDIT(?!-C)", r"alcohol use disorders? (?:identification|inventory) test")),
    ("lansky", _words(r"lan(?:sk|ks)y(?:\s+play[- ]performance)?")),  # "Lanksy": a common misspelling
)
# Measures named so that an "or" with them is seen, but never read as facts: direct (conjugated) and indirect
# bilirubin are other tests than the total bilirubin the kind codes ("Total bilirubin <= 1.5 x ULN OR direct
# bilirubin <= ULN for participants with total bilirubin > 1.5 x ULN": any-of, one fact). No units, no codes.
NAMED_ONLY: Sequence[tuple[str, re.Pattern[str]]] = (
    ("other_bilirubin", _words(r"(?:direct|conjugated|indirect|unconjugated)\s+bilirubin")),
    # a radioisotope (measured) GFR is no estimate: a threshold on it stays text (NCT00070200, NCT05740449)
    (
        "measured_gfr",
        _words(r"(?:radioisotope|radionuclide|isotopic|measured)\s+(?:GFR|glomerular filtration rate)"),
    ),
)
# All measures in one pattern, scanned once per criterion; `match.lastgroup` names the kind. At a given
# position the first alternative that matches wins, hence the order above.
# The leading guard (a word start whose first letter some name starts with) lets the engine skip most
# positions without trying twenty alternatives: five times faster on real criteria, same matches.
_MEASURE_START = r"(?<![\w])(?=[aAbBcCdDeEfFgGhHiIkKlLmMnNpPqQrRsStTuUwWzZ])"
ANY_MEASURE = re.compile(
    _MEASURE_START
    + "(?:"
    + "|".join(f"(?P<{kind}>{pattern.pattern})" for kind, pattern in (*NAMED_ONLY, *MEASURES))
    + ")"
)

# Only punctuation and joining words between two mentions: they share the threshold that follows.
# A bracketed abbreviation the table does not know ("creatinine clearance (ACr) or GFR (TFG) >= 50") is a
# name too. Linear: no other alternative starts with a letter after "(".
CONNECTOR = re.compile(
    # "Karnofsky performance status or Lansky* play status >= 50" (NCT01661400): a score's own words too
    # "AST、ALT <= 2.5 x ULN" (NCT04204473): the enumeration comma of Chinese text, and its full-width comma
    r"(?:\s|/|,|、|，|&|\([A-Za-z]{1,6}\)|\(|\)|\[|\]|-|\*|\band\b|\bor\b|\bserum\b|\blevels?\b|\b(?:performance|play)\s++status\b)*",
    re.IGNORECASE,
)
# "(except in patients with Gilbert's syndrome, who may be included if total bilirubin is <= 3.0 x ULN)"
# (NCT05110196): an "if" after "included" or "eligible" states the subgroup's own limit, not who the subgroup
# is, so the measure after it is read (fixed-width look-behinds, so linear).
NOT_AFTER_PERMISSION = (
    r"(?<!included )(?<!eligible )(?<!enrolled )(?<!enrolled only )(?<!included only )(?<!eligible only )"
)
# A measure or value introduced this way is a condition on a subgroup, not the criterion's threshold.
CONDITIONAL_BEFORE = re.compile(
    # singular too: "for participant with creatinine levels >1.5 x ULN" (a sponsor's standard wording)
    r"(?:\b(?:for|in)\s+(?:(?:a|an|the)\s+)?(?:patients?|subjects?|participants?|individuals?|those|women|men|"
    r"children)\b(?:\s+with)?|"
    # "ECOG 0-3 (patients with PS 2-3 only if ...)" (NCT07247227): a bracket after a value names a subgroup
    r"\(\s*+(?:patients|subjects|participants|individuals|those)\s+(?:with|having)\b|"
    + NOT_AFTER_PERMISSION
    # "only when creatinine > 1.5 x ULN, creatinine clearance needs to be confirmed" (NCT04870190); a bare
    # "when" may state the criterion itself ("When the QTcF interval exceeds 500 msec", NCT05381194); right
    # after a value it names the value's subgroup ("direct bilirubin <1.5 x ULN when total bilirubin is above
    # ULN", NCT05705167)
    + r"\bif\b|(?:\d|\bULN)\s++when\b|\bonly\s++when\b|\bunless\b|\bexcept\b|(?<!corrected )(?<!adjusted )\bfor\b(?!\s++which\b))\s*[^.;]{0,12}$",
    re.IGNORECASE,
)
AGE_BETWEEN = re.compile(
    rf"between (?:the )?ages? of\s*(?P<num>{NUMBER})\s*(?:years?\s*)?and\s*(?P<num2>{NUMBER})", re.I
)

# "over age 18", "older than the age of 16": the comparator comes before the word age.
AGE_COMPARATOR_FIRST = re.compile(
    rf"(?P<comp>{COMPARATOR})\s++(?:the\s++)?age\s++(?:of\s++)?(?P<num>{NUMBER})(?!\s*+(?:-|–|to)\s*+\d)"
    r"(?:\s*+(?P<unit>years?|yrs?|months?))?",
    re.I,
)
AGE_CONTEXT = re.compile(
    r"(?<!childbearing )(?<!reproductive )(?<!bearing )"
    # a gestational, corrected, postmenstrual, bone or mental age is not the patient's age in years since birth
    r"(?<!gestational )(?<!corrected )(?<!postmenstrual )(?<!post-menstrual )(?<!postconceptional )"
    r"(?<!post-conceptional )(?<!bone )(?<!skeletal )(?<!mental )(?<!developmental )"
    # "age-adjusted Charlson index >= 3", "age-related": a word built on age, not the patient's age
    r"\bage[ds]?\b(?![-‐](?:adjusted|related|appropriate|specific|matched|standardi[sz]ed|dependent|based|"
    r"corrected|sex))|\bages\b",
    re.IGNORECASE,
)
_YEARS = r"(?:years?|yrs?|months?)"
# A newborn's or infant's age: "> 48 hours of age", "at least 28 days old" (NCT00734539). Only with "of age"
# or "old" (age_facts.py): "7 days or more" alone is a duration.
AGE_SHORT_UNITS = re.compile(r"(?:weeks?|days?|hours?)", re.IGNORECASE)
# "18 years of age or older", "at least 18 years old", "18 years and older": the number comes before.
AGE_BEFORE = re.compile(
    rf"(?:(?P<comp>{COMPARATOR})\s*+)?(?P<num>{NUMBER})\s*(?P<unit>{_YEARS}|{AGE_SHORT_UNITS.pattern})"
    r"[\s-]*(?P<of>of\s+age|old)?"
    rf"(?P<post>\s*,?\s*{POST_COMPARATOR})?",
    re.IGNORECASE,
)
# The first of two limits joined by "and" before the age words that name both: "≥ 30 years and ≤ 80 years of
# age" (NCT05695378); matched on the few characters before the second limit, so linear.
AGE_FIRST_OF_TWO = re.compile(
    rf"(?P<comp>{COMPARATOR})\s*+(?P<num>{NUMBER})\s*+(?P<unit>{_YEARS})\s++and\s++$", re.IGNORECASE
)
# "between 18 and 65 years of age", "18-75 years old".
AGE_RANGE = re.compile(
    # "(5-24-years-old)": a hyphen may join the second number to its unit
    # "30-60 years age" (NCT02120703): "of" left out before "age"
    rf"(?P<num>{NUMBER})\s*(?:years?\s*)?(?:-|–|to|and)\s*(?P<num2>{NUMBER})[\s-]*(?P<unit>{_YEARS})[\s-]*"
    r"(?:(?:of\s+)?age\b|old)",
    re.IGNORECASE,
)
# "Age 4 to <8 years", "children 2 to less than 18 years of age": from the first number, below the second.
# Read where an age word comes just before it or "of age"/"old" after it (age_facts.py).
AGE_TO_BELOW = re.compile(
    rf"(?P<num>{NUMBER})\s*+(?:years?\s*+)?(?:-|–|to)\s*+(?P<comp>{COMPARATOR})\s*+(?P<num2>{NUMBER})"
    rf"\s*+(?P<unit>{_YEARS})(?P<of>[\s-]*+(?:of\s+age|old))?",
    re.IGNORECASE,
)
AGE_JUST_BEFORE = re.compile(r"\bage[ds]?\s*+:?\s*+(?:of\s+|from\s+)?$", re.IGNORECASE)
# "18 ≤ age ≤ 75 years", "18 years < age < 65": the lower limit written before the word age, with a symbol.
AGE_REVERSED = re.compile(
    rf"(?P<num>{NUMBER})\s*+(?P<unit>{_YEARS})?\s*+(?:old\s*+)?(?P<comp>≤|<=|=<|⩽|≦|<)\s*+(?:the\s++)?age\b",
    re.IGNORECASE,
)
# "18-65 years, male or female" opening a criterion: an age range with no age word (NCT02310828). Only when
# the criterion starts with it and what follows says whom or nothing ("2-5 years after transplant" does not).
# "Between 18 to 65 years, inclusive" (NCT01841593): the same with "between" before it.
AGE_LEADING = re.compile(
    # "18 years to 65 years (inclusive)" (NCT05388825): the unit written after both ends
    rf"^\s*+(?:between\s++(?=\d))?(?P<num>{NUMBER})\s*+(?:(?i:years?|yrs?)\s++)?"
    rf"(?:-|–|to|(?<=\s)and(?=\s))\s*+(?P<num2>{NUMBER})"
    r"\s*+(?P<unit>years?|yrs?)\b"
    r"(?=\s*+(?:$|[,;.(]|(?:old|of\s+age|inclusive|males?|females?|men|women|both|patients?|subjects?|"
    r"participants?|adults?|children|volunteers?)\b))",
    re.IGNORECASE,
)
# "Age 3 months to 17 years", "aged between 6 months and 17 years": the two ends in different units, which
# no one range can hold - two limits, each as written (age_facts.py reads it after an age word only).
AGE_MIXED_RANGE = re.compile(
    rf"(?:between\s++)?(?P<num>{NUMBER})\s*+(?P<unit1>months?|weeks?|days?)\s*+(?:-|–|to|and)\s*+"
    rf"(?P<num2>{NUMBER})\s*+(?P<unit2>years?|months?)\b",
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

# A status word that names a partner's status: "breastfeeding partner", "pregnant or breastfeeding partners".
# Bounded words, so linear.
_NOT_PARTNER = r"(?!(?:\s++(?:or|and|and/or)\s++[\w-]{1,20})?\s++partners?\b)"
# "the effects of X on the developing human fetus and nursing infant are unknown", "to avoid exposing the
# nursing infant" (NCT05695898): the word says whose infant, it is no status of the patient.
_NOT_INFANT = r"(?!\s++(?i:infants?|babies|baby|newborns?|neonates?|child|children)\b)"

BOOLEAN_KINDS: Sequence[tuple[str, re.Pattern[str]]] = (
    (
        "pregnancy",
        re.compile(
            # "women who would like to become pregnant after the study should seek advice": a wish, not a
            # status ("is or plans on becoming pregnant" still is one)
            r"(?<!during )(?<!like to become )(?<!wish to become )(?<!want to become )"
            # an intention or a willingness to conceive, or whether one could bear a pregnancy, is no status:
            # "intending to become pregnant during this study" (NCT05701644), "Willing to be pregnant",
            # "Inability to tolerate pregnancy and ovulation induction therapy" (NCT05702905)
            r"(?<!intending to become )(?<!intend to become )(?<!intends to become )"
            r"(?<!willing to be )(?<!willing to become )(?<!tolerate )"
            # a past pregnancy ("pre-eclampsia in a previous pregnancy", "pregnancy-induced hypertension")
            # is history, not the status now; "Severe pregnancy complications (such as severe preeclampsia
            # ...)" (NCT05698394) names a complication, not whether the patient is pregnant; "must have their
            # pregnancy dates confirmed by ultrasound" (NCT05703425) a property of the pregnancy, its dating
            r"(?<!previous )(?<!prior )(?<!past )(?<!earlier )(?<!former )"
            # "treatment ... with corticosteroids in current pregnancy" (NCT05693688, an obstetric trial): the
            # pregnancy the patient is in is when something happened, not a status the criterion asks about
            r"(?<!in current )(?<!in the current )(?<!in this )(?<!in the present )(?<!in present )"
            # "pregnancy precautions" / "pregnancy prevention" are a contraception rule (NCT01029262), and so is
            # a method's "pregnancy failure rates" (NCT05701644)
            # "nonpregnant", "non-pregnant": the status, stated as one word
            r"\b(?:non-?)?pregnan(?:t|cy|cies)\b(?! prevention)(?! precautions?\b)(?![- ](?:induced|loss|losses|failure|rates?|complications?|dat(?:es|ing)|outcomes?)\b)"
            # a partner's status is not the patient's: "(including breastfeeding partner)" (NCT05382559)
            rf"{_NOT_PARTNER}"
            r"(?<!prevent pregnancy)(?<!avoid pregnancy)|positive (?:serum |urine |blood )?(?:β-?|beta[- ]?)?h?CG\b"
            # "must have a negative serum or urine HCG test" (NCT04870190): a required test, as "negative
            # pregnancy test" is
            r"|negative (?:(?:serum|urine|blood) (?:or (?:serum|urine|blood) )?)?(?:β-?|beta[- ]?)?h?CG\b",
            re.IGNORECASE,
        ),
    ),
    (
        "breastfeeding",
        re.compile(
            _words(
                r"breast[- ]?feeding",
                r"breast[- ]?feed",
                r"breastfeed(?:ing|s)?",
                r"lactat(?:ing|ion)",
                r"nursing(?! home)(?! care)(?! staff)",
                r"nursing mothers?",
            ).pattern
            + _NOT_PARTNER
            + _NOT_INFANT
        ),
    ),
    # a drug class ("HIV protease inhibitors", "anti HIV drugs") or a vaccine is no infection status
    (
        "hiv",
        _mixed(
            # "AIDS related lymphoma" (NCT05607199) names a lymphoma subtype, not the patient's HIV status
            # "HIV integrase inhibitor", "HIV-1 immunotherapeutic vaccine", "risk of HIV transmission", "activity
            # against HIV-1" (NCT05896748): a drug class, a vaccine, a partner's risk, a drug's activity
            # "The effects of NFV ... have been studied in HIV positive women" (NCT01065844): the population a
            # drug was studied or is used in, not the patient's status; "participation in prior HIV cure studies
            # ... is permitted" (NCT05700630): a kind of study
            r"(?<!activity against )(?<!studied in )(?<!used in )(?<!tested in )(?<!approved in )"
            r"HIV(?!(?:-1)?\s+(?:protease|integrase|drugs?\b|vaccin|immunotherapeutic|"
            r"transmission|cure\b))|AIDS(?![- ]related\s++(?:lymphoma|malignanc|cancer|kaposi))",
            r"human immunodeficiency virus(?!\s+vaccin)|acquired immun(?:e ?|o)deficiency syndrome",
        ),
    ),
    (
        "hepatitis_b",
        _mixed(
            r"HBV(?!\s+vaccin)|HB[sS] ?A[gG]|HBcAb|anti-HBc",
            r"(?<!against )(?:hepatitis (?:type )?B|hep B)(?!\s+vaccin)|"
            r"hepatitis (?:type )?(?:C|A)\s*(?:/|,|or|and)\s*B",
        ),
    ),
    (
        "hepatitis_c",
        _mixed(
            r"HCV",
            # "hepatitis B surface antigen and/or C antibodies" (NCT01841593): the B's test named before the C
            r"hepatitis (?:type )?C|hep C|hepatitis (?:type )?B(?:\s+(?:surface\s+antigen|antigen|virus))?"
            r"\s*(?:/|,|or|and|and/or)\s*C",
        ),
    ),
)


# Issue 16: the hot patterns behind a lookahead of the characters their matches start with
# (text/first_chars.py): the same matches, two to five times faster on criteria text.
AGE_CONTEXT, AGE_RANGE, AGE_SUBJECT = guarded(AGE_CONTEXT), guarded(AGE_RANGE), guarded(AGE_SUBJECT)
AGE_BEFORE, AGE_COMPARATOR_FIRST = guarded(AGE_BEFORE), guarded(AGE_COMPARATOR_FIRST)
BOOLEAN_KINDS = tuple((kind, guarded(pattern)) for kind, pattern in BOOLEAN_KINDS)
