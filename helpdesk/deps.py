"""FastAPI dependencies: short aliases for what routes need from the app's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from helpdesk.channels.limits import ChannelLimits
from helpdesk.conversations.notify import Notifier
from helpdesk.db import MAX_ROW_ID, Database
from helpdesk.privacy.crypto import Keyring
from helpdesk.settings import Settings


def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_keys(request: Request) -> Keyring:
    return request.app.state.keys  # type: ignore[no-any-return]


def get_notifier(request: Request) -> Notifier:
    return request.app.state.notifier  # type: ignore[no-any-return]


def get_limits(request: Request) -> ChannelLimits:
    return request.app.state.limits  # type: ignore[no-any-return]


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
NotifierDep = Annotated[Notifier, Depends(get_notifier)]
KeysDep = Annotated[Keyring, Depends(get_keys)]
LimitsDep = Annotated[ChannelLimits, Depends(get_limits)]
# Row ids in paths and cursors: bounded by the INTEGER columns (PostgreSQL's 4-byte
# INTEGER is the narrowest), so an absurd id is a clear 404/422, never a 500.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
OptionalRowIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
