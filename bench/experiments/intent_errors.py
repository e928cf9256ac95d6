"""Issue 3: errors of a fast model (TF-IDF words + char_wb 1-4, LinearSVC) on bench/nlu.py's
split: most confused intent pairs per language and misclassified test messages, each with its
nearest training example (cosine on the same features).

Run: .venv-rasa/bin/python bench/experiments/intent_errors.py [LANG ...] [--n 20]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import flat, load_examples, rasa_tokens, report, split  # noqa: E402
from intent_sklearn import features  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("langs", nargs="*")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--pairs", type=int, default=8)
    args = ap.parse_args()
    train, test = split(load_examples())
    tr, te = flat(train), flat(test)
    X, T = features([rasa_tokens(t) for *_, t in tr], [rasa_tokens(t) for *_, t in te], tfidf=True)
    clf = LinearSVC(C=1, class_weight="balanced").fit(X, [i for _, i, _ in tr])
    pred = list(clf.predict(T))
    report(te, pred, "tfidf c1-4 + LinearSVC")
    sims = (T @ X.T).tocsr()
    for lang in args.langs or sorted(test):
        rows = [(k, i, t, p) for k, ((l, i, t), p) in enumerate(zip(te, pred)) if l == lang and i != p]
        pairs = Counter(tuple(sorted((i, p))) for _, i, _, p in rows)
        print(f"\n== {lang}: {len(rows)} errors; pairs: " + ", ".join(f"{a}~{b} {n}" for (a, b), n in pairs.most_common(args.pairs)))
        for k, i, t, p in rows[: args.n]:
            row = sims.getrow(k)
            j = row.indices[row.data.argmax()] if row.nnz else None
            near = f"{tr[j][0]}:{tr[j][1]}:{tr[j][2]!r}" if j is not None else "-"
            print(f"  {i:>22} → {p:<22} {t!r:45}  nearest {near}")


if __name__ == "__main__":
    main()
