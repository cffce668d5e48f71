"""Application settings, read from the environment (prefix ``DIODO_``) and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting of the app. `.env.example` lists them with safe values."""

    model_config = SettingsConfigDict(
        env_prefix="DIODO_",
        env_file=(REPO_ROOT / ".env", REPO_ROOT / "var" / "local.env"),
        extra="ignore",
    )

    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'diodo.db'}"
    auto_migrate: bool = True
    single_process: bool = Field(
        default=True,
        description="Embedded mode: at start-up, reclaim rows this process left unfinished.",
    )

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://localhost:8000"

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 30.0
    actions_url: str = "http://127.0.0.1:5055"

    internal_api_token: SecretStr = SecretStr("")
    internal_api_allow_remote: bool = False
    pseudonym_key: SecretStr = SecretStr("")

    conversation_workers: int = 8
    delivery_workers: int = 2
    claim_lease_seconds: float = 60.0
    retry_max_seconds: float = 30.0
    poll_interval_seconds: float = 0.5
    max_message_chars: int = 2000
    give_up_after_seconds: float = 6 * 3600

    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own ``Settings``)."""
    return Settings()
