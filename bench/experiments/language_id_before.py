"""(Copy of intake/language_id.py before issue 3, for bench/experiments/langid.py --compare.)

Which of the offered languages a message is written in: a character n-gram model trained
on the project's own texts (training examples and translations of each language).

Our users write Arabic in Latin letters, Ukrainian with Russian words and Turkish without its
letters; a model learnt from exactly such examples recognises them where a general-purpose
detector guesses (the comparison is in ``bench/nlu.py``). Pure: the texts are passed in.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from intake.vocabulary import normalise

NGRAM_SIZES = (1, 2, 3, 4)
# A guess is kept only when the best language is this much likelier than the next one
# (in natural-log units): "ok", "да" and "نعم" alone do not decide anything.
MIN_MARGIN = 2.0


def ngrams(text: str) -> list[str]:
    grams: list[str] = []
    for word in normalise(text).split():
        padded = f" {word} "
        for size in NGRAM_SIZES:
            grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


@dataclass(frozen=True)
class LanguageModel:
    log_probs: Mapping[str, Mapping[str, float]]
    unseen: Mapping[str, float]

    def scores(self, text: str) -> dict[str, float]:
        grams = ngrams(text)
        return {
            language: sum(probs.get(g, self.unseen[language]) for g in grams)
            for language, probs in self.log_probs.items()
        }

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
    counts = {language: Counter(g for t in ts for g in ngrams(t)) for language, ts in texts.items()}
    vocabulary = len(set().union(*counts.values())) if counts else 0
    log_probs: dict[str, dict[str, float]] = {}
    unseen: dict[str, float] = {}
    for language, grams in counts.items():
        total = sum(grams.values()) + vocabulary + 1
        log_probs[language] = {g: math.log((n + 1) / total) for g, n in grams.items()}
        unseen[language] = math.log(1 / total)
    return LanguageModel(log_probs, unseen)
