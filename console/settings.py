"""The console's configuration, from the environment (or the git-ignored .env file)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.channel.configuration import one_line
from intake.paths import PROJECT_DIR


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=PROJECT_DIR / ".env", extra="ignore")

    # Signs the session cookie; a new value logs everybody out.
    console_secret: str = Field(repr=False, min_length=32)
    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'kim-intake.sqlite3'}"
    rasa_url: str = "http://127.0.0.1:5005"
    console_host: str = "127.0.0.1"
    console_port: int = 8090
    # Behind TLS (production) the cookie is sent over HTTPS only.
    console_secure_cookies: bool = False
    console_session_hours: int = 8
    # Where examples accepted from the inbox of misunderstood messages go (nlu/<language>.yml).
    nlu_dir: Path = PROJECT_DIR / "nlu"
    # The report of `intake evaluate` (report.json and pictures), shown under /auswertung.
    evaluation_dir: Path = PROJECT_DIR / "var" / "evaluation"


def load_settings(**overrides: object) -> ConsoleSettings:
    try:
        return ConsoleSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise one_line(exc) from None
