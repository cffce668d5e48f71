"""Application settings, read from the environment (prefix ``DIODO_``) and ``.env``."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting of the app. `.env.example` lists them with safe values."""

    model_config = SettingsConfigDict(
        env_prefix="DIODO_",
        env_file=(REPO_ROOT / ".env", REPO_ROOT / "var" / "local.env"),
        extra="ignore",
    )

    env: Literal["development", "demo", "production"] = Field(
        default="development",
        description="Deployment kind (DIODO_ENV). production: no API docs (/docs, "
        "/openapi.json). See docs/security.md.",
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
    # The processes authenticate each other with shared secrets (docs/security.md).
    rasa_token: SecretStr = Field(
        default=SecretStr(""),
        description="The app sends it to Rasa's REST channel, which refuses callers without it.",
    )
    actions_token: SecretStr = Field(
        default=SecretStr(""),
        description="Rasa sends it to the action server, which refuses callers without it. "
        "`diodo run` passes it to both; the app itself does not use it.",
    )

    internal_api_token: SecretStr = SecretStr("")
    internal_api_allow_remote: bool = False
    pseudonym_key: SecretStr = SecretStr("")
    pseudonym_key_id: str = Field(
        default="1",
        description="Id of pseudonym_key, stored with new conversations; change both to rotate.",
    )

    # Data protection (DSGVO), see docs/privacy.md.
    contact_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Comma-separated Fernet keys for addresses at rest; the first encrypts, all "
        "decrypt. Rotate: put a new key first, run `diodo privacy rotate-keys`, drop the old.",
    )
    contact_index_key: SecretStr = Field(
        default=SecretStr(""),
        description="HMAC key of the blind index that finds a contact by its address.",
    )
    retention_days: int = Field(default=90, ge=1, description="Texts and contacts older: erased.")
    ticket_retention_days: int = Field(
        default=30, ge=1, description="Closed tickets lose thread and personal fields after this."
    )
    retention_interval_seconds: float = 3600.0
    privacy_sweep_seconds: float = Field(
        default=5.0, description="How often pending erasures are finished (well under 1 min)."
    )
    rasa_tracker_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'rasa-tracker.db'}",
        description="Rasa's SQL tracker store; erasure deletes a citizen's events there. "
        "Empty: no tracker store to erase from.",
    )
    controller_name: str = "Stadt Dortmund"
    controller_address: str = "Friedensplatz 1, 44135 Dortmund"
    # The city must set the contacts and dates below. Empty: the page shows a placeholder
    # asking the city to fill them in (text ``city_to_fill_in`` in helpdesk/texts/de.yml).
    controller_contact: str = Field(
        default="", description="How citizens reach the controller (on /datenschutz)."
    )
    dpo_name: str = "Behördliche Datenschutzbeauftragte der Stadt Dortmund"
    dpo_contact: str = Field(
        default="", description="How citizens reach the data protection officer."
    )
    # Accessibility statement (BITV NRW) at /barrierefreiheit, see docs/accessibility.md.
    accessibility_contact: str = Field(
        default="",
        description="Where citizens report barriers (e-mail address, phone, postal address).",
    )
    accessibility_statement_date: str = Field(
        default="", description="Date the statement was written, as it should read."
    )
    accessibility_review_date: str = Field(
        default="", description="Date of the last review of the statement."
    )

    conversation_workers: int = 8
    delivery_workers: int = 2
    claim_lease_seconds: float = 60.0
    retry_max_seconds: float = 30.0
    poll_interval_seconds: float = 0.5
    max_message_chars: int = 2000
    give_up_after_seconds: float = 6 * 3600

    knowledge_semantic: bool = True
    knowledge_cache_dir: Path = REPO_ROOT / "var" / "cache" / "knowledge"
    knowledge_dir: Path | None = Field(
        default=None,
        description="Directory of the articles; empty: the ones shipped in knowledge/articles.",
    )

    log_level: str = "INFO"
    # Operations (docs/operations.md): log format and the Prometheus endpoint.
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text: one readable line per record; json: one JSON object per line "
        "(time, level, logger, message) for a log collector. Redaction applies to both.",
    )
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="Bearer token Prometheus sends to GET /metrics (at least 16 characters). "
        "Empty: no /metrics (404).",
    )

    # Phone simulator (helpdesk.simulator, README "Try it without a phone"): /simulator
    # drives SMS and Telegram through the real channel code against local stand-ins of
    # Twilio's and Telegram's APIs. Demos and training only: refused in production.
    simulator: bool = Field(
        default=False,
        description="Serve the phone simulator at /simulator (DIODO_SIMULATOR). Refused at "
        "start-up with DIODO_ENV=production. See docs/operations.md.",
    )

    password_hash_cost: Literal["standard", "test"] = Field(
        default="standard",
        description="Cost of staff password hashes (DIODO_PASSWORD_HASH_COST). standard: "
        "argon2id t=3, 64 MiB (RFC 9106). test: a cheap hash for the test suite only, "
        "refused at start-up with DIODO_ENV=production.",
    )

    places_seed_example_data: bool = Field(
        default=True,
        description="At start-up, load the shipped example places if the registry is empty.",
    )

    # Staff web UI (helpdesk.staff): sessions and login rate limit.
    staff_session_idle_minutes: float = 30.0
    staff_session_absolute_hours: float = 12.0
    staff_cookie_secure: bool = Field(
        default=True,
        description="Secure flag on the staff session cookie. Keep true; see docs/staff.md.",
    )
    staff_login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins of one account from one address per window."
    )
    staff_login_address_max_failures: int = Field(
        default=50,
        ge=1,
        description="Failed logins from one address, all accounts together (a library's "
        "colleagues share one public address, so keep it high).",
    )
    staff_login_account_max_failures: int = Field(
        default=20,
        ge=1,
        description="Failed logins of one account from all addresses; blocks only browsers "
        "where the account never signed in (no device token). See docs/staff.md.",
    )
    staff_login_window_minutes: float = 15.0
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of our reverse proxies; only their "
        "X-Forwarded-For is believed. Empty: the header is never used.",
    )

    # Help desk tickets (helpdesk.tickets): first-response budgets in staffed minutes,
    # and the staffed hours of the central queue (tickets no place near the citizen takes).
    tickets_central_hours: str = "Mo-Fr 09:00-17:00"
    tickets_due_minutes_normal: int = 480
    tickets_due_minutes_hoch: int = 240
    tickets_due_minutes_dringend: int = 60

    # E-mail notifications to staff (helpdesk.notifications, docs/tickets.md): urgent
    # tickets and passed first-response due times. Empty host: no e-mails.
    smtp_host: str = Field(default="", description="SMTP server; empty: notifications off.")
    smtp_port: int = 587
    smtp_username: str = Field(default="", description="Empty: no SMTP login.")
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "diodo@localhost"
    smtp_starttls: bool = Field(default=True, description="STARTTLS before login and sending.")
    notify_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often the notification job looks for tickets."
    )

    # SMS via Twilio: the channel starts only when the three credentials are set.
    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_from_number: str = ""
    twilio_api_base_url: str = Field(
        default="",
        description="Empty: Twilio's own API. Tests point it at the local fake.",
    )
    twilio_timeout_seconds: float = 10.0
    sms_max_per_number_per_hour: int = 30
    sms_max_per_hour: int = 1000

    # Telegram via python-telegram-bot: starts only when the token is set.
    telegram_bot_token: SecretStr = SecretStr("")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL (the token is appended). Tests use the local fake.",
    )
    telegram_poll_timeout_seconds: float = 20.0
    telegram_timeout_seconds: float = 10.0
    telegram_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Set: webhook mode at {public_url}/telegram/webhook; empty: long polling.",
    )

    # Abuse limits (helpdesk.channels.limits, docs/channels.md "Limits"): a burst, then
    # one more per interval. Far above what a person types; benches and tests that send
    # faster than a person raise them explicitly.
    webchat_message_burst: int = Field(default=5, ge=1)
    webchat_message_interval_seconds: float = Field(
        default=3.0,
        ge=0,
        description="Web chat messages per session: one per this after the burst.",
    )
    webchat_address_message_burst: int = Field(default=60, ge=1)
    webchat_address_message_interval_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Web chat messages of all sessions of one client address (a library, a "
        "school): one per this after the burst.",
    )
    webchat_session_burst: int = Field(default=60, ge=1)
    webchat_session_interval_seconds: float = Field(
        default=3.0, ge=0, description="New web chat sessions per client address."
    )
    webchat_max_polls_per_session: int = Field(
        default=3, ge=1, description="Open long polls (GET replies with wait) per session."
    )
    webchat_max_polls_per_address: int = Field(default=100, ge=1)
    webchat_empty_session_hours: float = Field(
        default=24.0, gt=0, description="A web chat session that never sent a message: erased."
    )
    # The chat page on a shared kiosk PC (docs/channels.md, "Kiosk"): it clears itself
    # after this much time without input. Kiosk: `/?kiosk=1`, or every visitor.
    kiosk_mode: bool = Field(
        default=False, description="Every chat page behaves as on a kiosk, without `?kiosk=1`."
    )
    kiosk_idle_seconds: int = Field(
        default=180,
        ge=10,
        le=3600,
        description="Seconds without input until a kiosk's chat page clears itself (the last "
        "30 of them, or half of a shorter time, show a notice with a countdown).",
    )
    sms_message_burst: int = Field(default=5, ge=1)
    sms_message_interval_seconds: float = Field(default=5.0, ge=0)
    telegram_message_burst: int = Field(default=10, ge=1)
    telegram_message_interval_seconds: float = Field(default=3.0, ge=0)
    limit_notice_minutes: float = Field(
        default=15.0,
        ge=0,
        description="SMS and Telegram: at most one 'too many messages' reply per sender and "
        "window.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ipaddress.ip_network(item.strip(), strict=False)  # ValueError: refused
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token_is_long(cls, value: SecretStr) -> SecretStr:
        # /metrics is reachable from the cluster network: a guessable token is refused.
        if 0 < len(value.get_secret_value()) < 16:
            raise ValueError("DIODO_METRICS_TOKEN must be empty (off) or at least 16 characters")
        return value

    @property
    def sms_enabled(self) -> bool:
        """True when Twilio credentials and a sender number are configured."""
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token.get_secret_value()
            and self.twilio_from_number
        )

    @property
    def telegram_enabled(self) -> bool:
        """True when a Telegram bot token is configured."""
        return bool(self.telegram_bot_token.get_secret_value())


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own ``Settings``)."""
    return Settings()
