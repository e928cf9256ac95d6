"""The custom actions, run as rasa-sdk runs them, on trackers built here (no Rasa server)."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.appointment import ActionSaveAppointment, ValidateAppointmentForm
from actions.ask_human import ActionAskHuman
from actions.consent import ActionAfterConsent, ActionStartScreening, ValidateConsentForm
from actions.erasure import ActionDeleteMyData
from actions.screening_form import ValidateScreeningForm
from actions.screening_result import ActionScreeningResult
from actions.status import ActionRequestStatus
from db.repository import export_requests
from db.session import session_factory

DOMAIN: dict[str, Any] = {
    "forms": {
        "screening_form": {"required_slots": ["municipality", "age"]},
        "appointment_form": {"required_slots": ["contact_mode", "preferred_times",
                                                "interpreter_language"]},
        "consent_form": {"required_slots": ["consent_given"]},
    },
    "slots": {},
}


def tracker(slots: dict[str, Any] | None = None, text: str = "", intent: str = "inform",
            confidence: float = 0.95, entities: list[dict[str, Any]] | None = None,
            sender: str = "conversation-1", form: str | None = None) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots={"language": "de", **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                        "entities": entities or []},
        events=[{"event": "action", "name": "action_listen"}, {"event": "user", "text": text},
                *([{"event": "action", "name": form}] if form else [])],
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[str]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return events, [m.get("response") or json.dumps(m.get("custom")) for m in dispatcher.messages]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture
def queue_env(queue_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", queue_url)
    return queue_url


# --- the screening form, slot by slot ---------------------------------------------------


@pytest.mark.parametrize(
    "asked,text,value",
    [
        ("municipality", "ich wohne in haan", "haan"),
        ("age", "siebzehn", 17),
        ("accompanied", "allein", False),
        ("country_of_origin", "from Romania", "RO"),
        ("residence_status", "Duldung", "duldung"),
        ("permit_extension_at_risk", "ja", True),
        ("years_in_germany", "seit 2020", 6),
        ("in_school_or_training", "nein", False),
        ("has_minor_children", "yes", True),
        ("benefits", "Bürgergeld", "sgb2"),
        ("needs", "Arbeit und Deutschkurs", ["language_course", "work"]),
    ],
)
def test_screening_form_takes_an_answer(asked: str, text: str, value: Any) -> None:
    events, responses = run(ValidateScreeningForm(),
                            tracker({"requested_slot": asked}, text, form="screening_form"))
    slots = slot_events(events)
    assert slots[asked] == value
    assert slots["reask"] is None
    assert responses == []


@pytest.mark.parametrize("text", ["-3", "200", "", "x" * 5000, "ich bin alt"])
def test_a_bad_age_asks_again_with_a_hint(text: str) -> None:
    events, _ = run(ValidateScreeningForm(),
                    tracker({"requested_slot": "age", "municipality": "haan"}, text,
                            form="screening_form"))
    slots = slot_events(events)
    assert slots["age"] is None
    assert slots["reask"] == "age"
    assert slots["requested_slot"] == "age"


def test_one_message_answers_two_questions() -> None:
    events, _ = run(ValidateScreeningForm(),
                    tracker({"requested_slot": "age", "municipality": "haan"},
                            "ich bin 17 und allein hier", form="screening_form"))
    slots = slot_events(events)
    assert (slots["age"], slots["accompanied"]) == (17, False)
    assert slots["requested_slot"] == "country_of_origin"


def test_an_earlier_answer_can_be_corrected() -> None:
    answered = {"requested_slot": "benefits", "municipality": "haan", "age": 17,
                "accompanied": True, "country_of_origin": "RO", "residence_status": "eu_citizen",
                "years_in_germany": 2}
    events, _ = run(ValidateScreeningForm(),
                    tracker(answered, "sorry, ich bin 19 jahre alt und komme aus syrien",
                            form="screening_form"))
    slots = slot_events(events)
    assert (slots["age"], slots["country_of_origin"]) == (19, "SY")
    assert slots["benefits"] is None and slots["reask"] is None
    assert slots["requested_slot"] == "benefits"


def test_dont_know_moves_on() -> None:
    events, _ = run(ValidateScreeningForm(),
                    tracker({"requested_slot": "age", "municipality": "haan"}, "weiß nicht",
                            intent="dont_know", form="screening_form"))
    slots = slot_events(events)
    assert slots["age"] == "unknown"
    assert slots["requested_slot"] == "accompanied"


def test_under_16_ends_the_screening() -> None:
    events, _ = run(ValidateScreeningForm(),
                    tracker({"requested_slot": "age", "municipality": "haan"}, "15",
                            form="screening_form"))
    assert slot_events(events)["requested_slot"] is None


def test_an_interruption_is_left_to_the_rules() -> None:
    events, _ = run(ValidateScreeningForm(),
                    tracker({"requested_slot": "age"}, "ich will mit einem menschen sprechen",
                            intent="ask_human", confidence=0.97, form="screening_form"))
    assert events == []


def test_an_unsure_interruption_counts_only_when_nothing_was_answered() -> None:
    unsure = tracker({"requested_slot": "age", "municipality": "haan"},
                     "ich will mit einem menschen sprechen", intent="ask_human", confidence=0.45,
                     form="screening_form")
    assert run(ValidateScreeningForm(), unsure)[0] == []
    answered = tracker({"requested_slot": "age", "municipality": "haan"}, "17",
                       intent="ask_human", confidence=0.45, form="screening_form")
    assert slot_events(run(ValidateScreeningForm(), answered)[0])["age"] == 17


def test_resuming_after_an_interruption_reads_no_message_again() -> None:
    resumed = tracker({"requested_slot": "country_of_origin", "municipality": "haan", "age": 30},
                      "english please", intent="change_language", confidence=0.9,
                      form="screening_form")
    resumed.events[2:2] = [{"event": "action", "name": "action_change_language"},
                           {"event": "action", "name": "utter_language_changed"}]
    events, responses = run(ValidateScreeningForm(), resumed)
    assert events == [{"event": "slot", "timestamp": None, "name": "requested_slot",
                       "value": "country_of_origin"}]
    assert responses == []


def test_help_during_the_form_is_answered_and_the_question_repeated() -> None:
    events, responses = run(ValidateScreeningForm(),
                            tracker({"requested_slot": "age", "municipality": "haan"},
                                    "was kannst du", intent="help", form="screening_form"))
    assert responses == ["utter_help"]
    assert slot_events(events)["reask"] == "age"
    assert slot_events(events)["requested_slot"] == "age"


def test_the_hint_is_only_for_the_question_asked_again() -> None:
    # Not an answer to the age, but the municipality is still missing, so it comes next:
    # asked plainly, since its response would show the hint only while ``reask`` names it.
    events, _ = run(ValidateScreeningForm(),
                    tracker({"requested_slot": "age"}, "was kannst du", intent="help",
                            form="screening_form"))
    assert slot_events(events)["requested_slot"] == "municipality"
    assert slot_events(events)["reask"] is None


def test_a_form_starting_gets_an_event_that_changes_nothing() -> None:
    # Rasa calls the validation again when it starts a form and the first call gave no event.
    for validation in [ValidateConsentForm(), ValidateAppointmentForm()]:
        events, responses = run(validation, tracker(text="ja", intent="affirm"))
        assert events == [{"event": "slot", "timestamp": None, "name": "reask", "value": None}]
        assert responses == []


def test_no_papers_ends_the_screening() -> None:
    events, _ = run(ValidateScreeningForm(),
                    tracker({"requested_slot": "residence_status", "municipality": "haan",
                             "age": 30, "country_of_origin": "SY"},
                            "ich habe keine papiere", form="screening_form"))
    slots = slot_events(events)
    assert slots["no_papers"] is True
    assert slots["requested_slot"] is None


# --- consent -------------------------------------------------------------------------------


def test_consent_form_understands_yes_and_no() -> None:
    yes, _ = run(ValidateConsentForm(), tracker({"requested_slot": "consent_given"}, "ja",
                                                 form="consent_form"))
    assert slot_events(yes)["consent_given"] is True
    dunno, _ = run(ValidateConsentForm(), tracker({"requested_slot": "consent_given"},
                                                   "weiß nicht", form="consent_form"))
    assert slot_events(dunno)["consent_given"] is False


def test_consent_records_the_text_version_and_time() -> None:
    from intake.translations import consent_version

    yes, _ = run(ValidateConsentForm(), tracker({"requested_slot": "consent_given"}, "ja",
                                                 form="consent_form"))
    record = slot_events(yes)["consent_record"]
    assert record["version"] == consent_version() and len(record["version"]) == 12
    assert record["at"].endswith("+00:00")
    no, _ = run(ValidateConsentForm(), tracker({"requested_slot": "consent_given"}, "nein",
                                                form="consent_form"))
    assert slot_events(no)["consent_record"] is None


def test_a_request_keeps_the_consent_record(queue_env: str) -> None:
    record = {"version": "abc123def456", "at": "2026-11-25T10:00:00+00:00"}
    run(ActionScreeningResult(), tracker({**MINOR_ALONE, "consent_record": record}))
    [row] = export_requests(session_factory(queue_env))
    assert row["consent_version"] == "abc123def456"
    assert row["consent_at"].startswith("2026-11-25T10:00:00")


def test_screening_starts_with_consent_only() -> None:
    events, _ = run(ActionStartScreening(), tracker({}))
    assert slot_events(events)["intake_next_step"] == "consent"
    events, responses = run(ActionStartScreening(), tracker({"consent_given": True}))
    assert slot_events(events)["intake_next_step"] == "screening"
    assert slot_events(events)["screening_id"]
    assert responses == ["utter_screening_intro"]


def test_declined_consent_stores_nothing(queue_env: str) -> None:
    events, responses = run(ActionAfterConsent(), tracker({"consent_given": False}))
    assert responses == ["utter_consent_declined"]
    assert slot_events(events)["intake_next_step"] == "none"
    assert export_requests(session_factory(queue_env)) == []


# --- result, request, appointment -------------------------------------------------------

MINOR_ALONE = {"municipality": "haan", "age": 17, "accompanied": False, "country_of_origin": "AF",
               "residence_status": "gestattung", "years_in_germany": 1, "benefits": "asylblg",
               "needs": ["school"], "consent_given": True, "screening_id": "s1"}


def test_a_target_group_files_one_request(queue_env: str) -> None:
    events, responses = run(ActionScreeningResult(), tracker(MINOR_ALONE))
    assert responses == ["utter_result_target_group", "utter_referral_sgb8_youth_welfare",
                         "utter_referral_note", "utter_request_created"]
    assert slot_events(events)["intake_next_step"] == "appointment_details"
    again, _ = run(ActionScreeningResult(), tracker(MINOR_ALONE))
    rows = export_requests(session_factory(queue_env))
    assert len(rows) == 1
    assert rows[0]["target_groups"] == ["unaccompanied_minor"]
    assert rows[0]["answers"]["age"] == 17
    assert slot_events(again)["appointment_reference"] == rows[0]["reference"]


def test_no_case_gives_the_route_and_stores_nothing(queue_env: str) -> None:
    answers = {**MINOR_ALONE, "age": 35, "accompanied": None, "residence_status": "permit_other",
               "country_of_origin": "SY", "benefits": "none", "needs": ["other"]}
    events, responses = run(ActionScreeningResult(), tracker(answers))
    assert responses == ["utter_result_no_case", "utter_route_mbe", "utter_result_next_steps"]
    assert export_requests(session_factory(queue_env)) == []


def test_under_16_gets_contacts_and_nothing_is_stored(queue_env: str) -> None:
    events, responses = run(ActionScreeningResult(), tracker({**MINOR_ALONE, "age": 15}))
    assert responses == ["utter_under_min_age"]
    assert slot_events(events)["age"] is None
    assert export_requests(session_factory(queue_env)) == []


def test_a_broken_queue_apologises_and_keeps_the_conversation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/not-migrated.sqlite3")
    with caplog.at_level(logging.DEBUG):
        events, responses = run(ActionScreeningResult(),
                                tracker(MINOR_ALONE, sender="conversation-secret-42"))
    assert responses[-1] == "utter_queue_unavailable"
    assert slot_events(events)["intake_next_step"] == "none"
    logged = caplog.text
    assert "OperationalError" in logged
    for personal in ("conversation-secret-42", "gestattung", '"AF"', "asylblg"):
        assert personal not in logged


def test_asking_for_a_person_files_a_request(queue_env: str) -> None:
    partial = {"consent_given": True, "screening_id": "s2", "municipality": "elsewhere"}
    events, responses = run(ActionAskHuman(), tracker(partial, "mitarbeiter", "ask_human"))
    assert responses == ["utter_person_requested"]
    rows = export_requests(session_factory(queue_env))
    assert len(rows) == 1 and rows[0]["asked_for_person"] is True


def test_asking_for_a_person_without_consent_asks_consent(queue_env: str) -> None:
    events, responses = run(ActionAskHuman(), tracker({}, "mitarbeiter", "ask_human"))
    assert responses == ["utter_person_needs_consent"]
    assert slot_events(events)["intake_next_step"] == "consent"
    assert export_requests(session_factory(queue_env)) == []


@pytest.mark.parametrize(
    "asked,text,value",
    [("contact_mode", "hausbesuch", "home_visit"),
     ("preferred_times", "dienstag nachmittag", "dienstag nachmittag"),
     ("interpreter_language", "dari", "fa")],
)
def test_appointment_form_takes_an_answer(asked: str, text: str, value: Any) -> None:
    events, _ = run(ValidateAppointmentForm(),
                    tracker({"requested_slot": asked}, text, form="appointment_form"))
    assert slot_events(events)[asked] == value


def test_asking_for_a_person_interrupts_the_appointment_questions() -> None:
    events, _ = run(ValidateAppointmentForm(),
                    tracker({"requested_slot": "contact_mode"}, "ich will einen menschen sprechen",
                            intent="ask_human", confidence=0.9, form="appointment_form"))
    assert events == []


def test_appointment_details_are_saved(queue_env: str) -> None:
    run(ActionScreeningResult(), tracker(MINOR_ALONE))
    details = {**MINOR_ALONE, "contact_mode": "phone", "preferred_times": "morgens",
               "interpreter_language": "fa"}
    _, responses = run(ActionSaveAppointment(), tracker(details))
    assert responses == ["utter_appointment_saved"]
    row = export_requests(session_factory(queue_env))[0]
    assert (row["contact_mode"], row["preferred_times"], row["interpreter_language"]) == (
        "phone", "morgens", "fa")


def test_status_and_erasure(queue_env: str) -> None:
    _, responses = run(ActionRequestStatus(), tracker({}))
    assert responses == ["utter_status_none"]
    run(ActionScreeningResult(), tracker(MINOR_ALONE))
    _, responses = run(ActionRequestStatus(), tracker({}))
    assert responses == ["utter_status_new"]
    _, responses = run(ActionDeleteMyData(), tracker({}))
    assert responses == ["utter_data_deleted", '{"conversation_erased": true}']
    assert export_requests(session_factory(queue_env)) == []


def test_a_new_session_takes_the_channel_language_and_keeps_the_answers() -> None:
    from actions.conversation import ActionSessionStart

    events, _ = run(ActionSessionStart(), tracker(
        {"session_started_metadata": {"language_code": "uk"}, "age": 30}))
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = slot_events(events)
    assert (slots["language"], slots["age"]) == ("uk", 30)
    chosen, _ = run(ActionSessionStart(), tracker(
        {"session_started_metadata": {"language_code": "pt-br"}, "language": "ar",
         "language_detected": True}))
    assert slot_events(chosen)["language"] == "ar"


def test_on_telegram_the_consent_question_comes_with_the_metadata_notice() -> None:
    from actions._form import AskQuestion_consent_given  # type: ignore[attr-defined]
    from actions.conversation import ActionSessionStart

    events, _ = run(ActionSessionStart(), tracker(
        {"session_started_metadata": {"channel": "telegram", "language_code": "ar"}}))
    assert slot_events(events)["channel"] == "telegram"
    forged, _ = run(ActionSessionStart(), tracker(
        {"session_started_metadata": {"channel": "<script>"}}))
    assert "channel" not in slot_events(forged)

    _, said = run(AskQuestion_consent_given(), tracker({"channel": "telegram"}))
    assert said == ["utter_telegram_notice", "utter_ask_consent_given"]
    # Asked again: the response's hint variation (reask), without the notice.
    _, said = run(AskQuestion_consent_given(), tracker({"channel": "telegram",
                                                        "reask": "consent_given"}))
    assert said == ["utter_ask_consent_given"]
    for channel in ("webchat", None):
        _, said = run(AskQuestion_consent_given(), tracker({"channel": channel}))
        assert said == ["utter_ask_consent_given"]


def test_each_action_server_worker_learns_the_language_guess_before_it_listens() -> None:
    from sanic import Sanic

    from actions._shared import offered_languages
    from actions.server import WarmUp
    from intake.language_guess import language_model

    language_model.cache_clear()
    app = Sanic("warm_up_test")
    WarmUp().attach_sanic_app_extensions(app)
    [listener] = [l for l in app._future_listeners if l.event == "before_server_start"]
    asyncio.run(listener.listener(app, None))
    assert language_model.cache_info().currsize == 1
    language_model(offered_languages())
    assert language_model.cache_info().hits == 1
