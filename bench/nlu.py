"""NLU benchmark (`make bench-nlu`): trains on a split of nlu/*.yml and prints, per language
and overall, intent macro-F1, entity F1 and language-identification accuracy, next to Rasa's
stock pipeline trained on the same split. Writes a confusion matrix per language and pipeline
to bench/results/.

The stock pipeline (DIET, 100 epochs) takes over an hour to train on 2 cores. Its predictions
on the test messages are kept in bench/stock_predictions.json, with a fingerprint of what it
was trained and tested on (its configuration, the training part, the test messages, Rasa's
version); a later run reuses them while the fingerprint matches, and trains it again when it
does not (or with --retrain-stock).

Entities are read by the action server against data/vocabulary (not by the NLU model), so
entity F1 is that reader's, on the labelled messages of bench/entities/<language>.yml; the
stock pipeline extracts no entities from our unannotated data and gets no entity figure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
import tempfile
from collections import defaultdict
from pathlib import Path
from collections.abc import Callable
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake.answers import load_answer_schema  # noqa: E402
from intake.evaluation import (  # noqa: E402
    RASA_PYTHON,
    confusion,
    confusion_png,
    load_examples,
    macro_f1,
    predict,
    split,
    train_model,
    write_nlu,
)
from intake.language_guess import language_texts  # noqa: E402
from intake.language_id import train as train_language_model  # noqa: E402
from intake.understanding import Message, Understanding  # noqa: E402
from intake.vocabulary import default_vocabulary, normalise  # noqa: E402

RESULTS = ROOT / "bench" / "results"
STOCK_CONFIG = ROOT / "bench" / "stock_config.yml"
STOCK_PREDICTIONS = ROOT / "bench" / "stock_predictions.json"


def stock_fingerprint(train: dict, texts: list[str], config: Path) -> str:
    """What the stock figures depend on: its configuration, the training part (in its
    order), the test messages in order, and Rasa's version."""
    digest = hashlib.sha256(config.read_bytes())
    digest.update(json.dumps([train, texts, rasa_version()], ensure_ascii=False).encode())
    return digest.hexdigest()


def rasa_version() -> str:
    return subprocess.run(
        [str(RASA_PYTHON), "-c", "from importlib.metadata import version; print(version('rasa'))"],
        check=True, capture_output=True, text=True).stdout.strip()


def stored_stock_predictions(fingerprint: str) -> dict | None:
    if not STOCK_PREDICTIONS.exists():
        return None
    stored = json.loads(STOCK_PREDICTIONS.read_text(encoding="utf-8"))
    return stored if stored.get("fingerprint") == fingerprint else None


def progress_every(seconds: float) -> Callable[[str], None]:
    """Prints a line of Rasa's training output at most every ``seconds`` (its epoch bar)."""
    last = [0.0]

    def show(line: str) -> None:
        now = time.monotonic()
        if line.strip() and now - last[0] >= seconds:
            last[0] = now
            print("   ", line.strip()[:160], flush=True)

    return show


def entity_f1(
    language: str | None = None, rewrite: Callable[[str, str], str] | None = None
) -> dict[str, tuple[float, int]]:
    """F1 of the vocabulary reader on bench/entities/<language>.yml, per language;
    ``rewrite(text, language)`` may change each message first (e.g. re-tokenise it)."""
    understanding = Understanding(default_vocabulary(), load_answer_schema(), dt.date(2026, 11, 25))
    results: dict[str, tuple[float, int]] = {}
    for path in sorted((ROOT / "bench" / "entities").glob("*.yml")):
        if language and path.stem != language:
            continue
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        tp = fp = fn = 0
        for case in cases:
            text = str(case["text"])
            message = Message(rewrite(text, path.stem) if rewrite else text, None, 0.0, (), path.stem)
            for slot, expected in case["expect"].items():
                got = understanding.answer(slot, message)
                expected_set = set(expected) if isinstance(expected, list) else {expected}
                got_set = set(got) if isinstance(got, list) else ({got} if got is not None else set())
                tp += len(expected_set & got_set)
                fp += len(got_set - expected_set)
                fn += len(expected_set - got_set)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        results[path.stem] = (f1, len(cases))
    return results


def language_id(train: dict, test: dict) -> dict[str, dict[str, float]]:
    """Accuracy on test messages of 1–5 words: our n-gram model (forced choice and with
    abstention) and, if installed, lingua restricted to the same languages. The model learns
    from the training part and what the app gives it besides (the bot's texts, the word
    lists), as ``intake.language_guess`` does.

    "strict" counts a guess right only when it names the file the message stands in. A short
    text such as "ok", "hello", "duldung" or "пока пока" stands word for word in several
    languages' examples: "shared texts" also counts a guess right when the same text (after
    ``normalise``) stands in the examples of the language guessed. "unambiguous texts" counts
    only the messages whose text stands in the examples of one language alone (about 94 % of
    them), strictly: the measure of a detector on texts that have one answer."""
    languages = sorted(test)
    model = train_language_model(language_texts({
        lang: [e for examples in train[lang].values() for e in examples] for lang in languages
    }))
    written_in: dict[str, set[str]] = defaultdict(set)
    for lang in languages:
        for part in (train, test):
            for examples in part[lang].values():
                for text in examples:
                    written_in[normalise(text)].add(lang)
    # (language, text, the languages whose examples hold the same text)
    short = [(lang, text, written_in[normalise(text)]) for lang in languages
             for examples in test[lang].values() for text in examples
             if 1 <= len(text.split()) <= 5]
    figures: dict[str, dict[str, float]] = defaultdict(dict)
    detectors: dict[str, Any] = {"ngram": model.best}
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        codes = [getattr(IsoCode639_1, lang.upper()) for lang in languages]
        lingua = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()

        def lingua_guess(text: str) -> str | None:
            found = lingua.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found else None

        detectors["lingua"] = lingua_guess
    except ImportError:
        pass
    for name, detect in detectors.items():
        guesses = [(l, shared, detect(t)) for l, t, shared in short]
        for measure in ("strict", "shared texts", "unambiguous texts"):
            for lang in languages + ["all"]:
                items = [(l, shared, g) for l, shared, g in guesses if lang in ("all", l) and (
                    measure != "unambiguous texts" or len(shared) == 1)]
                right = sum(g == l or (measure == "shared texts" and g in shared)
                            for l, shared, g in items)
                figures[f"{name}, {measure}"][lang] = right / len(items) if items else 0.0
    kept = [(l, shared, model.identify(t)) for l, t, shared in short]
    decided = [(l, t, g) for l, t, g in kept if g is not None]
    figures["ngram, sure only"]["coverage"] = len(decided) / len(kept) if kept else 0.0
    figures["ngram, sure only"]["precision"] = (
        sum(l == g for l, _, g in decided) / len(decided) if decided else 0.0)
    figures["ngram, sure only"]["precision, shared texts"] = (
        sum(l == g or g in shared for l, shared, g in decided) / len(decided)
        if decided else 0.0)
    return figures


def write_confusion_png(language: str, gold: list[str], predicted: list[str | None],
                        path: Path) -> None:
    path.write_bytes(confusion_png(confusion(gold, predicted), f"intents, {language}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--test-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-stock", action="store_true", help="only our pipeline")
    parser.add_argument("--retrain-stock", action="store_true",
                        help="train the stock pipeline even if bench/stock_predictions.json "
                             "holds its predictions for this split")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml", help="our pipeline")
    args = parser.parse_args()

    data = load_examples()
    train, test = split(data, args.test_share, args.seed)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_nlu(train, work / "train")
        texts = [t for lang in sorted(test) for ex in test[lang].values() for t in ex]
        gold = [(lang, intent) for lang in sorted(test) for intent, ex in test[lang].items() for _ in ex]
        size = sum(len(e) for l in train.values() for e in l.values())
        predictions: dict[str, list[str | None]] = {}
        train_seconds: dict[str, float] = {}
        stock_run = ""
        print(f"training ours ({size} examples) …", flush=True)
        model, train_seconds["ours"] = train_model(args.config, work / "train",
                                                   work / "models", "ours")
        predictions["ours"] = [p.intent for p in predict(model, texts, work)]
        if not args.skip_stock:
            fingerprint = stock_fingerprint(train, texts, STOCK_CONFIG)
            stored = None if args.retrain_stock else stored_stock_predictions(fingerprint)
            if stored:
                print(f"stock: predictions of {stored['trained']} reused "
                      f"({STOCK_PREDICTIONS.relative_to(ROOT)}, same split and configuration)")
            else:
                print(f"training stock ({size} examples; over an hour on 2 cores) …", flush=True)
                model, seconds = train_model(STOCK_CONFIG, work / "train", work / "models",
                                             "stock", on_line=progress_every(60))
                stored = {
                    "fingerprint": fingerprint,
                    "trained": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                    "seed": args.seed, "test_share": args.test_share,
                    "cores": os.cpu_count(), "train_seconds": round(seconds),
                    "intents": [p.intent for p in predict(model, texts, work)],
                }
                STOCK_PREDICTIONS.write_text(json.dumps(stored, ensure_ascii=False, indent=0)
                                             + "\n", encoding="utf-8")
            predictions["stock"] = stored["intents"]
            train_seconds["stock"] = stored["train_seconds"]
            stock_run = f" (stock: trained {stored['trained']} on {stored['cores']} cores)"

    languages = sorted(test)
    rows = []
    for name, predicted in predictions.items():
        for lang in languages + ["all"]:
            pairs = [(g[1], p) for g, p in zip(gold, predicted) if lang in ("all", g[0])]
            rows.append((name, lang, macro_f1([g for g, _ in pairs], [p for _, p in pairs]), len(pairs)))
            if lang != "all":
                title, file = (lang, lang) if name == "ours" else (f"{lang}, {name}", f"{lang}_{name}")
                write_confusion_png(title, [g for g, _ in pairs], [p for _, p in pairs],
                                    RESULTS / f"confusion_{file}.png")

    entities = entity_f1()
    lid = language_id(train, test)

    print("\nintent macro-F1 (test share %.0f %%, seed %d)" % (args.test_share * 100, args.seed))
    print(f"{'language':<9}" + "".join(f"{n:>10}" for n in predictions) + f"{'examples':>10}")
    for lang in languages + ["all"]:
        cells = [next(r[2] for r in rows if r[0] == n and r[1] == lang) for n in predictions]
        count = next(r[3] for r in rows if r[1] == lang)
        ratio = f"   ours/stock {cells[0] / cells[1]:.3f}" if len(cells) > 1 and cells[1] else ""
        print(f"{lang:<9}" + "".join(f"{c:>10.3f}" for c in cells) + f"{count:>10}{ratio}")
    print("\nentity F1 (vocabulary reader, bench/entities/; stock: none extracted)")
    for lang, (f1, n) in entities.items():
        print(f"{lang:<9}{f1:>10.3f}{n:>10} messages")
    if entities:
        print(f"{'all':<9}{sum(f for f, _ in entities.values()) / len(entities):>10.3f} (mean)")
    print("\nlanguage identification, test messages of 1–5 words")
    for name, figures in lid.items():
        print(f"{name:<27}" + "  ".join(f"{k} {v:.3f}" for k, v in figures.items()))
    print("\ntraining time: " + ", ".join(f"{n} {s:.0f} s" for n, s in train_seconds.items())
          + stock_run)
    print(f"confusion matrices: {RESULTS}/confusion_<language>.png"
          + (" (stock: confusion_<language>_stock.png)" if "stock" in predictions else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
