"""Which of the offered languages a message is written in: a character n-gram model trained
on the project's own texts (training examples and translations of each language).

Our users write Arabic in Latin letters, Ukrainian with Russian words and Turkish without its
letters; a model learnt from exactly such examples recognises them where a general-purpose
detector guesses (the comparison is in ``bench/nlu.py``). Pure: the texts are passed in.

The model is a complement naive Bayes (Rennie et al., 2003) over character 1–5-grams of each
word and the words themselves: a language scores by how *unlike the other languages' texts*
the message is, which decides short messages better than how like its own texts it is (a
plain naive Bayes; 0.851 → 0.907 on the benchmark's test messages of 1–5 words). Letters are
only case folded, never folded together: "ي"/"ی", "ك"/"ک", "ё", "ł", "ş", "ă", "ü" are
what tells Arabic from Farsi, Russian from Ukrainian and Turkish, Romanian or Polish from
German (``intake.vocabulary.normalise`` folds them for matching answers; here that cost
Arabic 3 points).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

NGRAM_SIZES = (1, 2, 3, 4, 5)
# Additive smoothing of the n-gram and word counts; small, so that an n-gram seen in one
# language only weighs (measured: 1.0 → 0.03 is worth 2 points on short messages).
SMOOTHING = 0.03
# How much a whole word counts next to its n-grams.
WORD_WEIGHT = 3.0
# A guess is kept only when the best language is this much likelier than the next one
# (in natural-log units): "ok", "да" and "نعم" alone do not decide anything.
MIN_MARGIN = 12.0

_NOT_A_WORD = re.compile(r"[\W_]+")


def words(text: str) -> list[str]:
    """The words of ``text``, case folded, letters as written."""
    folded = unicodedata.normalize("NFC", text.replace("İ", "i").casefold())
    return [w for w in _NOT_A_WORD.sub(" ", folded).split() if w]


def ngrams(text: str) -> list[str]:
    grams: list[str] = []
    for word in words(text):
        padded = f" {word} "
        for size in NGRAM_SIZES:
            grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


@dataclass(frozen=True)
class LanguageModel:
    """Counts of n-grams and of words per language and over all languages; ``rest_grams``
    and ``rest_words`` are each language's smoothed denominators (all other languages)."""

    grams: Mapping[str, Counter[str]]
    word_counts: Mapping[str, Counter[str]]
    all_grams: Counter[str]
    all_words: Counter[str]
    rest_grams: Mapping[str, float]
    rest_words: Mapping[str, float]

    def scores(self, text: str) -> dict[str, float]:
        grams, tokens = ngrams(text), words(text)
        scores: dict[str, float] = {}
        for language, counts in self.grams.items():
            own_words = self.word_counts[language]
            # log P(message | the other languages), smoothed: the less likely, the better.
            rest = self.rest_grams[language]
            score = -sum(
                math.log((self.all_grams[g] - counts[g] + SMOOTHING) / rest) for g in grams)
            rest = self.rest_words[language]
            score -= WORD_WEIGHT * sum(
                math.log((self.all_words[w] - own_words[w] + SMOOTHING) / rest) for w in tokens)
            scores[language] = score
        return scores

    def identify(self, text: str, margin: float = MIN_MARGIN) -> str | None:
        """The language, or ``None`` when the text does not say clearly enough."""
        scores = sorted(self.scores(text).items(), key=lambda kv: kv[1], reverse=True)
        if not scores or not ngrams(text):
            return None
        if len(scores) > 1 and scores[0][1] - scores[1][1] < margin:
            return None
        return scores[0][0]

    def best(self, text: str) -> str | None:
        """The likeliest language, however small the difference (for measuring)."""
        scores = self.scores(text)
        return max(scores, key=scores.__getitem__) if scores and ngrams(text) else None


def train(texts: Mapping[str, Iterable[str]]) -> LanguageModel:
    grams: dict[str, Counter[str]] = {}
    word_counts: dict[str, Counter[str]] = {}
    all_grams: Counter[str] = Counter()
    all_words: Counter[str] = Counter()
    for language, language_texts in texts.items():
        grams[language], word_counts[language] = Counter(), Counter()
        for text in language_texts:
            grams[language].update(ngrams(text))
            word_counts[language].update(words(text))
        all_grams.update(grams[language])
        all_words.update(word_counts[language])
    gram_total, word_total = sum(all_grams.values()), sum(all_words.values())
    rest_grams = {language: gram_total - sum(counts.values()) + SMOOTHING * (len(all_grams) + 1)
                  for language, counts in grams.items()}
    rest_words = {language: word_total - sum(counts.values()) + SMOOTHING * (len(all_words) + 1)
                  for language, counts in word_counts.items()}
    return LanguageModel(grams, word_counts, all_grams, all_words, rest_grams, rest_words)
