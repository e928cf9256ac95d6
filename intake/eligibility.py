"""Target groups, referrals and routes from the screening answers.

Pure domain logic: takes a parsed ``RuleSet`` and normalised answers, returns an ``Outcome``.
No I/O; loading the files is ``intake.ruleset``'s job.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from intake.conditions import Condition, Context, is_unknown


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    basis: str
    when: Condition
    only_without_target_group: bool = False
    valid_from: Optional[dt.date] = None
    valid_until: Optional[dt.date] = None

    def applies_on(self, day: dt.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


@dataclass(frozen=True)
class Question:
    slot: str
    ask_when: Optional[Condition] = None


@dataclass(frozen=True)
class RuleSet:
    version: str
    parameters: Mapping[str, float]
    lists: Mapping[str, frozenset[str]]
    questions: tuple[Question, ...]
    target_groups: tuple[Rule, ...]
    referrals: tuple[Rule, ...]
    routes: tuple[Rule, ...]
    queue_municipality: str
    slot_labels: Mapping[str, str]

    def context(self, answers: Mapping[str, Any]) -> Context:
        return Context(answers, self.parameters, self.lists)


@dataclass(frozen=True)
class Outcome:
    target_groups: tuple[str, ...]
    to_check: tuple[str, ...]
    referrals: tuple[str, ...]
    routes: tuple[str, ...]
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "target_groups": list(self.target_groups),
            "to_check": list(self.to_check),
            "referrals": list(self.referrals),
            "routes": list(self.routes),
            "reasons": list(self.reasons),
        }

    @property
    def is_case_for_haan(self) -> bool:
        return bool(self.target_groups or self.to_check)


class QueueDecision(enum.Enum):
    QUEUE = "queue"
    NOT_NEEDED = "not_needed"
    UNDER_MIN_AGE = "under_min_age"


def assess(rules: RuleSet, answers: Mapping[str, Any], on: dt.date) -> Outcome:
    ctx = rules.context(answers)
    target_groups: list[str] = []
    to_check: list[str] = []
    reasons: list[str] = []

    for rule in _valid(rules.target_groups, on):
        result = rule.when.evaluate(ctx)
        if result.value is True:
            target_groups.append(rule.code)
            reasons.append(f"Zielgruppe {rule.label}: {_join(result.reasons)}.")
        elif result.value is None:
            to_check.append(rule.code)
            open_answers = ", ".join(sorted(rules.slot_labels.get(s, s) for s in result.unknown))
            reasons.append(f"Zu prüfen – {rule.label}: Angabe fehlt ({open_answers}).")

    referrals: list[str] = []
    for rule in _valid(rules.referrals, on):
        result = rule.when.evaluate(ctx)
        if result.value is True:
            referrals.append(rule.code)
            reasons.append(f"{rule.label}: {_join(result.reasons)}.")

    routes: list[str] = []
    has_case = bool(target_groups or to_check)
    for rule in _valid(rules.routes, on):
        if rule.only_without_target_group and has_case:
            continue
        result = rule.when.evaluate(ctx)
        if result.value is True:
            routes.append(rule.code)
            reasons.append(f"Weiterleitung {rule.label}: {_join(result.reasons)}.")

    return Outcome(
        tuple(sorted(target_groups)),
        tuple(sorted(to_check)),
        tuple(sorted(referrals)),
        tuple(sorted(routes)),
        tuple(reasons),
    )


def below_min_intake_age(rules: RuleSet, answers: Mapping[str, Any]) -> bool:
    age = answers.get("age")
    return not is_unknown(age) and float(age) < rules.parameters["min_intake_age"]


def queue_decision(
    rules: RuleSet, answers: Mapping[str, Any], outcome: Outcome, asked_for_person: bool
) -> QueueDecision:
    if below_min_intake_age(rules, answers):
        return QueueDecision.UNDER_MIN_AGE
    if asked_for_person:
        return QueueDecision.QUEUE
    if answers.get("municipality") == rules.queue_municipality and outcome.is_case_for_haan:
        return QueueDecision.QUEUE
    return QueueDecision.NOT_NEEDED


def questions_to_ask(rules: RuleSet, answers: Mapping[str, Any]) -> list[str]:
    """The screening's questions in order; a question whose condition is open is asked."""
    ctx = rules.context(answers)
    return [
        q.slot
        for q in rules.questions
        if q.ask_when is None or q.ask_when.evaluate(ctx).value is not False
    ]


def _valid(rules: tuple[Rule, ...], on: dt.date) -> list[Rule]:
    return [rule for rule in rules if rule.applies_on(on)]


def _join(reasons: tuple[str, ...]) -> str:
    return "; ".join(dict.fromkeys(reasons)) or "Bedingung erfüllt"
