"""What ``diodo run`` does for the simulator: wire unconfigured channels to it.

A channel with real credentials stays as configured (and the simulator leaves it alone,
see ``web.channels_ready``); an unconfigured one gets demo credentials, fresh for every
run, and the app's own stand-in as its API. So ``DIODO_SIMULATOR=true make run`` needs
no account anywhere, and nothing is sent to Twilio or Telegram.
"""

from __future__ import annotations

import secrets

from helpdesk.settings import Settings
from helpdesk.simulator.service import SMS_API_PATH, TELEGRAM_API_PATH, check_allowed

DEMO_FROM_NUMBER = "+4923100000000"  # shown as DiODo's number on the simulated phones


def demo_channel_env(
    app_url: str, *, sms_configured: bool, telegram_configured: bool
) -> dict[str, str]:
    """``DIODO_*`` variables for the app process that point the unconfigured channels at
    the simulator's stand-ins at ``app_url`` (the app's own local address)."""
    base = app_url.rstrip("/")
    env: dict[str, str] = {}
    if not sms_configured:
        env.update(
            DIODO_TWILIO_ACCOUNT_SID="AC" + secrets.token_hex(16),
            DIODO_TWILIO_AUTH_TOKEN=secrets.token_urlsafe(24),
            DIODO_TWILIO_FROM_NUMBER=DEMO_FROM_NUMBER,
            DIODO_TWILIO_API_BASE_URL=base + SMS_API_PATH,
        )
    if not telegram_configured:
        env.update(
            DIODO_TELEGRAM_BOT_TOKEN=f"{secrets.randbelow(10**9)}:{secrets.token_urlsafe(24)}",
            DIODO_TELEGRAM_API_BASE_URL=base + TELEGRAM_API_PATH,
            DIODO_TELEGRAM_WEBHOOK_SECRET="",  # the simulator serves polling only
        )
    return env


def run_env(settings: Settings, app_url: str) -> dict[str, str]:
    """The simulator's additions to the app's environment under ``diodo run``.

    Raises ``SimulatorRefused`` in production; empty when the simulator is off.
    """
    check_allowed(enabled=settings.simulator, env=settings.env)
    if not settings.simulator:
        return {}
    return demo_channel_env(
        app_url,
        sms_configured=settings.sms_enabled,
        telegram_configured=settings.telegram_enabled,
    )
