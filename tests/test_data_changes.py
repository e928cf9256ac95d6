"""What changed since the last model, as the integration centre reads it."""
from __future__ import annotations

import shutil
from pathlib import Path

from intake.data_changes import NLU_DIR, RULES_FILE, differences, summarise


def test_nothing_changed_reads_as_nothing() -> None:
    assert differences(summarise(), summarise()) == []


def test_added_examples_a_new_intent_and_a_changed_rule_are_told(tmp_path: Path) -> None:
    before = summarise()
    nlu = tmp_path / "nlu"
    shutil.copytree(NLU_DIR, nlu)
    german = nlu / "de.yml"
    german.write_text(german.read_text(encoding="utf-8").replace(
        "- intent: greet\n  examples: |\n",
        "- intent: greet\n  examples: |\n    - grüß gott\n    - hallöchen\n", 1)
        + "- intent: ask_kindergarten\n  examples: |\n    - kita platz\n", encoding="utf-8")
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES_FILE.read_text(encoding="utf-8").replace(
        "label: Unbegleitete minderjährige Geflüchtete", "label: Unbegleitete Minderjährige", 1),
        encoding="utf-8")
    lines = differences(before, summarise(nlu, rules))
    assert lines == [
        "neue Absicht: ask_kindergarten",
        "Beispiele de: +3 (ask_kindergarten +1, greet +2)",
        "Regel geändert: unaccompanied_minor",
    ]
