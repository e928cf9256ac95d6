"""Runs in Rasa's virtualenv (``python -m bot.rasa_predict MODEL INPUT.json OUTPUT.json``):
parses texts with a trained model, for the evaluation (intake/evaluation.py).

INPUT is a list of texts; OUTPUT one object per text, in order: the predicted ``intent``, its
``confidence``, and ``guess``, the best real intent when the prediction is ``nlu_fallback``
(the model was unsure). Only the standard library and Rasa: this runs beside Rasa.
"""
from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

FALLBACK = "nlu_fallback"


def prediction(parsed: dict[str, Any]) -> dict[str, Any]:
    intent = parsed.get("intent") or {}
    guess = next((r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK),
                 None) if intent.get("name") == FALLBACK else None
    return {
        "intent": intent.get("name"),
        "confidence": (guess or intent).get("confidence"),
        "guess": guess.get("name") if guess else None,
    }


async def main(model: str, source: str, target: str) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    with open(source, encoding="utf-8") as fh:
        texts = json.load(fh)
    results = [prediction(await agent.parse_message(text)) for text in texts]
    with open(target, "w", encoding="utf-8") as fh:
        json.dump(results, fh)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
