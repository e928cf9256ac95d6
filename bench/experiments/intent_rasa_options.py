"""Issue 3: what Rasa 3.6's own options can express — count vectors (words + char_wb), the
LogisticRegressionClassifier's fixed C=1 and class_weight=balanced, and its configurable
solver / max_iter / tol — with time to fit (bench/nlu.py's split, fallback 0.3/0.1 applied).

Run: .venv-rasa/bin/python bench/experiments/intent_rasa_options.py [NAME ...]
"""
from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import flat, load_examples, rasa_tokens, report, split  # noqa: E402
from intent_sklearn import fallback, features, fold  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)

VARIANTS = {
    "lbfgs200 c1-4": (dict(), dict(max_iter=200)),
    "lbfgs100 c1-4": (dict(), dict(max_iter=100)),
    "lbfgs500 c1-4": (dict(), dict(max_iter=500)),
    "liblinear c1-4": (dict(), dict(solver="liblinear", max_iter=200)),
    "saga c1-4": (dict(), dict(solver="saga", max_iter=200, tol=1e-3)),
    "lbfgs200 c1-5": (dict(char=(1, 5)), dict(max_iter=200)),
    "lbfgs200 c2-5": (dict(char=(2, 5)), dict(max_iter=200)),
    "lbfgs200 c1-4 fold": (dict(prep=fold), dict(max_iter=200)),
    "liblinear c1-5": (dict(char=(1, 5)), dict(solver="liblinear", max_iter=200)),
    "liblinear c1-6": (dict(char=(1, 6)), dict(solver="liblinear", max_iter=200)),
    "liblinear c1-5 w1-2": (dict(char=(1, 5), word=(1, 2)), dict(solver="liblinear", max_iter=200)),
    "liblinear c1-5 vocab": (dict(char=(1, 5), vocab=True), dict(solver="liblinear", max_iter=200)),
    "liblinear c1-4 vocab": (dict(vocab=True), dict(solver="liblinear", max_iter=200)),
    "lbfgs200 c1-5 vocab": (dict(char=(1, 5), vocab=True), dict(max_iter=200)),
}


def main(selected):
    train, test = split(load_examples())
    tr, te = flat(train), flat(test)
    Xtxt = [rasa_tokens(t) for *_, t in tr]
    Ttxt = [rasa_tokens(t) for *_, t in te]
    y = [i for _, i, _ in tr]
    for name in selected or VARIANTS:
        fkw, ckw = dict(VARIANTS[name][0]), VARIANTS[name][1]
        vocab = fkw.pop("vocab", False)
        X, T = features(Xtxt, Ttxt, **fkw)
        if vocab:
            from intent_vocabulary import vocab_features
            from sklearn.feature_extraction import DictVectorizer
            import scipy.sparse as sp
            dv = DictVectorizer()
            X = sp.hstack([X, dv.fit_transform([vocab_features(t) for *_, t in tr])]).tocsr()
            T = sp.hstack([T, dv.transform([vocab_features(t) for *_, t in te])]).tocsr()
        started = time.monotonic()
        clf = LogisticRegression(class_weight="balanced", random_state=42, **ckw).fit(X, y)
        seconds = time.monotonic() - started
        report(te, fallback(clf, T), f"{name} ({X.shape[1]} f, fit {seconds:.0f}s)")


if __name__ == "__main__":
    main(sys.argv[1:])
