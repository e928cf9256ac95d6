"""Adding an accepted example to nlu/<language>.yml: at the end of its intent's block, the rest
of the file as it was, never twice, never as an entity annotation."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from intake.training_data import (
    Outcome,
    add_example,
    domain_intents,
    examples_by_intent,
    known_words,
    language_file,
)

FIXTURE = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hallo
    - guten tag

- intent: ask_housing
  examples: |
    - ich suche eine wohnung
    - wo kann ich wohnen

- intent: thank
  examples: |
    - danke
"""


@pytest.fixture
def nlu_file(tmp_path: Path) -> Path:
    path = tmp_path / "de.yml"
    path.write_text(FIXTURE, encoding="utf-8")
    return path


def test_an_example_goes_to_the_end_of_its_intents_block(nlu_file: Path) -> None:
    addition = add_example(nlu_file, "ask_housing", "brauche ein zimmer für <zahl> personen")
    assert addition.outcome is Outcome.ADDED
    assert nlu_file.read_text(encoding="utf-8") == FIXTURE.replace(
        "    - wo kann ich wohnen\n",
        "    - wo kann ich wohnen\n    - brauche ein zimmer für <zahl> personen\n")
    assert yaml.safe_load(nlu_file.read_text(encoding="utf-8"))["version"] == "3.1"


def test_an_intent_without_examples_in_that_language_gets_a_block(nlu_file: Path) -> None:
    add_example(nlu_file, "ask_school", "schule für mein kind")
    text = nlu_file.read_text(encoding="utf-8")
    assert text.startswith(FIXTURE)
    assert text.endswith("    - danke\n\n- intent: ask_school\n  examples: |\n    - schule für mein kind\n")
    assert examples_by_intent(nlu_file)["ask_school"] == ["schule für mein kind"]


def test_the_last_block_of_a_file_without_a_final_line_break(tmp_path: Path) -> None:
    path = tmp_path / "en.yml"
    path.write_text(FIXTURE.rstrip("\n"), encoding="utf-8")
    add_example(path, "thank", "cheers mate")
    assert examples_by_intent(path)["thank"] == ["danke", "cheers mate"]


def test_an_example_is_never_added_twice(nlu_file: Path) -> None:
    assert add_example(nlu_file, "greet", "  Guten   Tag ").outcome is Outcome.ALREADY_THERE
    other = add_example(nlu_file, "thank", "Hallo")
    assert (other.outcome, other.intent) == (Outcome.UNDER_OTHER_INTENT, "greet")
    assert nlu_file.read_text(encoding="utf-8") == FIXTURE


def test_brackets_cannot_smuggle_in_an_entity_annotation(nlu_file: Path) -> None:
    add_example(nlu_file, "ask_housing", "wohnung in [Haan](municipality)\nzweite zeile")
    assert examples_by_intent(nlu_file)["ask_housing"][-1] == \
        "wohnung in Haan (municipality) zweite zeile"


def test_an_empty_example_is_refused(nlu_file: Path) -> None:
    with pytest.raises(ValueError):
        add_example(nlu_file, "greet", " [ ] ")
    assert nlu_file.read_text(encoding="utf-8") == FIXTURE


@pytest.mark.parametrize("language", ["../de", "DE", "xx", ""])
def test_only_a_plain_language_code_with_a_file_names_a_file(nlu_file: Path, language: str) -> None:
    assert language_file(nlu_file.parent, "de") == nlu_file
    with pytest.raises(LookupError):
        language_file(nlu_file.parent, language)


def test_the_intents_come_from_the_domain() -> None:
    intents = domain_intents()
    assert {"greet", "ask_housing", "out_of_scope"} <= set(intents)
    assert "nlu_fallback" not in intents and len(intents) == len(set(intents))


def test_known_words_are_the_normalised_words_of_every_example(nlu_file: Path) -> None:
    assert known_words(nlu_file.parent) == {
        "hallo", "guten", "tag", "ich", "suche", "eine", "wohnung", "wo", "kann", "wohnen",
        "danke"}
