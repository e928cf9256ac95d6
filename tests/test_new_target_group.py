"""A target group the steering group adds, written only into the data files (rules.yml and a
case in rule_cases.yml), is assessed by the bot, shown in the console and counted in the
statistics, without a change to the code."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from intake.paths import DATA_DIR, PROJECT_DIR

NEW_GROUP = """  - code: families_with_children
    label: Familien mit minderjährigen Kindern (Test)
    basis: Lenkungsgruppe KIM, Beschluss zur Erweiterung (Test)
    valid_from: 2026-01-01
    when:
      reason: hat minderjährige Kinder und wohnt in Haan
      all:
        - has_minor_children: true
        - municipality: haan

"""

CHECK = textwrap.dedent('''
    import datetime as dt, uuid
    from starlette.testclient import TestClient
    from console.accounts import create_account
    from console.app import create_app
    from console.settings import ConsoleSettings
    from db.migrate import upgrade
    from db.repository import RequestDraft, create_appointment_request
    from db.session import session_factory
    from intake.eligibility import assess
    from intake.ruleset import default_ruleset
    import re, sys

    url = sys.argv[1]
    upgrade(url)
    sessions = session_factory(url)
    answers = {"municipality": "haan", "age": 35, "has_minor_children": True,
               "residence_status": "settlement_permit"}
    outcome = assess(default_ruleset(), answers, dt.date(2026, 11, 25))
    print("assessed:", outcome.target_groups)
    create_appointment_request(sessions, RequestDraft(
        "web-x", uuid.uuid4().hex, "de", answers,
        {"target_groups": list(outcome.target_groups), "to_check": list(outcome.to_check),
         "referrals": list(outcome.referrals), "routes": list(outcome.routes),
         "reasons": list(outcome.reasons)}, default_ruleset().version))
    create_account(sessions, "ki.admin", "Kai", "ki_admin", "ein langes Passwort 123")
    client = TestClient(create_app(ConsoleSettings(console_secret="c" * 40, database_url=url,
                                                   _env_file=None)), follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf": token, "username": "ki.admin",
                                "password": "ein langes Passwort 123"})
    print("queue:", "Familien mit minderjährigen Kinder" in
          client.get("/?target_group=families_with_children").text)
    print("rules:", "Familien mit minderjährigen Kindern (Test)" in client.get("/regeln").text)
    print("statistics:", "Familien mit minderjährigen Kindern (Test)" in
          client.get("/statistik.csv").text)
''')


def test_a_target_group_from_the_data_files_is_assessed_shown_and_counted(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    rules = data / "screening" / "rules.yml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("target_groups:\n", "target_groups:\n" + NEW_GROUP, 1),
                     encoding="utf-8")
    env = {**os.environ, "KIM_DATA_DIR": str(data)}
    result = subprocess.run(
        [sys.executable, "-c", CHECK, f"sqlite:///{tmp_path / 'queue.sqlite3'}"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "families_with_children" in result.stdout.splitlines()[0]
    assert "queue: True" in result.stdout
    assert "rules: True" in result.stdout
    assert "statistics: True" in result.stdout
