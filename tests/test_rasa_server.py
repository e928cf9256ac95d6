"""What bot/rasa_server.py changes in Rasa, checked inside Rasa's own virtualenv."""
from __future__ import annotations

import json
import subprocess
import textwrap

from tests.rasa_stack import PROJECT_DIR

RASA_PYTHON = PROJECT_DIR / ".venv-rasa" / "bin" / "python"


def in_rasa(script: str) -> list[object]:
    """What the script prints, a JSON value a line."""
    done = subprocess.run([str(RASA_PYTHON), "-c", textwrap.dedent(script)], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=300, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()
            if line[:1] in "[{0123456789" or line in ("true", "false")]


def test_an_action_call_carries_the_state_and_the_events_since_the_latest_message() -> None:
    with_message, without_message = in_rasa("""
        import json
        from bot.rasa_server import send_actions_the_latest_turn_only
        from rasa.core.actions.action import RemoteAction
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker
        from rasa.utils.endpoints import EndpointConfig

        send_actions_the_latest_turn_only()
        domain = Domain.from_yaml('''
        slots:
          age: {type: any, mappings: [{type: custom}]}
          municipality: {type: any, mappings: [{type: custom}]}
        ''')
        tracker = DialogueStateTracker.from_events("c1", [
            ActionExecuted("action_session_start"), SessionStarted(),
            SlotSet("municipality", "haan"),
            ActionExecuted("action_listen"), UserUttered("hallo", {"name": "greet"}),
            ActionExecuted("utter_greet"), ActionExecuted("action_listen"),
            UserUttered("30", {"name": "inform", "confidence": 0.9}),
            ActionExecuted("screening_form"), SlotSet("age", 30),
        ], domain.slots)
        action = RemoteAction("validate_screening_form", EndpointConfig("http://x"))
        call = action._action_call_format(tracker, domain)
        state = call["tracker"]
        print(json.dumps({
            "events": [e.get("name") or e.get("text") for e in state["events"]],
            "slots": state["slots"], "latest": state["latest_message"]["text"],
            "sender": call["sender_id"], "next_action": call["next_action"],
        }))
        new = DialogueStateTracker.from_events(
            "c2", [ActionExecuted("action_session_start"), SessionStarted()], domain.slots)
        print(json.dumps(len(action._action_call_format(new, domain)["tracker"]["events"])))
    """)
    assert without_message == 2
    assert with_message == {
        "events": ["action_listen", "30", "screening_form", "age"],
        "slots": {"age": 30, "municipality": "haan", "session_started_metadata": None},
        "latest": "30", "sender": "c1", "next_action": "validate_screening_form",
    }


def test_no_action_call_carries_the_domain() -> None:
    # Rasa sends its whole domain (~450 kB) to validate_<form> actions unless told otherwise.
    (needing_domain,) = in_rasa("""
        import json
        from rasa.shared.core.domain import Domain
        print(json.dumps(Domain.load("bot/domain")._actions_which_explicitly_need_domain))
    """)
    assert needing_domain == []


def test_the_action_server_has_the_forms_without_a_domain_sent() -> None:
    from actions.server import ActionsWithoutDomain

    domain = ActionsWithoutDomain().update_and_return_domain({}, "validate_screening_form")
    assert domain["forms"]["screening_form"]["required_slots"][:2] == ["municipality", "age"]
    assert domain["forms"]["appointment_form"]["required_slots"] == [
        "contact_mode", "preferred_times", "interpreter_language"]


def test_the_lighter_tracker_store_reads_and_writes_what_rasas_own_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ours, rasas, kinds = in_rasa(f"""
        import asyncio, json
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import (
            ActionExecuted, Event, SessionStarted, SlotSet, UserUttered)
        from rasa.shared.core.trackers import DialogueStateTracker
        from rasa.shared.utils.common import all_subclasses
        import bot.rasa_server as server

        domain = Domain.from_yaml("slots:\\n  age: {{type: any, mappings: [{{type: custom}}]}}")

        async def conversation(db):
            store = SQLTrackerStore(domain, dialect="sqlite", db=db)
            old = [ActionExecuted("action_session_start"), SessionStarted(),
                   ActionExecuted("action_listen"), UserUttered("hallo"), SlotSet("age", 30)]
            await store.save(DialogueStateTracker.from_events("c1", old, domain.slots))
            tracker = await store.retrieve("c1")
            for event in [ActionExecuted("action_session_start"), SessionStarted(),
                          ActionExecuted("action_listen"), UserUttered("31"), SlotSet("age", 31)]:
                tracker.update(event)
            await store.save(tracker)
            tracker = await store.retrieve("c1")
            tracker.update(UserUttered("danke"))
            await store.save(tracker)
            latest = await store.retrieve("c1")
            full = await store.retrieve_full_tracker("c1")
            def names(t):
                return [e.type_name + ":" + str(getattr(e, "action_name", None) or
                        getattr(e, "text", None) or getattr(e, "value", "")) for e in t.events]
            return {{"latest": names(latest), "full": names(full), "age": latest.get_slot("age"),
                     "none": await store.retrieve("nobody") is None}}

        rasas = asyncio.run(conversation("{tmp_path}/rasa.db"))
        def classes():
            return {{cls.type_name: Event.resolve_by_type(cls.type_name).__name__
                     for cls in all_subclasses(Event)}}
        before = classes()
        server.resolve_event_types_once()
        server.read_only_what_the_tracker_store_needs()
        ours = asyncio.run(conversation("{tmp_path}/ours.db"))
        kinds = classes() == before == classes()
        try:
            Event.resolve_by_type("no_such_event")
        except ValueError:
            kinds = kinds and True
        else:
            kinds = False
        print(json.dumps(ours)); print(json.dumps(rasas)); print(json.dumps(kinds))
    """)
    assert ours == rasas
    assert ours["age"] == 31 and ours["none"] is True
    # The latest session: from its SessionStarted on, with the message after the last save.
    assert ours["latest"] == ["session_started:", "action:action_listen", "user:31", "slot:31",
                              "user:danke"]
    assert ours["full"][:5] == ["action:action_session_start", "session_started:",
                                "action:action_listen", "user:hallo", "slot:30"]
    assert kinds is True
