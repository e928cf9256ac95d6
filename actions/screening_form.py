"""The screening questions of screening.md, asked in the order and under the conditions of
``data/screening/rules.yml``."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._form import IntakeFormValidation
from actions._shared import SCREENING_SLOTS, answers_of, rules, understanding
from intake.answers import default_answer_schema
from intake.eligibility import below_min_intake_age, questions_to_ask
from intake.understanding import Message


class ValidateScreeningForm(IntakeFormValidation):
    def name(self) -> str:
        return "validate_screening_form"

    def form_slots(self) -> tuple[str, ...]:
        return SCREENING_SLOTS

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The questions still to ask; none once the answers end the screening early."""
        if tracker.get_slot("no_papers"):
            return []
        answers: dict[str, Any] = default_answer_schema().normalise(answers_of(tracker))
        if below_min_intake_age(rules(), answers):
            return []
        return questions_to_ask(rules(), answers)

    def understand(
        self, asked: str, message: Message, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        if asked == "residence_status" and understanding().is_without_papers(message):
            return [SlotSet("no_papers", True), SlotSet("reask", None)]
        return super().understand(asked, message, dispatcher, tracker)
