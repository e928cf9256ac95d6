"""Settings from the environment (and an optional, git-ignored .env file)."""
from __future__ import annotations

from pathlib import Path

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
    # The inbox of misunderstood messages: what goes in (an intent below this confidence, or
    # Rasa's nlu_fallback), and how long an entry stays, labelled or not.
    inbox_confidence_threshold: float = 0.6
    retention_inbox_days: int = 30
    # Where `intake evaluate` writes its report (index.html, report.json, pictures).
    evaluation_dir: Path = PROJECT_DIR / "var" / "evaluation"
