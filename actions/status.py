"""What happened to my request: the newest request of this conversation and its status."""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions._shared import describe, queue
from db.repository import requests_of_conversation

logger = logging.getLogger(__name__)


class ActionRequestStatus(Action):
    def name(self) -> str:
        return "action_request_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            requests = requests_of_conversation(queue(), tracker.sender_id)
        except SQLAlchemyError as exc:
            logger.error("the queue could not be read: %s", describe(exc))
            dispatcher.utter_message(response="utter_queue_unavailable")
            return []
        if not requests:
            dispatcher.utter_message(response="utter_status_none")
        else:
            newest = requests[0]
            dispatcher.utter_message(
                response=f"utter_status_{newest.status}", reference=newest.reference
            )
        return []
