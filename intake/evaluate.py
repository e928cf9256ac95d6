"""``intake evaluate`` (``make evaluate``): splits nlu/*.yml per language and intent, trains a
model with config.yml on one part, lets it recognise the other and writes the report:
``index.html`` (self-contained, German), ``report.json`` (what the console shows) and
``confusion_<language>.png`` into the evaluation folder (EVALUATION_DIR, default
var/evaluation/). Progress in German, one line per step; Rasa's training output in between.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from intake.evaluation import (
    RASA,
    Confusion,
    confusion_png,
    load_examples,
    predict,
    split,
    train_model,
    write_nlu,
)
from intake.evaluation_report import Case, build_report, number, render_html
from intake.paths import PROJECT_DIR

REPORT_JSON = "report.json"
REPORT_HTML = "index.html"
STEPS = 4


class EvaluationError(Exception):
    """Something the person running the command can fix; the message says what (German)."""


def picture_name(language: str) -> str:
    return f"confusion_{language}.png"


def run_evaluation(out_dir: Path, languages: Sequence[str] | None = None,
                   test_share: float = 0.2, seed: int = 7,
                   config: Path = PROJECT_DIR / "config.yml",
                   nlu_dir: Path | None = None) -> dict:
    if not 0 < test_share < 1:
        raise EvaluationError("--share muss zwischen 0 und 1 liegen, z. B. 0.2")
    started = time.monotonic()
    data = load_examples(nlu_dir) if nlu_dir else load_examples()
    if languages:
        unknown = sorted(set(languages) - set(data))
        if unknown:
            raise EvaluationError(f"keine Beispielsätze für {', '.join(unknown)} "
                                  f"(vorhanden: {', '.join(sorted(data))})")
        data = {lang: data[lang] for lang in languages}
    if not RASA.exists():
        raise EvaluationError(
            "Rasa ist nicht installiert (.venv-rasa); `make model` richtet es ein")
    _step(1, "Daten aufteilen")
    train, test = split(data, test_share, seed)
    held_out = [(lang, intent, text) for lang in sorted(test)
                for intent, texts in test[lang].items() for text in texts]
    train_count = sum(len(t) for intents in train.values() for t in intents.values())
    print(f"    {len(data)} Sprache(n): {train_count} Sätze zum Trainieren, "
          f"{len(held_out)} zurückgehalten", flush=True)

    with tempfile.TemporaryDirectory(prefix="kim-evaluation-") as tmp:
        work = Path(tmp)
        write_nlu(train, work / "train")
        _step(2, f"Modell trainieren mit {config.name} (einige Minuten; Rasa meldet die Schritte)")
        try:
            model, seconds = train_model(config, work / "train", work / "models", "evaluation",
                                         on_line=_rasa_progress)
        except subprocess.CalledProcessError as exc:
            print(exc.output, end="", file=sys.stderr)
            raise EvaluationError(
                "Rasa konnte das Modell nicht trainieren (Ausgabe oben)") from None
        print(f"    trainiert in {seconds:.0f} s", flush=True)
        _step(3, f"{len(held_out)} zurückgehaltene Sätze erkennen")
        try:
            predictions = predict(model, [text for _, _, text in held_out], work)
        except subprocess.CalledProcessError:
            raise EvaluationError("das trainierte Modell ließ sich nicht laden") from None

    _step(4, "Bericht schreiben")
    cases = [Case(lang, text, intent, p) for (lang, intent, text), p in zip(held_out, predictions)]
    report = build_report(cases, {
        "created_at": dt.datetime.now().astimezone().strftime("%d.%m.%Y %H:%M"),
        "config": config.name, "test_share": test_share, "seed": seed,
        "train_examples": train_count, "training_seconds": round(seconds),
    })
    write_report(report, out_dir)
    report["settings"]["total_seconds"] = round(time.monotonic() - started)
    return report


def write_report(report: dict, out_dir: Path) -> None:
    """The pictures, the HTML page and, last, report.json (the console reads it)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("confusion_*.png"):
        old.unlink()
    pictures = {}
    for lang in report["languages"]:
        png = confusion_png(Confusion(**lang["confusion"]), f"{lang['name']} ({lang['language']})")
        (out_dir / picture_name(lang["language"])).write_bytes(png)
        pictures[lang["language"]] = png
    _replace(out_dir / REPORT_HTML, render_html(report, pictures))
    _replace(out_dir / REPORT_JSON, json.dumps(report, ensure_ascii=False, indent=1))


def summary_lines(report: dict, out_dir: Path) -> list[str]:
    lines = [f"Makro-F1 alle Sprachen: {number(report['macro_f1'], 3)} "
             f"({report['examples']} Sätze, {number(report['accuracy'] * 100, 1)} % richtig)"]
    lines += [f"  {lang['language']}: {number(lang['macro_f1'], 3)} "
              f"({len(lang['errors'])} von {lang['examples']} falsch)"
              for lang in report["languages"]]
    lines.append(f"Bericht: {(out_dir / REPORT_HTML).resolve().as_uri()}")
    return lines


def _replace(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _rasa_progress(line: str) -> None:
    """Rasa's own progress lines (which component it trains); not the warnings of the
    libraries under it."""
    line = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()  # Rasa colours its last line
    if (" INFO " in line and " rasa." in line) or "model is trained" in line:
        print(f"    {line}", flush=True)


def _step(number_: int, title: str) -> None:
    print(f"{number_}/{STEPS} {title} …", flush=True)
