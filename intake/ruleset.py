"""Reads the rules files under ``data/screening`` into a ``RuleSet``.

Errors name the file and the place, in German, for the integration centre.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from intake.answers import AnswerSchema, load_answer_schema
from intake.conditions import Parser, RuleFileError
from intake.eligibility import Question, Rule, RuleSet
from intake.paths import DATA_DIR

SCREENING_DIR = DATA_DIR / "screening"


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise RuleFileError(f"{path}: Datei fehlt") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", Zeile {mark.line + 1}" if mark else ""
        raise RuleFileError(f"{path}{line}: kein gültiges YAML ({exc})") from exc


def load_ruleset(directory: Path = SCREENING_DIR, schema: Optional[AnswerSchema] = None) -> RuleSet:
    path = directory / "rules.yml"
    raw = read_yaml(path)
    if not isinstance(raw, Mapping):
        raise RuleFileError(f"{path}: erwartet Einträge wie 'parameters', 'target_groups'")
    schema = schema or load_answer_schema(directory / "answers.yml")

    parameters = dict(raw.get("parameters") or {})
    for name, value in parameters.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise RuleFileError(f"{path}: parameters.{name} muss eine Zahl sein")
    for required in ("adult_age", "over_27_age", "min_intake_age"):
        if required not in parameters:
            raise RuleFileError(f"{path}: parameters.{required} fehlt")

    lists = {
        name: _load_list(directory / str(file), name)
        for name, file in (raw.get("lists") or {}).items()
    }
    parser = Parser(frozenset(schema.slots), parameters, lists)

    questions = []
    for i, entry in enumerate(raw.get("questions") or []):
        where = f"{path}: questions[{i}]"
        slot = entry.get("slot") if isinstance(entry, Mapping) else None
        if slot not in schema.slots:
            raise RuleFileError(f"{where}: unbekannte Antwort '{slot}'")
        ask_when = entry.get("ask_when")
        questions.append(
            Question(slot, parser.parse(ask_when, f"{where}.ask_when") if ask_when else None)
        )

    def rules(section: str) -> tuple[Rule, ...]:
        out = []
        seen: set[str] = set()
        for i, entry in enumerate(raw.get(section) or []):
            where = f"{path}: {section}[{i}]"
            if not isinstance(entry, Mapping) or not entry.get("code") or "when" not in entry:
                raise RuleFileError(f"{where}: jede Regel braucht 'code' und 'when'")
            code = str(entry["code"])
            if code in seen:
                raise RuleFileError(f"{where}: Code '{code}' kommt doppelt vor")
            seen.add(code)
            out.append(
                Rule(
                    code=code,
                    label=str(entry.get("label") or code),
                    basis=str(entry.get("basis") or ""),
                    when=parser.parse(entry["when"], f"{where}.when"),
                    only_without_target_group=bool(entry.get("only_without_target_group")),
                    valid_from=_date(entry.get("valid_from"), f"{where}.valid_from"),
                    valid_until=_date(entry.get("valid_until"), f"{where}.valid_until"),
                )
            )
        return tuple(out)

    queue = raw.get("queue") or {}
    return RuleSet(
        version=str(raw.get("version", "")),
        parameters=parameters,
        lists=lists,
        questions=tuple(questions),
        target_groups=rules("target_groups"),
        referrals=rules("referrals"),
        routes=rules("routes"),
        queue_municipality=str(queue.get("municipality", "haan")),
        slot_labels={name: spec.label for name, spec in schema.slots.items()},
    )


@lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    return load_ruleset()


def _load_list(path: Path, name: str) -> frozenset[str]:
    raw = read_yaml(path)
    values = raw.get("countries") if isinstance(raw, Mapping) else raw
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RuleFileError(f"{path}: Liste '{name}' muss eine Liste von Codes sein")
    return frozenset(values)


def _date(value: Any, where: str) -> Optional[dt.date]:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RuleFileError(f"{where}: Datum im Format JJJJ-MM-TT erwartet") from exc
