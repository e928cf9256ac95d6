"""Issue 3: which features/classifier lift intent macro-F1 (bench/nlu.py's split, seed 7).

Run: .venv-rasa/bin/python bench/experiments/intent_sklearn.py [NAME ...]
"""
from __future__ import annotations

import sys
import time
import unicodedata

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from common import flat, load_examples, rasa_tokens, report, split  # noqa: E402


def fold(text: str) -> str:
    """Lower case, accents of Latin letters dropped, Arabic/Persian letter variants unified."""
    text = text.lower()
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn" and out and "a" <= out[-1] <= "z":
            continue
        out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    return text.translate(str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا",
                                         "ı": "i", "ł": "l", "ß": "ss"}))


def features(train_texts, test_texts, *, tfidf=False, char=(1, 4), sublinear=False, word=(1, 1),
             prep=None, norm=False, char_analyzer="char_wb", word_weight=1.0):
    if prep:
        train_texts = [prep(t) for t in train_texts]
        test_texts = [prep(t) for t in test_texts]
    V = TfidfVectorizer if tfidf else CountVectorizer
    kw = {"sublinear_tf": sublinear} if tfidf else {}
    w = V(token_pattern=r"(?u)\b\w+\b", ngram_range=word, lowercase=True, **kw)
    c = V(analyzer=char_analyzer, ngram_range=char, lowercase=True, **kw)
    Xw, Tw = w.fit_transform(train_texts), w.transform(test_texts)
    Xc, Tc = c.fit_transform(train_texts), c.transform(test_texts)
    X = sp.hstack([Xw * word_weight, Xc]).tocsr()
    T = sp.hstack([Tw * word_weight, Tc]).tocsr()
    if norm:
        X, T = normalize(X), normalize(T)
    return X, T


def fallback(clf, T, threshold=0.3, ambiguity=0.1):
    proba = clf.predict_proba(T)
    order = np.argsort(-proba, axis=1)
    top, second = proba[np.arange(len(proba)), order[:, 0]], proba[np.arange(len(proba)), order[:, 1]]
    labels = clf.classes_[order[:, 0]]
    return [("nlu_fallback" if (a < threshold or a - b < ambiguity) else l) for l, a, b in zip(labels, top, second)]


def main(selected):
    train, test = split(load_examples())
    tr, te = flat(train), flat(test)
    Xtxt = [rasa_tokens(t) for _, _, t in tr]
    Ttxt = [rasa_tokens(t) for _, _, t in te]
    y = [i for _, i, _ in tr]

    feats = {
        "counts c1-4": dict(),
        "counts c1-5": dict(char=(1, 5)),
        "counts c1-4 l2": dict(norm=True),
        "tfidf c1-4": dict(tfidf=True),
        "tfidf c1-5": dict(tfidf=True, char=(1, 5)),
        "tfidf c2-5": dict(tfidf=True, char=(2, 5)),
        "tfidf c1-5 sub": dict(tfidf=True, char=(1, 5), sublinear=True),
        "tfidf c1-5 sub fold": dict(tfidf=True, char=(1, 5), sublinear=True, prep=fold),
        "tfidf c1-5 sub w1-2": dict(tfidf=True, char=(1, 5), sublinear=True, word=(1, 2)),
        "tfidf c1-6 sub": dict(tfidf=True, char=(1, 6), sublinear=True),
    }
    clfs = {
        "LR C1 bal 200": lambda: LogisticRegression(C=1, class_weight="balanced", max_iter=200, random_state=42),
        "LR C10 bal": lambda: LogisticRegression(C=10, class_weight="balanced", max_iter=1000, random_state=42),
        "LR C30 bal": lambda: LogisticRegression(C=30, class_weight="balanced", max_iter=1000, random_state=42),
        "SVC C0.5 bal": lambda: LinearSVC(C=0.5, class_weight="balanced"),
        "SVC C1 bal": lambda: LinearSVC(C=1, class_weight="balanced"),
        "SGD modhuber": lambda: SGDClassifier(loss="modified_huber", alpha=2e-5, class_weight="balanced", max_iter=50, random_state=42),
    }
    plan = {
        "base": [("counts c1-4", "LR C1 bal 200")],
        "feat": [(f, "SVC C1 bal") for f in feats],
        "lr": [(f, c) for f in ("tfidf c1-5 sub",) for c in ("LR C10 bal", "LR C30 bal", "SGD modhuber", "SVC C0.5 bal")],
    }
    for name in selected or plan:
        for f, c in plan[name]:
            started = time.monotonic()
            X, T = features(Xtxt, Ttxt, **feats[f])
            clf = clfs[c]().fit(X, y)
            pred = list(clf.predict(T))
            report(te, pred, f"{f} + {c} ({X.shape[1]} f, {time.monotonic() - started:.0f}s)")
            if c.startswith("LR"):
                report(te, fallback(clf, T), f"   … with fallback 0.3/0.1")


if __name__ == "__main__":
    main(sys.argv[1:])
