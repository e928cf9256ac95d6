"""The answer schema (``data/screening/answers.yml``) and normalising answers against it."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from intake.conditions import UNKNOWN_MARKERS
from intake.paths import DATA_DIR

SUPPORTED_LANGUAGES = ("de", "en", "uk", "ru", "ar", "tr", "fa", "ro", "bg", "pl")
UNKNOWN = "unknown"
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


class AnswerError(ValueError):
    """An answer that is not one of the values screening.md allows."""


@dataclass(frozen=True)
class AnswerSpec:
    name: str
    type: str
    label: str
    values: Mapping[str, str] = field(default_factory=dict)
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    whole: bool = False
    max_length: int = 200


@dataclass(frozen=True)
class AnswerSchema:
    slots: Mapping[str, AnswerSpec]
    countries: frozenset[str]

    def normalise(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Answers with unknown markers unified to ``"unknown"``; raises ``AnswerError``."""
        out: dict[str, Any] = {}
        for name, value in raw.items():
            spec = self.slots.get(name)
            if spec is None:
                raise AnswerError(f"unknown answer '{name}'")
            out[name] = self._value(spec, value)
        return out

    def _value(self, spec: AnswerSpec, value: Any) -> Any:
        if value in UNKNOWN_MARKERS:
            return UNKNOWN
        bad = AnswerError(f"unknown value {value!r} for '{spec.name}'")
        if spec.type == "choice":
            if value not in spec.values:
                raise bad
            return value
        if spec.type == "choices":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list):
                raise bad
            known = [v for v in items if v not in UNKNOWN_MARKERS]
            if not known:
                return UNKNOWN
            if any(v not in spec.values for v in known):
                raise bad
            return sorted(set(known))
        if spec.type == "bool":
            if not isinstance(value, bool):
                raise bad
            return value
        if spec.type == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad
            if (spec.minimum is not None and value < spec.minimum) or (
                spec.maximum is not None and value > spec.maximum
            ):
                raise bad
            if spec.whole and value != int(value):
                raise bad
            return int(value) if spec.whole else value
        if spec.type == "country":
            if not isinstance(value, str) or value.upper() not in self.countries:
                raise bad
            return value.upper()
        if spec.type == "language":
            if not isinstance(value, str) or not _LANGUAGE_CODE.match(value):
                raise bad
            if spec.name == "language" and value not in SUPPORTED_LANGUAGES:
                raise bad
            return value
        if spec.type == "text":
            if not isinstance(value, str) or len(value) > spec.max_length:
                raise bad
            return value
        raise AssertionError(spec.type)


def load_answer_schema(
    path: Path = DATA_DIR / "screening" / "answers.yml",
    countries_path: Path = DATA_DIR / "vocabulary" / "countries.yml",
) -> AnswerSchema:
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)["answers"]
    slots = {
        name: AnswerSpec(
            name=name,
            type=spec["type"],
            label=spec.get("label", name),
            values=spec.get("values") or {},
            minimum=spec.get("min"),
            maximum=spec.get("max"),
            whole=bool(spec.get("whole")),
            max_length=int(spec.get("max_length", 200)),
        )
        for name, spec in raw.items()
    }
    with countries_path.open(encoding="utf-8") as fh:
        countries = frozenset(str(code) for code in yaml.safe_load(fh)["values"])
    return AnswerSchema(slots, countries)


@lru_cache(maxsize=1)
def default_answer_schema() -> AnswerSchema:
    """The schema of ``data/screening``, read once per process (the action server asks for it
    on every turn)."""
    return load_answer_schema()
