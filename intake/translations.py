"""The translation files under ``locales/``: one per language, German the source."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from intake.paths import LOCALES_DIR, PROJECT_DIR

SOURCE_LANGUAGE = "de"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|\[\[[a-z_0-9]+\]\]")
BUTTONS_FILE = PROJECT_DIR / "bot" / "buttons.yml"


def load_locales(directory: Path = LOCALES_DIR) -> dict[str, dict[str, str]]:
    locales: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            raw = yaml.safe_load(fh) or {}
        if not isinstance(raw, Mapping):
            raise ValueError(f"{path}: expected key: text entries")
        locales[path.stem] = {str(k): str(v) for k, v in raw.items()}
    if SOURCE_LANGUAGE not in locales:
        raise ValueError(f"{directory}: the source language file {SOURCE_LANGUAGE}.yml is missing")
    return locales


def load_button_layout(path: Path = BUTTONS_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def check_translations(
    directory: Path = LOCALES_DIR, layout_path: Path = BUTTONS_FILE
) -> list[str]:
    """Problems that would show a newcomer a missing or broken text; empty when all is well."""
    locales = load_locales(directory)
    layout = load_button_layout(layout_path)
    source = locales[SOURCE_LANGUAGE]
    problems: list[str] = []

    for name in layout["buttons"]:
        if f"button_{name}" not in source:
            problems.append(f"{SOURCE_LANGUAGE}: button_{name} has no title")
    for response, buttons in layout["responses"].items():
        if response not in source:
            problems.append(f"{SOURCE_LANGUAGE}: {response} has buttons but no text")
        for name in buttons:
            if name not in layout["buttons"]:
                problems.append(f"bot/buttons.yml: {response} uses unknown button '{name}'")

    for language, texts in locales.items():
        for key, text in source.items():
            if key not in texts:
                problems.append(f"{language}: missing {key}")
            elif not texts[key].strip():
                problems.append(f"{language}: {key} is empty")
            elif placeholders(texts[key]) != placeholders(text):
                problems.append(
                    f"{language}: {key} has placeholders {placeholders(texts[key])}, "
                    f"German has {placeholders(text)}"
                )
        for key in texts:
            if key not in source:
                problems.append(f"{language}: {key} is not in {SOURCE_LANGUAGE}.yml")
    return problems


def available_languages(directory: Path = LOCALES_DIR) -> list[str]:
    """Languages with a translation file, German first."""
    others = sorted(p.stem for p in directory.glob("*.yml") if p.stem != SOURCE_LANGUAGE)
    return [SOURCE_LANGUAGE, *others]


CONSENT_TEXT_KEY = "utter_ask_consent_given"


def consent_version(directory: Path = LOCALES_DIR) -> str:
    """Identifies the consent text a user agreed to: a digest of its German source, so any
    change of the text is a new version (translations follow the source)."""
    text = load_locales(directory)[SOURCE_LANGUAGE][CONSENT_TEXT_KEY]
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
