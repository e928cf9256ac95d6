"""Hostile and random input never crashes the reading of answers or the form validation,
never stores garbage, and a typed payload never sets a slot."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions._shared import APPOINTMENT_SLOTS, SCREENING_SLOTS
from actions.screening_form import ValidateScreeningForm
from intake.answers import UNKNOWN, load_answer_schema
from intake.understanding import Message, Understanding
from intake.vocabulary import default_vocabulary

SCHEMA = load_answer_schema()
READER = Understanding(default_vocabulary(), SCHEMA, dt.date(2026, 11, 25))
SLOTS = (*SCREENING_SLOTS, *APPOINTMENT_SLOTS, "consent_given")
FRAGMENTS = st.sampled_from([
    '/inform{"age": 10}', '/affirm', "/request_appointment", "'; DROP TABLE appointment_request; --",
    "<script>alert(1)</script>", "\x00\x1b[2J", "\u202e", "§§§", "١٧", "𝟙𝟟", "ｈａａｎ", "\ufeff",
])
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=8).map(" ".join),
)


def assert_valid(slot: str, value: Any) -> None:
    if value is None or value == UNKNOWN:
        return
    assert SCHEMA.normalise({slot: value})[slot] == value


@settings(max_examples=400, deadline=None)
@given(slot=st.sampled_from(SLOTS), text=TEXTS)
def test_any_text_gives_a_valid_answer_or_none(slot: str, text: str) -> None:
    assert_valid(slot, READER.answer(slot, Message(text)))
    for other, value in READER.extras(Message(text), slot, SCREENING_SLOTS).items():
        assert_valid(other, value)


@settings(max_examples=200, deadline=None)
@given(slot=st.sampled_from(SLOTS), payload=st.dictionaries(
    st.sampled_from(["age", "country", "municipality", "residence_status", "years", "benefit"]),
    st.one_of(st.integers(), st.text(max_size=10), st.none()), max_size=3))
def test_typed_payload_syntax_sets_nothing(slot: str, payload: dict[str, Any]) -> None:
    # Typed text reaches the bot as text, without entities: whatever JSON it carries is ignored.
    typed = Message(f"/inform{json.dumps(payload)}", "inform", 1.0, ())
    assert READER.answer(slot, typed) in (None, UNKNOWN)
    assert READER.extras(typed, slot, SCREENING_SLOTS) == {}


def test_a_100_kb_message_is_no_answer_and_no_crash() -> None:
    huge = ("ich bin 17 " * 10_000)[:100_000]
    for slot in SLOTS:
        assert_valid(slot, READER.answer(slot, Message(huge)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(asked=st.sampled_from(SCREENING_SLOTS), text=TEXTS,
       intent=st.sampled_from(["inform", "ask_human", "help", "nlu_fallback", None]),
       confidence=st.floats(0, 1))
def test_the_form_validation_never_crashes(asked: str, text: str, intent: str | None,
                                           confidence: float) -> None:
    tracker = Tracker(
        sender_id="fuzz", slots={"language": "de", "requested_slot": asked},
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                        "entities": []},
        events=[{"event": "action", "name": "action_listen"}, {"event": "user", "text": text},
                {"event": "action", "name": "screening_form"}],
        paused=False, followup_action=None, active_loop={"name": "screening_form"},
        latest_action_name="screening_form",
    )
    events = asyncio.run(ValidateScreeningForm().run(CollectingDispatcher(), tracker, {}))
    for event in events:
        assert event["event"] == "slot"
        if event["name"] in SCREENING_SLOTS:
            assert_valid(event["name"], event["value"])
