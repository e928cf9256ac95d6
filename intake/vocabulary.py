"""Word lists under ``data/vocabulary``: what people write, mapped to the codes of screening.md.

Matching is on whole words of a normalised text (case folded, punctuation dropped), so
"Aus Syrien!" and "aus syrien" match the same synonym, in any script. Where two synonyms
overlap, the longer one wins ("arbeitslosengeld 2" beats "arbeitslosengeld").
Pure: loading the files is ``load_vocabulary``'s only I/O.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from intake.paths import DATA_DIR

VOCABULARY_DIR = DATA_DIR / "vocabulary"
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case folded words separated by single spaces; ``§`` stays a word of its own."""
    out = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        category = unicodedata.category(char)
        if char == "§":
            out.append(" § ")
        elif category[0] in "LMN":
            out.append(char)
        else:
            out.append(" ")
    return _SPACES.sub(" ", "".join(out)).strip()


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

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.synonyms.values())

    def matches(self, text: str) -> list[Match]:
        words = normalise(text).split(" ")
        found: list[Match] = []
        taken = [False] * len(words)
        for size in range(min(self.longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if any(taken[start : start + size]):
                    continue
                code = self.synonyms.get(tuple(words[start : start + size]))
                if code is not None:
                    found.append(Match(code, start, start + size))
                    for i in range(start, start + size):
                        taken[i] = True
        return sorted(found, key=lambda m: m.start)

    def codes_in(self, text: str) -> list[str]:
        """Codes named in the text, in order of appearance, each once."""
        return list(dict.fromkeys(m.code for m in self.matches(text)))


def word_list(name: str, values: Mapping[str, Iterable[Any]]) -> WordList:
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
    return WordList(name, synonyms, longest)


@dataclass(frozen=True)
class NumberWords:
    """Number words of every language in ``numbers.yml`` (0–100), as a word list."""

    words: WordList

    def values_in(self, text: str) -> list[int]:
        return [int(m.code) for m in self.words.matches(text)]


def number_words(languages: Mapping[str, Mapping[str, Any]]) -> NumberWords:
    values: dict[str, list[str]] = {}

    def add(number: int, spelling: str) -> None:
        values.setdefault(str(number), []).append(spelling)

    for spec in languages.values():
        units: list[list[str]] = [
            [] if u is None else ([u] if isinstance(u, str) else list(u)) for u in spec["units"]
        ]
        joiner = spec.get("joiner") or ""
        for digit, names in enumerate(units):
            for name in names:
                add(digit, name)
        for offset, name in enumerate(spec["teens"]):
            add(10 + offset, name)
        for offset, ten in enumerate(spec["tens"]):
            tens_value = 20 + 10 * offset
            add(tens_value, ten)
            for digit in range(1, 10):
                for unit in units[digit]:
                    if spec.get("units_first"):
                        add(tens_value + digit, f"{unit}{joiner}{ten}")
                        add(tens_value + digit, f"{unit} {joiner} {ten}")
                    else:
                        add(tens_value + digit, f"{ten} {unit}")
                        add(tens_value + digit, f"{ten}{unit}")
        if spec.get("hundred"):
            add(100, spec["hundred"])
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


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_vocabulary(directory: Path = VOCABULARY_DIR) -> Vocabulary:
    def values(name: str) -> WordList:
        return word_list(name, _read(directory / f"{name}.yml")["values"])

    numbers = _read(directory / "numbers.yml")
    return Vocabulary(
        countries=values("countries"),
        municipalities=values("municipalities"),
        residence_statuses=values("residence_statuses"),
        benefits=values("benefits"),
        needs=values("needs"),
        contact_modes=values("contact_modes"),
        languages=values("languages"),
        replies=values("replies"),
        numbers=number_words(numbers["languages"]),
        since_words=frozenset(normalise(w) for w in numbers.get("since", [])),
        year_words=frozenset(normalise(w) for w in numbers.get("years", [])),
        age_words=frozenset(normalise(w) for w in numbers.get("age", [])),
        age_before_words=frozenset(normalise(w) for w in numbers.get("age_before", [])),
        no_papers=word_list("no_papers", {"no_papers": _read(directory / "no_papers.yml")["values"]}),
    )


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return load_vocabulary()


def first(items: Iterable[str]) -> Optional[str]:
    return next(iter(items), None)
