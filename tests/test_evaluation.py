"""The evaluation (`intake evaluate`): splitting the examples, the metrics, the report's data
and its HTML page (escaped, self-contained), the files it writes and the command's refusals.
Training and prediction need Rasa and are run by `make evaluate`, not here."""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import yaml

from intake.cli import main
from intake.evaluate import (
    REPORT_HTML,
    REPORT_JSON,
    _rasa_progress,
    summary_lines,
    write_report,
)
from intake.evaluation import (
    Prediction,
    accuracy,
    confusion,
    intent_scores,
    load_examples,
    macro_f1,
    split,
    write_nlu,
)
from intake.evaluation_report import Case, build_report, number, render_html

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SETTINGS = {"created_at": "05.12.2026 10:00", "config": "config.yml", "test_share": 0.2,
            "seed": 7, "train_examples": 80, "training_seconds": 61}


def scores(gold: list[str], predicted: list[str | None]) -> dict[str, tuple[float, ...]]:
    return {s.intent: (round(s.precision, 3), round(s.recall, 3), round(s.f1, 3), s.support)
            for s in intent_scores(gold, predicted)}


# --- metrics --------------------------------------------------------------------------------

@pytest.mark.parametrize("gold, predicted, expected, macro", [
    # all right
    (["greet", "greet", "bye"], ["greet", "greet", "bye"],
     {"bye": (1.0, 1.0, 1.0, 1), "greet": (1.0, 1.0, 1.0, 2)}, 1.0),
    # one greet taken for bye: bye is predicted twice (once wrongly), greet found once of two
    (["greet", "greet", "bye"], ["greet", "bye", "bye"],
     {"bye": (0.5, 1.0, 0.667, 1), "greet": (1.0, 0.5, 0.667, 2)}, 0.667),
    # an unsure prediction (nlu_fallback) is a miss, not an intent of the table
    (["greet", "bye"], ["nlu_fallback", "bye"],
     {"bye": (1.0, 1.0, 1.0, 1), "greet": (0.0, 0.0, 0.0, 1)}, 0.5),
    # no prediction at all
    (["greet"], [None], {"greet": (0.0, 0.0, 0.0, 1)}, 0.0),
    # an intent never predicted has precision 0, not a division by zero
    (["a", "a", "b", "b"], ["a", "a", "a", "a"],
     {"a": (0.5, 1.0, 0.667, 2), "b": (0.0, 0.0, 0.0, 2)}, 0.333),
    # nothing to score
    ([], [], {}, 0.0),
])
def test_precision_recall_f1_and_macro_f1(gold: list[str], predicted: list[str | None],
                                          expected: dict[str, tuple[float, ...]],
                                          macro: float) -> None:
    assert scores(gold, predicted) == expected
    assert round(macro_f1(gold, predicted), 3) == macro


def test_gold_and_predicted_must_be_as_long() -> None:
    with pytest.raises(ValueError):
        intent_scores(["a", "b"], ["a"])


@pytest.mark.parametrize("gold, predicted, right", [
    (["a", "b", "b", "a"], ["a", "b", "a", "nlu_fallback"], 0.5),
    ([], [], 0.0),
])
def test_accuracy(gold: list[str], predicted: list[str | None], right: float) -> None:
    assert accuracy(gold, predicted) == right


def test_the_confusion_matrix_has_the_true_intents_as_rows_and_other_predictions_last() -> None:
    matrix = confusion(["b", "a", "a", "b", "b"], ["b", "a", "b", "nlu_fallback", None])

    assert matrix.rows == ["a", "b"]
    assert matrix.columns == ["a", "b", "(keine)", "nlu_fallback"]
    assert matrix.counts == [[1, 1, 0, 0],
                             [0, 1, 1, 1]]


# --- data -----------------------------------------------------------------------------------

def nlu_file(directory: Path, language: str, intents: dict[str, list[str]]) -> None:
    blocks: list[dict[str, str]] = [
        {"intent": i, "examples": "".join(f"- {e}\n" for e in ex)} for i, ex in intents.items()]
    blocks.append({"synonym": "haan", "examples": "- Haan\n"})  # not an intent: left out
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{language}.yml").write_text(
        yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True), encoding="utf-8")


def test_examples_are_read_per_language_and_intent_and_written_back(tmp_path: Path) -> None:
    nlu_file(tmp_path / "in", "de", {"greet": ["hallo", "guten tag"], "affirm": ["ja"]})
    nlu_file(tmp_path / "in", "uk", {"greet": ["привіт"]})
    data = load_examples(tmp_path / "in")
    assert data == {"de": {"greet": ["hallo", "guten tag"], "affirm": ["ja"]},
                    "uk": {"greet": ["привіт"]}}

    write_nlu(data, tmp_path / "out")
    assert load_examples(tmp_path / "out") == data


@pytest.mark.parametrize("count, share, held_out", [(10, 0.2, 2), (3, 0.2, 1), (1, 0.2, 1),
                                                   (7, 0.5, 4)])
def test_the_split_holds_out_a_share_of_every_intent_and_keeps_the_rest(
        count: int, share: float, held_out: int) -> None:
    examples = [f"satz {n}" for n in range(count)]
    data = {"de": {"greet": examples}, "en": {"greet": [f"en {e}" for e in examples]}}

    train, test = split(data, share, seed=7)

    for language in ("de", "en"):
        assert len(test[language]["greet"]) == held_out
        assert sorted(train[language]["greet"] + test[language]["greet"]) == sorted(
            data[language]["greet"])
    assert split(data, share, seed=7) == (train, test)


def test_an_added_example_leaves_the_other_test_messages_where_they_were() -> None:
    data = {"de": {"greet": [f"hallo {n}" for n in range(40)],
                   "thank": [f"danke {n}" for n in range(40)]},
            "en": {"greet": [f"hello {n}" for n in range(40)]}}
    before_train, before_test = split(data, 0.2, seed=7)
    grown = {"de": {"greet": data["de"]["greet"] + ["hallo neu"],
                    "thank": data["de"]["thank"]},
             "en": data["en"]}
    after_train, after_test = split(grown, 0.2, seed=7)
    assert after_test["en"] == before_test["en"]
    assert after_test["de"]["thank"] == before_test["de"]["thank"]
    moved = set(before_test["de"]["greet"]) ^ (set(after_test["de"]["greet"]) - {"hallo neu"})
    assert len(moved) <= 1
    assert after_train["de"]["greet"] == [e for e in grown["de"]["greet"]
                                          if e not in after_test["de"]["greet"]]


def test_another_seed_holds_out_other_examples() -> None:
    data = {"de": {"greet": [f"satz {n}" for n in range(50)]}}
    assert split(data, 0.2, seed=1)[1] != split(data, 0.2, seed=2)[1]


# --- the report -----------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def cases() -> list[Case]:
    return [
        Case("de", "hallo", "greet", Prediction("greet", 0.98)),
        Case("de", "guten tag", "greet", Prediction("greet", 0.91)),
        Case("de", "tschüss", "goodbye", Prediction("greet", 0.55)),
        Case("de", "bis bald", "goodbye", Prediction("goodbye", 0.8)),
        Case("uk", HOSTILE, "greet", Prediction("nlu_fallback", 0.21, guess="goodbye")),
        Case("uk", "привіт", "greet", Prediction("greet", 0.7)),
    ]


def test_the_report_has_figures_per_language_and_over_all() -> None:
    report = build_report(cases(), SETTINGS)

    assert report["settings"] == SETTINGS
    assert report["examples"] == 6
    assert round(report["accuracy"], 3) == round(4 / 6, 3)
    # over all: greet P 3/4 R 3/4, goodbye P 1 R 1/2 → (0.75 + 0.667) / 2
    assert round(report["macro_f1"], 3) == 0.708
    de, uk = report["languages"]
    assert (de["language"], de["name"], de["examples"]) == ("de", "Deutsch", 4)
    assert {i["intent"]: round(i["f1"], 3) for i in de["intents"]} == {
        "goodbye": 0.667, "greet": 0.8}
    assert de["confusion"] == {"rows": ["goodbye", "greet"], "columns": ["goodbye", "greet"],
                               "counts": [[1, 1], [0, 2]]}
    assert de["errors"] == [{"text": "tschüss", "expected": "goodbye", "predicted": "greet",
                             "confidence": 0.55, "guess": None}]
    assert uk["macro_f1"] == pytest.approx(2 / 3)
    assert uk["errors"][0]["guess"] == "goodbye"
    assert json.loads(json.dumps(report)) == report


def test_misclassified_examples_are_listed_by_intent_then_most_confident_first() -> None:
    mistakes = [Case("de", t, e, Prediction(p, c)) for t, e, p, c in [
        ("b1", "b", "a", 0.4), ("a1", "a", "b", 0.3), ("b2", "b", "a", 0.9)]]
    [de] = build_report(mistakes, SETTINGS)["languages"]
    assert [e["text"] for e in de["errors"]] == ["a1", "b2", "b1"]


def test_the_html_page_escapes_what_people_wrote_and_embeds_the_pictures() -> None:
    report = build_report(cases(), SETTINGS)
    page = render_html(report, {"de": PNG_MAGIC + b"de-picture"})

    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x" in page
    assert "unsicher (am ehesten goodbye)" in page
    [picture] = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(picture) == PNG_MAGIC + b"de-picture"
    assert 'src="http' not in page and "<link" not in page  # nothing from elsewhere
    assert '<html lang="de">' in page
    assert "Makro-F1 0,71" in page          # German decimal comma
    assert '<tr class="weak"><th scope="row">goodbye</th>' in page  # F1 below 0.7 is marked
    assert "Falsch erkannte Sätze (1)" in page


def test_a_language_without_mistakes_says_so() -> None:
    report = build_report([Case("en", "hi", "greet", Prediction("greet", 0.9))], SETTINGS)
    assert "Keine: alle zurückgehaltenen Sätze wurden richtig erkannt." in render_html(report, {})


@pytest.mark.parametrize("value, digits, shown", [
    (0.8765, 2, "0,88"), (1.0, 3, "1,000"), (None, 2, "–"), (0.0, 1, "0,0")])
def test_numbers_are_shown_with_a_decimal_comma(value: float | None, digits: int,
                                                shown: str) -> None:
    assert number(value, digits) == shown


def test_the_report_files_are_written_and_old_pictures_removed(tmp_path: Path) -> None:
    (tmp_path / "confusion_fa.png").write_bytes(b"from an earlier run")
    report = build_report(cases(), SETTINGS)

    write_report(report, tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "confusion_de.png", "confusion_uk.png", REPORT_HTML, REPORT_JSON]
    assert (tmp_path / "confusion_de.png").read_bytes().startswith(PNG_MAGIC)
    assert json.loads((tmp_path / REPORT_JSON).read_text(encoding="utf-8")) == report
    assert (tmp_path / REPORT_HTML).read_text(encoding="utf-8").count(
        "data:image/png;base64,") == 2
    lines = summary_lines(report, tmp_path)
    assert lines[0] == "Makro-F1 alle Sprachen: 0,708 (6 Sätze, 66,7 % richtig)"
    assert lines[1:3] == ["  de: 0,733 (1 von 4 falsch)", "  uk: 0,667 (1 von 2 falsch)"]


@pytest.mark.parametrize("line, shown", [
    ("2026-12-05 01:29:21 INFO     rasa.engine.training.hooks  - Starting to train component "
     "'LogisticRegressionClassifier'.", True),
    ("\x1b[92mYour Rasa model is trained and saved at '/tmp/x/evaluation.tar.gz'.\x1b[0m", True),
    ("/x/rasa/core/tracker_store.py:1044: MovedIn20Warning: Deprecated API features detected!",
     False),
    ("  Base: DeclarativeMeta = declarative_base()", False),
])
def test_of_rasas_training_output_only_its_progress_is_shown(
        line: str, shown: bool, capsys: pytest.CaptureFixture[str]) -> None:
    _rasa_progress(line)
    out = capsys.readouterr().out
    assert bool(out) == shown and "\x1b" not in out


@pytest.mark.parametrize("argv, message", [
    (["--languages", "de,xx"], "keine Beispielsätze für xx"),
    (["--share", "1.5"], "--share muss zwischen 0 und 1 liegen"),
])
def test_the_command_refuses_what_it_cannot_evaluate(
        argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
