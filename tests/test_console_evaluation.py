"""The console's evaluation page (/auswertung): the latest report of `intake evaluate` for the
integration centre, its pictures, the hint when there is none; caseworkers are refused."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

import console.app as console_app
from console.settings import ConsoleSettings
from db.models import AuditEntry
from db.session import session_factory
from intake.evaluate import write_report
from intake.evaluation import Prediction
from intake.evaluation_report import Case, build_report
from tests.test_console import log_in, queue_db, rasa_events  # noqa: F401 (fixtures)

HOSTILE = '<script>alert("x")</script>'
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    return tmp_path / "evaluation"


@pytest.fixture
def client(queue_db: str, rasa_events: list[Any], report_dir: Path) -> Iterator[TestClient]:  # noqa: F811
    settings = ConsoleSettings(console_secret="c" * 40, database_url=queue_db,  # type: ignore[call-arg]
                               evaluation_dir=report_dir, _env_file=None)
    with TestClient(console_app.create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def a_report(report_dir: Path) -> dict[str, Any]:
    report = build_report([
        Case("de", "hallo", "greet", Prediction("greet", 0.97)),
        Case("de", "tschüss", "goodbye", Prediction("greet", 0.61)),
        Case("uk", HOSTILE, "greet", Prediction("nlu_fallback", 0.2, guess="goodbye")),
        Case("uk", "привіт", "greet", Prediction("greet", 0.9)),
    ], {"created_at": "05.12.2026 10:00", "config": "config.yml", "test_share": 0.2, "seed": 7,
        "train_examples": 16, "training_seconds": 3})
    write_report(report, report_dir)
    return report


def audit_details(queue_url: str) -> list[str | None]:
    with session_factory(queue_url)() as session:
        return [e.detail for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_without_a_report_the_page_says_which_command_makes_one(
        client: TestClient, queue_db: str) -> None:  # noqa: F811
    log_in(client, "ki.admin")

    response = client.get("/auswertung")

    assert response.status_code == 200
    assert "Es wurde noch keine Auswertung erstellt" in response.text
    assert "<code>make evaluate</code>" in response.text
    assert "Auswertung des Sprachmodells" in audit_details(queue_db)


def test_the_latest_report_is_shown_with_its_figures_and_mistakes(
        client: TestClient, report_dir: Path, queue_db: str) -> None:  # noqa: F811
    a_report(report_dir)
    log_in(client, "ki.admin")

    page = client.get("/auswertung").text

    assert "Alle Sprachen zusammen: Makro-F1 0,33" in page
    assert '<a href="#sprache-de">Deutsch (de)</a>' in page
    assert "Ukrainisch (uk): Makro-F1 0,67" in page
    assert '<th scope="row">goodbye</th><td class="n">0,00</td>' in page
    assert "<td dir=\"auto\">tschüss</td><td>goodbye</td><td>greet</td><td class=\"n\">0,61</td>" in page
    assert "unsicher (am ehesten goodbye)" in page
    assert HOSTILE not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'src="/auswertung/verwechslungen/de.png"' in page
    assert ' style="' not in page and "<script>" not in page  # the console's CSP allows neither
    assert '<a href="/auswertung">Auswertung</a>' in page
    assert audit_details(queue_db).count("Auswertung des Sprachmodells") == 1


def test_the_confusion_matrix_of_a_language_of_the_report_is_served(
        client: TestClient, report_dir: Path) -> None:
    a_report(report_dir)
    log_in(client, "ki.admin")

    response = client.get("/auswertung/verwechslungen/uk.png")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == (report_dir / "confusion_uk.png").read_bytes()
    assert response.content.startswith(PNG_MAGIC)


@pytest.mark.parametrize("language", ["fa", "..%2Freport", "de%00"])
def test_no_other_file_is_served_as_a_picture(
        client: TestClient, report_dir: Path, language: str) -> None:
    a_report(report_dir)
    (report_dir / "confusion_fa.png").write_bytes(PNG_MAGIC)  # not part of the report
    log_in(client, "ki.admin")

    assert client.get(f"/auswertung/verwechslungen/{language}.png").status_code == 404


def test_an_unreadable_report_counts_as_none(client: TestClient, report_dir: Path) -> None:
    report_dir.mkdir()
    (report_dir / "report.json").write_text("{ half written", encoding="utf-8")
    log_in(client, "ki.admin")

    assert "Es wurde noch keine Auswertung erstellt" in client.get("/auswertung").text
    assert client.get("/auswertung/verwechslungen/de.png").status_code == 404


@pytest.mark.parametrize("path", ["/auswertung", "/auswertung/verwechslungen/de.png"])
def test_a_caseworker_is_refused(client: TestClient, report_dir: Path, path: str) -> None:
    a_report(report_dir)
    log_in(client, "mara")

    response = client.get(path)

    assert response.status_code == 403
    assert "tschüss" not in response.text
    assert '<a href="/auswertung">' not in client.get("/").text


@pytest.mark.parametrize("path", ["/auswertung", "/auswertung/verwechslungen/de.png"])
def test_nothing_is_shown_without_login(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303 and response.headers["location"] == "/login"
