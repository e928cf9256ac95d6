"""Runs ``rasa train`` (in Rasa's own virtualenv: ``python -m bot.rasa_train train …``) within
the 3-minute training budget of the ten-language model:

- the intent classifier's features are joined in one step, the same matrix as Rasa's
  (bot/rasa_speedups.py; tests/test_rasa_server.py compares them): Rasa's own way took 35 s of
  the classifier's minute;
- Rasa's training cache is not written. To cache each component's output, Rasa fingerprints
  the output, every message with its features (about 30 s on our data), but a cached output
  is never reused here: `make model` retrains only when the data changed (and then with
  ``--force``), and a change of the data changes every component's input.
"""
from __future__ import annotations

import sys
from typing import Any

from bot import rasa_speedups


def write_no_training_cache() -> None:
    from rasa.engine.training.hooks import TrainingHook

    def before(self: Any, *args: Any, **kwargs: Any) -> dict:
        return {}

    def after(self: Any, *args: Any, **kwargs: Any) -> None:
        return None

    TrainingHook.on_before_node = before
    TrainingHook.on_after_node = after


def main() -> None:
    rasa_speedups.join_only_the_sentence_features()
    write_no_training_cache()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
