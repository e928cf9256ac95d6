"""Issue 3: which word lists carry the vocabulary features' gain (frozen original test split,
liblinear c1-5 + fallback, as intent_per_intent.py --frozen --vocab).

Run: .venv-rasa/bin/python bench/experiments/intent_vocab_ablation.py
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
import intent_vocabulary  # noqa: E402
from common import flat, load_examples, rasa_tokens, report, split  # noqa: E402
from intent_per_intent_data import head_examples  # noqa: E402
from intent_sklearn import fallback, features  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)


def main():
    data = load_examples()
    _, old_test = split(head_examples())
    held = {(l, t) for l, _, t in flat(old_test)}
    te = flat(old_test)
    tr = [x for x in flat(data) if (x[0], x[2]) not in held]
    X0, T0 = features([rasa_tokens(t) for *_, t in tr], [rasa_tokens(t) for *_, t in te], char=(1, 5))
    y = [i for _, i, _ in tr]
    full_tr = [intent_vocabulary.vocab_features(t) for *_, t in tr]
    full_te = [intent_vocabulary.vocab_features(t) for *_, t in te]
    variants = {
        "all lists, codes": lambda k: True,
        "lists only (no codes)": lambda k: ":" not in k,
        "needs only": lambda k: k.startswith("needs"),
        "needs+replies+languages": lambda k: k.split(":")[0] in ("needs", "replies", "languages"),
        "all but countries/municipalities": lambda k: k.split(":")[0] not in ("countries", "municipalities"),
    }
    for name, keep in variants.items():
        dv = DictVectorizer()
        V = dv.fit_transform([{k: v for k, v in d.items() if keep(k)} for d in full_tr])
        W = dv.transform([{k: v for k, v in d.items() if keep(k)} for d in full_te])
        clf = LogisticRegression(solver="liblinear", class_weight="balanced", max_iter=200, random_state=42)
        clf.fit(sp.hstack([X0, V]).tocsr(), y)
        report(te, fallback(clf, sp.hstack([T0, W]).tocsr()), f"{name} ({V.shape[1]})")


if __name__ == "__main__":
    main()
