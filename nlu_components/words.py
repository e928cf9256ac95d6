"""Normalising a text into words and finding the synonyms of a word list in them.

Shared by the action server (``intake.vocabulary``, which reads answers with the word lists) and
the intent model's featurizer (``vocabulary_featurizer``, which runs in the official Rasa image
without the app's package): both must read a message alike, so this is the one copy. Standard
library only.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Dict, List, Mapping, Optional, Set, Tuple

_SPACES = re.compile(r"\s+")
# Letters people leave out on a phone keyboard: "Türkei" and "Turkei", "dwadzieścia" and
# "dwadziescia", "ещё" and "еще" are the same word. Accents come off Latin letters only.
_FOLD = str.maketrans({"ł": "l", "ı": "i", "ø": "o", "đ": "d", "ё": "е", "ي": "ی", "ك": "ک"})

# Inflected forms ("з України", "z Ukrainy", "Türkiye'den", "Duldungen") match a one-word
# synonym of at least this many letters when they share all of it but its last letter and
# differ in length by at most the list's stem slack. Exact matches always come first.
STEM_MIN_LENGTH = 5


def normalise(text: str) -> str:
    """Case folded words without Latin accents, separated by single spaces; ``§`` stays a
    word of its own."""
    out = []
    previous = ""
    for char in unicodedata.normalize("NFD", text.replace("İ", "I")).casefold():
        category = unicodedata.category(char)
        if category == "Mn" and "a" <= previous <= "z":
            continue  # an accent on a Latin letter
        if char == "§":
            out.append(" § ")
        elif category[0] in "LMN":
            out.append(char)
        else:
            out.append(" ")
        previous = char
    folded = unicodedata.normalize("NFC", "".join(out)).translate(_FOLD)
    return _SPACES.sub(" ", folded).strip()


def find_synonyms(
    words: List[str],
    synonyms: Mapping[Tuple[str, ...], str],
    longest: int,
    stems: Mapping[str, str],
    stem_slack: int,
) -> List[Tuple[str, int, int]]:
    """(code, first word, word after the last) of each synonym in ``words``, in order of
    appearance; where synonyms overlap the longer one wins, then inflected forms (stems)."""
    found: List[Tuple[str, int, int]] = []
    taken = [False] * len(words)
    for size in range(min(longest, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            if any(taken[start : start + size]):
                continue
            code = synonyms.get(tuple(words[start : start + size]))
            if code is not None:
                found.append((code, start, start + size))
                for i in range(start, start + size):
                    taken[i] = True
    for i, word in enumerate(words):
        code = None if taken[i] else _stem_match(word, stems, stem_slack)
        if code is not None:
            found.append((code, i, i + 1))
    return sorted(found, key=lambda match: match[1])


def _stem_match(word: str, stems: Mapping[str, str], stem_slack: int) -> Optional[str]:
    for length in range(len(word), STEM_MIN_LENGTH - 2, -1):
        code = stems.get(word[:length])
        if code is not None and abs(len(word) - (length + 1)) <= stem_slack:
            return code
    return None


# A phrase that is a cue in several languages, as different cues, stands for all of them,
# joined by this.
CUE_SEPARATOR = "|"

# A word of at least this many letters that is not itself in a list is also read as a one-word
# synonym it differs from by one letter left out, added, or typed wrong ("termn", "dake",
# "thenk"): two words share a form with one letter left out exactly then (and for most swaps).
TYPO_MIN_LENGTH = 4


def _one_letter_less(word: str) -> List[str]:
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def typo_index(synonyms: Mapping[Tuple[str, ...], str], separator: str) -> Dict[str, str]:
    """Each one-word synonym of TYPO_MIN_LENGTH letters or more, and its forms with one letter
    left out, mapped to the synonym's code (codes, joined by ``separator``, when forms meet)."""
    codes: Dict[str, set] = {}
    for words, code in synonyms.items():
        if len(words) == 1 and len(words[0]) >= TYPO_MIN_LENGTH:
            for form in (words[0], *_one_letter_less(words[0])):
                codes.setdefault(form, set()).update(code.split(separator))
    return {form: separator.join(sorted(found)) for form, found in codes.items()}


def find_typos(words: List[str], synonyms: Mapping[Tuple[str, ...], str],
               index: Mapping[str, str], separator: str) -> Set[str]:
    """The codes of the one-word synonyms that words not in the list differ from by a letter."""
    found: Set[str] = set()
    for word in words:
        if len(word) < TYPO_MIN_LENGTH - 1 or (word,) in synonyms:
            continue
        for form in (word, *_one_letter_less(word)):
            codes = index.get(form)
            if codes:
                found.update(codes.split(separator))
    return found
