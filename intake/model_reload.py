"""Puts a new model live in the running Rasa server, without a restart and without losing
conversations (Rasa's ``PUT /model``: the conversations stay in the tracker store), and goes
back to the one before (``intake model load`` / ``intake model restore``).

A model is known by its id (``model_id`` in the archive's metadata.json, which ``GET /status``
reports). Before a model is replaced, in the Rasa server (``load``) or on disk (``make model``
retrains into models/kim-intake.tar.gz, after ``intake model keep``), a copy of it goes to
models/previous/; models/previous/history.jsonl says which file was loaded when, and in place
of which. The newest KEEP copies are kept.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from intake.paths import PROJECT_DIR

MODELS_DIR = PROJECT_DIR / "models"
CURRENT_NAME = "kim-intake.tar.gz"  # what `make model` trains (--fixed-model-name kim-intake)
KEEP = 5
LOAD_SECONDS = 300.0

Say = Callable[[str], None]


class RasaUnreachable(Exception):
    pass


class ModelError(Exception):
    """The model cannot be loaded or found; the message says why (German)."""


@dataclass(frozen=True)
class Models:
    """Where the models are: the trained ones, the kept copies and their history."""
    root: Path | None = None  # default: MODELS_DIR

    @property
    def directory(self) -> Path:
        return self.root or MODELS_DIR

    @property
    def current(self) -> Path:
        return self.directory / CURRENT_NAME

    @property
    def previous(self) -> Path:
        return self.directory / "previous"

    @property
    def history_file(self) -> Path:
        return self.previous / "history.jsonl"

    def newest(self) -> Path | None:
        found = sorted(self.directory.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        return found[-1] if found else None

    def find(self, wanted_id: str, hint: str | None = None) -> Path | None:
        """The file of the model with id ``wanted_id``; ``hint``: a file name to try first."""
        candidates = sorted(self.directory.glob("*.tar.gz")) + sorted(
            self.previous.glob("*.tar.gz"), reverse=True)
        candidates.sort(key=lambda p: p.name != hint)
        return next((p for p in candidates if model_id(p) == wanted_id), None)

    def keep(self, model: Path) -> Path | None:
        """A copy of ``model`` in previous/ (unless one is there already), the oldest copies
        beyond KEEP removed; the copy, or None when ``model`` is missing or no model."""
        wanted = model_id(model)
        if wanted is None:
            return None
        self.previous.mkdir(parents=True, exist_ok=True)
        kept = next((p for p in self.previous.glob("*.tar.gz") if model_id(p) == wanted), None)
        if kept is None:
            trained = dt.datetime.fromtimestamp(model.stat().st_mtime)
            stem = model.name.removesuffix(".tar.gz")
            kept = self.previous / f"{stem}-{trained:%Y%m%d-%H%M%S}-{wanted[:8]}.tar.gz"
            partial = kept.with_name(kept.name + ".part")
            shutil.copy2(model, partial)
            partial.replace(kept)
        self._prune(protect={kept, *self._in_history()})
        return kept

    def record(self, entry: dict[str, Any]) -> None:
        self.previous.mkdir(parents=True, exist_ok=True)
        with self.history_file.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def history(self) -> list[dict[str, Any]]:
        if not self.history_file.exists():
            return []
        return [json.loads(line) for line in self.history_file.read_text(encoding="utf-8")
                .splitlines() if line.strip()]

    def _in_history(self) -> set[Path]:
        last = self.history()[-1:]
        return {Path(e[k]) for e in last for k in ("loaded", "replaced") if e.get(k)}

    def _prune(self, protect: set[Path]) -> None:
        copies = sorted(self.previous.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime,
                        reverse=True)
        for old in copies[KEEP:]:
            if old not in protect:
                old.unlink()


def model_id(path: Path) -> str | None:
    """The id Rasa gave the model when it trained it (metadata.json in the archive)."""
    try:
        with tarfile.open(path) as archive:
            member = archive.extractfile("metadata.json")
            return str(json.load(member)["model_id"]) if member else None
    except (OSError, tarfile.TarError, KeyError, ValueError):
        return None


class RasaModels:
    """The model endpoints of one Rasa server."""

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.client = client or httpx.Client(timeout=LOAD_SECONDS)

    def status(self) -> dict[str, Any]:
        try:
            response = self.client.get(f"{self.url}/status", timeout=10)
        except httpx.HTTPError as exc:
            raise RasaUnreachable(self.url) from exc
        if response.status_code != 200:
            raise RasaUnreachable(f"{self.url} (HTTP {response.status_code})")
        return dict(response.json())

    def load(self, model: Path) -> None:
        try:
            response = self.client.put(f"{self.url}/model",
                                       json={"model_file": str(model.resolve())})
        except httpx.HTTPError as exc:
            raise RasaUnreachable(self.url) from exc
        if response.status_code != 204:
            try:
                detail = response.json().get("message") or response.text
            except ValueError:
                detail = response.text
            raise ModelError(f"Rasa konnte {model.name} nicht laden (HTTP "
                             f"{response.status_code}): {' '.join(str(detail).split())[:300]}")


def load_model(rasa: RasaModels, model: Path, say: Say, models: Models = Models(),
               action: str = "load") -> bool:
    """Loads ``model`` into the running server after keeping a copy of the one it replaces;
    True when it was loaded (False: it was loaded already)."""
    new_id = model_id(model)
    if new_id is None:
        raise ModelError(f"{model} ist kein Rasa-Modell (oder fehlt)")
    before = rasa.status()
    say(f"Rasa unter {rasa.url}: aktives Modell {before.get('model_file')} "
        f"(Kennung {before.get('model_id')})")
    if before.get("model_id") == new_id:
        say(f"{model.name} ist schon geladen; nichts zu tun")
        return False
    replaced = models.find(str(before.get("model_id")), before.get("model_file"))
    if replaced is None:
        say("Warnung: die Datei des aktiven Modells ist nicht mehr da; "
            "`intake model restore` kann nicht zu ihm zurück")
    else:
        replaced = models.keep(replaced)
        say(f"aktives Modell aufbewahrt: {_shown(replaced)}")
    say(f"lade {_shown(model)} (Kennung {new_id}) …")
    rasa.load(model)
    after = rasa.status()
    if after.get("model_id") != new_id:
        raise ModelError(f"Rasa meldet nach dem Laden das Modell {after.get('model_id')}, "
                         f"erwartet war {new_id}")
    models.record({
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "action": action,
        "rasa": rasa.url, "loaded": str(model.resolve()), "model_id": new_id,
        "replaced": str(replaced.resolve()) if replaced else None,
        "replaced_model_id": before.get("model_id"),
    })
    say(f"geladen: Rasa meldet {after.get('model_file')} (Kennung {after.get('model_id')}); "
        "laufende Gespräche gehen weiter")
    return True


def restore_model(rasa: RasaModels, say: Say, models: Models = Models()) -> bool:
    """Loads the model that the last ``load`` (or ``restore``) replaced."""
    rasa.status()  # reachable at all?
    last = models.history()[-1:] or [{}]
    previous = last[0].get("replaced")
    if not previous:
        raise ModelError("kein vorheriges Modell bekannt: es wurde noch keins mit "
                         "`intake model load` ersetzt")
    path = Path(previous)
    if not path.exists():
        raise ModelError(f"das vorherige Modell {path} ist nicht mehr da")
    say(f"vorheriges Modell (vor {last[0].get('at')}): {_shown(path)}")
    return load_model(rasa, path, say, models, action="restore")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)
