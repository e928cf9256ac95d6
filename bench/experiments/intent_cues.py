"""Issue 3: do the cue lexicons of data/vocabulary/cues/ help the intent classifier? The chosen
pipeline's replica (count vectors words + char_wb 1-5, word-list features, LogisticRegression
liblinear, fallback) with and without one feature per cue a message names (``cues:thanks``),
at a few weights, on bench/nlu.py's split.

Run: .venv-rasa/bin/python bench/experiments/intent_cues.py [--weights 0 1 2]
"""
from __future__ import annotations

import argparse
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
from intake.vocabulary import default_cues  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)


def cue_features(text: str) -> dict[str, float]:
    return {f"cues:{code}": 1.0 for code in default_cues().codes(text)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", type=float, nargs="+", default=[0.0, 1.0, 2.0])
    args = ap.parse_args()
    train, test = split(load_examples())
    tr, te = flat(train), flat(test)
    X, T = features([rasa_tokens(t) for *_, t in tr], [rasa_tokens(t) for *_, t in te], char=(1, 5))
    dv = DictVectorizer()
    X = sp.hstack([X, dv.fit_transform([vocab_features(t, cues=False) for *_, t in tr])]).tocsr()
    T = sp.hstack([T, dv.transform([vocab_features(t, cues=False) for *_, t in te])]).tocsr()
    cv = DictVectorizer()
    C = cv.fit_transform([cue_features(t) for *_, t in tr])
    D = cv.transform([cue_features(t) for *_, t in te])
    named = sum(1 for *_, t in te if cue_features(t))
    print(f"{C.shape[1]} cue features; {named} of {len(te)} test messages name a cue")
    y = [i for _, i, _ in tr]
    for weight in args.weights:
        Xw, Tw = sp.hstack([X, C * weight]).tocsr(), sp.hstack([T, D * weight]).tocsr()
        clf = LogisticRegression(solver="liblinear", class_weight="balanced", max_iter=200,
                                 random_state=42, tol=0.001)
        report(te, fallback(clf.fit(Xw, y), Tw), f"cues weight {weight}")


if __name__ == "__main__":
    main()
