"""Issue 3: appends examples (lines "language<TAB>intent<TAB>text" in a TSV file) to the end of
their intent's block in nlu/<language>.yml, keeping the file's format. Skips a text already
in that language (after case, punctuation and Latin accents are folded) and says so; refuses
an unknown intent.

Run: python3 bench/experiments/add_examples.py FILE.tsv [--dry-run]
"""
from __future__ import annotations

import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def key(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFD", text.casefold()):
        if unicodedata.category(ch) == "Mn" and out and "a" <= out[-1] <= "z":
            continue
        out.append(ch if unicodedata.category(ch)[0] in "LN" else " ")
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())


def main(source: str, dry: bool) -> int:
    wanted: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for n, line in enumerate(Path(source).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        lang, intent, text = line.split("\t")
        wanted[lang].append((intent.strip(), " ".join(text.split())))
    for lang, items in sorted(wanted.items()):
        path = ROOT / "nlu" / f"{lang}.yml"
        lines = path.read_text(encoding="utf-8").split("\n")
        block_end: dict[str, int] = {}
        seen: dict[str, str] = {}
        current = None
        for i, line in enumerate(lines):
            if line.startswith("- intent: "):
                current = line[len("- intent: "):].strip()
            elif line.startswith("    - ") and current:
                block_end[current] = i
                seen.setdefault(key(line[6:]), current)
        inserts: dict[int, list[str]] = defaultdict(list)
        added = skipped = 0
        for intent, text in items:
            if intent not in block_end:
                raise SystemExit(f"{lang}: unknown intent {intent}")
            k = key(text)
            if k in seen:
                print(f"  skip {lang} {intent}: {text!r} (already under {seen[k]})")
                skipped += 1
                continue
            seen[k] = intent
            inserts[block_end[intent]].append(f"    - {text}")
            added += 1
        out = []
        for i, line in enumerate(lines):
            out.append(line)
            out.extend(inserts.get(i, []))
        print(f"{lang}: {added} added, {skipped} skipped")
        if not dry:
            path.write_text("\n".join(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], "--dry-run" in sys.argv))
