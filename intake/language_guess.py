"""A first guess of the language a message is written in, from the project's own texts.

Words of each language come from its translation file and its training examples; words that
two languages share ("ok", "hallo") say nothing. Used on a greeting only, where a wrong guess
costs one tap on a language button.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import yaml

from intake.paths import PROJECT_DIR
from intake.translations import load_locales
from intake.vocabulary import normalise

NLU_DIR = PROJECT_DIR / "nlu"


def _nlu_words(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    words: set[str] = set()
    for block in raw.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            words.update(normalise(line.lstrip("- ")).split())
    return words


@lru_cache(maxsize=4)
def language_words(languages: tuple[str, ...]) -> dict[str, frozenset[str]]:
    locales = load_locales()
    words: dict[str, set[str]] = {}
    for language in languages:
        texts = locales.get(language, {}).values()
        words[language] = {w for t in texts for w in normalise(t).split()} | _nlu_words(
            NLU_DIR / f"{language}.yml"
        )
    seen = Counter(w for ws in words.values() for w in ws)
    return {
        language: frozenset(w for w in ws if seen[w] == 1 and not w.isdigit())
        for language, ws in words.items()
    }


def guess_language(text: str, languages: Sequence[str]) -> str | None:
    vocab = language_words(tuple(languages))
    tokens = normalise(text).split()
    scores = {lang: sum(t in words for t in tokens) for lang, words in vocab.items()}
    best = max(scores.values(), default=0)
    winners = [lang for lang, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None
