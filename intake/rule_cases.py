"""The integration centre's test cases for the rules (data/screening/rule_cases.yml): each case
gives answers and the outcome it expects. Used by `make test` and by `intake check`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from intake.answers import AnswerError, AnswerSchema
from intake.conditions import RuleFileError
from intake.eligibility import QueueDecision, RuleSet, assess, queue_decision
from intake.paths import DATA_DIR
from intake.ruleset import read_yaml

CASES_FILE = DATA_DIR / "screening" / "rule_cases.yml"


def load_cases(path: Path = CASES_FILE) -> list[dict[str, Any]]:
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise RuleFileError(f"{path}: erwartet eine Liste unter 'cases:'")
    return list(document["cases"])


def failures(rules: RuleSet, schema: AnswerSchema, cases: list[dict[str, Any]]) -> list[str]:
    """What each case that does not hold got instead, in German; empty when all hold."""
    problems = []
    for number, case in enumerate(cases, start=1):
        name = case.get("name") or f"Fall {number}"
        try:
            problems += [f"{name}: {p}" for p in check_case(rules, schema, case)]
        except (AnswerError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{name}: der Fall ist nicht lesbar ({exc})")
    return problems


def check_case(rules: RuleSet, schema: AnswerSchema, case: dict[str, Any]) -> list[str]:
    answers = schema.normalise(case.get("answers") or {})
    on = dt.date.fromisoformat(str(case["on"])) if "on" in case else dt.date.today()
    outcome = assess(rules, answers, on)
    got = outcome.as_dict()
    problems = [
        f"{key}: erwartet {sorted(expected)}, ergibt {got[key]} (Gründe: {'; '.join(got['reasons']) or '–'})"
        for key, expected in (case.get("expect") or {}).items()
        if got[key] != sorted(expected)
    ]
    if "queue" in case:
        decision = queue_decision(rules, answers, outcome, bool(case.get("asked_for_person")))
        if decision is not QueueDecision(case["queue"]):
            problems.append(f"Warteschlange: erwartet {case['queue']}, ergibt {decision.value}")
    return problems


def uncovered_codes(rules: RuleSet, cases: list[dict[str, Any]]) -> list[str]:
    """Outcome codes that no case expects: a new rule needs a case."""
    codes = {r.code for r in (*rules.target_groups, *rules.referrals, *rules.routes)}
    expected: set[str] = set()
    for case in cases:
        for values in (case.get("expect") or {}).values():
            expected.update(values)
    return sorted(codes - expected)
