"""Issue 3: do the word lists of data/vocabulary help the intent classifier? Adds, to the word
and char_wb features, one binary feature per word-list code named in the message (e.g.
needs:school for "کیتا", replies:dont_know, languages:uk) and one per list.

Run: .venv-rasa/bin/python bench/experiments/intent_vocabulary.py
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
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import flat, load_examples, rasa_tokens, report, split  # noqa: E402
from intent_sklearn import fallback, features  # noqa: E402
from intake.vocabulary import default_cues, default_vocabulary, normalise  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)

LISTS = ("countries", "municipalities", "residence_statuses", "benefits", "needs", "contact_modes",
         "languages", "replies", "no_papers")


def vocab_features(text: str, codes: bool = True, cues: bool = True) -> dict[str, float]:
    """What nlu_components/vocabulary_featurizer.py gives the model (cues: data/vocabulary/cues/)."""
    vocabulary = default_vocabulary()
    found: dict[str, float] = {f"cue:{code}": 1.0 for code in default_cues().codes(text)} if cues else {}
    if cues:
        found.update({f"cue_typo:{code}": 1.0 for code in default_cues().typos(text)})
    if cues and normalise(text):
        found[f"words:{min(len(normalise(text).split()), 6)}"] = 1.0
    for name in LISTS:
        for code in getattr(vocabulary, name).codes_in(text):
            found[f"{name}"] = 1.0
            if codes:
                found[f"{name}:{code}"] = 1.0
    if vocabulary.numbers.values_in(text) or any(ch.isdigit() for ch in text):
        found["number"] = 1.0
    return found


def main():
    train, test = split(load_examples())
    tr, te = flat(train), flat(test)
    Xtxt = [rasa_tokens(t) for *_, t in tr]
    Ttxt = [rasa_tokens(t) for *_, t in te]
    y = [i for _, i, _ in tr]
    started = time.monotonic()
    dv = DictVectorizer()
    V = dv.fit_transform([vocab_features(t) for *_, t in tr])
    W = dv.transform([vocab_features(t) for *_, t in te])
    print(f"vocabulary features: {V.shape[1]} in {time.monotonic() - started:.0f}s", flush=True)
    for tfidf in (True, False):
        X, T = features(Xtxt, Ttxt, tfidf=tfidf)
        for weight in (0.0, 0.5, 1.0, 2.0):
            Xv, Tv = sp.hstack([X, V * weight]).tocsr(), sp.hstack([T, W * weight]).tocsr()
            pred = LinearSVC(C=1, class_weight="balanced").fit(Xv, y).predict(Tv)
            report(te, list(pred), f"{'tfidf' if tfidf else 'counts'} + vocab×{weight} SVC")
    X, T = features(Xtxt, Ttxt)
    Xv, Tv = sp.hstack([X, V]).tocsr(), sp.hstack([T, W]).tocsr()
    clf = LogisticRegression(class_weight="balanced", max_iter=200, random_state=42).fit(Xv, y)
    report(te, fallback(clf, Tv), "counts + vocab×1 LR lbfgs200 + fallback (Rasa-like)")


if __name__ == "__main__":
    main()
