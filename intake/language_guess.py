"""The language a message is written in, among the languages the bot offers.

The model is trained once from each language's training examples (``nlu/<language>.yml``)
and translations (``locales/<language>.yml``); see ``intake.language_id``.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import yaml

from intake.language_id import LanguageModel, train
from intake.paths import PROJECT_DIR
from intake.translations import load_locales

NLU_DIR = PROJECT_DIR / "nlu"


def nlu_examples(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    examples: list[str] = []
    for block in raw.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(line[2:])
    return examples


@lru_cache(maxsize=4)
def language_model(languages: tuple[str, ...]) -> LanguageModel:
    locales = load_locales()
    return train(
        {
            lang: [*nlu_examples(NLU_DIR / f"{lang}.yml"), *locales.get(lang, {}).values()]
            for lang in languages
        }
    )


def guess_language(text: str, languages: Sequence[str]) -> str | None:
    """The language of ``text``, or ``None`` when a short or mixed message does not say."""
    return language_model(tuple(languages)).identify(text)
