"""The default rules of screening.md as a table, and the rules file's own mechanics."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from intake.answers import load_answer_schema
from intake.conditions import RuleFileError
from intake.eligibility import assess, questions_to_ask
from intake.paths import DATA_DIR
from intake.ruleset import default_ruleset, load_ruleset

TODAY = dt.date(2026, 11, 25)
ADULT = {"municipality": "haan", "age": 35, "country_of_origin": "SY",
         "residence_status": "permit_other", "benefits": "none", "needs": ["other"]}

# (answers on top of ADULT, target_groups, to_check, referrals, routes)
TABLE: list[tuple[dict[str, Any], list[str], list[str], list[str], list[str]]] = [
    ({}, [], [], [], ["mbe"]),
    ({"age": 17, "accompanied": False}, ["unaccompanied_minor"], [], ["sgb8_youth_welfare"], []),
    ({"age": 18, "accompanied": False}, [], [], [], ["jmd"]),
    ({"age": 17, "accompanied": "unknown"}, [], ["unaccompanied_minor"], [], []),
    ({"residence_status": "duldung", "age": 26, "years_in_germany": 3,
      "in_school_or_training": False, "has_minor_children": False},
     ["tolerated_25a_25b"], [], [], []),
    ({"residence_status": "duldung", "age": 27, "years_in_germany": 3,
      "has_minor_children": False}, ["tolerated_or_asylum_over_27"], [], [], []),
    ({"residence_status": "duldung", "age": 26, "years_in_germany": 2,
      "in_school_or_training": False, "has_minor_children": False}, [], [], [], ["jmd"]),
    ({"residence_status": "gestattung", "age": 27}, ["tolerated_or_asylum_over_27"], [], [], []),
    ({"residence_status": "gestattung", "age": 26}, [], [], [], ["jmd"]),
    ({"residence_status": "duldung", "age": 45, "years_in_germany": "unknown",
      "has_minor_children": False}, ["tolerated_or_asylum_over_27"], ["tolerated_25a_25b"], [], []),
    ({"residence_status": "permit_104c", "permit_extension_at_risk": True},
     ["tolerated_25a_25b"], [], [], []),
    ({"country_of_origin": "UA"}, ["eastern_europe"], [], [], []),
    ({"country_of_origin": "unknown"}, [], ["eastern_europe"], [], []),
    ({"benefits": "sgb2", "needs": ["work"]}, [], [], ["sgb2_jobcenter"], ["mbe"]),
    ({"benefits": "sgb3"}, [], [], ["sgb3_employment_agency"], ["mbe"]),
    ({"needs": ["work"]}, [], [], ["sgb3_employment_agency"], ["mbe"]),
    ({"needs": ["children_family"]}, [], [], ["sgb8_youth_welfare"], ["mbe"]),
    ({"municipality": "kreis_mettmann_other", "country_of_origin": "RO"},
     ["eastern_europe"], [], [], ["ki_kreis_mettmann"]),
    ({"municipality": "elsewhere"}, [], [], [], ["outside_area"]),
    ({"municipality": "unknown", "age": "unknown", "accompanied": True}, [], [], [], ["mbe"]),
    ({"municipality": "unknown", "age": "unknown"}, [], ["unaccompanied_minor"], [], []),
]


@pytest.mark.parametrize("extra,groups,to_check,referrals,routes", TABLE)
def test_default_rules(extra: dict[str, Any], groups: list[str], to_check: list[str],
                       referrals: list[str], routes: list[str]) -> None:
    answers = load_answer_schema().normalise({**ADULT, **extra})
    outcome = assess(default_ruleset(), answers, TODAY)
    assert list(outcome.target_groups) == groups
    assert list(outcome.to_check) == to_check
    assert list(outcome.referrals) == referrals
    assert list(outcome.routes) == routes
    assert outcome.reasons, "every outcome names its reasons for staff"


def test_questions_follow_the_answers() -> None:
    rules = default_ruleset()
    adult = questions_to_ask(rules, {"age": 30, "residence_status": "eu_citizen"})
    assert "accompanied" not in adult and "years_in_germany" not in adult
    minor = questions_to_ask(rules, {"age": 16, "residence_status": "duldung"})
    assert {"accompanied", "in_school_or_training", "has_minor_children"} <= set(minor)
    # An unknown age keeps the question about parents: it could matter.
    assert "accompanied" in questions_to_ask(rules, {"age": "unknown"})


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "screening"
    shutil.copytree(DATA_DIR / "screening", target)
    return target


def test_a_rule_applies_only_in_its_validity_period(tmp_path: Path) -> None:
    directory = _copy_rules(tmp_path)
    rules_file = directory / "rules.yml"
    text = rules_file.read_text(encoding="utf-8").replace(
        "  - code: eastern_europe\n",
        "  - code: eastern_europe\n    valid_from: 2027-01-01\n",
    )
    rules_file.write_text(text, encoding="utf-8")
    rules = load_ruleset(directory)
    answers = {**ADULT, "country_of_origin": "PL"}
    assert "eastern_europe" not in assess(rules, answers, dt.date(2026, 12, 31)).target_groups
    assert "eastern_europe" in assess(rules, answers, dt.date(2027, 1, 1)).target_groups


def test_a_broken_rules_file_names_file_and_place(tmp_path: Path) -> None:
    directory = _copy_rules(tmp_path)
    rules_file = directory / "rules.yml"
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace("age: {below: adult_age}", "alter: 5", 1),
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError, match=r"rules\.yml.*unbekannte Antwort 'alter'"):
        load_ruleset(directory)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    directory = _copy_rules(tmp_path)
    (directory / "rules.yml").write_text("parameters:\n  adult_age: [18\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"Zeile \d+"):
        load_ruleset(directory)
