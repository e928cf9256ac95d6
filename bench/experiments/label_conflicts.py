"""Issue 3: texts that stand under more than one intent (exactly, or after folding case,
punctuation and Latin accents), within a language and across languages.

Run: .venv-rasa/bin/python bench/experiments/label_conflicts.py
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_examples, rasa_tokens  # noqa: E402
from intent_sklearn import fold  # noqa: E402


def key(text: str) -> str:
    return fold(rasa_tokens(text))


def main():
    data = load_examples()
    within = 0
    dup_same = 0
    across: dict[str, set] = defaultdict(set)
    for lang, intents in data.items():
        seen: dict[str, set] = defaultdict(set)
        counts = Counter()
        for intent, examples in intents.items():
            for e in examples:
                seen[key(e)].add(intent)
                counts[(key(e), intent)] += 1
                across[key(e)].add((lang, intent))
        dup_same += sum(n - 1 for n in counts.values() if n > 1)
        for k, labels in sorted(seen.items()):
            if len(labels) > 1:
                within += 1
                print(f"{lang}  {k!r:40} {sorted(labels)}")
    print(f"\nwithin-language conflicts: {within}; repeated (same intent) examples: {dup_same}")
    cross = {k: v for k, v in across.items() if len({i for _, i in v}) > 1 and len({l for l, _ in v}) > 1}
    print(f"texts under different intents in different languages: {len(cross)}")
    for k, v in sorted(cross.items())[:200]:
        print(f"   {k!r:40} {sorted(v)}")


if __name__ == "__main__":
    main()
