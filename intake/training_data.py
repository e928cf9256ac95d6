"""The intents of the domain and the examples of ``nlu/<language>.yml``: reading them, and
adding one accepted example from the inbox of misunderstood messages to its language's file.

An example is added as one ``- example`` line at the end of its intent's block, the rest of
the file left as it was (a new block at the end if the language has none for that intent); the
file is written whole or not at all. Pure but for reading and writing the files named.
"""
from __future__ import annotations

import enum
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from intake.paths import PROJECT_DIR
from intake.vocabulary import normalise

NLU_DIR = PROJECT_DIR / "nlu"
DOMAIN_DIR = PROJECT_DIR / "bot" / "domain"
MAX_EXAMPLE_LENGTH = 500
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_EXAMPLE_LINE = re.compile(r"^(\s+)- ")


class Outcome(enum.Enum):
    ADDED = "added"
    ALREADY_THERE = "already_there"
    UNDER_OTHER_INTENT = "under_other_intent"


@dataclass(frozen=True)
class Addition:
    outcome: Outcome
    # The intent that has the example already (this one or another).
    intent: str


def domain_intents(domain_dir: Path = DOMAIN_DIR) -> list[str]:
    """Every intent the domain declares, in the order of its files."""
    intents: list[str] = []
    for path in sorted(domain_dir.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in raw.get("intents") or []:
            name = next(iter(item)) if isinstance(item, dict) else str(item)
            if name not in intents:
                intents.append(name)
    return intents


def examples_by_intent(path: Path) -> dict[str, list[str]]:
    return _examples_in(path.read_text(encoding="utf-8"))


def _examples_in(content: str) -> dict[str, list[str]]:
    raw = yaml.safe_load(content) or {}
    found: dict[str, list[str]] = {}
    for block in raw.get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            found.setdefault(str(block["intent"]), []).extend(
                line.strip()[2:].strip()
                for line in str(block.get("examples") or "").splitlines()
                if line.strip().startswith("- "))
    return found


def known_words(nlu_dir: Path = NLU_DIR) -> frozenset[str]:
    """The normalised words of every example in every language."""
    words: set[str] = set()
    for path in sorted(nlu_dir.glob("*.yml")):
        for examples in examples_by_intent(path).values():
            for example in examples:
                words.update(normalise(example).split(" "))
    words.discard("")
    return frozenset(words)


def language_file(nlu_dir: Path, language: str) -> Path:
    """``nlu/<language>.yml``; a language code that is no plain code, or without a file, is
    refused (``LookupError``)."""
    path = nlu_dir / f"{language}.yml"
    if not _LANGUAGE.fullmatch(language) or not path.is_file():
        raise LookupError(language)
    return path


def clean_example(text: str) -> str:
    """One line, no brackets (Rasa would read ``[word](entity)`` as an annotation), at most
    ``MAX_EXAMPLE_LENGTH`` characters."""
    text = " ".join(text.replace("[", " ").replace("]", " ").split())
    return text[:MAX_EXAMPLE_LENGTH].strip()


def add_example(path: Path, intent: str, text: str) -> Addition:
    """Adds ``text`` as an example of ``intent`` to the NLU file ``path``, unless the file has
    it already (case and spacing ignored) under this or another intent."""
    example = clean_example(text)
    if not example:
        raise ValueError("empty example")
    for other, examples in examples_by_intent(path).items():
        if _same(example, examples):
            outcome = Outcome.ALREADY_THERE if other == intent else Outcome.UNDER_OTHER_INTENT
            return Addition(outcome, other)
    content = path.read_text(encoding="utf-8")
    updated = _with_example(content.splitlines(keepends=True), intent, example)
    if example not in _examples_in(updated).get(intent, []):
        raise ValueError("the example would not be read back")  # never write a broken file
    _write_atomically(path, updated)
    return Addition(Outcome.ADDED, intent)


def _same(example: str, examples: Iterable[str]) -> bool:
    wanted = " ".join(example.casefold().split())
    return any(" ".join(e.casefold().split()) == wanted for e in examples)


def _with_example(lines: list[str], intent: str, example: str) -> str:
    header = re.compile(rf"^(\s*)- intent:\s*[\"']?{re.escape(intent)}[\"']?\s*$")
    for index, line in enumerate(lines):
        match = header.match(line.rstrip("\n"))
        if match is None:
            continue
        own_indent = len(match.group(1))
        insert_at, indent = None, " " * (own_indent + 4)
        for offset, inner in enumerate(lines[index + 1:], start=index + 1):
            if inner.strip() and len(inner) - len(inner.lstrip()) <= own_indent:
                break  # the next item of the list
            example_line = _EXAMPLE_LINE.match(inner)
            if example_line:
                insert_at, indent = offset + 1, example_line.group(1)
            elif inner.strip().startswith("examples:") and insert_at is None:
                insert_at = offset + 1
        if insert_at is None:
            lines.insert(index + 1, " " * (own_indent + 2) + "examples: |\n")
            insert_at = index + 2
        if insert_at > 0 and not lines[insert_at - 1].endswith("\n"):
            lines[insert_at - 1] += "\n"
        lines.insert(insert_at, f"{indent}- {example}\n")
        return "".join(lines)
    content = "".join(lines)
    if content and not content.endswith("\n"):
        content += "\n"
    return content + f"\n- intent: {intent}\n  examples: |\n    - {example}\n"


def _write_atomically(path: Path, content: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
