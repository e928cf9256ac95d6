"""The questions for an appointment request: contact mode, preferred times, interpreter."""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions._form import IntakeFormValidation
from actions._shared import APPOINTMENT_SLOTS, NEXT_STEP, describe, queue
from db.repository import AppointmentDetails, save_appointment_details
from intake.answers import UNKNOWN

logger = logging.getLogger(__name__)


class ValidateAppointmentForm(IntakeFormValidation):
    # "Englisch" here names the interpreter's language, not a wish to switch the chat.
    interruptions = frozenset(
        {"restart", "delete_my_data", "ask_human", "change_language", "ask_status"}
    )

    def name(self) -> str:
        return "validate_appointment_form"

    def form_slots(self) -> tuple[str, ...]:
        return APPOINTMENT_SLOTS




def _known(value: object) -> str | None:
    return None if value in (None, UNKNOWN) else str(value)


class ActionSaveAppointment(Action):
    def name(self) -> str:
        return "action_save_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        details = AppointmentDetails(
            contact_mode=_known(tracker.get_slot("contact_mode")),
            preferred_times=_known(tracker.get_slot("preferred_times")),
            interpreter_language=_known(tracker.get_slot("interpreter_language")),
        )
        try:
            reference = save_appointment_details(
                queue(), tracker.sender_id, tracker.get_slot("screening_id") or "", details
            )
        except SQLAlchemyError as exc:
            logger.error("the queue could not store appointment details: %s", describe(exc))
            dispatcher.utter_message(response="utter_queue_unavailable")
            return [SlotSet(NEXT_STEP, "none")]
        dispatcher.utter_message(
            response="utter_appointment_saved",
            reference=reference or tracker.get_slot("appointment_reference") or "",
        )
        return [SlotSet(NEXT_STEP, "none")]
