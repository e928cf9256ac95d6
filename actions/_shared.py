"""What every action module needs: the rules, the understanding, the queue, the answers."""
from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.orm import Session, sessionmaker

from db.session import session_factory
from intake.answers import default_answer_schema
from intake.eligibility import RuleSet
from intake.ruleset import default_ruleset
from intake.settings import Settings
from intake.translations import SOURCE_LANGUAGE, available_languages
from intake.understanding import Message, Understanding
from intake.vocabulary import default_vocabulary

SCREENING_SLOTS = (
    "municipality",
    "age",
    "accompanied",
    "country_of_origin",
    "residence_status",
    "permit_extension_at_risk",
    "years_in_germany",
    "in_school_or_training",
    "has_minor_children",
    "benefits",
    "needs",
)
APPOINTMENT_SLOTS = ("contact_mode", "preferred_times", "interpreter_language")
NEXT_STEP = "intake_next_step"


def rules() -> RuleSet:
    return default_ruleset()


@lru_cache(maxsize=1)
def _understanding(today: dt.date) -> Understanding:
    return Understanding(default_vocabulary(), default_answer_schema(), today)


def understanding() -> Understanding:
    return _understanding(dt.date.today())


def queue() -> sessionmaker[Session]:
    return _queue(os.environ.get("DATABASE_URL"))


@lru_cache(maxsize=4)
def _queue(environment_url: str | None) -> sessionmaker[Session]:
    # Reading the settings (environment and .env) took 2 ms a request filed; they are read
    # again when the environment's DATABASE_URL changes.
    return session_factory(Settings().database_url)


@lru_cache(maxsize=1)
def offered_languages() -> tuple[str, ...]:
    return tuple(available_languages())


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in offered_languages() else SOURCE_LANGUAGE


def message_of(tracker: Tracker) -> Message:
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    return Message(
        text=str(latest.get("text") or ""),
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        entities=tuple(latest.get("entities") or ()),
        language=language_of(tracker),
    )


def answers_of(tracker: Tracker) -> dict[str, Any]:
    """The screening answers given so far; unanswered ones are left out (= unknown)."""
    return {
        slot: tracker.get_slot(slot)
        for slot in SCREENING_SLOTS
        if tracker.get_slot(slot) is not None
    }


def describe(exc: BaseException) -> str:
    """An error for the log without its details: database errors carry the statement's
    parameters (answers, conversation ids), which must not reach a log."""
    return type(exc).__name__
