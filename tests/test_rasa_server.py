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
    return [json.loads(line) for line in done.stdout.splitlines() if line[:1] in "[{0123456789"]


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
