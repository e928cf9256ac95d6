"""Settings from the environment (and an optional, git-ignored .env file)."""
from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from intake.paths import PROJECT_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=PROJECT_DIR / ".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'kim-intake.sqlite3'}"
    rasa_url: str = "http://127.0.0.1:5005"
    # Rasa's SQL tracker store (written into var/endpoints.yml; read by the retention job).
    tracker_store_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'rasa-trackers.sqlite3'}"
    actions_url: str = "http://127.0.0.1:5055"
    # Rasa's lock store: needed when several Rasa servers share conversations.
    redis_url: str | None = None
    # Retention (days): closed requests, and conversations without a new message.
    retention_closed_days: int = 180
    retention_conversation_days: int = 30
    # The console's audit log (who saw or changed what).
    retention_audit_days: int = 365
