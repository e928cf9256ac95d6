"""Issue 3: is the ceiling the model or the data? (a) one classifier per language (told the
language) vs one for all ten; (b) learning curve: macro-F1 when training on a share of the
training part (same test part). Fast model: TF-IDF words + char_wb 1-4, LinearSVC.

Run: .venv-rasa/bin/python bench/experiments/intent_curve.py
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import flat, load_examples, rasa_tokens, report, split  # noqa: E402
from intent_sklearn import features  # noqa: E402


def fit_predict(tr, te):
    X, T = features([rasa_tokens(t) for *_, t in tr], [rasa_tokens(t) for *_, t in te], tfidf=True)
    return list(LinearSVC(C=1, class_weight="balanced").fit(X, [i for _, i, _ in tr]).predict(T))


def main():
    train, test = split(load_examples())
    tr, te = flat(train), flat(test)
    pred = {}
    for lang in sorted(test):
        idx = [k for k, x in enumerate(te) if x[0] == lang]
        p = fit_predict([x for x in tr if x[0] == lang], [te[k] for k in idx])
        pred.update(zip(idx, p))
    report(te, [pred[k] for k in range(len(te))], "per-language classifiers (oracle language)")
    rng = random.Random(1)
    for share in (0.25, 0.5, 0.75, 1.0):
        sub = [x for x in tr if rng.random() < share] if share < 1 else tr
        report(te, fit_predict(sub, te), f"all languages, {share:.0%} of training ({len(sub)})")


if __name__ == "__main__":
    main()
