"""The Haan queue on SQLite and, when DATABASE_URL points there, on PostgreSQL."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from db.models import AppointmentRequest, StatusChange
from db.repository import (
    AppointmentDetails, RequestDraft, create_appointment_request, erase_conversation,
    export_requests, new_reference, requests_of_conversation, save_appointment_details,
)

OUTCOME = {"target_groups": ["eastern_europe"], "to_check": [], "referrals": [],
           "routes": [], "reasons": ["Zielgruppe Zugewanderte aus Osteuropa: …"]}


def draft(conversation: str = "c1", screening: str = "s1", **kw: object) -> RequestDraft:
    return RequestDraft(conversation_id=conversation, screening_id=screening, language="uk",
                        answers={"country_of_origin": "UA", "age": 30}, outcome=OUTCOME,
                        rules_version="2026-11-25", **kw)  # type: ignore[arg-type]


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_references_are_short_random_and_readable() -> None:
    references = {new_reference() for _ in range(500)}
    assert len(references) == 500
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", r) for r in references)


def test_a_request_is_stored_with_its_history(sessions: sessionmaker[Session]) -> None:
    stored = create_appointment_request(sessions, draft())
    assert stored.created and stored.status == "new"
    [row] = export_requests(sessions)
    assert row["reference"] == stored.reference
    assert row["target_groups"] == ["eastern_europe"] and row["language"] == "uk"
    assert row["answers"] == {"country_of_origin": "UA", "age": 30}
    assert set(row) >= {"reference", "created_at", "status", "language", "target_groups",
                        "to_check", "referrals", "answers"}
    assert count(sessions, StatusChange) == 1


def test_creating_is_idempotent_per_conversation_and_screening(
    sessions: sessionmaker[Session],
) -> None:
    first = create_appointment_request(sessions, draft())
    again = create_appointment_request(sessions, draft(asked_for_person=True))
    assert again.reference == first.reference and not again.created
    assert export_requests(sessions)[0]["asked_for_person"] is True
    other = create_appointment_request(sessions, draft(screening="s2"))
    assert other.reference != first.reference
    assert count(sessions, AppointmentRequest) == 2


def test_concurrent_creation_gives_one_request(sessions: sessionmaker[Session]) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        references = set(pool.map(lambda _: create_appointment_request(sessions, draft()).reference,
                                  range(16)))
    assert len(references) == 1
    assert count(sessions, AppointmentRequest) == 1


def test_a_failed_creation_leaves_nothing_half_written(sessions: sessionmaker[Session]) -> None:
    # The answers cannot be written as JSON: the insert fails after the request and its
    # first status change were added to the transaction.
    broken = RequestDraft(conversation_id="c9", screening_id="s9", language="de",
                          answers={"age": {30, 31}}, outcome=OUTCOME, rules_version="v")
    with pytest.raises((TypeError, StatementError)):
        create_appointment_request(sessions, broken)
    assert count(sessions, AppointmentRequest) == 0
    assert count(sessions, StatusChange) == 0


def test_details_status_and_erasure(sessions: sessionmaker[Session]) -> None:
    stored = create_appointment_request(sessions, draft())
    reference = save_appointment_details(sessions, "c1", "s1",
                                         AppointmentDetails("office", "montags", "uk"))
    assert reference == stored.reference
    assert save_appointment_details(sessions, "c1", "nope", AppointmentDetails(None, None, None)) is None
    assert [r.reference for r in requests_of_conversation(sessions, "c1")] == [stored.reference]
    create_appointment_request(sessions, draft(conversation="c2"))
    assert erase_conversation(sessions, "c1") == 1
    assert requests_of_conversation(sessions, "c1") == []
    assert count(sessions, AppointmentRequest) == 1
    assert count(sessions, StatusChange) == 1
