"""Issue 3: how the FallbackClassifier's thresholds act on the old and the chosen pipeline
(replicas, bench/nlu.py's split): macro-F1, share of messages sent to nlu_fallback, and
accuracy of the messages that were not.

Run: .venv-rasa/bin/python bench/experiments/intent_fallback.py
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import flat, load_examples, rasa_tokens, report, split  # noqa: E402
from intent_sklearn import fallback, features  # noqa: E402
from intent_vocabulary import vocab_features  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)


def main():
    train, test = split(load_examples())
    tr, te = flat(train), flat(test)
    A, B = [rasa_tokens(t) for *_, t in tr], [rasa_tokens(t) for *_, t in te]
    y = [i for _, i, _ in tr]
    X4, T4 = features(A, B)
    old = LogisticRegression(class_weight="balanced", max_iter=200, random_state=42).fit(X4, y)
    X5, T5 = features(A, B, char=(1, 5))
    dv = DictVectorizer()
    X5 = sp.hstack([X5, dv.fit_transform([vocab_features(t) for *_, t in tr])]).tocsr()
    T5 = sp.hstack([T5, dv.transform([vocab_features(t) for *_, t in te])]).tocsr()
    new = LogisticRegression(solver="liblinear", tol=1e-3, class_weight="balanced", max_iter=200,
                             random_state=42).fit(X5, y)
    for name, clf, T in (("old", old, T4), ("chosen", new, T5)):
        for threshold, ambiguity in ((0.0, 0.0), (0.3, 0.1), (0.3, 0.05), (0.2, 0.1), (0.2, 0.05)):
            pred = fallback(clf, T, threshold, ambiguity)
            kept = [(i, p) for (_, i, _), p in zip(te, pred) if p != "nlu_fallback"]
            rate = 1 - len(kept) / len(pred)
            acc = sum(i == p for i, p in kept) / len(kept)
            report(te, pred, f"{name} fallback {threshold}/{ambiguity}: to fallback {rate:.1%}, "
                             f"kept right {acc:.3f}")


if __name__ == "__main__":
    main()
