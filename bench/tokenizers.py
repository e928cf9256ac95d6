"""Does spaCy's tokenisation help the vocabulary reader? Entity F1 on bench/entities/, with the
message as typed and with the message re-joined from spaCy's blank pipeline of its language.
(`pip install -e '.[bench]'`, then `.venv/bin/python bench/tokenizers.py`.)"""
from __future__ import annotations

import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from nlu import entity_f1  # noqa: E402


def main() -> int:
    import spacy

    pipelines: dict[str, spacy.language.Language] = {}

    def spacy_tokens(text: str, language: str) -> str:
        nlp = pipelines.setdefault(language, spacy.blank(language))
        return " ".join(token.text for token in nlp(text))

    plain = entity_f1()
    started = time.perf_counter()
    tokenised = entity_f1(rewrite=spacy_tokens)
    seconds = time.perf_counter() - started
    messages = sum(n for _, n in tokenised.values())
    print(f"{'language':<9}{'as typed':>10}{'spaCy':>10}")
    for language, (f1, _) in plain.items():
        print(f"{language:<9}{f1:>10.3f}{tokenised[language][0]:>10.3f}")
    print(f"{messages} messages, {seconds * 1000 / messages:.2f} ms each with spaCy (reader included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
