"""Issue 3, language identification: a discriminative upper reference (scikit-learn, not for
the app) on bench/nlu.py's split, short test messages (1-5 words).

Run: .venv-rasa/bin/python bench/experiments/langid_sklearn.py
"""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_examples, split  # noqa: E402


def prep(t):
    return unicodedata.normalize("NFC", t.casefold())


def main():
    train, test = split(load_examples())
    langs = sorted(test)
    X = [(l, prep(e)) for l in langs for ex in train[l].values() for e in ex]
    short = [(l, prep(t)) for l in langs for ex in test[l].values() for t in ex if 1 <= len(t.split()) <= 5]
    for char, C in (((1, 5), 1.0), ((1, 5), 0.3), ((1, 4), 1.0), ((2, 5), 1.0)):
        c = TfidfVectorizer(analyzer="char_wb", ngram_range=char, sublinear_tf=True)
        w = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", sublinear_tf=True)
        A = sp.hstack([c.fit_transform([t for _, t in X]), w.fit_transform([t for _, t in X])]).tocsr()
        B = sp.hstack([c.transform([t for _, t in short]), w.transform([t for _, t in short])]).tocsr()
        y = [l for l, _ in X]
        for name, clf in (("svc", LinearSVC(C=C)),):
            p = clf.fit(A, y).predict(B)
            acc = {l: sum(1 for (g, _), q in zip(short, p) if g == l and q == l) / sum(1 for g, _ in short if g == l) for l in langs}
            tot = sum(1 for (g, _), q in zip(short, p) if g == q) / len(short)
            print(f"{name} char{char} C{C}  all {tot:.3f} | " + " ".join(f"{l} {acc[l]:.3f}" for l in langs), flush=True)


if __name__ == "__main__":
    main()
