"""Issue 3: CPU seconds to fit the classifier on ALL examples (as `rasa train` does), per
candidate: the old lbfgs/char 1-4 against liblinear with char 1-4/1-5 and two tolerances.
CPU time (time.process_time), as the machine is shared.

Run: .venv-rasa/bin/python bench/experiments/intent_fit_time.py
"""
from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import flat, load_examples, rasa_tokens  # noqa: E402
from intent_sklearn import features  # noqa: E402
from intent_vocabulary import vocab_features  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)


def main():
    items = flat(load_examples())
    texts = [rasa_tokens(t) for *_, t in items]
    y = [i for _, i, _ in items]
    V = DictVectorizer().fit_transform([vocab_features(t) for *_, t in items])
    for name, char, vocab, kw in (
        ("old: lbfgs 200, char 1-4", (1, 4), False, dict(max_iter=200)),
        ("liblinear, char 1-4 + vocab", (1, 4), True, dict(solver="liblinear", max_iter=200)),
        ("liblinear, char 1-5 + vocab", (1, 5), True, dict(solver="liblinear", max_iter=200)),
        ("liblinear tol 1e-3, char 1-5 + vocab", (1, 5), True, dict(solver="liblinear", max_iter=200, tol=1e-3)),
    ):
        X, _ = features(texts, texts[:1], char=char)
        if vocab:
            X = sp.hstack([X, V]).tocsr()
        started = time.process_time()
        LogisticRegression(class_weight="balanced", random_state=42, **kw).fit(X, y)
        print(f"{name:<40} {X.shape[1]:>7} features  fit {time.process_time() - started:5.0f} s CPU", flush=True)


if __name__ == "__main__":
    main()
