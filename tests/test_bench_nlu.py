"""bench/nlu.py keeps the stock pipeline's predictions (an hour of training on 2 cores) and
reuses them only for the same split, configuration and Rasa."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench_nlu():
    if not (ROOT / ".venv-rasa" / "bin" / "python").exists():
        pytest.skip("Rasa's virtualenv is not built")
    spec = importlib.util.spec_from_file_location("bench_nlu", ROOT / "bench" / "nlu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TRAIN = {"de": {"greet": ["hallo", "moin"], "goodbye": ["tschüss"]}}


def test_fingerprint_changes_with_what_the_stock_model_saw(bench_nlu, tmp_path):
    config = tmp_path / "stock.yml"
    config.write_text("pipeline: []\n", encoding="utf-8")
    same = bench_nlu.stock_fingerprint(TRAIN, ["hi"], config)
    assert bench_nlu.stock_fingerprint(json.loads(json.dumps(TRAIN)), ["hi"], config) == same
    assert bench_nlu.stock_fingerprint(
        {"de": {"greet": ["hallo", "servus"], "goodbye": ["tschüss"]}}, ["hi"], config) != same
    assert bench_nlu.stock_fingerprint(TRAIN, ["hi", "ok"], config) != same
    config.write_text("pipeline: [{name: DIETClassifier}]\n", encoding="utf-8")
    assert bench_nlu.stock_fingerprint(TRAIN, ["hi"], config) != same


def test_stored_predictions_are_used_only_for_their_fingerprint(bench_nlu, tmp_path, monkeypatch):
    stored = tmp_path / "stock_predictions.json"
    monkeypatch.setattr(bench_nlu, "STOCK_PREDICTIONS", stored)
    assert bench_nlu.stored_stock_predictions("abc") is None
    stored.write_text(json.dumps({"fingerprint": "abc", "intents": ["greet"]}), encoding="utf-8")
    assert bench_nlu.stored_stock_predictions("abc")["intents"] == ["greet"]
    assert bench_nlu.stored_stock_predictions("abd") is None
