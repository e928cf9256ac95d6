"""Rasa's own checks: the training data validates, and the test stories of tests/stories
(happy paths, "don't know", a correction, asking for a person) are predicted exactly."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from intake.stack import MODEL, PROJECT_DIR

pytestmark = pytest.mark.rasa
RASA = PROJECT_DIR / ".venv-rasa" / "bin" / "rasa"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def rasa(*args: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RASA), *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=600)


def test_rasa_data_validates() -> None:
    result = rasa("data", "validate", "--domain", "bot/domain", "--data", "nlu", "bot/rules",
                  "bot/stories", "--config", "config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "No story structure conflicts found" in result.stdout + result.stderr


def test_test_stories_are_predicted_exactly(tmp_path: Path) -> None:
    result = rasa("test", "core", "--model", str(MODEL), "--stories", "tests/stories",
                  "--out", str(tmp_path), "--fail-on-prediction-errors")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Correct:" in result.stdout + result.stderr
