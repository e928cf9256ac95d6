"""The gateway's configuration, from the environment (or the git-ignored .env file)."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.channel.configuration import one_line
from intake.paths import PROJECT_DIR

_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=PROJECT_DIR / ".env", extra="ignore")

    telegram_bot_token: str = Field(repr=False)
    # Conversation ids and button tokens are derived with this key (see bot/channel/).
    channel_secret: str = Field(repr=False, min_length=32)
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = Field(default=None, repr=False)
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_api_url: str = "https://api.telegram.org/bot"
    rasa_url: str = "http://127.0.0.1:5005"
    actions_url: str = "http://127.0.0.1:5055"
    telegram_messages_per_minute: int = 30
    # The queue database, where messages from caseworkers wait for the gateway to deliver.
    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'kim-intake.sqlite3'}"
    # Telegram allows a bot about 30 messages a second in all; python-telegram-bot's rate
    # limiter keeps the gateway below that.
    telegram_outgoing_per_second: float = 30.0
    # GET /health on this port (127.0.0.1) checks Rasa, the action server and the database;
    # 0 turns it off.
    telegram_health_port: int = Field(default=8081, ge=0, le=65535)
    telegram_health_listen: str = "127.0.0.1"

    @field_validator("telegram_bot_token")
    @classmethod
    def _looks_like_a_token(cls, value: str) -> str:
        if not _TOKEN.match(value.strip()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value.strip()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_characters(cls, value: str | None) -> str | None:
        # Telegram's rule for secret_token: 1-256 characters A-Z a-z 0-9 _ -
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
            raise ValueError("must be 16-256 characters of A-Z a-z 0-9 _ -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> GatewaySettings:
        if self.telegram_mode == "webhook":
            if not self.telegram_webhook_url:
                raise ValueError("TELEGRAM_WEBHOOK_URL is needed in webhook mode")
            if not self.telegram_webhook_secret:
                raise ValueError("TELEGRAM_WEBHOOK_SECRET is needed in webhook mode")
        return self


def load_settings(**overrides: object) -> GatewaySettings:
    """The settings, or a ConfigurationError that names what is wrong in one line."""
    try:
        return GatewaySettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise one_line(exc) from None
