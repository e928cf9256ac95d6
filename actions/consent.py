"""Consent before the first screening question, and starting a screening."""
from __future__ import annotations

import datetime as dt
import uuid
from functools import lru_cache

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._form import IntakeFormValidation, ask_actions
from actions._requests import file_request, forget_answers
from actions._shared import NEXT_STEP
from intake.answers import UNKNOWN
from intake.translations import consent_version
from intake.understanding import Message

CONSENT_SLOTS = ("consent_given",)


class ValidateConsentForm(IntakeFormValidation):
    def name(self) -> str:
        return "validate_consent_form"

    def form_slots(self) -> tuple[str, ...]:
        return CONSENT_SLOTS

    def understand(self, asked, message: Message, dispatcher, tracker):  # type: ignore[no-untyped-def]
        events = super().understand(asked, message, dispatcher, tracker)
        # Not knowing whether to agree is not agreeing: nothing is stored.
        events = [
            SlotSet("consent_given", False)
            if e.get("name") == "consent_given" and e.get("value") == UNKNOWN
            else e
            for e in events
        ]
        given = any(e.get("name") == "consent_given" and e.get("value") is True for e in events)
        record = (
            {"version": consent_version_in_force(), "at": dt.datetime.now(dt.timezone.utc).isoformat()}
            if given
            else None
        )
        return [*events, SlotSet("consent_record", record)]


@lru_cache(maxsize=1)
def consent_version_in_force() -> str:
    # Reading ten locale files took ~230 ms of the action server's one event loop on every
    # "yes"; the texts change only with a deployment, which restarts the action server.
    return consent_version()


# Before consent on Telegram: Telegram sees the metadata, and the city's web chat is the choice
# without it (shared/spec/domain.md, data protection).
AskConsent = ask_actions(CONSENT_SLOTS, notices={"telegram": "utter_telegram_notice"})


def begin_screening(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    dispatcher.utter_message(response="utter_screening_intro")
    return forget_answers(tracker) + [
        SlotSet("screening_id", uuid.uuid4().hex),
        SlotSet(NEXT_STEP, "screening"),
    ]


class ActionStartScreening(Action):
    """Starts a screening, asking for consent first if it has not been given."""

    def name(self) -> str:
        return "action_start_screening"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("consent_given") is True:
            return begin_screening(dispatcher, tracker)
        return [
            SlotSet("consent_given", None),
            SlotSet("consent_record", None),
            SlotSet(NEXT_STEP, "consent"),
        ]


class ActionAfterConsent(Action):
    """After the consent question: the screening, the request for a person, or nothing stored."""

    def name(self) -> str:
        return "action_after_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("consent_given") is not True:
            dispatcher.utter_message(response="utter_consent_declined")
            return forget_answers(tracker) + [SlotSet(NEXT_STEP, "none")]
        if tracker.get_slot("asked_for_person"):
            return file_request(dispatcher, tracker, True, "utter_person_requested")
        return begin_screening(dispatcher, tracker)
