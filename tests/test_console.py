"""The staff console without a browser: logins, roles, CSRF, the queue, a request's page and
every action on it, the audit log. Rasa is replaced where the console talks to it."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

import console.app as console_app
from console.accounts import LOCK_AFTER, authenticate, create_account
from console.settings import ConsoleSettings
from console.transcript import Line
from db.messages import take_over, undelivered
from db.models import AuditEntry, StatusChange
from db.repository import RequestDraft, create_appointment_request
from db.session import session_factory

PASSWORD = "ein langes Passwort 123"


@pytest.fixture
def queue_db(queue_url: str) -> str:
    sessions = session_factory(queue_url)
    create_account(sessions, "mara", "Mara Weber", "caseworker", PASSWORD)
    create_account(sessions, "ki.admin", "Kai Admin", "ki_admin", PASSWORD)
    return queue_url


@pytest.fixture
def rasa_events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[dict[str, Any]]]]:
    posted: list[tuple[str, list[dict[str, Any]]]] = []

    async def post_events(rasa_url: str, conversation_id: str, events: list[dict[str, Any]]) -> None:
        posted.append((conversation_id, events))

    async def transcript(rasa_url: str, conversation_id: str, fill: dict[str, str]) -> list[Line]:
        return [Line("user", "<b>hallo</b><script>alert(1)</script>"),
                Line("bot", "Привіт!", "Hallo!")]

    monkeypatch.setattr(console_app, "post_events", post_events)
    monkeypatch.setattr(console_app, "transcript", transcript)
    return posted


@pytest.fixture
def client(queue_db: str, rasa_events: list[Any]) -> Iterator[TestClient]:
    settings = ConsoleSettings(console_secret="c" * 40, database_url=queue_db, _env_file=None)  # type: ignore[call-arg]
    with TestClient(console_app.create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def new_request(queue_url: str, language: str = "uk", **answers: Any) -> str:
    draft = RequestDraft(
        conversation_id=f"web-{uuid.uuid4().hex[:20]}", screening_id=uuid.uuid4().hex,
        language=language, answers={"municipality": "haan", "age": 17, "accompanied": False,
                                    **answers},
        outcome={"target_groups": ["unaccompanied_minor"], "to_check": [],
                 "referrals": ["sgb8_youth_welfare"], "routes": [],
                 "reasons": ["unter 18 Jahre und ohne Eltern oder Vormund in Deutschland"]},
        rules_version="test")
    return create_appointment_request(session_factory(queue_url), draft).reference


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client: TestClient, username: str = "mara") -> str:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf": token, "username": username,
                                           "password": PASSWORD})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@pytest.mark.parametrize("path", ["/", "/anfragen/ABCD-EFGH", "/protokoll", "/statistik",
                                  "/statistik.csv", "/regeln"])
def test_nothing_is_reachable_without_login(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303 and response.headers["location"] == "/login"


@pytest.mark.parametrize("path", ["/anfragen/ABCD-EFGH/termin", "/anfragen/ABCD-EFGH/uebernahme",
                                  "/anfragen/ABCD-EFGH/nachricht", "/logout"])
def test_no_action_is_possible_without_login(client: TestClient, path: str) -> None:
    assert client.post(path, data={"csrf": "x"}).status_code in (303, 403)


def test_no_route_but_login_health_and_static_files_answers_without_login(
    client: TestClient
) -> None:
    """Every route the console has, present and future: a page sends to the login, an action
    is refused."""
    from starlette.routing import Route

    from console.app import routes

    open_paths = {"/login", "/health"}
    checked = []
    for route in routes():
        if not isinstance(route, Route) or route.path in open_paths:
            continue
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: "1" if m.group(2) == ":int" else "ABCD-EFGH",
                      route.path)
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            response = client.request(method, path, data={"csrf": "x"})
            assert response.status_code in (303, 403), (method, path, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"] == "/login"
            checked.append((method, route.path))
    assert ("GET", "/posteingang") in checked and ("GET", "/auswertung") in checked


@pytest.mark.parametrize("path", ["/protokoll", "/statistik", "/statistik.csv", "/regeln",
                                  "/posteingang", "/auswertung"])
def test_a_caseworker_cannot_open_the_integration_centres_pages(client: TestClient, path: str) -> None:
    log_in(client, "mara")
    assert client.get(path).status_code == 403


def test_the_session_cookie_is_http_only_and_same_site(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf": token, "username": "mara", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_forms_without_their_csrf_token_are_refused(client: TestClient, queue_db: str) -> None:
    reference = new_request(queue_db)
    log_in(client)
    for data in ({}, {"csrf": "forged"}):
        response = client.post(f"/anfragen/{reference}/abschluss",
                               data={**data, "status": "closed", "reason": "x"})
        assert response.status_code == 403
    assert client.post("/login", data={"username": "mara", "password": PASSWORD}).status_code == 403


def test_repeated_failed_logins_lock_the_account(queue_db: str) -> None:
    sessions = session_factory(queue_db)
    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
    for _ in range(LOCK_AFTER):
        assert authenticate(sessions, "mara", "falsch", now) is None
    assert authenticate(sessions, "mara", PASSWORD, now + dt.timedelta(minutes=5)) is None
    assert authenticate(sessions, "mara", PASSWORD, now + dt.timedelta(minutes=16)) is not None
    assert authenticate(sessions, "niemand", PASSWORD, now) is None


def test_the_queue_filters_and_counts_new_requests(client: TestClient, queue_db: str) -> None:
    uk, ar = new_request(queue_db, "uk"), new_request(queue_db, "ar")
    log_in(client)
    page = client.get("/").text
    assert uk in page and ar in page and "2 neu" in page
    only_ar = client.get("/?language=ar").text
    assert ar in only_ar and uk not in only_ar
    assert uk not in client.get("/?status=closed").text
    assert uk in client.get("/?target_group=unaccompanied_minor&referral=sgb8_youth_welfare").text
    assert uk not in client.get("/?to_check=1").text


def test_a_request_page_shows_german_labels_and_user_text_as_text(client: TestClient,
                                                                  queue_db: str) -> None:
    reference = new_request(queue_db, preferred_times="<img src=x onerror=alert(1)>")
    log_in(client)
    page = client.get(f"/anfragen/{reference}").text
    assert "Wohnort" in page and "Unbegleitete minderjährige Geflüchtete" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Hallo!" in page and "Привіт!" in page
    with session_factory(queue_db)() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert "Anfrage angesehen" in actions


def test_scheduling_tells_the_user_in_their_language(client: TestClient, queue_db: str,
                                                     rasa_events: list[Any]) -> None:
    reference = new_request(queue_db, "uk")
    token = log_in(client)
    response = client.post(f"/anfragen/{reference}/termin", data={
        "csrf": token, "date": "2026-12-03", "time": "10:30", "mode": "office",
        "place": "Rathaus Haan, Zimmer 12", "interpreter": "uk"})
    assert response.status_code == 303
    [message] = undelivered(session_factory(queue_db), "web-")
    assert "03.12.2026" in message.text and "10:30" in message.text
    assert "Ваша зустріч" in message.text and reference in message.text
    assert rasa_events[-1][1][0]["event"] == "bot"
    page = client.get(f"/anfragen/{reference}").text
    assert "Termin vereinbart" in page and "Termin 03.12.2026 10:30" in page


def test_every_action_is_recorded_with_who_and_when(client: TestClient, queue_db: str) -> None:
    reference = new_request(queue_db)
    token = log_in(client)
    client.post(f"/anfragen/{reference}/zuweisen", data={"csrf": token, "assigned_to": "mara"})
    client.post(f"/anfragen/{reference}/zielgruppen",
                data={"csrf": token, "target_groups": ["eastern_europe", "bogus"]})
    assert client.post(f"/anfragen/{reference}/abschluss",
                       data={"csrf": token, "status": "closed", "reason": ""}).status_code == 400
    client.post(f"/anfragen/{reference}/abschluss",
                data={"csrf": token, "status": "referred", "reason": "an das Jugendamt"})
    with session_factory(queue_db)() as session:
        history = [(c.status, c.changed_by, c.note) for c in session.scalars(
            select(StatusChange).order_by(StatusChange.id))]
    assert [h[:2] for h in history] == [
        ("new", "bot"), ("assigned", "mara"), ("assigned", "mara"), ("referred", "mara")]
    assert history[1][2] == "zugewiesen an mara"
    assert history[2][2].startswith("Zielgruppen bestätigt: ") and "bogus" not in history[2][2]
    assert history[3][2] == "an das Jugendamt"


def test_take_over_pauses_the_bot_and_sends_messages(client: TestClient, queue_db: str,
                                                     rasa_events: list[Any]) -> None:
    reference = new_request(queue_db)
    token = log_in(client)
    assert client.post(f"/anfragen/{reference}/nachricht",
                       data={"csrf": token, "text": "Hallo"}).status_code == 409
    client.post(f"/anfragen/{reference}/uebernahme", data={"csrf": token, "action": "take"})
    assert rasa_events[-1][1] == [{"event": "pause"}]
    page = client.get(f"/anfragen/{reference}").text
    assert 'data-refresh="4"' in page and "Übernommen von mara" in page
    client.post(f"/anfragen/{reference}/nachricht", data={"csrf": token, "text": "Guten Tag!"})
    assert [m.text for m in undelivered(session_factory(queue_db), "web-")] == ["Guten Tag!"]
    client.post(f"/anfragen/{reference}/uebernahme", data={"csrf": token, "action": "hand_back"})
    assert rasa_events[-1][1] == [{"event": "resume"}]
    assert "Gespräch übernehmen" in client.get(f"/anfragen/{reference}").text


def test_the_integration_centre_reads_the_audit_log_and_statistics(client: TestClient,
                                                                   queue_db: str) -> None:
    new_request(queue_db)
    log_in(client, "ki.admin")
    assert "Anmeldung" in client.get("/protokoll").text
    rules = client.get("/regeln").text
    assert "Unbegleitete minderjährige Geflüchtete" in rules and "Alter unter 18" in rules
    assert client.get("/statistik").status_code == 200
    csv = client.get("/statistik.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    with session_factory(queue_db)() as session:
        assert "Export" in [e.action for e in session.scalars(select(AuditEntry))]


def test_an_erasure_removes_staff_messages_and_take_overs(queue_db: str) -> None:
    from db.messages import queue_message
    from db.repository import erase_conversation

    sessions = session_factory(queue_db)
    queue_message(sessions, "web-abc", "Hallo", "mara")
    take_over(sessions, "web-abc", "mara")
    erase_conversation(sessions, "web-abc")
    assert undelivered(sessions, conversation_id="web-abc") == []


def test_staff_erase_a_persons_data_with_a_reason(client: TestClient, queue_db: str) -> None:
    from db.messages import queue_message
    from db.repository import pending_erasures, requests_of_conversation

    reference = new_request(queue_db)
    sessions = session_factory(queue_db)
    from console.requests import find_request
    conversation = find_request(sessions, reference).conversation_id
    queue_message(sessions, conversation, "Guten Tag", "mara")
    token = log_in(client)
    assert client.post(f"/anfragen/{reference}/loeschen",
                       data={"csrf": token, "reason": ""}).status_code == 400
    response = client.post(f"/anfragen/{reference}/loeschen",
                           data={"csrf": token, "reason": "telefonisch erbeten"})
    assert response.status_code == 303
    assert client.get(f"/anfragen/{reference}").status_code == 404
    assert requests_of_conversation(sessions, conversation) == []
    assert undelivered(sessions, conversation_id=conversation) == []
    assert pending_erasures(sessions) == [conversation]  # the retention job clears Rasa's store
    with sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "Daten gelöscht")).one()
    assert entry.username == "mara" and "telefonisch erbeten" in (entry.detail or "")


def test_the_health_endpoint_needs_no_login_and_checks_the_database(client: TestClient,
                                                                   tmp_path: Any) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    broken = ConsoleSettings(console_secret="c" * 40,  # a database without the queue's tables
                             database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
                             _env_file=None)  # type: ignore[call-arg]
    with TestClient(console_app.create_app(broken)) as other:
        assert other.get("/health").status_code == 503


FIELD = st.one_of(st.text(max_size=300), st.sampled_from([
    "<script>alert(1)</script>", "'; DROP TABLE appointment_request; --", "\x00\x1b", "2026-13-45",
    "25:99", "home_visit", "closed", "unaccompanied_minor", "a" * 20_000]))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(["zuweisen", "zielgruppen", "termin", "abschluss", "uebernahme",
                             "nachricht", "loeschen"]),
       fields=st.dictionaries(st.sampled_from(["assigned_to", "target_groups", "date", "time",
                                               "mode", "place", "interpreter", "status", "reason",
                                               "action", "text"]), FIELD, max_size=6))
def test_hostile_form_input_never_crashes_or_stores_garbage(
    client: TestClient, queue_db: str, path: str, fields: dict[str, str]
) -> None:
    from console.requests import find_request
    from db.models import STATUSES

    reference = new_request(queue_db)
    token = csrf_of(client.get("/").text) if client.cookies else log_in(client)
    response = client.post(f"/anfragen/{reference}/{path}", data={"csrf": token, **fields})
    assert response.status_code in (303, 400, 409), response.text[:300]
    assert response.headers.get("location") != "/login"
    if path == "loeschen":
        return
    stored = find_request(session_factory(queue_db), reference)
    assert stored.status in STATUSES
    assert stored.appointment_mode in (None, "home_visit", "office", "phone")
    from console.labels import target_group_codes

    assert set(stored.confirmed_target_groups or []) <= set(target_group_codes())
    assert stored.assigned_to in (None, "mara", "ki.admin")
