"""Conditions of the rules file, evaluated in three-valued logic.

A condition is true, false or open (``None``): open when it depends on an answer the user did
not know. Open target groups become ``to_check`` ("when in doubt, include").
Pure: no I/O; the rules file's mappings are parsed into small immutable nodes.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, Union

Tri = Optional[bool]

UNKNOWN_MARKERS = (None, "", "unknown")

OPERATORS = ("eq", "in", "not", "below", "at_least", "contains", "in_list")


class RuleFileError(ValueError):
    """A rules file that cannot be read as rules; the message names the place."""


def is_unknown(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        known = [v for v in value if v not in UNKNOWN_MARKERS]
        return not known and len(value) > 0
    return value in UNKNOWN_MARKERS


@dataclass(frozen=True)
class Result:
    value: Tri
    unknown: frozenset[str] = frozenset()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    answers: Mapping[str, Any]
    parameters: Mapping[str, float]
    lists: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Test:
    slot: str
    operator: str
    operand: Any
    if_unknown: Tri = None
    reason: Optional[str] = None

    def evaluate(self, ctx: Context) -> Result:
        value = ctx.answers.get(self.slot)
        if is_unknown(value):
            if self.if_unknown is None:
                return Result(None, frozenset({self.slot}))
            return Result(self.if_unknown, reasons=self._reasons(self.if_unknown))
        outcome = self._compare(value, ctx)
        return Result(outcome, reasons=self._reasons(outcome))

    def _reasons(self, value: Tri) -> tuple[str, ...]:
        return (self.reason,) if value is True and self.reason else ()

    def _operand(self, ctx: Context) -> Any:
        if isinstance(self.operand, str) and self.operand in ctx.parameters:
            return ctx.parameters[self.operand]
        return self.operand

    def _compare(self, value: Any, ctx: Context) -> bool:
        operand = self._operand(ctx)
        if self.operator == "eq":
            return bool(value == operand)
        if self.operator == "in":
            return value in operand
        if self.operator == "not":
            return value not in operand if isinstance(operand, list) else value != operand
        if self.operator == "below":
            return float(value) < float(operand)
        if self.operator == "at_least":
            return float(value) >= float(operand)
        if self.operator == "contains":
            return operand in (value if isinstance(value, (list, tuple)) else [value])
        if self.operator == "in_list":
            return value in ctx.lists[operand]
        raise AssertionError(self.operator)


@dataclass(frozen=True)
class All:
    children: tuple["Condition", ...]
    reason: Optional[str] = None

    def evaluate(self, ctx: Context) -> Result:
        results = [child.evaluate(ctx) for child in self.children]
        if any(r.value is False for r in results):
            return Result(False)
        if all(r.value is True for r in results):
            own = (self.reason,) if self.reason else ()
            return Result(True, reasons=own + tuple(x for r in results for x in r.reasons))
        return Result(None, frozenset().union(*(r.unknown for r in results if r.value is None)))


@dataclass(frozen=True)
class Any_:
    children: tuple["Condition", ...]
    reason: Optional[str] = None

    def evaluate(self, ctx: Context) -> Result:
        results = [child.evaluate(ctx) for child in self.children]
        true = [r for r in results if r.value is True]
        if true:
            own = (self.reason,) if self.reason else ()
            return Result(True, reasons=own + tuple(x for r in true for x in r.reasons))
        if all(r.value is False for r in results):
            return Result(False)
        return Result(None, frozenset().union(*(r.unknown for r in results if r.value is None)))


@dataclass(frozen=True)
class Not:
    child: "Condition"
    reason: Optional[str] = None

    def evaluate(self, ctx: Context) -> Result:
        inner = self.child.evaluate(ctx)
        if inner.value is None:
            return Result(None, inner.unknown)
        value = not inner.value
        return Result(value, reasons=(self.reason,) if value and self.reason else ())


Condition = Union[Test, All, Any_, Not]


@dataclass(frozen=True)
class Parser:
    """Turns the YAML form of a condition into nodes, checking slots, values and names."""

    slots: frozenset[str]
    parameters: Mapping[str, float]
    lists: Mapping[str, frozenset[str]]
    where: str = field(default="")

    def parse(self, raw: Any, where: str) -> Condition:
        if not isinstance(raw, Mapping) or not raw:
            raise RuleFileError(f"{where}: eine Bedingung muss ein Eintrag mit Schlüsseln sein")
        reason = raw.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise RuleFileError(f"{where}: 'reason' muss ein Text sein")
        keys = [k for k in raw if k != "reason"]
        if not keys:
            raise RuleFileError(f"{where}: Bedingung ohne Inhalt")
        if keys == ["all"] or keys == ["any"]:
            children = raw[keys[0]]
            if not isinstance(children, Sequence) or isinstance(children, str) or not children:
                raise RuleFileError(f"{where}.{keys[0]}: erwartet eine Liste von Bedingungen")
            nodes = tuple(
                self.parse(child, f"{where}.{keys[0]}[{i}]") for i, child in enumerate(children)
            )
            return All(nodes, reason) if keys[0] == "all" else Any_(nodes, reason)
        if keys == ["not"]:
            return Not(self.parse(raw["not"], f"{where}.not"), reason)
        if len(keys) == 1:
            return self._test(keys[0], raw[keys[0]], reason, where)
        tests = tuple(self._test(k, raw[k], None, where) for k in keys)
        return All(tests, reason)

    def _test(self, slot: str, spec: Any, reason: Optional[str], where: str) -> Test:
        if slot not in self.slots:
            raise RuleFileError(f"{where}: unbekannte Antwort '{slot}'")
        here = f"{where}.{slot}"
        if isinstance(spec, list):
            return Test(slot, "in", list(spec), None, reason)
        if not isinstance(spec, Mapping):
            return Test(slot, "eq", spec, None, reason)
        if_unknown = spec.get("if_unknown")
        if if_unknown is not None and not isinstance(if_unknown, bool):
            raise RuleFileError(f"{here}.if_unknown: erwartet true oder false")
        ops = [k for k in spec if k != "if_unknown"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            raise RuleFileError(
                f"{here}: erwartet genau einen Vergleich aus {', '.join(OPERATORS)}"
            )
        operator, operand = ops[0], spec[ops[0]]
        if operator in ("below", "at_least"):
            if isinstance(operand, str) and operand not in self.parameters:
                raise RuleFileError(f"{here}.{operator}: unbekannter Parameter '{operand}'")
            if not isinstance(operand, (str, int, float)) or isinstance(operand, bool):
                raise RuleFileError(f"{here}.{operator}: erwartet eine Zahl oder einen Parameter")
        if operator == "in" and not isinstance(operand, list):
            raise RuleFileError(f"{here}.in: erwartet eine Liste")
        if operator == "in_list" and operand not in self.lists:
            raise RuleFileError(f"{here}.in_list: unbekannte Liste '{operand}'")
        return Test(slot, operator, operand, if_unknown, reason)
