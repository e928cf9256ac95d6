"""Strips a message of what could identify a person before it goes into the inbox of
misunderstood messages. Pure: the words the bot knows are passed in.

What is replaced, in this order:

- e-mail addresses → ``<email>``; links (``http…``, ``www.…``, ``name.de`` and other common
  endings) → ``<link>``
- dates such as ``12.03.1999`` → ``<datum>``
- phone numbers (7 or more digits, with ``+``, spaces, ``-``, ``/``, ``.`` or brackets between)
  → ``<telefon>``
- every other number → ``<zahl>``; digits of any script count (Arabic-Indic ``٣``, Persian
  ``۳``, Devanagari …)
- names, by two rules of thumb:
  1. after a name cue ("ich heiße", "my name is", "меня зовут", "мене звати", "اسمي",
     "اسم من", "benim adım", "mă numesc", "казвам се", "nazywam się" …) the next word always,
     and up to two more right after it that are not words the bot knows and are capitalised
     (Latin, Cyrillic) or in a script without capitals (Arabic, Persian);
  2. a capitalised word in Latin or Cyrillic script that does not start a sentence and is
     not a word the bot knows (case and accents ignored) → ``<name>``.

What it cannot catch: a name written in lower case without a cue ("bin bei ahmad"), a name in
Arabic or Persian script without a cue, a name that is also a known word ("Rose", "Haan"),
a name at the start of a sentence, addresses without a number, a number written in words.
What it takes too much: capitalised words it does not know (German nouns in an unusual form,
"Deutschkurses"), dates and long numbers that are no phone numbers. Taking too much only makes
an example less useful; the integration centre sees the stripped text before accepting it.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from intake.vocabulary import normalise

NUMBER = "<zahl>"
PHONE = "<telefon>"
NAME = "<name>"
EMAIL = "<email>"
LINK = "<link>"
DATE = "<datum>"
PLACEHOLDERS = (NUMBER, PHONE, NAME, EMAIL, LINK, DATE)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![\w@])[\w-]+(?:\.[\w-]+)*\.(?:de|com|org|net|eu|info|io|ua|ru|tr|ir|af|sy|pl|ro|bg|gov"
    r"|nrw)\b(?:/\S*)?",
    re.IGNORECASE,
)
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d)")
_PHONE = re.compile(r"\+?\(?\d(?:[ \t\-/.()]{0,3}\d){6,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A word: letters (and combining marks), joined by hyphens or apostrophes ("Müller-Lüdenscheidt",
# "O'Brien", "ім'я").
_WORD = re.compile(r"[^\W\d_]+(?:[-'’ʼ][^\W\d_]+)*")
_SENTENCE_END = frozenset(".!?…\n")
# Between a cue and the name ("my name is: …"), and between two parts of a name.
_NAME_GAP = re.compile(r"[ \t]*[:,]?[ \t]*")
_SPACE = re.compile(r"[ \t]*")

NAME_CUES = (
    # de
    "ich heiße", "ich heisse", "ich heis", "mein name ist", "mein name", "mein vorname ist",
    "mein nachname ist",
    # en
    "my name is", "my name's", "i am called", "i'm called",
    # ru
    "меня зовут", "моё имя", "мое имя", "моя фамилия",
    # uk
    "мене звати", "мене звуть", "моє ім'я", "моє імʼя", "моє ім’я", "моє прізвище",
    # ar
    "اسمي", "إسمي", "انا اسمي", "أنا اسمي",
    # fa
    "اسم من", "نام من", "اسمم",
    # tr
    "benim adım", "benim adim", "benim ismim", "ismim",
    # ro
    "mă numesc", "ma numesc", "numele meu este", "numele meu e",
    # bg
    "казвам се", "името ми е", "аз се казвам",
    # pl
    "nazywam się", "nazywam sie", "mam na imię", "mam na imie", "moje imię to",
)
_CUE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(c) for c in sorted(NAME_CUES, key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)
MAX_NAME_WORDS = 3


def redact(text: str, known_words: Collection[str] = frozenset()) -> str:
    """The text with e-mail addresses, links, dates, phone numbers, numbers and names replaced
    by placeholders; ``known_words`` are normalised words (``intake.vocabulary.normalise``) that
    are never taken for a name."""
    text = " ".join(text.split())
    text = _EMAIL.sub(EMAIL, text)
    text = _LINK.sub(LINK, text)
    text = _DATE.sub(DATE, text)
    text = _PHONE.sub(PHONE, text)
    text = _NUMBER.sub(NUMBER, text)
    return _merge_names(_redact_names(text, known_words))


def has_words(redacted: str) -> bool:
    """Whether anything but placeholders is left (a message of only a phone number is not
    worth an entry)."""
    rest = redacted
    for placeholder in PLACEHOLDERS:
        rest = rest.replace(placeholder, " ")
    return _WORD.search(rest) is not None


def _redact_names(text: str, known: Collection[str]) -> str:
    names: set[tuple[int, int]] = set()
    for cue in _CUE.finditer(text):
        names |= _after_cue(text, cue.end(), known)
    for word in _WORD.finditer(text):
        if _is_placeholder(text, word) or (word.start(), word.end()) in names:
            continue
        if _capitalised(word.group()) and not _starts_sentence(text, word.start()) and \
                not _known(word.group(), known):
            names.add((word.start(), word.end()))
    out, last = [], 0
    for start, end in sorted(names):
        out += [text[last:start], NAME]
        last = end
    out.append(text[last:])
    return "".join(out)


def _after_cue(text: str, position: int, known: Collection[str]) -> set[tuple[int, int]]:
    spans: set[tuple[int, int]] = set()
    while len(spans) < MAX_NAME_WORDS:
        gap = (_NAME_GAP if not spans else _SPACE).match(text, position)
        word = _WORD.match(text, gap.end() if gap else position)
        if word is None or _is_placeholder(text, word):
            break
        value = word.group()
        if spans and (_known(value, known) or not (_capitalised(value) or _caseless(value))):
            break
        spans.add((word.start(), word.end()))
        position = word.end()
    return spans


def _capitalised(word: str) -> bool:
    first = word[0]
    return first.isupper() and unicodedata.name(first, "").startswith(("LATIN", "CYRILLIC"))


def _caseless(word: str) -> bool:
    return not word[0].isupper() and not word[0].islower()


def _known(word: str, known: Collection[str]) -> bool:
    folded = normalise(word)
    return folded in known or all(part in known for part in folded.split(" ") if part)


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'„“«»(")
    return not before or before[-1] in _SENTENCE_END


def _is_placeholder(text: str, word: re.Match[str]) -> bool:
    return word.start() > 0 and text[word.start() - 1] == "<" and text[word.end():word.end() + 1] == ">"


def _merge_names(text: str) -> str:
    return re.sub(rf"{re.escape(NAME)}(?:[ \t]+{re.escape(NAME)})+", NAME, text)
