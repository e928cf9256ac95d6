"""Issue 3, language identification on test messages of 1-5 words (bench/nlu.py's split and
measure: forced choice, model trained on the training part of nlu/*.yml only).

Run: .venv/bin/python bench/experiments/langid.py [--errors LANG] [VARIANT ...]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_examples, split  # noqa: E402
from intake import language_id  # noqa: E402


def data():
    train, test = split(load_examples())
    languages = sorted(test)
    texts = {l: [e for ex in train[l].values() for e in ex] for l in languages}
    short = [(l, t) for l in languages for ex in test[l].values() for t in ex if 1 <= len(t.split()) <= 5]
    return languages, texts, short


def measure(name, detect, languages, short, errors_for=None):
    right = Counter()
    total = Counter()
    confusions = Counter()
    wrong = []
    for l, t in short:
        g = detect(t)
        total[l] += 1
        right[l] += g == l
        if g != l:
            confusions[(l, g)] += 1
            wrong.append((l, g, t))
    acc = sum(right.values()) / len(short)
    print(f"{name:<30} all {acc:.3f} | " + " ".join(f"{l} {right[l] / total[l]:.3f}" for l in languages), flush=True)
    if errors_for:
        print("   confusions:", ", ".join(f"{a}→{b} {n}" for (a, b), n in confusions.most_common(15)))
        for l, g, t in wrong:
            if errors_for in (l, "all"):
                print(f"   {l}→{g}  {t}")
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--errors")
    args = ap.parse_args()
    languages, texts, short = data()
    model = language_id.train(texts)
    measure("current (intake.language_id)", model.best, languages, short, args.errors)




# ---- variants -------------------------------------------------------------------------------
import math  # noqa: E402
import re  # noqa: E402
import unicodedata  # noqa: E402

from intake.vocabulary import normalise  # noqa: E402

_NONLETTER = re.compile(r"[^\w]+|_")


def casefold_words(text: str) -> list[str]:
    """Case folded words, letters kept as written (no accent or letter folding)."""
    text = unicodedata.normalize("NFC", text.replace("İ", "i̇").casefold())
    return [w for w in _NONLETTER.sub(" ", text).split() if w]


def script_of(text: str) -> set[str]:
    scripts = set()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            scripts.add(name.split(" ")[0])
    return scripts


class NB:
    def __init__(self, texts, sizes=(1, 2, 3, 4), alpha=1.0, words=0.0, fold=False, word_alpha=None):
        self.sizes, self.alpha, self.words, self.fold = sizes, alpha, words, fold
        self.word_alpha = alpha if word_alpha is None else word_alpha
        self.counts = {l: __import__("collections").Counter() for l in texts}
        self.wcounts = {l: __import__("collections").Counter() for l in texts}
        for l, ts in texts.items():
            for t in ts:
                ws = self.tokens(t)
                self.counts[l].update(self.grams(ws))
                self.wcounts[l].update(ws)
        self.V = len(set().union(*self.counts.values()))
        self.WV = len(set().union(*self.wcounts.values()))
        self.tot = {l: sum(c.values()) for l, c in self.counts.items()}
        self.wtot = {l: sum(c.values()) for l, c in self.wcounts.items()}

    def tokens(self, text):
        return normalise(text).split() if self.fold else casefold_words(text)

    def grams(self, ws):
        out = []
        for w in ws:
            p = f" {w} "
            for n in self.sizes:
                out.extend(p[i : i + n] for i in range(len(p) - n + 1))
        return out

    def scores(self, text):
        ws = self.tokens(text)
        gs = self.grams(ws)
        out = {}
        for l in self.counts:
            c, tot = self.counts[l], self.tot[l] + self.alpha * (self.V + 1)
            s = sum(math.log((c.get(g, 0) + self.alpha) / tot) for g in gs)
            if self.words:
                wc, wt = self.wcounts[l], self.wtot[l] + self.word_alpha * (self.WV + 1)
                s += self.words * sum(math.log((wc.get(w, 0) + self.word_alpha) / wt) for w in ws)
            out[l] = s
        return out

    def best(self, text):
        s = self.scores(text)
        return max(s, key=s.get) if s else None


def run_variants():
    languages, texts, short = data()
    variants = {
        "nb casefold c1-4": dict(),
        "nb fold c1-4 (as now)": dict(fold=True),
        "nb casefold c1-5": dict(sizes=(1, 2, 3, 4, 5)),
        "nb casefold c1-5 a0.1": dict(sizes=(1, 2, 3, 4, 5), alpha=0.1),
        "nb casefold c1-5 a0.01": dict(sizes=(1, 2, 3, 4, 5), alpha=0.01),
        "nb casefold c1-5 a0.1 w1": dict(sizes=(1, 2, 3, 4, 5), alpha=0.1, words=1.0),
        "nb casefold c1-5 a0.1 w3": dict(sizes=(1, 2, 3, 4, 5), alpha=0.1, words=3.0),
    }
    for name, kw in variants.items():
        measure(name, NB(texts, **kw).best, languages, short)


if __name__ == "__main__" and "--variants" in sys.argv:
    run_variants()


if __name__ == "__main__" and len(sys.argv) == 1 or "--errors" in sys.argv:
    main()


def run_grid():
    languages, texts, short = data()
    for sizes in ((1, 2, 3, 4, 5),):
        for alpha in (0.003, 0.01, 0.03):
            for words in (0.0, 1.0, 3.0):
                for wa in (0.01, 0.1):
                    if not words and wa != 0.1:
                        continue
                    m = NB(texts, sizes=sizes, alpha=alpha, words=words, word_alpha=wa)
                    measure(f"c{sizes[0]}-{sizes[-1]} a{alpha} w{words} wa{wa}", m.best, languages, short)


if __name__ == "__main__" and "--grid" in sys.argv:
    run_grid()


def run_errors(lang):
    languages, texts, short = data()
    m = NB(texts, sizes=(1, 2, 3, 4, 5), alpha=0.01, words=3.0, word_alpha=0.01)
    measure("nb c1-5 a0.01 w3", m.best, languages, short, errors_for=lang)


if __name__ == "__main__" and "--nb-errors" in sys.argv:
    run_errors(sys.argv[-1])


SCRIPT_LANGS = {"ARABIC": {"ar", "fa"}, "CYRILLIC": {"uk", "ru", "bg"}}


def restricted(model):
    def best(text):
        s = model.scores(text)
        scripts = script_of(text)
        allowed = set(s)
        for sc in scripts:
            if sc in SCRIPT_LANGS:
                allowed &= SCRIPT_LANGS[sc]
        if allowed:
            s = {l: v for l, v in s.items() if l in allowed}
        return max(s, key=s.get)
    return best


def vocabulary_texts(languages):
    import yaml
    out = {l: [] for l in languages}
    for l in languages:
        p = Path(__file__).resolve().parents[2] / "data" / "vocabulary" / "languages" / f"{l}.yml"
        if not p.exists():
            continue
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}

        def walk(x):
            if isinstance(x, dict):
                for v in x.values():
                    yield from walk(v)
            elif isinstance(x, list):
                for v in x:
                    yield from walk(v)
            elif isinstance(x, str):
                yield x
        out[l] = list(walk({k: v for k, v in raw.items() if k != "numbers"}))
    return out


def run_extras():
    languages, texts, short = data()
    base = NB(texts, sizes=(1, 2, 3, 4, 5), alpha=0.01, words=3.0, word_alpha=0.01)
    measure("nb best", base.best, languages, short)
    measure("nb best + script restriction", restricted(base), languages, short)
    vt = vocabulary_texts(languages)
    print("vocabulary strings:", {l: len(v) for l, v in vt.items()})
    plus = NB({l: texts[l] + vt[l] for l in languages}, sizes=(1, 2, 3, 4, 5), alpha=0.01, words=3.0, word_alpha=0.01)
    measure("nb best + vocabulary texts", plus.best, languages, short)


if __name__ == "__main__" and "--extras" in sys.argv:
    run_extras()


class CNB(NB):
    """Complement naive Bayes (Rennie et al. 2003) on the same features."""

    def __init__(self, texts, **kw):
        super().__init__(texts, **kw)
        from collections import Counter
        self.all = Counter()
        self.wall = Counter()
        for c in self.counts.values():
            self.all.update(c)
        for c in self.wcounts.values():
            self.wall.update(c)
        self.alltot, self.walltot = sum(self.all.values()), sum(self.wall.values())

    def scores(self, text):
        ws = self.tokens(text)
        gs = self.grams(ws)
        out = {}
        for l in self.counts:
            c = self.counts[l]
            tot = self.alltot - self.tot[l] + self.alpha * (self.V + 1)
            s = -sum(math.log((self.all.get(g, 0) - c.get(g, 0) + self.alpha) / tot) for g in gs)
            if self.words:
                wc = self.wcounts[l]
                wt = self.walltot - self.wtot[l] + self.word_alpha * (self.WV + 1)
                s -= self.words * sum(math.log((self.wall.get(w, 0) - wc.get(w, 0) + self.word_alpha) / wt) for w in ws)
            out[l] = s
        return out


def run_cnb():
    languages, texts, short = data()
    for alpha in (0.01, 0.1, 1.0):
        for words in (0.0, 3.0):
            m = CNB(texts, sizes=(1, 2, 3, 4, 5), alpha=alpha, words=words, word_alpha=alpha)
            measure(f"cnb a{alpha} w{words}", m.best, languages, short)


if __name__ == "__main__" and "--cnb" in sys.argv:
    run_cnb()


def run_cnb2():
    languages, texts, short = data()
    for sizes in ((1, 2, 3, 4, 5), (1, 2, 3, 4, 5, 6), (2, 3, 4, 5)):
        for words in (2.0, 5.0):
            m = CNB(texts, sizes=sizes, alpha=0.03, words=words, word_alpha=0.03)
            measure(f"cnb c{sizes[0]}-{sizes[-1]} a0.03 w{words}", m.best, languages, short)


if __name__ == "__main__" and "--cnb2" in sys.argv:
    run_cnb2()


def run_compare():
    """Before (intake/language_id.py at 68fb8e8) and now (intake.language_id), on the
    split of git HEAD's nlu/ files and on the split of the working tree's."""
    from common import language_id_before as _before
    language_id_before = _before()
    from intent_per_intent_data import head_examples
    for label, examples in (("HEAD data", head_examples()), ("working tree data", load_examples())):
        train, test = split(examples)
        languages = sorted(test)
        texts = {l: [e for ex in train[l].values() for e in ex] for l in languages}
        short = [(l, t) for l in languages for ex in test[l].values() for t in ex if 1 <= len(t.split()) <= 5]
        print(f"-- {label}: {len(short)} test messages of 1-5 words")
        before = language_id_before.train(texts)
        after = language_id.train(texts)
        measure("before (char 1-4 NB)", before.best, languages, short)
        measure("after (complement NB)", after.best, languages, short)
        for name, model, margins in (("before", before, (2.0,)), ("after", after, (4.0, 8.0, 12.0, 16.0, 24.0))):
            for m in margins:
                kept = [(l, model.identify(t, m)) for l, t in short]
                decided = [(l, g) for l, g in kept if g is not None]
                print(f"   {name} margin {m:>4}: coverage {len(decided) / len(kept):.3f} "
                      f"precision {sum(l == g for l, g in decided) / len(decided):.3f}")


if __name__ == "__main__" and "--compare" in sys.argv:
    run_compare()
