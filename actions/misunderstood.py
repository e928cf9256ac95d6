"""Collecting misunderstood messages for the console's inbox (issue 6): a typed message that
fell to ``nlu_fallback`` or whose intent is below the confidence threshold is stored, stripped
of numbers, names, phone numbers, e-mail addresses and links, if the user has consented.
Collecting is a side matter: it never changes or fails the turn."""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._shared import describe, message_of, queue
from db.inbox import Misunderstood, collect
from intake.redaction import has_words, redact
from intake.settings import Settings
from intake.training_data import MAX_EXAMPLE_LENGTH, known_words
from intake.vocabulary import default_vocabulary

logger = logging.getLogger(__name__)
FALLBACK = "nlu_fallback"


@lru_cache(maxsize=1)
def vocabulary_words() -> frozenset[str]:
    """Words never taken for a name: the examples of every language, and the word lists."""
    vocabulary = default_vocabulary()
    lists = (vocabulary.countries, vocabulary.municipalities, vocabulary.residence_statuses,
             vocabulary.benefits, vocabulary.needs, vocabulary.contact_modes,
             vocabulary.languages, vocabulary.replies, vocabulary.numbers.words)
    listed = {word for word_list in lists for synonym in word_list.synonyms for word in synonym}
    return known_words() | frozenset(listed)


def misunderstood(tracker: Tracker, threshold: float) -> Misunderstood | None:
    """The latest message as an inbox entry, or ``None`` when it is not one: no consent, a
    button press, understood well enough, or nothing left once stripped."""
    if tracker.get_slot("consent_given") is not True:
        return None
    message = message_of(tracker)
    if not message.text.strip() or message.is_payload:
        return None
    name, confidence = message.intent, message.confidence
    if name != FALLBACK and confidence >= threshold:
        return None
    if name == FALLBACK or not name:
        # The FallbackClassifier puts itself first; the model's own guess comes next.
        latest: dict[str, Any] = tracker.latest_message or {}
        guesses = [i for i in latest.get("intent_ranking") or [] if i.get("name") != FALLBACK]
        name = guesses[0].get("name") if guesses else None
        confidence = float(guesses[0].get("confidence") or 0.0) if guesses else 0.0
    stripped = redact(message.text, vocabulary_words())
    if len(stripped) > MAX_EXAMPLE_LENGTH:  # cut at a space, never inside a placeholder
        stripped = stripped[:MAX_EXAMPLE_LENGTH + 1].rsplit(" ", 1)[0]
    if not has_words(stripped):
        return None
    return Misunderstood(conversation_id=tracker.sender_id, text=stripped,
                         language=message.language, predicted_intent=name,
                         confidence=round(confidence, 3))


class ActionNoteMisunderstood(Action):
    def name(self) -> str:
        return "action_note_misunderstood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            entry = misunderstood(tracker, Settings().inbox_confidence_threshold)
            if entry is not None:
                collect(queue(), entry)
        except Exception as exc:  # noqa: BLE001 - the inbox must never cost the user a turn
            logger.error("a misunderstood message could not be collected: %s", describe(exc))
        return []
