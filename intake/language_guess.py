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


def _exclusive(words: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    seen = Counter(w for ws in words.values() for w in ws)
    return {
        language: frozenset(w for w in ws if seen[w] == 1 and not w.isdigit())
        for language, ws in words.items()
    }


@lru_cache(maxsize=4)
def language_words(languages: tuple[str, ...]) -> tuple[dict[str, frozenset[str]], ...]:
    """Words only one language uses: first from the bot's own texts (the cleanest source),
    then from the training examples (more words, but users mix languages there)."""
    locales = load_locales()
    texts = {
        lang: {w for t in locales.get(lang, {}).values() for w in normalise(t).split()}
        for lang in languages
    }
    examples = {lang: _nlu_words(NLU_DIR / f"{lang}.yml") for lang in languages}
    return _exclusive(texts), _exclusive(examples)


def guess_language(text: str, languages: Sequence[str]) -> str | None:
    tokens = normalise(text).split()
    for vocab in language_words(tuple(languages)):
        scores = {lang: sum(t in words for t in tokens) for lang, words in vocab.items()}
        best = max(scores.values(), default=0)
        winners = [lang for lang, score in scores.items() if score == best]
        if best > 0:
            return winners[0] if len(winners) == 1 else None
    return None
