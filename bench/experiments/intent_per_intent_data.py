"""git HEAD's nlu/*.yml as language → intent → examples (the data before issue 3's changes),
for the before/after comparisons of bench/experiments (runs in either virtualenv)."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from common import ROOT, load_examples


def head_examples(rev: str = "HEAD"):
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted((ROOT / "nlu").glob("*.yml")):
            text = subprocess.run(["git", "show", f"{rev}:nlu/{path.name}"], cwd=ROOT, capture_output=True,
                                  text=True, check=True).stdout
            (Path(tmp) / path.name).write_text(text, encoding="utf-8")
        return load_examples(Path(tmp))
