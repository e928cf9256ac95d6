"""The form validation every kim-intake form shares.

A message is understood as the answer to the question asked (``requested_slot``); other
answers in the same message are kept too. A message that answers nothing sets the question
again and marks it in ``reask``; the question's response (``utter_ask_<slot>``, built by
intake/responses.py) then shows its hint with buttons.
"""
from __future__ import annotations

import sys
from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions._shared import message_of, understanding
from intake.understanding import Message

REQUESTED_SLOT = "requested_slot"
# Below the sure level, an interrupting intent still counts when the message answers nothing.
UNSURE_INTENT = 0.3
REASK = "reask"
# Questions or remarks the bot answers before asking again, when they answer nothing.
ANSWERED_ASIDES = {
    "help": "utter_help",
    "bot_challenge": "utter_bot_challenge",
    "thank": "utter_thank",
}


class IntakeFormValidation(FormValidationAction, ABC):
    """Understands the latest message; subclasses name the form and may add special cases.

    A message whose intent is one of ``interruptions`` (asking for a person, starting over)
    is not taken as an answer: the validation returns nothing, Rasa rejects the form for
    this turn, and the rules for that intent take over.
    """

    interruptions: frozenset[str] = frozenset(
        {"ask_human", "restart", "delete_my_data", "change_language", "ask_status"}
    )

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        asked = tracker.get_slot(REQUESTED_SLOT)
        events: list[EventType] = []
        if asked and self._runs_after_user_message(tracker):
            message = message_of(tracker)
            if any(message.sure(intent) for intent in self.interruptions):
                return []
            events = self.understand(asked, message, dispatcher, tracker)
            if self._not_an_answer(asked, events) and self._may_interrupt(message):
                return []
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        events += [next_slot] if next_slot else []
        tracker.add_slots([next_slot] if next_slot else [])
        reask = tracker.get_slot(REASK)
        if reask is not None and reask != tracker.get_slot(REQUESTED_SLOT):
            # The hint is for the question asked again; any other question is asked plainly.
            events.append(SlotSet(REASK, None))
        if not events and not asked:
            # No question asked yet: the form is starting. Rasa validates a starting form a
            # second time when the first validation gave no event; this one changes nothing
            # (``reask`` is empty: see above) and saves that action call.
            events.append(SlotSet(REASK, None))
        return events

    def understand(
        self, asked: str, message: Message, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        value = understanding().answer(asked, message)
        extras = [
            SlotSet(slot, extra)
            for slot, extra in understanding().extras(message, asked, self.form_slots()).items()
            if tracker.get_slot(slot) != extra
        ]
        if value is not None:
            return [SlotSet(asked, value), SlotSet(REASK, None), *extras]
        if extras:
            # A correction of an earlier answer: taken, and the question asked again plainly.
            return [*extras, SlotSet(asked, None), SlotSet(REASK, None)]
        aside = next(
            (response for intent, response in ANSWERED_ASIDES.items() if message.sure(intent)),
            None,
        )
        if aside:
            dispatcher.utter_message(response=aside)
        return [SlotSet(asked, None), SlotSet(REASK, asked)]

    @abstractmethod
    def form_slots(self) -> tuple[str, ...]: ...

    def _may_interrupt(self, message: Message) -> bool:
        """A message that answers nothing and most likely asks for an interruption."""
        return message.intent in self.interruptions and message.confidence >= UNSURE_INTENT

    def _runs_after_user_message(self, tracker: Tracker) -> bool:
        """True when the form runs on a new message, not when it resumes after an
        interruption (the language changed, a question answered) with nothing new to read."""
        actions = [e.get("name") for e in reversed(tracker.events) if e.get("event") == "action"]
        before_form = [name for name in actions if name != self.form_name()]
        return bool(before_form) and before_form[0] == "action_listen"

    @staticmethod
    def _not_an_answer(asked: str, events: list[EventType]) -> bool:
        return any(e.get("name") == REASK and e.get("value") == asked for e in events)


class AskQuestion(Action, ABC):
    """``action_ask_<slot>``, for a question that needs a notice said before it by channel.
    Other questions are asked by their response alone."""

    slot: str = ""
    # A response said before the question (not before the hint), by the conversation's channel.
    notices: dict[str, str] = {}

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        hint = tracker.get_slot(REASK) == self.slot
        notice = self.notices.get(tracker.get_slot("channel") or "")
        if notice and not hint:
            dispatcher.utter_message(response=notice)
        dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return []


def _ask_name(self: AskQuestion) -> str:
    return f"action_ask_{self.slot}"


def ask_actions(
    slots: tuple[str, ...], notices: dict[str, str] | None = None
) -> list[type[AskQuestion]]:
    """One ``action_ask_<slot>`` class per slot (rasa-sdk registers each subclass by name).

    Each class is also a name of this module, so that the action server's worker processes
    can unpickle it.
    """
    classes = []
    for slot in slots:
        name = f"AskQuestion_{slot}"
        cls = type(name, (AskQuestion,), {
            "slot": slot, "name": _ask_name, "__module__": __name__, "notices": notices or {},
        })
        setattr(sys.modules[__name__], name, cls)
        classes.append(cls)
    return classes
