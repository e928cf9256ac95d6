"""`intake assess` and `intake queue export` as screening.md describes them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from db.repository import RequestDraft, create_appointment_request
from db.session import session_factory
from intake.paths import PROJECT_DIR


def intake(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "intake.cli", *args], input=stdin,
                          capture_output=True, text=True, cwd=PROJECT_DIR, env=env, timeout=60)


def test_assess_prints_the_outcome_with_sorted_codes() -> None:
    answers = {"municipality": "haan", "age": 30, "country_of_origin": "ua",
               "residence_status": "duldung", "years_in_germany": 7, "has_minor_children": False,
               "benefits": "sgb2", "needs": ["work"]}
    result = intake("assess", stdin=json.dumps(answers))
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["target_groups"] == ["eastern_europe", "tolerated_25a_25b",
                                        "tolerated_or_asylum_over_27"]
    assert outcome["to_check"] == [] and outcome["referrals"] == ["sgb2_jobcenter"]
    assert outcome["routes"] == []
    assert all(isinstance(r, str) and r for r in outcome["reasons"])


def test_assess_on_a_date() -> None:
    result = intake("assess", "--on", "2026-01-01", stdin="{}")
    assert result.returncode == 0
    assert json.loads(result.stdout)["to_check"] == [
        "eastern_europe", "tolerated_25a_25b", "tolerated_or_asylum_over_27", "unaccompanied_minor"]


@pytest.mark.parametrize("stdin", ["{not json", "[1, 2]", '{"age": 200}', '{"colour": "red"}',
                                   '{"residence_status": "citizen_of_mars"}', ""])
def test_assess_rejects_bad_input_with_one_line(stdin: str) -> None:
    result = intake("assess", stdin=stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_queue_export_prints_every_request(queue_url: str) -> None:
    create_appointment_request(session_factory(queue_url), RequestDraft(
        conversation_id="c1", screening_id="s1", language="ar", answers={"age": 40},
        outcome={"target_groups": [], "to_check": ["eastern_europe"]}, rules_version="v"))
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": queue_url}
    result = intake("queue", "export", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["language"] == "ar" and row["to_check"] == ["eastern_europe"]
    assert row["status"] == "new" and row["created_at"]


def test_an_unusable_database_is_one_line_not_a_stack_trace(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = intake("queue", "export", "--format", "json", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "intake: database error (OperationalError); check DATABASE_URL and `intake db upgrade`"]


@pytest.mark.parametrize("env, expected", [
    ({}, "TELEGRAM_BOT_TOKEN is not set; CHANNEL_SECRET is not set"),
    ({"TELEGRAM_BOT_TOKEN": "12345:secret-but-wrong", "CHANNEL_SECRET": "x" * 40},
     "TELEGRAM_BOT_TOKEN does not look like a bot token"),
    ({"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35, "CHANNEL_SECRET": "x" * 40,
      "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": "https://bot.example/hook"},
     "TELEGRAM_WEBHOOK_SECRET is needed in webhook mode"),
])
def test_the_gateway_refuses_bad_settings_in_one_line(env: dict[str, str], expected: str,
                                                      tmp_path: Path) -> None:
    import os

    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("TELEGRAM_", "CHANNEL_"))}
    result = subprocess.run([sys.executable, "-m", "bot.telegram"], cwd=PROJECT_DIR,
                            env={**clean, **env}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert "Traceback" not in result.stderr and "secret-but-wrong" not in result.stderr


def test_staff_accounts_are_made_listed_and_disabled_on_the_command_line(queue_url: str) -> None:
    import os

    env = {**os.environ, "DATABASE_URL": queue_url}
    made = intake("staff", "add", "m.weber", "--name", "Mara Weber", "--role", "caseworker",
                  "--password-stdin", stdin="ein langes Passwort 123\n", env=env)
    assert made.returncode == 0, made.stderr
    short = intake("staff", "add", "k.kurz", "--name", "K", "--role", "caseworker",
                   "--password-stdin", stdin="kurz\n", env=env)
    assert short.returncode != 0 and "mindestens 12 Zeichen" in short.stderr
    assert intake("staff", "disable", "m.weber", env=env).returncode == 0
    listed = intake("staff", "list", env=env).stdout
    assert "m.weber\tcaseworker\tgesperrt\tMara Weber" in listed and "k.kurz" not in listed
    from console.accounts import authenticate
    from db.session import session_factory

    assert authenticate(session_factory(queue_url), "m.weber", "ein langes Passwort 123") is None


@pytest.mark.parametrize("breakage, expected", [
    (lambda text: text.replace("target_groups:\n", "target_groups:\n  - code: [broken\n", 1),
     r"rules\.yml, Zeile \d+: kein gültiges YAML"),
    (lambda text: text.replace("        - accompanied: false", "        - begleitet: false", 1),
     "unbekannte Antwort 'begleitet'"),
])
def test_a_broken_rules_file_is_a_german_message_with_its_place(tmp_path: Path, breakage: Any,
                                                               expected: str) -> None:
    import os
    import re
    import shutil

    from intake.paths import DATA_DIR

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    rules = data / "screening" / "rules.yml"
    rules.write_text(breakage(rules.read_text(encoding="utf-8")), encoding="utf-8")
    result = intake("check", env={**os.environ, "KIM_DATA_DIR": str(data)})
    assert result.returncode == 1
    assert re.search(expected, result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_a_rule_case_that_fails_is_reported_by_check(tmp_path: Path) -> None:
    import os
    import shutil

    from intake.paths import DATA_DIR

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    cases = data / "screening" / "rule_cases.yml"
    text = cases.read_text(encoding="utf-8")
    cases.write_text(text.replace("expect: {target_groups: [unaccompanied_minor]",
                                  "expect: {target_groups: [eastern_europe]", 1), encoding="utf-8")
    result = intake("check", env={**os.environ, "KIM_DATA_DIR": str(data)})
    assert result.returncode == 1
    assert "17 und allein" in result.stderr and "ergibt ['unaccompanied_minor']" in result.stderr


def test_rasas_endpoints_are_written_from_the_settings(tmp_path: Path) -> None:
    import os
    import stat

    import yaml

    from intake.stack import ENDPOINTS

    env = {**os.environ, "TRACKER_STORE_URL": "postgresql://kim:geheim@db.example:5432/kim",
           "REDIS_URL": "redis://cache.example:6379/2", "ACTIONS_URL": "http://actions:5055"}
    result = intake("endpoints", env=env)
    assert result.returncode == 0, result.stderr
    written = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    assert written["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert written["tracker_store"]["url"] == "db.example"
    assert written["tracker_store"]["password"] == "geheim"
    assert written["lock_store"]["type"] == "bot.redis_lock.AtomicRedisLockStore"
    assert written["lock_store"]["db"] == 2
    assert stat.S_IMODE(ENDPOINTS.stat().st_mode) == 0o600
    bad = intake("endpoints", env={**env, "TRACKER_STORE_URL": "mysql://x/y"})
    assert bad.returncode != 0 and "TRACKER_STORE_URL" in bad.stderr
    intake("endpoints", env={k: v for k, v in os.environ.items()
                             if k not in ("TRACKER_STORE_URL", "REDIS_URL", "ACTIONS_URL")})
