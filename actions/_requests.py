"""Filing an appointment request into the Haan queue from a conversation.

Shared by the screening result, the request for a person and the consent that follows one.
A failure of the queue never loses the conversation: the user hears an apology with the
direct contact, and the answers stay in the tracker for the next try.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions._shared import (
    APPOINTMENT_SLOTS,
    NEXT_STEP,
    SCREENING_SLOTS,
    answers_of,
    describe,
    language_of,
    queue,
    rules,
)
from db.repository import ConsentRecord, RequestDraft, create_appointment_request
from intake.answers import default_answer_schema
from intake.eligibility import Outcome, QueueDecision, assess, queue_decision

logger = logging.getLogger(__name__)


Assessment = tuple[dict[str, Any], Outcome]


def outcome_of(tracker: Tracker) -> Assessment:
    """The normalised answers so far and the outcome the rules give for them today."""
    answers = default_answer_schema().normalise(answers_of(tracker))
    return answers, assess(rules(), answers, dt.date.today())


def decision_for(tracker: Tracker, asked_for_person: bool) -> QueueDecision:
    answers, outcome = outcome_of(tracker)
    return queue_decision(rules(), answers, outcome, asked_for_person)


def file_request(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    asked_for_person: bool,
    response: str,
    assessment: Optional[Assessment] = None,
) -> list[EventType]:
    """Stores the request (idempotent per screening) and utters ``response`` with its number.
    ``assessment`` is ``outcome_of(tracker)`` when the caller has it already."""
    answers, outcome = assessment or outcome_of(tracker)
    screening_id = tracker.get_slot("screening_id") or uuid.uuid4().hex
    draft = RequestDraft(
        conversation_id=tracker.sender_id,
        screening_id=screening_id,
        language=language_of(tracker),
        answers=answers,
        outcome=outcome.as_dict(),
        rules_version=rules().version,
        asked_for_person=asked_for_person,
        consent=consent_of(tracker),
    )
    try:
        stored = create_appointment_request(queue(), draft)
    except (SQLAlchemyError, RuntimeError) as exc:
        logger.error("the queue could not store an appointment request: %s", describe(exc))
        dispatcher.utter_message(response="utter_queue_unavailable")
        return [SlotSet(NEXT_STEP, "none")]
    dispatcher.utter_message(response=response, reference=stored.reference)
    return [
        SlotSet("screening_id", screening_id),
        SlotSet("appointment_reference", stored.reference),
        SlotSet(NEXT_STEP, "appointment_details"),
    ]


def consent_of(tracker: Tracker) -> Optional[ConsentRecord]:
    record = tracker.get_slot("consent_record")
    if not isinstance(record, dict) or tracker.get_slot("consent_given") is not True:
        return None
    try:
        return ConsentRecord(str(record["version"]), dt.datetime.fromisoformat(record["at"]))
    except (KeyError, TypeError, ValueError):
        return None


def forget_answers(tracker: Tracker) -> list[EventType]:
    """Clears every answer of the screening (under 16, no papers, start over). Only answers
    that are set are cleared: every event goes to the tracker store and back to the action
    server on each later call."""
    slots = (
        *SCREENING_SLOTS, *APPOINTMENT_SLOTS,
        "no_papers", "reask", "asked_for_person", "appointment_reference", "screening_id",
    )
    return [SlotSet(slot, None) for slot in slots if tracker.get_slot(slot) is not None]
