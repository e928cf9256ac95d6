"""The web chat's configuration, from the environment (or the git-ignored .env file)."""
from __future__ import annotations

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.channel.configuration import one_line
from intake.paths import PROJECT_DIR


class WebchatSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=PROJECT_DIR / ".env", extra="ignore")

    # Conversation ids and button tokens are derived with this key (see bot/channel/).
    channel_secret: str = Field(repr=False, min_length=32)
    rasa_url: str = "http://127.0.0.1:5005"
    actions_url: str = "http://127.0.0.1:5055"
    webchat_host: str = "127.0.0.1"
    webchat_port: int = 8080
    # Who may embed the chat in a frame (the widget on the city's website), for CSP.
    webchat_frame_ancestors: str = "'self'"
    webchat_messages_per_minute: int = 30
    # The queue database, where messages from caseworkers wait for the page to fetch them.
    database_url: str | None = f"sqlite:///{PROJECT_DIR / 'var' / 'kim-intake.sqlite3'}"


def load_settings(**overrides: object) -> WebchatSettings:
    try:
        return WebchatSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise one_line(exc) from None
