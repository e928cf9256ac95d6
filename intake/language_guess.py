"""The language a message is written in, among the languages the bot offers.

The model is trained once from each language's training examples (``nlu/<language>.yml``),
translations (``locales/<language>.yml``) and own word lists (``data/vocabulary/languages/`` and
``cues/``, which hold the short conversational words a first message often is); see
``intake.language_id``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from intake.language_id import LanguageModel, train
from intake.paths import PROJECT_DIR
from intake.translations import load_locales
from intake.vocabulary import VOCABULARY_DIR, read_yaml

NLU_DIR = PROJECT_DIR / "nlu"


def nlu_examples(path: Path) -> list[str]:
    if not path.exists():
        return []
    raw = read_yaml(path) or {}
    examples: list[str] = []
    for block in raw.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(line[2:])
    return examples


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def word_list_texts(language: str, directory: Path = VOCABULARY_DIR) -> list[str]:
    """Every word and phrase of a language's own word lists and cues."""
    texts: list[str] = []
    for path in (directory / "languages" / f"{language}.yml", directory / "cues" / f"{language}.yml"):
        if path.exists():
            texts += _strings(read_yaml(path))
    return texts


def language_texts(examples: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """What the model learns each language from: its training examples, the bot's texts in
    it and its own word lists."""
    locales = load_locales()
    return {language: [*texts, *locales.get(language, {}).values(), *word_list_texts(language)]
            for language, texts in examples.items()}


@lru_cache(maxsize=4)
def language_model(languages: tuple[str, ...]) -> LanguageModel:
    return train(language_texts({lang: nlu_examples(NLU_DIR / f"{lang}.yml") for lang in languages}))


def guess_language(text: str, languages: Sequence[str]) -> str | None:
    """The language of ``text``, or ``None`` when a short or mixed message does not say."""
    return language_model(tuple(languages)).identify(text)
