"""Which drugs an arm's dosing text talks about: names from the linked interventions, then mentions in text.

An arm's drugs are the components of its linked Drug/Biological interventions ("Paclitaxel + Carboplatin/
cisplatin for squamous cell carcinoma" is three drugs), with their other names, salt-free forms and
acronyms ("All-trans Retinoic Acid" is also "ATRA"). Text may also name drugs the arm does not link (the seed
lists its whole KPD regimen under one intervention): those are found through the trial's MeSH terms, a list
of known ingredient names, and INN stems ("-mab", "-platin", "-taxel", ...). No name is guessed from a
dose's position alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from fhir_adapter.sources import Arm, Intervention, Mesh, TrialRecord
from fhir_adapter.text.dosing import normalize

DRUG_TYPES = frozenset({"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "DIETARY_SUPPLEMENT"})
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_SPLIT = re.compile(
    r"\s*(?:/|\+|,|;|&|\bplus\b|\band\b|\bor\b|\bwith(?:\s+or\s+without)?\b|\bin\s+combination\s+with\b"
    r"|\bcombined\s+with\b|\bfollowed\s+by\b|\bthen\b|\bversus\b|\bvs\b\.?)\s*",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(
    r"^(?:the\s+)?(?:(?:reduced|standard|high|low|full|fixed|escalating|optimal)[- ]dose\s+)?", re.IGNORECASE
)
_TRAILER = re.compile(
    r"\s+(?:(?:once|twice)\s+(?:daily|weekly)(?:\s+dosing)?|dosing|dose|tablets?|capsules?|injection|infusion"
    r"|for\s+injection|oral\s+solution|\d+(?:[.,]\d+)?\s*(?:mg|g|mcg|ug|%)\b.*|as\s+determined\b.*"
    r"|for\s+\w.*|in\s+phase\b.*|\(.*\))$",
    re.IGNORECASE,
)
# "DHAP + 0.25 mg/kg primaquine administered to G6PD deficient" (NCT02654730): a dose or the people a drug is
# given to, inside a name, are not part of the drug's name; removed before "/" and "+" split the name.
_DOSE_IN_NAME = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?\s*(?:mg|g|mcg|ug|iu|units?)(?:\s*/\s*(?:kg|m2|m\^2|day|d))?(?:\s+of)?\b",
    re.IGNORECASE,
)
_PURPOSE_IN_NAME = re.compile(r"\s+(?:administered|given)\s+(?:to|in|as)\b.*$", re.IGNORECASE)
_DEFINED_ABBREVIATION = re.compile(r"\s*\(\s*([A-Z][A-Z0-9]{1,6})\s*[),;]")
_REGIMEN_NAME = re.compile(r"\bregimens?$", re.IGNORECASE)
_SALT = re.compile(
    r"\s+(?:hydrochloride|hcl|disodium|sodium|mesylate|maleate|citrate|tosylate|sulfate|phosphate|acetate|"
    r"malate|besylate|fumarate|dihydrochloride)$",
    re.IGNORECASE,
)
_GENERIC_WORDS = frozenset(
    {
        *("once", "twice", "daily", "weekly", "dosing", "dose", "doses", "regimen", "chemotherapy"),
        *("treatment", "study", "placebo", "standard", "of", "care", "the", "best", "supportive", "therapy"),
        *("drug", "drugs", "platinum", "observation", "control", "agent", "agents", "matching"),
        *("investigational", "product", "medication", "medications"),
    }
)
_STEM = re.compile(
    r"[a-z]{4,}(?:mab|nib|mib|lisib|parib|ciclib|clax|domide|phamide|famide|lutamide|zolomide|platin|taxel|"
    r"rubicin|mycin|abine|citidine|mustine|sulfan|tecan|trexed|trexate|relbine|blastine|cristine|flunine|"
    r"poside|methasone|nisone|nisolone|retinoin|inostat|leucel|leukin|trozole|estrant|uracil)"
)
_OR = re.compile(r"\bor\b", re.IGNORECASE)
_WITH_OR_WITHOUT = re.compile(r"\bwith\s+or\s+without\b.*", re.IGNORECASE)
_WORD_SPLIT = re.compile(r"[\s\-]+")
_PREFIX_STOPLIST = frozenset({"car", "pet", "tki", "cns"})
_INACTIVE = ("placebo", "vehicle", "sham", "saline control")


@dataclass(frozen=True)
class DrugName:
    """One drug of an arm: its key, the name shown, every other name, and the intervention it belongs to."""

    key: str
    display: str
    aliases: tuple[str, ...] = ()
    intervention: int | None = None
    intervention_type: str | None = None
    linked: bool = False
    choice: str | None = None


@dataclass(frozen=True)
class Mention:
    """Where a text names a drug."""

    start: int
    end: int
    key: str
    written: str


@dataclass
class Lexicon:
    """The drug names of one arm, indexed by their first token for a single left-to-right scan."""

    drugs: dict[str, DrugName] = field(default_factory=dict)
    index: dict[str, list[tuple[tuple[str, ...], str, bool]]] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)
    shared: dict[str, list[tuple[tuple[str, ...], str, bool]]] = field(default_factory=dict)

    def find(self, text: str) -> list[Mention]:
        """Return the drug mentions in normalized `text`, longest name first, left to right."""
        tokens = text_tokens(text)
        mentions: list[Mention] = []
        i = 0
        while i < len(tokens):
            word = tokens[i][0]
            worth = word in self.index or word in self.shared or word in self.prefixes or len(word) >= 7
            found = self._match(text, tokens, i) if worth else None
            if found:
                mentions.append(found[0])
                i += found[1]
            else:
                i += 1
        return mentions

    def _match(
        self, text: str, tokens: tuple[tuple[str, int, int], ...], i: int
    ) -> tuple[Mention, int] | None:
        word, start, end = tokens[i]
        for names in (self.index.get(word, ()), self.shared.get(word, ())):
            for name_tokens, key, upper_only in names:
                n = len(name_tokens)
                if tuple(t[0] for t in tokens[i : i + n]) != name_tokens or not _adjacent(text, tokens, i, n):
                    continue
                written = text[start : tokens[i + n - 1][2]]
                if upper_only and not written.isupper():
                    continue
                known = self.drugs.get(key)
                if known is None or (known.display.islower() and not written.islower() and not known.linked):
                    self.drugs[key] = DrugName(key, written)  # a known ingredient, shown as written
                return Mention(start, tokens[i + n - 1][2], key, written), n
        return self._other(text, word, start, end)

    def _other(self, text: str, word: str, start: int, end: int) -> tuple[Mention, int] | None:
        written = text[start:end]
        prefix_key = self.prefixes.get(word)
        if prefix_key and written.isupper() and not text.startswith("-", end):
            return Mention(start, end, prefix_key, written), 1
        if len(word) >= 7 and _is_stem(word):
            known = self.drugs.get(word)
            if known is None or (known.display.islower() and not written.islower()):
                self.drugs[word] = DrugName(word, written)  # shown as written, capitals preferred
            return Mention(start, end, word, written), 1
        return None

    def add(self, drug: DrugName, names: Iterable[str], *, acronyms: bool = False) -> None:
        """Add `drug` under each of `names`; a name already taken keeps its first drug."""
        added = False
        for name in names:
            name_tokens = tokens_of(name)
            if name_tokens:
                added = _insert(self.index, name_tokens, drug.key, upper_only=False) or added
            if acronyms:
                self._add_short_forms(name, drug.key)
        if added and drug.key not in self.drugs:
            self.drugs[drug.key] = drug

    def _add_short_forms(self, name: str, key: str) -> None:
        words = [w for w in _WORD_SPLIT.split(name) if w and w[0].isalpha()]
        if len(words) >= 3:
            _insert(self.index, (("".join(w[0] for w in words)).lower(),), key, upper_only=True)
        if len(words) == 1 and len(words[0]) >= 7 and words[0].isalpha():
            for size in (3, 4, 5):
                prefix = words[0][:size].lower()
                if prefix not in _PREFIX_STOPLIST:
                    self.prefixes.setdefault(prefix, key)


@lru_cache(maxsize=64)
def text_tokens(text: str) -> tuple[tuple[str, int, int], ...]:
    """Return (lower-case token, start, end) for each word and number of `text` (cached per text)."""
    low = text.lower()
    return tuple((low[start:end], start, end) for start, end in (m.span() for m in _TOKEN.finditer(low)))


@lru_cache(maxsize=8192)
def _is_stem(word: str) -> bool:
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


@lru_cache(maxsize=2048)
def name_components(name: str) -> tuple[str, ...]:
    """Return the drug names inside an intervention name, qualifiers and dosing words removed.

    >>> name_components("Paclitaxel + Carboplatin/cisplatin for squamous cell carcinoma")
    ('Paclitaxel', 'Carboplatin', 'cisplatin')
    >>> name_components("All-trans Retinoic Acid in combination with the KPD Regimen")
    ('All-trans Retinoic Acid',)
    >>> name_components("Poziotinib Once Daily Dosing or Twice Daily Dosing as determined in Phase 1")
    ('Poziotinib',)
    >>> name_components("Reduced-dose HHT")
    ('HHT',)
    >>> name_components("QL1706 plus bevacizumab with or without chemotherapy")
    ('QL1706', 'bevacizumab')
    >>> name_components("DHA-piperaquine + 0.25 mg/kg primaquine administered to G6PD normal")
    ('DHA-piperaquine', 'primaquine')
    """
    components: list[str] = []
    for part in _SPLIT.split(_DOSE_IN_NAME.sub(" ", _PURPOSE_IN_NAME.sub("", normalize(name)))):
        cleaned = _clean(part)
        if cleaned and cleaned.lower() not in (c.lower() for c in components):
            components.append(cleaned)
    return tuple(components)


@lru_cache(maxsize=4096)
def _clean(part: str) -> str | None:
    text = _QUALIFIER.sub("", part.strip())
    while True:
        shorter = _TRAILER.sub("", text)
        if shorter == text:
            break
        text = shorter
    if _REGIMEN_NAME.search(text):
        return None
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


def arm_lexicon(trial: TrialRecord, linked: tuple[Intervention, ...], known_drugs: frozenset[str]) -> Lexicon:
    """Return the drug names of an arm whose linked drug interventions are `linked`: those first, then the
    trial's other interventions and MeSH terms. Built once per trial and arm shape: every arm of a trial
    shares the names, and a parse only adds the stems it meets, to its own copy."""
    base = _abbreviated_lexicon(
        trial.interventions, trial.intervention_meshes, linked, known_drugs, _trial_texts(trial)
    )
    return Lexicon(dict(base.drugs), base.index, base.prefixes, base.shared)


@lru_cache(maxsize=32)
def _abbreviated_lexicon(
    interventions: tuple[Intervention, ...],
    meshes: tuple[Mesh, ...],
    linked: tuple[Intervention, ...],
    known_drugs: frozenset[str],
    texts: tuple[str, ...],
) -> Lexicon:
    return _with_abbreviations(_lexicon(interventions, meshes, linked, known_drugs), texts)


def _trial_texts(trial: TrialRecord) -> tuple[str, ...]:
    arm_texts = (t for arm in trial.arms for t in (arm.label, arm.description))
    intervention_texts = (i.description for i in trial.interventions)
    return tuple(normalize(t) for t in (*arm_texts, *intervention_texts) if t)


def _with_abbreviations(lexicon: Lexicon, texts: tuple[str, ...]) -> Lexicon:
    """Return `lexicon` that also knows the abbreviations the trial defines: "Remdesivir (RDV)" in an arm
    label (NCT04431453) makes "RDV 100 mg" in the arm's text a remdesivir dose, not an unknown drug's."""
    added: dict[str, list[tuple[tuple[str, ...], str, bool]]] = {}
    # `find` records the names it meets in `drugs`; scan a copy, so the cached lexicon every arm starts
    # from keeps only the trial's own names, whatever text was scanned first.
    probe = Lexicon(dict(lexicon.drugs), lexicon.index, lexicon.prefixes, lexicon.shared)
    for text in texts:
        for mention in probe.find(text):
            match = _DEFINED_ABBREVIATION.match(text, mention.end)
            abbreviation = match.group(1).lower() if match else None
            if abbreviation and abbreviation not in lexicon.index and drug_key(abbreviation) != mention.key:
                added.setdefault(abbreviation, [((abbreviation,), mention.key, True)])
    if not added:
        return lexicon
    return Lexicon(lexicon.drugs, {**lexicon.index, **added}, lexicon.prefixes, lexicon.shared)


@lru_cache(maxsize=32)
def _lexicon(
    interventions: tuple[Intervention, ...],
    meshes: tuple[Mesh, ...],
    linked: tuple[Intervention, ...],
    known_drugs: frozenset[str],
) -> Lexicon:
    lexicon = Lexicon(shared=_known_index(known_drugs))
    for intervention in linked:
        _add_intervention(lexicon, interventions, intervention, linked=True)
    for intervention in interventions:
        if is_drug_intervention(intervention):
            _add_intervention(lexicon, interventions, intervention, linked=False)
    for mesh in meshes:
        term = _clean(mesh.term)
        if term:
            lexicon.add(DrugName(drug_key(term), term), [term])
    return lexicon


def is_drug_intervention(intervention: Intervention) -> bool:
    """Return True for an intervention that is a drug given at a dose (not a placebo, not a procedure)."""
    name = intervention.name.lower()
    return intervention.type in DRUG_TYPES and not any(word in name for word in _INACTIVE)


def _add_intervention(
    lexicon: Lexicon, interventions: tuple[Intervention, ...], intervention: Intervention, *, linked: bool
) -> None:
    others = [c for n in intervention.other_names for c in name_components(n) if len(tokens_of(c)) <= 4]
    components = name_components(intervention.name)
    index = interventions.index(intervention)
    for component in components:
        key = drug_key(component)
        if key in lexicon.drugs:
            continue
        extra = others if len(components) == 1 else []
        names = [component, *extra, *(_SALT.sub("", n) for n in [component, *extra] if _SALT.search(n))]
        if len(components) == 1 and intervention.name != component:
            names.append(intervention.name)
        aliases = tuple(dict.fromkeys(n for n in names if n != component))
        drug = DrugName(key, component, aliases, index, intervention.type, linked, _choice(intervention.name))
        lexicon.add(drug, names, acronyms=linked)


def _choice(name: str) -> str | None:
    """Return the intervention name when it names drugs as alternatives ("Tislelizumab, atezolizumab or
    sugemalimab", NCT06097962): one of them is given, not all.

    >>> _choice("Tislelizumab，atezolizumab or sugemalimab"), _choice("QL1706 plus X with or without Y")
    ('Tislelizumab，atezolizumab or sugemalimab', None)
    """
    plain = _WITH_OR_WITHOUT.sub(" ", name)
    return name if len(name_components(name)) > 1 and _OR.search(plain) else None


@cache
def _known_index(known_drugs: frozenset[str]) -> dict[str, list[tuple[tuple[str, ...], str, bool]]]:
    index: dict[str, list[tuple[tuple[str, ...], str, bool]]] = {}
    for name in sorted(known_drugs):
        if tokens_of(name):
            _insert(index, tokens_of(name), drug_key(name), upper_only=False)
    return index


def _insert(
    index: dict[str, list[tuple[tuple[str, ...], str, bool]]],
    name: tuple[str, ...],
    key: str,
    *,
    upper_only: bool,
) -> bool:
    entries = index.setdefault(name[0], [])
    if any(existing == name for existing, _, _ in entries):
        return False
    entries.append((name, key, upper_only))
    entries.sort(key=lambda entry: -len(entry[0]))
    return True


def _adjacent(text: str, tokens: tuple[tuple[str, int, int], ...], i: int, n: int) -> bool:
    """Return True when tokens i..i+n are written together: spaces or hyphens between them, at most two."""
    return all(
        tokens[j + 1][1] - tokens[j][2] <= 2 and not text[tokens[j][2] : tokens[j + 1][1]].strip(" -")
        for j in range(i, i + n - 1)
    )
