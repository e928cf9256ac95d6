"""The console's inbox of misunderstood messages (/posteingang): ki_admin sees the new ones and
labels them (the example lands in nlu/<language>.yml) or marks them as noise; caseworkers are
refused; every view and decision is in the audit log; the staff erasure takes entries along."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

import console.app as console_app
from console.settings import ConsoleSettings
from db.inbox import Misunderstood, collect, new_entries
from db.models import AuditEntry, MisunderstoodMessage
from db.repository import export_requests
from db.session import session_factory
from intake.paths import PROJECT_DIR
from intake.training_data import examples_by_intent
from tests.test_console import csrf_of, log_in, new_request, queue_db, rasa_events  # noqa: F401

HOSTILE = '<script>alert("x")</script> wohnung'


@pytest.fixture
def nlu_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "nlu"
    directory.mkdir()
    for language in ("de", "uk"):
        shutil.copy(PROJECT_DIR / "nlu" / f"{language}.yml", directory)
    return directory


@pytest.fixture
def client(queue_db: str, rasa_events: list[Any], nlu_dir: Path) -> Iterator[TestClient]:  # noqa: F811
    settings = ConsoleSettings(console_secret="c" * 40, database_url=queue_db,  # type: ignore[call-arg]
                               nlu_dir=nlu_dir, _env_file=None)
    with TestClient(console_app.create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def misunderstood(queue_url: str, text: str, language: str = "de",
                  conversation: str = "web-inbox-1") -> int:
    sessions = session_factory(queue_url)
    collect(sessions, Misunderstood(conversation, text, language, "out_of_scope", 0.41))
    return next(e.id for e in new_entries(sessions) if e.text == text)


def audit_of(queue_url: str) -> list[tuple[str, str | None]]:
    with session_factory(queue_url)() as session:
        return [(e.action, e.detail) for e in session.scalars(select(AuditEntry)
                                                            .order_by(AuditEntry.id))]


def test_the_inbox_lists_new_messages_with_language_guess_and_the_domains_intents(
        client: TestClient, queue_db: str) -> None:  # noqa: F811
    misunderstood(queue_db, HOSTILE, "uk", conversation="tg-secret-conversation")
    log_in(client, "ki.admin")

    page = client.get("/posteingang")

    assert page.status_code == 200
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; wohnung" in page.text
    assert "<script>alert" not in page.text
    assert "Українська" in page.text and "out_of_scope" in page.text and "41 %" in page.text
    for intent in ("ask_housing", "ask_language_course", "greet", "delete_my_data"):
        assert f'<option value="{intent}">' in page.text
    assert "kein Beispiel (Rauschen)" in page.text
    assert "tg-secret-conversation" not in page.text
    assert ("Posteingang angesehen", "1 neue Nachricht(en)") in audit_of(queue_db)


def test_accepting_writes_the_example_into_its_languages_file(
        client: TestClient, queue_db: str, nlu_dir: Path) -> None:  # noqa: F811
    german_before = (nlu_dir / "de.yml").read_text(encoding="utf-8")
    entry = misunderstood(queue_db, "wo krieg ich ne bude für <zahl> leute", "uk")
    token = log_in(client, "ki.admin")

    response = client.post(f"/posteingang/{entry}", data={
        "csrf": token, "decision": "accept", "intent": "ask_housing"})

    assert response.status_code == 303
    assert examples_by_intent(nlu_dir / "uk.yml")["ask_housing"][-1] == \
        "wo krieg ich ne bude für <zahl> leute"
    assert (nlu_dir / "de.yml").read_text(encoding="utf-8") == german_before
    assert new_entries(session_factory(queue_db)) == []
    with session_factory(queue_db)() as session:
        row = session.get(MisunderstoodMessage, entry)
        assert row is not None
        assert (row.status, row.assigned_intent, row.decided_by) == (
            "accepted", "ask_housing", "ki.admin")
    assert ("Posteingang entschieden", f"Nr. {entry}: Beispiel für ask_housing in nlu/uk.yml") \
        in audit_of(queue_db)
    assert "Als Beispiel übernommen" in client.get(response.headers["location"]).text
    # Decided is decided: a second post changes nothing.
    again = client.post(f"/posteingang/{entry}", data={
        "csrf": token, "decision": "accept", "intent": "greet"})
    assert again.status_code == 409
    assert "wo krieg ich ne bude" not in " ".join(examples_by_intent(nlu_dir / "uk.yml")["greet"])


def test_noise_is_marked_and_written_nowhere(
        client: TestClient, queue_db: str, nlu_dir: Path) -> None:  # noqa: F811
    files_before = {p.name: p.read_text(encoding="utf-8") for p in nlu_dir.iterdir()}
    entry = misunderstood(queue_db, "asdf jklö")
    token = log_in(client, "ki.admin")

    response = client.post(f"/posteingang/{entry}", data={"csrf": token, "decision": "noise"})

    assert response.status_code == 303
    assert {p.name: p.read_text(encoding="utf-8") for p in nlu_dir.iterdir()} == files_before
    with session_factory(queue_db)() as session:
        row = session.get(MisunderstoodMessage, entry)
        assert row is not None and (row.status, row.assigned_intent) == ("noise", None)
    assert ("Posteingang entschieden", f"Nr. {entry}: Rauschen") in audit_of(queue_db)


@pytest.mark.parametrize("data,status", [
    ({"decision": "accept", "intent": ""}, 400),
    ({"decision": "accept", "intent": "nlu_fallback"}, 400),
    ({"decision": "accept", "intent": "../../etc"}, 400),
    ({"decision": "delete"}, 400),
])
def test_a_decision_needs_a_known_intent(
        client: TestClient, queue_db: str, nlu_dir: Path,  # noqa: F811
        data: dict[str, str], status: int) -> None:
    entry = misunderstood(queue_db, "irgendwas mit wohnung")
    token = log_in(client, "ki.admin")
    assert client.post(f"/posteingang/{entry}", data={"csrf": token, **data}).status_code == status
    assert len(new_entries(session_factory(queue_db))) == 1


def test_a_sentence_another_intent_has_already_is_not_added_again(
        client: TestClient, queue_db: str, nlu_dir: Path) -> None:  # noqa: F811
    before = (nlu_dir / "de.yml").read_text(encoding="utf-8")
    entry = misunderstood(queue_db, "Hallo")  # a greet example in nlu/de.yml
    token = log_in(client, "ki.admin")
    response = client.post(f"/posteingang/{entry}", data={
        "csrf": token, "decision": "accept", "intent": "ask_housing"})
    assert response.status_code == 409 and "greet" in response.text
    assert (nlu_dir / "de.yml").read_text(encoding="utf-8") == before
    assert len(new_entries(session_factory(queue_db))) == 1


def test_a_language_without_a_training_file_is_refused(client: TestClient, queue_db: str) -> None:  # noqa: F811
    entry = misunderstood(queue_db, "salut, am nevoie de o locuință", "ro")  # no ro.yml here
    token = log_in(client, "ki.admin")
    response = client.post(f"/posteingang/{entry}", data={
        "csrf": token, "decision": "accept", "intent": "ask_housing"})
    assert response.status_code == 409


def test_a_caseworker_cannot_open_or_decide_the_inbox(client: TestClient, queue_db: str) -> None:  # noqa: F811
    entry = misunderstood(queue_db, "irgendwas mit wohnung")
    token = log_in(client, "mara")
    assert client.get("/posteingang").status_code == 403
    assert 'href="/posteingang"' not in client.get("/").text
    response = client.post(f"/posteingang/{entry}", data={
        "csrf": token, "decision": "accept", "intent": "ask_housing"})
    assert response.status_code == 403
    assert len(new_entries(session_factory(queue_db))) == 1


def test_the_inbox_needs_a_login_and_its_forms_a_csrf_token(client: TestClient,
                                                           queue_db: str) -> None:  # noqa: F811
    entry = misunderstood(queue_db, "irgendwas mit wohnung")
    response = client.get("/posteingang")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    log_in(client, "ki.admin")
    assert 'href="/posteingang"' in client.get("/").text
    for data in ({}, {"csrf": "forged"}):
        assert client.post(f"/posteingang/{entry}",
                           data={**data, "decision": "noise"}).status_code == 403
    assert client.post("/posteingang/999999", data={
        "csrf": csrf_of(client.get("/posteingang").text), "decision": "noise"}).status_code == 404
    assert len(new_entries(session_factory(queue_db))) == 1


def test_the_staff_erasure_removes_the_persons_inbox_entries(client: TestClient,
                                                             queue_db: str) -> None:  # noqa: F811
    reference = new_request(queue_db)
    conversation = next(r["conversation_id"] for r in export_requests(session_factory(queue_db))
                        if r["reference"] == reference)
    misunderstood(queue_db, "meine sache", conversation=conversation)
    misunderstood(queue_db, "andere sache", conversation="web-someone-else")
    token = log_in(client, "mara")

    response = client.post(f"/anfragen/{reference}/loeschen", data={"csrf": token,
                                                                    "reason": "per Brief"})

    assert response.status_code == 303
    assert [e.text for e in new_entries(session_factory(queue_db))] == ["andere sache"]
