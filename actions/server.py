"""The action server (``python -m actions.server``): rasa_sdk's, taking calls without a domain.

Rasa sends its whole domain (every response in ten languages, ~450 kB) with each action call
unless ``enable_selective_domain`` is set (intake/endpoints.py). Rasa 3.6 then sends none;
rasa-sdk 3.21 expects the domain digest that newer Rasa versions send instead, and refuses the
call. Rasa sends it anyway to every ``validate_<form>`` action unless the domain says
``send_domain: false`` (bot/domain/actions.yml), which it does. The form validations read only
the forms' questions (rasa-sdk compares them with ``required_slots``), which this server reads
from bot/domain/forms.yml; so a call without a domain runs with the last domain seen, or that.
"""
from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any

import pluggy
import yaml

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_argument_parser, run
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from intake.paths import PROJECT_DIR

hookimpl = pluggy.HookimplMarker("rasa_sdk")

FORMS = PROJECT_DIR / "bot" / "domain" / "forms.yml"


@lru_cache(maxsize=1)
def forms_domain() -> dict[str, Any]:
    with FORMS.open(encoding="utf-8") as fh:
        return {"forms": yaml.safe_load(fh)["forms"]}


class ActionsWithoutDomain(ActionExecutor):
    def update_and_return_domain(
        self, payload: dict[str, Any], action_name: str
    ) -> dict[str, Any] | None:
        if payload.get("domain") is None:
            return self.domain or forms_domain()
        return super().update_and_return_domain(payload, action_name)


def warm_up() -> None:
    """Reads the word lists and trains the language guess (about 7 s with the cue lists) before
    the first message rather than during it: a first message that needed it waited longer than
    the channels' patience (6 s, then "one moment please")."""
    from actions._shared import offered_languages, understanding
    from intake.language_guess import language_model

    understanding()
    language_model(offered_languages())


class WarmUp:
    """Sanic serves from worker processes that rasa_sdk's app loader makes anew: each warms
    up before it listens (registered by rasa_sdk_plugins)."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        @app.listener("before_server_start")
        async def warm(*_: Any) -> None:
            await asyncio.to_thread(warm_up)


def main() -> None:
    args = create_argument_parser().parse_args()
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    executor = ActionsWithoutDomain()
    executor.register_package(args.actions_module or args.actions)
    run(executor, args.port, args.cors, auto_reload=args.auto_reload, endpoints=args.endpoints)


if __name__ == "__main__":
    main()
