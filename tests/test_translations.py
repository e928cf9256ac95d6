"""Every text a newcomer sees exists in every language, with the same placeholders."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from intake.paths import LOCALES_DIR
from intake.responses import RIGHT_TO_LEFT, build_responses, load_institutions, render_text
from intake.translations import check_translations, load_locales


def test_every_language_has_every_text() -> None:
    assert check_translations() == []


def test_a_missing_key_and_a_changed_placeholder_are_found(tmp_path: Path) -> None:
    shutil.copytree(LOCALES_DIR, tmp_path / "locales")
    english = tmp_path / "locales" / "en.yml"
    texts = yaml.safe_load(english.read_text(encoding="utf-8"))
    del texts["utter_help"]
    texts["utter_status_new"] = "Your request {number} has arrived."
    english.write_text(yaml.safe_dump(texts, allow_unicode=True), encoding="utf-8")
    problems = check_translations(tmp_path / "locales")
    assert "en: missing utter_help" in problems
    assert any(p.startswith("en: utter_status_new has placeholders") for p in problems)


def chosen(variations: list[dict[str, Any]], slots: dict[str, Any]) -> list[dict[str, Any]]:
    """The variations Rasa 3.6 picks from at random (rasa.core.nlg.generator): those whose
    conditions all hold, else those without one."""
    def holds(v: dict[str, Any]) -> bool:
        return all(slots.get(c["name"]) == c["value"] for c in v["condition"])

    matching = [v for v in variations if "condition" in v and holds(v)]
    return matching or [v for v in variations if "condition" not in v]


def rendered(texts: dict[str, str], key: str, language: str) -> str:
    return render_text(texts[key], load_institutions(), language in RIGHT_TO_LEFT)


def test_each_response_says_one_text_in_the_conversation_language() -> None:
    locales = load_locales()
    for name, variations in build_responses().items():
        assert any("condition" not in v for v in variations), name  # German, the default
        for language, texts in locales.items():
            said = chosen(variations, {"language": language})
            assert [v["text"] for v in said] == [rendered(texts, name, language)], (name, language)


def test_a_question_asked_again_says_its_hint() -> None:
    locales = load_locales()
    questions = {name: v for name, v in build_responses().items()
                 if name.startswith("utter_ask_") and f"utter_invalid_{name[10:]}" in locales["de"]}
    assert {"utter_ask_age", "utter_ask_consent_given", "utter_ask_contact_mode"} <= set(questions)
    for name, variations in questions.items():
        slot = name[len("utter_ask_"):]
        for language, texts in locales.items():
            asked = chosen(variations, {"language": language, "reask": None})
            again = chosen(variations, {"language": language, "reask": slot})
            assert [v["text"] for v in asked] == [rendered(texts, name, language)]
            assert [v["text"] for v in again] == [rendered(texts, f"utter_invalid_{slot}", language)]
            assert again[0].get("buttons"), (name, language)


def test_every_response_an_action_utters_exists() -> None:
    import re
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path("actions").glob("*.py"))
    named = set(re.findall(r'"(utter_[a-z_0-9]+)"', source))
    assert named <= set(build_responses()), named - set(build_responses())
