"""How well the model recognises intents, measured on examples it was not trained on: the
training examples of nlu/*.yml are split per language and intent, a model is trained on one
part and predicts the other (``intake evaluate``; ``bench/nlu.py`` uses the same steps).

The metrics are pure (gold and predicted intents in, numbers out); training and prediction
run Rasa in its own virtualenv.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from intake.paths import PROJECT_DIR

NLU_DIR = PROJECT_DIR / "nlu"
RASA = PROJECT_DIR / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = PROJECT_DIR / ".venv-rasa" / "bin" / "python"
RASA_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
FALLBACK = "nlu_fallback"

Examples = dict[str, dict[str, list[str]]]  # language → intent → examples


@dataclass(frozen=True)
class Prediction:
    intent: str | None
    confidence: float | None = None
    # For an nlu_fallback (the model was unsure): the best real intent.
    guess: str | None = None


@dataclass(frozen=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


# --- data -----------------------------------------------------------------------------------

def load_examples(nlu_dir: Path = NLU_DIR) -> Examples:
    """language → intent → examples, from nlu/<language>.yml."""
    data: Examples = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        data[path.stem] = {
            str(block["intent"]): [line.strip()[2:] for line in str(block.get("examples") or "")
                                   .splitlines() if line.strip().startswith("- ")]
            for block in raw.get("nlu") or [] if "intent" in block
        }
    return data


def split(data: Examples, test_share: float, seed: int) -> tuple[Examples, Examples]:
    """(training part, test part): of each language's intent, ``test_share`` of its examples
    (at least one) are held out: those whose hash of seed, language, intent and text is
    lowest. So an example added to one intent moves at most one other example of that intent
    between the parts, and none elsewhere: figures before and after a change of the data are
    measured on (nearly) the same test messages. The training part keeps the files' order."""
    train: Examples = defaultdict(dict)
    test: Examples = defaultdict(dict)
    for language, intents in data.items():
        for intent, examples in intents.items():
            ranked = sorted(range(len(examples)),
                            key=lambda i: (_draw(seed, language, intent, examples[i]), i))
            held_out = ranked[:max(1, round(len(examples) * test_share))]
            test[language][intent] = [examples[i] for i in held_out]
            kept = set(range(len(examples))) - set(held_out)
            train[language][intent] = [e for i, e in enumerate(examples) if i in kept]
    return dict(train), dict(test)


def _draw(seed: int, language: str, intent: str, text: str) -> int:
    key = f"{seed}\0{language}\0{intent}\0{text}".encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def write_nlu(data: Examples, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for language, intents in data.items():
        blocks = [
            {"intent": intent, "examples": "".join(f"- {e}\n" for e in examples)}
            for intent, examples in intents.items()
        ]
        (directory / f"{language}.yml").write_text(
            yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )


# --- Rasa -----------------------------------------------------------------------------------

def train_model(config: Path, nlu_dir: Path, out: Path, name: str,
                on_line: Callable[[str], None] | None = None) -> tuple[Path, float]:
    """An NLU model trained on ``nlu_dir``; (its file, seconds taken). ``on_line`` gets each
    line Rasa prints (progress of a long step); a failure raises CalledProcessError with the
    last lines as its ``output``."""
    # A cache of its own, so that Rasa trains every component and the time is honest.
    env = {**RASA_ENV, "RASA_CACHE_DIRECTORY": str(out / f"cache-{name}")}
    # bot/rasa_train.py: `rasa train` with the classifier's features joined quickly.
    command = [str(RASA_PYTHON), "-m", "bot.rasa_train", "train", "nlu",
               "--config", str(config), "--nlu", str(nlu_dir), "--out", str(out),
               "--fixed-model-name", name]
    started = time.monotonic()
    if on_line is None:
        subprocess.run(command, cwd=PROJECT_DIR, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        last: deque[str] = deque(maxlen=30)
        with subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace") as process:
            assert process.stdout is not None
            for line in process.stdout:
                last.append(line)
                on_line(line.rstrip("\n"))
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command, "".join(last))
    return out / f"{name}.tar.gz", time.monotonic() - started


def predict(model: Path, texts: list[str], work: Path) -> list[Prediction]:
    """The model's intent for each text, in order (bot/rasa_predict.py in Rasa's virtualenv)."""
    source, target = work / "texts.json", work / f"{model.stem}.predictions.json"
    source.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    subprocess.run([str(RASA_PYTHON), "-m", "bot.rasa_predict", str(model), str(source),
                    str(target)], cwd=PROJECT_DIR, env=RASA_ENV, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return [Prediction(p["intent"], p.get("confidence"), p.get("guess"))
            for p in json.loads(target.read_text(encoding="utf-8"))]


# --- metrics (pure) -------------------------------------------------------------------------

def intent_scores(gold: Sequence[str], predicted: Sequence[str | None]) -> list[IntentScore]:
    """Precision, recall, F1 and support of every intent that occurs in ``gold``, by name.
    An intent never predicted has precision 0; a prediction of an intent not in ``gold``
    (nlu_fallback, say) counts only as a miss of the true one."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(IntentScore(label, precision, recall, f1, tp + fn))
    return scores


def macro_f1(gold: Sequence[str], predicted: Sequence[str | None]) -> float:
    """The mean F1 of the intents in ``gold``, each counting the same (0 for no examples)."""
    scores = intent_scores(gold, predicted)
    return sum(s.f1 for s in scores) / len(scores) if scores else 0.0


def accuracy(gold: Sequence[str], predicted: Sequence[str | None]) -> float:
    return sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else 0.0


@dataclass(frozen=True)
class Confusion:
    rows: list[str]      # true intents
    columns: list[str]   # predicted: the true intents, then any other (nlu_fallback, none)
    counts: list[list[int]]


def confusion(gold: Sequence[str], predicted: Sequence[str | None]) -> Confusion:
    rows = sorted(set(gold))
    others = sorted({p or "(keine)" for p in predicted} - set(rows))
    columns = rows + others
    index = {label: i for i, label in enumerate(columns)}
    counts = [[0] * len(columns) for _ in rows]
    for g, p in zip(gold, predicted):
        counts[index[g]][index[p or "(keine)"]] += 1
    return Confusion(rows, columns, counts)


def confusion_png(matrix: Confusion, title: str) -> bytes:
    """The matrix as a PNG picture (matplotlib, without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Coloured by the share of the row, so that a mistake shows in a small intent too.
    shares = [[n / (sum(row) or 1) for n in row] for row in matrix.counts]
    size = max(4.0, 2.5 + 0.3 * len(matrix.columns))
    fig, ax = plt.subplots(figsize=(size, max(3.5, 2.5 + 0.3 * len(matrix.rows))))
    ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    columns = ["unsicher" if c == FALLBACK else c for c in matrix.columns]
    ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=7)
    ax.set_yticks(range(len(matrix.rows)), matrix.rows, fontsize=7)
    ax.set_xlabel("erkannt als")
    ax.set_ylabel("richtig wäre")
    ax.set_title(title)
    for i, row in enumerate(matrix.counts):
        for j, n in enumerate(row):
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=6,
                        color="white" if shares[i][j] > 0.5 else "black")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
