"""``diodo backup`` and ``diodo restore`` from the shell: keys stay out unless asked, with a
warning when they go in, and a restore without the keys fails clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.backup import cli, stores
from helpdesk.backup.keys import key_id
from helpdesk.cli.main import main
from helpdesk.settings import Settings
from tests.integration.backup.conftest import NewSystem, fill
from tests.keys import CONTACT_KEY, ENV_KEYS, INDEX_KEY

KEY_NAMES = [*ENV_KEYS, "DIODO_PSEUDONYM_KEY"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backup_and_restore_from_the_shell_with_and_without_the_keys(
    new_system: NewSystem,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(Settings.model_config, "env_file", ())  # no developer's var/local.env
    local_env = tmp_path / "var" / "local.env"
    monkeypatch.setattr(cli, "LOCAL_ENV", local_env)
    source, target = new_system("source"), new_system("target")
    fill(source.locations)
    monkeypatch.setenv("DIODO_DATABASE_URL", source.url)
    monkeypatch.setenv("DIODO_RASA_TRACKER_URL", source.tracker)
    plain, with_keys = tmp_path / "plain.tar.gz", tmp_path / "with-keys.tar.gz"

    assert main(["backup", "--output", str(plain)]) == 0
    printed = capsys.readouterr()
    assert f"contact keys {key_id(CONTACT_KEY)}; index key {key_id(INDEX_KEY)}" in printed.out
    assert "keys: not included; they are in environment" in printed.out
    assert "3 conversations" in printed.out and "(6 events)" in printed.out
    assert main(["backup", "--include-keys", "--output", str(with_keys)]) == 0
    printed = capsys.readouterr()
    assert "CONTAINS THE KEYS" in printed.err and "INCLUDED" in printed.out
    assert CONTACT_KEY not in printed.out + printed.err

    monkeypatch.setenv("DIODO_DATABASE_URL", target.url)
    monkeypatch.setenv("DIODO_RASA_TRACKER_URL", target.tracker)
    for name in KEY_NAMES:
        monkeypatch.delenv(name)
    assert main(["restore", str(plain)]) == 1
    assert "no keys are configured" in capsys.readouterr().err
    assert main(["restore", "--check", str(with_keys)]) == 1
    assert "--restore-keys" in capsys.readouterr().err
    assert stores.is_empty(target.url) and not local_env.exists()

    assert main(["restore", "--restore-keys", str(with_keys)]) == 0
    printed = capsys.readouterr()
    assert "every encrypted value opens" in printed.out and CONTACT_KEY not in printed.out
    assert local_env.stat().st_mode & 0o777 == 0o600
    assert f"DIODO_CONTACT_KEYS={CONTACT_KEY}" in local_env.read_text().splitlines()
    assert stores.counts_of(target.url) == stores.counts_of(source.url)
    assert stores.counts_of(target.tracker) == stores.counts_of(source.tracker)
