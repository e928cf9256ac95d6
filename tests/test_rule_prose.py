"""The rules in German prose, from the real rules file and from a small one written here."""
from __future__ import annotations

from pathlib import Path

import pytest

from intake.answers import default_answer_schema
from intake.paths import DATA_DIR
from intake.rule_prose import describe_rules
from intake.ruleset import default_ruleset, load_ruleset


def test_every_rule_of_the_rules_file_is_described() -> None:
    rules = default_ruleset()
    described = describe_rules(rules, default_answer_schema())
    codes = [(d.section, d.code) for d in described]
    assert len(codes) == len(rules.target_groups) + len(rules.referrals) + len(rules.routes)
    minor = next(d for d in described if d.code == "unaccompanied_minor")
    text = "\n".join(s.text for s in minor.sentences)
    assert "Alter unter 18 (adult_age)" in text
    assert "lebt mit Eltern oder Vormund: nein" in text
    assert all(d.sentences for d in described)


@pytest.mark.parametrize("condition, expected", [
    ("age: {at_least: 27}", ["Alter mindestens 27; wenn unbekannt: „zu prüfen“"]),
    ("residence_status: [duldung, gestattung]",
     ["Aufenthaltsstatus: eines von Duldung, Aufenthaltsgestattung; wenn unbekannt: „zu prüfen“"]),
    ("not: {accompanied: {eq: true, if_unknown: false}}",
     ["nicht:", "  lebt mit Eltern oder Vormund: ja; wenn unbekannt: gilt als nicht erfüllt"]),
    ("any: [{age: {below: 18}}, {municipality: haan}]",
     ["mindestens eine davon:", "  Alter unter 18; wenn unbekannt: „zu prüfen“",
      "  Wohnort: Haan; wenn unbekannt: „zu prüfen“"]),
])
def test_conditions_read_as_german(tmp_path: Path, condition: str, expected: list[str]) -> None:
    source = (DATA_DIR / "screening" / "rules.yml").read_text(encoding="utf-8")
    start = source.index("target_groups:")
    end = source.index("referrals:")
    new_group = (f"target_groups:\n  - code: test_group\n    label: Testgruppe\n    basis: Test\n"
                 f"    when:\n      {condition}\n\n")
    directory = tmp_path / "screening"
    directory.mkdir()
    for name in ("eastern_europe.yml", "answers.yml", "institutions.yml"):
        source_file = DATA_DIR / "screening" / name
        if source_file.exists():
            (directory / name).write_text(source_file.read_text(encoding="utf-8"), encoding="utf-8")
    (directory / "rules.yml").write_text(source[:start] + new_group + source[end:], encoding="utf-8")
    [described] = [d for d in describe_rules(load_ruleset(directory), default_answer_schema())
                   if d.code == "test_group"]
    assert ["  " * s.depth + s.text for s in described.sentences] == expected
