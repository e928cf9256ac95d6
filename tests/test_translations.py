"""Every text a newcomer sees exists in every language, with the same placeholders."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from intake.paths import LOCALES_DIR
from intake.responses import build_responses
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


def test_responses_have_a_variation_per_language_and_german_last() -> None:
    languages = list(load_locales())
    responses = build_responses()
    for name, variations in responses.items():
        conditioned = [v["condition"][0]["value"] for v in variations if "condition" in v]
        assert sorted(conditioned + ["de"]) == sorted(languages), name
        assert "condition" not in variations[-1], name
        assert "[[" not in variations[-1]["text"], name


def test_every_response_an_action_utters_exists() -> None:
    import re
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path("actions").glob("*.py"))
    named = set(re.findall(r'"(utter_[a-z_0-9]+)"', source))
    assert named <= set(build_responses()), named - set(build_responses())
