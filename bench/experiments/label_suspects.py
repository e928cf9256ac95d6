"""Issue 3: candidates for label noise — every example of nlu/*.yml predicted out of fold
(5-fold, TF-IDF words + char_wb 1-4, LinearSVC) as another intent with a clear margin.
Printed per language, most confident first, for reading against shared/spec/intents.md.

Run: .venv-rasa/bin/python bench/experiments/label_suspects.py [LANG ...] [--top 60]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import flat, load_examples, rasa_tokens  # noqa: E402
from intent_sklearn import features  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("langs", nargs="*")
    ap.add_argument("--top", type=int, default=60)
    args = ap.parse_args()
    data = load_examples()
    items = flat(data)
    texts = [rasa_tokens(t) for *_, t in items]
    y = np.array([i for _, i, _ in items])
    strata = np.array([f"{l}:{i}" for l, i, _ in items])
    out = [None] * len(items)
    for fold, (a, b) in enumerate(StratifiedKFold(5, shuffle=True, random_state=3).split(texts, strata)):
        X, T = features([texts[k] for k in a], [texts[k] for k in b], tfidf=True)
        clf = LinearSVC(C=1, class_weight="balanced").fit(X, y[a])
        dec = clf.decision_function(T)
        for k, row in zip(b, dec):
            order = np.argsort(-row)
            gold = list(clf.classes_).index(y[k])
            out[k] = (clf.classes_[order[0]], row[order[0]] - row[gold])
    for lang in args.langs or sorted(data):
        rows = [(m, items[k][1], p, items[k][2]) for k, (p, m) in enumerate(out)
                if items[k][0] == lang and p != items[k][1]]
        rows.sort(reverse=True)
        print(f"\n== {lang}: {len(rows)} of {sum(1 for x in items if x[0] == lang)} predicted otherwise out of fold")
        for m, gold, pred, text in rows[: args.top]:
            print(f"  {m:5.2f} {gold:>22} → {pred:<22} {text}")


if __name__ == "__main__":
    main()
