"""Runs in the Rasa virtualenv: parses test texts with a trained model.

Usage: rasa_predict.py MODEL INPUT.json OUTPUT.json, where INPUT is a list of texts and
OUTPUT the predicted intent name of each, in order.
"""
import asyncio
import json
import sys

from rasa.core.agent import Agent


async def main(model: str, source: str, target: str) -> None:
    agent = Agent.load(model)
    with open(source, encoding="utf-8") as fh:
        texts = json.load(fh)
    intents = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intents.append((parsed.get("intent") or {}).get("name"))
    with open(target, "w", encoding="utf-8") as fh:
        json.dump(intents, fh)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
