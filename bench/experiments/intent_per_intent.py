"""Issue 3: per-language, per-intent F1 of the Rasa-expressible candidate (count vectors,
words + char_wb 1-5, LogisticRegression liblinear, balanced, fallback 0.3/0.1) on
bench/nlu.py's split; the weakest intents per language are where examples are added.

Run: .venv-rasa/bin/python bench/experiments/intent_per_intent.py [--nlu DIR] [--frozen]
  --frozen: test on the messages of the ORIGINAL split (git HEAD's nlu/ files, seed 7) that
  are still in the data, train on everything else of DIR — a fixed test set for before/after.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, flat, load_examples, macro_f1, rasa_tokens, report, split  # noqa: E402
from intent_sklearn import fallback, features  # noqa: E402
from intent_per_intent_data import head_examples  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)


def fit_predict(tr, te, char=(1, 5), vocab=False):
    X, T = features([rasa_tokens(t) for *_, t in tr], [rasa_tokens(t) for *_, t in te], char=char)
    if vocab:  # the word lists of data/vocabulary as features (intent_vocabulary.py)
        import scipy.sparse as sp
        from sklearn.feature_extraction import DictVectorizer

        from intent_vocabulary import vocab_features
        dv = DictVectorizer()
        X = sp.hstack([X, dv.fit_transform([vocab_features(t) for *_, t in tr])]).tocsr()
        T = sp.hstack([T, dv.transform([vocab_features(t) for *_, t in te])]).tocsr()
    clf = LogisticRegression(solver="liblinear", class_weight="balanced", max_iter=200, random_state=42)
    clf.fit(X, [i for _, i, _ in tr])
    return fallback(clf, T)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nlu", type=Path, default=ROOT / "nlu")
    ap.add_argument("--frozen", action="store_true")
    ap.add_argument("--worst", type=int, default=6)
    ap.add_argument("--vocab", action="store_true", help="add the word-list features")
    args = ap.parse_args()
    data = load_examples(args.nlu)
    if args.frozen:
        _, old_test = split(head_examples())
        held = {(l, t) for l, _, t in flat(old_test)}
        items = flat(data)
        present = {(l, t) for l, _, t in items}
        te = [x for x in flat(old_test) if (x[0], x[2]) in present]
        tr = [x for x in items if (x[0], x[2]) not in held]
        print(f"frozen test: {len(te)} of {len(held)} original test messages; training {len(tr)}")
    else:
        train, test = split(data)
        tr, te = flat(train), flat(test)
    pred = fit_predict(tr, te, vocab=args.vocab)
    report(te, pred, "liblinear c1-5 + fallback" + (" + vocabulary" if args.vocab else ""))
    for lang in sorted({l for l, _, _ in te}):
        rows = [(i, p) for (l, i, _), p in zip(te, pred) if l == lang]
        scores = {}
        for intent in sorted({i for i, _ in rows}):
            g = [i == intent for i, _ in rows]
            p = [q == intent for _, q in rows]
            tp = sum(a and b for a, b in zip(g, p))
            prec = tp / sum(p) if sum(p) else 0
            rec = tp / sum(g) if sum(g) else 0
            scores[intent] = 2 * prec * rec / (prec + rec) if prec + rec else 0
        worst = sorted(scores.items(), key=lambda kv: kv[1])[: args.worst]
        print(f"  {lang}: " + ", ".join(f"{i} {s:.2f}" for i, s in worst))


if __name__ == "__main__":
    main()
