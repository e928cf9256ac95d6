"""Issue 3: what guess_language() says (before / after) for the typed messages the tests and
conversations start with, and for short messages that must not decide.

Run: .venv/bin/python bench/experiments/langid_guesses.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import language_id_before as _before  # noqa: E402

language_id_before = _before()
from intake import language_guess  # noqa: E402
from intake.language_guess import NLU_DIR, nlu_examples  # noqa: E402
from intake.translations import load_locales  # noqa: E402

LANGUAGES = ("de", "en", "uk", "ru", "ar", "tr", "fa", "ro", "bg", "pl")
MUST_NOT_DECIDE = ["ok", "да", "نعم", "okay", "ja", "yes", "taxi", "haan", "17", "hallo kim ok"]


def main():
    locales = load_locales()
    texts = {l: [*nlu_examples(NLU_DIR / f"{l}.yml"), *locales.get(l, {}).values()] for l in LANGUAGES}
    before = language_id_before.train(texts)
    after = language_guess.language_model(LANGUAGES)
    cases = []
    for path in sorted((ROOT / "tests" / "conversations").glob("*.yml")):
        script = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases += [(script["language"], str(v)) for k, v in script.items() if k not in ("language", "expect")]
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for m in re.finditer(r'say\([^,]+, "([^"/][^"]*)"', path.read_text(encoding="utf-8")):
            cases.append(("?", m.group(1)))
    cases += [("none", t) for t in MUST_NOT_DECIDE]
    changed = 0
    for lang, text in cases:
        b, a = before.identify(text), after.identify(text)
        flag = "" if a == b else "   <- changed"
        if a != b:
            changed += 1
        if flag or lang == "none":
            print(f"{lang:>4}  {text!r:45} before {b}  after {a}{flag}")
    print(f"{len(cases)} messages, {changed} guessed differently")


if __name__ == "__main__":
    main()
