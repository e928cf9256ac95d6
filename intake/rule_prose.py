"""The rules of rules.yml in German sentences, for the integration centre to check what the bot
will do (console page "Regeln"). Pure: the ruleset and the answer schema in, text out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.answers import AnswerSchema
from intake.conditions import All, Any_, Condition, Not, Test
from intake.eligibility import Rule, RuleSet


@dataclass(frozen=True)
class Sentence:
    """One line of a rule's description, with its depth in the condition tree."""

    depth: int
    text: str


@dataclass(frozen=True)
class RuleProse:
    section: str
    code: str
    label: str
    basis: str
    validity: str
    sentences: tuple[Sentence, ...]


SECTIONS = (("target_groups", "Zielgruppe"), ("referrals", "Verweisberatung"), ("routes", "Weg"))


def describe_rules(rules: RuleSet, schema: AnswerSchema) -> list[RuleProse]:
    described = []
    for attribute, section in SECTIONS:
        for rule in getattr(rules, attribute):
            sentences = tuple(_condition(rule.when, rules, schema, 0))
            if rule.only_without_target_group:
                sentences += (Sentence(0, "nur, wenn keine Zielgruppe zutrifft"),)
            described.append(RuleProse(section, rule.code, rule.label, rule.basis,
                                       _validity(rule), sentences))
    return described


def _validity(rule: Rule) -> str:
    if rule.valid_from and rule.valid_until:
        return f"gilt vom {rule.valid_from:%d.%m.%Y} bis {rule.valid_until:%d.%m.%Y}"
    if rule.valid_from:
        return f"gilt ab {rule.valid_from:%d.%m.%Y}"
    if rule.valid_until:
        return f"gilt bis {rule.valid_until:%d.%m.%Y}"
    return "gilt unbefristet"


def _condition(node: Condition, rules: RuleSet, schema: AnswerSchema, depth: int) -> list[Sentence]:
    if isinstance(node, (All, Any_)):
        head = "alle diese Bedingungen:" if isinstance(node, All) else "mindestens eine davon:"
        if len(node.children) == 1:
            return _condition(node.children[0], rules, schema, depth)
        lines = [Sentence(depth, head)]
        for child in node.children:
            lines += _condition(child, rules, schema, depth + 1)
        return lines
    if isinstance(node, Not):
        return [Sentence(depth, "nicht:"), *_condition(node.child, rules, schema, depth + 1)]
    return [Sentence(depth, _test(node, rules, schema))]


def _test(test: Test, rules: RuleSet, schema: AnswerSchema) -> str:
    spec = schema.slots[test.slot]
    label = spec.label

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "ja" if v else "nein"
        if isinstance(v, str) and v in rules.parameters:
            return f"{_number(rules.parameters[v])} ({v})"
        return str(spec.values.get(str(v), v))

    operand = test.operand
    text = {
        "eq": lambda: f"{label}: {value(operand)}",
        "in": lambda: f"{label}: eines von {', '.join(value(v) for v in operand)}",
        "not": lambda: f"{label}: nicht {', '.join(value(v) for v in operand)}"
        if isinstance(operand, list) else f"{label}: nicht {value(operand)}",
        "below": lambda: f"{label} unter {value(operand)}",
        "at_least": lambda: f"{label} mindestens {value(operand)}",
        "contains": lambda: f"{label} enthält {value(operand)}",
        "in_list": lambda: f"{label} steht in der Liste „{operand}“ "
                           f"({len(rules.lists[operand])} Einträge)",
    }[test.operator]()
    if test.if_unknown is not None:
        text += f"; wenn unbekannt: gilt als {'erfüllt' if test.if_unknown else 'nicht erfüllt'}"
    else:
        text += "; wenn unbekannt: „zu prüfen“"
    return text


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")
