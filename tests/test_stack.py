"""End to end: the Rasa server and the action server as `make run` starts them, a
conversation over the REST channel, and the request found in the queue database.

Needs the Rasa virtualenv and the trained model (`make test` provides both)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from intake.stack import PROJECT_DIR
from tests.rasa_stack import RasaStack

pytestmark = pytest.mark.rasa
Stack = RasaStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    # At DEBUG, so that the last test finds what even debug logging would show.
    running = RasaStack(tmp_path_factory.mktemp("stack"), debug=True)
    try:
        yield running.start()
    finally:
        running.close()


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons(replies: list[dict[str, Any]]) -> dict[str, str]:
    return {b["title"]: b["payload"] for r in replies for b in r.get("buttons") or []}


def test_a_minor_alone_in_haan_lands_in_the_queue(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    replies = stack.say(sender, "hallo")
    assert "Darf ich Ihre Antworten speichern" in texts(replies)
    stack.say(sender, buttons(replies)["Ja, einverstanden"])
    assert stack.tracker(sender)["slots"]["requested_slot"] == "municipality"
    stack.say(sender, "ich wohne in haan")
    stack.say(sender, "ich bin 17 und allein hier")
    assert stack.tracker(sender)["slots"]["requested_slot"] == "country_of_origin"
    stack.say(sender, "aus afghanistan")
    replies = stack.say(sender, "Aufenthaltsgestattung")
    stack.say(sender, buttons(replies)["1–2 Jahre"])
    stack.say(sender, "Asylbewerberleistungen")
    replies = stack.say(sender, "schule und deutschkurs")
    result = texts(replies)
    assert "Jugendamt" in result
    reference = stack.requests()[0]["reference"]
    assert reference in result
    assert stack.tracker(sender)["slots"]["requested_slot"] == "contact_mode"
    stack.say(sender, "hausbesuch")
    stack.say(sender, "dienstags nachmittags")
    replies = stack.say(sender, "arabisch")
    assert reference in texts(replies)

    [request] = stack.requests()
    assert request["target_groups"] == ["unaccompanied_minor"]
    assert request["referrals"] == ["sgb8_youth_welfare"]
    assert request["answers"]["country_of_origin"] == "AF"
    assert request["answers"]["years_in_germany"] == 1
    assert request["status"] == "new" and request["language"] == "de"
    assert (request["contact_mode"], request["interpreter_language"]) == ("home_visit", "ar")
    assert request["conversation_id"] == sender
    assert request["consent_version"] and request["consent_at"]

    assert reference in texts(stack.say(sender, "was ist mit meiner anfrage"))


def test_an_adult_who_does_not_know_gets_a_route_in_english(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    before = len(stack.requests())
    replies = stack.say(sender, "hello")
    stack.say(sender, buttons(replies)["English"])
    replies = stack.say(sender, "yes")
    assert "Where do you live" in texts(replies)
    stack.say(sender, "I live in Hilden")
    stack.say(sender, "35")
    stack.say(sender, "I don't know")
    replies = stack.say(sender, "settlement permit")
    stack.say(sender, "/dont_know")
    stack.say(sender, "no")
    replies = stack.say(sender, "housing")
    result = texts(replies)
    assert "Kreis Mettmann" in result
    assert stack.tracker(sender)["slots"]["requested_slot"] is None
    # Outside Haan and an open target group (origin unknown): advice, no Haan request.
    assert len(stack.requests()) == before


def test_bad_answers_are_asked_again_and_nothing_is_stored(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say(sender, "/request_appointment")
    stack.say(sender, "/affirm")
    stack.say(sender, "haan")
    before = len(stack.requests())
    for bad in ("-3", "200", "x" * 5000, "   ", "banane"):
        replies = stack.say(sender, bad)
        assert stack.tracker(sender)["slots"]["requested_slot"] == "age", bad
        if bad.strip():
            assert "zwischen 0 und 120" in texts(replies), bad
    stack.say(sender, "siebzehn")
    assert stack.tracker(sender)["slots"]["age"] == 17
    assert len(stack.requests()) == before


def test_asking_for_a_person_mid_screening_files_a_request(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say(sender, "/request_appointment")
    stack.say(sender, "ja")
    stack.say(sender, "ich wohne in wuppertal")
    replies = stack.say(sender, "ich möchte mit einem mitarbeiter sprechen")
    [request] = [r for r in stack.requests() if r["conversation_id"] == sender]
    assert request["asked_for_person"] is True
    assert request["answers"] == {"municipality": "elsewhere"}
    assert request["reference"] in texts(replies)
    assert stack.tracker(sender)["slots"]["requested_slot"] == "contact_mode"


def test_the_http_api_parses_on_loopback(stack: Stack) -> None:
    parsed = httpx.post(f"{stack.url}/model/parse", json={"text": "ich will einen termin"},
                        timeout=30).json()
    assert parsed["intent"]["name"] == "request_appointment"


CONVERSATIONS = sorted((PROJECT_DIR / "tests" / "conversations").glob("*.yml"))


@pytest.mark.parametrize("path", CONVERSATIONS, ids=lambda p: p.stem)
def test_a_conversation_in_each_language_reaches_an_outcome(stack: Stack, path: Path) -> None:
    script = yaml.safe_load(path.read_text(encoding="utf-8"))
    language = script["language"]
    sender = uuid.uuid4().hex
    stack.say(sender, script["greet"])
    # The language the bot guessed is confirmed (or corrected) with one tap.
    stack.say(sender, f'/change_language{{"language": "{language}"}}')
    assert stack.tracker(sender)["slots"]["language"] == language
    stack.say(sender, script["consent"])
    asked = []
    replies: list[dict[str, Any]] = []
    for _ in range(15):
        slot = stack.tracker(sender)["slots"]["requested_slot"]
        if slot is None or slot == "contact_mode":
            break
        assert slot in script, f"the bot asks {slot}, which the script does not answer"
        assert slot not in asked[-1:], f"{slot} was not understood: {script[slot]!r}"
        asked.append(slot)
        replies = stack.say(sender, script[slot])
    [request] = [r for r in stack.requests() if r["conversation_id"] == sender]
    assert request["language"] == language
    assert request["target_groups"] == sorted(script["expect"]["target_groups"])
    expected_text = locale_text(language, "utter_result_target_group")
    assert expected_text in texts(replies)


def locale_text(language: str, key: str) -> str:
    texts_of = yaml.safe_load((PROJECT_DIR / "locales" / f"{language}.yml").read_text(encoding="utf-8"))
    return str(texts_of[key]).strip()


def test_switching_language_keeps_the_answers(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say(sender, "/request_appointment")
    stack.say(sender, "ja")
    stack.say(sender, "ich wohne in haan")
    stack.say(sender, "ich bin 30")
    replies = stack.say(sender, "english please")
    tracker = stack.tracker(sender)
    assert tracker["slots"]["language"] == "en"
    assert (tracker["slots"]["municipality"], tracker["slots"]["age"]) == ("haan", 30)
    assert tracker["slots"]["requested_slot"] == "country_of_origin"
    assert locale_text("en", "utter_ask_country_of_origin") in texts(replies)
    replies = stack.say(sender, "по-українськи")
    assert stack.tracker(sender)["slots"]["language"] == "uk"
    assert locale_text("uk", "utter_ask_country_of_origin") in texts(replies)


def test_the_channel_language_is_used_from_the_first_message(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    replies = stack.say(sender, "/request_appointment", language_code="ru")
    assert stack.tracker(sender)["slots"]["language"] == "ru"
    assert locale_text("ru", "utter_ask_consent_given").splitlines()[0] in texts(replies)


def test_a_short_message_does_not_flip_the_language(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say(sender, "guten tag, ich brauche beratung")
    assert stack.tracker(sender)["slots"]["language"] == "de"
    stack.say(sender, "ok")
    stack.say(sender, "да")
    assert stack.tracker(sender)["slots"]["language"] == "de"


def test_retention_removes_quiet_conversations_from_rasas_tracker_store(stack: Stack) -> None:
    import datetime as dt

    from intake.retention import apply_retention

    sender = uuid.uuid4().hex
    stack.say(sender, "hallo")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=31)
    report = apply_retention(stack.queue_url, stack.tracker_store_url, closed_days=180,
                             conversation_days=30, now=later)
    assert report["conversations"] >= 1 and report["tracker_events"] > 0
    events = stack.tracker(sender)["events"]
    assert not any(e["event"] == "user" for e in events)


def test_erasure_reaches_rasas_tracker_store(stack: Stack) -> None:
    from intake.retention import apply_retention

    sender = uuid.uuid4().hex
    stack.say(sender, "/request_appointment")
    stack.say(sender, "ja")
    stack.say(sender, "ich möchte mit einem mitarbeiter sprechen")
    assert [r for r in stack.requests() if r["conversation_id"] == sender]
    stack.say(sender, "bitte löschen sie meine daten")
    stack.say(sender, "/affirm")
    assert not [r for r in stack.requests() if r["conversation_id"] == sender]
    report = apply_retention(stack.queue_url, stack.tracker_store_url, 180, 30)
    assert report["erased_conversations"] >= 1
    assert not any(e["event"] == "user" for e in stack.tracker(sender)["events"])


def test_status_asked_mid_screening_is_answered_and_the_question_comes_back(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say(sender, "/request_appointment")
    stack.say(sender, "ja")
    replies = stack.say(sender, "/ask_status")
    assert locale_text("de", "utter_status_none") in texts(replies)
    assert locale_text("de", "utter_ask_municipality").splitlines()[0] in texts(replies)
    assert stack.tracker(sender)["slots"]["requested_slot"] == "municipality"


def test_the_servers_log_no_errors_and_no_answers(stack: Stack) -> None:
    """Runs last: everything the module's conversations made the servers log at DEBUG."""
    typed = {"afghanistan", "Aufenthaltsgestattung", "hausbesuch", "wuppertal", "value: 17"}
    for path in CONVERSATIONS:
        script = yaml.safe_load(path.read_text(encoding="utf-8"))
        typed |= {str(v) for k, v in script.items() if isinstance(v, str) and len(str(v)) >= 8
                  and k not in ("language",)}
    rasa_log = (stack.logs / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert " DEBUG " in rasa_log and "processor.message.parse" in rasa_log
    for log in ("rasa.log", "actions.log"):
        text = (stack.logs / log).read_text(encoding="utf-8", errors="replace")
        assert " ERROR " not in text, text[-2000:]
        for answer in sorted(typed):
            assert answer.lower() not in text.lower(), (log, answer)
