"""Shared helpers for the experiments of issue 3 (run with .venv-rasa/bin/python).

The split is intake/evaluation.py's, as bench/nlu.py uses it (same seed, same order), so the
figures are on exactly the benchmark's test messages; the tokeniser is Rasa 3.6's
WhitespaceTokenizer regex, so features match what CountVectorsFeaturizer sees.
"""
from __future__ import annotations

import sys
from pathlib import Path

try:  # what Rasa uses; `re` differs only on combining marks
    import regex
except ImportError:  # .venv (language-identification experiments)
    import re as regex

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from intake import evaluation  # noqa: E402


def load_examples(nlu_dir: Path = ROOT / "nlu") -> dict[str, dict[str, list[str]]]:
    return evaluation.load_examples(nlu_dir)


def split(data, test_share: float = 0.2, seed: int = 7):
    return evaluation.split(data, test_share, seed)


def flat(part):
    """[(language, intent, text)] in bench/nlu.py's order."""
    return [(lang, intent, t) for lang in sorted(part) for intent, ex in part[lang].items() for t in ex]


_WS = regex.compile(
    r"[^\w#@&]+(?=\s|$)|"
    r"(\s|^)[^\w#@&]+(?=[^0-9\s])|"
    r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])"
)


def rasa_tokens(text: str) -> str:
    """The text as Rasa's WhitespaceTokenizer + CountVectorsFeaturizer join it."""
    words = _WS.sub(" ", text).split()
    return " ".join(words) if words else text


def macro_f1(gold, predicted) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def report(test_items, predicted, label=""):
    langs = sorted({l for l, _, _ in test_items})
    per = {}
    for lang in langs + ["all"]:
        pairs = [(i, p) for (l, i, _), p in zip(test_items, predicted) if lang in ("all", l)]
        per[lang] = macro_f1([g for g, _ in pairs], [p for _, p in pairs])
    print(f"{label:<48} all {per['all']:.3f} | " + " ".join(f"{l} {per[l]:.3f}" for l in langs), flush=True)
    return per


def language_id_before():
    """intake/language_id.py as it was before issue 3's changes, from git history (commit
    68fb8e8), for before/after comparisons."""
    import subprocess
    import types

    source = subprocess.run(["git", "show", "68fb8e8:intake/language_id.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("language_id_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, "language_id_before.py", "exec"), module.__dict__)
    return module
