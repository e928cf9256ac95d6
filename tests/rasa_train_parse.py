"""Runs in the Rasa virtualenv, for tests/test_inbox.py: trains an NLU-only model on each of
some folders of training data and parses the same texts with each, in one process (importing
Rasa takes most of the time).

Usage: rasa_train_parse.py CONFIG DOMAIN OUT_DIR TEXTS.json RESULT.json NLU_DIR [NLU_DIR ...],
where TEXTS is a list of texts and RESULT receives, per NLU_DIR in order, the predicted intent
name of each text.
"""
import asyncio
import json
import sys
from pathlib import Path

# config.yml names the project's own NLU component (nlu_components/); run as a script, the
# project directory is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


async def predictions(config: str, domain: str, out: str, texts: list[str],
                      nlu_dirs: list[str]) -> list[list[str | None]]:
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    results = []
    for number, nlu in enumerate(nlu_dirs):
        model = train_nlu(config, nlu, str(Path(out) / str(number)), fixed_model_name="nlu",
                          domain=domain)
        if model is None:
            raise SystemExit(f"training on {nlu} failed")
        agent = Agent.load(model)
        results.append([((await agent.parse_message(text)).get("intent") or {}).get("name")
                        for text in texts])
    return results


def main(config: str, domain: str, out: str, source: str, target: str, *nlu_dirs: str) -> None:
    texts = json.loads(Path(source).read_text(encoding="utf-8"))
    results = asyncio.run(predictions(config, domain, out, texts, list(nlu_dirs)))
    Path(target).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
