"""Issue 3: errors of the chosen pipeline (replica: count vectors words + char_wb 1-5, word-list
features, LogisticRegression liblinear, fallback 0.3/0.1) on bench/nlu.py's split: the most
confused intent pairs per language and the first N misclassified test messages.

Run: .venv-rasa/bin/python bench/experiments/intent_errors_chosen.py [--n 20]
"""
from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import flat, load_examples, report, split  # noqa: E402
from intent_per_intent import fit_predict  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    args = ap.parse_args()
    train, test = split(load_examples())
    tr, te = flat(train), flat(test)
    pred = fit_predict(tr, te, vocab=True)
    report(te, pred, "chosen (replica)")
    for lang in sorted(test):
        rows = [(i, p, t) for (l, i, t), p in zip(te, pred) if l == lang and i != p]
        pairs = Counter(tuple(sorted((i, p))) for i, p, _ in rows)
        fallbacks = sum(p == "nlu_fallback" for _, p, _ in rows)
        print(f"\n== {lang}: {len(rows)} wrong of {sum(1 for x in te if x[0] == lang)} ({fallbacks} nlu_fallback); "
              "pairs: " + ", ".join(f"{a}~{b} {n}" for (a, b), n in pairs.most_common(6)))
        for i, p, t in rows[: args.n]:
            print(f"  {i:>22} → {p:<22} {t}")


if __name__ == "__main__":
    main()
