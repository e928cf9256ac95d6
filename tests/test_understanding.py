"""How one message is understood as the answer to each screening question."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from intake.answers import UNKNOWN, load_answer_schema
from intake.understanding import Message, Understanding
from intake.vocabulary import default_vocabulary, normalise

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def understanding() -> Understanding:
    return Understanding(default_vocabulary(), load_answer_schema(), TODAY)


def said(text: str, intent: str | None = None, confidence: float = 0.95,
         entities: tuple[dict[str, Any], ...] = (), language: str = "de") -> Message:
    return Message(text, intent, confidence, entities, language)


@pytest.mark.parametrize(
    "slot,text,expected",
    [
        ("age", "17", 17),
        ("age", "ich bin 17 und allein hier", 17),
        ("age", "17 years", 17),
        ("age", "seventeen", 17),
        ("age", "siebzehn", 17),
        ("age", "siebenundzwanzig", 27),
        ("age", "twenty-six", 26),
        ("age", "geboren 2008", 18),
        ("age", "-3", None),
        ("age", "200", None),
        ("age", "", None),
        ("age", "x" * 5000, None),
        ("age", "ich bin 17 und seit 3 jahren hier", 17),
        ("age", "I'm 19 years old, since 2 years here", 19),
        ("age", "3 oder 4", None),
        ("municipality", "ich wohne in haan", "haan"),
        ("municipality", "Gruiten", "haan"),
        ("municipality", "in hilden", "kreis_mettmann_other"),
        ("municipality", "Wülfrath", "kreis_mettmann_other"),
        ("municipality", "in Düsseldorf", "elsewhere"),
        ("municipality", "bananas", None),
        ("accompanied", "ich bin allein hier", False),
        ("accompanied", "with my parents", True),
        ("accompanied", "ja", True),
        ("accompanied", "nein", False),
        ("country_of_origin", "from Romania", "RO"),
        ("country_of_origin", "ich komme aus syrien", "SY"),
        ("country_of_origin", "Україна", "UA"),
        ("country_of_origin", "from atlantis", None),
        ("residence_status", "I have a Duldung since 4 years", "duldung"),
        ("residence_status", "Aufenthaltsgestattung", "gestattung"),
        ("residence_status", "§ 25b", "permit_25b"),
        ("residence_status", "§24", "permit_24"),
        ("residence_status", "Fiktionsbescheinigung", "permit_other"),
        ("residence_status", "something", None),
        ("years_in_germany", "4", 4),
        ("years_in_germany", "seit 2019", 7),
        ("years_in_germany", "2.5", 2.5),
        ("years_in_germany", "101", None),
        ("permit_extension_at_risk", "yes", True),
        ("has_minor_children", "nein", False),
        ("benefits", "Bürgergeld", "sgb2"),
        ("benefits", "nein", "none"),
        ("benefits", "asylbewerberleistungen", "asylblg"),
        ("needs", "arbeit und wohnung", ["housing", "work"]),
        ("needs", "help with my kids", ["children_family"]),
        ("needs", "qwerty", None),
        ("contact_mode", "lieber telefon", "phone"),
        ("contact_mode", "home visit please", "home_visit"),
        ("preferred_times", "montags vormittags", "montags vormittags"),
        ("preferred_times", "x" * 201, None),
        ("interpreter_language", "arabisch", "ar"),
        ("interpreter_language", "nein", ""),
    ],
)
def test_answer_from_text(understanding: Understanding, slot: str, text: str, expected: Any) -> None:
    assert understanding.answer(slot, said(text)) == expected


@pytest.mark.parametrize("text", ["weiß nicht", "I don't know", "keine ahnung", "не знаю"])
def test_dont_know_is_always_an_answer(understanding: Understanding, text: str) -> None:
    for slot in ("age", "country_of_origin", "residence_status", "needs"):
        assert understanding.answer(slot, said(text)) == UNKNOWN


def test_dont_know_intent_and_button(understanding: Understanding) -> None:
    assert understanding.answer("age", said("hmm", "dont_know", 0.9)) == UNKNOWN
    assert understanding.answer("age", said("/dont_know", "dont_know", 1.0)) == UNKNOWN


def test_buttons_carry_codes(understanding: Understanding) -> None:
    button = said('/inform{"country": "UA"}', "inform", 1.0,
                  ({"entity": "country", "value": "UA"},))
    assert understanding.answer("country_of_origin", button) == "UA"
    years = said('/inform{"years": "4"}', "inform", 1.0, ({"entity": "years", "value": "4"},))
    assert understanding.answer("years_in_germany", years) == 4
    assert understanding.answer("accompanied", said("/deny", "deny", 1.0)) is False
    assert understanding.answer("interpreter_language", said("/affirm", "affirm", 1.0, language="en")) == "en"


def test_a_forged_button_value_is_not_an_answer(understanding: Understanding) -> None:
    forged = said('/inform{"country": "ZZ"}', "inform", 1.0, ({"entity": "country", "value": "ZZ"},))
    assert understanding.answer("country_of_origin", forged) is None
    assert understanding.answer("age", said('/inform{"age": 10}', "inform", 1.0)) is None


def test_a_long_sentence_with_no_is_not_a_no(understanding: Understanding) -> None:
    long_text = "no i mean my mother is here with me in the flat"
    assert understanding.answer("has_minor_children", said(long_text, "inform", 0.9)) is None


def test_extras_take_other_facts_of_the_same_message(understanding: Understanding) -> None:
    open_slots = ["age", "accompanied", "country_of_origin", "residence_status", "years_in_germany"]
    assert understanding.extras(said("ich bin 17 und allein hier"), "age", open_slots) == {
        "accompanied": False
    }
    assert understanding.extras(said("I have a Duldung since 4 years"), "residence_status",
                                open_slots) == {"years_in_germany": 4}
    assert understanding.extras(said("from romania, 28 years old"), "age", open_slots) == {
        "country_of_origin": "RO"
    }


def test_without_papers_is_recognised(understanding: Understanding) -> None:
    assert understanding.is_without_papers(said("ich habe keine papiere"))
    assert not understanding.is_without_papers(said("Duldung"))


def test_language_named(understanding: Understanding) -> None:
    assert understanding.language_named(said("english please"), ("de", "en")) == "en"
    assert understanding.language_named(said("auf deutsch bitte"), ("de", "en")) == "de"
    assert understanding.language_named(said("по-українськи"), ("de", "en")) is None


def test_normalise_folds_case_and_punctuation() -> None:
    assert normalise("Aus SYRIEN!!") == "aus syrien"
    assert normalise("§25a") == "§ 25a"
    # Arabic and Persian keyboards write ي/ی and ك/ک: the same letter for matching.
    assert normalise("أوكرانيا؟") == normalise("أوکرانیا") != ""
    assert normalise("İstanbul, Türkiye") == "istanbul turkiye"
    assert normalise("dwadzieścia, ещё") == "dwadziescia еще"
