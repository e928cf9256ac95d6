"""Rasa 3.6 with less work per message (in Rasa's virtualenv; ``install`` is called by
bot/rasa_server.py before Rasa starts). Each function below replaces or changes one piece of
Rasa and says what it cost, as measured with ``bench/load.py --profile``; the results are the
same as Rasa's own (tests/test_rasa_server.py checks each that gives a result against Rasa's;
freezing the model changes only when memory is walked). Only the standard library and Rasa's
own dependencies may be used.
"""
from __future__ import annotations

from typing import Any

from bot import sql_tracker_store


def install() -> None:
    validate_action_results_quickly()
    keep_connections_to_endpoints()
    run_graphs_without_dask()
    join_only_the_sentence_features()
    skip_copies_made_for_logs()
    copy_slots_directly()
    send_actions_the_latest_turn_only()
    resolve_event_types_once()
    sql_tracker_store.install()
    freeze_the_loaded_model()


def validate_action_results_quickly() -> None:
    """Rasa checks every action server answer with ``jsonschema.validate``, which checks the
    schema itself first, every time: 4.6 ms of CPU per action call (a fifth of the server's
    time in a screening). One validator made once took 0.85 ms, most of it in the events'
    ``oneOf``: each event was checked against all 23 kinds of event, every kind that did not
    match making an error object. An event can only match the kind its ``event`` names (each
    kind fixes ``event`` with ``const``), so here each event is checked against the event
    schema with that kind alone. An answer that fails is checked again whole: the error raised
    is the one the whole schema finds."""
    from jsonschema import validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    kind = validators.validator_for(schema)
    kind.check_schema(schema)
    validator = kind(schema)
    event_schema = schema["properties"]["events"]["items"]
    any_event = object()

    def named(event_kind: dict[str, Any]) -> Any:
        return event_kind.get("properties", {}).get("event", {}).get("const", any_event)

    names = {named(event_kind) for event_kind in event_schema["oneOf"]} - {any_event}
    per_event = {name: kind({**event_schema, "oneOf": [
        event_kind for event_kind in event_schema["oneOf"]
        if named(event_kind) in (name, any_event)]}) for name in names}
    without_events = kind({**schema, "properties": {
        **schema["properties"], "events": {"type": "array"}}})

    def valid(result: Any) -> bool:
        if not without_events.is_valid(result):
            return False
        for event in result.get("events") or ():
            name = event.get("event") if isinstance(event, dict) else None
            if not isinstance(name, str) or name not in per_event \
                    or not per_event[name].is_valid(event):
                return False
        return True

    def validate(self: Any, result: dict[str, Any]) -> bool:
        if valid(result):
            return True
        error = best_match(validator.iter_errors(result))
        if error is not None:
            raise error
        return True

    RemoteAction._validate_action_result = validate


def keep_connections_to_endpoints() -> None:
    """Rasa makes a new HTTP client session, and with it a new connection, for every request
    to an endpoint: every custom action call connected to the action server anew. Here one
    session per event loop serves every endpoint and keeps its connections; they close after
    2 s idle, before the action server's own keep-alive (5 s) would close them under a
    request. An endpoint with its own certificate file (``cafile``) goes Rasa's way."""
    import asyncio

    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

    rasas_request = EndpointConfig.request
    sessions: dict[int, tuple[Any, aiohttp.ClientSession]] = {}

    def session() -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        kept = sessions.get(id(loop))
        if kept is None or kept[0] is not loop or kept[1].closed:
            kept = sessions[id(loop)] = (loop, aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(keepalive_timeout=2)))
        return kept[1]

    async def request(self: Any, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False,
                      **kwargs: Any) -> Any:
        if self.cafile:
            return await rasas_request(self, method, subpath, content_type, compress, **kwargs)
        headers = {"Content-Type": content_type} if content_type else {}
        headers.update(kwargs.pop("headers", None) or {})
        headers.update(self.headers)
        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        kwargs.setdefault("timeout", aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT))
        async with session().request(
                method, concat_url(self.url, subpath), headers=headers, auth=auth,
                params=self.combine_parameters(kwargs), compress=compress,
                **kwargs) as response:
            if response.status >= 400:
                raise ClientResponseError(
                    response.status, response.reason, await response.content.read())
            try:
                return await response.json()
            except aiohttp.ContentTypeError:
                return None

    EndpointConfig.request = request


def run_in_order(graph: dict[str, Any], targets: list[str]) -> dict[str, Any]:
    """What ``dict(dask.get(graph, targets))`` gives for Rasa's graphs, computed in the
    calling thread: a task is ``(callable, *names of its inputs)``; anything else is a value;
    a name that is not in the graph is passed on as itself (Rasa's nodes warn about it)."""
    results: dict[str, Any] = {}

    def value(key: str) -> Any:
        if key in results:
            return results[key]
        if key not in graph:
            return key
        task = graph[key]
        if isinstance(task, tuple) and task and callable(task[0]):
            results[key] = task[0](*(value(name) for name in task[1:]))
        else:
            results[key] = task
        return results[key]

    return dict(value(target) for target in targets)


def run_graphs_without_dask() -> None:
    """Rasa runs its NLU and policy graphs (three a message, one per prediction) through
    ``dask.get``, which orders and schedules the dozen nodes anew each time, after working
    out the graph's needed part anew: about a tenth of the server's time. Here the needed
    part is worked out once per set of targets and run by ``run_in_order``."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    def run(self: Any, inputs: dict[str, Any] | None = None,
            targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        graphs = self.__dict__.setdefault("_graphs_by_targets", {})
        graph = graphs.get(tuple(run_targets))
        if graph is None:
            graph = graphs[tuple(run_targets)] = self._build_dask_graph(
                self._graph_schema.minimal_graph_schema(run_targets))
        run_graph = dict(graph)
        if inputs:
            self._add_inputs_to_graph(inputs, run_graph)
        try:
            return run_in_order(run_graph, run_targets)
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e

    DaskGraphRunner.run = run


def join_only_the_sentence_features() -> None:
    """Rasa's logistic regression classifier asks each message for its sparse features, which
    also joins every featurizer's sequence features (then unused), copying the first of each
    kind, and stacks the sentence features with an empty dense matrix, then with the other
    messages' (one, when a message is understood). Here the sentence features are joined in
    one step: the same matrix, float64 as before. Messages with dense features go Rasa's way."""
    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from scipy.sparse import csr_matrix, hstack, vstack

    rasas_create_x = LogisticRegressionClassifier._create_X

    def create_x(self: Any, messages: list[Any]) -> Any:
        rows = []
        for message in messages:
            if message.get_dense_features(attribute=TEXT)[1] is not None:
                return rasas_create_x(self, messages)
            sentence = [f.features for f in message.features
                        if f.attribute == TEXT and f.is_sparse()
                        and f.type == FEATURE_TYPE_SENTENCE]
            rows.append(hstack(sentence, format="csr", dtype="float64") if sentence
                        else csr_matrix((1, 0)))
        return rows[0] if len(rows) == 1 else vstack(rows, format="csr")

    LogisticRegressionClassifier._create_X = create_x


# The Rasa modules whose every ``copy.deepcopy`` makes an argument of a structured log call
# (tests/test_rasa_server.py checks it on their source).
DEEPCOPY_FOR_LOGS_ONLY = ("rasa.core.processor", "rasa.core.actions.forms",
                          "rasa.core.policies.rule_policy")


def skip_copies_made_for_logs() -> None:
    """Rasa deep-copies events, slot values and messages to hand them to debug log calls, also
    when debug records are dropped, on every action and prediction; and ``install`` redacts
    those values from every record anyway. In the modules where that is the only use of
    ``copy.deepcopy``, it hands over the value itself."""
    import copy
    import importlib
    import types

    without_deep_copies = types.SimpleNamespace(
        copy=copy.copy, Error=copy.Error, deepcopy=lambda value, memo=None: value)
    for name in DEEPCOPY_FOR_LOGS_ONLY:
        importlib.import_module(name).copy = without_deep_copies


def copy_slots_directly() -> None:
    """Every tracker Rasa makes (one per prediction and per form validation, besides reading
    one) copies each of the domain's slots with ``copy.copy``, which takes the generic way
    through ``__reduce_ex__``. A slot is a plain object: a new one of its class with the same
    attributes is what that way gives too."""
    from rasa.shared.core.slots import Slot

    def copy_slot(self: Any) -> Any:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    Slot.__copy__ = copy_slot


def latest_turn(events: Any) -> list[Any]:
    """The events from the ``action_listen`` before the latest user message on (all of them
    when there is none): what the actions read besides the slots, the latest message and the
    active form, which the tracker's state carries whole."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    events = list(events)
    user = next((i for i in range(len(events) - 1, -1, -1)
                 if isinstance(events[i], UserUttered)), None)
    if user is None:
        return events
    listen = next((i for i in range(user - 1, -1, -1)
                   if isinstance(events[i], ActionExecuted)
                   and events[i].action_name == "action_listen"), user)
    return events[listen:]


def send_actions_the_latest_turn_only() -> None:
    """Rasa sends the action server every event of the conversation on each call: encoding it
    took about a fifth of the Rasa server's time in a screening, and decoding it more than half
    of the action server's, growing with every answer (7.7 kB to 48 kB a call). The actions
    read the slots, the latest message and the events since the user last wrote
    (actions/_form.py), so only those go; the rest of the request is Rasa's own."""
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    def action_call(self: Any, tracker: Any, domain: Any) -> dict[str, Any]:
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = [event.as_dict() for event in latest_turn(tracker.events)]
        call = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
                "version": rasa.__version__}
        if (not self._is_selective_domain_enabled()
                or domain.does_custom_action_explicitly_need_domain(self.name())):
            call["domain"] = domain.as_dict()
        return call

    RemoteAction._action_call_format = action_call


def resolve_event_types_once() -> None:
    """Rasa finds an event's class by walking every subclass of Event (with an abstractness
    check each) for every event it reads: a tenth of the server's time went there, reading
    trackers from the store. The class of a type name does not change once found."""
    from rasa.shared.core.events import Event

    resolve = Event.resolve_by_type
    found: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is None:
            cls = resolve(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)


def freeze_the_loaded_model() -> None:
    """The loaded model and its libraries are millions of objects that live as long as the
    server; Python's full garbage collections walked all of them, pausing every conversation
    on the server. Once the model is loaded they are frozen: left out of collections."""
    import gc

    from rasa.core import run

    load = run.load_agent_on_start

    async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return agent

    run.load_agent_on_start = load_agent_on_start
