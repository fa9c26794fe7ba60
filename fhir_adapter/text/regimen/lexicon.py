"""Which drugs an arm's dosing text talks about: the arm's drug names, and where a text names them.

Names come from the arm's linked interventions first (with their other names, salt-free forms and acronyms:
"All-trans Retinoic Acid" is also "ATRA"), then the trial's other drug interventions and MeSH terms, then
the common abbreviations of mappings/drug-abbreviation.json ("Bu" for busulfan) of the drugs the record
names itself, or that its intervention names and other names write ("HAG Regimen (HHT Cytarabine G-CSF)").
Text may also name drugs the arm does not link (the seed lists its whole KPD regimen under one intervention):
those are found through a list of known ingredient names and INN stems ("-mab", "-platin", "-taxel", ...).
No name is guessed from a dose's position alone.

A Lexicon never changes: `find` only reads it. A text may name a drug the lexicon did not hold (a known
ingredient, a stem) or write a name better than it did (capitals): `noting` returns a new Lexicon that
shows those drugs as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Literal

from fhir_adapter.sources import Intervention, Mesh
from fhir_adapter.terms import MAPPINGS_PACKAGE
from fhir_adapter.text.regimen.doses import normalize
from fhir_adapter.text.regimen.names import (
    MAX_NAME_CHARS,
    DrugName,
    Token,
    choice_of,
    clean_name,
    drug_key,
    ingredient_lists,
    is_drug_intervention,
    is_stem,
    name_components,
    own_other_names,
    text_tokens,
    tokens_of,
    without_salt,
    without_setting,
)

_DEFINED_ABBREVIATION = re.compile(r"(?<!\s)\s*\(\s*([A-Z][A-Z0-9]{1,6})\s*[),;]")
_WORD_SPLIT = re.compile(r"[\s\-]+")
_PREFIX_STOPLIST = frozenset({"car", "pet", "tki", "cns"})
_STEM_LENGTH = 7  # shorter words are too often not drugs ("domide" stems need a real name before them)
ABBREVIATION_TABLE = "drug-abbreviation.json"
_MAX_ALIAS_WORDS = 4

MentionKind = Literal["name", "prefix", "stem"]
# A formulation written before an ingredient's name makes it another product: "pegylated liposomal
# doxorubicin" (NCT05704621) is not doxorubicin, "nab-paclitaxel" not paclitaxel (doses and toxicities
# differ; an EHR must not record the plain drug). The mention takes those words into its name, so the drug is
# named as written (and gets no ingredient's RxNorm code). Bounded words, anchored at the name: linear.
_PRODUCT_FORM_BEFORE = re.compile(
    r"(?<![\w-])(?:(?:pegylated|peg-?ylated|liposomal|liposome|nanoliposomal|nanoparticle|albumin[- ]bound"
    r"|protein[- ]bound|nab)[ \t]*+[- ]?[ \t]*+){1,3}$",
    re.IGNORECASE,
)
_FORM_REACH = 50


@dataclass(frozen=True)
class Mention:
    """Where a text names a drug; `kind` says how it was recognised: an indexed name, the first letters of
    a linked drug's name written in capitals ("APG" for "APG-2575"), or an INN stem."""

    start: int
    end: int
    key: str
    written: str
    kind: MentionKind = "name"
    full: str = ""  # for an abbreviation the text defines ("Primaquine (PQ)"), the name it stands for


@dataclass(frozen=True)
class IndexedName:
    """One name of a drug as tokens; `upper_only` for an acronym, matched only when written in capitals;
    `spellings`, when given, the only ways it may be written ("Bu" or "BU", not "bu"); `slashed` for a name
    whose words are joined by slashes ("Tegafur/Oteracil/gimeracil", one product's ingredients), matched
    across slashes too, where other names are separate drugs ("Gemcitabine/Cisplatin")."""

    tokens: tuple[str, ...]
    key: str
    upper_only: bool = False
    spellings: tuple[str, ...] = ()
    slashed: bool = False
    full: str = ""


Index = Mapping[str, tuple[IndexedName, ...]]
_EMPTY: Index = MappingProxyType({})


@dataclass(frozen=True)
class Lexicon:
    """The drug names of one arm, indexed by their first token for a single left-to-right scan.

    `index` holds the trial's own names, `shared` the known ingredient names, `prefixes` the first letters
    of linked drugs' one-word names.
    """

    drugs: Mapping[str, DrugName] = field(default_factory=lambda: MappingProxyType({}))
    index: Index = field(default_factory=lambda: _EMPTY)
    prefixes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    shared: Index = field(default_factory=lambda: _EMPTY)

    def find(self, text: str) -> tuple[Mention, ...]:
        """Return the drug mentions in normalized `text`, longest name first, left to right."""
        tokens = text_tokens(text)
        mentions: list[Mention] = []
        i = 0
        while i < len(tokens):
            word = tokens[i].word
            worth = (
                word in self.index
                or word in self.shared
                or word in self.prefixes
                or any(base in self.index for base in _word_bases(word))
            )
            found = self._match(text, tokens, i) if worth or len(word) >= _STEM_LENGTH else None
            if found:
                mentions.append(_with_product_form(text, found[0], mentions[-1].end if mentions else 0))
                i += found[1]
            else:
                i += 1
        return tuple(mentions)

    def noting(self, mentions: Iterable[Mention]) -> Lexicon:
        """Return the lexicon with the drugs `mentions` name shown as written: a drug it did not hold, or
        one it holds in lower case now written with capitals (a linked drug keeps its intervention's name
        unless the mention is a stem)."""
        drugs = dict(self.drugs)
        for mention in mentions:
            if mention.kind == "prefix":
                continue
            known = drugs.get(mention.key)
            recased = known is not None and known.display.islower() and not mention.written.islower()
            if known is None or (recased and (mention.kind == "stem" or not known.linked)):
                # "+ PQ (0.5mg/kg x 7 days)" with "Primaquine (PQ)" defined elsewhere: shown as written, the
                # full name kept as its other name
                aliases = (mention.full,) if mention.full and mention.full != mention.written else ()
                drugs[mention.key] = DrugName(mention.key, mention.written, aliases)
        if drugs == self.drugs:
            return self
        return replace(self, drugs=MappingProxyType(drugs))

    def _match(self, text: str, tokens: tuple[Token, ...], i: int) -> tuple[Mention, int] | None:
        first = tokens[i]
        variants = tuple(n for base in _word_bases(first.word) for n in self.index.get(base, ()) if _long(n))
        for names in (self.index.get(first.word, ()), self.shared.get(first.word, ()), variants):
            for name in names:
                n = len(name.tokens)
                written_tokens = tuple(t.word for t in tokens[i : i + n])
                joints = " -/" if name.slashed else " -"
                if not _same_name(written_tokens, name.tokens) or not _adjacent(text, tokens, i, n, joints):
                    continue
                written = text[first.start : tokens[i + n - 1].end]
                if (name.upper_only and not written.isupper()) or (
                    name.spellings
                    and (written not in name.spellings or _runs_on(text, tokens[i + n - 1].end))
                ):
                    continue
                return Mention(first.start, tokens[i + n - 1].end, name.key, written, full=name.full), n
        return self._other(text, first)

    def _other(self, text: str, token: Token) -> tuple[Mention, int] | None:
        written = text[token.start : token.end]
        prefix_key = self.prefixes.get(token.word)
        if prefix_key and written.isupper() and not text.startswith("-", token.end):
            return Mention(token.start, token.end, prefix_key, written, "prefix"), 1
        if len(token.word) >= _STEM_LENGTH and is_stem(token.word):
            return Mention(token.start, token.end, token.word, written, "stem"), 1
        return None


def _with_product_form(text: str, mention: Mention, floor: int) -> Mention:
    """Return the mention with the formulation words written right before it ("pegylated liposomal
    doxorubicin"): another product than the ingredient, named as written; else the mention as found."""
    form = _PRODUCT_FORM_BEFORE.search(text, max(floor, mention.start - _FORM_REACH), mention.start)
    if form is None or mention.kind == "prefix":  # a prefix is a linked drug's own code, never a form
        return mention
    written = text[form.start() : mention.end]
    return Mention(form.start(), mention.end, drug_key(written), written, mention.kind)


# "Branched Chain Amino Acids" for the intervention "Branch Chain Amino Acid" (NCT05700695): a name of
# three words or more, each word perhaps written with "s" or "ed", is still that name (a shorter name is
# matched as written: "Flu" is no "Fluids").
_LONG_NAME_WORDS = 3
_WORD_ENDINGS = ("s", "ed")


def _long(name: IndexedName) -> bool:
    return len(name.tokens) >= _LONG_NAME_WORDS and not name.upper_only and not name.spellings


def _word_bases(word: str) -> tuple[str, ...]:
    """Return `word` without an ending "s" or "ed" (at least three letters left)."""
    return tuple(word[: -len(e)] for e in _WORD_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3)


def _same_name(written: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """Return True when `written` is the name, its last word perhaps plural: "Mitoxantrone liposomes" is
    "mitoxantrone liposome" (NCT05739630), not plain mitoxantrone. Only names of two words or more: a
    one-word name is matched as written."""
    if written == name:
        return True
    if len(name) >= _LONG_NAME_WORDS and len(written) == len(name):
        return all(w == n or n in _word_bases(w) for w, n in zip(written, name, strict=True))
    plural = name[-1].isalpha() and written[-1] == name[-1] + "s"
    return len(name) > 1 and plural and written[:-1] == name[:-1]


def _runs_on(text: str, end: int) -> bool:
    """Return True when a word goes on past `end` with a hyphen: "Flu-like" is no "Flu" (fludarabine)."""
    return text.startswith("-", end) and end + 1 < len(text) and text[end + 1].isalpha()


def _adjacent(text: str, tokens: tuple[Token, ...], i: int, n: int, joints: str = " -") -> bool:
    """Return True when tokens i..i+n are written together: `joints` between them, at most two."""
    return all(
        tokens[j + 1].start - tokens[j].end <= 2
        and not text[tokens[j].end : tokens[j + 1].start].strip(joints)
        for j in range(i, i + n - 1)
    )


def names_lexicon(names: Iterable[str]) -> Lexicon:
    """Return a lexicon that knows each of `names` as a drug of its own (for examples and tests).

    >>> [m.written for m in names_lexicon(["APG-2575"]).find("APG 2575 20 mg; apg-2575")]
    ['APG 2575', 'apg-2575']
    """
    builder = _Builder()
    for name in names:
        builder.add(DrugName(drug_key(name), name), [name])
    return builder.lexicon(_EMPTY)


@lru_cache(maxsize=32)
def arm_lexicon(
    interventions: tuple[Intervention, ...],
    meshes: tuple[Mesh, ...],
    linked: tuple[Intervention, ...],
    known_drugs: frozenset[str],
    texts: tuple[str, ...],
) -> Lexicon:
    """Return the drug names of an arm whose linked drug interventions are `linked`: those first, then the
    trial's other drug interventions and MeSH terms, and the abbreviations the trial's normalized `texts`
    define. The same for every arm of a trial that links the same drugs."""
    return _with_abbreviations(_lexicon(interventions, meshes, linked, known_drugs), texts)


def _with_abbreviations(lexicon: Lexicon, texts: tuple[str, ...]) -> Lexicon:
    """Return `lexicon` that also knows the abbreviations the trial defines: "Remdesivir (RDV)" in an arm
    label (NCT04431453) makes "RDV 100 mg" in the arm's text a remdesivir dose, not an unknown drug's."""
    added: dict[str, tuple[IndexedName, ...]] = {}
    for text in texts:
        for mention in lexicon.find(text):
            match = _DEFINED_ABBREVIATION.match(text, mention.end)
            abbreviation = match.group(1).lower() if match else None
            if abbreviation and abbreviation not in lexicon.index and drug_key(abbreviation) != mention.key:
                indexed = IndexedName((abbreviation,), mention.key, upper_only=True, full=mention.written)
                added.setdefault(abbreviation, (indexed,))
    if not added:
        return lexicon
    return replace(lexicon, index=MappingProxyType({**lexicon.index, **added}))


@dataclass
class _Builder:
    """A lexicon being built; a name already taken keeps its first drug."""

    drugs: dict[str, DrugName] = field(default_factory=dict)
    index: dict[str, list[IndexedName]] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)

    def add(self, drug: DrugName, names: Iterable[str], *, acronyms: bool = False) -> None:
        """Add `drug` under each of `names`; with `acronyms`, also its initials and first letters."""
        added = False
        for name in names:
            name_tokens = tokens_of(name)
            if name_tokens:
                indexed = IndexedName(name_tokens, drug.key, slashed=len(name_tokens) > 1 and "/" in name)
                added = _insert(self.index, indexed) or added
            if acronyms:
                self._add_short_forms(name, drug.key)
        if added and drug.key not in self.drugs:
            self.drugs[drug.key] = drug

    def _add_short_forms(self, name: str, key: str) -> None:
        words = [w for w in _WORD_SPLIT.split(name) if w and w[0].isalpha()]
        if len(words) >= 3:
            initials = "".join(w[0] for w in words).lower()
            _insert(self.index, IndexedName((initials,), key, upper_only=True))
        if len(words) == 1 and len(words[0]) >= _STEM_LENGTH and words[0].isalpha():
            for size in (3, 4, 5):
                prefix = words[0][:size].lower()
                if prefix not in _PREFIX_STOPLIST:
                    self.prefixes.setdefault(prefix, key)

    def lexicon(self, shared: Index) -> Lexicon:
        return Lexicon(
            MappingProxyType(dict(self.drugs)),
            _frozen(self.index),
            MappingProxyType(dict(self.prefixes)),
            shared,
        )


def _insert(index: dict[str, list[IndexedName]], name: IndexedName) -> bool:
    entries = index.setdefault(name.tokens[0], [])
    if any(existing.tokens == name.tokens for existing in entries):
        return False
    entries.append(name)
    return True


def _frozen(index: dict[str, list[IndexedName]]) -> Index:
    """Return the index with each token's names longest first (first added first among equals)."""
    return MappingProxyType(
        {word: tuple(sorted(names, key=lambda n: -len(n.tokens))) for word, names in index.items()}
    )


@lru_cache(maxsize=32)
def _lexicon(
    interventions: tuple[Intervention, ...],
    meshes: tuple[Mesh, ...],
    linked: tuple[Intervention, ...],
    known_drugs: frozenset[str],
) -> Lexicon:
    builder = _Builder()
    for intervention in linked:
        _add_intervention(builder, interventions, intervention, known_drugs, linked=True)
    for intervention in interventions:
        if is_drug_intervention(intervention):
            _add_intervention(builder, interventions, intervention, known_drugs, linked=False)
    for mesh in meshes:
        term = clean_name(mesh.term)
        if term:
            builder.add(DrugName(drug_key(term), term), [term])
    _add_abbreviations(builder, interventions, builtin_abbreviations())
    return builder.lexicon(_known_index(known_drugs))


@cache
def builtin_abbreviations() -> tuple[tuple[str, str], ...]:
    """Return the rows of mappings/drug-abbreviation.json: (abbreviation as spelled, ingredient name)."""
    table = resources.files(MAPPINGS_PACKAGE).joinpath(ABBREVIATION_TABLE)
    document = json.loads(table.read_text(encoding="utf-8"))
    return tuple(
        (element["code"], target["code"])
        for group in document["group"]
        for element in group["element"]
        for target in element.get("target", [])
        if target.get("code")
    )


def _add_abbreviations(
    builder: _Builder, interventions: tuple[Intervention, ...], rows: tuple[tuple[str, str], ...]
) -> None:
    """Add the abbreviations of the drugs the record names: "Bu 3.2mg/kg" is busulfan's dose in a record
    whose MeSH terms name busulfan (NCT05739630). An abbreviation the record writes only in an intervention
    name or other name ("HAG Regimen (HHT Cytarabine G-CSF)", NCT03873311) brings its drug's full name too:
    "Homoharringtonine(HHT) 1mg/(m2.d)". An abbreviation neither way is no drug: never guessed."""
    written = _written_abbreviations(interventions, rows)
    for code, name in rows:
        key = drug_key(name)
        own = _own_name(builder, tokens_of(code))
        if own is not None and own != key:
            # The record's own drug is called by the abbreviation ("ATG", NCT05739630): its full name,
            # "anti-thymocyte globulin", is that drug, not another one.
            _insert(builder.index, IndexedName(tokens_of(name), own))
            continue
        if key not in builder.drugs and code in written:
            builder.add(DrugName(key, code, (name,)), [name])
        if key in builder.drugs:
            _insert(builder.index, IndexedName(tokens_of(code), key, spellings=_spellings(code)))


def _own_name(builder: _Builder, tokens: tuple[str, ...]) -> str | None:
    """Return the key of the drug the record's own names already call `tokens`, if any."""
    return next((n.key for n in builder.index.get(tokens[0], ()) if n.tokens == tokens), None)


def _written_abbreviations(
    interventions: tuple[Intervention, ...], rows: tuple[tuple[str, str], ...]
) -> set[str]:
    """Return the abbreviations of `rows` written in the interventions' names and other names."""
    index: dict[str, list[IndexedName]] = {}
    for code, _ in rows:
        _insert(index, IndexedName(tokens_of(code), code, spellings=_spellings(code)))
    finder = Lexicon(index=_frozen(index))
    names = (n for i in interventions for n in (i.name, *i.other_names))
    found = (m for name in names for m in finder.find(normalize(name[:MAX_NAME_CHARS])))
    return {m.key for m in found if m.kind == "name"}


def _spellings(code: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((code, code.upper())))


def _add_intervention(
    builder: _Builder,
    interventions: tuple[Intervention, ...],
    intervention: Intervention,
    known_drugs: frozenset[str],
    *,
    linked: bool,
) -> None:
    # An other name that names two known ingredients or more ("MECCNU,Hu,Cytarabine,busulfan,..." for "ATG",
    # NCT05739630; "cytarabine and daunorubicin liposome, CPX-351" for "Vyxeos", NCT03826992) lists the rest
    # of the regimen or the product's ingredients, not the intervention's names: none of them is an alias.
    record_names = tuple(i.name for i in interventions)
    own = own_other_names(intervention.name, intervention.other_names, record_names)
    # An other name with a part of prose ("Supportive management of ARDS (e.g., protective ventilation
    # strategy, prone positioning and/or VV-ECMO, etc.) based on ... guidelines", NCT05697016) describes care
    # given beside the drug: none of its parts is the drug's name.
    listed = [name_components(n) for n in own]
    others = [
        c
        for components in listed
        if sum(_names_known(c, known_drugs) for c in components) < 2
        and all(len(tokens_of(c)) <= _MAX_ALIAS_WORDS for c in components)
        for c in components
    ]
    components = name_components(intervention.name)
    index = interventions.index(intervention)
    for component in components:
        key = drug_key(component)
        if key in builder.drugs:
            continue
        extra = [*others, *ingredient_lists(intervention.name)] if len(components) == 1 else []
        names = [component, *extra, *(s for n in [component, *extra] if (s := without_salt(n)) is not None)]
        names += _setting_free(component, interventions)
        if len(components) == 1 and intervention.name != component:
            names.append(intervention.name)
        aliases = tuple(dict.fromkeys(n for n in names if n != component))
        choice = choice_of(intervention.name)
        drug = DrugName(key, component, aliases, index, intervention.type, linked, choice)
        builder.add(drug, names, acronyms=linked)


def _setting_free(component: str, interventions: tuple[Intervention, ...]) -> list[str]:
    """Return the drug a name with a timing or route word names ("Postoperative methadone": "methadone"),
    when no other intervention of the record names it too: "Oral capsaicin" and "Intranasal capsaicin"
    (NCT03511846) are two products, and "capsaicin" alone in a text is neither for sure."""
    drug = without_setting(component)
    if drug is None:
        return []
    named = [c for i in interventions for c in name_components(i.name) if c != component]
    key = drug_key(drug)
    if any(drug_key(c) == key or drug_key(without_setting(c) or "") == key for c in named):
        return []
    return [drug]


def _names_known(name: str, known_drugs: frozenset[str]) -> bool:
    """Return True when `name` is a known ingredient, or one in a form ("daunorubicin liposome")."""
    words = name.lower().split()
    return bool(words) and (name.lower() in known_drugs or words[0] in known_drugs)


@cache
def _known_index(known_drugs: frozenset[str]) -> Index:
    index: dict[str, list[IndexedName]] = {}
    for name in sorted(known_drugs):
        if tokens_of(name):
            _insert(index, IndexedName(tokens_of(name), drug_key(name)))
    return _frozen(index)
