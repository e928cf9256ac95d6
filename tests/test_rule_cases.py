"""The integration centre's test cases for the rules (data/screening/rule_cases.yml)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from intake.answers import load_answer_schema
from intake.eligibility import QueueDecision, assess, queue_decision
from intake.paths import DATA_DIR
from intake.ruleset import default_ruleset

CASES_FILE = DATA_DIR / "screening" / "rule_cases.yml"


def _cases() -> list[dict[str, Any]]:
    with Path(CASES_FILE).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["cases"]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_rule_case(case: dict[str, Any]) -> None:
    rules = default_ruleset()
    answers = load_answer_schema().normalise(case["answers"])
    on = dt.date.fromisoformat(str(case["on"])) if "on" in case else dt.date.today()
    outcome = assess(rules, answers, on)
    got = outcome.as_dict()
    for key, expected in (case.get("expect") or {}).items():
        assert got[key] == sorted(expected), f"{key}: {got['reasons']}"
    if "queue" in case:
        decision = queue_decision(rules, answers, outcome, bool(case.get("asked_for_person")))
        assert decision is QueueDecision(case["queue"])


def test_every_outcome_code_has_a_case() -> None:
    rules = default_ruleset()
    codes = {r.code for r in (*rules.target_groups, *rules.referrals, *rules.routes)}
    expected: set[str] = set()
    for case in _cases():
        for values in (case.get("expect") or {}).values():
            expected.update(values)
    assert codes <= expected, f"codes without a test case: {sorted(codes - expected)}"
