"""Key ids and the keys file of ``diodo backup`` / ``diodo restore``."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.backup.keys import (
    key_id,
    key_sources,
    keyring_from_env,
    keys_env_text,
    problems,
    write_keys,
)
from helpdesk.privacy.crypto import Keyring, new_contact_key
from tests.keys import CONTACT_KEY, INDEX_KEY, KEYS


def test_a_key_id_names_a_key_without_revealing_it() -> None:
    assert key_id(CONTACT_KEY) == key_id(CONTACT_KEY) != key_id(INDEX_KEY)
    assert len(key_id(CONTACT_KEY)) == 12 and key_id(CONTACT_KEY) not in CONTACT_KEY


def test_keys_written_into_an_env_file_keep_its_other_lines_and_come_back_the_same(
    tmp_path: Path,
) -> None:
    env = tmp_path / "var" / "local.env"
    env.parent.mkdir()
    env.write_text("DIODO_INTERNAL_API_TOKEN=abc\nDIODO_CONTACT_KEYS=old\n")
    write_keys(env, keys_env_text(KEYS))
    lines = env.read_text().splitlines()
    assert "DIODO_INTERNAL_API_TOKEN=abc" in lines and "DIODO_CONTACT_KEYS=old" not in lines
    assert env.stat().st_mode & 0o777 == 0o600
    assert keyring_from_env(env.read_text()) == KEYS
    assert key_sources([env, tmp_path / "missing.env"])[-1] == str(env.resolve())


def test_problems_name_missing_key_ids_and_a_changed_index_key() -> None:
    needed = {"contact_key_ids": [key_id(CONTACT_KEY)], "index_key_id": key_id(INDEX_KEY)}
    assert problems(needed, KEYS) == []
    rotated = Keyring(
        contact_keys=(new_contact_key(), CONTACT_KEY), index_key=INDEX_KEY, pseudonym_key="k"
    )
    assert problems(needed, rotated) == []  # the old key still listed: fine
    other = Keyring(contact_keys=(new_contact_key(),), index_key="other", pseudonym_key="k")
    found = problems(needed, other)
    assert key_id(CONTACT_KEY) in found[0] and key_id(INDEX_KEY) in found[1]
    assert problems(needed, None) == ["no keys are configured"]
    assert problems({"contact_key_ids": []}, None) == []  # nothing encrypted yet


@pytest.mark.parametrize("line", ["DIODO_CONTACT_KEYS=x", "export DIODO_CONTACT_KEYS = x"])
def test_the_keys_file_reference_finds_the_file_that_sets_the_contact_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    monkeypatch.delenv("DIODO_CONTACT_KEYS", raising=False)
    env = tmp_path / "x.env"
    env.write_text(f"# keys\n{line}\n")
    assert key_sources([env]) == [str(env.resolve())]
    monkeypatch.setenv("DIODO_CONTACT_KEYS", "y")
    assert key_sources([tmp_path / "none.env"]) == ["environment"]
