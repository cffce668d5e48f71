"""Upgrades: a database filled by v0.1 migrates to today's schema and keeps every row;
a step down and up again (rolling a release back and forth) keeps them too."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory

from helpdesk import migrate
from tests.integration.upgrades.conftest import NewDatabase
from tests.integration.upgrades.v0_1 import V0_1_REVISION, build_v0_1
from tests.integration.upgrades.v0_1_checks import check_v0_1, continue_conversations


def _head() -> str:
    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def test_a_v0_1_database_migrates_to_head_with_every_row_intact(
    new_database: NewDatabase,
) -> None:
    url = new_database("v0_1")
    build_v0_1(url)
    assert _head() != V0_1_REVISION, "nothing to upgrade: the test would prove nothing"
    migrate.upgrade(url)
    check_v0_1(url)
    continue_conversations(url)


@pytest.mark.parametrize("down_to", ["-1", V0_1_REVISION])
def test_a_migrated_v0_1_database_goes_down_and_up_again_with_every_row_intact(
    new_database: NewDatabase, down_to: str
) -> None:
    url = new_database("v0_1")
    build_v0_1(url)
    migrate.upgrade(url)
    migrate.downgrade(url, down_to)
    migrate.upgrade(url)
    check_v0_1(url)
    continue_conversations(url)
