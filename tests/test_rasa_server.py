"""What bot/rasa_speedups.py and bot/sql_tracker_store.py change in Rasa, checked inside
Rasa's own virtualenv against what Rasa does itself."""
from __future__ import annotations

import json
import subprocess
import textwrap

from tests.rasa_stack import PROJECT_DIR

RASA_PYTHON = PROJECT_DIR / ".venv-rasa" / "bin" / "python"


def in_rasa(script: str) -> list[object]:
    """What the script prints, a JSON value a line."""
    done = subprocess.run([str(RASA_PYTHON), "-c", textwrap.dedent(script)], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()
            if line[:1] in "[{0123456789" or line in ("true", "false")]


def test_an_action_call_carries_the_state_and_the_events_since_the_latest_message() -> None:
    with_message, without_message = in_rasa("""
        import json
        from bot.rasa_speedups import send_actions_the_latest_turn_only
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


def test_our_tracker_store_reads_and_writes_what_rasas_own_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ours, rasas, kinds = in_rasa(f"""
        import asyncio, json
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import (
            ActionExecuted, Event, SessionStarted, SlotSet, UserUttered)
        from rasa.shared.core.trackers import DialogueStateTracker
        from rasa.shared.utils.common import all_subclasses
        import bot.rasa_speedups as speedups
        from bot import sql_tracker_store

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
        speedups.resolve_event_types_once()
        sql_tracker_store.install()
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


def test_two_servers_remembering_trackers_read_what_each_other_saved(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two stores on one database stand for two Rasa servers taking a conversation's messages
    in turn; each remembers the trackers it saved. What each reads must be what Rasa's own
    store reads from the database, also after a turn that was not saved, after the other
    began a new session, and after the conversation was erased and the same chat wrote
    again."""
    steps = in_rasa(f"""
        import asyncio, json
        import sqlalchemy as sa
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import (
            ActionExecuted, SessionStarted, SlotSet, UserUttered)
        from rasa.shared.core.trackers import DialogueStateTracker
        from bot import sql_tracker_store

        domain = Domain.from_yaml("slots:\\n  age: {{type: any, mappings: [{{type: custom}}]}}")
        db = "{tmp_path}/events.db"
        # Rasa's own reading, before ours is installed: the database's truth.
        rasas_retrieve = SQLTrackerStore.retrieve

        def names(t):
            return None if t is None else [
                e.type_name + ":" + str(getattr(e, "action_name", None) or
                getattr(e, "text", None) or getattr(e, "value", "")) for e in t.events]

        sql_tracker_store.install()
        a, b = (SQLTrackerStore(domain, dialect="sqlite", db=db) for _ in range(2))
        truth = SQLTrackerStore(domain, dialect="sqlite", db=db)

        async def turn(store, text, age, save=True, new_session=False, session=True):
            tracker = await store.get_or_create_tracker("c1", append_action_listen=False)
            before = names(tracker)
            if new_session or (session and not tracker.events):
                tracker.update(ActionExecuted("action_session_start"))
                tracker.update(SessionStarted())
            for event in [ActionExecuted("action_listen"), UserUttered(text), SlotSet("age", age)]:
                tracker.update(event)
            if save:
                await store.save(tracker)
            return before

        async def conversation():
            seen = []
            async def check(store, text, age, **kw):
                read = await turn(store, text, age, **kw)
                stored = names(await rasas_retrieve(truth, "c1"))
                seen.append({{"read": read, "stored": stored}})
                return read
            await check(a, "hallo", 30)
            await check(b, "30", 30)
            await check(a, "31", 31)              # a read b's events on top of what it kept
            await check(b, "32", 32)
            await check(b, "33", 33, save=False)  # not saved: b keeps nothing of it
            await check(b, "34", 34)
            await check(a, "35", 35, new_session=True)
            await check(b, "36", 36)              # b read the new session whole
            await check(b, "37", 37)
            # Another conversation's event after c1's last: ids go on above c1's after its
            # erasure (SQLite gives the ids of the greatest deleted rows again otherwise).
            await truth.save(DialogueStateTracker.from_events(
                "c2", [ActionExecuted("action_listen")], domain.slots))
            with sa.create_engine("sqlite:///" + db).begin() as connection:
                connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'c1'"))
            gone = names(await truth.retrieve("c1"))
            # The same chat after its erasure, without a session start, so that only the
            # last event's id and timestamp tell b that its tracker is gone.
            await check(a, "neu", 40, session=False)
            await check(b, "weiter", 41)          # b kept a tracker whose events are gone
            return seen, gone

        seen, gone = asyncio.run(conversation())
        for step in seen:
            print(json.dumps(step))
        print(json.dumps([gone]))
    """)
    *seen, (gone,) = steps
    assert len(seen) == 11 and gone is None
    # What each server read at the start of a turn is what the database held after the turn
    # before (the unsaved fifth turn left the database as the fourth did).
    previous = None
    for number, step in enumerate(seen, start=1):
        if number not in (1, 10):
            assert step["read"] == previous, f"turn {number}"
        previous = step["stored"]
    assert seen[9]["read"] == [] and seen[10]["read"] == seen[9]["stored"]
    assert not any("37" in name for name in seen[10]["stored"])
    assert seen[3]["stored"][-1] == "slot:32" and seen[4]["stored"] == seen[3]["stored"]
    assert seen[5]["stored"][-3:] == ["action:action_listen", "user:34", "slot:34"]
    assert "user:33" not in seen[5]["stored"]
    assert seen[7]["read"][0] == "session_started:" and "user:34" not in seen[7]["read"]


def test_the_quick_check_of_action_answers_accepts_and_rejects_what_jsonschema_does() -> None:
    verdicts = in_rasa("""
        import json
        from jsonschema import ValidationError, validate
        from rasa.core.actions.action import RemoteAction
        import bot.rasa_speedups as speedups

        slot = {"event": "slot", "name": "age", "value": 30, "timestamp": None}
        answers = [
            {"events": [slot, {"event": "active_loop", "name": "screening_form"},
                        {"event": "bot", "text": "Hallo", "data": {"buttons": []}}],
             "responses": [{"response": "utter_ask_age"}]},
            {"events": [], "responses": []},
            {},
            {"events": [{"event": "followup", "name": "action_listen"}]},
            {"events": [{"event": "slot", "name": "age"}]},           # no value
            {"events": [{"event": "slot", "name": 3, "value": 1}]},    # name not a string
            {"events": [{"event": "no_such_event"}]},
            {"events": [{"event": ["slot"]}]},
            {"events": [{"name": "age", "value": 1}]},                 # no event
            {"events": ["slot"]},
            {"events": {"event": "slot"}},
            {"events": [slot], "responses": ["utter_ask_age"]},
            {"events": [{**slot, "timestamp": "today"}]},
            {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": []}}]},
            {"events": [{"event": "action", "name": "x", "confidence": "high"}]},
            [],
        ]
        whole, quick = [], []
        for answer in answers:
            try:
                validate(answer, RemoteAction.action_response_format_spec())
                whole.append(None)
            except ValidationError as e:
                whole.append(e.message)
        speedups.validate_action_results_quickly()
        for answer in answers:
            try:
                RemoteAction._validate_action_result(None, answer)
                quick.append(None)
            except ValidationError as e:
                quick.append(e.message)
        print(json.dumps([whole, quick]))
    """)[0]
    whole, quick = verdicts
    assert quick == whole
    assert whole[:4] == [None] * 4 and all(message is not None for message in whole[4:])


def test_endpoint_requests_keep_their_connection_and_keep_rasas_errors() -> None:
    """Action calls go through one kept session: two calls, one connection. A 400 from the
    action server still reaches Rasa as its ClientResponseError with the body (Rasa reads the
    rejected action's name from it)."""
    seen = in_rasa("""
        import asyncio, json
        from aiohttp import web
        import bot.rasa_speedups as speedups
        from rasa.utils.endpoints import ClientResponseError, EndpointConfig

        speedups.keep_connections_to_endpoints()
        peers = []

        async def webhook(request):
            peers.append(request.transport.get_extra_info("peername")[1])
            body = await request.json()
            if body.get("reject"):
                return web.json_response({"action_name": "validate_x", "error": "no"}, status=400)
            return web.json_response({"events": [], "got": body, "token": request.query.get("token")})

        async def main():
            app = web.Application()
            app.router.add_post("/webhook", webhook)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", token="t0k")
            first = await endpoint.request(json={"n": 1}, method="post", timeout=10)
            second = await endpoint.request(json={"n": 2}, method="post", timeout=10)
            try:
                await endpoint.request(json={"reject": True}, method="post")
                rejected = None
            except ClientResponseError as error:
                rejected = [error.status, json.loads(error.text)]
            await runner.cleanup()
            return [first, second, rejected, len(set(peers)), len(peers)]

        print(json.dumps(asyncio.run(main())))
    """)[0]
    first, second, rejected, connections, calls = seen
    assert first == {"events": [], "got": {"n": 1}, "token": "t0k"}
    assert second["got"] == {"n": 2}
    assert rejected == [400, {"action_name": "validate_x", "error": "no"}]
    assert calls == 3 and connections == 1


def test_graphs_run_in_order_give_what_dask_gives() -> None:
    """A graph shaped like Rasa's (the part its targets need): a shared input, a diamond, a
    node whose input is missing, and an input given as a value; every node runs once."""
    same, calls = in_rasa("""
        import json, dask
        from bot.rasa_speedups import run_in_order

        def graph(calls):
            def node(name):
                def run(*inputs):
                    calls.append(name)
                    return (name, [i if isinstance(i, str) else list(i) for i in inputs])
                return run
            return {
                "__message__": ("__message__", {"text": "hallo"}),
                "tokenizer": (node("tokenizer"), "__message__"),
                "words": (node("words"), "tokenizer"),
                "chars": (node("chars"), "tokenizer"),
                "classifier": (node("classifier"), "words", "chars", "no_such_node"),
            }

        dasks_calls, ours_calls = [], []
        dasks = dict(dask.get(graph(dasks_calls), ["classifier", "words"]))
        ours = run_in_order(graph(ours_calls), ["classifier", "words"])
        print(json.dumps(ours == dasks))
        print(json.dumps([sorted(dasks_calls), sorted(ours_calls)]))
    """)
    assert same is True
    assert calls[0] == calls[1] == ["chars", "classifier", "tokenizer", "words"]


def test_the_intent_features_are_the_matrix_rasa_builds() -> None:
    same = in_rasa("""
        import json
        import numpy as np
        import scipy.sparse as sp
        from rasa.nlu.classifiers.logistic_regression_classifier import (
            LogisticRegressionClassifier)
        from rasa.shared.nlu.training_data.features import Features
        from rasa.shared.nlu.training_data.message import Message
        import bot.rasa_speedups as speedups

        def message(seed):
            rng = np.random.default_rng(seed)
            m = Message(data={"text": "ich wohne in haan"})
            for origin, width in [("words", 7), ("chars", 11), ("vocabulary", 3)]:
                m.add_features(Features(sp.coo_matrix(rng.integers(0, 3, (4, width))),
                                        "sequence", "text", origin))
                m.add_features(Features(sp.coo_matrix(rng.integers(0, 3, (1, width))),
                                        "sentence", "text", origin))
            return m

        cases = [[message(1)], [message(2), message(3)]]
        rasas = [LogisticRegressionClassifier._create_X(None, m) for m in cases]
        speedups.join_only_the_sentence_features()
        checks = []
        for messages, rasas in zip(cases, rasas):
            ours = LogisticRegressionClassifier._create_X(None, messages)
            checks.append(rasas.shape == ours.shape and rasas.dtype == ours.dtype
                          and abs(sp.csr_matrix(rasas) - ours).sum() == 0
                          and sp.csr_matrix(rasas).nnz > 0)
        print(json.dumps(checks))
    """)[0]
    assert same == [True, True]


def test_a_server_keeps_at_most_so_many_trackers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    kept, first = in_rasa(f"""
        import asyncio, json
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
        from bot import sql_tracker_store

        sql_tracker_store.install()
        sql_tracker_store.MAX_REMEMBERED = 2
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db="{tmp_path}/events.db")

        async def main():
            for sender in ("c1", "c2", "c3"):
                tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
                tracker.update(ActionExecuted("action_session_start"))
                tracker.update(SessionStarted())
                await store.save(tracker)
                tracker = await store.retrieve(sender)   # whole: a new session was begun
                tracker.update(UserUttered("hallo " + sender))
                await store.save(tracker)
            kept = list(getattr(store, sql_tracker_store._REMEMBERED))
            first = await store.retrieve("c1")
            return kept, [e.type_name for e in first.events]

        for line in asyncio.run(main()):
            print(json.dumps(line))
    """)
    assert kept == ["c2", "c3"]
    assert first == ["session_started", "user"]  # read whole again, as stored


def test_the_deep_copies_skipped_are_only_log_arguments() -> None:
    """Every ``copy.deepcopy`` in the modules named is an argument of a ``structlogger`` call,
    and ``copy`` is used there for nothing else than ``copy.deepcopy`` and ``copy.copy``."""
    found = in_rasa("""
        import ast, importlib, inspect, json
        from bot.rasa_speedups import DEEPCOPY_FOR_LOGS_ONLY

        report = {}
        for name in DEEPCOPY_FOR_LOGS_ONLY:
            tree = ast.parse(inspect.getsource(importlib.import_module(name)))
            parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
            copies, for_logs, other_uses = 0, 0, []
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \\
                        and node.value.id == "copy":
                    if node.attr != "deepcopy":
                        if node.attr != "copy":
                            other_uses.append(node.attr)
                        continue
                    copies += 1
                    up = parents[parents[node]]          # the deepcopy call's parent
                    while isinstance(up, ast.keyword):
                        up = parents[up]
                    if isinstance(up, ast.Call) and isinstance(up.func, ast.Attribute) \\
                            and isinstance(up.func.value, ast.Name) \\
                            and up.func.value.id == "structlogger":
                        for_logs += 1
            report[name] = [copies, for_logs, other_uses]
        print(json.dumps(report))
    """)[0]
    assert set(found) == {"rasa.core.processor", "rasa.core.actions.forms",
                          "rasa.core.policies.rule_policy"}
    for name, (copies, for_logs, other_uses) in found.items():
        assert copies > 0 and copies == for_logs and other_uses == [], name


def test_slots_copied_directly_are_what_copy_copy_made() -> None:
    same = in_rasa("""
        import copy, json
        from rasa.shared.core.domain import Domain
        import bot.rasa_speedups as speedups

        from rasa.shared.core.slots import BooleanSlot, FloatSlot, ListSlot

        domain = Domain.load("bot/domain")
        slots = [*domain.slots, FloatSlot("f", [], initial_value=1.5, max_value=3.0),
                 BooleanSlot("b", [], initial_value=True), ListSlot("l", [], ["x"])]
        for slot in slots:                             # some with values, as in a tracker
            slot.value = {"age": 30, "needs": ["work"], "consent_given": True}.get(
                slot.name, slot.value)
        before = [copy.copy(slot) for slot in slots]
        speedups.copy_slots_directly()
        after = [copy.copy(slot) for slot in slots]
        print(json.dumps([
            len(domain.slots) > 20,
            all(type(a) is type(b) and a.__dict__ == b.__dict__ for a, b in zip(before, after)),
            all(a is not s for a, s in zip(after, slots)),
            len({type(s) for s in slots}) >= 6,
        ]))
    """)[0]
    assert same == [True, True, True, True]
