"""What changed in the training data and the rules since the last model: a summary is saved
next to the model when it is trained (`make model`), and `intake changes` compares the data
with it, in German, for the integration centre."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from intake.paths import DATA_DIR, PROJECT_DIR

NLU_DIR = PROJECT_DIR / "nlu"
RULES_FILE = DATA_DIR / "screening" / "rules.yml"
SUMMARY_FILE = PROJECT_DIR / "models" / "kim-intake.summary.json"
RULE_SECTIONS = ("target_groups", "referrals", "routes")


def summarise(nlu_dir: Path = NLU_DIR, rules_file: Path = RULES_FILE) -> dict[str, Any]:
    """Examples per language and intent, and a fingerprint of every rule."""
    examples: dict[str, dict[str, int]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        counts: Counter[str] = Counter()
        for block in raw.get("nlu") or []:
            if "intent" in block:
                counts[str(block["intent"])] += sum(
                    1 for line in str(block.get("examples") or "").splitlines()
                    if line.strip().startswith("- "))
        examples[path.stem] = dict(sorted(counts.items()))
    rules_raw = yaml.safe_load(rules_file.read_text(encoding="utf-8")) or {}
    rules = {
        f"{section}/{rule['code']}": _fingerprint(rule)
        for section in RULE_SECTIONS for rule in rules_raw.get(section) or []
    }
    rules["questions"] = _fingerprint(rules_raw.get("questions"))
    rules["parameters"] = _fingerprint(rules_raw.get("parameters"))
    return {"examples": examples, "rules": rules, "rules_version": str(rules_raw.get("version"))}


def differences(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    intents_before = {i for counts in before["examples"].values() for i in counts}
    intents_now = {i for counts in now["examples"].values() for i in counts}
    lines += [f"neue Absicht: {i}" for i in sorted(intents_now - intents_before)]
    lines += [f"Absicht entfernt: {i}" for i in sorted(intents_before - intents_now)]
    for language in sorted(set(before["examples"]) | set(now["examples"])):
        old, new = before["examples"].get(language, {}), now["examples"].get(language, {})
        changed = {i: new.get(i, 0) - old.get(i, 0) for i in set(old) | set(new)
                   if new.get(i, 0) != old.get(i, 0)}
        if changed:
            total = sum(changed.values())
            detail = ", ".join(f"{i} {n:+d}" for i, n in sorted(changed.items()))
            lines.append(f"Beispiele {language}: {total:+d} ({detail})")
    for key in sorted(set(before["rules"]) | set(now["rules"])):
        name = key.split("/", 1)[-1]
        if key not in before["rules"]:
            lines.append(f"neue Regel: {name}")
        elif key not in now["rules"]:
            lines.append(f"Regel entfernt: {name}")
        elif before["rules"][key] != now["rules"][key]:
            lines.append(f"Regel geändert: {name}")
    return lines


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]
