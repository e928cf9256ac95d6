"""Word lists under ``data/vocabulary``: what people write, mapped to the codes of screening.md.

Matching is on whole words of a normalised text (case folded, punctuation dropped), so
"Aus Syrien!" and "aus syrien" match the same synonym, in any script. Where two synonyms
overlap, the longer one wins ("arbeitslosengeld 2" beats "arbeitslosengeld").
Pure: loading the files is ``load_vocabulary``'s only I/O.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from intake.paths import DATA_DIR
# ``normalise`` is read from here by the rest of the app.
from nlu_components.words import (CUE_SEPARATOR, STEM_MIN_LENGTH, find_synonyms, find_typos,
                                  normalise, typo_index)

VOCABULARY_DIR = DATA_DIR / "vocabulary"


@dataclass(frozen=True)
class Match:
    code: str
    start: int
    end: int


@dataclass(frozen=True)
class WordList:
    """Synonyms (as word tuples) for each code."""

    name: str
    synonyms: Mapping[tuple[str, ...], str]
    longest: int
    stems: Mapping[str, str] = field(default_factory=dict)
    stem_slack: int = 0
    generic: frozenset[str] = frozenset()

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.synonyms.values())

    def matches(self, text: str) -> list[Match]:
        words = normalise(text).split(" ")
        return [Match(*found) for found in find_synonyms(
            words, self.synonyms, self.longest, self.stems, self.stem_slack)]

    def codes_in(self, text: str) -> list[str]:
        """Codes named in the text, in order of appearance, each once."""
        return list(dict.fromkeys(m.code for m in self.matches(text)))

    def one_code(self, text: str) -> Optional[str]:
        """The one code the text names; a generic code ("a residence permit") gives way to
        a specific one named with it ("residence permit § 25b")."""
        codes = self.codes_in(text)
        if len(codes) > 1:
            codes = [c for c in codes if c not in self.generic]
        return codes[0] if len(codes) == 1 else None


def word_list(
    name: str,
    values: Mapping[str, Iterable[Any]],
    stem_slack: int = 0,
    generic: Iterable[str] = (),
) -> WordList:
    """``stem_slack`` > 0 lets inflected forms of one-word synonyms match (see STEM_MIN_LENGTH);
    only for lists of names, where a shared stem cannot turn a "no" into a "yes"."""
    synonyms: dict[tuple[str, ...], str] = {}
    for code, names in values.items():
        for raw in names:
            if not isinstance(raw, (str, int)) or isinstance(raw, bool):
                # YAML reads a bare yes, no, on or off as true/false: it must be quoted.
                raise ValueError(f"{name}: {code}: '{raw}' must be written in quotes")
            words = tuple(normalise(str(raw)).split(" "))
            if words == ("",):
                continue
            if synonyms.get(words, code) != code:
                raise ValueError(
                    f"{name}: '{raw}' stands for both {synonyms[words]} and {code}"
                )
            synonyms[words] = str(code)
    longest = max((len(w) for w in synonyms), default=1)
    stems: dict[str, Optional[str]] = {}
    for words, code in synonyms.items() if stem_slack else ():
        if len(words) == 1 and len(words[0]) >= STEM_MIN_LENGTH and not words[0].isdigit():
            stem = words[0][:-1]
            stems[stem] = code if stems.get(stem, code) == code else None  # ambiguous: none
    return WordList(
        name,
        synonyms,
        longest,
        {k: v for k, v in stems.items() if v is not None},
        stem_slack,
        frozenset(generic),
    )


@dataclass(frozen=True)
class NumberWords:
    """Number words of every language in ``numbers.yml`` (0–100), as a word list."""

    words: WordList

    def values_in(self, text: str) -> list[int]:
        return [int(m.code) for m in self.words.matches(text)]


def _spellings(item: Any) -> list[str]:
    if item is None:
        return []
    return [str(x) for x in item] if isinstance(item, list) else [str(item)]


def number_words(languages: Mapping[str, Mapping[str, Any]]) -> NumberWords:
    """0–100 in words for every language: units, teens and tens, joined as the language does
    ("siebenundzwanzig", "twenty-seven", "douăzeci și șapte", "بیست و هفت")."""
    values: dict[str, list[str]] = {}

    def add(number: int, spelling: str) -> None:
        values.setdefault(str(number), []).append(spelling)

    for spec in languages.values():
        units = [_spellings(u) for u in spec["units"]]
        joiners = [j for j in _spellings(spec.get("joiner")) if j]
        for digit, names in enumerate(units):
            for name in names:
                add(digit, name)
        for offset, names in enumerate(spec["teens"]):
            for name in _spellings(names):
                add(10 + offset, name)
        for offset, tens in enumerate(spec["tens"]):
            value = 20 + 10 * offset
            for ten in _spellings(tens):
                add(value, ten)
                for digit in range(1, 10):
                    for unit in units[digit]:
                        first, second = (unit, ten) if spec.get("units_first") else (ten, unit)
                        add(value + digit, f"{first} {second}")
                        add(value + digit, f"{first}{second}")
                        for joiner in joiners:
                            add(value + digit, f"{first}{joiner}{second}")
                            add(value + digit, f"{first} {joiner} {second}")
                            add(value + digit, f"{first} {joiner}{second}")
        for name in _spellings(spec.get("hundred")):
            add(100, name)
    # The same spelling in two languages is the same number; keep each once.
    return NumberWords(word_list("numbers", {k: list(dict.fromkeys(v)) for k, v in values.items()}))


@dataclass(frozen=True)
class Vocabulary:
    countries: WordList
    municipalities: WordList
    residence_statuses: WordList
    benefits: WordList
    needs: WordList
    contact_modes: WordList
    languages: WordList
    replies: WordList
    numbers: NumberWords
    since_words: frozenset[str]
    year_words: frozenset[str]
    age_words: frozenset[str]
    age_before_words: frozenset[str]
    no_papers: WordList


@dataclass(frozen=True)
class Cues:
    """Words that signal what a message is about ("thanks", "where", "appointment"), one list
    per language (``data/vocabulary/cues/``): features of the intent model, never read as
    answers, so the action server does not load them."""

    by_language: Mapping[str, WordList]

    @cached_property
    def merged(self) -> WordList:
        """All languages' lists as one, looked up once; a phrase that is a cue in several
        languages has their codes joined by CUE_SEPARATOR."""
        codes: dict[tuple[str, ...], set[str]] = {}
        for cues in self.by_language.values():
            for words, code in cues.synonyms.items():
                codes.setdefault(words, set()).add(code)
        synonyms = {words: CUE_SEPARATOR.join(sorted(found)) for words, found in codes.items()}
        return WordList("cues", synonyms, max((len(words) for words in synonyms), default=1))

    @cached_property
    def _typo_index(self) -> dict[str, str]:
        return typo_index(self.merged.synonyms, CUE_SEPARATOR)

    def codes(self, text: str) -> set[str]:
        """The cues a text names, in any language."""
        return {code for codes in self.merged.codes_in(text) for code in codes.split(CUE_SEPARATOR)}

    def typos(self, text: str) -> set[str]:
        """The cues a text's words name with a letter wrong (``words.find_typos``)."""
        return find_typos(normalise(text).split(" "), self.merged.synonyms, self._typo_index,
                          CUE_SEPARATOR)


# libyaml's loader where PyYAML has it: the same documents, read about 7 times faster (the cue
# lists are 90,000 phrases).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_SAFE_LOADER)


WORD_LISTS = (
    "municipalities", "residence_statuses", "benefits", "needs", "contact_modes", "languages",
    "replies",
)
MARKERS = ("since", "years", "age", "age_before")


def load_vocabulary(directory: Path = VOCABULARY_DIR) -> Vocabulary:
    """The word lists of ``data/vocabulary/*.yml`` merged with each language's own file,
    ``data/vocabulary/languages/<language>.yml`` (same sections, that language's words)."""
    lists: dict[str, dict[str, list[Any]]] = {}
    generic: dict[str, list[str]] = {}
    for name in ("countries", *WORD_LISTS):
        raw_list = read_yaml(directory / f"{name}.yml")
        lists[name] = {code: list(words) for code, words in raw_list["values"].items()}
        generic[name] = list(raw_list.get("generic") or [])
    numbers = read_yaml(directory / "numbers.yml")
    number_specs = dict(numbers["languages"])
    markers = {name: list(numbers.get(name) or []) for name in MARKERS}
    no_papers = list(read_yaml(directory / "no_papers.yml")["values"])

    for path in sorted((directory / "languages").glob("*.yml")):
        raw = read_yaml(path) or {}
        for name in WORD_LISTS:
            for code, words in (raw.get(name) or {}).items():
                lists[name].setdefault(str(code), []).extend(words or [])
        if raw.get("numbers"):
            number_specs[path.stem] = raw["numbers"]
        for name in MARKERS:
            markers[name] += raw.get(name) or []
        no_papers += raw.get("no_papers") or []

    def words(name: str) -> frozenset[str]:
        return frozenset(normalise(str(w)) for w in markers[name])

    return Vocabulary(
        countries=word_list("countries", lists["countries"], stem_slack=3),
        municipalities=word_list("municipalities", lists["municipalities"], stem_slack=2),
        residence_statuses=word_list(
            "residence_statuses",
            lists["residence_statuses"],
            stem_slack=2,
            generic=generic["residence_statuses"],
        ),
        benefits=word_list("benefits", lists["benefits"]),
        needs=word_list("needs", lists["needs"]),
        contact_modes=word_list("contact_modes", lists["contact_modes"]),
        languages=word_list("languages", lists["languages"], stem_slack=2),
        replies=word_list("replies", lists["replies"]),
        numbers=number_words(number_specs),
        since_words=words("since"),
        year_words=words("years"),
        age_words=words("age"),
        age_before_words=words("age_before"),
        no_papers=word_list("no_papers", {"no_papers": no_papers}),
    )


def load_cues(directory: Path = VOCABULARY_DIR) -> Cues:
    return Cues({path.stem: _cue_list(path) for path in sorted((directory / "cues").glob("*.yml"))})


def _cue_list(path: Path) -> WordList:
    raw = read_yaml(path) or {}
    for code in raw:
        if not isinstance(code, str):
            # YAML reads a bare yes or no as true/false: the cue's name must be quoted.
            raise ValueError(f"cues {path.stem}: the cue '{code}' must be written in quotes")
    return word_list(f"cues {path.stem}", raw)


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return load_vocabulary()


@lru_cache(maxsize=1)
def default_cues() -> Cues:
    return load_cues()
