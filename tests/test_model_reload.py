"""Putting a new model live (`intake model load` / `restore`): which model files are kept and
found, and, against a real Rasa server, that a conversation goes on across a model change and
that the model before comes back. The Rasa tests need the Rasa virtualenv and the model."""
from __future__ import annotations

import io
import json
import shutil
import socket
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import intake.model_reload as model_reload
from intake.cli import main
from intake.model_reload import KEEP, ModelError, Models, RasaModels, model_id, restore_model
from intake.stack import MODEL, PROJECT_DIR


def with_model_id(source: Path, target: Path, new_id: str) -> Path:
    """A copy of the model ``source`` that Rasa takes for another model: the same components
    under another id (as if trained again)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source) as original, tarfile.open(target, "w:gz") as copy:
        for member in original.getmembers():
            data = original.extractfile(member) if member.isfile() else None
            if member.name == "metadata.json" and data is not None:
                metadata = json.load(data)
                metadata["model_id"] = new_id
                raw = json.dumps(metadata).encode()
                member.size = len(raw)
                copy.addfile(member, io.BytesIO(raw))
            else:
                copy.addfile(member, data)
    return target


def fake_model(path: Path, identifier: str) -> Path:
    """An archive with only the metadata: enough to be kept and found, not to be loaded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps({"model_id": identifier}).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(raw)
        archive.addfile(info, io.BytesIO(raw))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- without Rasa ---------------------------------------------------------------------------

def test_a_model_is_known_by_the_id_in_its_archive(tmp_path: Path) -> None:
    assert model_id(fake_model(tmp_path / "a.tar.gz", "abc123")) == "abc123"
    (tmp_path / "broken.tar.gz").write_bytes(b"not a model")
    assert model_id(tmp_path / "broken.tar.gz") is None
    assert model_id(tmp_path / "missing.tar.gz") is None


def test_keeping_copies_a_model_once_and_finds_it_by_id(tmp_path: Path) -> None:
    models = Models(tmp_path)
    current = fake_model(models.current, "aaaa1111")

    kept = models.keep(current)
    assert kept is not None and kept.parent == models.previous
    assert kept.name.startswith("kim-intake-") and kept.name.endswith("-aaaa1111.tar.gz")
    assert models.keep(current) == kept                      # not copied twice
    assert list(models.previous.glob("*.tar.gz")) == [kept]
    fake_model(models.current, "bbbb2222")                   # `make model` trained a new one
    assert models.find("aaaa1111") == kept
    assert models.find("bbbb2222") == models.current
    assert models.find("cccc3333") is None
    assert models.keep(tmp_path / "nothing.tar.gz") is None


def test_only_the_newest_copies_are_kept_but_never_those_of_the_last_change(
        tmp_path: Path) -> None:
    models = Models(tmp_path)
    first = models.keep(fake_model(tmp_path / "first.tar.gz", "id-first"))
    assert first is not None
    models.record({"at": "earlier", "action": "load", "loaded": str(tmp_path / "x.tar.gz"),
                   "replaced": str(first)})
    for n in range(KEEP + 2):
        copy = models.keep(fake_model(tmp_path / f"m{n}.tar.gz", f"id-{n}"))
        assert copy is not None
        copy.touch()

    ids = {model_id(p) for p in models.previous.glob("*.tar.gz")}
    assert "id-first" in ids                                  # restore still goes back to it
    assert len(ids) == KEEP + 1
    assert {"id-0", "id-1"}.isdisjoint(ids)


def test_an_unreachable_rasa_server_is_one_line_and_exit_code_2(
        capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for command in (["model", "load", str(MODEL)], ["model", "restore"], ["model", "status"]):
        assert main([*command, "--url", url]) == 2, command
        out, err = capsys.readouterr()
        assert err.count("\n") == 1 and "nicht erreichbar" in err and url in err
        assert "Traceback" not in out + err


def test_restore_without_an_earlier_load_says_so(tmp_path: Path) -> None:
    answering = httpx.MockTransport(lambda request: httpx.Response(
        200, json={"model_file": "kim-intake.tar.gz", "model_id": "abc"}))
    rasa = RasaModels("http://rasa", httpx.Client(transport=answering))

    with pytest.raises(ModelError, match="kein vorheriges Modell bekannt"):
        restore_model(rasa, print, Models(tmp_path))


# --- against a running Rasa server ----------------------------------------------------------

@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.rasa_stack import RasaStack

    running = RasaStack(tmp_path_factory.mktemp("reload-stack"))
    try:
        yield running.start()
    finally:
        running.close()


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own models/ folder, holding the model the server was started with."""
    shutil.copy2(MODEL, tmp_path / "kim-intake.tar.gz")
    monkeypatch.setattr(model_reload, "MODELS_DIR", tmp_path)
    return tmp_path


def status(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/status", timeout=10).json())


def asks(language: str, slot: str) -> str:
    texts = yaml.safe_load((PROJECT_DIR / "locales" / f"{language}.yml").read_text(encoding="utf-8"))
    return str(texts[f"utter_ask_{slot}"]).strip()


def replies_text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.mark.rasa
def test_a_new_model_goes_live_mid_conversation_and_the_old_one_comes_back(
        stack: Any, models_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started_with = status(stack.url)
    assert started_with["model_id"] == model_id(MODEL)
    sender = uuid.uuid4().hex
    replies = stack.say(sender, "hallo")
    consent = next(b["payload"] for r in replies for b in r.get("buttons") or []
                   if b["title"] == "Ja, einverstanden")
    stack.say(sender, consent)
    stack.say(sender, "ich wohne in haan")
    stack.say(sender, "ich bin 17 und allein hier")
    assert stack.tracker(sender)["slots"]["requested_slot"] == "country_of_origin"

    new_id = uuid.uuid4().hex
    newer = with_model_id(MODEL, models_dir / "kim-intake-neu.tar.gz", new_id)
    assert main(["model", "load", str(newer), "--url", stack.url]) == 0
    out = capsys.readouterr().out
    assert f"lade {newer} (Kennung {new_id})" in out and "geladen: Rasa meldet" in out

    now = status(stack.url)
    assert (now["model_id"], now["model_file"]) == (new_id, "kim-intake-neu.tar.gz")
    slots = stack.tracker(sender)["slots"]
    assert (slots["municipality"], slots["age"], slots["accompanied"]) == ("haan", 17, False)
    replies = stack.say(sender, "aus afghanistan")
    slots = stack.tracker(sender)["slots"]
    assert slots["country_of_origin"] == "AF" and slots["requested_slot"] == "residence_status"
    assert asks("de", "residence_status") in replies_text(replies)

    # The model it replaced was kept and is what `restore` loads.
    [kept] = (models_dir / "previous").glob("*.tar.gz")
    assert model_id(kept) == started_with["model_id"]
    assert main(["model", "restore", "--url", stack.url]) == 0
    assert status(stack.url) == {**started_with, "model_file": kept.name}
    replies = stack.say(sender, "Aufenthaltsgestattung")
    slots = stack.tracker(sender)["slots"]
    assert (slots["age"], slots["country_of_origin"], slots["residence_status"]) == (
        17, "AF", "gestattung")
    assert slots["requested_slot"] not in (None, "residence_status")
    assert asks("de", slots["requested_slot"]).splitlines()[0] in replies_text(replies)

    history = Models(models_dir).history()
    assert [(h["action"], h["model_id"], h["replaced_model_id"]) for h in history] == [
        ("load", new_id, started_with["model_id"]), ("restore", started_with["model_id"], new_id)]
    assert history[0]["replaced"] == str(kept)


@pytest.mark.rasa
def test_a_model_rasa_cannot_load_leaves_the_active_one_in_place(
        stack: Any, models_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = status(stack.url)
    broken = fake_model(models_dir / "broken.tar.gz", uuid.uuid4().hex)

    assert main(["model", "load", str(broken), "--url", stack.url]) == 1

    err = capsys.readouterr().err
    assert err.startswith("intake: Rasa konnte broken.tar.gz nicht laden") and err.count("\n") == 1
    assert status(stack.url) == before
    assert Models(models_dir).history() == []
    sender = uuid.uuid4().hex
    assert "Darf ich Ihre Antworten speichern" in replies_text(stack.say(sender, "hallo"))
