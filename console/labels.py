"""German names for what the console shows: answers, outcomes, statuses, languages. They come
from the data files the integration centre keeps (answers.yml, rules.yml, locales/de.yml)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from intake.answers import default_answer_schema
from intake.ruleset import default_ruleset
from intake.translations import load_locales

STATUS_LABELS = {
    "new": "neu", "assigned": "zugewiesen", "scheduled": "Termin vereinbart",
    "referred": "weiterverwiesen", "closed": "abgeschlossen",
}
MODE_LABELS = {"home_visit": "Hausbesuch", "office": "im Büro", "phone": "Telefon"}


@lru_cache(maxsize=1)
def outcome_labels() -> dict[str, str]:
    rules = default_ruleset()
    return {r.code: r.label for r in (*rules.target_groups, *rules.referrals, *rules.routes)}


@lru_cache(maxsize=1)
def language_labels() -> dict[str, str]:
    german = load_locales()["de"]
    return {key.removeprefix("button_lang_"): text for key, text in german.items()
            if key.startswith("button_lang_")}


def outcome(code: str) -> str:
    return outcome_labels().get(code, code)


def answer_rows(answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(German question label, German answer) for each answer, in the screening's order."""
    schema = default_answer_schema()
    rows = []
    for slot, spec in schema.slots.items():
        if slot not in answers:
            continue
        rows.append((spec.label, _answer_text(spec, answers[slot])))
    return rows


def _answer_text(spec: Any, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return ", ".join(_answer_text(spec, v) for v in value)
    if spec.type == "language":
        return language_labels().get(str(value), str(value))
    return str(spec.values.get(str(value), value))


def target_group_codes() -> list[str]:
    return [r.code for r in default_ruleset().target_groups]


def referral_codes() -> list[str]:
    return [r.code for r in default_ruleset().referrals]


def language_codes() -> list[str]:
    return list(language_labels())
