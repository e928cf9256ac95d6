"""The result of a completed screening: what the user is told, and the request if there is one."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._requests import file_request, forget_answers, outcome_of
from actions._shared import NEXT_STEP, rules
from intake.eligibility import QueueDecision, queue_decision


class ActionScreeningResult(Action):
    def name(self) -> str:
        return "action_screening_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("no_papers"):
            dispatcher.utter_message(response="utter_no_papers")
            return forget_answers(tracker) + [SlotSet(NEXT_STEP, "none")]

        assessment = outcome_of(tracker)
        answers, outcome = assessment
        decision = queue_decision(rules(), answers, outcome, asked_for_person=False)
        if decision is QueueDecision.UNDER_MIN_AGE:
            dispatcher.utter_message(response="utter_under_min_age")
            return forget_answers(tracker) + [SlotSet(NEXT_STEP, "none")]

        queued = decision is QueueDecision.QUEUE
        if queued:
            dispatcher.utter_message(
                response="utter_result_target_group"
                if outcome.target_groups
                else "utter_result_to_check"
            )
        else:
            dispatcher.utter_message(response="utter_result_no_case")
        for referral in outcome.referrals:
            dispatcher.utter_message(response=f"utter_referral_{referral}")
        if outcome.referrals:
            dispatcher.utter_message(response="utter_referral_note")
        for route in outcome.routes:
            dispatcher.utter_message(response=f"utter_route_{route}")

        if queued:
            return file_request(
                dispatcher, tracker, False, "utter_request_created", assessment
            )
        if not outcome.routes and not outcome.referrals:
            dispatcher.utter_message(response="utter_person_contact")
        dispatcher.utter_message(response="utter_result_next_steps")
        return [SlotSet(NEXT_STEP, "none")]
