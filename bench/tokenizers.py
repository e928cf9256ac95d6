"""Does spaCy's tokenisation help the vocabulary reader? Entity F1 on bench/entities/, with the
message as typed and with the message re-joined from spaCy's blank pipeline of its language.
(`pip install -e '.[bench]'`, then `.venv/bin/python bench/tokenizers.py`.)"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake.answers import load_answer_schema  # noqa: E402
from intake.understanding import Message, Understanding  # noqa: E402
from intake.vocabulary import default_vocabulary  # noqa: E402


def f1(cases: list[dict], language: str, rewrite) -> float:  # type: ignore[no-untyped-def]
    reader = Understanding(default_vocabulary(), load_answer_schema(), dt.date(2026, 11, 25))
    tp = fp = fn = 0
    for case in cases:
        message = Message(rewrite(str(case["text"])), None, 0.0, (), language)
        for slot, expected in case["expect"].items():
            got = reader.answer(slot, message)
            want = set(expected) if isinstance(expected, list) else {expected}
            have = set(got) if isinstance(got, list) else ({got} if got is not None else set())
            tp, fp, fn = tp + len(want & have), fp + len(have - want), fn + len(want - have)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def main() -> int:
    import spacy

    print(f"{'language':<9}{'as typed':>10}{'spaCy':>10}{'spaCy ms/msg':>14}")
    for path in sorted((ROOT / "bench" / "entities").glob("*.yml")):
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        nlp = spacy.blank(path.stem)
        started = time.perf_counter()
        for case in cases:
            nlp(str(case["text"]))
        per_message = (time.perf_counter() - started) * 1000 / len(cases)
        plain = f1(cases, path.stem, lambda t: t)
        spacy_f1 = f1(cases, path.stem, lambda t: " ".join(tok.text for tok in nlp(t)))
        print(f"{path.stem:<9}{plain:>10.3f}{spacy_f1:>10.3f}{per_message:>14.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
