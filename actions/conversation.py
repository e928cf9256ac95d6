"""Greeting, choosing the language, starting over."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._requests import forget_answers
from actions._shared import message_of, offered_languages, understanding
from intake.language_guess import guess_language


class ActionDetectLanguage(Action):
    """Until a language is known, the language of each typed message, once it is clear.

    Only the first clear message decides; after that the language changes only when the
    user asks, so a short "ok" or "да" never flips it.
    """

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = message_of(tracker)
        if tracker.get_slot("language_detected") or message.is_payload:
            return []
        language = guess_language(message.text, offered_languages())
        if language is None:
            return []
        return [SlotSet("language", language), SlotSet("language_detected", True)]


class ActionChangeLanguage(Action):
    """Switches to the language the user names or taps; ``utter_language_changed`` follows."""

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = understanding().language_named(message_of(tracker), offered_languages())
        if language is None:
            return []
        return [SlotSet("language", language), SlotSet("language_detected", True)]


class ActionStartOver(Action):
    """Replaces Rasa's ``action_restart``: ends any form and clears the answers, but keeps
    the language and the consent, so the user is not asked again what they already said."""

    def name(self) -> str:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_restart")
        return forget_answers(tracker) + [ActiveLoop(None), SlotSet("requested_slot", None)]


CHANNELS = ("telegram", "webchat")


class ActionSessionStart(Action):
    """Rasa's session start, plus the language a channel knows (Telegram's ``language_code``,
    the browser's language of the web chat), passed as session metadata."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        events += [
            SlotSet(name, value)
            for name, value in tracker.current_slot_values().items()
            if value is not None and name not in ("session_started_metadata", "requested_slot")
        ]
        metadata = tracker.get_slot("session_started_metadata") or {}
        if metadata.get("channel") in CHANNELS:
            events.append(SlotSet("channel", metadata["channel"]))
        code = str(metadata.get("language_code") or metadata.get("language") or "")[:2].lower()
        if code in offered_languages() and not tracker.get_slot("language_detected"):
            events += [SlotSet("language", code), SlotSet("language_detected", True)]
        events.append(ActionExecuted("action_listen"))
        return events
