"""Understanding one chat message as the answer to a screening question.

A message is understood from, in this order: "don't know" (intent or words), a button's
payload (entities carrying codes), then its words against ``data/vocabulary``. The result is
a value of the answer schema (``answers.yml``), ``UNKNOWN``, or ``None`` when the message does
not answer the question (the bot then asks again). Pure: no I/O, no Rasa.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from intake.answers import UNKNOWN, AnswerSchema
from intake.vocabulary import Vocabulary, WordList, normalise

# Entities that the bot's own buttons send, by the slot they answer.
BUTTON_ENTITIES = {
    "municipality": "municipality",
    "country_of_origin": "country",
    "residence_status": "residence_status",
    "years_in_germany": "years",
    "benefits": "benefit",
    "needs": "need",
    "contact_mode": "contact_mode",
    "interpreter_language": "language",
}
# A yes/no word only answers a yes/no question in a short message ("ja", "nein danke"),
# not in a sentence that merely contains "no".
SHORT_REPLY_WORDS = 4
MIN_INTENT_CONFIDENCE = 0.6
# Answers that may come along in a message meant for another question. The place of living
# is left out: town names are common words ("Essen").
EXTRA_SLOTS = (
    "age", "accompanied", "country_of_origin", "residence_status", "years_in_germany", "benefits",
)
_NUMBER = re.compile(r"(?<![\w.,])(-\s*)?(\d{1,4})(?:[.,](\d+))?(?![\w])")


@dataclass(frozen=True)
class Message:
    text: str
    intent: Optional[str] = None
    confidence: float = 0.0
    entities: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    language: str = "de"

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")

    def sure(self, intent: str) -> bool:
        return self.intent == intent and self.confidence >= MIN_INTENT_CONFIDENCE

    def entity(self, name: str) -> list[Any]:
        return [e.get("value") for e in self.entities if e.get("entity") == name]


@dataclass(frozen=True)
class Understanding:
    """Turns messages into answers; built once from the vocabulary and the answer schema."""

    vocabulary: Vocabulary
    schema: AnswerSchema
    today: dt.date

    def answer(self, slot: str, message: Message) -> Any:
        """The answer the message gives to ``slot``, ``UNKNOWN``, or ``None``."""
        if self.says_dont_know(message):
            return UNKNOWN
        from_button = self._from_button(slot, message)
        if from_button is not None:
            return from_button
        if message.is_payload:
            return self._from_payload_intent(slot, message)
        reader = getattr(self, f"_read_{slot}", None)
        if reader is None:
            return None
        return reader(message)

    def extras(self, message: Message, asked: str, slots: Sequence[str]) -> dict[str, Any]:
        """Other answers given in the same message ("17 und allein", "Duldung seit 4 Jahren"),
        also to correct an earlier answer ("sorry, ich bin 19 Jahre alt").

        Only clear facts are taken: named things from the word lists, an age or a "since N"
        span with its marker word, never a bare yes/no or number meant for another question.
        """
        if message.is_payload or self.says_dont_know(message):
            return {}
        found: dict[str, Any] = {}
        for slot in slots:
            if slot == asked or slot not in EXTRA_SLOTS:
                continue
            value = self._extra(slot, message)
            if value is not None:
                found[slot] = value
        return found

    def says_dont_know(self, message: Message) -> bool:
        if message.sure("dont_know") or message.text.strip() == "/dont_know":
            return True
        return "dont_know" in self._short_replies(message)

    def is_without_papers(self, message: Message) -> bool:
        return not message.is_payload and bool(self.vocabulary.no_papers.matches(message.text))

    def language_named(self, message: Message, offered: Sequence[str]) -> Optional[str]:
        """The chat language a message asks for ("English please", a language button)."""
        for value in message.entity("language"):
            if value in offered:
                return str(value)
        codes = [c for c in self.vocabulary.languages.codes_in(message.text) if c in offered]
        return codes[0] if len(codes) == 1 else None

    # --- per slot -------------------------------------------------------------------------

    def _read_consent_given(self, message: Message) -> Optional[bool]:
        return self._yes_no(message)

    def _read_municipality(self, message: Message) -> Optional[str]:
        return self._one(self.vocabulary.municipalities, message.text)

    def _read_age(self, message: Message) -> Optional[int]:
        number = self._number(message.text)
        if number is None:
            return self._marked_age(message.text)
        if 1900 <= number <= self.today.year:
            number = self.today.year - number
        return self._in_range("age", number)

    def _read_accompanied(self, message: Message) -> Optional[bool]:
        codes = self.vocabulary.replies.codes_in(message.text)
        if "alone" in codes and "with_parents" not in codes:
            return False
        if "with_parents" in codes and "alone" not in codes:
            return True
        return self._yes_no(message)

    def _read_country_of_origin(self, message: Message) -> Optional[str]:
        return self._one(self.vocabulary.countries, message.text)

    def _read_residence_status(self, message: Message) -> Optional[str]:
        return self._one(self.vocabulary.residence_statuses, message.text)

    def _read_permit_extension_at_risk(self, message: Message) -> Optional[bool]:
        return self._yes_no(message)

    def _read_years_in_germany(self, message: Message) -> Optional[float]:
        number = self._number(message.text)
        if number is None:
            return None
        if 1900 <= number <= self.today.year:
            number = self.today.year - number
        return self._in_range("years_in_germany", number)

    def _read_in_school_or_training(self, message: Message) -> Optional[bool]:
        return self._yes_no(message)

    def _read_has_minor_children(self, message: Message) -> Optional[bool]:
        return self._yes_no(message)

    def _read_benefits(self, message: Message) -> Optional[str]:
        code = self._one(self.vocabulary.benefits, message.text)
        if code is None and self._yes_no(message) is False:
            return "none"
        return code

    def _read_needs(self, message: Message) -> Optional[list[str]]:
        codes = self.vocabulary.needs.codes_in(message.text)
        return sorted(codes) if codes else None

    def _read_contact_mode(self, message: Message) -> Optional[str]:
        return self._one(self.vocabulary.contact_modes, message.text)

    def _read_preferred_times(self, message: Message) -> Optional[str]:
        text = " ".join(message.text.split())
        limit = self.schema.slots["preferred_times"].max_length
        if not text or len(text) > limit:
            return None
        return text

    def _read_interpreter_language(self, message: Message) -> Optional[str]:
        codes = self.vocabulary.languages.codes_in(message.text)
        if len(codes) == 1:
            return codes[0]
        answer = self._yes_no(message)
        if answer is True:
            return message.language
        if answer is False:
            return ""
        return None

    # --- helpers --------------------------------------------------------------------------

    def _extra(self, slot: str, message: Message) -> Any:
        if slot == "age":
            return self._marked_age(message.text)
        if slot == "years_in_germany":
            return self._years_since(message.text)
        if slot == "accompanied":
            codes = self.vocabulary.replies.codes_in(message.text)
            if "alone" in codes and "with_parents" not in codes:
                return False
            if "with_parents" in codes and "alone" not in codes:
                return True
            return None
        lists: dict[str, WordList] = {
            "municipality": self.vocabulary.municipalities,
            "country_of_origin": self.vocabulary.countries,
            "residence_status": self.vocabulary.residence_statuses,
            "benefits": self.vocabulary.benefits,
        }
        if slot in lists:
            return self._one(lists[slot], message.text)
        return None

    def _marked_age(self, text: str) -> Optional[int]:
        """A number said to be an age: "ich bin 19", "19 Jahre alt", "I'm 19 years old"."""
        words = normalise(text).split(" ")
        ages = self.vocabulary.age_words
        for i, word in enumerate(words):
            if not word.isdigit():
                continue
            before = words[i - 1] if i > 0 else ""
            after = words[i + 1 : i + 3]
            if before in self.vocabulary.age_before_words or any(w in ages for w in after):
                return self._in_range("age", int(word))
        return None

    def _years_since(self, text: str) -> Optional[float]:
        """A number right after "seit"/"since", or right before "Jahre"/"years"."""
        words = normalise(text).split(" ")
        for i, word in enumerate(words):
            if not word.isdigit():
                continue
            before = words[i - 1] if i > 0 else ""
            after = words[i + 1] if i + 1 < len(words) else ""
            then = words[i + 2] if i + 2 < len(words) else ""
            if (
                then in self.vocabulary.age_words
                or after in self.vocabulary.age_words
                or before in self.vocabulary.age_before_words
            ):
                continue  # "28 years old", "ich bin 28": an age, not a stay
            if before in self.vocabulary.since_words or after in self.vocabulary.year_words:
                number = int(word)
                if 1900 <= number <= self.today.year:
                    number = self.today.year - number
                return self._in_range("years_in_germany", number)
        return None

    def _from_button(self, slot: str, message: Message) -> Any:
        entity = BUTTON_ENTITIES.get(slot)
        if entity is None:
            return None
        values = message.entity(entity)
        if not values:
            return None
        try:
            if slot == "needs":
                return self.schema.normalise({slot: list(values)})[slot]
            value = values[0]
            if slot == "years_in_germany":
                value = float(value)
            return self.schema.normalise({slot: value})[slot]
        except (ValueError, TypeError):
            return None

    def _from_payload_intent(self, slot: str, message: Message) -> Any:
        """A button that answers by intent (``/affirm``, ``/deny``)."""
        spec = self.schema.slots.get(slot)
        if spec is None:
            return None
        answer = {"/affirm": True, "/deny": False}.get(message.text.strip())
        if answer is None:
            return None
        if spec.type == "bool":
            return answer
        if slot == "interpreter_language":
            return message.language if answer else ""
        return None

    def _short_replies(self, message: Message) -> list[str]:
        if len(normalise(message.text).split(" ")) > SHORT_REPLY_WORDS:
            return []
        return self.vocabulary.replies.codes_in(message.text)

    def _yes_no(self, message: Message) -> Optional[bool]:
        replies = [r for r in self._short_replies(message) if r in ("yes", "no")]
        if len(set(replies)) == 1:
            return replies[0] == "yes"
        if message.sure("affirm"):
            return True
        if message.sure("deny"):
            return False
        return None

    def _one(self, words: WordList, text: str) -> Optional[str]:
        return words.one_code(text)

    def _number(self, text: str) -> Optional[float]:
        """The one number in a message, in digits or words; ``None`` if none, several or < 0."""
        numbers: list[float] = []
        for match in _NUMBER.finditer(text):
            if match.group(1):
                return None
            value = float(f"{match.group(2)}.{match.group(3)}") if match.group(3) else float(match.group(2))
            numbers.append(value)
        numbers += [float(n) for n in self.vocabulary.numbers.values_in(text)]
        if len(set(numbers)) != 1:
            return None
        return numbers[0]

    def _in_range(self, slot: str, number: float) -> Optional[float]:
        spec = self.schema.slots[slot]
        if spec.whole:
            number = float(int(number))
        if spec.minimum is not None and number < spec.minimum:
            return None
        if spec.maximum is not None and number > spec.maximum:
            return None
        return int(number) if spec.whole else number
