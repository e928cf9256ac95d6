"""Issue 3, language identification: how many short test messages (1-5 words, bench/nlu.py's
split) no detector can place — the same text (after normalise()) stands in the training part
of another language, or consists only of digits / shared names.

Run: .venv/bin/python bench/experiments/langid_ceiling.py
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_examples, split  # noqa: E402
from intake.vocabulary import normalise  # noqa: E402


def main():
    train, test = split(load_examples())
    seen: dict[str, Counter] = defaultdict(Counter)
    for lang, intents in train.items():
        for ex in intents.values():
            for t in ex:
                seen[normalise(t)][lang] += 1
    short = [(l, t) for l in sorted(test) for ex in test[l].values() for t in ex if 1 <= len(t.split()) <= 5]
    kinds = Counter()
    per = Counter()
    examples = defaultdict(list)
    for l, t in short:
        n = normalise(t)
        c = seen.get(n)
        per[l] += 1
        if c is None:
            kinds[(l, "unseen")] += 1
        elif set(c) == {l}:
            kinds[(l, "seen only in own")] += 1
        elif l in c:
            kinds[(l, "seen in own and others")] += 1
            examples[l].append((t, dict(c)))
        else:
            kinds[(l, "seen only in others")] += 1
            examples[l].append((t, dict(c)))
    print(f"short test messages: {len(short)}")
    for l in sorted(per):
        row = {k: kinds[(l, k)] for k in ("unseen", "seen only in own", "seen in own and others", "seen only in others")}
        print(l, per[l], row)
        for t, c in examples[l][:12]:
            print("     ", repr(t), c)


if __name__ == "__main__":
    main()
