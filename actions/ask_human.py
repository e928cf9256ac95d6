"""Asking for a person, possible at any point: it files a request (after consent)."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._requests import decision_for, file_request, forget_answers
from actions._shared import NEXT_STEP
from intake.eligibility import QueueDecision


class ActionAskHuman(Action):
    def name(self) -> str:
        return "action_ask_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("consent_given") is not True:
            dispatcher.utter_message(response="utter_person_needs_consent")
            return [
                SlotSet("asked_for_person", True),
                SlotSet("consent_given", None),
                SlotSet("consent_record", None),
                SlotSet(NEXT_STEP, "consent"),
            ]
        if decision_for(tracker, asked_for_person=True) is QueueDecision.UNDER_MIN_AGE:
            dispatcher.utter_message(response="utter_under_min_age")
            return forget_answers(tracker) + [SlotSet(NEXT_STEP, "none")]
        details_given = tracker.get_slot("contact_mode") is not None
        events = file_request(
            dispatcher,
            tracker,
            True,
            "utter_person_requested_again" if details_given else "utter_person_requested",
        )
        if details_given:
            events.append(SlotSet(NEXT_STEP, "none"))
        return [SlotSet("asked_for_person", True), *events]
