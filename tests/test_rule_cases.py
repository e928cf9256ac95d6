"""The integration centre's test cases for the rules (data/screening/rule_cases.yml)."""
from __future__ import annotations

from typing import Any

import pytest

from intake.answers import load_answer_schema
from intake.rule_cases import check_case, load_cases, uncovered_codes
from intake.ruleset import default_ruleset


@pytest.mark.parametrize("case", load_cases(), ids=lambda c: c["name"])
def test_rule_case(case: dict[str, Any]) -> None:
    assert check_case(default_ruleset(), load_answer_schema(), case) == []


def test_every_outcome_code_has_a_case() -> None:
    assert uncovered_codes(default_ruleset(), load_cases()) == []


def test_a_case_that_does_not_hold_is_told_in_german() -> None:
    case = {"name": "falsch erwartet", "answers": {"municipality": "haan", "age": 17,
                                                    "accompanied": False},
            "expect": {"target_groups": []}, "queue": "not_needed"}
    problems = check_case(default_ruleset(), load_answer_schema(), case)
    assert problems[0].startswith("target_groups: erwartet [], ergibt ['unaccompanied_minor']")
    assert problems[1] == "Warteschlange: erwartet not_needed, ergibt queue"
