"""Erasing what the bot stored about this conversation (after the user confirmed)."""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions._requests import forget_answers
from actions._shared import NEXT_STEP, describe, queue
from db.repository import erase_conversation

logger = logging.getLogger(__name__)


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            erase_conversation(queue(), tracker.sender_id)
        except SQLAlchemyError as exc:
            logger.error("the queue could not erase a conversation: %s", describe(exc))
            dispatcher.utter_message(response="utter_queue_unavailable")
            return []
        dispatcher.utter_message(response="utter_data_deleted")
        # Tells a channel (the Telegram gateway, the web chat) to forget what it holds too.
        dispatcher.utter_message(json_message={"conversation_erased": True})
        return forget_answers(tracker) + [
            SlotSet("consent_given", None),
            SlotSet("consent_record", None),
            SlotSet(NEXT_STEP, "none"),
        ]
