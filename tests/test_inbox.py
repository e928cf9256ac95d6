"""The inbox of misunderstood messages: what the action collects (only with consent, only typed
text the model was unsure about, stripped), the repository, erasure and retention, and the
round trip: collected, labelled in the console, written to nlu/de.yml, trained, understood."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from markupsafe import escape
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

import console.app as console_app
from actions.erasure import ActionDeleteMyData
from actions.misunderstood import ActionNoteMisunderstood
from console.settings import ConsoleSettings
from db.inbox import (
    AlreadyDecided,
    EntryNotFound,
    Misunderstood,
    collect,
    count_new_entries,
    decide,
    delete_inbox_before,
    new_entries,
)
from db.models import MisunderstoodMessage
from db.session import session_factory
from intake.paths import PROJECT_DIR
from intake.retention import apply_retention
from intake.training_data import examples_by_intent
from tests.test_console import log_in, queue_db, rasa_events  # noqa: F401 (fixtures)

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.timezone.utc)
FALLBACK_RANKING = [{"name": "nlu_fallback", "confidence": 0.3},
                    {"name": "ask_housing", "confidence": 0.27},
                    {"name": "out_of_scope", "confidence": 0.2}]


def tracker(text: str, intent: str = "nlu_fallback", confidence: float = 0.3,
            consent: Any = True, ranking: list[dict[str, Any]] | None = None,
            sender: str = "web-conversation-1", language: str = "de") -> Tracker:
    return Tracker(
        sender_id=sender,
        slots={"language": language, "consent_given": consent},
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                        "intent_ranking": FALLBACK_RANKING if ranking is None else ranking,
                        "entities": []},
        events=[], paused=False, followup_action=None, active_loop={},
        latest_action_name="action_listen",
    )


def note(t: Tracker) -> list[Any]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionNoteMisunderstood().run(dispatcher, t, {}))
    assert dispatcher.messages == []  # it never says anything
    return events


@pytest.fixture
def queue_env(queue_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", queue_url)
    monkeypatch.delenv("INBOX_CONFIDENCE_THRESHOLD", raising=False)
    return queue_url


def texts(queue_url: str) -> list[str]:
    return [e.text for e in new_entries(session_factory(queue_url))]


# --- collecting ---------------------------------------------------------------------------


def test_a_fallback_message_is_collected_stripped_with_the_models_guess(queue_env: str) -> None:
    assert note(tracker("Ich heiße Olga Petrenko, Tel 0176 1234567, wo finde ich was?",
                        language="uk")) == []
    [entry] = new_entries(session_factory(queue_env))
    assert entry.text == "Ich heiße <name>, Tel <telefon>, wo finde ich was?"
    assert (entry.language, entry.predicted_intent, entry.confidence) == ("uk", "ask_housing", 0.27)


@pytest.mark.parametrize("consent", [None, False, "unknown"])
def test_nothing_is_collected_without_consent(queue_env: str, consent: Any) -> None:
    note(tracker("wo finde ich eine bleibe", consent=consent))
    assert texts(queue_env) == []


def test_only_messages_below_the_threshold_are_collected(
        queue_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    note(tracker("sicher verstanden", "out_of_scope", 0.95, ranking=[]))
    note(tracker("knapp unsicher", "out_of_scope", 0.55, ranking=[]))
    assert texts(queue_env) == ["knapp unsicher"]
    monkeypatch.setenv("INBOX_CONFIDENCE_THRESHOLD", "0.5")
    note(tracker("wieder knapp", "out_of_scope", 0.55, ranking=[]))
    assert texts(queue_env) == ["knapp unsicher"]


@pytest.mark.parametrize("text", ['/inform{"age": 10}', "/restart", "", "   ", "0176 1234567"])
def test_button_payloads_and_empty_or_only_personal_texts_are_not_collected(
        queue_env: str, text: str) -> None:
    note(tracker(text))
    assert texts(queue_env) == []


def test_a_long_message_is_cut_at_a_space_after_stripping(queue_env: str) -> None:
    note(tracker("ruf Herrn Meier an " * 40))
    [text] = texts(queue_env)
    assert len(text) <= 500 and text.startswith("ruf <name> an ruf <name> an")
    assert text.endswith((" ruf", " <name>", " an")) and "Meier" not in text


def test_the_same_message_sent_again_is_collected_once(queue_env: str) -> None:
    note(tracker("wo finde ich eine bleibe"))
    note(tracker("wo finde ich eine bleibe"))
    note(tracker("wo finde ich eine bleibe", sender="web-conversation-2"))
    assert texts(queue_env) == ["wo finde ich eine bleibe"] * 2


def test_a_broken_queue_costs_the_turn_nothing_and_logs_no_text(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/not-migrated.sqlite3")
    with caplog.at_level(logging.DEBUG):
        assert note(tracker("geheimes anliegen xyz", sender="web-secret-conversation")) == []
    assert "OperationalError" in caplog.text
    for personal in ("geheimes anliegen", "web-secret-conversation"):
        assert personal not in caplog.text


# --- the repository, erasure, retention ---------------------------------------------------


def test_a_decision_is_made_once(sessions: sessionmaker[Session]) -> None:
    collect(sessions, Misunderstood("c1", "eins", "de", None, 0.1))
    [entry] = new_entries(sessions)
    decided = decide(sessions, entry.id, "greet", "ki.admin", NOW)
    assert (decided.status, decided.assigned_intent) == ("accepted", "greet")
    assert count_new_entries(sessions) == 0
    with pytest.raises(AlreadyDecided):
        decide(sessions, entry.id, None, "someone")
    with pytest.raises(EntryNotFound):
        decide(sessions, entry.id + 1000, None, "someone")


def test_the_users_erasure_removes_their_inbox_entries(queue_env: str) -> None:
    note(tracker("mein anliegen", sender="web-erase-me"))
    note(tracker("ein anderes anliegen", sender="web-stays"))
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionDeleteMyData().run(dispatcher, tracker("/delete_my_data", "delete_my_data",
                                                             1.0, sender="web-erase-me"), {}))
    assert texts(queue_env) == ["ein anderes anliegen"]


def test_retention_deletes_entries_past_their_time_decided_or_not(
        queue_url: str, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    for text, days_ago in (("alt", 31), ("alt entschieden", 45), ("frisch", 29)):
        collect(sessions, Misunderstood("c", text, "de", None, 0.2))
        with sessions.begin() as session:
            session.execute(update(MisunderstoodMessage).where(MisunderstoodMessage.text == text)
                            .values(created_at=NOW - dt.timedelta(days=days_ago)))
    decide(sessions, next(e.id for e in new_entries(sessions) if e.text == "alt entschieden"),
           None, "ki.admin")

    report = apply_retention(queue_url, f"sqlite:///{tmp_path / 'trackers.sqlite3'}",
                             closed_days=180, conversation_days=30, now=NOW, inbox_days=30)

    assert report["inbox_entries"] == 2
    assert [e.text for e in new_entries(sessions)] == ["frisch"]
    assert delete_inbox_before(sessions, NOW) == 1


# --- the round trip -----------------------------------------------------------------------

ROUND_TRIP_INTENTS = ("greet", "thank", "ask_housing", "ask_language_course", "ask_jobcenter",
                      "out_of_scope")
MISUNDERSTOOD = "ich brauche dringend ein dach über dem kopf für mich und meine 3 kinder, " \
                "mein name ist Olga"
RASA_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture
def small_nlu(tmp_path: Path) -> Path:
    """A few German intents copied from nlu/de.yml, in the project's format."""
    directory = tmp_path / "nlu"
    directory.mkdir()
    german = examples_by_intent(PROJECT_DIR / "nlu" / "de.yml")
    blocks = ["version: \"3.1\"\nnlu:\n"] + [
        f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {e}\n" for e in german[intent])
        + "\n" for intent in ROUND_TRIP_INTENTS]
    (directory / "de.yml").write_text("".join(blocks).rstrip("\n") + "\n", encoding="utf-8")
    return directory


@pytest.fixture
def inbox_client(queue_db: str, rasa_events: list[Any], small_nlu: Path,  # noqa: F811
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", queue_db)
    settings = ConsoleSettings(console_secret="c" * 40, database_url=queue_db,  # type: ignore[call-arg]
                               nlu_dir=small_nlu, _env_file=None)
    with TestClient(console_app.create_app(settings), follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.rasa
@pytest.mark.parametrize("queue_url", ["sqlite"], indirect=True)
def test_a_misunderstood_message_is_labelled_trained_and_then_understood(
        inbox_client: TestClient, queue_db: str, small_nlu: Path, tmp_path: Path) -> None:  # noqa: F811
    # 1. The bot did not understand it; the user had consented: it appears in the inbox.
    note(tracker(MISUNDERSTOOD, ranking=[{"name": "nlu_fallback", "confidence": 0.3},
                                         {"name": "out_of_scope", "confidence": 0.22}]))
    stripped = "ich brauche dringend ein dach über dem kopf für mich und meine <zahl> kinder, " \
               "mein name ist <name>"
    before = tmp_path / "nlu-before"
    shutil.copytree(small_nlu, before)
    token = log_in(inbox_client, "ki.admin")
    page = inbox_client.get("/posteingang").text
    assert str(escape(stripped)) in page and "Olga" not in page
    entry = new_entries(session_factory(queue_db))[0]

    # 2. The integration centre labels it: it lands in the German file, under its intent.
    response = inbox_client.post(f"/posteingang/{entry.id}", data={
        "csrf": token, "decision": "accept", "intent": "ask_housing"})
    assert response.status_code == 303
    assert examples_by_intent(small_nlu / "de.yml")["ask_housing"][-1] == stripped

    # 3. The next training uses it: understood now, where the model without it was wrong.
    domain = tmp_path / "domain.yml"
    domain.write_text(yaml.safe_dump({"version": "3.1", "intents": list(ROUND_TRIP_INTENTS)}),
                      encoding="utf-8")
    source, target = tmp_path / "texts.json", tmp_path / "intents.json"
    source.write_text(json.dumps([stripped]), encoding="utf-8")
    result = subprocess.run(
        [str(PROJECT_DIR / ".venv-rasa" / "bin" / "python"), "tests/rasa_train_parse.py",
         "config.yml", str(domain), str(tmp_path / "models"), str(source), str(target),
         str(before), str(small_nlu)],
        cwd=PROJECT_DIR, env=RASA_ENV, capture_output=True, text=True, timeout=300,
        check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    [without], [with_example] = json.loads(target.read_text(encoding="utf-8"))
    assert without != "ask_housing"
    assert with_example == "ask_housing"
